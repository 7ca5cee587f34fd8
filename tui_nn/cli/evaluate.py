"""``scratchnet-tui evaluate MODEL|RUN``: accuracy and loss of saved weights on a dataset.

MODEL is a model.npz (from ``train --out`` or a run folder); RUN is a recorded run's id,
unique id prefix or folder, as ``train --resume`` takes. A run brings its own dataset, so
``--dataset`` is needed only for a bare model file (or to evaluate a run on other data)."""

from __future__ import annotations

import json
import time
from pathlib import Path

from .common import EXIT_OK, add_data_dir, add_runs_dir, data_dir_of, fail


def add_parser(sub) -> None:
    evaluate = sub.add_parser("evaluate", help="accuracy and loss of a saved model or recorded run on a dataset")
    evaluate.add_argument("model", metavar="MODEL|RUN",
                          help="a model.npz (written by train --out or in a run folder), or a recorded run: "
                          "id, unique id prefix or folder")
    evaluate.add_argument("--dataset", help="mnist-sample, mnist, fashion-mnist, kmnist or a path (IDX dir, "
                          "CSV, npz); default for a run: the dataset it trained on")
    evaluate.add_argument("--split", choices=("train", "test"), default="test")
    evaluate.add_argument("--which", choices=("last", "best"), default="last",
                          help="the last weights or those of the best validation epoch")
    evaluate.add_argument("--json", action="store_true", help='one JSON object: {"accuracy", "loss", "n"}')
    add_data_dir(evaluate)
    add_runs_dir(evaluate, top=True)
    evaluate.set_defaults(handler=cmd_evaluate)


def _weights_and_dataset_name(args):
    """(network, dataset name or None): from a model file, else from a recorded run."""
    from ..locations import runs_dir
    from ..nn import load_model
    from ..runs import RunStore

    given = Path(args.model)
    if given.is_file():
        return load_model(given, which="params" if args.which == "last" else "best")[0], args.dataset
    record = RunStore(runs_dir(args.runs_dir)).open(args.model)
    network, _ = record.network(args.which)
    return network, args.dataset or record.config().dataset


def cmd_evaluate(args) -> int:
    from ..datasets import DatasetError, load_dataset
    from ..nn import ModelFileError
    from ..runs import RunStoreError

    try:
        network, dataset_name = _weights_and_dataset_name(args)
        if not dataset_name:
            return fail(f"{args.model} is a model file: say which data to evaluate it on with --dataset")
        dataset = load_dataset(dataset_name, data_dir_of(args))
        x, y = (dataset.x_test, dataset.y_test) if args.split == "test" else (dataset.x_train, dataset.y_train)
        if len(x) == 0:
            return fail(f"dataset {dataset.name} has no {args.split} split")
        network.check_fits(dataset.n_features, dataset.n_classes, f"dataset {dataset.name}")
    except (ModelFileError, DatasetError, RunStoreError) as exc:
        return fail(str(exc))
    t0 = time.perf_counter()
    loss, acc = network.evaluate(x, y)
    if args.json:
        print(json.dumps({"accuracy": acc, "loss": loss, "n": int(len(x))}))
    else:
        print(f"{dataset.name} {args.split}: accuracy {acc:.2%}  loss {loss:.4f}  n {len(x):,}  "
              f"({time.perf_counter() - t0:.2f}s)")
    return EXIT_OK
