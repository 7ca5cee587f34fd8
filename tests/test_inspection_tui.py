"""The inspection screens driven through Textual's pilot: the mistakes browser, the
confusion matrix, drawing a digit and the first-layer weights, on a small network trained
for 3 epochs on the embedded sample (the session fixture ``inspection_model``)."""

from __future__ import annotations

import numpy as np
import pytest
from textual import events
from textual.app import App

from tui_nn.inspection import InspectionData, inspection_data_from, mnist_preprocess, summary_line
from tui_nn.tui.screens.inspect import InspectKeysScreen, make_inspect_screen
from tui_nn.tui.screens.inspect.confusion import ConfusionScreen
from tui_nn.tui.screens.inspect.draw import DrawScreen
from tui_nn.tui.screens.inspect.mistakes import MistakesScreen
from tui_nn.tui.screens.inspect.weights import WeightsScreen
from tui_nn.tui.widgets.confusion_grid import ConfusionGrid
from tui_nn.tui.widgets.digit_grid import DigitCanvas, DigitGrid, best_renderer
from tui_nn.tui.widgets.inspect_parts import ImageTable, InspectNav


class InspectHost(App[None]):
    """A bare app that opens one inspection screen over its default screen."""

    def __init__(self, data: InspectionData, key: str = "mistakes", **screen_kwargs) -> None:
        super().__init__()
        self.data, self.key, self.screen_kwargs = data, key, screen_kwargs

    def on_mount(self) -> None:
        self.push_screen(make_inspect_screen(self.key, self.data, **self.screen_kwargs))


@pytest.fixture
def data(inspection_model) -> InspectionData:
    network, dataset = inspection_model
    return inspection_data_from(network, dataset)   # fresh view memory for every test


def listed(screen: MistakesScreen) -> list[int]:
    return [int(i) for i in screen.rows]


async def test_browser_lists_every_misclassified_image(data, inspection_model):
    network, dataset = inspection_model
    wrong = np.flatnonzero(network.predict_proba(dataset.x_test).argmax(1) != dataset.y_test)
    app = InspectHost(data)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, MistakesScreen)
        assert sorted(listed(screen)) == wrong.tolist()
        assert screen.query_one(ImageTable).row_count == len(wrong)
        summary = str(screen.query_one("#mistakes-summary").render())
        assert summary_line(len(wrong), len(dataset.y_test)) in summary
        conf = data.outcomes.confidence[screen.rows]
        assert np.all(np.diff(conf) <= 0)                  # most confident mistakes first
        assert screen.selected == screen.rows[0]
        grid = screen.query_one("#mistakes-image", DigitGrid)
        np.testing.assert_array_equal(grid.values, dataset.x_test[screen.rows[0]].reshape(28, 28) / 255)


async def test_filters_moves_and_the_position_surviving_a_filter(data):
    out = data.outcomes
    app = InspectHost(data)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        await pilot.press("j", "j", "down", "k")            # the third image
        await pilot.pause()
        chosen = screen.rows[2]
        assert screen.selected == chosen
        true, pred = int(out.labels[chosen]), int(out.predicted[chosen])
        await pilot.press("f")                                 # its (true, predicted) pair
        await pilot.pause()
        assert screen.selected == chosen                       # still selected
        assert all(out.labels[i] == true and out.predicted[i] == pred for i in screen.rows)
        assert len(screen.rows) == np.sum(~out.correct & (out.labels == true) & (out.predicted == pred))
        await pilot.press("x")                                 # clear: still on it
        await pilot.pause()
        assert screen.selected == chosen and screen.true is None
        await pilot.press("t", "t")                            # true class 1
        await pilot.pause()
        assert screen.true == 1 and all(out.labels[i] == 1 for i in screen.rows)
        await pilot.press("T", "p")                            # true 0, predicted 0: none wrong
        await pilot.pause()
        assert (screen.true, screen.predicted) == (0, 0) and len(screen.rows) == 0
        assert "No image matches" in str(screen.query_one("#mistakes-caption").render())
        await pilot.press("x", "end")
        await pilot.pause()
        assert screen.selected == screen.rows[-1]
        await pilot.press("home", "pagedown")
        await pilot.pause()
        assert screen.query_one(ImageTable).cursor_row > 3
        await pilot.press("s")                                 # least confident first
        await pilot.pause()
        assert screen.order == "least"
        assert np.all(np.diff(out.confidence[screen.rows]) >= 0)


