"""The test images as the model sees them: predicted class, confidence, right or wrong.

Everything starts from ``proba`` (n, classes), the output of ``Network.predict_proba``
(or the ``proba`` array a run folder's predictions.npz keeps), and the true ``labels``.
Lists are arrays of test-image indices: filter them, then order them.

The confusion matrix has one row per true class and one column per predicted class:
``cm[t, p]`` counts the images of class t the model called p. Recall of class c is
``cm[c, c] / sum(cm[c, :])`` (how many of the c's it found), precision is
``cm[c, c] / sum(cm[:, c])`` (how many of its "c" answers were right).
"""

from __future__ import annotations

import numpy as np

# Orders of the list, in the order a key cycles them; the first is the default.
ORDERS = {
    "confident": "most confident first",
    "least": "least confident first",
    "index": "by index",
    "true": "by true class",
}
# Which images the list holds.
SHOW_MODES = {"wrong": "misclassified", "correct": "correctly classified", "all": "all"}


class Outcomes:
    """Per test image: true label, predicted class, confidence, correct or not."""

    def __init__(self, proba, labels) -> None:
        proba = np.asarray(proba)
        labels = np.asarray(labels)
        if proba.ndim != 2:
            raise ValueError(f"proba must be (n, classes), got shape {proba.shape}")
        if labels.shape != (proba.shape[0],):
            raise ValueError(f"labels must be ({proba.shape[0]},) to match proba, got {labels.shape}")
        if labels.size and (labels.min() < 0 or labels.max() >= proba.shape[1]):
            raise ValueError(f"labels must be class numbers 0..{proba.shape[1] - 1}")
        self.proba = proba
        self.labels = labels.astype(np.intp)
        self.n_classes = proba.shape[1]
        self.predicted = proba.argmax(axis=1) if len(proba) else np.zeros(0, np.intp)
        self.confidence = proba[np.arange(len(proba)), self.predicted].astype(np.float64)
        self.correct = self.predicted == self.labels

    def __len__(self) -> int:
        return len(self.labels)

    @property
    def n_wrong(self) -> int:
        return int(np.count_nonzero(~self.correct))

    @property
    def accuracy(self) -> float:
        return float(self.correct.mean()) if len(self) else float("nan")

    def confusion(self) -> np.ndarray:
        return confusion_matrix(self.labels, self.predicted, self.n_classes)


def filter_indices(outcomes: Outcomes, show: str = "wrong", true: int | None = None,
                   predicted: int | None = None) -> np.ndarray:
    """Indices (ascending) of the images shown: ``show`` is wrong, correct or all;
    ``true`` / ``predicted`` keep only that true / predicted class (None: any)."""
    if show not in SHOW_MODES:
        raise ValueError(f"show must be one of {', '.join(SHOW_MODES)}, got {show!r}")
    keep = np.ones(len(outcomes), bool)
    if show == "wrong":
        keep &= ~outcomes.correct
    elif show == "correct":
        keep &= outcomes.correct
    if true is not None:
        keep &= outcomes.labels == true
    if predicted is not None:
        keep &= outcomes.predicted == predicted
    return np.flatnonzero(keep)


def order_indices(outcomes: Outcomes, indices: np.ndarray, order: str = "confident") -> np.ndarray:
    """``indices`` in the given order (see ``ORDERS``); ties go by index, so the order
    is the same on every run."""
    if order not in ORDERS:
        raise ValueError(f"order must be one of {', '.join(ORDERS)}, got {order!r}")
    indices = np.asarray(indices, np.intp)
    conf = outcomes.confidence[indices]
    if order == "index":
        return np.sort(indices)
    if order == "confident":
        keys = (indices, -conf)
    elif order == "least":
        keys = (indices, conf)
    else:  # true class, most confident mistakes first within a class
        keys = (indices, -conf, outcomes.labels[indices])
    return indices[np.lexsort(keys)]


def confusion_matrix(labels, predicted, n_classes: int) -> np.ndarray:
    """(n_classes, n_classes) int64 counts: row = true class, column = predicted class."""
    labels = np.asarray(labels, np.intp)
    predicted = np.asarray(predicted, np.intp)
    if labels.shape != predicted.shape:
        raise ValueError(f"labels {labels.shape} and predictions {predicted.shape} differ in shape")
    flat = np.bincount(labels * n_classes + predicted, minlength=n_classes * n_classes)
    return flat.reshape(n_classes, n_classes).astype(np.int64)


def recall_precision(cm: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-class recall (over rows) and precision (over columns); NaN where a class has
    no images (recall) or was never predicted (precision)."""
    cm = np.asarray(cm, np.float64)
    diag = np.diag(cm)
    with np.errstate(invalid="ignore", divide="ignore"):
        rows, cols = cm.sum(axis=1), cm.sum(axis=0)
        recall = np.where(rows > 0, diag / np.where(rows > 0, rows, 1), np.nan)
        precision = np.where(cols > 0, diag / np.where(cols > 0, cols, 1), np.nan)
    return recall, precision


def top_confusions(cm: np.ndarray, n: int = 5) -> list[tuple[int, int, int]]:
    """The ``n`` largest off-diagonal cells as (true, predicted, count), largest first,
    zero counts left out; ties go by (true, predicted)."""
    cm = np.asarray(cm)
    cells = [(int(cm[t, p]), t, p) for t in range(cm.shape[0]) for p in range(cm.shape[1])
             if t != p and cm[t, p] > 0]
    cells.sort(key=lambda c: (-c[0], c[1], c[2]))
    return [(t, p, count) for count, t, p in cells[:n]]


def summary_line(n_wrong: int, n_total: int) -> str:
    """'137 / 10,000 wrong, 98.63% accurate'."""
    if n_total == 0:
        return "no test images"
    accuracy = 100.0 * (n_total - n_wrong) / n_total
    return f"{n_wrong:,} / {n_total:,} wrong, {accuracy:.2f}% accurate"
