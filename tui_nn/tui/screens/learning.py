"""How a run learns: the loss of every batch, and each layer's health.

Two views (``v`` switches):
- steps: the mean loss of every batch (``RunRecord.steps()``), thinned to what the chart
  shows and smoothed with a debiased EMA (``m`` toggles; ``training/curves.py`` does the
  maths), on a linear or log10 axis (``g``; plotext's own log scale breaks on redraw, so
  log10 values are plotted), against epochs or steps (``x``); each live change of a setting
  is a vertical line at the step it was made.
- layers: per layer its weight norm, gradient norm, update-to-weight ratio and share of flat
  units at the newest epoch (``nn/health.py`` computes them while training), and the chosen
  hidden layer's activation histogram over the epochs as a heatmap, epoch by row (``]`` for
  the next layer): how dying ReLUs or saturating sigmoids show.

It reads the run's folder, so it works for ended runs and follows a live one (the trainer's
recorder rewrites steps and health every five seconds): while the run is live it
re-reads every two seconds.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Header, Static
from textual_plotext import PlotextPlot

from ...runs import RunRecord, RunStoreError
from ...training.curves import downsample, ema_smooth, steps_in_epochs
from ..styles import css_path
from ..widgets.charts import SERIES_COLOURS
from ..widgets.footer import Footer
from .dashboard_screen import DashboardScreen

FOLLOW_EVERY = 2.0     # seconds between re-reads of a live run's folder
SMOOTHING = 0.9        # the EMA's beta when smoothing is on
SHADES = " .:-=+*#%@"  # heatmap: the share of a bin, from none to the most of any bin


class LearningScreen(DashboardScreen, Screen):
    """``LearningScreen(path)``: the per-step loss and layer health of the run at ``path``."""

    CSS_PATH = css_path("learning.tcss")
    BINDINGS = [
        Binding("v", "switch_view", "Steps/Layers", id="learning-view",
                tooltip="Switch between the per-batch loss and the layers' health"),
        Binding("m", "toggle_smoothing", "Smooth", id="learning-smooth",
                tooltip="Smooth the per-batch loss (debiased EMA, beta 0.9) or show it raw"),
        Binding("g", "toggle_log", "Log y", id="learning-log", tooltip="Loss on a log10 or a linear axis"),
        Binding("x", "toggle_x", "x: epochs/steps", id="learning-x", tooltip="The x axis in epochs or in steps"),
        Binding("right_square_bracket", "next_layer", "Layer", id="learning-layer",
                tooltip="The next hidden layer's activation histogram"),
        Binding("escape", "back", "Back", id="learning-back", tooltip="Back"),
    ]

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.record = RunRecord(Path(path))
        self.view = "steps"
        self.smooth = True
        self.log_y = False
        self.x_in_epochs = True
        self.hidden_layer = 0                      # hidden layer whose histogram is shown
        self.steps = np.zeros((0, 0), np.float32)
        self.health: dict = {}
        self.changes: list[dict] = []
        self.problem = ""
        self.live = False

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("", id="learning-title", markup=False)
        with Vertical(id="learning-steps"):
            yield PlotextPlot(id="steps-chart")
        with Vertical(id="learning-layers"):
            yield DataTable(id="layer-table", cursor_type="row", show_cursor=False)
            yield Static("", id="layer-heatmap")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#layer-table", DataTable)
        for key, label in (("layer", "layer"), ("weight", "|W|"), ("grad", "|dW|"),
                           ("ratio", "update/|W|"), ("flat", "flat units")):
            table.add_column(label, key=key)
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self._draw())
        self._load()
        self.call_after_refresh(self._show_view)   # once laid out: the chart's width sets its points
        self.set_interval(FOLLOW_EVERY, self._follow)

    def on_resize(self) -> None:
        self.call_after_refresh(self._draw)

    # ------------------------------------------------------------- reading
    def _load(self) -> None:
        try:
            info = self.record.info()
            self.live = info.status.live
            self.steps = self.record.steps()
            self.health = self.record.health()
            self.changes = self.record.changes()
            self.problem = ""
        except RunStoreError as exc:
            self.problem = str(exc)
            self.live = False
        name = self.record.path.name
        epochs = len(self.steps)
        state = "live, following" if self.live else "ended"
        text = f"run {name} · {epochs} epochs · {state}"
        if self.problem:
            text = f"run {name}: {self.problem}"
        elif not epochs:
            text += " · no per-batch losses recorded (a run from before they were)"
        self.query_one("#learning-title", Static).update(text)
        self._draw()

    def _follow(self) -> None:
        if self.live:
            self._load()

    # ------------------------------------------------------------- drawing
    def _draw(self) -> None:
        if self.view == "steps":
            self._draw_steps()
        else:
            self._draw_layers()

    def _draw_steps(self) -> None:
        chart = self.query_one("#steps-chart", PlotextPlot)
        plt = chart.plt
        plt.clear_data()
        losses = self.steps.ravel()
        finite = np.isfinite(losses)
        smooth = "smoothed (EMA 0.9)" if self.smooth else "raw"
        plt.title(f"loss of every batch, {smooth}{', log10' if self.log_y else ''}")
        plt.xlabel("epoch" if self.x_in_epochs else "step")
        plt.ylabel("log10 loss" if self.log_y else "loss")
        if finite.any():
            values = np.where(finite, losses, np.nanmax(np.where(finite, losses, np.nan)))
            if self.smooth:
                values = ema_smooth(values, SMOOTHING)
            width = max(20, chart.size.width * 2)
            positions, means = downsample(values, width)
            xs = positions + 1 if not self.x_in_epochs else (positions + 1) / max(self.steps.shape[1], 1)
            ys = np.log10(np.maximum(means, 1e-12)) if self.log_y else means
            colour = SERIES_COLOURS[self.app.current_theme.dark][0]
            plt.plot(xs.tolist(), ys.tolist(), marker="hd", color=colour)
            batches = max(self.steps.shape[1], 1)
            for change in self.changes:
                step = (change["epoch"] - 1) * batches + change["batch"]
                plt.vline(step / batches if self.x_in_epochs else step + 1,
                          SERIES_COLOURS[self.app.current_theme.dark][1])
            if self.x_in_epochs:
                plt.xlim(0, max(1.0, float(steps_in_epochs(self.steps)[-1])))
        chart.refresh()

    def _draw_layers(self) -> None:
        table = self.query_one("#layer-table", DataTable)
        table.clear()
        heatmap = self.query_one("#layer-heatmap", Static)
        health = self.health
        if not health or not len(health.get("weight_norm", [])):
            heatmap.update("No layer health recorded for this run.")
            return
        last = -1
        layers = health["weight_norm"].shape[1]
        hidden = health["flat_units"].shape[1] if health["flat_units"].ndim == 2 else 0
        for index in range(layers):
            flat = f"{100 * health['flat_units'][last][index]:.1f}%" if index < hidden else "--"
            name = f"hidden {index + 1}" if index < hidden else "output"
            table.add_row(name, f"{health['weight_norm'][last][index]:.3g}",
                          f"{health['grad_norm'][last][index]:.3g}",
                          f"{health['update_ratio'][last][index]:.2e}", flat)
        if not hidden:
            heatmap.update("No hidden layer: no activations to show.")
            return
        self.hidden_layer %= hidden
        heatmap.update(self._heatmap(health["histogram"][:, self.hidden_layer, :], health["edges"]))

    def _heatmap(self, shares: np.ndarray, edges: np.ndarray) -> Text:
        """Epoch by row, bin by column: each cell's shade is its share of the activations
        against the largest share shown, on a square-root scale so that small shares beside a
        dominant bin (a ReLU layer's zeros) still show (the shares come from nn/health.py)."""
        rows = shares[-max(1, self.size.height // 3):]          # the newest epochs that fit
        top = float(rows.max()) if rows.size and rows.max() > 0 else 1.0
        first_epoch = len(shares) - len(rows) + 1
        text = Text(f"hidden {self.hidden_layer + 1} activations by epoch, {edges[0]:g} to {edges[-1]:g} "
                    f"(shade: share, sqrt scale)\n")
        for offset, row in enumerate(rows):
            cells = "".join(SHADES[min(len(SHADES) - 1, int(math.ceil(math.sqrt(v / top) * (len(SHADES) - 1))))] * 2
                            for v in row)
            text.append(f"{first_epoch + offset:>5} |{cells}|\n")
        return text

    def _show_view(self) -> None:
        self.query_one("#learning-steps").display = self.view == "steps"
        self.query_one("#learning-layers").display = self.view == "layers"
        self.refresh_bindings()
        self._draw()

    # ------------------------------------------------------------- actions
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("toggle_smoothing", "toggle_log", "toggle_x"):
            return self.view == "steps"
        if action == "next_layer":
            return self.view == "layers"
        return True

    def action_switch_view(self) -> None:
        self.view = "layers" if self.view == "steps" else "steps"
        self._show_view()

    def action_toggle_smoothing(self) -> None:
        self.smooth = not self.smooth
        self._draw()

    def action_toggle_log(self) -> None:
        self.log_y = not self.log_y
        self._draw()

    def action_toggle_x(self) -> None:
        self.x_in_epochs = not self.x_in_epochs
        self._draw()

    def action_next_layer(self) -> None:
        self.hidden_layer += 1
        self._draw()

    def action_back(self) -> None:
        self.dismiss()
