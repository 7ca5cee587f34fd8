"""The sweep's set-up: which fields to search and over what, the sampler, the pruner, the
number of trials and workers, and the metric. The rest of each trial's settings is the
setup form's (the base config).

Each searched field takes the same ``SPEC`` as ``scratchnet-tui sweep --space NAME=SPEC``
(``log:LOW:HIGH``, ``uniform:LOW:HIGH``, ``int:LOW:HIGH``, ``choice:A|B|C``), parsed by the
same code (``tui_nn.sweeps.space``): the form and the CLI refuse the same values with the
same words. Starting creates the sweep's folder; the app runs it (``ScratchnetApp.start_sweep``).
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Button, Checkbox, Header, Input, Label, Select, Static

from ....sweeps import SearchSpace, SpaceError, SweepError, SweepSpec, default_name, resolve_workers
from ....sweeps.space import parse_param
from ....sweeps.study import METRICS, PRUNERS, SAMPLERS
from ....training.config import TrainConfig
from ....training.fields import FIELDS
from ...styles import css_path
from ...widgets.footer import Footer
from ..dashboard_screen import DashboardScreen

# The fields a sweep usually searches, each with a range worth starting from, and whether
# it is searched by default. Any other field can be swept from the CLI.
SUGGESTED_SPACE: tuple[tuple[str, str, bool], ...] = (
    ("lr", "log:1e-4:1e-1", True),
    ("hidden", "choice:128|256,128|512,256", True),
    ("batch_size", "choice:32|64|128", False),
    ("dropout", "uniform:0:0.5", False),
    ("l2", "log:1e-6:1e-3", False),
    ("optimizer", "choice:" + "|".join(FIELDS["optimizer"].choices), False),
    ("activation", "choice:" + "|".join(FIELDS["activation"].choices), False),
    ("momentum", "uniform:0.8:0.99", False),
    ("epochs", "int:5:30", False),
)
SAMPLER_TEXT = {"tpe": "TPE (learns)", "random": "random", "grid": "grid (choices)"}
PRUNER_TEXT = {"none": "none", "median": "median", "asha": "ASHA (halving)"}
METRIC_TEXT = {"val_acc": "val accuracy (max)", "val_loss": "val loss (min)"}


class SearchCheckbox(Checkbox):
    """``[x]`` / ``[ ]``: searched or not is told by shape, not only by colour (NO_COLOR,
    16-colour terminals); Textual's compact checkbox shows an X either way."""

    @property
    def _button(self) -> Content:
        inner = self.get_visual_style("toggle--button")
        return Content.assemble("[", ("x" if self.value else " ", inner), "]")


class SpaceRow(Horizontal):
    """``[x] Label  SPEC  reason``: one field of the search space."""

    def __init__(self, name: str, spec: str, searched: bool) -> None:
        super().__init__(classes="space-row", id=f"space-row-{name}")
        self.field_name = name
        self.spec = spec
        self.searched = searched

    def compose(self) -> ComposeResult:
        yield SearchCheckbox(FIELDS[self.field_name].label, self.searched, id=f"search-{self.field_name}",
                       classes="space-check", compact=True)
        yield Input(self.spec, id=f"spec-{self.field_name}", classes="space-spec", compact=True)
        yield Static("", classes="space-reason", markup=False)

    @property
    def checked(self) -> bool:
        return self.query_one(Checkbox).value

    @property
    def text(self) -> str:
        return self.query_one(Input).value.strip()

    def show_reason(self, reason: str) -> None:
        self.set_class(bool(reason), "-invalid")
        self.query_one(".space-reason", Static).update(reason)


