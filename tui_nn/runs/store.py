"""The runs directory. Each run is a folder:

    config.json       every hyperparameter, the dataset's identity, the seed, the version, the name
    status.json       state, epochs, best validation and test accuracy, seconds, writer pid/host,
                      the size of history.csv it vouches for, and which saved generation
                      of weights is the run's (``checkpoint``, ``model_epoch``)
    history.csv       one row per epoch, appended as each epoch ends
    model.npz         last and best-validation weights (see nn/model_file.py)      } the saved
    resume.npz        optimizer state, data order and generator states, to        } generation,
                      continue exactly                                             } at the end
    checkpoint-NNNNNN/  model.npz + resume.npz of epoch NNNNNN, saved while training
    epochs/epoch-NNNNNN/  the same, kept per epoch (or every k) within a disk budget, for
                      branching a new run from an earlier epoch (epoch_checkpoints.py)
    predictions.npz   test-set probabilities and labels, for the inspection screens
    .writer.lock      flock-ed by the one process writing the run (kept, unlocked, when
                      that process died before the run ended)

status.json is the commit record: a save writes a whole new generation (a checkpoint
folder, or model.npz + resume.npz once the run has ended), fsyncs it, then replaces
status.json naming it, then removes the generation it replaced. A process killed at any
moment leaves the previous generation named and whole; what no status names (temporary
files, an unfinished generation) is removed when the run is next opened for writing.
A status naming no checkpoint but a ``model_epoch`` means model.npz + resume.npz in the
folder itself: that is also how runs were saved before checkpoints, so old folders read.

Listing reads only the two small JSON files per run and a few stat() calls, so a
thousand runs list quickly.
"""

from __future__ import annotations

import io
import json
import math
import os
import re
import secrets
import shutil
import socket
import stat
import time
import zipfile
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ..fileio import FolderLock, LockHeld, lock_holder, write_text_atomic
from ..nn import ModelFileError, Network, load_model

from ..training.config import ConfigError, TrainConfig
from ..training.live import check_records, config_at
from ..training.status import RunStatus
from . import epoch_checkpoints

if TYPE_CHECKING:   # pandas costs 0.2-0.5 s to import: loaded when a history is read
    import pandas as pd

STALE_AFTER_S = 600   # a "running" run on another host with no heartbeat for this long is not
# What np.load raises for a damaged .npz: a bad zip, a truncated member, a missing or
# foreign member, an unreadable file.
NPZ_ERRORS = (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile)
LOCK_FILE = ".writer.lock"
SWEEPS_DIR = "sweeps"   # <runs dir>/sweeps/<name>/: the sweeps' own folders, not runs (sweeps/study.py)
CHANGES_FILE = "changes.json"   # the live changes, each with its step (training/live.py)
STEPS_FILE = "steps.npy"        # float32 (epochs, batches per epoch): the mean loss of every batch
HEALTH_FILE = "health.npz"      # layer health per epoch (nn/health.py), see RunRecord.health
HEALTH_PER_LAYER = ("weight_norm", "grad_norm", "update_ratio")   # (epochs, layers)
HEALTH_PER_HIDDEN = ("flat_units", "histogram")                    # (epochs, hidden[, bins])
CHECKPOINT = re.compile(r"checkpoint-\d{6,}")


class RunStoreError(Exception):
    """A run cannot be found, read or changed; the message says which and why."""


class RunLocked(RunStoreError):
    """Another process (or another part of this one) is writing the run: ``owner`` says
    who, as "pid 123 on host since 2026-12-01T09:30:00+01:00"."""

    def __init__(self, run_id: str, owner: str, advice: str, lead: str = ""):
        self.owner = owner
        super().__init__(f"{lead or run_id} is being trained by {owner}; {advice}")


@dataclass
class RunInfo:
    """One row of the runs table (read from config.json and status.json only)."""

    run_id: str
    path: Path
    name: str = ""
    created: str = ""
    dataset: str = ""
    architecture: str = ""
    optimizer: str = ""
    lr: float | None = None
    batch: str = ""
    epochs: int = 0
    planned_epochs: int = 0
    best_val_acc: float | None = None
    test_acc: float | None = None
    seconds: float = 0.0
    status: RunStatus = RunStatus.DAMAGED   # running, an ended state, interrupted or damaged
    problem: str = ""         # why a run is damaged, or what of it was not saved
    sweep: str = ""           # the sweep this run is a trial of ('' for none)
    trial: int | None = None  # its trial number in that sweep
    branch_of: str = ""       # the run this one branched from ('' for none): its name
    branch_epoch: int | None = None   # ... and the epoch it branched at

    def as_row(self) -> dict:
        d = asdict(self)
        d["path"] = str(self.path)
        d["status"] = str(self.status)
        return d


