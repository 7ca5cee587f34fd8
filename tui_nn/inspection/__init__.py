"""Looking into a trained model: what it gets wrong, and why. NumPy only, no Textual.

- renderers.py   a 28x28 image (or a unit's weights) as terminal text: ASCII shading
                 (two characters per pixel), half-height ASCII, Unicode half blocks
- mistakes.py    the list of test images with their predictions: sort, filter,
                 confusion matrix, per-class recall and precision
- preprocess.py  a hand-drawn canvas prepared the way MNIST digits were (20x20 box,
                 grey levels, centred by centre of mass in 28x28)
- data.py        ``InspectionData``: probabilities, labels, images, class names and
                 (optionally) the network, from a live run or from a run folder

The screens in ``tui_nn.tui.screens.inspect`` only show what these compute. Every
probability comes from ``Network.predict_proba``: there is no second forward pass here.
"""

from .data import InspectionData, inspection_data_from, inspection_data_from_run
from .mistakes import (
    ORDERS, SHOW_MODES, Outcomes, confusion_matrix, filter_indices, order_indices,
    recall_precision, summary_line, top_confusions,
)
from .preprocess import mnist_preprocess
from .renderers import (
    ASCII_RAMP, RENDERERS, as_image, render_ascii, render_ascii_half, render_blocks,
    render_weights_ascii, render_weights_ascii_half, render_weights_blocks, weight_levels,
)

__all__ = [
    "ASCII_RAMP", "InspectionData", "ORDERS", "Outcomes", "RENDERERS", "SHOW_MODES", "as_image",
    "confusion_matrix", "filter_indices", "inspection_data_from", "inspection_data_from_run",
    "mnist_preprocess", "order_indices", "recall_precision", "render_ascii", "render_ascii_half",
    "render_blocks", "render_weights_ascii", "render_weights_ascii_half", "render_weights_blocks",
    "summary_line", "top_confusions", "weight_levels",
]
