"""The dashboard driven through Textual's pilot: the real app, the real trainer, the real
embedded sample. Runs are tiny (784-32-10, a few epochs of mini-batch 64 on 3,600 images,
a fraction of a second each); long runs are stopped, never waited out.

What is checked is the widgets' state and data (field reasons, the run's state, the epoch
counter, the charts' series, the epoch table), never pixels: the snapshots are in
``test_tui_snapshots.py``.
"""

from __future__ import annotations

import time

import pytest
from textual.widgets import DataTable, Input, Select, Static

from tui_nn.training.events import BatchProgress, EpochEnded, RunEnded, Stopped
from tui_nn.training.presets import PRESETS
from tui_nn.tui.app import DARK_THEME, LIGHT_THEME, ScratchnetApp
from tui_nn.tui.screens.confirm import ConfirmScreen
from tui_nn.tui.screens.help import HelpScreen
from tui_nn.tui.screens.setup import CUSTOM, DatasetLoaded, SetupScreen
from tui_nn.tui.screens.training import TrainingScreen
from tui_nn.tui.settings import Settings
from tui_nn.tui.widgets.charts import SERIES_COLOURS, MetricChart
from tui_nn.tui.widgets.form import FieldRow
from tui_nn.tui.widgets.status import StatusPanel
from tui_nn.tui.widgets.too_small import TooSmall

SMALL_RUN = {"hidden": "32", "epochs": "3", "batch_size": "64"}
LONG_RUN = {"hidden": "32", "epochs": "5000", "batch_size": "64"}   # only ever stopped


# ------------------------------------------------------------------- helpers
async def wait_until(pilot, condition, timeout: float = 10.0, what: str = "") -> float:
    """Let the app run until ``condition()`` holds; returns the seconds it took."""
    start = time.perf_counter()
    while not condition():
        if time.perf_counter() - start > timeout:
            raise AssertionError(f"timed out after {timeout} s waiting for {what or condition}")
        await pilot.pause(0.01)
    return time.perf_counter() - start


async def setup_screen(pilot) -> SetupScreen:
    """The setup screen once its dataset (the embedded sample) is loaded."""
    screen = pilot.app.screen
    assert isinstance(screen, SetupScreen)
    await wait_until(pilot, lambda: screen.dataset is not None, what="the dataset to load")
    await pilot.pause()
    return screen


async def press_now(pilot, *keys: str) -> None:
    """Send key presses as the terminal would, each handled before the next is sent,
    without waiting for the whole process to go idle.

    ``pilot.press`` waits for the process to be idle after every key (up to a second),
    which never happens while the trainer keeps a core busy; the tests send keys this
    way and then wait for their effect with ``wait_until``."""
    for key in keys:
        pilot.app.simulate_key(key)
        await pilot.pause(0)


async def type_into(pilot, field: str, text: str) -> None:
    """Focus the field, clear it (home, ctrl+k) and type ``text`` key by key; returns once
    the screen shows the field's verdict (its reason, or its hint when valid)."""
    control = pilot.app.screen.query_one(f"#{field}", Input)
    field_row = row(pilot.app.screen, field)
    control.focus()
    await press_now(pilot, "home", "ctrl+k", *text)

    def shown() -> bool:
        result = control.validate(control.value)
        expected = field_row.hint if result is None or result.is_valid else result.failure_descriptions[0]
        return control.value == text and text_of(field_row.query_one(".field-reason")) == expected
    await wait_until(pilot, shown, what=f"{field} to read {text!r} and show its verdict")
    await pilot.pause()   # and whatever else the screen does with the change (other fields, summary)


async def choose(pilot, field: str, value) -> None:
    """Pick ``value`` in a Select with the keyboard: focus, open, arrow to it, enter."""
    select = pilot.app.screen.query_one(f"#{field}", Select)
    values = [v for _, v in select._options]
    select.focus()
    await press_now(pilot, "enter")
    await wait_until(pilot, lambda: select.expanded, what=f"{field}'s list to open")
    steps = values.index(value) - values.index(select.value)
    await press_now(pilot, *(["down"] * steps if steps > 0 else ["up"] * -steps), "enter")
    await wait_until(pilot, lambda: select.value == value, what=f"{field} to be {value}")
    await pilot.pause()


async def enter(pilot, **fields: str) -> None:
    """Put each text in its field at once, as a paste does, and wait for every verdict.

    For tests whose subject comes after the form: typing key by key (``type_into``) costs
    a round through every widget of the screen per key, 1.5-4 s for a run's three fields on
    a loaded machine; the typing itself is checked by the tests that use ``type_into``."""
    screen = pilot.app.screen
    for name, text in fields.items():
        screen.query_one(f"#{name}", Input).value = text

    def shown(name: str, text: str) -> bool:
        control, field_row = screen.query_one(f"#{name}", Input), row(screen, name)
        result = control.validate(control.value)
        expected = field_row.hint if result is None or result.is_valid else result.failure_descriptions[0]
        return control.value == text and text_of(field_row.query_one(".field-reason")) == expected
    await wait_until(pilot, lambda: all(shown(name, text) for name, text in fields.items()),
                     what=f"{', '.join(fields)} to show their verdicts")
    await pilot.pause()   # and whatever else the screen does with the changes (other fields, summary)


def row(screen, field: str) -> FieldRow:
    return screen.query_one(f"#row-{field}", FieldRow)


def text_of(widget: Static) -> str:
    return str(widget.render())


async def start_run(pilot, **fields: str) -> TrainingScreen:
    """Fill the form, press Start (ctrl+r) and return the training screen."""
    app = pilot.app
    await setup_screen(pilot)
    await enter(pilot, **fields)
    await press_now(pilot, "ctrl+r")
    await wait_until(pilot, lambda: isinstance(app.screen, TrainingScreen), what="the training screen")
    return app.screen


