"""The dashboard's first screen comes up without NumPy, pandas, plotext, the engine, the
trainer or the dataset readers (issue 11: they were most of the time to the first frame).

Each check runs in a fresh interpreter: this test process has imported everything already,
and a module imported at the top of any start-up module shows up there.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

HEAVY = ["numpy", "pandas", "plotext", "textual_plotext", "optuna", "threadpoolctl",
         "tui_nn.nn.network", "tui_nn.training.trainer", "tui_nn.runs.runner", "tui_nn.datasets.registry",
         "tui_nn.datasets.csv_reader", "tui_nn.datasets.idx", "tui_nn.datasets.npz_reader"]


def loaded_after(code: str, tmp_path: Path) -> list[str]:
    """The HEAVY modules a fresh interpreter holds after running ``code``."""
    script = code + f"\nimport json, sys\nprint(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))\n"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SCRATCHNET_CONFIG_DIR": str(tmp_path / "config"),
           "SCRATCHNET_DATA_DIR": str(tmp_path / "data"), "SCRATCHNET_RUNS_DIR": str(tmp_path / "runs")}
    done = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_dashboard_entry_imports_nothing_heavy(tmp_path):
    # what ``scratchnet-tui`` runs up to building the app: the command line's quick path
    # for the dashboard, then the app module with the setup screen
    code = """
from tui_nn.cli.main import main
from tui_nn.entry import _open_dashboard
import tui_nn.tui.app as app_module
built = []
status = main([], dashboard=lambda data_dir, runs_dir: built.append(app_module.ScratchnetApp()) or 0)
assert status == 0 and built
"""
    assert loaded_after(code, tmp_path) == []


def test_the_setup_screen_draws_and_takes_keys_without_numpy(tmp_path):
    # The last config names a dataset that is not downloaded, so nothing is loaded: the form,
    # its validation and its summary must then need no NumPy at all.
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "last_config.json").write_text('{"dataset": "fashion-mnist"}', encoding="utf-8")
    code = """
import asyncio
from tui_nn.tui.app import ScratchnetApp

async def drive():
    app = ScratchnetApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert type(screen).__name__ == "SetupScreen"
        screen.query_one("#epochs").focus()
        await pilot.press("end", *["backspace"] * 6, "1", "2", "tab")
        await pilot.pause()
        assert screen.query_one("#epochs").value == "12"
        assert "not downloaded" in (screen.query_one("#row-dataset").error or "")
asyncio.run(drive())
"""
    assert loaded_after(code, tmp_path) == []


def test_a_lazy_package_still_exports_its_names():
    # PEP 562 re-exports: the names resolve (once) to the submodules' own objects
    import tui_nn.datasets as datasets
    import tui_nn.nn as nn
    import tui_nn.training as training
    from tui_nn.datasets.registry import load_dataset
    from tui_nn.nn.network import Network
    from tui_nn.training.trainer import Trainer

    assert nn.Network is Network and training.Trainer is Trainer and datasets.load_dataset is load_dataset
    for package in (nn, datasets, training):
        assert set(package.__all__) <= set(dir(package))
        for name in package.__all__:
            getattr(package, name)


def test_the_names_the_config_checks_are_the_engines():
    # config.py validates against nn/names.py and training/augment_names.py, not the engine's
    # registries (which need NumPy): they must name the same choices, in the same order.
    from tui_nn.nn.activations import ACTIVATIONS
    from tui_nn.nn.initializers import INITS
    from tui_nn.nn.losses import LOSSES
    from tui_nn.nn.names import ACTIVATION_NAMES, INIT_NAMES, LOSS_NAMES, OPTIMIZER_NAMES
    from tui_nn.nn.optimizers import OPTIMIZERS, make_optimizer
    from tui_nn.training.augment import make_augmenter
    from tui_nn.training.augment_names import AUGMENT_HELP, AUGMENTS

    assert tuple(ACTIVATIONS) == ACTIVATION_NAMES and tuple(LOSSES) == LOSS_NAMES
    assert INITS == INIT_NAMES and OPTIMIZERS == OPTIMIZER_NAMES
    assert tuple(AUGMENT_HELP) == AUGMENTS
    import numpy as np
    for name in OPTIMIZER_NAMES:
        make_optimizer(name, np.zeros(3, np.float32), 0.1)
    for name in AUGMENTS:
        make_augmenter(name, 4)


def test_the_command_sets_a_short_escape_delay_unless_the_user_set_one():
    """Textual delivers Escape (every screen's "back") only after ESCDELAY; the command sets
    25 ms before Textual is imported, and a user's ESCDELAY wins."""
    code = ("import os, sys\n"
            "from tui_nn.entry import main\n"
            "code = main(['presets'])\n"
            "import textual.constants as c\n"
            "print(code, os.environ['ESCDELAY'], c.ESCAPE_DELAY)\n")
    env = {k: v for k, v in os.environ.items() if k != "ESCDELAY"}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split()[-3:] == ["0", "25", "0.025"]
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                          env={**env, "ESCDELAY": "80"})
    assert done.returncode == 0, done.stderr
    assert done.stdout.split()[-3:] == ["0", "80", "0.08"]


def test_a_command_loads_its_own_module_only(tmp_path):
    # ``presets`` needs neither the engine, the readers nor Optuna: building the full parser
    # (every command's module) imported them all before the command began.
    code = """
import contextlib, io, sys
from tui_nn.cli.main import main
with contextlib.redirect_stdout(io.StringIO()) as out:
    assert main(["--runs-dir", "r", "presets"]) == 0
assert "default" in out.getvalue()
assert "tui_nn.cli.presets" in sys.modules
others = [m for m in ("tui_nn.cli.bench", "tui_nn.cli.lr_find", "tui_nn.cli.datasets", "tui_nn.cli.sweep")
          if m in sys.modules]
assert not others, others
"""
    assert loaded_after(code, tmp_path) == []


def test_help_and_an_unknown_command_still_list_every_command(capsys):
    from tui_nn.cli.main import COMMAND_MODULES, main
    for argv in (["--help"], ["--runs-dir", "r", "--help", "sweep"]):
        try:
            main(argv)
        except SystemExit as exit:
            assert exit.code == 0
        out = capsys.readouterr().out
        assert all(name in out for name in COMMAND_MODULES), out
    try:
        main(["nope"])
    except SystemExit as exit:
        assert exit.code == 2
    err = capsys.readouterr().err
    assert "invalid choice: 'nope'" in err and "sweeps" in err, err