def now_iso() -> str:
    return datetime.now(timezone.utc).astimezone().isoformat(timespec="seconds")


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:
        return False
    return True


def write_json(path: Path, data: dict, fsync: bool = True) -> None:
    write_text_atomic(path, json.dumps(data, indent=2, default=_json_default) + "\n", fsync=fsync)


def _json_default(value):
    if hasattr(value, "item"):
        return value.item()
    raise TypeError(f"not JSON serialisable: {value!r}")


def _reason(exc: BaseException) -> str:
    return f"{exc.__class__.__name__}: {exc}" if str(exc) else exc.__class__.__name__


def _regular_file(path: Path) -> None:
    """Refuse what isn't a regular file before opening it: reading a FIFO blocks for ever."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        raise
    except OSError as exc:
        raise RunStoreError(f"{path.name} is unreadable ({exc.strerror or exc})") from None
    if not stat.S_ISREG(mode):
        raise RunStoreError(f"{path.name} is not a regular file")


def read_json(path: Path) -> dict:
    try:
        _regular_file(path)
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RunStoreError(f"{path.name} is missing") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RunStoreError(f"{path.name} is unreadable ({exc.__class__.__name__})") from None
    if not isinstance(data, dict):
        raise RunStoreError(f"{path.name} is not a JSON object")
    return data


# ------------------------------------------------------------------ validation
def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value) -> bool:
    return (_is_int(value) or isinstance(value, float)) and math.isfinite(value)


# what a status field must be when present (None is allowed where the writer writes null)
_STATUS_FIELDS = {
    "epochs": (_is_int, "a whole number", False),
    "planned_epochs": (_is_int, "a whole number", False),
    "seconds": (_is_number, "a number", False),
    "history_bytes": (_is_int, "a whole number", False),
    "model_epoch": (_is_int, "a whole number", True),
    "best_val_acc": (_is_number, "a number", True),
    "test_acc": (_is_number, "a number", True),
    "test_loss": (_is_number, "a number", True),
    "pid": (_is_int, "a whole number", True),
    "updated": (_is_number, "a number", False),
}


def status_problem(status: dict) -> str:
    """Why ``status`` (a JSON object) is not one the writer could have written, or ''."""
    if RunStatus.parse(status.get("status")) is None:
        return f"status.json names no known state ({status.get('status')!r})"
    for key, (ok, kind, nullable) in _STATUS_FIELDS.items():
        if key not in status or (nullable and status[key] is None):
            continue
        value = status[key]
        if not ok(value) or (_is_int(value) and value < 0):
            return f"status.json: {key} is {value!r}, not {kind}"
    checkpoint = status.get("checkpoint")
    if checkpoint is not None and not (isinstance(checkpoint, str) and CHECKPOINT.fullmatch(checkpoint)):
        return f"status.json: checkpoint is {checkpoint!r}, not a checkpoint folder's name"
    return ""


@dataclass
class ResumePoint:
    """Everything continuing a saved run needs: its config, the network at the last saved
    epoch (None when nothing was saved yet: it starts again from the seed), the history up
    to that epoch, the trainer's resume state and the best weights."""

    config: TrainConfig
    network: Network | None
    history: pd.DataFrame
    resume_state: dict
    best_params: np.ndarray | None
    planned_epochs: int       # what the run was asked to train in all
    epoch: int = 0            # the saved epoch it continues from


