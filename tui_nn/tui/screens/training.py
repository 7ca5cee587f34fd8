"""The training screen: one run, live. Charts of loss and accuracy per epoch, progress
inside the epoch, the status panel, a table of per-epoch figures and the controls.

The run itself trains in a child process, relayed by the app's thread worker; this screen
only receives the trainer's events as messages (``messages.py``) and shows them. Handlers just record the
numbers; a timer redraws at most four times a second, so a run of many short epochs
cannot flood the UI.
"""

from __future__ import annotations

import math
import time

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Header, ProgressBar, Static

from ...datasets import Dataset
from ...format import UNKNOWN, percent
from ...training.config import TrainConfig
from ...training.events import Diverged, EarlyStopped, Failed, Finished, Stopped
from ...training.status import RunStatus
from ..messages import (
    BatchProgressed, EpochCompleted, RunBegan, RunEnded, RunPaused, RunResumed, SettingWasChanged, WorkerCrashed,
)
from ..styles import css_path
from ..widgets.charts import MetricChart, change_position
from ..widgets.footer import Footer
from ..widgets.status import RunView, StatusPanel
from ..widgets.too_small import TooSmall
from .dashboard_screen import DashboardScreen

REDRAW_INTERVAL = 0.25   # seconds between redraws while a run is live
# Seconds between two redraws of the epoch table and the charts while a run is live: epochs
# that end faster than that (a small model on the sample: 5 a second) had both drawn again at
# every redraw, 70 ms a time, most of the app's time. A slower epoch is drawn when it ends.
EPOCHS_DRAWN_EVERY = 1.0

# Per-epoch table: the figures of the CLI's --json lines, validation first. Two-line headers
# keep each column as narrow as its values, so all six fit beside the status panel at 80 columns.
TABLE_COLUMNS = (("epoch", "\nep"), ("val_acc", "val\nacc"), ("val_loss", "val\nloss"),
                 ("train_acc", "train\nacc"), ("train_loss", "train\nloss"), ("seconds", "\ns"))


