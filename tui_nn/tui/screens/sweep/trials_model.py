"""The sweep screen's model, plain Python (no Textual): the trials as the sweep's events
tell them, sorted as the user asks, the best marked, and the series the charts draw.

It only collects what the sweep (``tui_nn.sweeps``) reports: the sweep owner computes
every metric; this keeps the table's rows and the charts' points in step with it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from ....format import percent
from ....sweeps import SweepEnded, SweepEvent, TrialEnded, TrialEpoch, TrialStarted

RUNNING = "running"
# the column the table sorts by: key -> (label, what a row is sorted on)
SORTS = ("trial", "value", "state")


@dataclass
class TrialRow:
    """One trial: what the table shows and the charts draw."""

    trial: int
    params: dict
    state: str = RUNNING
    run_id: str | None = None
    worker: str = ""
    epoch: int = 0
    epochs: int = 0
    current: float | None = None        # the newest epoch's metric
    value: float | None = None          # the trial's metric: its best epoch (the sweep's figure)
    curve: list[float] = field(default_factory=list)   # the metric per epoch, NaN where none
    message: str = ""


def _finite(value) -> bool:
    return value is not None and isinstance(value, (int, float)) and math.isfinite(value)


class TrialsModel:
    """Every trial of one sweep, fed by its events (``feed``) or by its record (``load``)."""

    def __init__(self, metric: str = "val_acc", names: list[str] | None = None,
                 log_params: set[str] | None = None, choice_params: set[str] | None = None) -> None:
        self.metric = metric
        self.names = list(names or [])          # the searched fields, in the space's order
        self.log_params = set(log_params or ())  # drawn on a log scale: charted as log10
        self.choice_params = set(choice_params or ())  # categorical: charted by position
        self.rows: dict[int, TrialRow] = {}
        self.sort = "trial"
        self.ended: SweepEnded | None = None
        self.order: list[int] = []               # trial numbers in the order they ended

    @property
    def maximize(self) -> bool:
        return self.metric != "val_loss"

    # ------------------------------------------------------------- feeding
    def feed(self, event: SweepEvent) -> None:
        if isinstance(event, TrialStarted):
            row = self.rows.get(event.trial)
            if row is None or row.state != RUNNING:   # a retried trial starts afresh
                self.rows[event.trial] = TrialRow(event.trial, dict(event.params), run_id=event.run_id,
                                                  worker=event.worker)
        elif isinstance(event, TrialEpoch):
            row = self.rows.setdefault(event.trial, TrialRow(event.trial, {}))
            row.epoch, row.epochs = event.epoch, event.epochs
            row.current = event.value if _finite(event.value) else None
            while len(row.curve) < event.epoch - 1:
                row.curve.append(math.nan)
            row.curve[event.epoch - 1:] = [event.value if _finite(event.value) else math.nan]
            if row.current is not None and (row.value is None or self._better(row.current, row.value)):
                row.value = row.current
        elif isinstance(event, TrialEnded):
            row = self.rows.setdefault(event.trial, TrialRow(event.trial, dict(event.params)))
            row.state = event.state
            row.params = dict(event.params) or row.params
            row.value = event.value if _finite(event.value) else None
            row.run_id = event.run_id or row.run_id
            row.epoch = max(row.epoch, event.epochs)
            row.message = event.message
            if event.trial not in self.order:
                self.order.append(event.trial)
        elif isinstance(event, SweepEnded):
            self.ended = event

    def load(self, rows: list[dict]) -> None:
        """The trials a sweep's record holds (summary.json rows), for a finished sweep or
        the trials done before it was resumed."""
        for data in sorted(rows, key=lambda r: r.get("trial", 0)):
            number = int(data.get("trial", 0))
            value = data.get("value")
            self.rows[number] = TrialRow(number, dict(data.get("params") or {}), state=data.get("state", "failed"),
                                         run_id=data.get("run_id"), worker=data.get("worker", ""),
                                         epoch=int(data.get("epochs") or 0),
                                         value=value if _finite(value) else None,
                                         message=data.get("message", ""))
            if number not in self.order:
                self.order.append(number)

    # --------------------------------------------------------------- facts
    def _better(self, a: float, b: float) -> bool:
        return a > b if self.maximize else a < b

    @property
    def best(self) -> TrialRow | None:
        """The best completed trial, by its best epoch's metric: the sweep's own rule (a pruned
        trial never counts as the best)."""
        best = None
        for row in self.sorted_by_trial():
            if row.state == "complete" and row.value is not None:
                if best is None or self._better(row.value, best.value):
                    best = row
        return best

    def counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for row in self.rows.values():
            counts[row.state] = counts.get(row.state, 0) + 1
        return counts

    def sorted_rows(self) -> list[TrialRow]:
        rows = list(self.rows.values())
        if self.sort == "value":
            worst = -math.inf if self.maximize else math.inf
            return sorted(rows, key=lambda r: (r.value if r.value is not None else worst, -r.trial),
                          reverse=self.maximize)
        if self.sort == "state":
            return sorted(rows, key=lambda r: (r.state != RUNNING, r.state, r.trial))
        return sorted(rows, key=lambda r: r.trial)

    def next_sort(self) -> str:
        self.sort = SORTS[(SORTS.index(self.sort) + 1) % len(SORTS)]
        return self.sort

    def best_so_far(self) -> tuple[list[int], list[float]]:
        """(n-th ended trial, best metric among the first n): the sweep's progress."""
        xs, ys, best = [], [], None
        for n, number in enumerate(self.order, start=1):
            row = self.rows[number]
            if row.state == "complete" and row.value is not None:
                if best is None or self._better(row.value, best):
                    best = row.value
            if best is not None:
                xs.append(n)
                ys.append(best)
        return xs, ys

    def param_points(self, name: str) -> tuple[list[float], list[float], bool]:
        """(parameter value, trial metric) of every trial with a value, and whether the x
        values are log10 of the parameter (a log-scaled range). Choice parameters are
        placed by their position among the values seen, in order of first appearance."""
        log = name in self.log_params
        xs, ys = [], []
        for row in self.sorted_by_trial():
            value = row.params.get(name)
            if row.value is None or value is None:
                continue
            x = self.position(name, value)
            if x is None:
                continue
            xs.append(math.log10(x) if log and x > 0 else x)
            ys.append(row.value)
        return xs, ys, log

    def sorted_by_trial(self) -> list[TrialRow]:
        return [self.rows[n] for n in sorted(self.rows)]

    def choices_seen(self, name: str) -> list[str]:
        seen: list[str] = []
        if name not in self.choice_params:
            return seen
        for row in self.sorted_by_trial():
            value = row.params.get(name)
            if value is not None and str(value) not in seen:
                seen.append(str(value))
        return seen

    def position(self, name: str, value) -> float | None:
        if name not in self.choice_params:
            try:
                return float(value)      # a range's value (Optuna's record keeps it as text)
            except (TypeError, ValueError):
                return None
        seen = self.choices_seen(name)
        return float(seen.index(str(value)) + 1) if str(value) in seen else None

    def running_curves(self, limit: int = 5) -> list[TrialRow]:
        """The curves worth overlaying: the running trials, then the best ended ones."""
        running = [r for r in self.sorted_by_trial() if r.state == RUNNING and r.curve]
        ended = [r for r in self.rows.values() if r.state != RUNNING and r.curve and r.value is not None]
        ended.sort(key=lambda r: r.value, reverse=self.maximize)
        return (running + ended)[:limit]

    # ------------------------------------------------------------ showing
    def shown_metric(self, value: float | None) -> str:
        if value is None:
            return "--"
        return percent(value) if self.metric == "val_acc" else f"{value:.4f}"


def format_param(value) -> str:
    """A parameter's value in a table cell: a fraction in 3 significant digits (a range's
    value arrives as the text Optuna keeps, like '0.012520653814999465'), the rest as typed."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    text = str(value)
    try:
        number = float(text)
    except ValueError:
        return text
    if number.is_integer() and abs(number) < 1e6 and "e" not in text.lower():
        return str(int(number))
    return f"{number:.3g}"
