"""The setup screen: choose a dataset, a preset and every hyperparameter, see what the
choice means (parameters, samples and batches per epoch, time per epoch) and start.

Every text field is validated as it is typed by the same parsers the CLI uses
(``FIELD_PARSERS``); the reason for a refusal sits beside the field, and Start is
refused while any field is invalid.
"""

from __future__ import annotations

import math
import threading
from dataclasses import fields as dataclass_fields
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterator

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.validation import Validator
from textual.css.query import NoMatches
from textual.widgets import Button, Header, Input, Label, Select, Static
from textual.widgets._select import SelectCurrent

# Only what draws the form: names, sizes and parsers, no NumPy. The readers, the engine and
# the download dialog load when first used (tests/test_lazy_imports.py keeps it so).
from ...datasets.cache import dataset_status, human_bytes
from ...datasets.catalogue import DOWNLOADABLE
from ...datasets.dataset import DatasetError
from ...datasets.embedded import SAMPLE_NAME
from ...format import estimate
from ...training.config import FIELD_PARSERS, ConfigError, TrainConfig, split_sizes
from ...training.fields import CHOICE, FIELDS, TEXT, TRAIN_FIELDS, YES_NO
from ...training.presets import PRESETS
from ..settings import speed_key
from ..styles import NARROW_BELOW, css_path
from ..widgets.footer import Footer
from ..widgets.form import BatchSizeValidator, FieldRow, FormInput, FormSelect, ParserValidator
from ..widgets.static_text import show_text
from ..widgets.too_small import TooSmall
from .dashboard_screen import DashboardScreen

if TYPE_CHECKING:
    from ...datasets.dataset import Dataset

CUSTOM = "custom"
PATH_CHOICE = "<path>"           # the dataset option that reveals the path field
BATCH_FULL, BATCH_MINI, BATCH_SAMPLE = "full", "mini", "sample"

# Datasets are immutable once loaded (read-only arrays), so one process-wide cache serves
# every visit of the setup screen and every test in a session.
_DATASET_CACHE: dict[tuple[str | None, str], Dataset] = {}   # (data dir, name or path)
_CACHE_LOCK = threading.Lock()


def cached_dataset(key: str, data_dir: str | None = None, progress=None) -> Dataset:
    """``load_dataset(key)``, loaded once per process (call it from a worker thread);
    ``progress(fraction)`` hears how far a large file has been read."""
    from ...datasets.registry import load_dataset

    with _CACHE_LOCK:
        if (data_dir, key) in _DATASET_CACHE:
            return _DATASET_CACHE[(data_dir, key)]
    dataset = load_dataset(key, data_dir, progress=progress)
    with _CACHE_LOCK:
        _DATASET_CACHE[(data_dir, key)] = dataset
    return dataset


def dataset_options(data_dir: str | None = None) -> list[tuple[str, str]]:
    """The dataset choices: the embedded sample, each downloadable set with its state
    (cached, or the size to download), a path on disk."""
    options = [(f"{SAMPLE_NAME} (ready)", SAMPLE_NAME)]
    for name in DOWNLOADABLE:
        status = dataset_status(name, data_dir)
        state = "cached" if status.ready else f"download {human_bytes(status.download_bytes)}"
        options.append((f"{name} ({state})", name))
    options.append(("a path on disk", PATH_CHOICE))
    return options


# The form is built from the field registry. Text fields: field -> (label, hint shown
# while valid, parser used to validate).
TEXT_FIELDS: dict[str, tuple[str, str, Callable[[str], Any]]] = {
    field.name: (field.label, field.hint, field.parse) for field in TRAIN_FIELDS if field.kind == TEXT}

# Choice fields: field -> (label, hint, options); a Select's value is the text (yes, relu...)
# that the field's parser reads.
CHOICE_FIELDS: dict[str, tuple[str, str, list[tuple[str, Any]]]] = {
    field.name: (field.label, field.hint, [(text, text) for text in field.choices])
    for field in TRAIN_FIELDS if field.kind in (CHOICE, YES_NO)}

# The special fields' rows: the dataset is a choice or a path, the batch size a mode
# (full, per-sample) or a mini-batch size.
SPECIAL_ROWS = {"dataset": ["dataset", "dataset_path"], "batch_size": ["batch_mode", "batch_size"]}


