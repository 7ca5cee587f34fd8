"""The in-memory form every reader produces: uint8 images, integer labels, class names."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:   # annotations only: names, sizes and DatasetError load without NumPy
    import numpy as np

IMAGE_SIDE = 28
IMAGE_PIXELS = IMAGE_SIDE * IMAGE_SIDE

DIGIT_NAMES = tuple(str(d) for d in range(10))
FASHION_NAMES = (
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
)
# Short labels (at most 7 characters) where a class name is too long for a narrow column:
# a word a user still recognises, not a name cut in the middle ("T-shi", "Ankl").
SHORT_CLASS_NAMES = {"T-shirt/top": "T-shirt", "Pullover": "Pullovr", "Ankle boot": "Boot"}


def short_class_name(name: str, width: int) -> str:
    """``name`` in at most ``width`` characters: itself, its short label, or cut."""
    if len(name) <= width:
        return name
    short = SHORT_CLASS_NAMES.get(name, name)
    return short if len(short) <= width else short[:width]


class DatasetError(Exception):
    """A dataset file is missing, unreadable or malformed; the message names the file."""


@dataclass(frozen=True)
class Dataset:
    """Train and test images of one dataset.

    Images stay uint8 of shape (n, 784), one flattened 28x28 image per row, so a
    full 60k-image set costs 47 MB; batches are turned into float on the fly.
    Labels are uint8 in [0, n_classes). ``x_test``/``y_test`` may be empty
    (a training-only set); ``x_train`` may be empty (a test-only set).
    """

    name: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    class_names: tuple[str, ...] = DIGIT_NAMES
    source: str = ""

    @property
    def n_classes(self) -> int:
        return len(self.class_names)

    @property
    def n_features(self) -> int:
        return int(self.x_train.shape[1] if self.x_train.size else self.x_test.shape[1])
