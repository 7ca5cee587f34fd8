"""What the runs table shows, without Textual: the columns (header, cell text, sort
value), sorting, the filter, the per-listing cell texts and widths, the count and
detail lines, and which row actions apply to a run.

``RunsScreen`` (``table.py``) only puts these into a DataTable; everything here works on
``RunInfo`` values and plain strings, so it is tested without an app
(``tests/test_tui_runs_model.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

from rich.cells import cell_len

from ....format import DASH, compact_duration, percent
from ....runs.store import RunInfo
from ....training.status import RunStatus

NAME_MAX = 28            # cells of a name shown in the table (the detail line has all of it)
PROBLEM_MAX = 60


# ----------------------------------------------------------------- cell text
def duration(seconds: float) -> str:
    """The time column: tenths under a minute; a run that recorded no time (0) has none."""
    return compact_duration(seconds or None, digits=1)


def date(created: str) -> str:
    return created[:16].replace("T", " ") if created else DASH


def learning_rate(value) -> str:
    if value is None:
        return DASH
    try:
        return f"{float(value):g}"
    except (TypeError, ValueError):
        return str(value)


def epochs(info: RunInfo) -> str:
    if info.planned_epochs and info.planned_epochs != info.epochs:
        return f"{info.epochs}/{info.planned_epochs}"
    return str(info.epochs)


def cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "\u2026"


def _number_or_none(value):
    try:
        return None if value is None else float(value)
    except (TypeError, ValueError):
        return None


def display_name(info: RunInfo) -> str:
    return info.name or info.run_id


def branch_text(info: RunInfo) -> str:
    """"parent@12" for a run branched from epoch 12 of parent, else ''."""
    return f"{cut(info.branch_of, NAME_MAX)}@{info.branch_epoch}" if info.branch_of else ""


# ------------------------------------------------------------------- columns
# (key, header, text of a run, sort value of a run, right-aligned)
# Metric first: what a user compares and sorts by (best validation and test accuracy, status,
# epochs), then the name and the date, fit in 80 columns; the settings follow, scrolled to, then
# the sweep and the branch point (empty for most runs).
Column = tuple[str, str, Callable[[RunInfo], str], Callable[[RunInfo], object], bool]
COLUMNS: list[Column] = [
    ("best_val_acc", "best val", lambda r: percent(r.best_val_acc), lambda r: r.best_val_acc, True),
    ("test_acc", "test", lambda r: percent(r.test_acc), lambda r: r.test_acc, True),
    ("status", "status", lambda r: r.status.describe(r.epochs), lambda r: r.status, False),
    ("epochs", "epochs", epochs, lambda r: r.epochs, True),
    ("name", "name", lambda r: cut(display_name(r), NAME_MAX), lambda r: display_name(r).lower(), False),
    ("created", "date", lambda r: date(r.created), lambda r: r.created or None, False),
    ("dataset", "dataset", lambda r: r.dataset or DASH, lambda r: r.dataset.lower() or None, False),
    ("architecture", "arch", lambda r: r.architecture or DASH, lambda r: r.architecture or None, False),
    ("optimizer", "optim", lambda r: r.optimizer or DASH, lambda r: r.optimizer or None, False),
    ("lr", "lr", lambda r: learning_rate(r.lr), lambda r: _number_or_none(r.lr), True),
    ("batch", "batch", lambda r: r.batch or DASH,
     lambda r: (float("inf") if r.batch == "full" else _number_or_none(r.batch)) if r.batch else None, True),
    ("seconds", "time", lambda r: duration(r.seconds), lambda r: r.seconds or None, True),
    # a sweep's trials sort together, in trial order: the sweep as a group
    ("sweep", "sweep", lambda r: f"{r.sweep} #{r.trial}" if r.sweep else "",
     lambda r: (r.sweep.lower(), r.trial if r.trial is not None else -1) if r.sweep else None, False),
    # a branch sorts after its parent's other branches, by the epoch it left at
    ("branch", "from", lambda r: branch_text(r), lambda r: (r.branch_of.lower(), r.branch_epoch) if r.branch_of
     else None, False),
    ("problem", "problem", lambda r: cut(r.problem, PROBLEM_MAX), lambda r: r.problem or None, False),
]
COLUMN_KEYS = [c[0] for c in COLUMNS]
HEADERS = {c[0]: c[1] for c in COLUMNS}
# The theme variable that colours each status (looked up in the app's CSS variables).
STATUS_STYLE = {RunStatus.FINISHED: "text-success", RunStatus.EARLY_STOPPED: "text-success", RunStatus.RUNNING: "text-accent",
                RunStatus.STOPPED: "text-warning", RunStatus.INTERRUPTED: "text-warning",
                RunStatus.DIVERGED: "text-error", RunStatus.FAILED: "text-error",
                RunStatus.DAMAGED: "text-error"}
# Numbers and dates sort with the largest (best, newest) first; text from A.
DESCENDING_FIRST = ("created", "best_val_acc", "test_acc", "epochs", "seconds", "lr", "batch")


def default_descending(column: str) -> bool:
    """The direction a column sorts in when it is first chosen."""
    return column in DESCENDING_FIRST


def next_column(column: str) -> str:
    """The column after ``column``, for the sort key that cycles through them."""
    return COLUMN_KEYS[(COLUMN_KEYS.index(column) + 1) % len(COLUMN_KEYS)]


def sort_runs(runs: list[RunInfo], column: str, descending: bool) -> list[RunInfo]:
    """Runs sorted by ``column``; runs without a value go last either way, and ties keep
    the store's order (newest first)."""
    if column not in COLUMN_KEYS:
        raise ValueError(f"no column {column!r}; one of {', '.join(COLUMN_KEYS)}")
    value = next(c[3] for c in COLUMNS if c[0] == column)
    present = [r for r in runs if value(r) is not None]
    missing = [r for r in runs if value(r) is None]
    present.sort(key=value, reverse=descending)
    return present + missing