class RunRecord:
    """One run folder, read through one object: the runs table, compare, resume and the
    inspection screens all read a run this way. Each reader raises ``RunStoreError`` with
    the run's name and what is wrong; nothing is cached, so a run that grows is read anew."""

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)

    @property
    def run_id(self) -> str:
        return self.path.name

    def __repr__(self) -> str:
        return f"RunRecord({str(self.path)!r})"

    # ---------------------------------------------------------------- files
    def meta(self) -> dict:
        """config.json as written: run id, name, created, version, config, dataset identity."""
        return read_json(self.path / "config.json")

    def config(self) -> TrainConfig:
        data = self.meta()
        try:
            return TrainConfig.from_dict(data["config"])
        except (KeyError, TypeError, ValueError, ConfigError) as exc:
            raise RunStoreError(f"{self.run_id}: config.json is not a valid configuration ({exc})") from None

    def status(self) -> dict:
        return read_json(self.path / "status.json")

    def checked_status(self) -> dict:
        """status.json, refused (``RunStoreError``) unless every field has its type."""
        status = self.status()
        problem = status_problem(status)
        if problem:
            raise RunStoreError(f"{self.run_id}: {problem}")
        return status

    def history(self) -> pd.DataFrame:
        """The epochs the status vouches for, whole lines only (a line being appended
        when the writer was killed is ignored)."""
        import pandas as pd

        file = self.path / "history.csv"
        if not file.exists():
            return pd.DataFrame()
        try:
            _regular_file(file)
            data = vouched_lines(file.read_bytes(), self.checked_status().get("history_bytes"))
            if not data:
                return pd.DataFrame()
            table = pd.read_csv(io.BytesIO(data))
        except (OSError, ValueError, pd.errors.ParserError) as exc:
            raise RunStoreError(f"{self.run_id}: history.csv is unreadable ({exc.__class__.__name__})") from None
        if "epoch" in table and len(table) and list(table.epoch) != list(range(1, len(table) + 1)):
            raise RunStoreError(f"{self.run_id}: history.csv does not number its epochs 1, 2, 3, ...")
        return table

    def changes(self) -> list[dict]:
        """The settings changed while it trained, in order: {epoch, batch, setting, old,
        new}, each made before batch ``batch`` (0-based) of epoch ``epoch``; [] if none."""
        file = self.path / CHANGES_FILE
        if not file.exists():
            return []
        data = read_json(file)
        try:
            return check_records(data.get("changes"))
        except ConfigError as exc:
            raise RunStoreError(f"{self.run_id}: {CHANGES_FILE}: {exc}") from None

    def steps(self) -> np.ndarray:
        """The mean loss of every batch, float32 (epochs, batches per epoch), for the epochs
        the history holds; empty (0, 0) for a run recorded without them."""
        file = self.path / STEPS_FILE
        if not file.exists():
            return np.zeros((0, 0), np.float32)
        try:
            _regular_file(file)
            steps = np.load(file, allow_pickle=False)
        except NPZ_ERRORS as exc:
            raise RunStoreError(f"{self.run_id}: {STEPS_FILE} is unreadable ({_reason(exc)})") from None
        if steps.ndim != 2 or steps.dtype.kind != "f":
            raise RunStoreError(f"{self.run_id}: {STEPS_FILE} holds no per-batch losses")
        return steps[:len(self.history())]

    def health(self) -> dict[str, np.ndarray]:
        """Layer health for the epochs the history holds: ``weight_norm``, ``grad_norm``,
        ``update_ratio`` (epochs, layers); ``flat_units`` (epochs, hidden layers);
        ``histogram`` (epochs, hidden layers, bins) over ``edges`` (bins + 1); {} if none."""
        file = self.path / HEALTH_FILE
        if not file.exists():
            return {}
        try:
            _regular_file(file)
            with np.load(file, allow_pickle=False) as f:
                health = {k: f[k] for k in (*HEALTH_PER_LAYER, *HEALTH_PER_HIDDEN, "edges")}
        except NPZ_ERRORS as exc:
            raise RunStoreError(f"{self.run_id}: {HEALTH_FILE} is unreadable ({_reason(exc)})") from None
        epochs = len(self.history())
        return {k: (v if k == "edges" else v[:epochs]) for k, v in health.items()}

    def predictions(self) -> dict[str, np.ndarray]:
        """The test-set probabilities and labels saved when the run ended."""
        file = self.path / "predictions.npz"
        if not file.exists():
            raise RunStoreError(f"{self.run_id}: no predictions.npz (the run ended before its test evaluation)")
        try:
            with np.load(file, allow_pickle=False) as f:
                return {k: f[k] for k in f.files}
        except NPZ_ERRORS as exc:
            raise RunStoreError(f"{self.run_id}: predictions.npz is unreadable ({_reason(exc)})") from None

    def saved_generation(self, status: dict | None = None) -> Path | None:
        """The folder holding the weights and resume state the status names: a checkpoint
        folder while training, the run folder itself once ended (or for runs saved before
        checkpoints); None if nothing was saved yet."""
        status = self.checked_status() if status is None else status
        if status.get("checkpoint"):
            return self.path / status["checkpoint"]
        return self.path if status.get("model_epoch") is not None else None

    def network(self, which: str = "last") -> tuple[Network, dict]:
        """The saved weights: ``last`` (the latest saved epoch) or ``best`` (the best
        validation epoch), with the model file's metadata."""
        if which not in ("last", "best"):
            raise ValueError(f"which must be 'last' or 'best', not {which!r}")
        generation = self.saved_generation()
        if generation is None:
            raise RunStoreError(f"{self.run_id} has no saved weights yet")
        try:
            return load_model(generation / "model.npz", which="params" if which == "last" else "best")
        except ModelFileError as exc:
            raise RunStoreError(f"{self.run_id}: {exc}") from None

    # -------------------------------------------------------------- summary
    def info(self) -> RunInfo:
        """The runs-table row, from config.json and status.json only (cheap: a thousand
        runs list in a fraction of a second); a damaged run says why, and nothing a run
        folder holds makes this raise."""
        info = RunInfo(run_id=self.path.name, path=self.path)
        try:
            self._fill(info)
        except RunStoreError as exc:
            info.status, info.problem = RunStatus.DAMAGED, str(exc).removeprefix(f"{self.run_id}: ")
        except (OSError, ValueError, TypeError, KeyError, AttributeError) as exc:   # the last resort
            info.status, info.problem = RunStatus.DAMAGED, f"unreadable ({_reason(exc)})"
        return info

    def _fill(self, info: RunInfo) -> None:
        path = self.path
        config_file = self.meta()
        cfg = config_file.get("config")
        if not isinstance(cfg, dict):
            raise RunStoreError("config.json holds no configuration")
        try:                            # every field valid, by the one set of parsers
            config = TrainConfig.from_dict(cfg)
        except (TypeError, ValueError, ConfigError) as exc:
            raise RunStoreError(f"config.json is not a valid configuration ({exc})") from None
        identity = config_file.get("dataset")
        identity = identity if isinstance(identity, dict) else {}
        info.name = str(config_file.get("name", path.name))
        sweep = config_file.get("sweep")
        if isinstance(sweep, dict) and isinstance(sweep.get("name"), str):
            info.sweep = sweep["name"]
            info.trial = sweep.get("trial") if _is_int(sweep.get("trial")) else None
        branch = config_file.get("branch")
        if isinstance(branch, dict) and _is_int(branch.get("epoch")):
            info.branch_of = str(branch.get("name") or branch.get("run") or "")
            info.branch_epoch = branch["epoch"]
        info.created = str(config_file.get("created", ""))
        info.dataset = str(identity.get("name", config.dataset))
        n_in, n_out = identity.get("n_features"), identity.get("n_classes")
        ends = (n_in, n_out) if _is_int(n_in) and _is_int(n_out) and n_in and n_out else ("in", "out")
        info.architecture = "-".join(str(s) for s in [ends[0], *config.hidden, ends[1]])
        info.optimizer = config.optimizer
        info.lr = config.lr
        info.batch = "full" if config.batch_size is None else str(config.batch_size)
        status = self.checked_status()
        info.epochs = status.get("epochs", 0)
        info.planned_epochs = status.get("planned_epochs", 0)
        info.best_val_acc = status.get("best_val_acc")
        info.test_acc = status.get("test_acc")
        info.seconds = float(status.get("seconds", 0.0))
        info.status = RunStatus.parse(status.get("status"))
        problem = self._damage(info.status, status)
        if problem:
            info.status, info.problem = RunStatus.DAMAGED, problem
            return
        if info.status.live and not writer_alive(path, status):
            info.status = RunStatus.INTERRUPTED
        not_saved = status.get("not_saved")
        if isinstance(not_saved, str):
            info.problem = not_saved

    def _damage(self, state: RunStatus, status: dict) -> str:
        """Cheap consistency checks against what the writer recorded: sizes and presence."""
        expected = status.get("history_bytes")
        history = self.path / "history.csv"
        if expected is not None:
            try:
                _regular_file(history)
                size = history.stat().st_size
            except FileNotFoundError:
                return "history.csv is missing"
            # longer is fine (a line appended after the last status write); shorter is not
            if size < expected:
                return f"history.csv is {size} bytes, {expected} were written (truncated)"
            if expected and _byte_at(history, expected - 1) != b"\n":
                return "history.csv ends in a partial line"
        generation = self.saved_generation(status)
        if generation is None:
            if state.has_model:
                return f"{state} but model.npz is missing"
            return ""
        if not generation.is_dir():
            return f"{generation.name} is missing"
        for name in ("model.npz", "resume.npz"):
            if not (generation / name).is_file():
                where = "" if generation == self.path else f" in {generation.name}"
                return (f"{state} but {name} is missing{where}" if state.has_model and name == "model.npz"
                        else f"{name} is missing{where}")
        return ""

    # ---------------------------------------------------------------- resume
    def resume_point(self) -> ResumePoint:
        """What ``Trainer`` needs to continue this run from its last saved weights (or from
        the start, the same seed, when it was killed before its first save)."""
        config = self.config()
        status = self.checked_status()
        planned = status.get("planned_epochs") or config.epochs
        history = self.history()
        generation = self.saved_generation(status)
        if generation is None:
            return ResumePoint(config, None, history.iloc[:0], {}, None, planned, 0)
        epoch = status["model_epoch"]
        try:
            best_params = self.network("best")[0].params
        except RunStoreError:
            best_params = None
        return self._point(generation, epoch, config, history, planned, best_params)

    def branch_epochs(self) -> list[int]:
        """The epochs a new run can branch from: those with an epoch checkpoint, and the
        epoch of the saved generation (the last one saved)."""
        status = self.checked_status()
        epochs = set(epoch_checkpoints.listed(self.path))
        if self.saved_generation(status) is not None:
            epochs.add(status["model_epoch"])
        trained = status.get("epochs", 0)
        return sorted(e for e in epochs if 0 < e <= trained)

    def branch_point(self, epoch: int) -> ResumePoint:
        """The state of this run at the end of ``epoch``, to branch a new run from: its
        weights, resume state and history up to there, and its config with the live changes
        made up to there applied. Refused, with the epochs one can branch from, when no
        checkpoint of ``epoch`` is kept."""
        status = self.checked_status()
        generation = self.branch_generation(epoch, status)
        planned = status.get("planned_epochs") or self.config().epochs
        return self._point(generation, epoch, self.config_at(epoch), self.history(), planned, None)

    def branch_generation(self, epoch: int, status: dict | None = None) -> Path:
        """The folder holding the weights and resume state of the end of ``epoch``: its epoch
        checkpoint, or the saved generation when that is of ``epoch``. Refused, with the
        epochs one can branch from, when neither is kept."""
        status = self.checked_status() if status is None else status
        kept = epoch_checkpoints.listed(self.path).get(epoch)
        if kept is not None:
            return kept
        if status.get("model_epoch") == epoch and self.saved_generation(status) is not None:
            return self.saved_generation(status)
        epochs = self.branch_epochs()
        where = describe_epochs(epochs) if epochs else "none (no epoch was kept)"
        raise RunStoreError(f"{self.run_id} has no checkpoint of epoch {epoch}; it can branch from "
                            f"epoch {where}")

    def config_at(self, epoch: int) -> TrainConfig:
        """The run's settings at the end of ``epoch``: its config with the live changes made
        up to then."""
        return config_at(self.config(), self.changes(), epoch)

    def _point(self, generation: Path, epoch: int, config: TrainConfig, history: pd.DataFrame,
               planned: int, best_params: np.ndarray | None) -> ResumePoint:
        """The ResumePoint of the weights and resume state in ``generation``, of ``epoch``."""
        where = "" if generation == self.path else f"{generation.relative_to(self.path)}/"
        try:
            network, model_meta = load_model(generation / "model.npz")
        except ModelFileError as exc:
            raise RunStoreError(f"{self.run_id}: {where}{exc}") from None
        try:
            with np.load(generation / "resume.npz", allow_pickle=False) as f:
                resume = {"optimizer": {k[4:]: f[k] for k in f.files if k.startswith("opt_")},
                          "order": f["order"], "steps": int(f["steps"]), "rng": json.loads(str(f["rng"]))}
                resume_epoch = int(f["epoch"]) if "epoch" in f.files else epoch
                if "callbacks" in f.files:     # runs recorded before callbacks existed have none
                    resume["callbacks"] = json.loads(str(f["callbacks"]))
                if "callback_best" in f.files:
                    resume["callback_best"] = f["callback_best"]
        except NPZ_ERRORS as exc:
            raise RunStoreError(f"{self.run_id}: {where}resume.npz is unreadable ({_reason(exc)})") from None
        problem = _resume_state_problem(resume, network.params.shape)
        if problem:
            raise RunStoreError(f"{self.run_id}: {where}resume.npz {problem}")
        model_epoch = model_meta.get("epoch", epoch)
        # a save interrupted by an older version could leave these apart: never mix them
        if not model_epoch == resume_epoch == epoch:
            raise RunStoreError(f"{self.run_id}: the saved weights are of epoch {model_epoch}, the resume "
                                f"state of epoch {resume_epoch} and the status names epoch {epoch}")
        if len(history) < epoch:
            raise RunStoreError(f"{self.run_id}: history.csv holds {len(history)} whole epochs but the saved "
                                f"weights are of epoch {epoch}; it cannot be continued exactly")
        return ResumePoint(config, network, history.iloc[:epoch], resume, best_params, planned, epoch)

    # ------------------------------------------------------------ writing
    def remove_leftovers(self) -> list[str]:
        """Delete what no status names: temporary files and folders (``.*.tmp``), checkpoint
        folders other than the named one, and model.npz/resume.npz in the folder while a
        checkpoint is named. Only for the run's owner (it holds the run's lock)."""
        status = self.checked_status()
        named = self.saved_generation(status)
        removed = []
        for entry in list(self.path.iterdir()):
            name = entry.name
            stale = (name.startswith(".") and name.endswith(".tmp")) \
                or (CHECKPOINT.fullmatch(name) and entry != named) \
                or (name in ("model.npz", "resume.npz") and named != self.path)
            if stale:
                _remove(entry)
                removed.append(name)
        removed += epoch_checkpoints.remove_leftovers(self.path)
        if named is not None and named != self.path and named.is_dir():
            for entry in list(named.iterdir()):
                if entry.name.startswith(".") and entry.name.endswith(".tmp"):
                    _remove(entry)
                    removed.append(f"{named.name}/{entry.name}")
        return removed