def _sections() -> list[tuple[str, list[str]]]:
    rows: dict[str, list[str]] = {}
    for field in TRAIN_FIELDS:
        rows.setdefault(field.section, []).extend(SPECIAL_ROWS.get(field.name, [field.name]))
    return list(rows.items())


SECTIONS: list[tuple[str, list[str]]] = _sections()


def rows_shown(values: dict[str, Any]) -> dict[str, bool]:
    """Which of the rows that apply to some settings only are shown, given the controls'
    values (``dataset``, ``optimizer``, ``init``, ``batch_mode``)."""
    optimizer = values["optimizer"]
    return {
        "row-dataset_path": values["dataset"] == PATH_CHOICE,
        "row-momentum": optimizer in ("momentum", "nesterov"),
        "row-beta1": optimizer == "adam",
        "row-beta2": optimizer == "adam",
        "row-init_std": values["init"] == "normal",
        "row-batch_size": values["batch_mode"] == BATCH_MINI,
    }


class DatasetProgress(Message):
    """Posted by the loading worker as a large file is read: ``fraction`` of ``key``."""

    def __init__(self, key: str, fraction: float) -> None:
        super().__init__()
        self.key = key
        self.fraction = fraction

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, DatasetProgress)   # only the newest matters


class DatasetLoaded(Message):
    """Posted by the loading worker: ``dataset`` or ``error`` for the dataset ``key``."""

    def __init__(self, key: str, dataset: Dataset | None, error: str | None) -> None:
        super().__init__()
        self.key = key
        self.dataset = dataset
        self.error = error


class PresetSelect(FormSelect):
    """The preset field. Choosing a preset fills the form here, as the field takes the
    choice, rather than once the change has bubbled up to the screen: a key typed after the
    choice is routed only once the widgets on the choice's way are done (``key_order.py``),
    so what is typed after choosing always lands after the fill, never under it."""

    def on_select_changed(self, event: Select.Changed) -> None:
        if isinstance(self.screen, SetupScreen):
            self.screen.preset_chosen(event.value)

    def _watch_value(self, value) -> None:
        super()._watch_value(value)
        # the list says what each preset is; the field itself shows the name (the hint
        # beside it says the rest)
        try:
            self.query_one(SelectCurrent).update(str(value))
        except NoMatches:
            pass


# Widths as setup.tcss sets them, and the lines around the form in the first frame: the
# header and the footer, and under a narrow form the side panel's border and Start button
# (its summary is written after that frame).
SIDE_WIDTH, LABEL_WIDTH, CONTROL_WIDTH = 48, 15, 26
LINES_BESIDE_FORM, LINES_UNDER_NARROW_FORM = 2, 3


def rows_in_first_frame(items: Iterator, width: int, height: int) -> list:
    """The first of the form's ``items`` (rows, section titles) that the first frame at
    ``width`` x ``height`` can show, taken from the iterator and counted generously: each
    takes at least a line, a row at least as many as its hint needs at the widest its
    column can be."""
    narrow = width < NARROW_BELOW
    lines = height - LINES_BESIDE_FORM - (LINES_UNDER_NARROW_FORM if narrow else 0)
    form_width = width - 1 - (0 if narrow else SIDE_WIDTH)
    hint_width = max(1, form_width - LABEL_WIDTH - CONTROL_WIDTH - 1)
    first = []
    while lines > 0:
        item = next(items, None)
        if item is None:
            break
        if item.display:
            lines -= max(1, math.ceil(len(getattr(item, "hint", "")) / hint_width))
        first.append(item)
    return first


