"""Checkpoints kept per epoch so a new run can branch from any of them, within a disk budget.

    epochs/epoch-NNNNNN/   model.npz + resume.npz of epoch NNNNNN (the same two files as a
                           saved generation, without the best weights)

These are not the run's commit record (status.json names the one generation a resume
continues from, see store.py); they are extra, each written whole into a temporary folder
and renamed into place, so a kill leaves every one either whole or absent. A checkpoint is
kept every ``every`` epochs, starting with every epoch; when the checkpoints outgrow the
budget, ``every`` doubles and the ones that are no longer on the grid go (epochs 1,2,3,4
become 2,4, then 4, 8, ...), so a long run keeps checkpoints spread over all of it. The
default preset's network (784-512-256-10, Adam, float32) needs 6.4 MB per checkpoint: the
default budget of 200 MB keeps every epoch of a 30-epoch run, every 4th of its 100 epochs.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
from pathlib import Path
from typing import Callable

DIR = "epochs"
NAME = re.compile(r"epoch-(\d{6,})")
DEFAULT_BUDGET_MB = 200.0


def folder_name(epoch: int) -> str:
    return f"epoch-{epoch:06d}"


def listed(run_path: Path) -> dict[int, Path]:
    """The whole epoch checkpoints of a run: {epoch: folder} (temporary folders left out)."""
    try:
        entries = list(os.scandir(Path(run_path) / DIR))
    except (FileNotFoundError, NotADirectoryError):
        return {}
    found = {}
    for entry in entries:
        match = NAME.fullmatch(entry.name)
        if match and entry.is_dir(follow_symlinks=False):
            found[int(match.group(1))] = Path(entry.path)
    return dict(sorted(found.items()))


def _size(folder: Path) -> int:
    try:
        return sum(entry.stat().st_size for entry in os.scandir(folder) if entry.is_file())
    except OSError:
        return 0


class EpochCheckpoints:
    """The writer's side: which epochs to keep, writing one, and thinning to the budget.
    ``every`` (the spacing reached so far) is the writer's to keep in the run's status."""

    def __init__(self, run_path: Path, budget_mb: float = DEFAULT_BUDGET_MB, every: int = 1):
        self.root = Path(run_path) / DIR
        self.budget = int(budget_mb * 1e6)
        self.kept = listed(run_path)
        self.sizes = {epoch: _size(folder) for epoch, folder in self.kept.items()}
        self.every = every

    @property
    def enabled(self) -> bool:
        return self.budget > 0

    def due(self, epoch: int) -> bool:
        return self.enabled and epoch % self.every == 0

    def forget_after(self, epoch: int) -> None:
        """Remove the checkpoints after ``epoch``: a continued run trains those epochs again."""
        for later in [e for e in self.kept if e > epoch]:
            self._remove(later)

    def write(self, epoch: int, write_files: Callable[[Path], None]) -> None:
        """Keep ``epoch``: ``write_files(folder)`` writes model.npz and resume.npz into a new
        temporary folder, which is then renamed into place; then thin to the budget."""
        self.root.mkdir(exist_ok=True)
        building = self.root / f".{folder_name(epoch)}.{secrets.token_hex(2)}.tmp"
        building.mkdir()
        try:
            write_files(building)
            target = self.root / folder_name(epoch)
            if target.exists():                 # from a run killed after it, trained again
                shutil.rmtree(target)
            os.rename(building, target)
        except BaseException:
            shutil.rmtree(building, ignore_errors=True)
            raise
        self.kept[epoch] = target
        self.sizes[epoch] = _size(target)
        self._thin()

    def _thin(self) -> None:
        while self.kept and sum(self.sizes.values()) > self.budget:
            self.every *= 2
            for epoch in [e for e in self.kept if e % self.every]:
                self._remove(epoch)

    def _remove(self, epoch: int) -> None:
        folder = self.kept.pop(epoch)
        self.sizes.pop(epoch, None)
        # renamed away first, so a reader never sees a half-removed checkpoint as whole
        doomed = folder.with_name(f".{folder.name}.{secrets.token_hex(2)}.tmp")
        try:
            os.rename(folder, doomed)
        except OSError:
            doomed = folder
        shutil.rmtree(doomed, ignore_errors=True)


def remove_leftovers(run_path: Path) -> list[str]:
    """Temporary folders a killed writer left in ``epochs/``."""
    root = Path(run_path) / DIR
    removed = []
    try:
        entries = list(root.iterdir())
    except (FileNotFoundError, NotADirectoryError):
        return removed
    for entry in entries:
        if entry.name.startswith(".") and entry.name.endswith(".tmp"):
            shutil.rmtree(entry, ignore_errors=True) if entry.is_dir() else entry.unlink(missing_ok=True)
            removed.append(f"{DIR}/{entry.name}")
    return removed