def _resume_state_problem(resume: dict, n_params: tuple[int, ...]) -> str:
    """What is wrong with a resume state read from disk ('' if nothing): the trainer would
    otherwise fail on it deep inside NumPy, or silently continue from garbage."""
    states = resume["rng"]
    if not isinstance(states, dict):
        return "holds no generator states"
    for name, state in states.items():
        try:
            np.random.default_rng().bit_generator.state = state
        except (TypeError, ValueError, KeyError) as exc:
            return f"holds a damaged generator state ({name}: {_reason(exc)})"
    for name, buffer in resume["optimizer"].items():
        if buffer.shape != n_params:
            return f"holds optimizer state {name} of shape {buffer.shape}, not the network's {n_params}"
    callbacks = resume.get("callbacks", {})
    if not isinstance(callbacks, dict) or not all(isinstance(v, (int, float)) for v in callbacks.values()):
        return "holds a damaged callback state"
    if "callback_best" in resume and resume["callback_best"].shape != n_params:
        return f"holds best weights of shape {resume['callback_best'].shape}, not the network's {n_params}"
    order = resume["order"]
    if order.ndim != 1 or order.dtype.kind not in "iu":
        return "holds no valid data order"
    return ""


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        try:
            path.unlink()
        except FileNotFoundError:
            pass


