"""The dashboard app: its screens, key bindings, theme, and the training worker.

    SetupScreen (default) --start--> TrainingScreen --back--> SetupScreen
    RunsScreen (F2) over any; HelpScreen (? or F1) over any, the current screen's keys first

The run trains in a child process (``runs/process.py``: the run core, spawned with BLAS on
one thread), so it shares neither the GIL nor the UI's core with the event loop. One thread
worker owned by the app (a worker dies with its node, and the app outlives every screen)
relays the child's events: each, wrapped as a Message, is posted to the training screen;
``post_message`` is thread-safe, and the UI thread never waits for the trainer. Quitting
stops the run first: the child ends within one batch, and the app waits for it to save.
"""

from __future__ import annotations

import statistics
from contextlib import contextmanager
from typing import TYPE_CHECKING, Callable, Iterable

from textual import events, work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.geometry import Size
from textual.screen import Screen
from textual.widget import Widget
from textual.worker import Worker, WorkerState

from ..locations import runs_dir as default_runs_dir
from .commands import screen_commands
from .idle_collection import CHECK_EVERY, IdleCollector
from .key_order import KeysInOrder
from .screens.dashboard_screen import DashboardScreen, app_style_state
from .screens.help import HelpScreen
from .screens.in_view import screens_seen_through
from .screens.kept import kept
from .screens.setup import SetupScreen
from .settings import Settings, speed_key
from .styles import NARROW_BELOW, SHORT_BELOW, css_path, stylesheets
from .styles.theme_rules import ThemeRulesStylesheet
from .widgets.too_small import MIN_HEIGHT, MIN_WIDTH, TooSmall

if TYPE_CHECKING:
    # The run core, the engine, pandas and plotext are imported when first used (a run
    # starts, the runs list opens), not before the first screen is drawn: about half of
    # the start-up time was these imports.
    from ..datasets import Dataset
    from ..runs import RunStore
    from ..runs.process import RunProcess
    from ..training.config import TrainConfig
    from ..training.trainer import RunResult
    from .screens.training import TrainingScreen

DARK_THEME, LIGHT_THEME = "textual-dark", "textual-light"


@contextmanager
def one_refresh_per_widget():
    """Within it, ``Widget.refresh`` only notes the widget; each is refreshed once on the way
    out. Restyling a widget for a new theme sets each of its changed style properties, and
    each set refreshes it (region, caches, idle check): about 27 refreshes a widget, half of
    a theme switch's time (measured headless: 1.5-2 s -> 0.4-1.1 s on the setup form, load 6).
    Only the UI thread touches widgets, so nothing else sees the patch."""
    pending: dict[Widget, bool] = {}
    original = Widget.refresh

    def noted(self, *regions, repaint: bool = True, layout: bool = False, recompose: bool = False):
        if regions or recompose or not self._is_mounted:
            return original(self, *regions, repaint=repaint, layout=layout, recompose=recompose)
        pending[self] = pending.get(self, False) or layout
        return self

    Widget.refresh = noted
    try:
        yield
    finally:
        Widget.refresh = original
        for widget, layout in pending.items():
            widget.refresh(layout=layout)


