"""What the inspection screens look at: one object per trained model and test set.

Two ways to build it:

- from a live model: ``inspection_data_from(network, dataset)`` (e.g. a finished
  ``RunResult.network`` and the dataset it trained on) runs ``network.predict_proba``
  once on the test images;
- from a run folder: ``inspection_data_from_run(path)`` reads predictions.npz (the
  probabilities the run computed at its end) and model.npz, and loads the run's dataset
  for the images when it can (without images the list and matrix still work).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..datasets.dataset import DIGIT_NAMES, FASHION_NAMES, Dataset
from ..nn.model_file import ModelFileError, load_model
from ..nn.network import Network
from .mistakes import Outcomes


@dataclass(eq=False)
class InspectionData:
    """Test-set probabilities and labels, the images (optional), the class names and the
    network (optional: drawing and weights need it).

    ``view`` is memory the inspection screens share while open (list position, renderer,
    the drawing, the hidden unit), so moving between them loses nothing."""

    proba: np.ndarray                      # (n, classes) from Network.predict_proba
    labels: np.ndarray                     # (n,) true classes
    class_names: tuple[str, ...] = DIGIT_NAMES
    images: np.ndarray | None = None       # (n, 784) uint8, the test images
    network: Network | None = None
    title: str = ""                        # what is inspected, for the screens' subtitle
    notes: list[str] = field(default_factory=list)   # why something is missing
    view: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.proba = np.asarray(self.proba)
        self.labels = np.asarray(self.labels)
        self.outcomes = Outcomes(self.proba, self.labels)   # validates the shapes
        k = self.outcomes.n_classes
        names = tuple(str(n) for n in self.class_names)
        self.class_names = names if len(names) == k else tuple(str(i) for i in range(k))
        if self.images is not None:
            self.images = np.asarray(self.images)
            if self.images.shape != (len(self.labels), 784):
                raise ValueError(f"images must be ({len(self.labels)}, 784) to match the labels, "
                                 f"got {self.images.shape}")

    @property
    def n_classes(self) -> int:
        return self.outcomes.n_classes

    def image(self, index: int) -> np.ndarray | None:
        return None if self.images is None else self.images[index]

    def first_layer_weights(self) -> np.ndarray | None:
        """(784, hidden) weights of the first layer, or None without a suitable network."""
        if self.network is None or self.network.arch.sizes[0] != 784:
            return None
        return self.network.layers[0].W


def inspection_data_from(network: Network, dataset: Dataset, *, title: str | None = None) -> InspectionData:
    """Inspect ``network`` on ``dataset``'s test split (probabilities computed here, once)."""
    if len(dataset.x_test) == 0:
        raise ValueError(f"dataset {dataset.name} has no test images to inspect")
    network.check_fits(dataset.n_features, dataset.n_classes, f"dataset {dataset.name}")
    proba = network.predict_proba(dataset.x_test)
    return InspectionData(proba=proba, labels=np.asarray(dataset.y_test), class_names=dataset.class_names,
                          images=dataset.x_test, network=network,
                          title=title if title is not None else f"{dataset.name} test set")


def _class_names_for(dataset_name: str, n_classes: int) -> tuple[str, ...]:
    if "fashion" in dataset_name.lower() and n_classes == len(FASHION_NAMES):
        return FASHION_NAMES
    return tuple(str(i) for i in range(n_classes))


def inspection_data_from_run(run_dir: str | os.PathLike, dataset: Dataset | None = None,
                             *, which: str = "params") -> InspectionData:
    """Inspect a saved run: its predictions.npz (required), its model.npz (``which`` =
    "params" for the last weights, "best" for the best validation epoch) and the images of
    ``dataset`` (default: the run's dataset, loaded by name; skipped if unavailable).

    Raises ValueError if predictions.npz is missing or unreadable. The probabilities
    are those the run saved: they belong to the last weights, so with ``which="best"``
    only the drawing and weights screens use the best weights."""
    from ..runs.store import RunStore, RunStoreError, read_json

    path = Path(run_dir)
    store = RunStore(path.parent)
    try:
        preds = store.predictions(path)
    except RunStoreError as exc:
        raise ValueError(str(exc)) from None
    if "proba" not in preds or "labels" not in preds:
        raise ValueError(f"{path.name}: predictions.npz lacks 'proba' or 'labels'")
    proba, labels = preds["proba"], preds["labels"]
    notes: list[str] = []
    dataset_name = ""
    try:
        dataset_name = str(read_json(path / "config.json").get("config", {}).get("dataset", ""))
    except RunStoreError as exc:
        notes.append(f"config.json: {exc}")

    network = None
    try:
        network, _ = load_model(path / "model.npz", which=which)
    except ModelFileError as exc:
        notes.append(f"no network, so no drawing or weights: {exc}")

    if dataset is None and dataset_name:
        from ..datasets import DatasetError, load_dataset
        try:
            dataset = load_dataset(dataset_name)
        except DatasetError as exc:
            notes.append(f"no images: {exc}")
    images = None
    class_names = _class_names_for(dataset_name, proba.shape[1])
    if dataset is not None:
        if dataset.x_test.shape == (len(labels), 784) and np.array_equal(dataset.y_test, labels):
            images = dataset.x_test
            class_names = dataset.class_names
        else:
            notes.append(f"no images: dataset {dataset.name}'s test set does not match the saved labels")
    return InspectionData(proba=proba, labels=labels, class_names=class_names, images=images,
                          network=network, title=f"run {path.name}", notes=notes)