def _byte_at(path: Path, offset: int) -> bytes:
    with open(path, "rb") as f:
        f.seek(offset)
        return f.read(1)


def vouched_lines(data: bytes, vouched: int | None) -> bytes:
    """The whole lines of ``data`` within the ``vouched`` bytes (all of it when None): a
    line without its newline is one a writer was still appending."""
    if vouched is not None:
        data = data[:vouched]
    return data[:data.rfind(b"\n") + 1]


def _link_or_copy(source: Path, target: Path) -> None:
    """A hard link where the file system allows (saved files are never changed in place,
    only replaced), else a copy."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)


def _start_branch(path: Path, parent: RunRecord, epoch: int) -> dict:
    """Fill the new run folder ``path`` with what it continues from: ``parent``'s history,
    per-batch losses and layer health up to ``epoch``, and that epoch's checkpoint as its
    saved generation (also kept among its epoch checkpoints). Returns the status fields
    that name them."""
    status = parent.checked_status()
    source = parent.branch_generation(epoch, status)
    history = vouched_lines((parent.path / "history.csv").read_bytes(), status.get("history_bytes"))
    lines = history.splitlines(keepends=True)[:1 + epoch]
    if len(lines) < 1 + epoch:
        raise RunStoreError(f"{parent.run_id}: history.csv holds fewer than {epoch} epochs")
    (path / "history.csv").write_bytes(b"".join(lines))
    steps = parent.steps()
    if len(steps) >= epoch and epoch:
        with open(path / STEPS_FILE, "wb") as f:
            np.save(f, steps[:epoch])
    health = parent.health()
    if health and len(health["weight_norm"]) >= epoch:
        with open(path / HEALTH_FILE, "wb") as f:
            np.savez(f, **{k: (v if k == "edges" else v[:epoch]) for k, v in health.items()})
    name = f"checkpoint-{epoch:06d}"
    for folder in (path / name, path / epoch_checkpoints.DIR / epoch_checkpoints.folder_name(epoch)):
        folder.mkdir(parents=True)
        for file in ("model.npz", "resume.npz"):
            _link_or_copy(source / file, folder / file)
    for file in (path / "history.csv", *(path / name).iterdir()):
        with open(file, "rb") as f:
            os.fsync(f.fileno())
    return {"epochs": epoch, "checkpoint": name, "model_epoch": epoch,
            "history_bytes": (path / "history.csv").stat().st_size}


def describe_epochs(epochs: list[int]) -> str:
    """1, 2, 3, 4, 8, 12 -> "1-4, 8, 12": runs of consecutive epochs joined."""
    parts, start = [], None
    for i, epoch in enumerate(epochs):
        if start is None:
            start = epoch
        if i + 1 == len(epochs) or epochs[i + 1] != epoch + 1:
            parts.append(str(start) if start == epoch else f"{start}-{epoch}")
            start = None
    return ", ".join(parts)


def default_more_epochs(planned: int, done: int, own: int) -> int:
    """How many more epochs continuing a run trains unless told: those it still had to go,
    or, once it had trained them all, its own epoch count again."""
    return planned - done if planned > done else own


# -------------------------------------------------------------- the writer
def _pid_alive_on_this_host(status: dict) -> bool:
    """Before run locks (or where there is no flock): the pid, or else the heartbeat."""
    if status.get("host") == socket.gethostname() and _is_int(status.get("pid")):
        return _pid_alive(status["pid"])
    return time.time() - float(status.get("updated") or 0) < STALE_AFTER_S


def writer_alive(path: Path, status: dict) -> bool:
    """Is a process writing the run at ``path`` right now? Its lock says so, whatever
    became of its pid; a run with no lock file was written before run locks existed."""
    try:
        held = lock_holder(path / LOCK_FILE) is not None
    except FileNotFoundError:
        return _pid_alive_on_this_host(status)
    except OSError:
        return _pid_alive_on_this_host(status)
    if held:
        return True
    # flock may not reach across hosts (some network file systems): trust a fresh heartbeat
    return status.get("host") != socket.gethostname() and _pid_alive_on_this_host(status)


def _owner(path: Path) -> str:
    """'pid 123 on host since 2026-...' for the process holding the run's lock."""
    try:
        note = json.loads(lock_holder(path / LOCK_FILE) or "{}")
        return f"pid {note['pid']} on {note['host']} since {note['since']}"
    except (OSError, ValueError, KeyError, TypeError):
        return "another process"


