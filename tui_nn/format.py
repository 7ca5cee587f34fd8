"""How numbers are shown to a user, written once for the CLI and the dashboard.

One function per way of showing a thing. Every function takes what a run file or an
event may hold, so None, NaN and infinities show as its ``missing`` text (defaults differ,
following where each is shown: the runs table's en dash, the status panel's '--', the
CLI's 'n/a'). This module imports nothing from the project: it is the lowest layer.
"""

from __future__ import annotations

import math
import numbers

DASH = "\u2013"          # – for a value a run does not have (tables, detail lines)
UNKNOWN = "--"           # for a figure not known yet (the live status panel)


def _finite(value) -> bool:
    return value is not None and math.isfinite(value)


def percent(value: float | None, digits: int = 1, *, missing: str = DASH, suffix: str = "%") -> str:
    """A fraction as a percentage.

    >>> percent(0.9475), percent(0.9475, 2), percent(1.0), percent(None)
    ('94.8%', '94.75%', '100.0%', '–')
    >>> percent(float("nan"), missing="-", suffix="")
    '-'
    """
    return f"{100 * value:.{digits}f}{suffix}" if _finite(value) else missing


def fraction(value: float | None, digits: int = 4, *, missing: str = UNKNOWN) -> str:
    """An accuracy or a loss as it is: four decimals.

    >>> fraction(0.947512), fraction(1), fraction(None), fraction(float("inf"))
    ('0.9475', '1.0000', '--', '--')
    """
    return f"{value:.{digits}f}" if _finite(value) else missing


def compact_duration(seconds: float | None, *, digits: int = 0, missing: str = DASH) -> str:
    """A time span in the fewest characters: seconds (with ``digits`` decimals) under a
    minute, minutes and seconds under an hour, then hours and minutes. For an ETA, or a
    table column. A negative span is not a duration: it shows as ``missing``.

    >>> compact_duration(4), compact_duration(185), compact_duration(3725)
    ('4s', '3m05s', '1h02m')
    >>> compact_duration(5.25, digits=1), compact_duration(59.96, digits=1), compact_duration(None)
    ('5.2s', '1m00s', '–')
    """
    if not _finite(seconds) or seconds < 0:
        return missing
    text = f"{seconds:.{digits}f}"
    if float(text) < 60:     # 59.96 rounds up to a whole minute, not to '60.0s'
        return f"{text}s"
    whole = int(round(seconds))
    if whole < 3600:
        return f"{whole // 60}m{whole % 60:02d}s"
    return f"{whole // 3600}h{whole % 3600 // 60:02d}m"


def clock(seconds: float | None, *, missing: str = UNKNOWN) -> str:
    """Elapsed time as a clock shows it, to the second.

    >>> clock(7), clock(725), clock(3723), clock(3599.6), clock(None), clock(-1)
    ('0:07', '12:05', '1:02:03', '1:00:00', '--', '--')
    """
    if not _finite(seconds) or seconds < 0:
        return missing
    whole = int(round(seconds))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def estimate(seconds: float | None, *, missing: str = UNKNOWN) -> str:
    """A time estimate with spelled-out units, as precise as it is worth: hundredths under ten
    seconds, whole seconds under two minutes, minutes and seconds under two hours, then
    hours and minutes.

    >>> estimate(2), estimate(12.4), estimate(185), estimate(7500), estimate(None)
    ('2.00 s', '12 s', '3 min 05 s', '2 h 05 min', '--')
    """
    if not _finite(seconds) or seconds < 0:
        return missing
    text = f"{seconds:.2f}"
    if float(text) < 10:     # 9.996 s is '10 s', not '10.00 s'
        return f"{text} s"
    whole = int(round(seconds))
    if whole < 120:
        return f"{whole} s"
    minutes, secs = divmod(whole, 60)
    if minutes < 120:
        return f"{minutes} min {secs:02d} s"
    return f"{minutes // 60} h {minutes % 60:02d} min"


def formatted(value, spec: str, *, missing: str = "n/a") -> str:
    """``format(value, spec)``, or ``missing`` for None or NaN. An infinity is shown (as
    'inf'): a loss that blew up says so.

    >>> formatted(0.12345, ".4f"), formatted(1234, ","), formatted(None, ".4f")
    ('0.1235', '1,234', 'n/a')
    >>> formatted(float("nan"), ".4f"), formatted(float("inf"), ".4f")
    ('n/a', 'inf')
    """
    if value is None or (isinstance(value, numbers.Real) and math.isnan(value)):
        return missing
    return format(value, spec)


def count(number: int, noun: str, plural: str | None = None) -> str:
    """A count with its noun, singular for exactly one; thousands separated.

    >>> count(1, "epoch"), count(3, "epoch"), count(0, "run"), count(1200, "row")
    ('1 epoch', '3 epochs', '0 runs', '1,200 rows')
    >>> count(2, "batch", "batches")
    '2 batches'
    """
    return f"{number:,} {noun if number == 1 else plural or noun + 's'}"
