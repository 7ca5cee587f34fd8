"""tui_nn.format: each way of showing a number, on the values that break naive formatting."""

from __future__ import annotations

import doctest
import math

import numpy as np
import pytest

from tui_nn import format as fmt
from tui_nn.format import DASH, clock, compact_duration, estimate, formatted, fraction, percent

NAN, INF = math.nan, math.inf


def test_the_docstring_examples_hold():
    assert doctest.testmod(fmt).failed == 0


@pytest.mark.parametrize("value, expected", [
    (0.9475, "94.8%"), (0, "0.0%"), (1, "100.0%"), (0.99949, "99.9%"), (0.99951, "100.0%"),
    (-0.05, "-5.0%"), (np.float32(0.5), "50.0%"),
    (None, DASH), (NAN, DASH), (INF, DASH), (-INF, DASH),
])
def test_percent(value, expected):
    assert percent(value) == expected


def test_percent_digits_missing_text_and_suffix():
    assert percent(0.9475, 2) == "94.75%" and percent(0.99996, 3) == "99.996%"
    assert percent(0.5, 0) == "50%"
    assert percent(None, missing="--") == "--"
    assert percent(0.123, suffix="") == "12.3"
    assert percent(NAN, missing="-", suffix="") == "-"


@pytest.mark.parametrize("value, expected", [
    (0.947512, "0.9475"), (0, "0.0000"), (1, "1.0000"), (0.99995, "1.0000"), (-0.5, "-0.5000"),
    (2.302585, "2.3026"), (None, "--"), (NAN, "--"), (INF, "--"),
])
def test_fraction(value, expected):
    assert fraction(value) == expected


def test_fraction_digits_and_missing_text():
    assert fraction(0.5, 2) == "0.50"
    assert fraction(None, missing="n/a") == "n/a"


@pytest.mark.parametrize("seconds, expected", [
    (0, "0s"), (4, "4s"), (4.4, "4s"), (59.4, "59s"), (59.5, "1m00s"), (59.96, "1m00s"),
    (60, "1m00s"), (185, "3m05s"), (3599.4, "59m59s"), (3599.6, "1h00m"), (3725, "1h02m"),
    (3 * 3600 + 60, "3h01m"), (3 * 3600 + 119, "3h01m"),     # hours and whole minutes
    (100 * 3600, "100h00m"),
    (None, DASH), (NAN, DASH), (INF, DASH), (-1, DASH),
])
def test_compact_duration(seconds, expected):
    assert compact_duration(seconds) == expected


def test_compact_duration_with_tenths_as_the_runs_table_shows_it():
    assert compact_duration(5.25, digits=1) == "5.2s"
    assert compact_duration(0.04, digits=1) == "0.0s"
    assert compact_duration(59.94, digits=1) == "59.9s"
    assert compact_duration(59.96, digits=1) == "1m00s"      # not '60.0s'
    assert compact_duration(125, digits=1) == "2m05s"
    assert compact_duration(None, missing="--") == "--"


@pytest.mark.parametrize("seconds, expected", [
    (0, "0:00"), (7, "0:07"), (59.4, "0:59"), (59.6, "1:00"), (725, "12:05"), (3599.4, "59:59"),
    (3599.6, "1:00:00"), (3723, "1:02:03"), (36000, "10:00:00"),
    (None, "--"), (NAN, "--"), (INF, "--"), (-0.1, "--"),
])
def test_clock(seconds, expected):
    assert clock(seconds) == expected


@pytest.mark.parametrize("seconds, expected", [
    (0, "0.00 s"), (2, "2.00 s"), (9.994, "9.99 s"), (9.996, "10 s"), (12.4, "12 s"),
    (119.4, "119 s"), (119.6, "2 min 00 s"), (185, "3 min 05 s"), (3720, "62 min 00 s"),
    (7199.4, "119 min 59 s"), (7199.6, "2 h 00 min"), (7500, "2 h 05 min"),
    (None, "--"), (NAN, "--"), (INF, "--"), (-2, "--"),
])
def test_estimate(seconds, expected):
    assert estimate(seconds) == expected


@pytest.mark.parametrize("value, spec, expected", [
    (0.12345, ".4f", "0.1235"), (1234, ",", "1,234"), (0, ".4f", "0.0000"), (-1.5, "+.1f", "-1.5"),
    ("adam", "s", "adam"), (np.float32(0.25), ".2f", "0.25"),
    (None, ".4f", "n/a"), (NAN, ".4f", "n/a"), (np.float32("nan"), ".4f", "n/a"),
    (INF, ".4f", "inf"), (-INF, ".1f", "-inf"),
])
def test_formatted(value, spec, expected):
    assert formatted(value, spec) == expected


def test_formatted_missing_text():
    assert formatted(None, ".4f", missing="--") == "--"