class RunLock:
    """The one writer's hold on a run folder, for the run's life: ``RunLock.take(path)``
    or a ``RunStoreError`` naming the owner. It survives nothing: kill -9 releases it."""

    def __init__(self, path: Path, lock: FolderLock):
        self.path = path
        self._lock = lock

    @classmethod
    def take(cls, path: str | os.PathLike) -> "RunLock":
        path = Path(path)
        note = json.dumps({"pid": os.getpid(), "host": socket.gethostname(), "since": now_iso()})
        try:
            lock = FolderLock.acquire(path / LOCK_FILE, note)
        except LockHeld:
            raise RunLocked(path.name, _owner(path), "only that process may change it") from None
        except FileNotFoundError:
            raise RunStoreError(f"no run folder {path}") from None
        except OSError as exc:
            raise RunStoreError(f"{path.name}: cannot lock the run ({exc.strerror or exc})") from None
        return cls(path, lock)

    @property
    def held(self) -> bool:
        return self._lock.held

    def release(self) -> None:
        """Let go. The lock file goes too once the status says the run ended; while it
        says "running" the file stays (unlocked) to say its writer is gone."""
        if not self._lock.held:
            return
        try:
            live = RunStatus.parse(read_json(self.path / "status.json").get("status"))
            remove = live is not None and not live.live
        except RunStoreError:
            remove = False
        self._lock.release(remove=remove)


