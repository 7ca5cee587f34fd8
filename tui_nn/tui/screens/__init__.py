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


# (title, "module:Class" under this package): names, so that the help can list the current
# screen's keys at once and import the others (compare brings plotext, the inspection
# screens NumPy: up to a second on a first F1) off the UI thread.
HELP_SCREENS: list[tuple[str, str]] = [
    ("Setup screen", "setup:SetupScreen"),
    ("Download dialog", "download:DownloadScreen"),
    ("Training screen", "training:TrainingScreen"),
    ("Runs list (F2)", "runs.table:RunsScreen"),
    ("Run actions menu (enter in the runs list)", "runs.dialogs:RunActionsMenu"),
    ("Rename and resume dialogs", "runs.dialogs:RenameRunScreen"),
    ("Delete dialog", "runs.dialogs:ConfirmDeleteScreen"),
    ("Export dialog", "runs.dialogs:ExportRunsScreen"),
    ("Compare runs (c in the runs list)", "runs.compare:CompareScreen"),
    ("Charts of one run (v in the runs list)", "runs.compare:RunChartsScreen"),
    ("Inspection screens (i on an ended run)", "inspect.base:InspectScreen"),
    ("Misclassified images", "inspect.mistakes:MistakesScreen"),
    ("Confusion matrix", "inspect.confusion:ConfusionScreen"),
    ("Draw a digit", "inspect.draw:DrawScreen"),
    ("First-layer weights", "inspect.weights:WeightsScreen"),
    ("Keys of an inspection screen", "inspect.base:InspectKeysScreen"),
    ("Stop or quit a training run? (asked first)", "confirm:ConfirmScreen"),
    ("This help", "help:HelpScreen"),
]


def _name_of(cls: type) -> str:
    return f"{cls.__module__.removeprefix(__name__ + '.')}:{cls.__qualname__}"


def help_screens() -> list[tuple[str, type]]:
    """(title, screen class) of every screen the app can show, in the order the help lists
    them. Imported on call, so importing ``screens`` loads no screen (and no Textual)."""
    from importlib import import_module

    out = []
    for title, name in HELP_SCREENS:
        module, _, qualname = name.partition(":")
        out.append((title, getattr(import_module(f"{__name__}.{module}"), qualname)))
    return out


def help_screens_of(cls: type) -> list[tuple[str, type]]:
    """The registry's entries for ``cls`` and the classes it is built on (the inspection
    screens' shared keys), ``cls`` first: without importing any other screen."""
    titles = {name: title for title, name in HELP_SCREENS}
    return [(titles[_name_of(base)], base) for base in cls.__mro__ if _name_of(base) in titles]