async def test_correct_images_and_the_renderers(data):
    out = data.outcomes
    app = InspectHost(data)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        await pilot.press("a")                                  # the correctly classified
        await pilot.pause()
        assert screen.show == "correct" and len(screen.rows) == len(out) - out.n_wrong
        assert all(out.correct[i] for i in screen.rows)
        await pilot.press("a")
        await pilot.pause()
        assert len(screen.rows) == len(out)
        grid = screen.query_one("#mistakes-image", DigitGrid)

        async def cycle() -> list[str]:
            modes = []
            for _ in range(3):
                await pilot.press("r")
                await pilot.pause()
                modes.append(grid.mode)
            return modes

        # 80x24: full-height ASCII (28 rows) does not fit, so r skips it.
        assert set(await cycle()) == {"ascii-half", "blocks"}
        await pilot.resize_terminal(120, 40)
        await pilot.pause()
        assert sorted(await cycle()) == ["ascii", "ascii-half", "blocks"]
        while grid.mode != "ascii":
            await pilot.press("r")
        await pilot.resize_terminal(80, 24)                     # no longer fits: falls back
        await pilot.pause()
        assert grid.mode in ("ascii-half", "blocks")


async def test_no_color_and_small_terminals_get_ascii(data, monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    app = InspectHost(data)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert app.no_color
        assert app.screen.query_one("#mistakes-image", DigitGrid).mode == "ascii-half"
        await pilot.resize_terminal(120, 40)
        await pilot.pause()
        assert app.screen.query_one("#mistakes-image", DigitGrid).mode == "ascii"
    assert best_renderer(80, 20, colour=True) == "blocks"
    assert best_renderer(80, 20, colour=False) == "ascii-half"
    assert best_renderer(56, 28, colour=False) == "ascii"


async def test_confusion_cell_opens_the_browser_filtered_to_that_pair(data):
    cm = data.outcomes.confusion()
    app = InspectHost(data)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ConfusionScreen)
        grid = screen.query_one(ConfusionGrid)
        off = cm - np.diag(np.diag(cm))
        assert grid.cursor == np.unravel_index(off.argmax(), cm.shape)   # the worst confusion
        grid.cursor = (0, 0)
        # Walk to the cell of the second-largest confusion with the keys, then open it.
        t, p = sorted(((off[i, j], i, j) for i in range(10) for j in range(10)), reverse=True)[1][1:]
        await pilot.press(*(["down"] * t), *(["right"] * p), "enter")
        await pilot.pause()
        browser = app.screen
        assert isinstance(browser, MistakesScreen)
        assert (browser.true, browser.predicted) == (t, p)
        assert len(browser.rows) == cm[t, p]
        await pilot.press("escape")                           # back to the matrix
        await pilot.pause()
        assert app.screen is screen and grid.cursor == (t, p)
        x = grid.label_w + 1 + 3 * grid.cell_w + 2               # a click selects a cell,
        await pilot.click(grid, offset=(x, 1 + 3))                # a second click opens it
        await pilot.pause()
        assert grid.cursor == (3, 3) and app.screen is screen
        await pilot.click(grid, offset=(x, 1 + 3))
        await pilot.pause()
        assert app.screen.show == "correct" and len(app.screen.rows) == cm[3, 3]


def painted_keys(pixels: np.ndarray) -> list[str]:
    """Keys that paint ``pixels`` (bool 28x28) with a 1-pixel brush, from the cursor at
    (0, 0): row by row, space on every inked pixel, back to the left edge at each row end."""
    keys = []
    for r in range(28):
        cols = np.flatnonzero(pixels[r])
        c = 0
        for col in cols:
            keys += ["right"] * (col - c) + ["space"]
            c = col
        keys += ["left"] * c + ["down"]
    return keys


async def type_keys(pilot, keys: list[str]) -> None:
    """Send key events the way a terminal delivers a burst of typing: all queued at once,
    through the app's ordinary key handling (``pilot.press`` waits for idle after every key,
    ~60 ms each, too slow for the ~900 keys of a drawing)."""
    for key in keys:
        pilot.app.post_message(events.Key(key, " " if key == "space" else None))
    await pilot.pause()
    await pilot.pause()


