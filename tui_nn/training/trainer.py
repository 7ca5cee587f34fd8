"""The one training loop, shared by the CLI, the dashboard and the benchmarks.

It knows nothing of any UI: it reports through a callback that receives the events
of events.py, and it can be paused, resumed and stopped from another thread — each
takes effect before the next mini-batch starts.
"""

from __future__ import annotations

import math
import threading
import time
import traceback
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Callable

import numpy as np

from ..datasets.dataset import Dataset
from ..nn import health as layer_health
from ..nn.network import Architecture, Network
from ..nn.optimizers import make_optimizer
from .augment import make_augmenter
from .callbacks import Callbacks
from .live import check_records, parse_changes
from .config import ConfigError, TrainConfig, check_batch_size, split_sizes
from .status import RunStatus
if TYPE_CHECKING:   # pandas costs 0.2-0.5 s to import: loaded when a history is built
    import pandas as pd

from .events import (
    HISTORY_COLUMNS, STATUS_OF, BatchProgress, Diverged, EarlyStopped, EpochEnded, Event, Failed, Finished,
    Paused, Resumed, RunEnded, RunStarted, SettingChanged, Stopped,
)

SPLIT_SEED = 20240917  # the validation split is the same for every run seed, so runs compare
HEALTH_BATCHES = 4     # batches per epoch whose gradient norms and update ratios are measured
HEALTH_PROBE = 512     # validation images whose activations are measured at each epoch's end


def validation_split(n: int, fraction: float) -> tuple[np.ndarray, np.ndarray]:
    """(train indices, validation indices): a fixed random ``fraction`` of 0..n-1 is held
    out for validation, the same one whatever the run's seed."""
    order = np.random.default_rng(SPLIT_SEED).permutation(n)
    n_val = split_sizes(n, fraction)[1]
    return np.sort(order[n_val:]), np.sort(order[:n_val])


@dataclass
class RunResult:
    status: RunStatus                # finished | stopped-early | stopped | diverged | failed
    config: TrainConfig
    network: Network | None
    history_rows: list[dict]         # one dict per epoch (HISTORY_COLUMNS)
    end: RunEnded
    best_params: np.ndarray | None = None   # weights of the best validation epoch
    best_val_acc: float = float("nan")
    # What continuing this run needs to draw exactly what one longer run would have:
    # optimizer buffers and step count, random generator states, the data order.
    resume_state: dict = field(default_factory=dict)

    @cached_property
    def history(self) -> pd.DataFrame:
        """The rows as a table, built when first read: a run that nobody reads it of (a sweep
        worker's trial) never imports pandas (0.2-0.5 s)."""
        return history_table(self.history_rows)


def history_table(rows: list[dict]) -> pd.DataFrame:
    import pandas as pd
    return pd.DataFrame(rows, columns=list(HISTORY_COLUMNS))


