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
from typing import Callable

import numpy as np
import pandas as pd

from ..datasets.dataset import Dataset
from ..nn.network import Architecture, Network
from ..nn.optimizers import make_optimizer
from .augment import make_augmenter
from .config import ConfigError, TrainConfig, check_batch_size
from .status import RunStatus
from .events import (
    HISTORY_COLUMNS, STATUS_OF, BatchProgress, Diverged, EpochEnded, Event, Failed, Finished, Paused,
    Resumed, RunEnded, RunStarted, Stopped,
)

SPLIT_SEED = 20240917  # the validation split is the same for every run seed, so runs compare


def validation_split(n: int, fraction: float) -> tuple[np.ndarray, np.ndarray]:
    """(train indices, validation indices): a fixed random ``fraction`` of 0..n-1 is held
    out for validation, the same one whatever the run's seed."""
    order = np.random.default_rng(SPLIT_SEED).permutation(n)
    n_val = int(round(n * fraction))
    return np.sort(order[n_val:]), np.sort(order[:n_val])


@dataclass
class RunResult:
    status: RunStatus                # finished | stopped | diverged | failed
    config: TrainConfig
    network: Network | None
    history: pd.DataFrame
    end: RunEnded
    best_params: np.ndarray | None = None   # weights of the best validation epoch
    best_val_acc: float = float("nan")
    # What continuing this run needs to draw exactly what one longer run would have:
    # optimizer buffers and step count, random generator states, the data order.
    resume_state: dict = field(default_factory=dict)


class Trainer:
    """Train a ``Network`` as ``config`` says, on ``dataset``'s training split.

    The test split is only ever evaluated once, at the end; validation is carved out of
    the training split. Pass ``network``, ``history`` and ``resume_state`` (from a
    RunResult) to continue a run: the result equals that of one longer run.
    """

    def __init__(self, config: TrainConfig, dataset: Dataset,
                 on_event: Callable[[Event], None] | None = None, *,
                 network: Network | None = None, history: pd.DataFrame | None = None,
                 resume_state: dict | None = None,
                 progress_interval: float = 0.1, blas_threads: int | None = 1):
        self.config = config
        self.dataset = dataset
        self.on_event = on_event or (lambda event: None)
        self.progress_interval = progress_interval
        self.blas_threads = blas_threads
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

    @property
    def paused(self) -> bool:
        return not self._running.is_set()

    @property
    def stop_requested(self) -> bool:
        return self._stop.is_set()

    @property
    def history(self) -> pd.DataFrame:
        return pd.DataFrame(self.history_rows, columns=list(HISTORY_COLUMNS))

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
            return RunResult(RunStatus.FAILED, self.config, self.network, self.history, end)

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
        l2 = cfg.l2_for(n_train)
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
                idx = order[b * batch:(b + 1) * batch]
                n = len(idx)
                images = np.take(data.x_train, idx, axis=0, out=raw[:n])
                if augmenter is not None:
                    images = augmenter.apply(images, rng_augment, augmented)
                x = np.multiply(images, scale, out=xb[:n])
                batch_loss, batch_correct = net.train_batch(x, labels_all[idx], l2, rng_dropout)
                if not math.isfinite(batch_loss):
                    net.params[...] = epoch_start_params
                    return self._end(Diverged, epoch - 1, elapsed, best_params, best_val, optimizer,
                                     epoch=epoch, batch=b + 1, loss=batch_loss,
                                     hint=f"lower the learning rate (now {cfg.lr:g}), for example to {cfg.lr / 10:g}")
                optimizer.step(net.grads)
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
                                 hint=f"lower the learning rate (now {cfg.lr:g}), for example to {cfg.lr / 10:g}")
            seconds = time.perf_counter() - epoch_t0 - paused_for
            elapsed += seconds
            if len(x_val) and (math.isnan(best_val) or val_acc > best_val):
                best_val = val_acc
                best_params = net.params.copy()
            self.best_params, self.best_val_acc = best_params, best_val
            event = EpochEnded(epoch=epoch, epochs=total_epochs, train_loss=loss_sum / seen,
                               train_acc=correct / seen, val_loss=val_loss, val_acc=val_acc,
                               seconds=seconds, samples_per_s=seen / max(train_seconds, 1e-9), lr=lr,
                               best_val_acc=best_val, elapsed=elapsed)
            self.history_rows.append(event.row())
            self.on_event(event)
        return self._end(Finished, total_epochs, elapsed, best_params, best_val, optimizer)

    def _learning_rate(self, epoch: int, total: int) -> float:
        if self.config.lr_schedule == "cosine":
            # half a cosine from lr (first epoch) down towards 0 (last epoch)
            return self.config.lr * 0.5 * (1 + math.cos(math.pi * (epoch - 1) / total))
        return self.config.lr

    def resume_state(self) -> dict:
        """What continuing from this point needs (valid between batches, e.g. inside an
        event callback): optimizer buffers and steps, data order, generator states."""
        optimizer = self._optimizer
        return {"optimizer": {k: v.copy() for k, v in optimizer.state().items()},
                "steps": optimizer.steps, "order": self._order.copy(),
                "rng": {name: rng.bit_generator.state for name, rng in self._rngs.items()}}

    def _end(self, kind, epochs_completed, elapsed, best_params, best_val, optimizer, **extra) -> RunResult:
        test_loss = test_acc = None
        if len(self.dataset.x_test):
            test_loss, test_acc = self.network.evaluate(self.dataset.x_test, self.dataset.y_test)
        end = kind(epochs_completed=epochs_completed, test_loss=test_loss, test_acc=test_acc,
                   elapsed=elapsed, **extra)
        self.best_params, self.best_val_acc = best_params, best_val
        self.on_event(end)
        return RunResult(STATUS_OF[kind], self.config, self.network, self.history, end, best_params, best_val,
                         self.resume_state())