async def test_drawing_a_digit_with_the_keyboard_is_recognised(data, inspection_model):
    network, dataset = inspection_model
    predicted = network.predict(dataset.x_test)
    # A test digit the network gets right, also once thresholded (drawn in black and white).
    thresholded = [d.reshape(28, 28) >= 128 for d in dataset.x_test[:50]]
    as_drawn = network.predict(np.stack([mnist_preprocess(t).ravel() for t in thresholded]))
    index = next(i for i in range(50) if predicted[i] == dataset.y_test[i] == as_drawn[i])
    target = thresholded[index]

    app = InspectHost(data, "draw")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        assert isinstance(screen, DrawScreen)
        canvas = screen.query_one(DigitCanvas)
        assert screen.top_prediction is None                 # blank canvas, no guess
        await pilot.press("b")                                # 1-pixel brush
        await pilot.press(*(["up"] * 14), *(["left"] * 14))
        assert canvas.cursor == (0, 0)
        await type_keys(pilot, painted_keys(target))
        np.testing.assert_array_equal(canvas.pixels > 0, target)
        assert screen.top_prediction == dataset.y_test[index] == predicted[index]
        np.testing.assert_array_equal(screen.prepared, mnist_preprocess(target))
        await pilot.press("c")                                # clear
        await pilot.pause()
        assert not canvas.pixels.any() and screen.top_prediction is None


async def test_drawing_with_the_mouse(data):
    app = InspectHost(data, "draw", renderer="ascii-half")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        canvas = screen.query_one(DigitCanvas)
        await pilot.mouse_down(canvas, offset=(14, 2))
        for y in range(3, 12):
            await pilot.hover(canvas, offset=(14, y))
        await pilot.mouse_up(canvas, offset=(14, 11))
        await pilot.pause()
        # Half-height cells: text row y covers pixel rows 2y and 2y+1; the brush is 2 wide.
        assert canvas.pixels[4:24, 14:16].all() and canvas.pixels.sum() == 40
        assert screen.proba is not None and screen.proba.sum() == pytest.approx(1, abs=1e-5)
        await pilot.mouse_down(canvas, offset=(14, 5), button=3)   # the right button erases
        await pilot.mouse_up(canvas, offset=(14, 5))
        await pilot.pause()
        assert canvas.pixels.sum() == 36


async def test_weights_step_through_units(data, inspection_model):
    network, _ = inspection_model
    app = InspectHost(data, "weights")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        assert isinstance(screen, WeightsScreen)
        grid = screen.query_one("#weights-grid", DigitGrid)
        W = network.layers[0].W
        used = (data.images > 0).mean(axis=0) >= 0.01        # pixels some images ink
        np.testing.assert_array_equal(grid.values.ravel(), W[:, 0] * used)
        await pilot.press("n", "n", "p")
        assert screen.unit == 1
        np.testing.assert_array_equal(grid.values.ravel(), W[:, 1] * used)
        await pilot.press("m")                                 # every pixel, untrained ones too
        np.testing.assert_array_equal(grid.values.ravel(), W[:, 1])
        await pilot.press("end")
        assert screen.unit == 31
        await pilot.press("n")                                 # wraps round
        assert screen.unit == 0
        await pilot.press("4", "1")                            # jump to the list and back
        await pilot.pause()
        assert isinstance(app.screen, MistakesScreen)
        await pilot.press("4")
        await pilot.pause()
        assert app.screen.unit == 0 and len(app.screen_stack) == 2


async def test_jumps_keys_and_escape(data):
    app = InspectHost(data)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("j", "j")
        await pilot.pause()
        selected = app.screen.selected
        await pilot.press("3")
        await pilot.pause()
        assert isinstance(app.screen, DrawScreen) and len(app.screen_stack) == 2
        await pilot.press("1")                                  # back at the same image
        await pilot.pause()
        assert isinstance(app.screen, MistakesScreen) and app.screen.selected == selected
        await pilot.click(InspectNav, offset=(16, 0))          # the "2 Confusion" tab
        await pilot.pause()
        assert isinstance(app.screen, ConfusionScreen)
        await pilot.press("1")
        await pilot.pause()
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, InspectKeysScreen)
        text = str(app.screen.query_one("#inspect-keys-text").render())
        assert "Cycle the order" in text and "Filter by the next true class" in text
        keys = app.screen
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("question_mark")                      # the same dialog, kept
        await pilot.pause()
        assert app.screen is keys
        await pilot.press("escape")
        await pilot.press("2", "question_mark")                 # another screen's own keys
        await pilot.pause()
        assert isinstance(app.screen, InspectKeysScreen) and app.screen is not keys
        assert "Cycle the order" not in str(app.screen.query_one("#inspect-keys-text").render())
        await pilot.press("escape")
        await pilot.press("escape")
        await pilot.pause()
        assert len(app.screen_stack) == 1                       # inspection closed


async def test_without_a_network_or_images(data):
    bare = InspectionData(proba=data.proba, labels=data.labels)
    for key in ("mistakes", "confusion", "draw", "weights"):
        app = InspectHost(bare, key)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            if key == "mistakes":
                assert app.screen.query_one("#mistakes-image", DigitGrid).values is None
            if key == "draw":
                await pilot.press("space")
                await pilot.pause()
                assert "No trained network" in str(app.screen.query_one("#draw-verdict").render())
            if key == "weights":
                assert "No trained network" in str(app.screen.query_one("#weights-summary").render())