# -------------------------------------------------------------------- filter
def cell_texts(info: RunInfo) -> list[str]:
    """The text of each column for one run, in column order."""
    return [c[2](info) for c in COLUMNS]


def haystack(info: RunInfo, texts: list[str] | None = None) -> str:
    """Every column's text of a run (and its id), lower case: what the filter searches."""
    parts = (texts if texts is not None else cell_texts(info)) + [info.name, info.run_id, info.problem,
                                                                  info.created, f"sweep:{info.sweep}" if info.sweep else ""]
    return "\n".join(parts).lower()


def matches(hay: str, query: str) -> bool:
    """Every word of the query appears somewhere in the run's text."""
    return all(word in hay for word in query.lower().split())


def filter_runs(runs: Iterable[RunInfo], hay: dict[str, str], query: str) -> list[RunInfo]:
    """The runs whose text (``hay``, by str(path)) holds every word of ``query``; all of
    them for an empty query."""
    runs = list(runs)
    if not query.strip():
        return runs
    return [r for r in runs if matches(hay[str(r.path)], query)]


@dataclass
class Listing:
    """What the table needs of a list of runs, computed in the listing thread: each run's
    cell texts and filter text (by str(path)), and each column's width: as wide as its
    widest text over every run (so filtering does not make columns jump), with room for
    the sort arrow in the header."""

    texts: dict[str, list[str]]
    hay: dict[str, str]
    widths: dict[str, int]

    @classmethod
    def of(cls, runs: list[RunInfo]) -> "Listing":
        texts = {str(r.path): cell_texts(r) for r in runs}
        hay = {str(r.path): haystack(r, texts[str(r.path)]) for r in runs}
        widths = {}
        for index, (key, header, *_rest) in enumerate(COLUMNS):
            widest = max((cell_len(t[index]) for t in texts.values()), default=0)
            widths[key] = max(widest, cell_len(header) + 2)
        return cls(texts, hay, widths)


# ----------------------------------------------------------- lines and marks
def count_text(total: int, shown: int, marked: int) -> str:
    """'12 runs', '3 of 12 runs', with ' · 2 marked' when runs are marked."""
    text = f"{total:,} run{'s' if total != 1 else ''}" if shown == total else f"{shown:,} of {total:,} runs"
    if marked:
        text += f" \u00b7 {marked} marked"
    return text


def summary_text(info: RunInfo) -> str:
    """The detail line under the table for a readable run."""
    return (f"{info.architecture or '?'} \u00b7 {info.optimizer} lr {learning_rate(info.lr)} \u00b7 "
            f"batch {info.batch} \u00b7 {epochs(info)} epochs \u00b7 "
            f"best val {percent(info.best_val_acc)} \u00b7 test {percent(info.test_acc)}"
            + (f" \u00b7 branched from {info.branch_of} at epoch {info.branch_epoch}" if info.branch_of else ""))


def marked_in_order(shown: list[RunInfo], marked: set[str], by_key: dict[str, RunInfo]) -> list[Path]:
    """The marked runs: those in the table in table order, then those filtered out."""
    listed = {str(r.path) for r in shown}
    return [r.path for r in shown if str(r.path) in marked] + \
        [by_key[k].path for k in marked if k not in listed]


def cannot(action: str, info: RunInfo) -> str:
    """Why the app's ``action`` ("inspect", "rerun", "use", "resume", "branch") cannot apply to the
    run, or ''. Cheap checks only; the app checks the rest when it loads the run."""
    name = display_name(info)
    if action in ("rerun", "use") and not info.optimizer:
        return f"{name}: its configuration cannot be read ({info.problem})"
    if action == "branch" and not info.optimizer:
        return f"{name}: its configuration cannot be read ({info.problem})"
    if action == "resume" and info.status.live:
        return f"{name} is still training."
    if action == "inspect" and not (info.path / "predictions.npz").exists():
        return f"{name} has no test predictions to inspect (it ended before its test)."
    return ""
