"""Every key does what it says, at the speed a person types: the preset choice and the
typing after it, Enter in a field, the runs menu's keys, Home/End in the runs table, the
setup summary kept true after a run. The real app through Pilot, on the embedded sample."""

from __future__ import annotations

from textual.widgets import Input, Select

from test_tui_dashboard import (
    SMALL_RUN, press_now, row, setup_screen, start_run, text_of, type_into, wait_ended, wait_until,
)
from tui_nn.training.presets import PRESETS
from tui_nn.tui.app import ScratchnetApp
from tui_nn.tui.screens.setup import SetupScreen


def type_ahead(app, *keys: str) -> None:
    """Queue key presses all at once, as a terminal does when the app is slower than the
    typist: none is handled before the next is queued (``press_now`` waits for each)."""
    for key in keys:
        app.simulate_key(key)


async def test_typing_right_after_choosing_a_preset_lands_in_the_field_typed_into():
    app = ScratchnetApp()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await setup_screen(pilot)
        select = screen.query_one("#preset", Select)
        select.focus()
        await press_now(pilot, "enter")
        await wait_until(pilot, lambda: select.expanded, what="the preset list to open")
        values = [v for _, v in select._options]
        steps = values.index("nielsen") - values.index(select.value)
        # no pause between keys, as a terminal delivers them to a busy app: choose, move three
        # fields on (dataset, validation, hidden), type
        type_ahead(app, *["down"] * steps, "enter", "tab", "tab", "tab", *"12x,64")
        hidden = screen.query_one("#hidden", Input)
        await wait_until(pilot, lambda: hidden.value == "12x,64" and app.focused is hidden,
                         what=f"hidden to read 12x,64 (it reads {hidden.value!r}; focus on {app.focused})")
        await pilot.pause(0.3)      # anything late would arrive now
        assert hidden.value == "12x,64" and app.focused is hidden
        # the rest of the form is the preset's
        assert screen.query_one("#lr", Input).value == "3"
        assert screen.query_one("#epochs", Input).value == str(PRESETS["nielsen"].config.epochs)
        assert "is not a size" in text_of(row(screen, "hidden").query_one(".field-reason"))


async def test_enter_in_a_field_moves_on_and_starts_nothing():
    app = ScratchnetApp()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await setup_screen(pilot)
        await type_into(pilot, "epochs", "7")
        await press_now(pilot, "enter")
        await wait_until(pilot, lambda: app.focused is not screen.query_one("#epochs", Input),
                         what="Enter to move on from epochs")
        await pilot.pause(0.3)
        assert app.screen is screen and app.runner is None       # no run was started
        assert screen.query_one("#epochs", Input).value == "7"


async def test_the_refusal_to_start_follows_the_form():
    app = ScratchnetApp()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await setup_screen(pilot)
        message = screen.query_one("#start-message")
        await type_into(pilot, "epochs", "0")
        await press_now(pilot, "ctrl+r")
        await wait_until(pilot, lambda: "fix Epochs" in text_of(message), what="the refusal")
        await type_into(pilot, "lr", "abc")
        await wait_until(pilot, lambda: "fix Learning rate, Epochs" in text_of(message)
                         or "fix Epochs, Learning rate" in text_of(message), what="the refusal to name both")
        await type_into(pilot, "epochs", "3")
        await type_into(pilot, "lr", "0.01")
        await wait_until(pilot, lambda: text_of(message).strip() == "", what="the refusal to go")
        assert app.screen is screen


async def test_the_time_per_epoch_shows_once_a_run_has_measured_it():
    app = ScratchnetApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await setup_screen(pilot)
        assert "not measured" in text_of(app.screen.query_one("#summary"))
        training = await start_run(pilot, **SMALL_RUN)
        await wait_ended(pilot, training)
        await press_now(pilot, "b")
        await wait_until(pilot, lambda: isinstance(app.screen, SetupScreen), what="back to setup")
        summary = app.screen.query_one("#summary")
        await wait_until(pilot, lambda: "measured here" in text_of(summary),
                         what=f"the measured time (the summary reads {text_of(summary)!r})")


async def test_the_preset_list_says_what_each_preset_is():
    app = ScratchnetApp()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await setup_screen(pilot)
        select = screen.query_one("#preset", Select)
        prompts = dict((value, str(prompt)) for prompt, value in select._options)
        assert prompts["default"] == "default — 784-512-256-10 relu, Adam; recommended"
        assert prompts["nielsen"] == "nielsen — 784-30-10 sigmoid, SGD; ~95%"
        hint = row(screen, "preset").hint
        assert "the recommended preset" in hint and "reported: recommended" not in hint
        assert app.console.measure(prompts["mbatchelor81-minibatch"]).maximum <= 62


async def test_a_network_without_hidden_layer_shows_output_units_not_hidden_ones():
    from test_inspection_tui import InspectHost

    from tui_nn.datasets import load_embedded_sample
    from tui_nn.inspection import inspection_data_from
    from tui_nn.runs import Runner
    from tui_nn.training import TrainConfig

    dataset = load_embedded_sample()
    result = Runner.new(TrainConfig(hidden=(), epochs=1, seed=0, augment="none"), dataset, record=False).run()
    app = InspectHost(inspection_data_from(result.network, dataset), "weights")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("n", "n", "n")
        summary = text_of(app.screen.query_one("#weights-summary"))
        assert "output unit 4 / 10" in summary and "class 3" in summary, summary
        assert "hidden unit" not in summary and "no hidden layer" in summary, summary
        assert "Class 3" in str(app.screen.query_one("#weights-box").border_title)