async def wait_ended(pilot, screen: TrainingScreen) -> None:
    await pilot.app.workers.wait_for_complete()
    await wait_until(pilot, lambda: screen.view.state in ("finished", "stopped", "diverged", "failed"),
                     what="the run's end to reach the screen")
    await pilot.pause()


# --------------------------------------------------------------------- setup
async def test_invalid_values_are_explained_beside_their_field_and_start_is_refused():
    app = ScratchnetApp()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await setup_screen(pilot)
        await type_into(pilot, "hidden", "12x,64")
        assert "'12x' is not a size" in row(screen, "hidden").error
        assert row(screen, "hidden").has_class("-invalid")

        await type_into(pilot, "lr", "0")
        assert row(screen, "lr").error == "learning rate must be > 0, got 0"
        await type_into(pilot, "lr", "abc")
        assert row(screen, "lr").error == "learning rate must be a number, not 'abc'"

        await type_into(pilot, "epochs", "0")
        assert row(screen, "epochs").error == "epochs must be >= 1, got 0"

        await type_into(pilot, "batch_size", "5000")
        assert "batch size 5000 is larger than the training set (3,600 samples" in row(screen, "batch_size").error

        # The summary lists what to fix; Start (the button, then the key) refuses and says why.
        summary = text_of(screen.query_one("#summary", Static))
        for label in ("Hidden layers", "Learning rate", "Epochs", "Batch size"):
            assert label in summary
        await pilot.click("#start")
        await pilot.pause()
        message = text_of(screen.query_one("#start-message", Static))
        assert message.startswith("Can't start: fix Hidden layers, Learning rate, Epochs, Batch size")
        assert isinstance(app.screen, SetupScreen)
        assert screen.focused is screen.query_one("#hidden", Input)   # taken to the first problem
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert isinstance(app.screen, SetupScreen) and app.training_worker is None

        # Fixing a field clears its reason and puts the hint back.
        await type_into(pilot, "hidden", "32")
        assert row(screen, "hidden").error is None
        assert text_of(row(screen, "hidden").query_one(".field-reason")) == row(screen, "hidden").hint
        # The batch limit follows the validation share: 3,600 fits the 3,600 training images
        # left at 0.1, not the 3,200 left at 0.2.
        await type_into(pilot, "batch_size", "3600")
        assert row(screen, "batch_size").error is None
        await type_into(pilot, "val_fraction", "0.2")
        assert "larger than the training set (3,200 samples" in row(screen, "batch_size").error


async def test_start_asked_while_the_dataset_loads_starts_once_it_has_loaded():
    """ctrl+r before the dataset is in: no stale "still loading" refusal, the run starts
    when the loading worker's DatasetLoaded arrives (posted here with the real dataset, so
    the moment is the test's, not a race with the loader's thread)."""
    app = ScratchnetApp(progress_interval=0.01)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await setup_screen(pilot)
        await enter(pilot, **SMALL_RUN)
        dataset, key = screen.dataset, screen.dataset_key
        screen.dataset = None              # as between choosing a dataset and its arrival
        await press_now(pilot, "ctrl+r")
        await pilot.pause()
        message = screen.query_one("#start-message", Static)
        assert "Starting as soon as the dataset has loaded" in text_of(message)
        assert not message.has_class("-error") and isinstance(app.screen, SetupScreen)
        screen.post_message(DatasetLoaded(key, dataset, None))
        await wait_until(pilot, lambda: isinstance(app.screen, TrainingScreen), what="the run to start")
        assert app.screen.view.epochs == 3
        await wait_ended(pilot, app.screen)


async def test_a_unicode_digit_in_hidden_layers_is_refused_beside_the_field_not_a_crash():
    """'²'.isdigit() is true and int('²') raises: typed into the real form, it must be a
    reason beside the field, and the app goes on (the other texts too)."""
    app = ScratchnetApp()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await setup_screen(pilot)
        await type_into(pilot, "hidden", "²")
        assert row(screen, "hidden").error == ("hidden layers must be sizes separated by commas, like 128,64; "
                                               "'²' is not a size")
        assert app.is_running and isinstance(app.screen, SetupScreen)
        for field, text in [("hidden", "64,³"), ("epochs", "²"), ("seed", "9" * 60), ("lr", "1e309")]:
            await type_into(pilot, field, text)
            assert row(screen, field).error, (field, text)
        assert app.is_running
        await type_into(pilot, "hidden", "٣٢")              # Arabic-Indic 32: a size
        assert row(screen, "hidden").error is None
        assert screen.read_form()[1].keys() == {"epochs", "seed", "lr"}


async def test_a_preset_fills_the_form_and_an_edit_makes_it_custom():
    app = ScratchnetApp()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await setup_screen(pilot)
        assert screen.query_one("#preset", Select).value == "default"
        await choose(pilot, "preset", "nielsen")
        await pilot.pause()
        nielsen = PRESETS["nielsen"].config
        assert screen.query_one("#hidden", Input).value == "30"
        assert screen.query_one("#lr", Input).value == "3"
        assert screen.query_one("#epochs", Input).value == "30"
        assert screen.query_one("#batch_size", Input).value == "10"
        assert screen.query_one("#activation", Select).value == "sigmoid"
        assert screen.query_one("#output", Select).value == nielsen.output
        assert screen.query_one("#optimizer", Select).value == "sgd"
        assert not row(screen, "beta1").display       # Adam's betas are hidden under SGD
        config, errors = screen.read_form()
        assert errors == {} and config.preset == "nielsen"
        assert config.with_changes(dataset=nielsen.dataset) == nielsen
        assert "the seed project reported ~95%" in row(screen, "preset").hint

        await type_into(pilot, "epochs", "5")
        assert screen.query_one("#preset", Select).value == CUSTOM
        assert "your own settings" in text_of(row(screen, "preset").query_one(".field-reason"))
        await type_into(pilot, "epochs", "30")                  # back to the preset's value
        assert screen.query_one("#preset", Select).value == "nielsen"