class ScratchnetApp(KeysInOrder, App[None]):
    """Pick hyperparameters, train the network live, stay responsive."""

    TITLE = "scratchnet-tui"
    SUB_TITLE = "a from-scratch NumPy MLP"
    # Each screen names its own stylesheet (styles/__init__.py), and the app names them all:
    # Textual restyles every widget of the app when a pushed screen brings a stylesheet it has
    # not read yet (0.1-0.4 s on a screen's first opening), while parsing them all at start-up
    # costs about 15 ms more than the setup screen's alone.
    CSS_PATH = [css_path(name) for name in stylesheets()]
    BINDINGS = [
        Binding("ctrl+q", "quit", "Quit", id="quit", priority=True,
                tooltip="Quit (asks first while a run trains)"),
        # Ctrl+C quits as in any terminal program (Textual would otherwise copy with it).
        Binding("ctrl+c", "quit", "Quit", show=False, priority=True, id="quit-ctrl-c"),
        Binding("f1", "help", "Help", id="help", tooltip="Show every key (also ?)"),
        Binding("f2", "runs", "Runs", id="runs",
                tooltip="Past runs: compare, export, inspect, re-run, resume, rename, delete"),
        Binding("f3", "sweep", "Sweep", id="sweep",
                tooltip="Search hyperparameters around the setup form's settings, on every core"),
        Binding("ctrl+t", "toggle_theme", "Theme", id="theme",
                tooltip="Switch between the dark and light theme"),
    ]

    def __init__(self, *, settings: Settings | None = None, redact_timings: bool = False,
                 progress_interval: float = 0.1, data_dir: str | None = None,
                 runs_dir: str | None = None) -> None:
        """``redact_timings`` shows '--' for clocks and speeds (deterministic snapshots);
        ``progress_interval`` is how often the trainer reports progress inside an epoch;
        ``data_dir`` is where downloaded datasets are cached, ``runs_dir`` where runs are
        recorded (None: the defaults)."""
        super().__init__()
        # Before any CSS is read (that happens as the app starts running).
        self.stylesheet = ThemeRulesStylesheet(variables=self.get_css_variables())
        self._init_key_order()
        self.data_dir = data_dir
        self.settings = settings or Settings()
        self.redact_timings = redact_timings
        self.progress_interval = progress_interval
        self.runner: RunProcess | None = None
        self.training_screen: TrainingScreen | None = None
        self.training_worker: Worker | None = None
        self.last_result: RunResult | None = None   # the misclassification browser builds on it
        self._runs_dir = runs_dir
        self._run_store: RunStore | None = None
        self._inspection = None       # InspectionData of the last ended run, built on demand
        self._kept_inspection = None  # the InspectionData whose inspection screens are kept
        self._asking_to_quit = False  # the "Quit?" question is showing
        self.sweep = None             # the sweep this app owns (tui_nn.sweeps.Sweep), if any
        self.sweep_screen = None
        self.sweep_worker: Worker | None = None
        self._collector = IdleCollector(lambda: self.last_key_at)   # full collections between keys

    @property
    def run_store(self) -> RunStore:
        """Where runs are recorded and listed from (default: ``locations.runs_dir()``)."""
        if self._run_store is None:
            from ..runs import RunStore
            self._run_store = RunStore(default_runs_dir(self._runs_dir))
        return self._run_store

    @run_store.setter
    def run_store(self, store: RunStore) -> None:
        self._run_store = store

    # ------------------------------------------------------------- start-up
    def get_driver_class(self):
        """On a Linux or macOS terminal, Textual's driver with a prompt Escape (``driver.py``);
        anything else (Windows, the browser's driver that textual-serve names) as Textual picks."""
        import sys

        from textual import constants

        if constants.DRIVER is not None or sys.platform == "win32":
            return super().get_driver_class()
        from .driver import PromptEscapeDriver
        return PromptEscapeDriver

    def get_default_screen(self) -> Screen:
        return SetupScreen(self.settings.load_last_config())

    def on_mount(self) -> None:
        self.screen_change_signal.subscribe(self, self._restyle_if_stale)
        theme = self.settings.load_theme()
        if theme in self.available_themes:
            self.theme = theme
        # NO_COLOR, or 16 colours (TERM=xterm): focus is shown by more than a border colour.
        # (Headless, the console always reports 16 colours: that says nothing of a terminal.)
        few = self.console.color_system in (None, "standard", "windows") and not self.is_headless
        self.set_class(self.no_color or few, "-few-colours")
        self._update_size_classes()

    def on_ready(self) -> None:
        """The first frame is on the screen: garbage collections resume if the command
        paused them for the start-up (``tui_nn/entry.py``), and what the start-up made is
        frozen, so that collections no longer walk it (gc.freeze). Full collections wait for
        moments without keys from now on (``idle_collection.py``)."""
        import gc
        if not gc.isenabled():
            gc.freeze()
            gc.enable()
        self._collector.start()
        self.set_interval(CHECK_EVERY, self._collector.check)
        self._parse_ahead(LIGHT_THEME if self.current_theme.dark else DARK_THEME)

    def on_unmount(self) -> None:
        self._collector.stop()     # the process may go on (tests, a script hosting the app)

    def _parse_ahead(self, theme_name: str) -> None:
        """Parse the stylesheet for ``theme_name`` while the app is idle, a source between
        two rounds of messages (up to 20 ms each), so that ctrl+t finds it parsed."""
        theme = self.get_theme(theme_name)
        if theme is None or not isinstance(self.stylesheet, ThemeRulesStylesheet):
            return
        # What App.get_css_variables gives once that theme is the app's
        variables = {**self.get_theme_variable_defaults(), **theme.to_color_system().generate(), **theme.variables}
        steps = self.stylesheet.parse_ahead(variables)

        def step() -> None:
            if next(steps, False) is not False:
                self.set_timer(0.001, step)
        self.set_timer(0.001, step)

    # ------------------------------------------------------- styles, lazily
    def refresh_css(self, animate: bool = True) -> None:
        """Textual's refresh (a theme switch) restyles every screen of the stack at once;
        here only the screens in view are, and a covered one when it comes back
        (``_restyle_if_stale``). Restyling the setup form under a running training took
        most of a theme switch: 1-2 ms a widget, and the form has over 200. Of the current
        screen, what is on the terminal is restyled first, the rest (rows scrolled out of
        view, hidden ones) once that frame is drawn."""
        stylesheet = self.stylesheet
        stylesheet.set_variables(self.get_css_variables())
        stylesheet.reparse()
        if not self._screen_stack:
            self._restyle(self, animate)
            return
        now, later = self._in_view_first(self.screen)
        if len(later) < len(now):   # a second pass is worth it where most is out of view only
            now, later = now + later, []
        self._restyle_nodes(now, animate)   # the app and what the current screen shows
        if later:
            self.call_after_refresh(self._restyle_nodes, later, animate)
        for screen in screens_seen_through(self):
            self._restyle(screen, animate)
        current = self.screen
        if current.is_mounted:
            current._refresh_layout(self.size)
            current._css_update_count = self._css_update_count

    def _restyle(self, node, animate: bool) -> None:
        """Apply the stylesheet to ``node`` and everything under it, one refresh a widget."""
        self._restyle_nodes(list(node.walk_children(with_self=True)), animate)
        if isinstance(node, Screen):
            node._css_update_count = self._css_update_count
            if isinstance(node, DashboardScreen) and node.styled_for is not None:
                node.styled_for = app_style_state(self)

    def _restyle_nodes(self, nodes: list, animate: bool) -> None:
        """Apply the stylesheet to each of ``nodes`` still in the app, one refresh a widget."""
        with one_refresh_per_widget():
            self.stylesheet.update_nodes([node for node in nodes if node.is_attached], animate=animate)

    def _in_view_first(self, screen: Screen) -> tuple[list, list]:
        """(the app, ``screen`` and its widgets on the terminal now; the others under it)."""
        area = screen.region
        now: list = [self]
        later: list = []
        for node in screen.walk_children(with_self=True):
            if node is screen or node.region.overlaps(area):
                now.append(node)
            else:
                later.append(node)
        return now, later

    @property
    def _background_screens(self) -> list[Screen]:
        """The screens that show through the current one, bottom first, as Textual uses them
        (what to draw under a translucent dialog, which screens count as in view). Textual's
        own list also holds the screen under an opaque one (help over the training screen):
        each change under help then repainted the whole terminal, and a screen once
        repainted that way kept repainting it at each of its updates (10 a second while a
        run trains, 6.8 KB each at 80x24)."""
        return screens_seen_through(self)[::-1]

    def _restyle_if_stale(self, screen: Screen) -> None:
        """A screen shown again after the app's styles changed while it was covered (a theme
        switch, the terminal resized past a size class) gets its styles now; one shown again
        with nothing changed is not restyled (``screens/dashboard_screen.py``)."""
        if isinstance(screen, DashboardScreen) and screen.styles_are_stale() and screen.is_mounted:
            self._restyle(screen, animate=False)

    def on_resize(self, event: events.Resize) -> None:
        # This handler runs before App's own, which is what updates ``self.size``:
        # the new size is the event's.
        self._update_size_classes(event.size)

    def _update_size_classes(self, size: Size | None = None) -> None:
        """The stylesheet reflows by these classes: ``-narrow`` stacks the setup panels,
        ``-too-small`` replaces every layout with the enlarge message."""
        width, height = size or self.size
        self.set_class(width < NARROW_BELOW, "-narrow")
        self.set_class(height < SHORT_BELOW, "-short")
        for screen in self.screen_stack:
            if hasattr(screen, "size_changed"):   # bindings shown only at some sizes
                screen.size_changed()
        too_small = width < MIN_WIDTH or height < MIN_HEIGHT
        self.set_class(too_small, "-too-small")
        if too_small:
            for screen in self.screen_stack:
                for widget in screen.query(TooSmall):
                    widget.set_size(width, height)

    # ------------------------------------------------------------- training
    @property
    def training_active(self) -> bool:
        return self.training_worker is not None and self.training_worker.state in (
            WorkerState.PENDING, WorkerState.RUNNING)

    def start_training(self, config: TrainConfig, dataset: Dataset, *, resume_from=None,
                       store: RunStore | None = None, branch: dict | None = None) -> str | None:
        """Show the training screen and start the worker on a new run of ``config``; with
        ``resume_from`` (a run folder), continue that run for ``config.epochs`` more epochs;
        with ``branch`` ({"path", "epoch", "changes"[, "replay"]}), a new run from that run's epoch.
        The run is recorded in ``store`` (default: the app's ``run_store``).
        Returns why it could not start, or None."""
        from ..runs import RunSetupError
        from ..runs.process import RunProcess
        from ..training.events import RunStarted
        from .messages import RunBegan, message_for
        from .screens.training import TrainingScreen

        if self.training_active:
            return "a run is still stopping; try again in a moment"
        if store is None:
            store = self.run_store
        def warn_now(text: str) -> None:   # the run core's messages start in lower case
            self.notify(text[0].upper() + text[1:], severity="warning", timeout=8)
        warn = lambda text: self.call_from_thread(warn_now, text)  # noqa: E731  (from the training thread)
        try:
            if branch is not None:
                runner = RunProcess.branching(store, branch["path"], branch["epoch"], branch["changes"],
                                              dataset=dataset, replay=branch.get("replay"), on_problem=warn,
                                              progress_interval=self.progress_interval)
            elif resume_from is None:
                runner = RunProcess.new(config, dataset, store=store, on_problem=warn,
                                        progress_interval=self.progress_interval)
            else:
                runner = RunProcess.resuming(store, resume_from, epochs=config.epochs, dataset=dataset,
                                             on_problem=warn, progress_interval=self.progress_interval)
        except RunSetupError as exc:
            return str(exc)
        if resume_from is None and branch is None:
            self.settings.save_last_config(config)
        screen = TrainingScreen(runner.config, dataset, redact_timings=self.redact_timings,
                                marks=[] if branch is None else [float(branch["epoch"])])

        def tell(event) -> None:
            # a continued run's earlier epochs are known once the child has read its folder
            screen.post_message(RunBegan(event, previous=runner.previous_rows) if isinstance(event, RunStarted)
                                else message_for(event))
        runner.add_listener(tell)
        self.runner, self.training_screen = runner, screen
        self._inspection = None
        self.push_screen(screen)
        self.training_worker = self._train(runner)
        return None

    @property
    def run_path(self):
        """The folder recording the current run, if it is recorded."""
        return None if self.runner is None else self.runner.path

    def open_inspection(self) -> None:
        """The misclassification browser (and its sibling screens) on the ended run."""
        from ..inspection import inspection_data_from

        if self.runner is None or self.training_active:
            self.notify("Inspection opens once the run has ended.", severity="warning")
            return
        if self._inspection is None:
            dataset = self.training_screen.dataset
            if not len(dataset.x_test):
                self.notify(f"{dataset.name} has no test images to inspect.", severity="warning")
                return
            self._inspection = inspection_data_from(self.runner.network, dataset)
        self._show_inspection(self._inspection)

    @work(thread=True, exclusive=True, group="training", exit_on_error=False, description="training")
    def _train(self, runner: RunProcess) -> RunResult:
        # The run reports its own errors (and the child's death) as a Failed event; it raises
        # only RunSetupError, when the child could not build the run.
        return runner.run()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        worker = event.worker
        if worker.group == "sweep" and worker is self.sweep_worker:
            if event.state == WorkerState.ERROR and self.sweep_screen is not None:
                self.sweep_screen.sweep_failed(f"{worker.error.__class__.__name__}: {worker.error}")
            if event.state in (WorkerState.SUCCESS, WorkerState.ERROR, WorkerState.CANCELLED):
                self._refresh_bindings_if_shown()
            return
        if worker.group != "training" or worker is not self.training_worker:
            return
        if event.state == WorkerState.SUCCESS:
            result: RunResult = worker.result
            self.last_result = result
            self._record_speed(result)
        elif event.state == WorkerState.ERROR and self.training_screen is not None:
            from ..runs import RunSetupError
            from .messages import WorkerCrashed
            if isinstance(worker.error, RunSetupError):
                self._run_refused(str(worker.error))
            else:
                self.training_screen.post_message(WorkerCrashed(worker.error))
        if event.state in (WorkerState.SUCCESS, WorkerState.ERROR, WorkerState.CANCELLED):
            self._refresh_bindings_if_shown()

    def _run_refused(self, reason: str) -> None:
        """The child could not build the run (another process trains it, its folder can't be
        read): back to where the run was started from, saying why, as a refusal to start."""
        screen = self.training_screen
        screen.refused(reason)
        if self.screen is screen:
            self.pop_screen()
        self.notify(f"Can't start: {reason}", severity="error", timeout=8)

    def _refresh_bindings_if_shown(self) -> None:
        # A worker can end after the app has closed its last screen (quitting mid-run):
        # there are no bindings left to refresh then, and asking would raise.
        if self.screen_stack:
            self.refresh_bindings()

    def _record_speed(self, result: RunResult) -> None:
        """Remember this machine's speed for the architecture: the median over epochs,
        leaving out the first (warm-up) when there are more."""
        speeds = [float(s) for s in result.history["samples_per_s"]]
        if len(speeds) > 1:
            speeds = speeds[1:]
        if speeds and result.network is not None:
            key = speed_key(result.network.arch.describe(), result.config)
            self.settings.record_speed(key, statistics.median(speeds))

    def pause_training(self) -> bool:
        if self.runner is None or not self.training_active:
            return False
        self.runner.pause()
        return True

    def resume_training(self) -> bool:
        if self.runner is None or not self.training_active:
            return False
        self.runner.resume()
        return True

    def stop_training(self) -> bool:
        """Ask the run to stop (it ends within one batch); False if nothing is running."""
        if self.runner is None or not self.training_active:
            return False
        self.runner.stop()
        return True

    def action_quit(self) -> None:
        """Quit; while a run trains, ask first (the run is the user's work). Asked again
        while the question shows (ctrl+c twice, as in a terminal), quit at once."""
        if not (self.training_active or self.sweep_active) or self._asking_to_quit:
            self.exit()
            return
        from .screens.confirm import ConfirmScreen

        if self.training_active:
            view = self.training_screen.view if self.training_screen is not None else None
            where = f" (epoch {view.epoch} of {view.epochs})" if view is not None else ""
            question = (f"A run is still training{where}. Quitting stops it after the current batch; "
                        "its weights and history so far are kept in the runs list.")
        else:
            question = (f"The sweep {self.sweep.name} is still running. Quitting stops its trials "
                        f"within a batch; `scratchnet-tui sweep --resume {self.sweep.name}` continues it.")
        self._asking_to_quit = True

        def answered(quit_now: bool | None) -> None:
            self._asking_to_quit = False
            if quit_now:
                self.exit()
        self.push_screen(ConfirmScreen("Quit?", question, "Stop it and quit", "Keep going"), answered)

    def exit(self, *args, **kwargs) -> None:
        # Every way out (q, ctrl+q, ctrl+c, the palette) comes through here: stop the
        # run so its thread ends within a batch and the process can exit.
        if self.runner is not None:
            self.runner.stop()
        if self.sweep is not None:
            self.sweep.stop()
        super().exit(*args, **kwargs)

    # ----------------------------------------------------------------- runs
    def action_runs(self) -> None:
        from .screens.runs.table import RunsScreen

        if isinstance(self.screen, RunsScreen):
            return
        # One runs screen, kept: composing it again was most of F2's time, and coming back
        # finds the filter, sort, marks and cursor as they were (the list is read again on
        # each opening).
        self._push_kept(f"runs-of-{self.run_store.root}", lambda: RunsScreen(self.run_store))

    def on_run_action(self, message) -> None:
        """A row action of the runs screen: the data is loaded in a worker, then acted on.
        A run that can't be read says why; nothing a damaged run holds can crash the app.
        A rerun or resume is recorded in the store the run was listed from, which need
        not be the app's own."""
        store = message.store if message.store is not None else self.run_store
        from ..runs import RunRecord, RunStoreError
        from ..runs.store import default_more_epochs

        if message.action == "resume":
            from .screens.runs.dialogs import ResumeEpochsScreen

            record = RunRecord(message.path)
            try:
                info, own = record.info(), record.config().epochs
            except RunStoreError as exc:
                self.notify(f"Can't resume this run: {exc}", severity="error", timeout=8)
                return

            def chosen(text: str | None) -> None:
                if text:
                    self._load_for_run_action(message.action, message.path, store, int(text))
            more = default_more_epochs(info.planned_epochs, info.epochs, own)
            self.push_screen(ResumeEpochsScreen(str(more)), chosen)
            return
        if message.action == "branch":
            self._ask_branch(message.path, store)
            return
        self._load_for_run_action(message.action, message.path, store)

    @work(thread=True, exclusive=True, group="run-action", exit_on_error=False, description="reading a run")
    def _ask_branch(self, path, store: RunStore) -> None:
        """Read what the Branch dialog offers (kept epochs, settings, live changes, the best
        epoch), then ask; the answer loads the dataset and starts the branch."""
        from ..runs import RunRecord, RunStoreError
        from .screens.runs.branch import BranchRunScreen

        record = RunRecord(path)
        try:
            info, config, changes = record.info(), record.config(), record.changes()
            epochs = record.branch_epochs()
            history = record.history()
        except (RunStoreError, OSError) as exc:
            self.call_from_thread(self.notify, f"Can't branch this run: {exc}", severity="error", timeout=8)
            return
        if not epochs:
            self.call_from_thread(self.notify, f"{info.name or info.run_id} keeps no epoch to branch from "
                                  "(it has not saved one yet).", severity="warning", timeout=6)
            return
        best = None
        if "val_acc" in history and history.val_acc.notna().any():
            best = int(history.epoch[history.val_acc.idxmax()])

        def chosen(answer: dict | None) -> None:
            if answer:
                self._load_for_run_action("branch", path, store, branch=answer)
        screen = BranchRunScreen(info.name or info.run_id, config, epochs, planned=info.planned_epochs or config.epochs,
                                 best_epoch=best, changes=changes)
        self.call_from_thread(self.push_screen, screen, chosen)

    @work(thread=True, exclusive=True, group="run-action", exit_on_error=False, description="loading a run")
    def _load_for_run_action(self, action: str, path, store: RunStore, epochs: int | None = None,
                             branch: dict | None = None) -> None:
        from ..datasets import DatasetError
        from ..inspection import inspection_data_from_run
        from ..runs import RunRecord, RunStoreError
        from .screens.setup import cached_dataset

        record = RunRecord(path)
        try:
            if action == "inspect":
                data = inspection_data_from_run(record)
                self.call_from_thread(self._show_inspection, data)
                return
            config = record.config()
            if action == "use":
                self.call_from_thread(self._use_config, config)
                return
            dataset = cached_dataset(config.dataset, self.data_dir)
        except (RunStoreError, DatasetError, ValueError, OSError) as exc:
            self.call_from_thread(self.notify, f"Can't {action} this run: {exc}", severity="error", timeout=8)
            return
        if action == "rerun":   # the same config and seed: the same result
            from ..runs import Runner
            try:    # a branch is made again from its parent's epoch, its changes replayed
                again = Runner.retracing(record)
            except RunStoreError as exc:
                self.call_from_thread(self.notify, f"Can't rerun this run: {exc}", severity="error", timeout=8)
                return
            self.call_from_thread(self._start_from_runs, config, dataset, None, store, branch=again)
        elif action == "resume":
            self.call_from_thread(self._start_from_runs, config.with_changes(epochs=epochs), dataset, path, store)
        elif action == "branch":
            self.call_from_thread(self._start_from_runs, config, dataset, None, store, branch={"path": path, **branch})

    def _show_inspection(self, data) -> None:
        """The mistakes list of ``data``; the inspection screens are kept per data, and those
        of the data inspected before are let go."""
        from .screens.inspect import forget_kept_screens, kept_screen

        if self._kept_inspection is not None and self._kept_inspection is not data:
            forget_kept_screens(self, self._kept_inspection)
        self._kept_inspection = data
        self.push_screen(kept_screen(self, "mistakes", data))

    def _back_to_setup(self) -> SetupScreen:
        while len(self.screen_stack) > 1 and not isinstance(self.screen, SetupScreen):
            self.pop_screen()
        return self.screen

    def _use_config(self, config: TrainConfig) -> None:
        setup = self._back_to_setup()
        if isinstance(setup, SetupScreen):
            setup.fill(config)
            self.notify("The form holds that run's settings: change what you like, then start.", timeout=5)

    def _start_from_runs(self, config: TrainConfig, dataset: Dataset, resume_from, store: RunStore,
                         branch: dict | None = None) -> None:
        self._back_to_setup()
        error = self.start_training(config, dataset, resume_from=resume_from, store=store, branch=branch)
        if error:
            self.notify(f"Can't start: {error}", severity="error", timeout=8)

    # --------------------------------------------------------------- sweeps
    @property
    def sweep_active(self) -> bool:
        return self.sweep_worker is not None and self.sweep_worker.state in (
            WorkerState.PENDING, WorkerState.RUNNING)

    def action_sweep(self) -> None:
        """The running sweep's screen, or the sweep's set-up around the setup form's settings."""
        from .screens.sweep import SweepScreen, SweepSetupScreen

        if isinstance(self.screen, (SweepScreen, SweepSetupScreen)):
            return
        if self.sweep_active and self.sweep_screen is not None:
            self.push_screen(self.sweep_screen)
            return
        setup = next((s for s in self.screen_stack if isinstance(s, SetupScreen)), None)
        config, errors = setup.read_form() if setup is not None else (None, {"form": "no setup form"})
        if config is None:
            from ..training.fields import FIELDS
            name, reason = next(iter(errors.items()), ("form", "invalid"))
            label = FIELDS[name].label if name in FIELDS else name
            self.notify(f"Fix the setup form first ({label}: {reason}); a sweep searches around it.",
                        severity="warning", timeout=6)
            return
        arch = f" ({config.dataset}, hidden {','.join(map(str, config.hidden)) or 'none'}, " \
               f"{config.optimizer}, {config.epochs} epochs)"
        self.push_screen(SweepSetupScreen(config, arch, data_dir=self.data_dir))

    def start_sweep(self, spec, workers: int) -> str | None:
        """Create the sweep ``spec`` in the runs folder and run it on ``workers`` processes,
        showing it live. Returns why it could not start, or None."""
        from ..spawning import start_resource_tracker
        from ..sweeps import Sweep, SweepError
        from .messages import SweepMessage
        from .screens.sweep import SweepScreen, SweepSetupScreen

        if self.sweep_active:
            return f"the sweep {self.sweep.name} is still running"
        try:
            sweep = Sweep.new(spec, self.run_store.root)
        except SweepError as exc:
            return str(exc)
        start_resource_tracker()
        screen = SweepScreen(spec)
        sweep.add_listener(lambda event: screen.post_message(SweepMessage(event)))
        self.sweep, self.sweep_screen = sweep, screen
        if isinstance(self.screen, SweepSetupScreen):
            self.pop_screen()
        self.push_screen(screen)
        self.sweep_worker = self._run_sweep(sweep, workers)
        return None

    @work(thread=True, exclusive=True, group="sweep", exit_on_error=False, description="sweep")
    def _run_sweep(self, sweep, workers: int):
        return sweep.run(workers=workers)

    def pause_sweep(self) -> None:
        if self.sweep is not None and self.sweep_active:
            self.sweep.pause()

    def resume_sweep(self) -> None:
        if self.sweep is not None and self.sweep_active:
            self.sweep.resume()

    def stop_sweep(self) -> bool:
        if self.sweep is None or not self.sweep_active:
            return False
        self.sweep.stop()
        return True

    def open_sweep_trial(self, run_id: str, action: str) -> None:
        """A trial's run: its charts, its inspection, or its settings in the setup form."""
        path = self.run_store.root / run_id
        if action == "charts":
            from .screens.runs.compare import show_run_charts
            show_run_charts(self, self.run_store, path)
            return
        from .screens.runs.table import RunAction
        self.post_message(RunAction(action, path, self.run_store))

    # -------------------------------------------------------------- actions
    def action_help(self) -> None:
        """The help for the current screen. Composed once per kind of screen and kept
        (installed): composing its sections again was a third of each opening."""
        if isinstance(self.screen, HelpScreen):
            return
        current = self.screen
        self._push_kept(f"help-for-{type(current).__module__}.{type(current).__qualname__}",
                        lambda: HelpScreen(current))

    def _push_kept(self, name: str, make: Callable[[], Screen]) -> None:
        """Push the screen installed as ``name``, made by ``make()`` on its first opening: an
        installed screen stays composed when it is closed."""
        self.push_screen(kept(self, name, make))

    def action_toggle_theme(self) -> None:
        self.theme = LIGHT_THEME if self.current_theme.dark else DARK_THEME
        self.settings.save_theme(self.theme)

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """The command palette (ctrl+p): Textual's own commands, then the actions the
        current screen's bindings offer right now (``commands.py``: the screen's
        ``check_action`` decides), then the app-wide ones."""
        yield from super().get_system_commands(screen)
        yield from screen_commands(screen)
        yield SystemCommand("Runs", "Past runs: compare, export, inspect, re-run, resume", self.action_runs)
        yield SystemCommand("Switch dark/light theme", "Toggle between textual-dark and textual-light",
                            self.action_toggle_theme)
        yield SystemCommand("Keys", "Show every key binding", self.action_help)


def run_app(data_dir: str | None = None, runs_dir: str | None = None, *, headless: bool = False) -> int:
    """Entry point of ``scratchnet-tui`` without a subcommand; ``data_dir`` and ``runs_dir``
    are --data-dir and --runs-dir. Returns the exit status: Textual sets a non-zero return
    code when the app crashed."""
    app = ScratchnetApp(data_dir=data_dir, runs_dir=runs_dir)
    app.run(headless=headless)
    if app.runner is not None:
        app.runner.close()   # asked to stop on the way out: let it save, but never wait for ever
    return app.return_code or 0
