"""A screen's first showing without a second styling of every widget on it."""

from __future__ import annotations

from textual import events


class StyledAtMount:
    """Mixed into every screen of the app (before Textual's Screen or ModalScreen).

    Textual restyles a screen's whole tree each time it is shown, in case the app's styles
    changed while it was covered. The first time, right after it mounted, every widget was
    styled as it mounted: the restyle doubled a screen's first opening (0.1 s for the
    setup form). Later showings keep Textual's restyle; a theme switch made while a screen
    was covered is handled by the app (``ScratchnetApp.refresh_css``)."""

    _shown_before = False

    def _on_screen_resume(self, event: events.ScreenResume) -> None:
        # Runs before Screen's own handler of the same event (Textual calls one handler
        # per class of the MRO, the subclass's first).
        if not self._shown_before:
            self._shown_before = True
            event.refresh_styles = False