# ------------------------------------------------------------------ training
async def test_a_short_run_advances_the_epoch_counter_charts_and_table():
    app = ScratchnetApp(progress_interval=0.01)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await start_run(pilot, **SMALL_RUN)
        loss_chart = screen.query_one("#loss-chart", MetricChart)
        acc_chart = screen.query_one("#acc-chart", MetricChart)
        table = screen.query_one("#history", DataTable)
        seen_epochs, seen_points = set(), set()

        def watch() -> bool:
            seen_epochs.add(screen.view.epoch)
            seen_points.add(len(loss_chart.epochs))
            return screen.view.state == "finished"
        await wait_until(pilot, watch, what="the run to finish")

        assert max(seen_epochs) == 3 and len(seen_epochs) >= 2    # seen advancing, not just at the end
        assert screen.view.epoch == 3 and screen.view.epochs == 3
        assert "Epoch    3 / 3" in text_of(screen.query_one(StatusPanel))
        assert loss_chart.epochs == acc_chart.epochs == [1, 2, 3]
        assert len(loss_chart.train) == len(loss_chart.val) == 3
        assert all(0 <= v <= 100 for v in acc_chart.train + acc_chart.val)   # drawn in percent
        assert loss_chart.train[-1] < loss_chart.train[0]           # it learns
        assert table.row_count == 3
        assert table.get_row_at(2)[0] == "3"
        await app.workers.wait_for_complete()
        result = app.last_result
        assert result.status == "finished" and len(result.history) == 3
        assert [round(100 * a, 6) for a in result.history["val_acc"]] == [round(v, 6) for v in acc_chart.val]
        assert "Finished after 3 epochs. Test accuracy" in screen.notice_text


async def test_pause_freezes_the_run_resume_continues_stop_keeps_the_weights():
    app = ScratchnetApp(progress_interval=0.01)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await start_run(pilot, **LONG_RUN)
        # what the trainer itself reports (from its process): batches and epochs trained
        trained: list = []
        app.runner.add_listener(lambda event: trained.append(event)
                                if isinstance(event, (BatchProgress, EpochEnded)) else None)
        await wait_until(pilot, lambda: screen.view.epoch >= 1, what="a first epoch")
        assert screen.check_action("pause", ()) and not screen.check_action("resume", ())

        await press_now(pilot, "p")
        await wait_until(pilot, lambda: screen.view.state == "paused", what="the pause")
        assert "paused" in text_of(screen.query_one(StatusPanel))
        assert screen.check_action("resume", ()) and not screen.check_action("pause", ())
        frozen = (len(trained), screen.view.epoch, screen.view.batch, len(screen.rows))
        await pilot.pause(0.4)                                   # several epochs' worth of time
        assert (len(trained), screen.view.epoch, screen.view.batch, len(screen.rows)) == frozen

        await press_now(pilot, "p")                                    # the same key resumes
        await wait_until(pilot, lambda: screen.view.epoch > frozen[1], what="an epoch after resuming")
        assert screen.view.state == "running"

        await press_now(pilot, "s")
        await wait_ended(pilot, screen)
        assert screen.view.state == "stopped"
        assert "stopped" in text_of(screen.query_one(StatusPanel))
        assert "The weights trained so far and the history are kept." in screen.notice_text
        result = app.last_result
        assert result is not None and result.status == "stopped"
        assert result.network is not None
        assert len(result.history) == result.end.epochs_completed == screen.view.epoch >= 2
        assert result.end.test_acc is not None and result.end.test_acc > 0.5
        assert not screen.check_action("pause", ()) and not screen.check_action("stop", ())

        await pilot.press("b")                                   # back to the form, which is kept
        await pilot.pause()
        assert isinstance(app.screen, SetupScreen)
        assert app.screen.query_one("#epochs", Input).value == "5000"


async def test_a_diverging_run_says_so_with_the_hint():
    app = ScratchnetApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await setup_screen(pilot)
        await choose(pilot, "optimizer", "momentum")
        await choose(pilot, "activation", "leaky_relu")
        screen = await start_run(pilot, hidden="32", lr="10", batch_size="32", epochs="3")
        await wait_ended(pilot, screen)
        assert screen.view.state == "diverged"
        assert "diverged" in text_of(screen.query_one(StatusPanel))
        assert "Training diverged: the loss became" in screen.notice_text
        assert "Hint: lower the learning rate (now 10), for example to 1" in screen.notice_text
        assert screen.query_one("#notice-box").display
        assert app.last_result.status == "diverged"


