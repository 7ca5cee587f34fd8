"""The train command's output: a progress bar and one line per epoch on stderr, and with
--json one JSON object per epoch (then one for the end) on stdout.

Output never stops a run: once stdout can't be written (its reader has gone, as with
``train --json | head -n1``) the JSON lines stop, stderr says so once and training goes on
(``stdout_lost`` says why, for the exit status); once stderr can't be written, it stays
silent."""

from __future__ import annotations

import errno
import json
import math
import sys
import time

from ..format import compact_duration, count, formatted
from ..training import events as ev


class ProgressReporter:
    """Turns trainer events into a progress bar and epoch lines on stderr, and, with
    --json, one JSON object per epoch (and a final one) on stdout."""

    def __init__(self, json_lines: bool = False, stream=None, out=None):
        self.json_lines = json_lines
        self.err = stream or sys.stderr
        self.out = out            # None: whatever sys.stdout is when a line is written
        self.tty = self.err.isatty()
        self.epochs = 0
        self._start_epoch = 0
        self._started_at: float | None = None   # the wall clock when the run started
        self._bar_shown = False
        self._err_lost = False
        self.stdout_lost: OSError | None = None   # why the JSON lines stopped, if they did

    def note(self, text: str) -> None:
        self._clear_bar()
        self._write_err(text + "\n")

    def _write_err(self, text: str) -> None:
        if self._err_lost:
            return
        try:
            self.err.write(text)
            self.err.flush()
        except (OSError, ValueError):    # closed, or its reader has gone: stay silent
            self._err_lost = True

    def _clear_bar(self):
        if self._bar_shown:
            self._bar_shown = False
            self._write_err("\r\033[K")

    def _json(self, obj: dict) -> None:
        """One JSON line on stdout, unless stdout has been lost (then nothing, ever again)."""
        if not self.json_lines or self.stdout_lost is not None:
            return
        out = self.out or sys.stdout
        try:
            out.write(json.dumps(obj) + "\n")
            out.flush()
        except OSError as exc:
            self.stdout_lost = exc
            if out is sys.stdout:
                from .common import silence_stdout
                silence_stdout()
            why = ("stdout was closed" if exc.errno == errno.EPIPE
                   else f"cannot write to stdout ({exc.strerror or exc})")
            self.note(f"warning: {why}: no more --json lines; training goes on and is saved")

    def load_progress(self, name: str, after: float = 1.0):
        """A callback for ``load_dataset(..., progress=)``: a bar on a terminal once the load
        has taken ``after`` seconds (quick loads print nothing), cleared when it is done."""
        started = time.perf_counter()

        def show(fraction: float) -> None:
            if not self.tty or time.perf_counter() - started < after:
                return
            width = 30
            done = int(width * fraction)
            self._write_err(f"\rloading {name} [{'#' * done}{'.' * (width - done)}] {fraction:.0%}\033[K")
            self._bar_shown = True
            if fraction >= 1:
                self._clear_bar()
        return show

    def __call__(self, event) -> None:
        if isinstance(event, ev.RunStarted):
            self.epochs = event.start_epoch + event.config["epochs"]
            self._start_epoch = event.start_epoch
            self._started_at = time.monotonic()
            cfg = event.config
            self.note(f"{event.architecture} {cfg['activation']}, {cfg['optimizer']} lr {cfg['lr']:g}, "
                      f"{event.n_params:,} parameters; {event.n_train:,} train / {event.n_val:,} validation / "
                      f"{event.n_test:,} test; {event.batches_per_epoch:,} batches per epoch")
        elif isinstance(event, ev.BatchProgress) and self.tty:
            width = 30
            done = int(width * event.batch / event.n_batches)
            self._write_err(f"\repoch {event.epoch}/{self.epochs} [{'#' * done}{'.' * (width - done)}] "
                            f"{event.batch}/{event.n_batches}  loss {event.running_loss:.4f}  "
                            f"{event.samples_per_s:,.0f} samples/s  ETA {self._eta(event)}\033[K")
            self._bar_shown = True
        elif isinstance(event, ev.EpochEnded):
            self.note(f"epoch {event.epoch}/{event.epochs}  train loss {event.train_loss:.4f} "
                      f"acc {event.train_acc:.2%}  val loss {formatted(event.val_loss, '.4f')} "
                      f"acc {formatted(event.val_acc, '.2%')}  {event.seconds:.2f}s  "
                      f"{event.samples_per_s:,.0f} samples/s")
            self._json({k: _json_number(v) for k, v in event.row().items()})
        elif isinstance(event, ev.Paused | ev.Resumed):
            pass
        elif isinstance(event, ev.RunEnded):
            self._end(event)

    def _eta(self, event: ev.BatchProgress) -> str:
        """The time left for the whole run, at the average batch time of this run so far
        (the test evaluation at the end is not counted: it takes a fraction of an epoch)."""
        done = (event.epoch - 1 - self._start_epoch) * event.n_batches + event.batch
        left = (self.epochs - event.epoch) * event.n_batches + (event.n_batches - event.batch)
        if self._started_at is None or done <= 0:
            return "--"
        return compact_duration((time.monotonic() - self._started_at) / done * left, missing="--")

    def _end(self, event) -> None:
        test = (f"test loss {event.test_loss:.4f} acc {event.test_acc:.2%}"
                if event.test_acc is not None else "no test set")
        if isinstance(event, ev.Finished):
            self.note(f"finished {count(event.epochs_completed, 'epoch')} in {event.elapsed:.1f}s; {test}")
        elif isinstance(event, ev.EarlyStopped):
            restored = f"; restored the weights of epoch {event.best_epoch}" if event.restored else ""
            self.note(f"{event.summary}{restored}; {test}")
        elif isinstance(event, ev.Stopped):
            self.note(f"stopped after {count(event.epochs_completed, 'complete epoch')}; {test}")
        elif isinstance(event, ev.Diverged):
            self.note(f"diverged: the loss became {event.loss} at epoch {event.epoch}, batch {event.batch}; "
                      f"kept the weights of epoch {event.epochs_completed}. Hint: {event.hint}. {test}")
        elif isinstance(event, ev.Failed):
            self.note(f"failed: {event.message}")
        self._json({"status": ev.STATUS_OF[type(event)],
                    "epochs_completed": event.epochs_completed,
                    "test_loss": _json_number(event.test_loss),
                    "test_acc": _json_number(event.test_acc),
                    "seconds": round(event.elapsed, 4)})


def _json_number(value):
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return None
    return value