class SetupScreen(DashboardScreen, Screen):
    """Hyperparameters in, a started run out (``app.start_training``)."""

    CSS_PATH = css_path("setup.tcss")
    # Textual would first focus the form's scroll container (the first focusable widget),
    # and its focus and then its blur each restyle the whole form: a third of the time
    # from launch to the first frame.
    AUTO_FOCUS = "#preset"

    BINDINGS = [
        Binding("ctrl+r", "start", "Start training", id="start",
                tooltip="Start training with these settings (Enter in a field moves to the next one)"),
        Binding("ctrl+d", "download", "Download", id="download",
                tooltip="Download the chosen dataset (asks first, shows progress, can be cancelled)"),
        Binding("ctrl+l", "find_lr", "Find lr", id="find-lr",
                tooltip="LR range test: a short run with the lr growing, then a suggested lr for the form"),
    ]

    def __init__(self, initial: TrainConfig | None = None) -> None:
        super().__init__()
        self.initial = initial or PRESETS["default"].config
        self.dataset: Dataset | None = None
        self.dataset_key: str | None = None      # what is loaded or loading
        self.dataset_error: str | None = None
        self._refused_for_fields = False        # the start message names fields to fix
        self._start_when_loaded = False         # start was asked for while the dataset loaded
        self._later: Iterator[Label | FieldRow] | None = None  # rows built after the first frame
        self._ready = False                      # see form_ready
        self._refill: TrainConfig | None = None  # asked to fill before the form was ready
        self._build_on_resume = False            # covered before its first frame: see _when_drawn

    @property
    def data_dir(self) -> str | None:
        """Where downloaded datasets are cached: the app's --data-dir (None: the default)."""
        return getattr(self.app, "data_dir", None)

    # ------------------------------------------------------------------ layout
    def compose(self) -> ComposeResult:
        # The controls are built holding the initial config, so the first frame shows it.
        # The rows that frame shows are built and mounted now, the rest once it is drawn:
        # every row costs about 30 ms of CPU to build, mount and draw, most of that time.
        items = self._form_items(self._form_values(self.initial))
        first = rows_in_first_frame(items, *self.app.size)
        self._later = items
        yield Header()
        yield TooSmall()
        with Horizontal(id="setup-body"):
            with VerticalScroll(id="form"):
                yield from first
            with Vertical(id="side"):
                yield Static(id="summary", classes="panel")
                with Horizontal(id="actions"):
                    yield Button("Start training", id="start", variant="primary", compact=True)
                yield Static("", id="start-message", markup=False)
        yield Footer()

    def _form_items(self, values: dict[str, str]) -> Iterator[Label | FieldRow]:
        """The form's rows and section titles, top to bottom, each built when asked for."""
        shown = rows_shown(values)
        yield FieldRow("Preset", PresetSelect(
            [(preset.label, name) for name, preset in PRESETS.items()]
            + [(f"{CUSTOM} — your own settings", CUSTOM)], value=values["preset"],
            allow_blank=False, compact=True, id="preset"), "", field="preset", id="row-preset")
        for title, names in SECTIONS:
            yield Label(title, classes="section-title")
            for name in names:
                row = self._field_row(name, values.get(name))
                row.display = shown.get(row.id, True)
                yield row

    @property
    def form_ready(self) -> bool:
        """Every row is mounted and filled (rows below the first screenful are mounted after
        the first frame, and the form is checked then)."""
        return self._ready

    def _field_row(self, name: str, value: str | None = None) -> FieldRow:
        if name == "dataset":
            control = FormSelect(dataset_options(self.data_dir), value=value or SAMPLE_NAME, allow_blank=False,
                             compact=True, id="dataset")
            return FieldRow("Dataset", control, "", field=name, id="row-dataset")
        if name == "dataset_path":
            control = FormInput(value, placeholder="~/data/fashion-mnist", compact=True, id="dataset_path",
                            validators=[PathExists()])
            return FieldRow("Path", control, "an IDX directory, a .csv/.csv.gz or a .npz file",
                            field=name, id="row-dataset_path")
        if name == "batch_mode":
            control = FormSelect([("mini-batch", BATCH_MINI), ("full batch", BATCH_FULL),
                              ("per-sample", BATCH_SAMPLE)], value=value or BATCH_MINI, allow_blank=False,
                             compact=True, id="batch_mode")
            return FieldRow("Batch mode", control, "samples per weight update",
                            field=name, id="row-batch_mode")
        if name == "batch_size":
            control = FormInput(value, compact=True, id="batch_size",
                            validators=[BatchSizeValidator(self.n_train)])
            return FieldRow("Batch size", control, "samples per mini-batch, like 64",
                            field=name, id="row-batch_size")
        if name in TEXT_FIELDS:
            label, hint, parser = TEXT_FIELDS[name]
            control = FormInput(value, compact=True, id=name, validators=[ParserValidator(parser)])
            return FieldRow(label, control, hint, field=name, id=f"row-{name}")
        label, hint, options = CHOICE_FIELDS[name]
        control = FormSelect(options, value=value or options[0][1], allow_blank=False, compact=True, id=name)
        return FieldRow(label, control, hint, field=name, id=f"row-{name}")

    def on_mount(self) -> None:
        self.query_one("#preset", Select).focus()
        self.call_after_refresh(self._when_drawn)

    async def _when_drawn(self, tries: int = 0) -> None:
        """Once the first frame is drawn: the rest of the rows, the summary, the dataset.
        Textual may run a callback "after refresh" after an update that drew nothing yet
        (while mounting); the form has a size once it has been laid out and drawn."""
        if not self.is_current:
            # covered before it was ever drawn (a screen pushed over it at start): its rows
            # mount when it is shown (Textual's Select fails to mount on a screen not in view)
            self._build_on_resume = True
            return
        if not self.query_one("#form").size.height and tries < 20:
            self.call_after_refresh(self._when_drawn, tries + 1)
            return
        if self._later is not None:
            later, self._later = list(self._later), None
            await self.query_one("#form", VerticalScroll).mount_all(later)
        if not self.query(f"#{next(reversed(TEXT_FIELDS))}"):
            return   # the rows never got their controls: the app is closing under the screen
        self._ready = True
        if self._refill is not None:   # fill() was asked for before the form was whole
            self.fill(self._refill)
        else:
            # The controls hold the initial config; what was typed or chosen meanwhile (the
            # handlers waited for the whole form) is taken into account now.
            for control in self.query(Input):
                self._show_validation(control, control.validate(control.value))
            self._update_visibility()
            self._request_dataset()
            preset = self.query_one("#preset", Select).value
            if preset != (self.initial.preset if self.initial.preset in PRESETS else CUSTOM):
                self.preset_chosen(preset)
        self._form_changed()

    # -------------------------------------------------------------- filling
    def _form_values(self, config: TrainConfig) -> dict[str, str]:
        """Control id -> the text or choice that shows ``config``, in the order ``fill`` sets them
        (no ``dataset_path`` for a named dataset; ``batch_size`` kept, or 64, outside mini-batches)."""
        values = {name: FIELDS[name].text_of(config) for name in TEXT_FIELDS}
        values.update((name, FIELDS[name].text_of(config)) for name in CHOICE_FIELDS)
        if config.batch_size is None:
            mode = BATCH_FULL
        elif config.batch_size == 1:
            mode = BATCH_SAMPLE
        else:
            mode = BATCH_MINI
        batch_now = self.query_one("#batch_size", Input).value if self.is_mounted and self.form_ready else ""
        values["batch_size"] = FIELDS["batch_size"].text_of(config) if mode == BATCH_MINI else batch_now or "64"
        values["batch_mode"] = mode
        known = {value for _, value in dataset_options(self.data_dir)}
        if config.dataset in known:
            values["dataset"] = config.dataset
        else:
            values["dataset"] = PATH_CHOICE
            values["dataset_path"] = config.dataset
        values["preset"] = config.preset if config.preset in PRESETS else CUSTOM
        return values

    def fill(self, config: TrainConfig) -> None:
        """Put ``config`` into the form (the Changed messages then revalidate every field)."""
        if not self.form_ready:   # filled once every row is mounted
            self._refill = config
            return
        for control_id, value in self._form_values(config).items():
            self.query_one(f"#{control_id}").value = value
        self._update_visibility()
        self._request_dataset()

    # ------------------------------------------------------------- reading
    def read_form(self) -> tuple[TrainConfig | None, dict[str, str]]:
        """(the config the form describes, or None; field name -> reason for each invalid field)."""
        if not self.form_ready:
            return None, {"form": "the form is still being built"}
        errors: dict[str, str] = {}
        values: dict[str, Any] = {}
        for name, (_label, _hint, parser) in TEXT_FIELDS.items():
            row = self.query_one(f"#row-{name}", FieldRow)
            try:
                parsed = parser(self.query_one(f"#{name}", Input).value)
            except ConfigError as exc:
                if row.display:          # a hidden field (momentum under Adam) is not used
                    errors[name] = str(exc)
                continue
            values.update(FIELDS[name].changes(parsed))
        for name in CHOICE_FIELDS:
            field = FIELDS[name]
            values.update(field.changes(field.parse(self.query_one(f"#{name}", Select).value)))
        mode = self.query_one("#batch_mode", Select).value
        if mode == BATCH_FULL:
            values["batch_size"] = None
        elif mode == BATCH_SAMPLE:
            values["batch_size"] = 1
        else:
            batch_input = self.query_one("#batch_size", Input)
            result = batch_input.validate(batch_input.value)
            if result is not None and not result.is_valid:
                errors["batch_size"] = result.failure_descriptions[0]
            else:
                values["batch_size"] = FIELDS["batch_size"].parse(batch_input.value)
        values["dataset"] = self.dataset_name()
        if self.dataset_error is not None:
            errors["dataset"] = self.dataset_error
        elif not values["dataset"]:
            errors["dataset"] = "type the path of a dataset"
        if errors:
            return None, errors
        try:
            config = TrainConfig(**values)
        except ConfigError as exc:
            return None, {"form": str(exc)}
        return config.with_changes(preset=self.matching_preset(config)), {}

    def dataset_name(self) -> str:
        choice = self.query_one("#dataset", Select).value
        if choice == PATH_CHOICE:
            return self.query_one("#dataset_path", Input).value.strip()
        return str(choice)

    def matching_preset(self, config: TrainConfig) -> str:
        """The preset whose settings ``config`` has (whatever its dataset), else "custom"."""
        ignore = {"dataset", "preset"}
        for name, preset in PRESETS.items():
            if all(getattr(config, f.name) == getattr(preset.config, f.name)
                   for f in dataclass_fields(TrainConfig) if f.name not in ignore):
                return name
        return CUSTOM

    def n_train(self) -> int | None:
        """Training images per epoch for the chosen dataset and validation share (None if unknown)."""
        if self.dataset is None:
            return None
        try:
            fraction = FIELD_PARSERS["val_fraction"](self.query_one("#val_fraction", Input).value)
        except ConfigError:
            fraction = 0.0
        return split_sizes(len(self.dataset.x_train), fraction)[0]

    # ------------------------------------------------------------ reacting
    @on(Input.Changed)
    def _input_changed(self, event: Input.Changed) -> None:
        if not self.form_ready:   # the first fill revalidates the form once it is whole
            return
        self._show_validation(event.input, event.validation_result)
        if event.input.id == "val_fraction":
            self._revalidate("batch_size")   # the training split changed size
        if event.input.id == "dataset_path":
            self._request_dataset()
        self._form_changed()

    @on(Select.Changed)
    def _select_changed(self, event: Select.Changed) -> None:
        if not self.form_ready:
            return
        select_id = event.select.id
        if select_id == "preset":      # the form was filled by the field itself (PresetSelect)
            self._show_preset_hint()
            return
        if select_id == "dataset":
            self._request_dataset()
        self._update_visibility()
        self._form_changed()

    @on(Input.Submitted)
    def _input_submitted(self) -> None:
        # Enter confirms the field and moves on (a run of 100 epochs is started on purpose:
        # ctrl+r or the Start button)
        self.focus_next()

    def on_screen_resume(self) -> None:
        if self._build_on_resume:
            self._build_on_resume = False
            self.call_after_refresh(self._when_drawn)
            return
        # back from a run, which may have measured this network's speed
        if self.is_mounted and self.form_ready and self.query("#summary"):
            self._form_changed()

    @on(Button.Pressed, "#start")
    def _start_pressed(self) -> None:
        self.action_start()

    def preset_chosen(self, value) -> None:
        """Fill the form with the preset ``value`` names, unless it holds it already (the
        field shows the preset the form matches, and that is no choice to act on)."""
        if not self.form_ready:   # the controls' own initial values, not a choice
            return
        current, _ = self.read_form()
        if value in PRESETS and (current is None or current.preset != value):
            # Keep the dataset: a preset is about the network and its training.
            self.fill(PRESETS[str(value)].config.with_changes(dataset=self.dataset_name() or SAMPLE_NAME))

    def _show_validation(self, control: Input, result) -> None:
        row = self._row_of(control)
        if row is None or result is None:
            return
        row.show_reason(None if result.is_valid else result.failure_descriptions[0])

    def _revalidate(self, name: str) -> None:
        control = self.query_one(f"#{name}", Input)
        self._show_validation(control, control.validate(control.value))

    def _row_of(self, control) -> FieldRow | None:
        parent = control.parent
        return parent if isinstance(parent, FieldRow) else None

    def _update_visibility(self) -> None:
        """Show only the fields that apply (momentum for momentum SGD, betas for Adam...)."""
        values = {name: self.query_one(f"#{name}", Select).value
                  for name in ("dataset", "optimizer", "init", "batch_mode")}
        for row_id, visible in rows_shown(values).items():
            self.query_one(f"#{row_id}").display = visible

    def _form_changed(self) -> None:
        config, errors = self.read_form()
        # The preset field names the preset whose settings the form holds: any edit that
        # leaves them shows "custom" (and an edit back to them shows the preset again).
        preset_select = self.query_one("#preset", Select)
        wanted = config.preset if config is not None else CUSTOM
        if preset_select.value != wanted:
            preset_select.value = wanted
        self._show_preset_hint()
        self._refresh_summary(config, errors)
        self._update_start_message(errors)

    def _update_start_message(self, errors: dict[str, str]) -> None:
        """A refusal to start stays true as the form changes: it names what is still to fix,
        and goes once nothing is."""
        message = self.query_one("#start-message", Static)
        if not message.has_class("-error") or not self._refused_for_fields:
            return
        if errors:
            message.update(self._cant_start_text(errors))
        else:
            message.update("")
            message.remove_class("-error")
            self._refused_for_fields = False

    def _cant_start_text(self, errors: dict[str, str]) -> str:
        names = ", ".join(self._label_of(name) for name in errors)
        return f"Can't start: fix {names} first (the reason is beside each field)."

    def _show_preset_hint(self) -> None:
        value = self.query_one("#preset", Select).value
        row = self.query_one("#row-preset", FieldRow)
        if value in PRESETS:
            preset = PRESETS[str(value)]
            claim = ("the recommended preset" if preset.name == "default" else
                     "the seed project reported no figure" if preset.claim == "none" else
                     f"the seed project reported {preset.claim}")
            row.hint = f"{preset.summary}; {claim}"
        else:
            row.hint = "your own settings; pick a preset to fill the form"
        row.show_reason(None)

    # ------------------------------------------------------------- dataset
    def _request_dataset(self) -> None:
        choice = self.query_one("#dataset", Select).value
        row = self.query_one("#row-dataset", FieldRow)
        if choice in DOWNLOADABLE and not dataset_status(str(choice), self.data_dir).ready:
            size = human_bytes(dataset_status(str(choice), self.data_dir).download_bytes)
            self._set_dataset(None, str(choice),
                              f"{choice} is not downloaded yet ({size}): press ctrl+d to download it")
            self.app.refresh_bindings()
            return
        key = self.dataset_name()
        if choice == PATH_CHOICE:
            path = Path(key).expanduser()
            if not key:
                self._set_dataset(None, key, "type the path of a dataset")
                return
            if not path.exists():
                self._set_dataset(None, key, f"{key}: does not exist")
                return
        if key == self.dataset_key and (self.dataset is not None or self.dataset_error is None):
            return   # already loaded or loading
        self.dataset, self.dataset_key, self.dataset_error = None, key, None
        row.hint = "loading..."
        row.show_reason(None)
        self._load_dataset(key)

    @work(thread=True, exclusive=True, group="dataset", exit_on_error=False, description="loading dataset")
    def _load_dataset(self, key: str) -> None:
        try:
            dataset = cached_dataset(key, self.data_dir,
                                     progress=lambda fraction: self.post_message(DatasetProgress(key, fraction)))
        except DatasetError as exc:
            self.post_message(DatasetLoaded(key, None, str(exc)))
        except Exception as exc:   # an unreadable file must not take the form down
            self.post_message(DatasetLoaded(key, None, f"{key}: {exc.__class__.__name__}: {exc}"))
        else:
            self.post_message(DatasetLoaded(key, dataset, None))

    @on(DatasetProgress)
    def _dataset_progress(self, message: DatasetProgress) -> None:
        if message.key == self.dataset_key and self.dataset is None:
            row = self.query_one("#row-dataset", FieldRow)
            row.hint = f"loading... {100 * min(max(message.fraction, 0.0), 1.0):.0f}%"
            row.show_reason(None)

    @on(DatasetLoaded)
    def _dataset_loaded(self, message: DatasetLoaded) -> None:
        if message.key != self.dataset_name():
            return   # the user has chosen another dataset since
        self._set_dataset(message.dataset, message.key, message.error)

    def _set_dataset(self, dataset: Dataset | None, key: str, error: str | None) -> None:
        self.dataset, self.dataset_key, self.dataset_error = dataset, key, error
        row = self.query_one("#row-dataset", FieldRow)
        if dataset is not None:
            kind = "digits" if dataset.class_names[0] == "0" else ", ".join(dataset.class_names[:3]) + "..."
            row.hint = (f"{len(dataset.x_train):,} train / {len(dataset.x_test):,} test images, "
                        f"{dataset.n_classes} classes ({kind})")
        row.show_reason(error)
        self._revalidate("batch_size")
        self._form_changed()
        if self._start_when_loaded:
            self._start_when_loaded = False
            if dataset is not None and self.app.screen is self:
                self.action_start()
            else:
                message = self.query_one("#start-message", Static)
                message.update(f"Can't start: {error}" if error else "")
                message.set_class(bool(error), "-error")

    # ------------------------------------------------------------- summary
    def _refresh_summary(self, config: TrainConfig | None, errors: dict[str, str]) -> None:
        summary = self.query_one("#summary", Static)
        if config is None:
            if self.dataset is None and self.dataset_error is None and len(errors) == 0:
                show_text(summary, "Loading the dataset...")
                return
            names = [self._label_of(name) for name in errors]
            show_text(summary, f"[$text-error]To fix:[/] {', '.join(names)}\n"
                               "The reason is beside each field.")
            return
        if self.dataset is None:
            show_text(summary, "Loading the dataset...")
            return
        from ...nn.network import Architecture   # NumPy is here by now: the dataset is loaded

        data = self.dataset
        sizes = config.architecture_sizes(data.n_features, data.n_classes)
        arch = Architecture(sizes, config.activation, config.output, config.use_bias, config.dropout)
        n_train = self.n_train() or 0
        n_val = len(data.x_train) - n_train
        batch = n_train if config.batch_size is None else config.batch_size
        batches = math.ceil(n_train / batch) if batch else 0
        lines = [
            f"[b]Network[/]   {arch.describe()}, {arch.n_params:,} parameters",
            f"[b]Per epoch[/] {n_train:,} samples ({n_val:,} held out), "
            f"{batches:,} batch{'es' if batches != 1 else ''} ({config.describe_batch()})",
        ]
        speed = self.app.settings.measured_speed(speed_key(arch.describe(), config))
        if speed:
            per_epoch = n_train / speed
            lines.append(f"[b]Time[/]      about {estimate(per_epoch)} per epoch, "
                         f"{estimate(per_epoch * config.epochs)} for {config.epochs:,} epochs "
                         f"({speed:,.0f} samples/s measured here)")
        else:
            lines.append("[b]Time[/]      not measured on this machine yet: "
                         "the first run of this network measures it")
        show_text(summary, "\n".join(lines))

    def _label_of(self, name: str) -> str:
        if name == "form":
            return "the settings"
        try:
            return self.query_one(f"#row-{name}", FieldRow).label
        except Exception:
            return name

    # ------------------------------------------------------------- actions
    def _download_needed(self) -> str | None:
        choice = self.query_one("#dataset", Select).value
        if choice in DOWNLOADABLE and not dataset_status(str(choice), self.data_dir).ready:
            return str(choice)
        return None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "download":
            return self._download_needed() is not None
        return True

    def action_download(self) -> None:
        name = self._download_needed()
        if name is None:
            return

        def downloaded(ok: bool | None) -> None:
            select = self.query_one("#dataset", Select)
            select.set_options(dataset_options(self.data_dir))
            select.value = name
            self.dataset_key = None
            self._request_dataset()
            self.app.refresh_bindings()
        from .download import DownloadScreen
        self.app.push_screen(DownloadScreen(name, self.data_dir), downloaded)

    def action_find_lr(self) -> None:
        """The LR range test (training/lr_find.py) on the form's settings, in a thread; its
        suggestion is offered for the learning-rate field."""
        config, errors = self.read_form()
        if config is None:
            name, reason = next(iter(errors.items()))
            label = FIELDS[name].label if name in FIELDS else name
            self.notify(f"Fix {label} first: {reason}", severity="warning", timeout=5)
            return
        if self.dataset is None:
            self.notify("The dataset is still loading; try again in a moment.", severity="warning")
            return
        self.notify("Finding a learning rate: 100 batches with the lr growing from 1e-6 to 1...", timeout=3)
        self._find_lr(config, self.dataset)

    @work(thread=True, exclusive=True, group="lr-find", exit_on_error=False, description="lr range test")
    def _find_lr(self, config: TrainConfig, dataset: Dataset) -> None:
        from ...training.lr_find import RULE, lr_range_test

        try:
            result = lr_range_test(config, dataset)
        except ConfigError as exc:
            self.app.call_from_thread(self.notify, f"Can't find a learning rate: {exc}", severity="error")
            return
        self.app.call_from_thread(self._offer_lr, result, RULE)

    def _offer_lr(self, result, rule: str) -> None:
        from .confirm import ConfirmScreen

        if not math.isfinite(result.suggested):
            self.notify("The range test found no clear descent of the loss: keep your learning rate "
                        f"(min/10 rule: {result.min_over_10:.3g}).", severity="warning", timeout=8)
            return
        lr_text = f"{result.suggested:.3g}"

        def answered(use: bool | None) -> None:
            if use:
                self.query_one("#lr", Input).value = lr_text
                self.notify(f"Learning rate set to {lr_text}.", timeout=3)
        self.app.push_screen(ConfirmScreen(
            "Learning rate found",
            f"Over {len(result.lrs)} batches, the {rule} is at lr {lr_text} (the minimum/10 rule gives "
            f"{result.min_over_10:.3g}). Use {lr_text}?", f"Use {lr_text}", "Keep mine", yes_variant="primary"),
            answered)

    def action_start(self) -> None:
        if not self.form_ready:
            # the form is still being built (its first frame is up): the dataset loads next,
            # and the run starts once it is here, as for a start asked for while it loads
            self._start_when_loaded = True
            return
        if self._download_needed():
            self.action_download()   # ask before downloading; start again once it is here
            return
        message = self.query_one("#start-message", Static)
        config, errors = self.read_form()
        if config is None or self.dataset is None:
            self._refused_for_fields = bool(errors)
            if errors:
                text = self._cant_start_text(errors)
                first = next(iter(errors))
                if first != "form":
                    control = self.query_one(f"#row-{first}", FieldRow).control
                    control.focus()
                    self.query_one("#form").scroll_to_widget(control, animate=False)
            elif self.dataset_error:
                text = f"Can't start: {self.dataset_error}"
            else:
                # asked to start while the dataset loads: it starts once the dataset is here
                self._start_when_loaded = True
                message.update("Starting as soon as the dataset has loaded\u2026")
                message.remove_class("-error")
                return
            message.update(text)
            message.add_class("-error")
            self.notify(text, severity="error", timeout=4)
            return
        error = self.app.start_training(config, self.dataset)
        if error:
            message.update(f"Can't start: {error}")
            message.add_class("-error")
            self.notify(error, severity="error", timeout=4)
            return
        message.update("")
        message.remove_class("-error")
        self._refused_for_fields = False


class PathExists(Validator):
    """The dataset path must exist; whether it holds a dataset is known once it is loaded."""

    def validate(self, value: str):
        value = value.strip()
        if not value:
            return self.failure("type the path of a dataset")
        if not Path(value).expanduser().exists():
            return self.failure(f"{value}: does not exist")
        return self.success()