async def test_quitting_mid_run_asks_then_ends_the_worker_at_once():
    # ctrl+q then y; ctrl+c twice (as in a terminal). q is the same action as ctrl+q (the
    # training screen's binding for app.quit): it is checked to ask, and n to keep training,
    # in the first run rather than in a third app and run of its own.
    for first, confirm in (("ctrl+q", "y"), ("ctrl+c", "ctrl+c")):
        app = ScratchnetApp(progress_interval=0.01)
        ended: list[tuple[float, object]] = []
        async with app.run_test(size=(80, 24)) as pilot:
            screen = await start_run(pilot, **LONG_RUN)
            await wait_until(pilot, lambda: screen.view.epoch >= 1, what="a first epoch")
            # Note when the trainer itself ends (Textual marks a thread worker cancelled at
            # exit whether or not its thread has returned, so the worker's state proves nothing).
            app.runner.add_listener(lambda event: ended.append((time.perf_counter(), event))
                                    if isinstance(event, RunEnded) else None)
            if first == "ctrl+q":
                await press_now(pilot, "q")
                await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="q to ask")
                await press_now(pilot, "n")
                await wait_until(pilot, lambda: app.screen is screen, what="n to keep training")
                assert app.return_code is None and app.training_active and not ended
            await press_now(pilot, first)
            await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), what=f"{first} to ask")
            assert app.return_code is None and app.training_active and not ended   # nothing lost yet
            pressed = time.perf_counter()
            await press_now(pilot, confirm)
            await wait_until(pilot, lambda: app.return_code is not None, what=f"{confirm} to quit")
        exited = time.perf_counter() - pressed
        while not ended and time.perf_counter() - pressed < 2.0:
            time.sleep(0.01)
        assert ended, f"{first}: the trainer did not end"
        when, event = ended[0]
        assert isinstance(event, Stopped), first
        # within a batch in fact (milliseconds); the margin is for a loaded test machine
        assert when - pressed < 2.0 and exited < 2.0, (first, when - pressed, exited)
        assert app.return_code == 0


async def test_no_key_stops_a_live_run_without_asking():
    app = ScratchnetApp(progress_interval=0.01)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await start_run(pilot, **LONG_RUN)
        await wait_until(pilot, lambda: screen.view.epoch >= 1, what="a first epoch")
        for key in ("b", "escape", "q"):
            await press_now(pilot, key)
            await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), what=f"{key} to ask")
            await press_now(pilot, "n")                       # keep training
            await wait_until(pilot, lambda: app.screen is screen, what="the question to close")
            assert app.training_active and screen.view.state == "running"
        epoch = screen.view.epoch
        await wait_until(pilot, lambda: screen.view.epoch > epoch, what="training to go on")
        await press_now(pilot, "b")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="b to ask")
        await press_now(pilot, "y")                           # stop and go back
        await wait_until(pilot, lambda: isinstance(app.screen, SetupScreen), what="back to setup")
        await app.workers.wait_for_complete()
        # the worker's end reaches the app as a message, handled after the worker is done
        await wait_until(pilot, lambda: app.last_result is not None, what="the run's result")
        assert app.last_result.status == "stopped"


async def test_a_killed_training_process_is_said_on_the_screen_not_waited_for():
    import os
    import signal

    app = ScratchnetApp(progress_interval=0.01)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await start_run(pilot, **LONG_RUN)
        await wait_until(pilot, lambda: screen.view.epoch >= 1, what="a first epoch")
        pid = app.runner.pid
        os.kill(pid, signal.SIGKILL)
        await wait_until(pilot, lambda: screen.view.state == "failed", what="the death to reach the screen")
        assert f"the training process (pid {pid}) was killed by signal 9 (SIGKILL)" in screen.notice_text
        assert "failed" in text_of(screen.query_one(StatusPanel))
        await wait_until(pilot, lambda: not app.training_active, what="the worker to end")
        await pilot.pause(0.1)
        assert not screen.check_action("pause", ()) and not screen.check_action("stop", ())
        assert app.run_store.info(app.run_path).status == "interrupted"   # resumable from the runs list
        await press_now(pilot, "b")                                      # nothing trains: no question
        await wait_until(pilot, lambda: isinstance(app.screen, SetupScreen), what="back to setup")


async def test_a_run_that_cannot_start_in_its_process_is_refused_with_the_reason():
    from tui_nn.runs.store import RunLock

    app = ScratchnetApp()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await start_run(pilot, hidden="16", epochs="1", batch_size="64")
        await wait_ended(pilot, screen)
        path = app.run_path
        await press_now(pilot, "b")
        await wait_until(pilot, lambda: isinstance(app.screen, SetupScreen), what="back to setup")
        lock = RunLock.take(path)          # another writer holds the run: its child must refuse
        try:
            assert app.start_training(screen.config, screen.dataset, resume_from=path) is None
            await wait_until(pilot, lambda: any("Can't start" in str(n.message) and "is being trained by"
                                                in str(n.message) for n in app._notifications),
                             what="the refusal")
            await wait_until(pilot, lambda: isinstance(app.screen, SetupScreen), what="back to setup")
            assert not app.training_active
        finally:
            lock.release()


async def test_the_last_configuration_is_remembered():
    app = ScratchnetApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await setup_screen(pilot)
        await choose(pilot, "augment", "none")
        screen = await start_run(pilot, hidden="48,16", epochs="2", batch_size="100", lr="0.002")
        await wait_ended(pilot, screen)
        assert screen.view.state == "finished"

    again = ScratchnetApp()                # a new instance reads the same settings directory
    async with again.run_test(size=(80, 24)) as pilot:
        screen = await setup_screen(pilot)
        values = {name: screen.query_one(f"#{name}", Input).value
                  for name in ("hidden", "epochs", "batch_size", "lr")}
        assert values == {"hidden": "48,16", "epochs": "2", "batch_size": "100", "lr": "0.002"}
        assert screen.query_one("#augment", Select).value == "none"
        assert screen.query_one("#preset", Select).value == CUSTOM
        # The finished run measured this machine's speed: the summary now estimates the time.
        assert "per epoch" in text_of(screen.query_one("#summary", Static))
        assert Settings().speeds()


