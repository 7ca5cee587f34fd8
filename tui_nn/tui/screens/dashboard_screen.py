"""What every screen of the dashboard adds to Textual's: no restyle of every widget each
time it is shown (unless the app's styles changed), and no endless repaint under a dialog."""

from __future__ import annotations

from textual import events


def app_style_state(app) -> tuple:
    """What of the app the stylesheet reads beyond each widget's own state: the app's
    classes (the size classes, -few-colours), its pseudo-classes (focus, blur, dark, light),
    and the CSS generation, which a theme switch moves on."""
    return frozenset(app.classes), frozenset(app.get_pseudo_classes()), app._css_update_count


class DashboardScreen:
    """Mixed into every screen of the app (before Textual's Screen or ModalScreen).

    Styles. Textual restyles a screen's whole tree each time it is shown, in case the app's styles
    changed while it was covered: for the training screen, 30-40 ms of every Escape that
    closed something over it. A widget's own changes (classes, focus, hover) restyle it
    wherever it is, covered or not; only the app's state (``app_style_state``) reaches a
    covered screen late. So a screen is restyled on showing only if that state moved since
    it was covered; the app does it (``ScratchnetApp._restyle_if_stale``). The first showing
    never is: every widget was styled as it mounted, just before.

    Repaints. Under a dialog that lets it show through (stop? quit? tune), a screen that
    repaints makes the dialog repaint, and Textual then marks the screen under for a whole
    repaint again, which it does at its next idle moment, after any message: with a run's
    progress arriving ten times a second, the dialog blended the whole screen under it
    into its background 15-25 times a second, through Rich, and the app had no time left.
    That mark is dropped here: the screen is repainted whole when it is shown again anyway
    (Textual's ScreenResume), and what changes under the dialog still reaches it."""

    styled_for: tuple | None = None    # app_style_state when last known styled; None: not yet shown

    def _on_screen_resume(self, event: events.ScreenResume) -> None:
        # Runs before Screen's own handler of the same event (Textual calls one handler
        # per class of the MRO, the subclass's first).
        event.refresh_styles = False
        if self.styled_for is None:
            self.styled_for = app_style_state(self.app)

    def _on_screen_suspend(self, event: events.ScreenSuspend) -> None:
        # While it was the current screen, every change of the app's state restyled it.
        self.styled_for = app_style_state(self.app)

    def _compositor_refresh(self) -> None:
        super()._compositor_refresh()
        if self is not self.app.screen:
            self._repaint_required = False

    def styles_are_stale(self) -> bool:
        """Whether the app's styles changed since this screen was last styled."""
        return self.styled_for is not None and self.styled_for != app_style_state(self.app)