class TrainingScreen(DashboardScreen, Screen):
    """Shows one run; the app owns its trainer and worker."""

    CSS_PATH = css_path("training.tcss")

    BINDINGS = [
        Binding("p", "pause", "Pause", id="pause", tooltip="Pause training after this batch"),
        Binding("p", "resume", "Resume", id="resume", tooltip="Resume the paused run"),
        Binding("s", "stop", "Stop", id="stop",
                tooltip="Stop training; the trained weights and the history are kept"),
        Binding("l", "tune", "Tune", id="tune",
                tooltip="Change the lr, momentum, L2 or dropout of the live run, from the next batch"),
        Binding("h", "learning", "Learning", id="learning",
                tooltip="The loss of every batch and each layer's health (follows the run live)"),
        Binding("i", "inspect", "Inspect", id="inspect",
                tooltip="Browse the misclassified test images, the confusion matrix, draw a digit"),
        Binding("b", "back", "Setup", id="back",
                tooltip="Back to the setup screen (asks before stopping a live run)"),
        Binding("escape", "back", "Setup", id="back-escape", show=False),
        # not in the footer: the app's ^q Quit is there already
        Binding("q", "app.quit", "Quit", id="quit-q", show=False,
                tooltip="Quit (asks first while a run trains)"),
        Binding("question_mark", "app.help", "Help", id="help-question-mark", show=False),
        # Only in a short terminal (the app's -short class), where charts and figures take turns.
        Binding("v", "switch_view", "Charts/figures", id="training-switch-view",
                tooltip="In a short terminal: show the charts, or the status and the epoch table"),
    ]

    def __init__(self, config: TrainConfig, dataset: Dataset, *, redact_timings: bool = False,
                 previous: list[dict] | None = None, marks: list[float] = ()) -> None:
        """``previous``: the history rows of a run being continued, shown from the start;
        ``marks``: epoch positions to mark on the charts from the start (a branch point, the
        changes made before it was continued)."""
        super().__init__()
        self.config = config
        self.dataset = dataset
        self.redact_timings = redact_timings
        self.view = RunView(epochs=config.epochs)
        self.rows: list[dict] = list(previous or [])   # the history, one dict per epoch
        self.marks: list[float] = list(marks)          # grey lines on the charts: changes, branch point
        self.architecture = ""
        self._rows_shown = 0
        self._dirty = True
        self._charts_dirty = bool(self.rows)
        self.notice_text = ""
        self._running_text = ""
        self._title_parts = [config.dataset]
        self._bar_shown: tuple[int, int] | None = None   # (total, progress) on the bar
        self._epochs_drawn_at = -math.inf   # when the table and charts were last drawn

    # ------------------------------------------------------------------ layout
    def compose(self) -> ComposeResult:
        yield Header()
        yield TooSmall()
        with Horizontal(id="charts"):
            yield MetricChart("Loss", "loss", id="loss-chart")
            yield MetricChart("Accuracy", "accuracy %", percent=True, id="acc-chart")
        with Horizontal(id="lower"):
            with Vertical(id="status-box", classes="panel"):
                yield StatusPanel(id="status", redact_timings=self.redact_timings)
                # Never without a total: Textual animates a bar without one, 15 frames a
                # second, covered or not (under a dialog, each frame repainted the dialog too).
                yield ProgressBar(total=1, show_eta=False, id="epoch-progress")
                yield Static("", id="running", markup=False)
            with Vertical(id="results"):
                with VerticalScroll(id="notice-box"):
                    yield Static("", id="notice")
                yield DataTable(id="history", cursor_type="row", zebra_stripes=True, header_height=2)
        yield Footer()

    def on_mount(self) -> None:
        self._title_parts = [self._dataset_name(), self.config.preset or "custom", "training"]
        self._fit_title()
        table = self.query_one("#history", DataTable)
        for key, label in TABLE_COLUMNS:
            table.add_column(label, key=key)
        self.query_one("#notice-box").display = False
        self.set_interval(REDRAW_INTERVAL, self.redraw)
        self.redraw()

    def _dataset_name(self) -> str:
        """The dataset's own name (a path shows as its last folder or file)."""
        return getattr(self.dataset, "name", None) or self.config.dataset

    def _fit_title(self) -> None:
        """The header's subtitle: as many of its parts as fit the width, most important first
        (the header centres ``title — subtitle`` between its icon and clock)."""
        room = self.app.size.width - len(self.app.title) - 22
        parts = list(self._title_parts)
        while len(parts) > 1 and len(" · ".join(parts)) > room:
            parts.pop()
        self.sub_title = " · ".join(parts)

    def on_resize(self) -> None:
        self._fit_title()

    def size_changed(self) -> None:
        """The app's size classes changed: the switch key shows only in a short terminal."""
        self.refresh_bindings()

    def action_switch_view(self) -> None:
        """In a short terminal, the charts (full height, so they show curves) or the figures."""
        self.toggle_class("-charts-view")
        self._charts_dirty = True
        self._dirty = True
        self._epochs_drawn_at = -math.inf   # a key asked for them: now
        self.redraw()

    def on_screen_resume(self) -> None:
        # Nothing was drawn while another screen covered this one (redraw): catch up at once.
        self._dirty = True
        self._epochs_drawn_at = -math.inf
        self.redraw()

    # ---------------------------------------------------------- trainer events
    @on(RunBegan)
    def _run_began(self, message: RunBegan) -> None:
        event = message.event
        if getattr(message, "previous", None) and not self.rows:
            self.rows = list(message.previous)   # a continued run: its epochs so far, shown at once
            self._charts_dirty = True
        self.architecture = event.architecture
        self.view.state = RunStatus.RUNNING
        self.view.started_at = time.monotonic()
        self.view.n_batches = event.batches_per_epoch
        if event.start_epoch:   # a continued run counts on from its saved epochs
            self.view.epoch = event.start_epoch
            self.view.epochs = event.start_epoch + self.config.epochs
        self._title_parts = [self._dataset_name(), event.architecture, f"{event.n_params:,} params",
                             self.config.describe_batch()]
        self._fit_title()
        self.app.refresh_bindings()
        self._dirty = True

    @on(BatchProgressed)
    def _batch_progressed(self, message: BatchProgressed) -> None:
        event = message.event
        view = self.view
        view.batch, view.n_batches = event.batch, event.n_batches
        view.running_loss, view.running_acc = event.running_loss, event.running_acc
        view.samples_per_s = event.samples_per_s
        self._dirty = True

    @on(SettingWasChanged)
    def _setting_changed(self, message: SettingWasChanged) -> None:
        self.marks.append(change_position(message.event.record(), self.view.n_batches))
        self._charts_dirty = self._dirty = True

    @on(EpochCompleted)
    def _epoch_completed(self, message: EpochCompleted) -> None:
        event = message.event
        view = self.view
        self.rows.append(event.row())
        view.epoch, view.epochs = event.epoch, event.epochs
        view.batch = 0
        view.running_loss = view.running_acc = None
        view.samples_per_s = event.samples_per_s
        view.val_acc = event.val_acc
        view.best_val_acc = event.best_val_acc
        view.epoch_seconds.append(event.seconds)
        view.trained_seconds = event.elapsed
        self._dirty = self._charts_dirty = True

    @on(RunPaused)
    def _run_paused(self) -> None:
        if self.view.state not in (RunStatus.RUNNING, RunStatus.PAUSING):
            return   # a stop or resume overtook the pause
        self.view.state = RunStatus.PAUSED
        self.view.paused_at = time.monotonic()
        self._after_state_change()

    @on(RunResumed)
    def _run_resumed(self) -> None:
        if self.view.paused_at is not None:
            self.view.paused_total += time.monotonic() - self.view.paused_at
            self.view.paused_at = None
        if self.view.state in (RunStatus.PAUSED, RunStatus.PAUSING):
            self.view.state = RunStatus.RUNNING
        self._after_state_change()

    @on(RunEnded)
    def _run_ended(self, message: RunEnded) -> None:
        event = message.event
        view = self.view
        view.paused_at = None
        view.ended_elapsed = event.elapsed
        view.test_acc, view.test_loss = event.test_acc, event.test_loss
        view.batch = 0
        if isinstance(event, Finished):
            view.state = RunStatus.FINISHED
            self._notice(view.state, self._ended_words("Finished", event))
        elif isinstance(event, EarlyStopped):
            view.state = RunStatus.EARLY_STOPPED
            self._notice(view.state, self._ended_words("Stopped early", event) + f" {event.reason[0].upper()}{event.reason[1:]}.")
        elif isinstance(event, Stopped):
            view.state = RunStatus.STOPPED
            self._notice(view.state, self._ended_words("Stopped on request", event)
                         + " The weights trained so far and the history are kept.")
        elif isinstance(event, Diverged):
            view.state = RunStatus.DIVERGED
            loss = "NaN" if event.loss != event.loss else f"{event.loss:g}"
            self._notice(view.state,
                         f"Training diverged: the loss became {loss} at epoch {event.epoch}, "
                         f"batch {event.batch}, so the run stopped itself. The weights are those "
                         f"of the last good epoch ({event.epochs_completed}).\n"
                         f"Hint: {event.hint}.")
        elif isinstance(event, Failed):
            view.state = RunStatus.FAILED
            self._notice(view.state, f"Training failed with an error:\n{event.message}\n\n"
                         f"{event.details.strip()}")
        self._charts_dirty = True
        self._after_state_change()

    @on(WorkerCrashed)
    def _worker_crashed(self, message: WorkerCrashed) -> None:
        if self.view.state.ended:
            return
        self.view.state = RunStatus.FAILED
        error = message.error
        self._notice(self.view.state, f"The training worker stopped with an error:\n"
                               f"{error.__class__.__name__}: {error}")
        self._after_state_change()

    def refused(self, reason: str) -> None:
        """The run could not start (the app goes back and says why)."""
        self.view.state = RunStatus.FAILED
        self._notice(self.view.state, f"Can't start: {reason}")
        self._after_state_change()

    def _ended_words(self, how: str, event) -> str:
        text = f"{how} after {event.epochs_completed} epoch{'s' if event.epochs_completed != 1 else ''}."
        if event.test_acc is not None:
            text += (f" Test accuracy {percent(event.test_acc)} (loss {event.test_loss:.4f}) "
                     f"on {len(self.dataset.x_test):,} test images, evaluated once.")
        return text

    def _notice(self, kind: RunStatus, text: str) -> None:
        """Show ``text`` in the notice box, coloured by how the run ended (``kind``)."""
        self.notice_text = text
        notice = self.query_one("#notice", Static)
        notice.update(text.replace("[", r"\["))
        box = self.query_one("#notice-box")
        for state in RunStatus:
            if state.ended:
                box.set_class(state == kind, f"-{state}")
        box.display = True

    def _after_state_change(self) -> None:
        self._dirty = True
        self._epochs_drawn_at = -math.inf
        self.app.refresh_bindings()
        self.redraw()

    # ------------------------------------------------------------------ redraw
    def redraw(self) -> None:
        """Bring every widget up to date with what the events said (timer and state changes)."""
        view = self.view
        if not (self._dirty or view.state.live):
            return
        if self.app.screen is not self:
            # Covered (runs, inspection, help), or under a dialog that dims it (stop? quit?
            # tune): drawn again on resume. Under a dialog, each redraw made Textual blend the
            # whole screen into the dialog's background again, through Rich: the app was busy
            # most of the time the question was up.
            return
        self._dirty = False
        self.query_one("#status", StatusPanel).show(view)
        if view.state.ended:
            self._show_progress(max(view.epochs, 1), view.epoch)
            self._show_running(f"{view.epoch} of {view.epochs} epochs trained")
        elif view.n_batches:
            self._show_progress(view.n_batches, view.batch)
            if view.running_loss is not None:
                # One line that fits the panel: the epoch is the one after "Epoch k / N" above.
                self._show_running(f"{view.batch}/{view.n_batches}  loss {view.running_loss:.4f}  "
                                   f"acc {percent(view.running_acc)}")
            else:
                self._show_running(f"epoch {view.epoch + 1}: starting")
        if not (self._charts_dirty or len(self.rows) > self._rows_shown):
            return
        now = time.monotonic()
        if view.state.live and now - self._epochs_drawn_at < EPOCHS_DRAWN_EVERY:
            return   # drawn less than a second ago: the epochs since wait for the next redraw
        self._epochs_drawn_at = now
        self._update_table()
        if self._charts_dirty:
            self._charts_dirty = False
            epochs = [r["epoch"] for r in self.rows]
            self.query_one("#loss-chart", MetricChart).set_data(
                epochs, [r["train_loss"] for r in self.rows], [r["val_loss"] for r in self.rows])
            self.query_one("#acc-chart", MetricChart).set_data(
                epochs, [r["train_acc"] for r in self.rows], [r["val_acc"] for r in self.rows])
            for chart in self.query(MetricChart):
                chart.set_marks(self.marks)

    def _show_progress(self, total: int, progress: int) -> None:
        """Move the bar only when what it shows changes (its percentage, to the unit)."""
        shown = (total, progress * 100 // max(total, 1))
        if shown != self._bar_shown:
            self._bar_shown = shown
            self.query_one("#epoch-progress", ProgressBar).update(total=total, progress=progress)

    def _show_running(self, text: str) -> None:
        # #running has a fixed height: an update needs no layout pass (a whole-screen arrange).
        if text != self._running_text:
            self._running_text = text
            self.query_one("#running", Static).update(text, layout=False)

    def _update_table(self) -> None:
        table = self.query_one("#history", DataTable)
        new_rows = self.rows[self._rows_shown:]
        if not new_rows:
            return
        for row in new_rows:
            cells = {"epoch": str(row["epoch"]), "train_loss": f"{row['train_loss']:.4f}",
                     "train_acc": percent(row["train_acc"]), "val_loss": f"{row['val_loss']:.4f}",
                     "val_acc": percent(row["val_acc"]),
                     "seconds": UNKNOWN if self.redact_timings else f"{row['seconds']:.2f}"}
            table.add_row(*(cells[key] for key, _ in TABLE_COLUMNS))
        self._rows_shown = len(self.rows)
        table.move_cursor(row=table.row_count - 1, animate=False)

    # ---------------------------------------------------------------- actions
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        state = self.view.state
        if action == "pause":
            return state == RunStatus.RUNNING
        if action == "resume":
            return state in (RunStatus.PAUSED, RunStatus.PAUSING)
        if action == "stop":
            if state.ended:
                return False        # hidden: nothing left to stop
            return True if state in (RunStatus.RUNNING, RunStatus.PAUSED, RunStatus.PAUSING) else None
        if action == "tune":
            return state in (RunStatus.RUNNING, RunStatus.PAUSED, RunStatus.PAUSING)
        if action == "switch_view":
            return self.app.has_class("-short")
        if action == "inspect":
            # shown once the run has ended with weights worth looking at
            return state.has_model
        return True

    def action_learning(self) -> None:
        path = self.app.run_path
        if path is None:
            self.notify("This run is not being recorded: there is nothing to read.", severity="warning")
            return
        from .learning import LearningScreen
        self.app.push_screen(LearningScreen(path))

    def action_pause(self) -> None:
        if self.app.pause_training():
            self.view.state = RunStatus.PAUSING
            self._after_state_change()

    def action_resume(self) -> None:
        if self.app.resume_training():
            if self.view.state == RunStatus.PAUSING:
                # Resumed before the trainer reached the next batch: it never paused.
                self.view.state = RunStatus.RUNNING
            self._after_state_change()

    def action_stop(self) -> None:
        if self.app.stop_training():
            self.view.state = RunStatus.STOPPING
            self._after_state_change()

    def action_tune(self) -> None:
        from .tune import TuneScreen

        runner = self.app.runner
        if runner is None or not self.app.training_active:
            return

        def tuned(changed: dict | None) -> None:
            if changed:
                self.notify("From the next batch: " + ", ".join(f"{k} {v}" for k, v in changed.items()), timeout=3)
        self.app.push_screen(TuneScreen(runner.config, runner.change), tuned)

    def action_inspect(self) -> None:
        self.app.open_inspection()

    def action_back(self) -> None:
        """Back to setup; a run still training is the user's work, so ask before stopping it."""
        if self.view.state.ended or not self.app.training_active:
            self.app.pop_screen()
            return
        from .confirm import ConfirmScreen

        def answered(stop: bool | None) -> None:
            if not stop:
                return
            if self.app.stop_training():
                self.notify("The run was stopped; its weights and history are kept.", timeout=3)
            self.app.pop_screen()
        self.app.push_screen(ConfirmScreen(
            "Stop this run?", f"The run is at epoch {self.view.epoch} of {self.view.epochs}. Going back to "
            "setup stops it after the current batch; its weights and history so far are kept.",
            "Stop and go back", "Keep training"), answered)
