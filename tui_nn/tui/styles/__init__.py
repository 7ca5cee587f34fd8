"""The dashboard's stylesheets, one per area of the screen:

    app.tcss       shared by every screen: panels, the enlarge message (App.-too-small)
    setup.tcss     the setup form          download.tcss  the download dialog
    training.tcss  the live run            help.tcss      the keys help
    runs.tcss      the runs list, its dialogs, compare and one run's charts
    inspect.tcss   the inspection screens and their keys modal
    confirm.tcss   the question asked before stopping or quitting a live run
    sweep.tcss     the sweep's set-up and the sweep live
    learning.tcss  how a run learns: per-batch loss, layer health
    tune.tcss      the Tune dialog: live changes of a running run

One way to load them: every class that a stylesheet styles names it in its own
``CSS_PATH = css_path("...")`` (the App for app.tcss, each screen and dialog for its
area's). The path is absolute, so the screens find their styles under any App that shows
them (tests and scripts host them in their own Apps). Textual reads a screen's CSS_PATH
when the screen is first pushed, and then restyles every widget of the app; it skips the
App's default screen (checked with Textual 8.2.8). So the dashboard's App names every
stylesheet (``stylesheets()``) and no push reads one.
"""

from __future__ import annotations

from pathlib import Path

STYLES_DIR = Path(__file__).resolve().parent

# The app's size classes, which the stylesheets reflow by (``ScratchnetApp._update_size_classes``)
NARROW_BELOW = 110   # columns: below this (-narrow) the setup summary goes under the form
SHORT_BELOW = 22     # rows: below this (-short) the training screen shows its charts or its figures, in turn


def css_path(name: str) -> str:
    """The absolute path of stylesheet ``name`` (e.g. "runs.tcss"), for a CSS_PATH."""
    path = STYLES_DIR / name
    if not path.is_file():
        raise FileNotFoundError(f"no stylesheet {name!r} in {STYLES_DIR}")
    return str(path)


def stylesheets() -> list[str]:
    """Every stylesheet of the folder, by name."""
    return sorted(p.name for p in STYLES_DIR.glob("*.tcss"))