# ------------------------------------------------------------ size, help, theme
async def test_a_terminal_too_small_shows_the_enlarge_message():
    app = ScratchnetApp()
    async with app.run_test(size=(50, 15)) as pilot:
        screen = await setup_screen(pilot)
        message = screen.query_one(TooSmall)
        assert app.has_class("-too-small")
        assert message.display and message.region.width == 50
        assert "Enlarge the terminal to at least 60x18" in text_of(message)
        assert "It is 50x15 now" in text_of(message)
        assert screen.query_one("#setup-body").region.area == 0
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        assert not app.has_class("-too-small")
        assert message.region.area == 0 and screen.query_one("#setup-body").region.area > 0


async def test_resizing_during_a_run_keeps_it_going():
    app = ScratchnetApp(progress_interval=0.01)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await start_run(pilot, **LONG_RUN)
        await wait_until(pilot, lambda: screen.view.epoch >= 1, what="a first epoch")
        await pilot.resize_terminal(59, 18)
        assert "It is 59x18 now" in text_of(screen.query_one(TooSmall))
        assert screen.query_one("#charts").region.area == 0
        epoch = screen.view.epoch
        await wait_until(pilot, lambda: screen.view.epoch > epoch, what="training on while too small")
        await pilot.resize_terminal(120, 40)
        assert screen.query_one("#charts").region.area > 0
        await press_now(pilot, "s")
        await wait_ended(pilot, screen)
        assert screen.view.state == "stopped"


async def test_help_opens_and_closes():
    app = ScratchnetApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await setup_screen(pilot)
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        # the setup screen's keys and the app's are there at once, the other screens' after
        first = app.screen.text()
        assert "Start training with these settings" in first and "Switch between" in first
        await wait_until(pilot, lambda: app.screen.complete, what="every screen's keys in the help")
        text = app.screen.text()
        for words in ("Everywhere", "Start training with these settings", "Pause training after this batch",
                      "Stop training; the trained weights and the history are kept", "Switch between"):
            assert words in text
        assert text.index("Start training with these settings") < text.index("Everywhere") < \
            text.index("Pause training after this batch")
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, SetupScreen)

        screen = await start_run(pilot, **SMALL_RUN)             # ? and F1 on the training screen
        await wait_ended(pilot, screen)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("f1")                                  # closes it too
        await pilot.pause()
        assert app.screen is screen


async def test_theme_toggle_switches_charts_and_is_remembered():
    app = ScratchnetApp()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await start_run(pilot, **SMALL_RUN)
        await wait_ended(pilot, screen)
        assert app.theme == DARK_THEME
        chart = screen.query_one("#loss-chart", MetricChart)
        assert set(SERIES_COLOURS[True]) <= drawn_colours(chart)
        await pilot.press("ctrl+t")
        await pilot.pause()
        assert app.theme == LIGHT_THEME and not app.current_theme.dark
        assert Settings().load_theme() == LIGHT_THEME
        assert set(SERIES_COLOURS[False]) <= drawn_colours(chart)     # lines redrawn for light
        assert not set(SERIES_COLOURS[True]) & drawn_colours(chart)
        await pilot.press("ctrl+t")
        await pilot.pause()
        assert app.theme == DARK_THEME

        await pilot.press("ctrl+t")
    again = ScratchnetApp()
    async with again.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert again.theme == LIGHT_THEME


async def test_a_screen_covered_during_a_theme_switch_has_the_new_theme_when_shown_again():
    """The app restyles only the screens in view on a theme switch (the setup form under
    another screen waits): coming back, the form is in the new theme, none of the old."""
    app = ScratchnetApp()
    async with app.run_test(size=(80, 24)) as pilot:
        setup = await setup_screen(pilot)
        field = setup.query_one("#hidden", Input)
        dark_screen, dark_field = setup.styles.background, field.styles.background
        await pilot.press("f2")
        await wait_until(pilot, lambda: app.screen is not setup and app.screen.is_mounted, what="the runs screen")
        await pilot.press("ctrl+t")
        await pilot.pause()
        assert app.theme == LIGHT_THEME
        assert app.screen.styles.background != dark_screen        # the runs screen in view: restyled
        assert setup.styles.background == dark_screen             # covered: not yet
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is setup, what="the setup screen")
        await pilot.pause()
        assert setup.styles.background == app.screen_stack[0].styles.background != dark_screen
        assert field.styles.background != dark_field
        assert setup.styles.background.hex == app.current_theme.to_color_system().background.hex
        await pilot.press("ctrl+t")      # back to dark for the tests after (the theme is saved)
        await pilot.pause()


def rules_of(stylesheet) -> list:
    """What a stylesheet's rules say, comparable between stylesheets."""
    return [(rule.selectors, str(rule.styles.get_rules())) for rule in stylesheet.rules]


def record_parses(stylesheet) -> list:
    """The CSS sources Textual's own parser parses from now on (a list that grows)."""
    from textual.css.stylesheet import Stylesheet

    parsed: list = []
    base_parse = Stylesheet._parse_rules

    def recording(self, css, read_from, *args, **kwargs):
        parsed.append(read_from)
        return base_parse(self, css, read_from, *args, **kwargs)
    Stylesheet._parse_rules = recording
    return parsed


