"""The train command's output: a progress bar and one line per epoch on stderr, and with
--json one JSON object per epoch (then one for the end) on stdout."""

from __future__ import annotations

import json
import math
import sys

from ..format import formatted
from ..training import events as ev


class ProgressReporter:
    """Turns trainer events into a progress bar and epoch lines on stderr, and, with
    --json, one JSON object per epoch (and a final one) on stdout."""

    def __init__(self, json_lines: bool = False, stream=None):
        self.json_lines = json_lines
        self.err = stream or sys.stderr
        self.tty = self.err.isatty()
        self.epochs = 0
        self._bar_shown = False

    def note(self, text: str) -> None:
        self._clear_bar()
        print(text, file=self.err, flush=True)

    def _clear_bar(self):
        if self._bar_shown:
            self.err.write("\r\033[K")
            self._bar_shown = False

    def __call__(self, event) -> None:
        if isinstance(event, ev.RunStarted):
            self.epochs = event.start_epoch + event.config["epochs"]
            cfg = event.config
            self.note(f"{event.architecture} {cfg['activation']}, {cfg['optimizer']} lr {cfg['lr']:g}, "
                      f"{event.n_params:,} parameters; {event.n_train:,} train / {event.n_val:,} validation / "
                      f"{event.n_test:,} test; {event.batches_per_epoch:,} batches per epoch")
        elif isinstance(event, ev.BatchProgress) and self.tty:
            width = 30
            done = int(width * event.batch / event.n_batches)
            self.err.write(f"\repoch {event.epoch}/{self.epochs} [{'#' * done}{'.' * (width - done)}] "
                           f"{event.batch}/{event.n_batches}  loss {event.running_loss:.4f}  "
                           f"{event.samples_per_s:,.0f} samples/s\033[K")
            self.err.flush()
            self._bar_shown = True
        elif isinstance(event, ev.EpochEnded):
            self.note(f"epoch {event.epoch}/{event.epochs}  train loss {event.train_loss:.4f} "
                      f"acc {event.train_acc:.2%}  val loss {formatted(event.val_loss, '.4f')} "
                      f"acc {formatted(event.val_acc, '.2%')}  {event.seconds:.2f}s  "
                      f"{event.samples_per_s:,.0f} samples/s")
            if self.json_lines:
                row = {k: _json_number(v) for k, v in event.row().items()}
                print(json.dumps(row), flush=True)
        elif isinstance(event, ev.Paused | ev.Resumed):
            pass
        elif isinstance(event, ev.RunEnded):
            self._end(event)

    def _end(self, event) -> None:
        test = (f"test loss {event.test_loss:.4f} acc {event.test_acc:.2%}"
                if event.test_acc is not None else "no test set")
        if isinstance(event, ev.Finished):
            self.note(f"finished {event.epochs_completed} epochs in {event.elapsed:.1f}s; {test}")
        elif isinstance(event, ev.Stopped):
            self.note(f"stopped after {event.epochs_completed} complete epochs; {test}")
        elif isinstance(event, ev.Diverged):
            self.note(f"diverged: the loss became {event.loss} at epoch {event.epoch}, batch {event.batch}; "
                      f"kept the weights of epoch {event.epochs_completed}. Hint: {event.hint}. {test}")
        elif isinstance(event, ev.Failed):
            self.note(f"failed: {event.message}")
        if self.json_lines:
            print(json.dumps({"status": ev.STATUS_OF[type(event)],
                              "epochs_completed": event.epochs_completed,
                              "test_loss": _json_number(event.test_loss),
                              "test_acc": _json_number(event.test_acc),
                              "seconds": round(event.elapsed, 4)}), flush=True)


def _json_number(value):
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return None
    return value
