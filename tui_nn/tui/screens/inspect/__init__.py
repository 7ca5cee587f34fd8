"""The inspection screens of an ended run's model, and the registry of which key opens
which: mistakes (1), confusion (2), draw (3), weights (4).

``base.py`` holds what they share (tabs, number keys, escape, the keys modal) and imports
none of them; each screen module imports only ``base`` (the confusion matrix also the
mistakes list it opens on a cell). This module imports them all and hands the registry to
the base class, so a number key or a tab opens the screen it names.
"""

from __future__ import annotations

from ....inspection.data import InspectionData
from .base import InspectKeysScreen, InspectScreen, forget_kept_screens, kept_screen
from .confusion import ConfusionScreen
from .draw import DrawScreen
from .mistakes import MistakesScreen
from .weights import WeightsScreen

# In the order of the number keys and the tabs.
INSPECT_SCREENS: dict[str, type[InspectScreen]] = {
    screen.SCREEN_KEY: screen for screen in (MistakesScreen, ConfusionScreen, DrawScreen, WeightsScreen)
}
InspectScreen.SCREENS = INSPECT_SCREENS


def make_inspect_screen(key: str, data: InspectionData, **kwargs) -> InspectScreen:
    """A new inspection screen by key: mistakes, confusion, draw or weights."""
    if key not in INSPECT_SCREENS:
        raise ValueError(f"no inspection screen {key!r}; one of {', '.join(INSPECT_SCREENS)}")
    return INSPECT_SCREENS[key](data, **kwargs)


__all__ = ["INSPECT_SCREENS", "ConfusionScreen", "DrawScreen", "InspectKeysScreen", "InspectScreen",
           "MistakesScreen", "WeightsScreen", "forget_kept_screens", "kept_screen", "make_inspect_screen"]
