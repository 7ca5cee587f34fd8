"""Draw screenshots/augment-examples.png: six digits of the embedded sample, each beside
copies augmented by the trainer's own augmenters (shift, affine, elastic).

    python scripts/augment_picture.py [--out screenshots/augment-examples.png] [--seed 0]

Rows: one digit each. Columns: the original, then 3 copies per augmentation in the order
shift, affine, elastic. Written as a greyscale PNG with zlib alone (no imaging library).
"""

from __future__ import annotations

import argparse
import struct
import sys
import zlib
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tui_nn.datasets import load_embedded_sample  # noqa: E402
from tui_nn.fileio import atomic_writer  # noqa: E402
from tui_nn.inspection.augment_preview import augmented_examples  # noqa: E402

SIDE, ZOOM, GAP = 28, 3, 4
AUGMENTS = ("shift", "affine", "elastic")
VARIANTS = 3


def png_bytes(gray: np.ndarray) -> bytes:
    """A greyscale 8-bit PNG of the 2-D uint8 array."""
    height, width = gray.shape
    raw = b"".join(b"\0" + gray[r].tobytes() for r in range(height))   # filter type 0 per row

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(REPO / "screenshots" / "augment-examples.png"))
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    data = load_embedded_sample()
    # one digit of each of six classes
    picks = [int(np.flatnonzero(data.y_train == digit)[0]) for digit in (0, 2, 3, 4, 7, 9)]
    images = data.x_train[picks]
    columns = [images[:, None, :]]
    for augment in AUGMENTS:
        columns.append(augmented_examples(images, augment, VARIANTS, args.seed)[:, 1:])
    grid = np.concatenate(columns, axis=1)                      # (rows, 1 + 3 * VARIANTS, 784)
    cell = SIDE * ZOOM
    n_rows, n_cols = grid.shape[:2]
    # a wider gap after the original and between augmentations
    col_x = [GAP + k * (cell + GAP) + (2 * GAP) * ((k + VARIANTS - 1) // VARIANTS) for k in range(n_cols)]
    canvas = np.full((GAP + n_rows * (cell + GAP), col_x[-1] + cell + GAP), 255, np.uint8)
    for r in range(n_rows):
        for c in range(n_cols):
            tile = np.kron(grid[r, c].reshape(SIDE, SIDE), np.ones((ZOOM, ZOOM), np.uint8))
            y = GAP + r * (cell + GAP)
            canvas[y:y + cell, col_x[c]:col_x[c] + cell] = 255 - tile    # dark ink on white
    with atomic_writer(args.out, binary=True) as fh:
        fh.write(png_bytes(canvas))
    print(f"wrote {args.out} ({canvas.shape[1]}x{canvas.shape[0]}): original | "
          + " | ".join(f"{VARIANTS} x {a}" for a in AUGMENTS))
    return 0


if __name__ == "__main__":
    sys.exit(main())
