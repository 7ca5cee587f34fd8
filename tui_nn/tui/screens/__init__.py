"""The dashboard's screens, one module per screen or a package per area:

    setup.py      hyperparameters in, a started run out (the default screen)
    download.py   the dataset download dialog, over the setup screen
    training.py   one run, live
    help.py       every key, generated from the bindings of the screens registered here
    runs/         the runs table, its Textual-free model, its dialogs, compare, one run's charts
    inspect/      an ended run's model: mistakes, confusion, draw, weights (and their registry)

``help_screens()`` is the registry the help screen reads: every screen class the app can
show, with the title its keys are listed under. A new screen is added there.
"""

from __future__ import annotations


def help_screens() -> list[tuple[str, type]]:
    """(title, screen class) of every screen the app can show, in the order the help lists
    them. Imported on call, so importing ``screens`` loads no screen (and no Textual)."""
    from .confirm import ConfirmScreen
    from .download import DownloadScreen
    from .help import HelpScreen
    from .inspect import (ConfusionScreen, DrawScreen, InspectKeysScreen, InspectScreen, MistakesScreen,
                          WeightsScreen)
    from .runs.compare import CompareScreen, RunChartsScreen
    from .runs.dialogs import ConfirmDeleteScreen, ExportRunsScreen, RenameRunScreen, RunActionsMenu
    from .runs.table import RunsScreen
    from .setup import SetupScreen
    from .training import TrainingScreen

    return [
        ("Setup screen", SetupScreen),
        ("Download dialog", DownloadScreen),
        ("Training screen", TrainingScreen),
        ("Runs list (F2)", RunsScreen),
        ("Run actions menu (enter in the runs list)", RunActionsMenu),
        ("Rename and resume dialogs", RenameRunScreen),
        ("Delete dialog", ConfirmDeleteScreen),
        ("Export dialog", ExportRunsScreen),
        ("Compare runs (c in the runs list)", CompareScreen),
        ("Charts of one run (v in the runs list)", RunChartsScreen),
        ("Inspection screens (i on an ended run)", InspectScreen),
        ("Misclassified images", MistakesScreen),
        ("Confusion matrix", ConfusionScreen),
        ("Draw a digit", DrawScreen),
        ("First-layer weights", WeightsScreen),
        ("Keys of an inspection screen", InspectKeysScreen),
        ("Stop or quit a training run? (asked first)", ConfirmScreen),
        ("This help", HelpScreen),
    ]
