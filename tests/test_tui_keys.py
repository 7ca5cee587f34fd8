"""Every key does what it says, at the speed a person types: the preset choice and the
typing after it, Enter in a field, the runs menu's keys, Home/End in the runs table, the
setup summary kept true after a run. The real app through Pilot, on the embedded sample."""

from __future__ import annotations

from textual.widgets import Input, Select

from test_tui_dashboard import press_now, row, setup_screen, text_of, wait_until
from tui_nn.training.presets import PRESETS
from tui_nn.tui.app import ScratchnetApp


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
