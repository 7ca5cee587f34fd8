"""The runs table's model without an app: columns, sorting, filtering, texts, actions."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tui_nn.runs.store import RunInfo
from tui_nn.training.status import RunStatus
from tui_nn.tui.screens.runs.table_model import (
    COLUMN_KEYS, Listing, cannot, count_text, default_descending, duration, filter_runs, marked_in_order,
    next_column, sort_runs, summary_text,
)


def run(run_id: str, **fields) -> RunInfo:
    defaults = dict(name="", created="2024-01-01T10:00:00", dataset="sample", architecture="784-32-10",
                    optimizer="adam", lr=0.001, batch="64", epochs=3, planned_epochs=3, status="finished")
    defaults.update(fields)
    defaults["status"] = RunStatus(defaults["status"])   # as the store gives it
    return RunInfo(run_id=run_id, path=Path("/runs") / run_id, **defaults)


RUNS = [run("c", name="gamma", test_acc=0.9, created="2024-03-01T10:00:00"),
        run("b", name="beta", test_acc=None, optimizer="sgd", created="2024-02-01T10:00:00"),
        run("a", name="alpha", test_acc=0.8, created="2024-01-01T10:00:00", batch="full")]


def ids(runs) -> list[str]:
    return [r.run_id for r in runs]


def test_sorting_puts_missing_values_last_either_way_and_rejects_unknown_columns():
    assert ids(sort_runs(RUNS, "test_acc", True)) == ["c", "a", "b"]
    assert ids(sort_runs(RUNS, "test_acc", False)) == ["a", "c", "b"]
    assert ids(sort_runs(RUNS, "name", False)) == ["a", "b", "c"]
    assert ids(sort_runs(RUNS, "batch", True)) == ["a", "c", "b"]       # full batch is the largest
    with pytest.raises(ValueError, match="no column"):
        sort_runs(RUNS, "colour", True)


def test_sort_directions_and_the_column_cycle():
    assert default_descending("created") and default_descending("test_acc")
    assert not default_descending("name")
    assert next_column(COLUMN_KEYS[-1]) == COLUMN_KEYS[0]
    assert next_column("name") == COLUMN_KEYS[COLUMN_KEYS.index("name") + 1]


def test_the_columns_a_user_sorts_by_come_first():
    # Metric first: at 80 columns these and the name are what shows (test_tui_runs checks the screen).
    assert COLUMN_KEYS[:5] == ["best_val_acc", "test_acc", "status", "epochs", "name"]


def test_the_filter_needs_every_word_somewhere_in_the_row():
    hay = Listing.of(RUNS).hay
    assert ids(filter_runs(RUNS, hay, "")) == ["c", "b", "a"]
    assert ids(filter_runs(RUNS, hay, "ADAM")) == ["c", "a"]
    assert ids(filter_runs(RUNS, hay, "adam alpha")) == ["a"]
    assert ids(filter_runs(RUNS, hay, "adam beta")) == []


def test_listing_widths_fit_the_widest_text_and_the_header_arrow():
    listing = Listing.of(RUNS)
    assert listing.widths["name"] == max(len("gamma"), len("name") + 2)
    assert listing.texts[str(RUNS[0].path)][COLUMN_KEYS.index("name")] == "gamma"
    assert Listing.of([]).widths["status"] == len("status") + 2


def test_texts_of_counts_durations_and_the_detail_line():
    assert count_text(1, 1, 0) == "1 run"
    assert count_text(12, 3, 2) == "3 of 12 runs \u00b7 2 marked"
    assert duration(0) == "\u2013" and duration(5.25) == "5.2s" and duration(125) == "2m05s"
    assert duration(3 * 3600 + 60) == "3h01m"
    assert "best val \u2013" in summary_text(RUNS[0]) and "test 90.0%" in summary_text(RUNS[0])


def test_marked_runs_come_in_table_order_then_the_filtered_out():
    by_key = {str(r.path): r for r in RUNS}
    marked = {str(RUNS[0].path), str(RUNS[2].path)}
    shown = sort_runs(RUNS, "name", False)
    assert [p.name for p in marked_in_order(shown, marked, by_key)] == ["a", "c"]
    assert [p.name for p in marked_in_order(shown[:1], marked, by_key)] == ["a", "c"]


def test_which_app_actions_a_run_refuses(tmp_path):
    assert "still training" in cannot("resume", run("r", status="running"))
    assert "cannot be read" in cannot("rerun", run("x", optimizer="", problem="no config.json"))
    assert "no test predictions" in cannot("inspect", run("y"))
    with_predictions = RunInfo(run_id="z", path=tmp_path, optimizer="adam", status="finished")
    (tmp_path / "predictions.npz").write_bytes(b"")
    assert cannot("inspect", with_predictions) == "" and cannot("use", with_predictions) == ""


def test_the_model_needs_no_textual():
    import subprocess

    code = ("import sys; import tui_nn.tui.screens.runs.table_model as m; "
            "sys.exit(1 if any(n == 'textual' or n.startswith('textual.') for n in sys.modules) else 0)")
    # the package __init__ files of tui/ and screens/ must not pull Textual in either
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0


def test_a_sweeps_trials_sort_together_in_trial_order_and_filter_by_sweep():
    runs = [run("t2", name="lr #2", sweep="lr", trial=2), run("p", name="plain"),
            run("u0", name="wide #0", sweep="wide", trial=0), run("t10", name="lr #10", sweep="lr", trial=10),
            run("t0", name="lr #0", sweep="lr", trial=0)]
    assert ids(sort_runs(runs, "sweep", False)) == ["t0", "t2", "t10", "u0", "p"]   # a group each, trials in order
    listing = Listing.of(runs)
    assert ids(filter_runs(runs, listing.hay, "sweep:lr")) == ["t2", "t10", "t0"]
