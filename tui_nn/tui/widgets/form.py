"""Form building blocks for the setup screen: validators that wrap the config parsers,
and a labelled row that shows a field's reason beside it.

The validation rules live in ``tui_nn.training.config`` (``FIELD_PARSERS``), shared with
the CLI; these validators only translate a parser's ConfigError into a Textual failure,
so the form and the CLI refuse the same values with the same words.
"""

from __future__ import annotations

from typing import Any, Callable

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.validation import ValidationResult, Validator
from textual.widget import Widget
from textual.widgets import Input, Label, Select, Static

from .static_text import show_text
from ...training.config import ConfigError, TrainConfig, check_batch_size, parse_batch_size


class ParserValidator(Validator):
    """Valid when ``parse`` accepts the text; the failure is the parser's one-line reason."""

    def __init__(self, parse: Callable[[str], Any]) -> None:
        super().__init__()
        self.parse = parse

    def validate(self, value: str) -> ValidationResult:
        try:
            self.parse(value)
        except ConfigError as exc:
            return self.failure(str(exc))
        return self.success()


class BatchSizeValidator(Validator):
    """A batch size the parser accepts and that fits the training set of the chosen dataset.

    ``n_train`` returns the size of the training split (after validation is held out), or
    None while the dataset is still loading (then only the syntax is checked)."""

    def __init__(self, n_train: Callable[[], int | None]) -> None:
        super().__init__()
        self.n_train = n_train

    def validate(self, value: str) -> ValidationResult:
        try:
            size = parse_batch_size(value)
            n_train = self.n_train()
            if n_train is not None:
                check_batch_size(TrainConfig(batch_size=size), n_train)
        except ConfigError as exc:
            return self.failure(str(exc))
        return self.success()


class StyledWhenMounted:
    """For controls that set their own classes while they are built (an Input validates its
    first value and marks it -valid; a Select marks that it has a value). Textual restyles
    a widget at each class change, even one not yet in the app, and styles it again as it
    mounts: a millisecond a widget spent twice before the form's first frame. Until it is
    attached, the restyle is left to the mount."""

    def update_node_styles(self, animate: bool = True) -> None:
        if self.is_attached:
            super().update_node_styles(animate)


class FormInput(StyledWhenMounted, Input):
    """An Input of the setup form (see StyledWhenMounted)."""


class FormSelect(StyledWhenMounted, Select):
    """A Select of the setup form (see StyledWhenMounted)."""


class FieldRow(Horizontal):
    """``label | control | reason``: the reason (or a hint when valid) sits beside the control.

    The row gets the class ``-invalid`` while its reason is an error, which the stylesheet
    colours; ``field`` names the TrainConfig field the row edits.
    """

    def __init__(self, label: str, control: Widget, hint: str = "", *, field: str, **kwargs) -> None:
        super().__init__(classes="field-row", **kwargs)
        self.field = field
        self.label = label
        self.control = control
        self.hint = hint

    def compose(self) -> ComposeResult:
        yield Label(self.label, classes="field-label")
        yield self.control
        yield Static(self.hint, classes="field-reason", markup=False)

    def show_reason(self, reason: str | None) -> None:
        """Show ``reason`` as an error, or the hint when ``reason`` is None."""
        self.set_class(reason is not None, "-invalid")
        show_text(self.query_one(".field-reason", Static), reason if reason is not None else self.hint)

    @property
    def error(self) -> str | None:
        return str(self.query_one(".field-reason", Static).content) if self.has_class("-invalid") else None