class SweepSetupScreen(DashboardScreen, Screen):
    """Choose what to search; Start (ctrl+r) creates the sweep and shows it live."""

    CSS_PATH = css_path("sweep.tcss")
    BINDINGS = [
        Binding("ctrl+r", "start", "Start sweep", id="sweep-start", priority=True,
                tooltip="Create the sweep and start its trials"),
        Binding("escape", "back", "Back", id="sweep-setup-back", tooltip="Back without starting"),
    ]

    def __init__(self, base: TrainConfig, base_text: str = "", *, data_dir: str | None = None) -> None:
        super().__init__()
        self.base = base
        self.base_text = base_text
        self.data_dir = data_dir

    def compose(self) -> ComposeResult:
        yield Header()
        # not focusable itself: Tab goes from field to field (the wheel still scrolls it)
        with VerticalScroll(id="sweep-form", can_focus=False):
            yield Static(f"Each trial trains the setup form's settings{self.base_text}, with the checked "
                         "fields drawn from their ranges:", id="sweep-base", markup=False)
            for name, spec, searched in SUGGESTED_SPACE:
                yield SpaceRow(name, spec, searched)
            yield Static("log:LOW:HIGH  uniform:LOW:HIGH  int:LOW:HIGH  choice:A|B|C", classes="space-help")
            with Horizontal(classes="sweep-options"):
                yield Label("Trials", classes="option-label")
                yield Input("20", id="sweep-trials", classes="option-short", compact=True)
                yield Label("Workers", classes="option-label")
                yield Input("auto", id="sweep-workers", classes="option-short", compact=True)
                yield Label("Name", classes="option-label")
                yield Input(default_name(), id="sweep-name", classes="option-name", compact=True)
            with Horizontal(classes="sweep-options"):
                yield Label("Sampler", classes="option-label")
                yield Select([(SAMPLER_TEXT[s], s) for s in SAMPLERS], value="tpe", allow_blank=False,
                             id="sweep-sampler", classes="option-select", compact=True)
                yield Label("Prune", classes="option-label")
                yield Select([(PRUNER_TEXT[p], p) for p in PRUNERS], value="median", allow_blank=False,
                             id="sweep-pruner", classes="option-select", compact=True)
            with Horizontal(classes="sweep-options"):
                yield Label("Metric", classes="option-label")
                yield Select([(METRIC_TEXT[m], m) for m in METRICS], value="val_acc", allow_blank=False,
                             id="sweep-metric", classes="option-select", compact=True)
                yield Button("Start sweep", id="sweep-start-button", variant="primary", compact=True)
            yield Static("", id="sweep-error", markup=False)
        yield Footer()

    # ------------------------------------------------------------ reading
    def read_spec(self) -> tuple[SweepSpec | None, int, str]:
        """(the sweep as the form holds it, the number of workers, '') or (None, 0, why not).
        Each bad SPEC is also shown beside its field."""
        items, first_error = [], ""
        for row in self.query(SpaceRow):
            reason = ""
            if row.checked:
                item = f"{row.field_name}={row.text}"
                try:
                    parse_param(item)
                    items.append(item)
                except SpaceError as exc:
                    reason = str(exc)
            row.show_reason(reason)
            first_error = first_error or (reason and f"{FIELDS[row.field_name].label}: {reason}")
        if first_error:
            return None, 0, first_error
        if not items:
            return None, 0, "check at least one field to search"
        trials_text = self.query_one("#sweep-trials", Input).value.strip()
        try:
            trials = int(trials_text)
        except ValueError:
            return None, 0, f"Trials must be a whole number, got {trials_text!r}"
        try:
            workers = resolve_workers(self.query_one("#sweep-workers", Input).value.strip() or "auto",
                                      dashboard_open=True)
        except ValueError as exc:
            text = str(exc) if "workers" in str(exc) else "Workers must be a whole number >= 1 or auto"
            return None, 0, text
        spec = SweepSpec(name=self.query_one("#sweep-name", Input).value.strip(), base=self.base,
                         space=SearchSpace.parse(items), trials=trials,
                         sampler=self.query_one("#sweep-sampler", Select).value,
                         pruner=self.query_one("#sweep-pruner", Select).value,
                         metric=self.query_one("#sweep-metric", Select).value, data_dir=self.data_dir)
        try:
            spec.check()
        except SweepError as exc:
            return None, 0, str(exc)
        return spec, workers, ""

    # ------------------------------------------------------------ actions
    @on(Input.Changed, ".space-spec")
    def _spec_changed(self, event: Input.Changed) -> None:
        row = event.input.parent
        if isinstance(row, SpaceRow) and row.has_class("-invalid"):
            try:
                parse_param(f"{row.field_name}={event.value.strip()}")
                row.show_reason("")
            except SpaceError as exc:
                row.show_reason(str(exc))

    @on(Input.Submitted)
    def _submitted(self) -> None:
        self.focus_next()   # Enter confirms a field; starting is ctrl+r or the button

    @on(Button.Pressed, "#sweep-start-button")
    def _start_pressed(self) -> None:
        self.action_start()

    def action_start(self) -> None:
        spec, workers, error = self.read_spec()
        if spec is not None:
            error = self.app.start_sweep(spec, workers) or ""
        self.query_one("#sweep-error", Static).update(f"Can't start: {error}" if error else "")
        self.query_one("#sweep-error", Static).set_class(bool(error), "-error")

    def action_back(self) -> None:
        self.dismiss()