async def test_a_theme_switch_parses_no_css_once_the_other_theme_was_parsed_ahead():
    """After the first frame, the other theme's rules are parsed while the app is idle
    (``styles/theme_rules.py``): ctrl+t then, and back, parse nothing, and the rules in use
    are those Textual's own parse gives for that theme. After the switch, a new source (the
    command palette's widgets) is parsed alone, not with every other source again."""
    from textual.css.stylesheet import Stylesheet

    app = ScratchnetApp()
    base_parse = Stylesheet._parse_rules
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await setup_screen(pilot)
            other = app.stylesheet._rules_by_variables
            await wait_until(pilot, lambda: len(other) == 2 and all(
                len(kept) >= len(app.stylesheet.source) for kept in other.values()), what="the parse ahead")
            dark_rules = rules_of(app.stylesheet)
            parsed = record_parses(app.stylesheet)
            await pilot.press("ctrl+t")
            await pilot.pause()
            assert app.theme == LIGHT_THEME and parsed == []

            fresh = Stylesheet(variables=app.get_css_variables())
            fresh.source = dict(app.stylesheet.source)
            fresh.parse()
            assert rules_of(app.stylesheet) == rules_of(fresh) != dark_rules

            del parsed[:]   # the check's own parse
            sources = set(app.stylesheet.source)
            await pilot.press("ctrl+p")
            await wait_until(pilot, lambda: set(app.stylesheet.source) - sources, what="the palette's CSS")
            await pilot.pause()
            new = set(app.stylesheet.source) - sources
            assert parsed and set(parsed) <= new, (parsed, new)
            await pilot.press("escape")
            await pilot.pause()
            del parsed[:]
            await pilot.press("ctrl+t")      # back to dark for the tests after (the theme is saved)
            await pilot.pause()
            assert app.theme == DARK_THEME and set(parsed) <= new
    finally:
        Stylesheet._parse_rules = base_parse


def test_invalid_css_is_still_refused_and_the_rules_in_use_are_kept():
    from textual.css.stylesheet import StylesheetParseError

    from tui_nn.tui.styles.theme_rules import ThemeRulesStylesheet

    stylesheet = ThemeRulesStylesheet(variables={"accent": "red"})
    stylesheet.add_source("Static { color: $accent; }", read_from=("a.tcss", ""))
    stylesheet.parse()
    before = rules_of(stylesheet)
    stylesheet.add_source("Static { color: nonsense-colour; }", read_from=("b.tcss", ""))
    with pytest.raises(StylesheetParseError):
        stylesheet.reparse()
    assert rules_of(stylesheet) == before
    stylesheet.set_variables({"accent": "blue"})
    del stylesheet.source[("b.tcss", "")]
    stylesheet.reparse()
    assert rules_of(stylesheet) != before and "0, 0, 255" in str(rules_of(stylesheet))


def record_restyles(app, kind: type) -> list:
    """The nodes of ``kind`` the app's stylesheet restyles from now on (a list that grows)."""
    restyled: list = []
    update_nodes = app.stylesheet.update_nodes

    def recording(nodes, animate=False):
        nodes = list(nodes)
        restyled.extend(node for node in nodes if isinstance(node, kind))
        return update_nodes(nodes, animate)
    app.stylesheet.update_nodes = recording
    return restyled


async def test_a_screen_shown_again_is_restyled_only_if_the_apps_styles_changed_meanwhile():
    """Textual restyles a screen's whole tree each time it is pushed. The first time, it had
    just been styled widget by widget as it mounted; later, only the app's own state (its
    classes, pseudo-classes, theme) can have changed while it was covered
    (``DashboardScreen``). Help is kept between openings: shown again as it was, it is not
    restyled; shown after the terminal crossed a size class, it is, once."""
    app = ScratchnetApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await setup_screen(pilot)
        restyled = record_restyles(app, HelpScreen)

        async def open_and_close_help():
            await pilot.press("f1")
            await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen), what="help")
            await pilot.pause()
            shown = app.screen
            await pilot.press("escape")
            await wait_until(pilot, lambda: not isinstance(app.screen, HelpScreen), what="help closed")
            await pilot.pause()
            return shown

        help_screen = await open_and_close_help()
        assert not restyled
        assert help_screen.styles.background.a == 1       # its stylesheet applied all the same (opaque)
        assert await open_and_close_help() is help_screen
        assert not restyled
        assert not app.has_class("-short")
        await pilot.resize_terminal(80, 20)                # the app takes its -short class
        await pilot.pause()
        assert app.has_class("-short")
        await open_and_close_help()
        assert restyled == [help_screen]
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        await open_and_close_help()
        assert restyled == [help_screen, help_screen]


async def test_garbage_collection_paused_for_the_start_resumes_at_the_first_frame():
    """``scratchnet-tui`` pauses collections for its start-up (tui_nn/entry.py); the app
    resumes them when its first frame is drawn, with the start-up's objects frozen."""
    import gc

    frozen = gc.get_freeze_count()
    gc.disable()
    try:
        app = ScratchnetApp()
        async with app.run_test(size=(80, 24)) as pilot:
            await setup_screen(pilot)
            assert gc.isenabled()
            assert gc.get_freeze_count() > frozen
    finally:
        gc.enable()
        gc.unfreeze()      # this test process goes on: let the rest of the suite collect them


async def test_pausing_changes_the_footers_p_key_in_place_at_the_same_width():
    """The footer's keys are updated where they are when only their words change (p: Pause,
    Resume): no new key widgets, and p keeps its width, so nothing is laid out again."""
    from textual.widgets._footer import FooterKey

    app = ScratchnetApp()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await start_run(pilot, epochs="500", hidden="16")
        await wait_until(pilot, lambda: screen.view.state == "running", what="the run to start")
        await pilot.pause()
        footer = screen.query_one("Footer")
        keys = list(footer.query(FooterKey))
        pause_key = next(key for key in keys if key.key == "p")
        assert pause_key.description.strip() == "Pause" and pause_key.action == "pause"
        width = pause_key.size.width
        await pilot.press("p")
        await wait_until(pilot, lambda: screen.view.state == "paused", what="the pause")
        await wait_until(pilot, lambda: pause_key.description.strip() == "Resume", what="p Resume")
        assert list(footer.query(FooterKey)) == keys          # the same widgets, not rebuilt
        assert pause_key.action == "resume" and pause_key.size.width == width
        await pilot.press("p")
        await wait_until(pilot, lambda: pause_key.description.strip() == "Pause", what="p Pause again")
        assert pause_key.size.width == width
        await pilot.press("s")
        await wait_ended(pilot, screen)


