"""What the network trains on: a few images beside randomly augmented copies of them, drawn by
the trainer's own augmenter (``training.augment``), as text (``datasets preview``) or pixels."""

from __future__ import annotations

import numpy as np

from ..training.augment import make_augmenter
from .renderers import SIDE, render_ascii_half


def augmented_examples(images: np.ndarray, augment: str, variants: int, seed: int = 0) -> np.ndarray:
    """(n, 1 + variants, side*side) uint8: each image, then ``variants`` augmented copies of it
    (all of one image's copies from one generator seeded by ``seed``)."""
    images = np.ascontiguousarray(images, np.uint8).reshape(len(images), -1)
    repeated = np.repeat(images, variants, axis=0)
    out = np.empty_like(repeated)
    augmenter = make_augmenter(augment, max(len(repeated), 1))
    if augmenter is None:
        out[...] = repeated
    else:
        augmenter.apply(repeated, np.random.default_rng(seed), out)
    grid = out.reshape(len(images), variants, -1)
    return np.concatenate([images[:, None, :], grid], axis=1)


def preview_lines(examples: np.ndarray, labels=None, gap: str = "  ") -> list[str]:
    """Text rows: one block of 14 lines per image, original first, its copies to the right
    (half-height ASCII, 28 characters per image, readable without colour)."""
    lines: list[str] = []
    for k, row in enumerate(examples):
        title = "original" if labels is None else f"original ({labels[k]})"
        heads = [title.ljust(SIDE)] + [f"augmented {j}".ljust(SIDE) for j in range(1, len(row))]
        lines.append(gap.join(heads).rstrip())
        drawn = [render_ascii_half(image.reshape(SIDE, SIDE)) for image in row]
        lines.extend(gap.join(parts).rstrip() for parts in zip(*drawn))
        lines.append("")
    return lines