class Trainer:
    """Train a ``Network`` as ``config`` says, on ``dataset``'s training split.

    The test split is only ever evaluated once, at the end; validation is carved out of
    the training split. Pass ``network``, ``history`` and ``resume_state`` (from a
    RunResult) to continue a run: the result equals that of one longer run.

    ``change()`` changes the live settings (live.py) from any thread, before the next batch;
    ``replay`` (recorded changes, as ``changes`` lists them) makes each again at its step.
    """

    def __init__(self, config: TrainConfig, dataset: Dataset,
                 on_event: Callable[[Event], None] | None = None, *,
                 network: Network | None = None, history: pd.DataFrame | None = None,
                 resume_state: dict | None = None, replay: list[dict] | None = None,
                 progress_interval: float = 0.1, blas_threads: int | None = 1, health: bool = True):
        self.config = config
        self.dataset = dataset
        self.on_event = on_event or (lambda event: None)
        self.progress_interval = progress_interval
        self.blas_threads = blas_threads
        self.measure_health = health         # layer health per epoch (nn/health.py); off only to time it
        if len(dataset.x_train) == 0:
            raise ConfigError(f"dataset {dataset.name} has no training images (test set only)")
        self.train_idx, self.val_idx = validation_split(len(dataset.x_train), config.val_fraction)
        check_batch_size(config, len(self.train_idx))
        n_classes = dataset.n_classes
        label_max = int(dataset.y_train.max())
        if label_max >= n_classes:
            raise ConfigError(f"dataset {dataset.name} has label {label_max} but only {n_classes} classes")
        if network is None:
            arch = Architecture(config.architecture_sizes(dataset.n_features, n_classes),
                                config.activation, config.output, config.use_bias, config.dropout)
            network = Network(arch, dtype=np.dtype(config.dtype), init=config.init,
                              init_std=config.init_std, rng=self._rng("init"))
        else:
            network.check_fits(dataset.n_features, n_classes, f"dataset {dataset.name}")
        self.network = network
        self.history_rows: list[dict] = [] if history is None else history.to_dict("records")
        self._resume_state = resume_state or {}
        self.best_params: np.ndarray | None = None   # weights of the best validation epoch so far
        self.best_val_acc = float("nan")
        self._rngs = {s: self._rng(s) for s in ("shuffle", "dropout", "augment")}
        for name, state in self._resume_state.get("rng", {}).items():
            self._rngs[name].bit_generator.state = state
        self.callbacks = Callbacks(config, self._resume_state.get("callbacks"))
        if "callback_best" in self._resume_state:
            self.callbacks.best_params = np.array(self._resume_state["callback_best"], dtype=network.dtype)
        # Live changes: asked for in any thread (_pending, under _change_lock), applied in the
        # training thread before a batch; each applied one is recorded in ``changes``.
        self._change_lock = threading.Lock()
        self._pending: list[tuple[str, object]] = []
        self._replay = check_records(replay or [])
        self.changes: list[dict] = []
        # changes made before the epochs already trained (a continued run) hold already
        start_epoch = len(self.history_rows)
        while self._replay and self._replay[0]["epoch"] <= start_epoch:
            record = self._replay.pop(0)
            self.config = self.config.with_changes(**{record["setting"]: record["new"]})
            self.changes.append(record)
        if self.changes:
            self.network.set_dropout(self.config.dropout)
        self._stop = threading.Event()
        self._running = threading.Event()   # cleared while paused
        self._running.set()

    # ----------------------------------------------------- control, any thread
    def pause(self) -> None:
        self._running.clear()

    def resume(self) -> None:
        self._running.set()

    def stop(self) -> None:
        self._stop.set()
        self._running.set()   # a paused run must wake up to stop

    def change(self, **changes) -> dict:
        """Change live settings ({registry field: text or value}, e.g. lr=0.01 or l2="5/n")
        before the next batch; returns the TrainConfig values that will change. A refused
        value raises ConfigError (one line) and changes nothing."""
        with self._change_lock:
            upcoming = self.config.with_changes(**dict(self._pending))
            values = parse_changes(upcoming, changes)
            self._pending.extend(values.items())
        return values

    @property
    def planned_changes(self) -> list[dict]:
        """Every change of this run: those made so far, then the replayed ones still to come
        (what a record must hold to retrace the run)."""
        return [*self.changes, *self._replay]

    @property
    def optimizer(self):
        """The optimizer of the run in progress (None before it starts)."""
        return getattr(self, "_optimizer", None)

    @property
    def paused(self) -> bool:
        return not self._running.is_set()

    @property
    def stop_requested(self) -> bool:
        return self._stop.is_set()

    @property
    def history(self) -> pd.DataFrame:
        return history_table(self.history_rows)

    # ------------------------------------------------------------------ run
    def _rng(self, stream: str) -> np.random.Generator:
        """Independent generators per purpose, all derived from the one seed, so
        changing (say) dropout does not change the initial weights."""
        streams = ("init", "shuffle", "dropout", "augment")
        seq = np.random.SeedSequence(self.config.seed).spawn(len(streams))[streams.index(stream)]
        return np.random.default_rng(seq)

    def run(self) -> RunResult:
        """Train until done, stopped or diverged; never raises for a training problem
        (an unexpected error ends the run as "failed" with the message)."""
        started = time.perf_counter()
        try:
            # overflow on the way to a NaN is reported as "diverged", not as warnings
            with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                return self._run_with_threads()
        except Exception as exc:  # the worker must report, not crash its host
            end = Failed(epochs_completed=len(self.history_rows), elapsed=time.perf_counter() - started,
                         message=f"{exc.__class__.__name__}: {exc}", details=traceback.format_exc())
            self.on_event(end)
            return RunResult(RunStatus.FAILED, self.config, self.network, list(self.history_rows), end)

    def _run_with_threads(self) -> RunResult:
        if self.blas_threads:
            from threadpoolctl import threadpool_limits
            with threadpool_limits(limits=self.blas_threads, user_api="blas"):
                return self._run()
        return self._run()

    def _run(self) -> RunResult:
        cfg, net, data = self.config, self.network, self.dataset
        dtype = net.dtype
        n_train = len(self.train_idx)
        batch = n_train if cfg.batch_size is None else cfg.batch_size
        n_batches = math.ceil(n_train / batch)
        self._l2 = cfg.l2_for(n_train)
        x_val = data.x_train[self.val_idx]
        y_val = data.y_train[self.val_idx]
        labels_all = data.y_train.astype(np.intp)

        optimizer = make_optimizer(cfg.optimizer, net.params, cfg.lr, cfg.momentum, cfg.beta1, cfg.beta2)
        start_epoch = len(self.history_rows)
        resume = self._resume_state
        if "optimizer" in resume:
            optimizer.load_state(resume["optimizer"], resume["steps"])
        rng_shuffle, rng_dropout, rng_augment = (self._rngs[s] for s in ("shuffle", "dropout", "augment"))
        # the data order is shuffled in place, epoch after epoch
        order = np.array(resume["order"]) if "order" in resume else self.train_idx.copy()
        self._order, self._optimizer = order, optimizer

        # Preallocated batch buffers: gather uint8 rows, convert to float in place.
        raw = np.empty((batch, data.x_train.shape[1]), np.uint8)
        augmenter = make_augmenter(cfg.augment, batch)
        augmented = np.empty_like(raw) if augmenter is not None else None
        xb = np.empty((batch, data.x_train.shape[1]), dtype)
        scale = dtype.type(1 / 255)
        probe_images = x_val[:HEALTH_PROBE] if len(x_val) else data.x_train[self.train_idx[:HEALTH_PROBE]]
        probe = np.multiply(probe_images, scale, dtype=dtype)
        health_batches = set(np.linspace(0, n_batches - 1, min(HEALTH_BATCHES, n_batches)).astype(int).tolist())

        self.on_event(RunStarted(config=cfg.to_dict(), n_train=n_train, n_val=len(self.val_idx),
                                 n_test=len(data.x_test), n_params=net.n_params,
                                 batches_per_epoch=n_batches, architecture=net.arch.describe(),
                                 start_epoch=start_epoch))
        best_val = max((r["val_acc"] for r in self.history_rows if not math.isnan(r["val_acc"])),
                       default=float("nan"))
        best_params = None
        elapsed = sum(r["seconds"] for r in self.history_rows)
        total_epochs = start_epoch + cfg.epochs

        for epoch in range(start_epoch + 1, total_epochs + 1):
            lr = self._learning_rate(epoch, total_epochs)
            optimizer.lr = dtype.type(lr)
            if cfg.shuffle:
                rng_shuffle.shuffle(order)
            epoch_start_params = net.params.copy()   # what a divergence falls back to
            step_losses = np.empty(n_batches, np.float32)
            grad_norms, update_ratios = [], []
            loss_sum, correct, seen = 0.0, 0, 0
            epoch_t0 = last_report = time.perf_counter()
            paused_for = 0.0
            for b in range(n_batches):
                if self._stop.is_set():
                    return self._end(Stopped, epoch - 1, elapsed, best_params, best_val, optimizer)
                if not self._running.is_set():
                    t_pause = time.perf_counter()
                    self.on_event(Paused(epoch, b))
                    self._running.wait()
                    paused_for += time.perf_counter() - t_pause
                    if self._stop.is_set():
                        return self._end(Stopped, epoch - 1, elapsed, best_params, best_val, optimizer)
                    self.on_event(Resumed(epoch, b))
                if self._pending or (self._replay and (self._replay[0]["epoch"], self._replay[0]["batch"]) <= (epoch, b)):
                    lr = self._apply_changes(epoch, b, total_epochs, n_train)   # the row shows the last lr
                idx = order[b * batch:(b + 1) * batch]
                n = len(idx)
                images = np.take(data.x_train, idx, axis=0, out=raw[:n])
                if augmenter is not None:
                    images = augmenter.apply(images, rng_augment, augmented)
                x = np.multiply(images, scale, out=xb[:n])
                batch_loss, batch_correct = net.train_batch(x, labels_all[idx], self._l2, rng_dropout)
                if not math.isfinite(batch_loss):
                    net.params[...] = epoch_start_params
                    return self._end(Diverged, epoch - 1, elapsed, best_params, best_val, optimizer,
                                     epoch=epoch, batch=b + 1, loss=batch_loss,
                                     hint=self._divergence_hint())
                sampled = self.measure_health and b in health_batches
                if sampled:
                    grad_norms.append(layer_health.grad_norms(net))
                    before = layer_health.weight_snapshot(net)
                optimizer.step(net.grads)
                if sampled:
                    update_ratios.append(layer_health.update_ratios(net, before))
                step_losses[b] = batch_loss / n
                loss_sum += batch_loss
                correct += batch_correct
                seen += n
                now = time.perf_counter()
                if now - last_report >= self.progress_interval and b + 1 < n_batches:
                    last_report = now
                    self.on_event(BatchProgress(epoch, b + 1, n_batches, loss_sum / seen, correct / seen,
                                                seen / max(now - epoch_t0 - paused_for, 1e-9)))
            train_seconds = time.perf_counter() - epoch_t0 - paused_for
            val_loss, val_acc = net.evaluate(x_val, y_val)
            if not np.isfinite(net.params).all() or (len(x_val) and not math.isfinite(val_loss)):
                net.params[...] = epoch_start_params
                return self._end(Diverged, epoch - 1, elapsed, best_params, best_val, optimizer,
                                 epoch=epoch, batch=n_batches, loss=val_loss,
                                 hint=self._divergence_hint())
            seconds = time.perf_counter() - epoch_t0 - paused_for
            elapsed += seconds
            if len(x_val) and (math.isnan(best_val) or val_acc > best_val):
                best_val = val_acc
                best_params = net.params.copy()
            self.best_params, self.best_val_acc = best_params, best_val
            health = self._epoch_health(probe, grad_norms, update_ratios) if self.measure_health else None
            # decided before the event, so a checkpoint saved on it holds the updated counters
            decision = self.callbacks.epoch_ended(epoch, val_loss, val_acc, net.params)
            event = EpochEnded(epoch=epoch, epochs=total_epochs, train_loss=loss_sum / seen,
                               train_acc=correct / seen, val_loss=val_loss, val_acc=val_acc,
                               seconds=seconds, samples_per_s=seen / max(train_seconds, 1e-9), lr=lr,
                               best_val_acc=best_val, elapsed=elapsed, step_losses=step_losses,
                               health=health)
            self.history_rows.append(event.row())
            self.on_event(event)
            if decision.stop and epoch < total_epochs:
                return self._end(EarlyStopped, epoch, elapsed, best_params, best_val, optimizer,
                                 reason=self.callbacks.reason(), best_epoch=self.callbacks.best_epoch)
        return self._end(Finished, total_epochs, elapsed, best_params, best_val, optimizer)

    def _epoch_health(self, probe: np.ndarray, grad_norms: list, update_ratios: list) -> dict:
        """Layer health at an epoch's end: weight norms now, gradient norms and update ratios
        averaged over the sampled batches, flat units and histograms on the probe images."""
        net = self.network
        flat, histograms = layer_health.activation_health(net, probe)
        return {"weight_norm": layer_health.weight_norms(net),
                "grad_norm": np.mean(grad_norms, axis=0).tolist(),
                "update_ratio": np.mean(update_ratios, axis=0).tolist(),
                "flat_units": flat, "histogram": histograms}

    def _divergence_hint(self) -> str:
        lr = self.config.lr
        return f"lower the learning rate (now {lr:g}), for example to {lr / 10:g}"

    def _apply_changes(self, epoch: int, batch: int, total_epochs: int, n_train: int) -> float:
        """Make the replayed changes due at this step, then the live ones asked for, each
        recorded and reported; then bring the optimizer, L2 and dropout in line. Returns
        the learning rate now in use."""
        due = []
        while self._replay and (self._replay[0]["epoch"], self._replay[0]["batch"]) <= (epoch, batch):
            record = self._replay.pop(0)
            due.append((record["setting"], record["new"]))
        with self._change_lock:
            due += self._pending
            self._pending = []
        old_dropout = self.config.dropout
        for setting, new in due:
            old = getattr(self.config, setting)
            self.config = self.config.with_changes(**{setting: new})
            event = SettingChanged(epoch, batch, setting, old, new)
            self.changes.append(event.record())
            self.on_event(event)
        cfg, optimizer, dtype = self.config, self._optimizer, self.network.dtype
        lr = self._learning_rate(epoch, total_epochs)
        optimizer.lr = dtype.type(lr)
        if hasattr(optimizer, "mu"):
            optimizer.mu = dtype.type(cfg.momentum)
        if hasattr(optimizer, "beta1"):
            optimizer.beta1, optimizer.beta2 = dtype.type(cfg.beta1), dtype.type(cfg.beta2)
        self._l2 = cfg.l2_for(n_train)
        if cfg.dropout != old_dropout:
            self.network.set_dropout(cfg.dropout)
        return lr

    def _learning_rate(self, epoch: int, total: int) -> float:
        """The schedule's lr for ``epoch``, times what reduce-on-plateau has taken off it."""
        lr = self.config.lr * self.callbacks.lr_factor
        if self.config.lr_schedule == "cosine":
            # half a cosine from lr (first epoch) down towards 0 (last epoch)
            return lr * 0.5 * (1 + math.cos(math.pi * (epoch - 1) / total))
        return lr

    def resume_state(self) -> dict:
        """What continuing from this point needs (valid between batches, e.g. inside an
        event callback): optimizer buffers and steps, data order, generator states."""
        optimizer = self._optimizer
        state = {"optimizer": {k: v.copy() for k, v in optimizer.state().items()},
                 "steps": optimizer.steps, "order": self._order.copy(),
                 "rng": {name: rng.bit_generator.state for name, rng in self._rngs.items()},
                 "callbacks": self.callbacks.state()}
        if self.callbacks.best_params is not None:
            state["callback_best"] = self.callbacks.best_params.copy()
        return state

    def _end(self, kind, epochs_completed, elapsed, best_params, best_val, optimizer, **extra) -> RunResult:
        # restore-best: a run that ran its course (or stopped itself early) ends with the
        # monitor's best weights; one stopped by hand or diverged keeps what it has
        if kind in (Finished, EarlyStopped) and self.config.restore_best and self.callbacks.best_params is not None:
            self.network.params[...] = self.callbacks.best_params
            if kind is EarlyStopped:
                extra["restored"] = True
        test_loss = test_acc = None
        if len(self.dataset.x_test):
            test_loss, test_acc = self.network.evaluate(self.dataset.x_test, self.dataset.y_test)
        end = kind(epochs_completed=epochs_completed, test_loss=test_loss, test_acc=test_acc,
                   elapsed=elapsed, **extra)
        self.best_params, self.best_val_acc = best_params, best_val
        self.on_event(end)
        return RunResult(STATUS_OF[kind], self.config, self.network, list(self.history_rows), end, best_params, best_val,
                         self.resume_state())