async def test_fashion_class_names_and_the_confidence_fit_at_80_columns(data):
    from tui_nn.datasets.dataset import FASHION_NAMES
    from tui_nn.tui.widgets.inspect_parts import ProbabilityBars

    fashion = InspectionData(proba=data.proba, labels=data.labels, class_names=FASHION_NAMES,
                             images=data.images)
    app = InspectHost(fashion)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = app.screen
        table = screen.query_one("#mistakes-table", ImageTable)
        widths = sum(column.get_render_width(table) for column in table.ordered_columns)
        assert widths <= table.scrollable_content_region.width      # the confidence is not cut
        words = {"T-shirt", "Trouser", "Pullovr", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Boot"}
        cells = {str(table.get_row_at(r)[c]).rstrip("!") for r in range(table.row_count) for c in (0, 1)}
        assert cells <= words, cells - words                        # whole words, never "T-shi"
        bars = str(screen.query_one("#mistakes-bars", ProbabilityBars).render())
        assert all(word in bars for word in words), bars


async def test_a_screen_covered_by_an_opaque_one_takes_the_new_size_when_shown_again(data):
    """Only the screens in view follow a resize at once (under an opaque dialog nothing is
    drawn, ``ScratchnetApp._background_screens``); the covered one catches up when shown."""
    from tui_nn.tui.app import ScratchnetApp
    from tui_nn.tui.screens.help import HelpScreen

    app = ScratchnetApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        app.push_screen(MistakesScreen(data))
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, MistakesScreen) and not screen.has_class("-wide")
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen) and app._background_screens == []
        await pilot.resize_terminal(120, 40)
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen and screen.has_class("-wide")
        assert screen.size == app.size


async def test_the_number_keys_show_kept_screens_that_take_up_what_changed_meanwhile(data):
    """Each screen a number key opens is built once per inspected run and shown again after
    (building the list of mistakes again was most of each move). Shown again, it takes up
    what another screen changed: the renderer, and the filters a confusion cell set."""
    cm = data.outcomes.confusion()
    app = InspectHost(data)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2")
        await pilot.pause()
        confusion = app.screen
        await pilot.press("1")
        await pilot.pause()
        mistakes = app.screen
        assert isinstance(mistakes, MistakesScreen) and (mistakes.true, mistakes.predicted) == (None, None)
        await pilot.press("r")                                   # another renderer, chosen here
        await pilot.pause()
        chosen = mistakes.renderer
        await pilot.press("2")
        await pilot.pause()
        assert app.screen is confusion                           # the same screen, not a new one
        grid = confusion.query_one(ConfusionGrid)
        t, p = grid.cursor
        await pilot.press("enter")                               # the list of one cell, over it
        await pilot.pause()
        filtered = app.screen
        assert isinstance(filtered, MistakesScreen) and filtered is not mistakes
        assert len(filtered.rows) == cm[t, p] and filtered.renderer == chosen
        await pilot.press("escape", "1")
        await pilot.pause()
        assert app.screen is mistakes                            # kept, and now filtered the same way
        assert (mistakes.true, mistakes.predicted) == (t, p) and len(mistakes.rows) == cm[t, p]
        assert mistakes.query_one(ImageTable).row_count == cm[t, p]
        await pilot.press("x")                                   # clear the filters: every mistake
        await pilot.pause()
        assert len(mistakes.rows) == data.outcomes.n_wrong
        await pilot.press("3", "r")
        await pilot.pause()
        drawn = app.screen.renderer
        await pilot.press("1")
        await pilot.pause()
        assert app.screen is mistakes and mistakes.renderer == drawn   # the draw screen's choice


async def test_inspecting_another_run_lets_the_kept_screens_of_the_first_go(data, inspection_model):
    from tui_nn.tui.app import ScratchnetApp
    from tui_nn.tui.screens.inspect.base import _kept_name

    network, dataset = inspection_model
    other = inspection_data_from(network, dataset)
    app = ScratchnetApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        app._show_inspection(data)
        await pilot.pause()
        await pilot.press("2")
        await pilot.pause()
        assert app.is_screen_installed(_kept_name("mistakes", data))
        assert app.is_screen_installed(_kept_name("confusion", data))
        await pilot.press("escape")
        await pilot.pause()
        app._show_inspection(other)
        await pilot.pause()
        assert isinstance(app.screen, MistakesScreen) and app.screen.data is other
        assert not app.is_screen_installed(_kept_name("mistakes", data))
        assert not app.is_screen_installed(_kept_name("confusion", data))
