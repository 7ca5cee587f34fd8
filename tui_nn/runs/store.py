"""The runs directory. Each run is a folder:

    config.json       every hyperparameter, the dataset's identity, the seed, the version, the name
    status.json       state, epochs, best validation and test accuracy, seconds, writer pid/host,
                      and the size of history.csv it wrote last (to spot a damaged file cheaply)
    history.csv       one row per epoch, rewritten as each epoch ends
    model.npz         last and best-validation weights (see nn/model_file.py)
    resume.npz        optimizer state, data order and generator states, to continue exactly
    predictions.npz   test-set probabilities and labels, for the inspection screens

Every file is replaced atomically, so a process killed at any moment leaves each file
either as it was or as it became. Listing reads only the two small JSON files per run
and a few stat() calls, so a thousand runs list quickly.
"""

from __future__ import annotations

import io
import json
import os
import secrets
import shutil
import socket
import time
import zipfile
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pandas as pd

from ..fileio import write_text_atomic
from ..nn import ModelFileError, Network, load_model

from ..training.config import ConfigError, TrainConfig
from ..training.status import RunStatus

STALE_AFTER_S = 600
# What np.load raises for a damaged .npz: a bad zip, a truncated member, a missing or
# foreign member, an unreadable file.
NPZ_ERRORS = (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile)   # a "running" run on another host with no heartbeat for this long


class RunStoreError(Exception):
    """A run cannot be found, read or changed; the message says which and why."""


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
    problem: str = ""         # why a run is damaged

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


