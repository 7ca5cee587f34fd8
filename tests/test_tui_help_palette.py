"""The help screen and the command palette are generated from the screens' bindings:
help lists every registered screen's keys (the current screen's first), the palette
offers what the current screen's ``check_action`` allows right now."""

from __future__ import annotations

from test_tui_dashboard import LONG_RUN, SMALL_RUN, press_now, setup_screen, start_run, wait_ended, wait_until

from tui_nn.tui.app import ScratchnetApp
from tui_nn.tui.keys import key_names, own_bindings
from tui_nn.tui.screens import help_screens
from tui_nn.tui.screens.help import HelpScreen
from tui_nn.tui.screens.inspect import MistakesScreen
from tui_nn.tui.screens.runs.compare import CompareScreen
from tui_nn.tui.screens.runs.table import RunsScreen


def help_sections(app) -> dict[str, list[str]]:
    """The help text as shown, by section title: each section's lines."""
    text = app.screen.text()
    sections: dict[str, list[str]] = {}
    for block in text.split("\n\n"):
        title, *lines = block.strip("\n").split("\n")
        sections[title] = lines
    return sections


def titles(app) -> list[str]:
    return [command.title for command in app.get_system_commands(app.screen)]


async def open_help(pilot) -> dict[str, list[str]]:
    await pilot.press("f1")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, HelpScreen), what="the help screen")
    await wait_until(pilot, lambda: pilot.app.screen.complete, what="every screen's keys in the help")
    await pilot.pause()
    return help_sections(pilot.app)


async def test_help_from_the_runs_screen_lists_its_keys_first():
    app = ScratchnetApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await setup_screen(pilot)
        await pilot.press("f2")
        await wait_until(pilot, lambda: isinstance(app.screen, RunsScreen), what="the runs screen")
        sections = await open_help(pilot)
        order = list(sections)
        assert order[0] == "Runs list (F2)" and order[1] == "Everywhere"
        runs = "\n".join(sections["Runs list (F2)"])
        assert "Compare the marked runs" in runs                 # c
        assert "Type to filter the runs" in runs                 # /
        assert any(line.split()[0] == "c" for line in sections["Runs list (F2)"])
        assert any(line.split()[0] == "/" for line in sections["Runs list (F2)"])
        compare = "\n".join(sections["Compare runs (c in the runs list)"])
        assert "Show only the settings that differ" in compare   # d on the compare screen
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, RunsScreen)


async def test_help_lists_every_binding_of_every_registered_screen():
    app = ScratchnetApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await setup_screen(pilot)
        sections = await open_help(pilot)
        assert list(sections)[0] == "Setup screen"
        registry = help_screens()
        assert {RunsScreen, CompareScreen, MistakesScreen} <= {cls for _title, cls in registry}
        checked = 0
        groups = [("Everywhere", ScratchnetApp.BINDINGS)] + [(t, own_bindings(c)) for t, c in registry]
        for title, bindings in groups:
            assert title in sections, f"no section {title!r} in the help"
            lines = sections[title]
            for binding in bindings:
                if not binding.description:
                    continue
                # the line of this binding's action: every one of its keys, and the text of
                # one of the bindings of that action
                texts = {b.tooltip or b.description for b in bindings if b.action == binding.action}
                texts |= {b.description for b in bindings if b.action == binding.action}
                names = key_names(app, binding.key).split(", ")
                assert any(all(n in line for n in names) and any(t in line for t in texts)
                           for line in lines), (title, binding)
                checked += 1
        assert checked > 60


async def test_the_palette_offers_inspect_on_an_ended_run_and_pause_stop_on_a_running_one():
    app = ScratchnetApp(progress_interval=0.01)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await start_run(pilot, **LONG_RUN)
        await wait_until(pilot, lambda: screen.view.state == "running", what="the run to start")
        offered = titles(app)
        assert "Pause" in offered and "Stop" in offered
        assert "Inspect" not in offered and "Resume" not in offered
        await press_now(pilot, "p")
        await wait_until(pilot, lambda: screen.view.state == "paused", what="the pause")
        offered = titles(app)
        assert "Resume" in offered and "Stop" in offered and "Pause" not in offered
        await press_now(pilot, "s")
        await wait_ended(pilot, screen)
        offered = titles(app)
        assert "Inspect" in offered and "Pause" not in offered and "Stop" not in offered

    app = ScratchnetApp()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await start_run(pilot, **SMALL_RUN)
        await wait_ended(pilot, screen)
        assert screen.view.state == "finished"
        commands = {command.title: command for command in app.get_system_commands(app.screen)}
        assert "Inspect" in commands and "Pause" not in commands and "Stop" not in commands
        assert {"Setup", "Runs", "Keys"} <= set(commands)
        await commands["Inspect"].callback()                 # runs the screen's own action
        await wait_until(pilot, lambda: isinstance(app.screen, MistakesScreen), what="the inspection")
        await pilot.pause(0.1)


def test_the_helps_first_opening_does_not_load_pandas():
    """Reading every screen's keys imports every screen module; none may pull pandas in
    (0.2-0.6 s, once up to 2 s of the first F1 in a real terminal)."""
    import subprocess
    import sys

    code = ("import sys\n"
            "from tui_nn.tui.screens import help_screens\n"
            "help_screens()\n"
            "print(sorted(m for m in sys.modules if m == 'pandas'))\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