async def test_a_rebuilt_footer_does_not_restyle_its_new_keys_one_by_one():
    """The runs filter (/) shows other keys: the footer is rebuilt. Its new keys come styled
    from their mount, not restyled each after it (twice a key, 3-15 ms each)."""
    from textual.widgets._footer import FooterKey

    app = ScratchnetApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await setup_screen(pilot)
        await pilot.press("f2")
        await wait_until(pilot, lambda: app.screen.query("#runs-filter-input"), what="the runs screen")
        await pilot.pause()
        restyled = record_restyles(app, FooterKey)
        before = set(app.screen.query(FooterKey))
        await pilot.press("slash")
        await wait_until(pilot, lambda: set(app.screen.query(FooterKey)) - before, what="the filter's footer")
        await pilot.pause()
        keys = list(app.screen.query(FooterKey))
        assert len(keys) >= 5 and len(restyled) <= 1, (len(keys), restyled)


async def test_a_theme_switch_restyles_what_is_in_view_first_and_the_rest_after():
    """Rows scrolled out of view are restyled once the frame with the new theme is drawn:
    afterwards, none keeps the old theme's colours."""
    app = ScratchnetApp()
    async with app.run_test(size=(80, 24)) as pilot:
        setup = await setup_screen(pilot)
        await wait_until(pilot, lambda: setup.form_ready, what="the whole form")
        await pilot.pause()
        now, later = app._in_view_first(setup)
        out_of_view = [node for node in later if isinstance(node, Input)]
        assert out_of_view and setup.query_one("#preset") in now
        old = {node: node.styles.background for node in out_of_view}
        await pilot.press("ctrl+t")
        await pilot.pause()
        assert app.theme == LIGHT_THEME
        assert all(node.styles.background != old[node] for node in out_of_view)
        await pilot.press("ctrl+t")      # back to dark for the tests after (the theme is saved)
        await pilot.pause()


def drawn_colours(chart: MetricChart) -> set[tuple[int, int, int]]:
    """The foreground colours in the chart as it renders now."""
    text = chart.render()
    return {tuple(span.style.color.triplet) for span in text.spans
            if not isinstance(span.style, str) and span.style.color and span.style.color.triplet}


