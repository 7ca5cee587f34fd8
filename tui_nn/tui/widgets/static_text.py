"""Updating a Static only when what it shows changes.

``Static.update`` asks for a layout pass of the whole screen (tens of milliseconds on the
setup form, and a full repaint in the terminal) even when the new text is the old one; most
updates on a key or a timer repeat what is shown.
"""

from __future__ import annotations

from textual.widgets import Static


def show_text(static: Static, content, *, layout: bool = True) -> bool:
    """``static.update(content)`` unless it shows ``content`` already; ``layout=False``
    where the widget's size does not depend on its text (a fixed height and width).
    Returns whether it updated."""
    if static.content == content:
        return False
    static.update(content, layout=layout)
    return True
