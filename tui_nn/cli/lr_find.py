"""``scratchnet-tui lr-find``: the learning-rate range test (training/lr_find.py) for a preset
and the train flags: a short probe (not a recorded run) whose loss-versus-lr table, or
``--json`` object, ends with a suggested lr."""

from __future__ import annotations

import json
import math

from ..training.config import ConfigError
from .common import (
    EXIT_OK,
    add_data_dir,
    data_dir_of,
    fail,
    positive_float,
    positive_int,
)
from .train import add_train_flags, config_from_args

TABLE_ROWS = 20


def add_parser(sub) -> None:
    from ..training.presets import PRESETS

    find = sub.add_parser("lr-find", help="learning-rate range test: the loss as the lr grows, and a suggested lr")
    find.add_argument("--preset", choices=list(PRESETS), default="default", metavar="NAME",
                      help=f"start from this preset: {', '.join(PRESETS)} (default: default); other flags override it")
    add_train_flags(find)
    find.add_argument("--start", type=positive_float, default=1e-6, help="the first lr (default 1e-6)")
    find.add_argument("--end", type=positive_float, default=1.0, help="the last lr (default 1)")
    find.add_argument("--steps", type=positive_int, default=100,
                      help="mini-batches, the lr growing exponentially from --start to --end (default 100)")
    find.add_argument("--json", action="store_true", help="one JSON object: lr, loss, smoothed, suggested_lr")
    add_data_dir(find)
    find.set_defaults(handler=cmd_lr_find)


def _number(value: float):
    return None if not math.isfinite(value) else float(value)


def cmd_lr_find(args) -> int:
    from ..datasets import DatasetError, load_dataset
    from ..training.lr_find import RULE, lr_range_test

    try:
        config = config_from_args(args)
        dataset = load_dataset(config.dataset, data_dir_of(args))
        result = lr_range_test(config, dataset, start=args.start, end=args.end, steps=args.steps)
    except (ConfigError, DatasetError) as exc:
        return fail(str(exc))
    if args.json:
        print(json.dumps({"lr": result.lrs.tolist(), "loss": result.losses.tolist(),
                          "smoothed": result.smoothed.tolist(), "suggested_lr": _number(result.suggested),
                          "rule": RULE, "min_over_10_lr": _number(result.min_over_10),
                          "diverged": result.diverged}))
        return EXIT_OK
    shown = sorted({round(i) for i in
                    [k * (len(result.lrs) - 1) / (TABLE_ROWS - 1) for k in range(TABLE_ROWS)]})
    print(f"{'lr':>10}  {'loss':>8}  {'smoothed':>8}")
    for i in shown:
        print(f"{result.lrs[i]:>10.3g}  {result.losses[i]:>8.4f}  {result.smoothed[i]:>8.4f}")
    end = "the loss took off there" if result.diverged else "the end of the range"
    print(f"{len(result.losses)} steps from lr {args.start:g} to {result.lrs[-1]:.3g} ({end})")
    if math.isnan(result.suggested):
        print("no suggestion: the smoothed loss did not fall; try a wider range (--start, --end) or more --steps")
    else:
        print(f"suggested lr: {result.suggested:.3g} ({RULE}); the minimum/10 rule gives {result.min_over_10:.3g}")
    return EXIT_OK