def test_a_crashed_dashboard_never_exits_with_status_0(tmp_path):
    import subprocess
    import sys

    code = ("import sys\n"
            "from tui_nn.tui.app import ScratchnetApp, run_app\n"
            "def broken(self):\n"
            "    raise RuntimeError('a bug in the dashboard')\n"
            "ScratchnetApp.action_help = broken\n"
            "ScratchnetApp.on_ready = lambda self: self.call_later(self.action_help)\n"
            "sys.exit(run_app(headless=True))\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode != 0, proc.stdout + proc.stderr
    assert "a bug in the dashboard" in proc.stdout + proc.stderr


async def test_the_footer_offers_only_what_applies_and_quit_once():
    from textual.widgets._footer import FooterKey

    def footer(app) -> list[str]:
        return [key.description for key in app.screen.query(FooterKey)]
    app = ScratchnetApp(progress_interval=0.01)
    async with app.run_test(size=(100, 24)) as pilot:
        screen = await start_run(pilot, hidden="8", epochs="2", batch_size="64")
        await wait_ended(pilot, screen)
        await pilot.pause(0.2)
        keys = footer(app)
        assert "Stop" not in keys and "Pause" not in keys and "Inspect" in keys
        assert keys.count("Quit") == 1, keys
        await press_now(pilot, "q")                   # q still quits, without asking: nothing trains
        await wait_until(pilot, lambda: app.return_code is not None, what="q to quit")


# ------------------------------------------------------- what fits at 80x24 and 60x18
async def test_the_training_screen_fits_80_columns_with_accuracy_as_a_percent():
    from tui_nn.tui.widgets.charts import epoch_ticks

    app = ScratchnetApp()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await start_run(pilot, hidden="16", epochs="7", batch_size="64")
        await wait_ended(pilot, screen)
        table = screen.query_one("#history", DataTable)
        widths = sum(column.get_render_width(table) for column in table.ordered_columns)
        assert widths <= table.scrollable_content_region.width      # every column, values whole
        assert str(table.get_row_at(0)[1]).endswith("%")             # val acc, as everywhere else
        status = text_of(screen.query_one(StatusPanel))
        assert "Val acc" in status and "%" in status and "0." not in status.split("Val acc")[1]
        room = 80 - len(app.title) - 22
        assert len(screen.sub_title) <= room and "784-16-10" in screen.sub_title
        running = screen.query_one("#running", Static)
        assert len(text_of(running)) <= running.size.width
        loss = screen.query_one("#loss-chart", MetricChart)
        assert loss._y_range()[0] >= 0                                 # the loss axis stops at zero
        assert epoch_ticks(7)[-1] == 7 and epoch_ticks(15)[-1] == 15 and epoch_ticks(100)[-1] == 100


async def test_a_short_terminal_shows_the_charts_or_the_figures_in_turn():
    app = ScratchnetApp()
    async with app.run_test(size=(60, 18)) as pilot:
        screen = await start_run(pilot, hidden="16", epochs="3", batch_size="64")
        await wait_ended(pilot, screen)
        charts, lower = screen.query_one("#charts"), screen.query_one("#lower")
        assert not charts.display and lower.display
        assert "switch_view" in {binding.binding.action for binding in app.active_bindings.values()}
        await pilot.press("v")
        await pilot.pause()
        assert charts.display and not lower.display
        chart = screen.query_one("#loss-chart", MetricChart)
        assert chart.size.height >= 12      # tall enough to show a curve, not one row
        await pilot.press("v")
        await pilot.pause()
        assert lower.display and not charts.display


async def test_without_colour_train_and_validation_have_different_markers(monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    app = ScratchnetApp()
    async with app.run_test(size=(80, 24)) as pilot:
        assert app.no_color
        screen = await start_run(pilot, hidden="16", epochs="3", batch_size="64")
        await wait_ended(pilot, screen)
        drawn = str(screen.query_one("#acc-chart", MetricChart).render())
        assert "xx validation" in drawn and "x" in drawn.split("validation", 1)[1]


async def test_focus_shows_without_colour(monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    app = ScratchnetApp()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await setup_screen(pilot)
        assert app.has_class("-few-colours")
        field = screen.query_one("#epochs", Input)
        field.focus()
        await pilot.pause()
        assert "reverse" in str(field.styles.text_style)
        await pilot.press("tab")
        await pilot.pause()
        assert "reverse" not in str(field.styles.text_style)       # only the focused field


@pytest.mark.parametrize("open_key, shown, close_key", [("f1", HelpScreen, "escape"), ("b", ConfirmScreen, "n")],
                         ids=["help", "the stop question"])
async def test_nothing_is_drawn_while_a_screen_covers_a_training_run(open_key, shown, close_key):
    """Help is opaque: Textual's own list of background screens held the training screen
    under it, and every redraw there repainted the whole terminal, 10 times a second (14
    frames a second). The stop question dims the run: each repaint under it made the dialog
    blend the whole screen into its background again, and a screen once repainted that way
    marked itself to be repainted again after every message (13 a second). Neither draws now;
    the run goes on, and closing the screen shows the epochs that ended meanwhile."""
    app = ScratchnetApp()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await start_run(pilot, **LONG_RUN)
        await wait_until(pilot, lambda: screen.view.batch > 0, what="batches to report progress")
        try:
            await pilot.press(open_key)
            await wait_until(pilot, lambda: isinstance(app.screen, shown), what=shown.__name__)
            await pilot.pause(0.3)
            table = screen.query_one("#history", DataTable)
            frames: list = []
            display = app._display
            app._display = lambda drawn, renderable: (frames.append(drawn), display(drawn, renderable))[1]
            shown_rows = table.row_count
            await pilot.pause(1.0)
            del app._display
            epochs = len(screen.rows)
            assert epochs > shown_rows and table.row_count == shown_rows   # the run went on, unseen
            assert len(frames) <= 1, frames
            await pilot.press(close_key)
            await wait_until(pilot, lambda: app.screen is screen, what="the training screen")
            await pilot.pause()
            assert table.row_count >= epochs and screen.view.state == "running"
        finally:   # a live run left behind would keep the test process waiting for it
            if app.screen is not screen:
                await pilot.press(close_key)
            await pilot.press("s")
            await wait_ended(pilot, screen)


async def test_full_collections_wait_for_a_quiet_moment_and_python_gets_them_back_after():
    """While the app runs, Python's own full collections are off; the app's collector runs
    one when due and no key came for a while, never right after a key."""
    import gc

    from tui_nn.tui import idle_collection

    thresholds = gc.get_threshold()
    app = ScratchnetApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await setup_screen(pilot)
        collector = app._collector
        assert gc.get_threshold()[2] == idle_collection.NEVER
        collector._last_full -= idle_collection.AT_MOST_EVERY          # long ago
        for _ in range(idle_collection.MIDDLE_COLLECTIONS):
            gc.collect(1)
        assert collector.due()
        full = gc.get_stats()[2]["collections"]
        await pilot.press("f1")                                        # a key just came
        assert not collector.check() and gc.get_stats()[2]["collections"] == full
        app.last_key_at -= idle_collection.QUIET_FOR
        assert collector.check() and gc.get_stats()[2]["collections"] == full + 1
        assert not collector.due()
    assert gc.get_threshold() == thresholds


async def test_fast_epochs_are_drawn_at_most_once_a_second_and_all_of_them_in_the_end():
    """A small model on the sample ends about five epochs a second: the table and the charts
    are drawn at most once a second while it runs (they were drawn at every redraw, most of
    the app's time), and every epoch is there once the run has ended."""
    app = ScratchnetApp()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await start_run(pilot, **LONG_RUN)
        await wait_until(pilot, lambda: len(screen.rows) >= 2, what="two epochs")
        chart = screen.query_one("#loss-chart", MetricChart)
        draws: list[int] = []
        set_data = chart.set_data
        chart.set_data = lambda epochs, train, val: (draws.append(len(epochs)), set_data(epochs, train, val))[1]
        try:
            first = len(screen.rows)
            await pilot.pause(2.2)
            assert len(screen.rows) - first >= 4, "the run was too slow to test this"
            assert 1 <= len(draws) <= 3, draws
            assert draws == sorted(draws) and draws[-1] > first    # each draw has the epochs so far
        finally:
            await pilot.press("s")
            await wait_ended(pilot, screen)
        del chart.set_data
        await pilot.pause()
        assert screen.query_one("#history", DataTable).row_count == len(screen.rows)
        assert chart.epochs == [row["epoch"] for row in screen.rows]