def read_json(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RunStoreError(f"{path.name} is missing") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RunStoreError(f"{path.name} is unreadable ({exc.__class__.__name__})") from None
    if not isinstance(data, dict):
        raise RunStoreError(f"{path.name} is not a JSON object")
    return data


@dataclass
class ResumePoint:
    """Everything continuing a saved run needs: its config, the network at the last saved
    epoch, the history up to that epoch, the trainer's resume state and the best weights."""

    config: TrainConfig
    network: Network
    history: pd.DataFrame
    resume_state: dict
    best_params: np.ndarray | None
    planned_epochs: int       # what the run was asked to train in all


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
        except (KeyError, TypeError, ConfigError) as exc:
            raise RunStoreError(f"{self.run_id}: config.json is not a valid configuration ({exc})") from None

    def status(self) -> dict:
        return read_json(self.path / "status.json")

    def history(self) -> pd.DataFrame:
        """The epochs the status vouches for (a line being appended when the writer
        was killed is ignored)."""
        file = self.path / "history.csv"
        if not file.exists():
            return pd.DataFrame()
        try:
            data = file.read_bytes()
            limit = self.status().get("history_bytes")
            if limit is not None:
                data = data[:limit]
            return pd.read_csv(io.BytesIO(data))
        except (OSError, ValueError, pd.errors.ParserError) as exc:
            raise RunStoreError(f"{self.run_id}: history.csv is unreadable ({exc.__class__.__name__})") from None

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

    def network(self, which: str = "last") -> tuple[Network, dict]:
        """The saved weights: ``last`` (the latest saved epoch) or ``best`` (the best
        validation epoch), with the model file's metadata."""
        if which not in ("last", "best"):
            raise ValueError(f"which must be 'last' or 'best', not {which!r}")
        try:
            return load_model(self.path / "model.npz", which="params" if which == "last" else "best")
        except ModelFileError as exc:
            raise RunStoreError(f"{self.run_id}: {exc}") from None

    # -------------------------------------------------------------- summary
    def info(self) -> RunInfo:
        """The runs-table row, from config.json and status.json only (cheap: a thousand
        runs list in a fraction of a second); a damaged run says why."""
        path = self.path
        info = RunInfo(run_id=path.name, path=path)
        try:
            config_file = self.meta()
            cfg = config_file.get("config")
            if not isinstance(cfg, dict):
                raise RunStoreError("config.json holds no configuration")
            info.name = str(config_file.get("name", path.name))
            info.created = str(config_file.get("created", ""))
            info.dataset = str((config_file.get("dataset") or {}).get("name", cfg.get("dataset", "")))
            hidden = cfg.get("hidden", [])
            info.architecture = "-".join(str(s) for s in ["in", *hidden, "out"])
            n_in = (config_file.get("dataset") or {}).get("n_features")
            n_out = (config_file.get("dataset") or {}).get("n_classes")
            if n_in and n_out:
                info.architecture = "-".join(str(s) for s in [n_in, *hidden, n_out])
            info.optimizer = str(cfg.get("optimizer", ""))
            info.lr = cfg.get("lr")
            bs = cfg.get("batch_size")
            info.batch = "full" if bs is None else str(bs)
            status = self.status()
        except RunStoreError as exc:
            info.status, info.problem = RunStatus.DAMAGED, str(exc)
            return info
        info.epochs = int(status.get("epochs", 0))
        info.planned_epochs = int(status.get("planned_epochs", 0))
        info.best_val_acc = status.get("best_val_acc")
        info.test_acc = status.get("test_acc")
        info.seconds = float(status.get("seconds", 0.0))
        info.status = RunStatus.parse(status.get("status")) or RunStatus.DAMAGED
        problem = self._damage(status)
        if problem:
            info.status, info.problem = RunStatus.DAMAGED, problem
        elif info.status.live and not _writer_alive(status):
            info.status = RunStatus.INTERRUPTED
        return info

    def _damage(self, status: dict) -> str:
        """Cheap consistency checks against what the writer recorded: sizes and presence."""
        expected = status.get("history_bytes")
        history = self.path / "history.csv"
        if expected is not None:
            try:
                size = history.stat().st_size
            except FileNotFoundError:
                return "history.csv is missing"
            # longer is fine (a line appended after the last status write); shorter is not
            if size < expected:
                return f"history.csv is {size} bytes, {expected} were written (truncated)"
        if status.get("model_epoch") is not None and not (self.path / "model.npz").exists():
            return "model.npz is missing"
        return ""

    # ---------------------------------------------------------------- resume
    def resume_point(self) -> ResumePoint:
        """What ``Trainer`` needs to continue this run from its last saved weights."""
        config = self.config()
        status = self.status()
        if status.get("model_epoch") is None:
            raise RunStoreError(f"{self.run_id} has no saved weights to continue from")
        network, model_meta = self.network("last")
        try:
            best_params = self.network("best")[0].params
        except RunStoreError:
            best_params = None
        epoch = int(model_meta.get("epoch", status["model_epoch"]))
        history = self.history().iloc[:epoch]
        try:
            with np.load(self.path / "resume.npz", allow_pickle=False) as f:
                resume = {"optimizer": {k[4:]: f[k] for k in f.files if k.startswith("opt_")},
                          "order": f["order"], "steps": int(f["steps"]), "rng": json.loads(str(f["rng"]))}
        except NPZ_ERRORS as exc:
            raise RunStoreError(f"{self.run_id}: resume.npz is unreadable ({_reason(exc)})") from None
        planned = int(status.get("planned_epochs") or config.epochs)
        return ResumePoint(config, network, history, resume, best_params, planned)


def default_more_epochs(planned: int, done: int, own: int) -> int:
    """How many more epochs continuing a run trains unless told: those it still had to go,
    or, once it had trained them all, its own epoch count again."""
    return planned - done if planned > done else own


def _writer_alive(status: dict) -> bool:
    if status.get("host") == socket.gethostname() and isinstance(status.get("pid"), int):
        return _pid_alive(status["pid"])
    return time.time() - float(status.get("updated", 0)) < STALE_AFTER_S


class RunStore:
    def __init__(self, root: str | os.PathLike):
        self.root = Path(root)

    # ---------------------------------------------------------------- create
    def create(self, config: TrainConfig, dataset_identity: dict, name: str | None = None) -> Path:
        """Make a new run folder with its config.json and a "running" status.

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
        from .. import __version__
        write_json(path / "config.json", {
            "run_id": run_id, "name": name or run_id, "created": now_iso(), "version": __version__,
            "config": config.to_dict(), "dataset": dataset_identity,
        })
        write_json(path / "status.json", {"status": RunStatus.RUNNING, "epochs": 0, "planned_epochs": config.epochs,
                                          "pid": os.getpid(), "host": socket.gethostname(),
                                          "updated": time.time()})
        return path

    # ------------------------------------------------------------------ list
    def list(self) -> list[RunInfo]:
        """Every run, newest first; a damaged run is listed as such with the reason."""
        if not self.root.is_dir():
            return []
        infos = []
        with os.scandir(self.root) as entries:
            for entry in entries:
                if entry.is_dir() and not entry.name.startswith("."):
                    infos.append(self.info(Path(entry.path)))
        infos.sort(key=lambda r: (r.created, r.run_id), reverse=True)
        return infos

    def info(self, path: Path) -> RunInfo:
        return RunRecord(path).info()

    # ------------------------------------------------------------- one run
    def open(self, run: str | os.PathLike) -> RunRecord:
        """The run named by an id, a unique prefix of one, or a run folder's path."""
        return RunRecord(self.resolve(run))

    def resolve(self, run: str | os.PathLike) -> Path:
        """A run id, a unique prefix of one, or a path to a run folder."""
        candidate = Path(run)
        if (candidate / "config.json").exists():
            return candidate
        exact = self.root / str(run)
        if exact.is_dir():
            return exact
        matches = sorted(p for p in self.root.glob(f"{run}*") if p.is_dir()) if self.root.is_dir() else []
        if len(matches) == 1:
            return matches[0]
        if not matches:
            raise RunStoreError(f"no run {str(run)!r} in {self.root}")
        raise RunStoreError(f"{str(run)!r} matches {len(matches)} runs; give more of the id")

    def rename(self, path: Path, name: str) -> None:
        name = name.strip()
        if not name:
            raise RunStoreError("a run's name cannot be empty")
        data = read_json(path / "config.json")
        data["name"] = name
        write_json(path / "config.json", data)

    def delete(self, path: Path) -> None:
        info = self.info(path)
        if info.status.live:
            raise RunStoreError(f"{path.name} is still training; stop it before deleting it")
        # rename first, so a half-finished delete never looks like a run
        trash = path.with_name(f".deleting-{path.name}-{secrets.token_hex(2)}")
        os.replace(path, trash)
        shutil.rmtree(trash, ignore_errors=True)