# runs this process created and holds until a Runner takes them over (RunStore.claim)
_created: dict[Path, RunLock] = {}


class RunStore:
    def __init__(self, root: str | os.PathLike):
        self.root = Path(root)

    # ---------------------------------------------------------------- create
    def create(self, config: TrainConfig, dataset_identity: dict, name: str | None = None,
               sweep: dict | None = None, branch: dict | None = None) -> Path:
        """Make a new run folder with its config.json and a "running" status, owned by
        this process (its lock is held until ``claim``-ed and released, or the process ends).
        ``sweep`` ({"name", "trial"}) marks the run as a trial of a sweep; ``branch``
        ({"path", "run", "name", "epoch"}) as branched from the end of that epoch of the run
        at ``path``: the new folder starts with that run's history up to there and the
        checkpoint of that epoch as its saved generation (see ``_start_branch``).

        The folder name is unique even with several dashboards on one directory:
        os.mkdir fails rather than reuse a folder another process just made."""
        self.root.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        for _ in range(100):
            run_id = f"{stamp}-{config.preset}-{secrets.token_hex(2)}"
            path = self.root / run_id
            try:
                path.mkdir()
                break
            except FileExistsError:
                continue
        else:
            raise RunStoreError(f"could not create a run folder in {self.root}")
        _created[path] = RunLock.take(path)    # before any status says "running"
        from .. import __version__
        write_json(path / "config.json", {
            "run_id": run_id, "name": name or run_id, "created": now_iso(), "version": __version__,
            "config": config.to_dict(), "dataset": dataset_identity,
            **({"sweep": dict(sweep)} if sweep else {}),
            **({"branch": {k: v for k, v in branch.items() if k != "path"}} if branch else {}),
        })
        status = {"status": RunStatus.RUNNING, "epochs": 0, "planned_epochs": config.epochs,
                  "pid": os.getpid(), "host": socket.gethostname(), "updated": time.time()}
        if branch:
            status.update(_start_branch(path, RunRecord(branch.pop("path")), branch["epoch"]))
        write_json(path / "status.json", status)   # last: the folder is whole before it says so
        return path

    @staticmethod
    def claim(path: Path) -> RunLock | None:
        """The lock ``create`` took on ``path``, handed over to whoever will write the run."""
        return _created.pop(Path(path), None)

    # ------------------------------------------------------------------ list
    def list(self) -> list[RunInfo]:
        """Every run, newest first; a damaged run is listed as such with the reason, and
        what isn't a run folder (a file, a FIFO, a broken symlink) is passed over."""
        try:
            entries = list(os.scandir(self.root))
        except (FileNotFoundError, NotADirectoryError):
            return []
        except OSError:
            return []
        infos = []
        for entry in entries:
            try:
                is_dir = entry.is_dir()
            except OSError:           # a symlink loop, a vanished entry
                continue
            if is_dir and not entry.name.startswith(".") and entry.name != SWEEPS_DIR:
                infos.append(self.info(Path(entry.path)))
        infos.sort(key=lambda r: (r.created, r.run_id), reverse=True)
        return infos

    def info(self, path: Path) -> RunInfo:
        return RunRecord(path).info()

    # ------------------------------------------------------------- one run
    def open(self, run: str | os.PathLike) -> RunRecord:
        """The run named by an id, its display name, a unique prefix of an id, or a run
        folder's path."""
        return RunRecord(self.resolve(run))

    def resolve(self, run: str | os.PathLike) -> Path:
        """A run id, the name a run was given (renamed in the dashboard; one that names
        several runs is refused with their ids), a unique prefix of an id (taken
        literally: ``*`` is no pattern), or a path to a run folder. In that order."""
        text = str(run)
        candidate = Path(run)
        try:
            if text and (candidate / "config.json").exists():
                return candidate
            exact = self.root / text
            if text and "/" not in text and exact.is_dir():
                return exact
            names = [e.name for e in os.scandir(self.root)] if self.root.is_dir() else []
        except OSError:
            names = []
        named = self._named(sorted(names), text.strip())
        if len(named) == 1:
            return named[0]
        if named:
            raise RunStoreError(f"{text!r} names {len(named)} runs: {', '.join(p.name for p in named)}; "
                                f"give one's id")
        matches = []
        for name in sorted(names):
            if text and name.startswith(text) and not name.startswith(".") and name != SWEEPS_DIR:
                try:
                    if (self.root / name).is_dir():
                        matches.append(self.root / name)
                except OSError:
                    continue
        if len(matches) == 1:
            return matches[0]
        if not matches:
            raise RunStoreError(f"no run {text!r} in {self.root}")
        raise RunStoreError(f"{text!r} matches {len(matches)} runs; give more of the id")

    def _named(self, folders: list[str], name: str) -> list[Path]:
        """The run folders whose config.json gives them the display name ``name`` (a
        folder whose config can't be read has no name)."""
        if not name:
            return []
        found = []
        for folder in folders:
            if folder.startswith("."):
                continue
            try:
                if RunRecord(self.root / folder).meta().get("name") == name:
                    found.append(self.root / folder)
            except (RunStoreError, OSError, AttributeError):
                continue
        return found

    def rename(self, path: Path, name: str) -> None:
        name = name.strip()
        if not name:
            raise RunStoreError("a run's name cannot be empty")
        lock = self._lock_for_change(path, "rename it once it has ended")
        try:
            data = read_json(path / "config.json")
            data["name"] = name
            write_json(path / "config.json", data)
        finally:
            lock.release()

    def delete(self, path: Path) -> None:
        live = self.info(path).status.live      # before the lock: our own would make it look live
        lock = self._lock_for_change(path, "stop it before deleting it", lead=f"{path.name} is still training: it")
        try:
            if live:     # written before run locks, by a live pid
                raise RunStoreError(f"{path.name} is still training; stop it before deleting it")
            # rename first, so a half-finished delete never looks like a run
            trash = path.with_name(f".deleting-{path.name}-{secrets.token_hex(2)}")
            os.replace(path, trash)
        finally:
            lock.release()
        shutil.rmtree(trash, ignore_errors=True)

    @staticmethod
    def _lock_for_change(path: Path, advice: str, lead: str = "") -> RunLock:
        """Hold the run's lock while changing it, so no writer starts meanwhile; refused,
        naming the owner, while one writes it."""
        try:
            return RunLock.take(path)
        except RunLocked as exc:
            raise RunLocked(path.name, exc.owner, advice, lead) from None
