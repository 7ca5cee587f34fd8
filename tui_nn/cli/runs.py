"""``scratchnet-tui runs``: list the recorded runs (a table, or ``--json`` lines);
``runs show RUN``: one run's settings, state, live changes and the epochs it can branch from;
``runs export FILE.csv [RUN ...]``: their histories and settings in one long CSV."""

from __future__ import annotations

import json
from pathlib import Path

from ..format import count, percent
from ..training.status import RunStatus
from .common import EXIT_FAILED, EXIT_OK, Parser, add_runs_dir, fail, non_empty


def add_parser(sub) -> None:
    runs = sub.add_parser("runs", help="list the recorded runs (or: runs export FILE.csv [RUN ...])")
    add_runs_dir(runs, top=True)
    runs.add_argument("--json", action="store_true", help="one JSON object per run")
    runs_sub = runs.add_subparsers(dest="runs_command", parser_class=Parser)
    export = runs_sub.add_parser("export", help="all (or the given) runs' histories and settings in one CSV")
    # optional to argparse, so that its absence is said here in words ("RUN is required"
    # would be false: no RUN means every run)
    export.add_argument("file", type=non_empty, nargs="?", help="the CSV file to write (in an existing directory)")
    export.add_argument("run", nargs="*", help="run ids or unique prefixes (default: all)")
    add_runs_dir(export)
    show = runs_sub.add_parser("show", help="one run: settings, state, live changes, the epochs to branch from")
    show.add_argument("run", type=non_empty, help="a run id, unique id prefix, name or folder")
    show.add_argument("--json", action="store_true", help="one JSON object")
    add_runs_dir(show)
    runs.set_defaults(handler=cmd_runs)


def export_problem(target: Path) -> str | None:
    """Why ``runs export`` would not write ``target`` (None: go ahead). Directories are not
    made: a missing one is more likely a typo than a wish."""
    if target.is_dir():
        return "it is a directory"
    parent = target.parent
    if not parent.exists():
        return f"the directory {parent} does not exist"
    if not parent.is_dir():
        return f"{parent} is not a directory"
    return None


def cmd_runs(args) -> int:
    from ..locations import runs_dir
    from ..runs import RunStore, RunStoreError
    from ..runs.export import export_csv

    store = RunStore(runs_dir(args.runs_dir))
    if args.runs_command == "export":
        if args.file is None:
            return fail("runs export: needs the CSV file to write: runs export FILE.csv [RUN ...] "
                        "(no RUN: every run)")
        problem = export_problem(Path(args.file))
        if problem:
            return fail(f"cannot write {args.file}: {problem}")
        try:
            paths = ([store.resolve(r) for r in args.run]
                     or [i.path for i in store.list() if i.status != RunStatus.DAMAGED])
            rows = export_csv(paths, args.file)
        except RunStoreError as exc:
            return fail(str(exc))
        except OSError as exc:
            return fail(f"could not write {args.file}: {exc.strerror or exc}", EXIT_FAILED)
        skipped = f" ({len(rows.skipped)} damaged, skipped)" if rows.skipped else ""
        print(f"wrote {count(rows, 'row')} from {count(len(paths) - len(rows.skipped), 'run')} to {args.file}{skipped}")
        return EXIT_OK
    if args.runs_command == "show":
        return show_run(store, args.run, args.json)
    infos = store.list()
    if args.json:
        for info in infos:
            print(json.dumps(info.as_row()))
        return EXIT_OK
    if not infos:
        print(f"no runs in {store.root}")
        return EXIT_OK
    print(f"{'run':<36} {'status':<11} {'dataset':<14} {'architecture':<16} {'opt':<8} {'lr':>7} "
          f"{'batch':>5} {'epochs':>9} {'best val':>8} {'test':>7} {'secs':>7}")
    for i in infos:
        print(f"{i.run_id[:36]:<36} {i.status.describe(i.epochs):<11} {i.dataset[:14]:<14} {i.architecture[:16]:<16} "
              f"{i.optimizer:<8} {'' if i.lr is None else format(i.lr, 'g'):>7} {i.batch:>5} "
              f"{f'{i.epochs}/{i.planned_epochs}':>9} {percent(i.best_val_acc, 2, missing=''):>8} {percent(i.test_acc, 2, missing=''):>7} "
              f"{i.seconds:>7.1f}" + (f"  ({i.problem})" if i.problem else "")
              + (f"  [sweep {i.sweep} #{i.trial}]" if i.sweep else "")
              + (f"  [branch of {i.branch_of}@{i.branch_epoch}]" if i.branch_of else ""))
    return EXIT_OK


def show_run(store, run: str, as_json: bool) -> int:
    from ..runs import RunStoreError
    from ..runs.store import describe_epochs
    from ..training.fields import TRAIN_FIELDS

    try:
        record = store.open(run)
        info = record.info()
        config = record.config()
        changes = record.changes()
        branch_epochs = record.branch_epochs()
    except RunStoreError as exc:
        return fail(str(exc))
    settings = {field.flag: field.text_of(config) for field in TRAIN_FIELDS}
    if as_json:
        print(json.dumps({**info.as_row(), "settings": settings, "changes": changes,
                          "branch_epochs": branch_epochs}))
        return EXIT_OK
    print(f"{info.name} ({info.run_id})" if info.name != info.run_id else info.run_id)
    print(f"  {info.status.describe(info.epochs)}, epoch {info.epochs}/{info.planned_epochs}, "
          f"best val {percent(info.best_val_acc, 2)}, test {percent(info.test_acc, 2)}, {info.seconds:.1f} s"
          + (f"  ({info.problem})" if info.problem else ""))
    if info.branch_of:
        print(f"  branched from {info.branch_of} at the end of epoch {info.branch_epoch}")
    if info.sweep:
        print(f"  trial {info.trial} of sweep {info.sweep}")
    print("  settings:")
    for field in TRAIN_FIELDS:
        print(f"    {field.label:<16} {field.text_of(config)}")
    for change in changes:
        print(f"  changed at epoch {change['epoch']}, batch {change['batch']}: {change['setting']} "
              f"{change.get('old')} -> {change['new']}")
    print(f"  can branch from epoch {describe_epochs(branch_epochs)}" if branch_epochs
          else "  no epoch kept to branch from")
    return EXIT_OK
