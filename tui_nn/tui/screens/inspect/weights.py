"""Look inside: the 784 input weights of one first-layer hidden unit, as a 28x28 picture.

Positive weights (the unit fires more where the image is inked) draw as ``+*#``, negative
ones as ``-~=`` (orange and blue as half blocks), strength relative to the unit's largest
weight, or to the layer's largest with the shared scale. With one hidden layer, the panel
also shows how the unit votes for each class (its outgoing weights).

Pixels that (almost) no image ever inks get no gradient, so their weights keep their
random initial values and drown the picture in noise: by default they are left blank
(``m`` shows them), found from the test images (inked in under 1% of them).
"""

from __future__ import annotations

import numpy as np
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.markup import escape
from textual.widgets import Static

from ....inspection.data import InspectionData
from ....inspection.renderers import NEGATIVE, POSITIVE, RENDERER_NAMES
from ...widgets.digit_grid import DigitGrid
from ...widgets.static_text import show_text
from .base import InspectScreen

BAR = "\u2588"
UNUSED_BELOW = 0.01   # a pixel inked in fewer than this share of the images is "unused"


def vote_lines(votes: np.ndarray, class_names: tuple[str, ...], width: int) -> list[str]:
    """One diverging bar per class: negative to the left of '|', positive to the right."""
    names_w = min(max(len(n) for n in class_names), 6)
    half = max(2, (width - names_w - 9) // 2)
    scale = float(np.abs(votes).max()) or 1.0
    lines = []
    for c, v in enumerate(votes):
        n = int(round(abs(v) / scale * half))
        left = (" " * (half - n) + BAR * n) if v < 0 else " " * half
        right = (BAR * n + " " * (half - n)) if v > 0 else " " * half
        lines.append(f"{class_names[c][:names_w]:<{names_w}} {left}|{right} {v:+.2f}")
    return lines


class WeightsScreen(InspectScreen):
    """``WeightsScreen(data, unit=None, renderer=None)``; needs ``data.network``."""

    SCREEN_KEY = "weights"
    TAB_LABEL = "Weights"
    BINDINGS = [
        Binding("n,right,l", "step(1)", "Next unit", id="weights-next", tooltip="The next hidden unit"),
        Binding("p,left,h", "step(-1)", "Previous", id="weights-prev", show=False,
                tooltip="The previous hidden unit"),
        Binding("pagedown", "step(10)", "10 on", id="weights-page-next", show=False, tooltip="Ten units on"),
        Binding("pageup", "step(-10)", "10 back", id="weights-page-prev", show=False, tooltip="Ten units back"),
        Binding("home", "first", "First", id="weights-first", show=False, tooltip="The first hidden unit"),
        Binding("end", "last", "Last", id="weights-last", show=False, tooltip="The last hidden unit"),
        Binding("m", "toggle_mask", "Unused pixels", id="weights-mask", show=False,
                tooltip="Hide or show the weights of pixels the images never ink (never trained)"),
        Binding("s", "toggle_scale", "Scale", id="weights-scale", show=False,
                tooltip="Strength relative to this unit's largest weight, or to the whole layer's"),
        Binding("r", "cycle_renderer", "Render", id="weights-render",
                tooltip="Cycle the renderer: ASCII, half-height ASCII, half blocks"),
    ]

    def __init__(self, data: InspectionData, *, unit: int | None = None, renderer: str | None = None) -> None:
        super().__init__(data, renderer=renderer)
        memory = self.memory()
        self.weights = data.first_layer_weights()
        self.n_units = 0 if self.weights is None else self.weights.shape[1]
        self.unit = unit if unit is not None else memory.get("unit", 0)
        self.unit = min(max(self.unit, 0), max(self.n_units - 1, 0))
        self.shared_scale = memory.get("shared_scale", False)
        self.hide_unused = memory.get("hide_unused", True)
        self.used = None if data.images is None else (data.images > 0).mean(axis=0) >= UNUSED_BELOW

    def compose(self) -> ComposeResult:
        yield from self.compose_top()
        yield Static("", id="weights-summary", classes="inspect-summary")
        with Horizontal(id="weights-body", classes="inspect-body"):
            with Vertical(id="weights-box", classes="inspect-panel image-box"):
                yield DigitGrid("weights", self.renderer, placeholder="no network", id="weights-grid")
            with Vertical(id="weights-detail", classes="inspect-panel"):
                yield Static("", id="weights-legend")
                yield Static("", id="weights-votes")
        yield from self.compose_bottom()

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#weights-detail").border_title = "What it means"
        self.show_unit()

    def on_resize(self, event) -> None:
        super().on_resize(event)
        if self.is_mounted:
            self.call_after_refresh(self.show_unit)

    def renderer_changed(self) -> None:
        self.query_one("#weights-grid", DigitGrid).mode = self.renderer
        self.show_unit()

    def show_unit(self) -> None:
        grid = self.query_one("#weights-grid", DigitGrid)
        box = self.query_one("#weights-box")
        summary = self.query_one("#weights-summary", Static)
        legend = self.query_one("#weights-legend", Static)
        votes_widget = self.query_one("#weights-votes", Static)
        box.border_subtitle = f"r: {RENDERER_NAMES[self.renderer]}"
        if self.weights is None:
            grid.show(None)
            box.border_title = "Weights"
            show_text(summary, "[b $text-warning]No trained network here:[/] the weights need the model.",
                      layout=False)
            legend.update("")
            votes_widget.update("")
            return
        self.memory().update(unit=self.unit, shared_scale=self.shared_scale, hide_unused=self.hide_unused)
        weights = self.weights.astype(np.float64)
        masked = self.hide_unused and self.used is not None
        if masked:
            weights = weights * self.used[:, None]
        w = weights[:, self.unit]
        scale = float(np.abs(weights).max()) if self.shared_scale else None
        grid.show(w, scale=scale)
        network = self.data.network
        # without a hidden layer the first layer is the output layer: a unit per class
        is_output = network is not None and len(network.layers) == 1
        if is_output:
            name = self.data.class_names[self.unit] if self.unit < len(self.data.class_names) else str(self.unit)
            box.border_title = f"Class {name}: unit {self.unit + 1} of {self.n_units}"
            what = f"[b]output unit {self.unit + 1} / {self.n_units}[/] (class {escape(name)}; no hidden layer)"
        else:
            box.border_title = f"Unit {self.unit + 1} of {self.n_units}"
            what = f"[b]hidden unit {self.unit + 1} / {self.n_units}[/] of the first layer"
        show_text(summary, layout=False, content=   # two lines high whatever it says
            f"{what}  "
            f"min {w.min():+.3f}  max {w.max():+.3f}  |w| {np.linalg.norm(w):.2f}  "
            f"\n[dim]n/p unit, s scale: {'layer' if self.shared_scale else 'this unit'}, "
            f"m {'unused pixels blank' if masked else 'all pixels'}[/]")
        if self.renderer == "blocks":
            legend.update("[b]orange[/] positive, [b]blue[/] negative;\nbrighter is stronger")
        else:
            legend.update(f"[b]{' '.join(POSITIVE)}[/] positive, weak to strong\n"
                          f"[b]{' '.join(NEGATIVE)}[/] negative, weak to strong")
        if network is not None and len(network.layers) == 2:
            votes = network.layers[1].W[self.unit].astype(np.float64)
            width = max(self.query_one("#weights-detail").content_size.width, 20)
            votes_widget.update("\n[b]Its votes[/] (outgoing weights)\n"
                                + "\n".join(escape(line) for line in vote_lines(votes, self.data.class_names, width)))
        else:
            votes_widget.update("")

    # -------------------------------------------------------------- actions
    def action_step(self, step: int) -> None:
        if self.n_units:
            self.unit = (self.unit + step) % self.n_units
            self.show_unit()

    def action_first(self) -> None:
        self.unit = 0
        self.show_unit()

    def action_last(self) -> None:
        self.unit = max(self.n_units - 1, 0)
        self.show_unit()

    def action_toggle_mask(self) -> None:
        self.hide_unused = not self.hide_unused
        self.show_unit()

    def action_toggle_scale(self) -> None:
        self.shared_scale = not self.shared_scale
        self.show_unit()
