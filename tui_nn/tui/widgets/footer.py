"""The footer: Textual's, rebuilt only when what it shows changes.

Textual's Footer recomposes (unmounts every key, mounts and styles new ones) on every bindings
refresh: a focus change, a screen resumed, a run pausing and then paused. Profiled in a real
terminal while the default preset trained (pyinstrument, p pressed 20 times), building footer
keys was about two thirds of the event loop's busy time. This one compares what it would show
(each shown binding's key, display, description, enabled state and tooltip) with what it
shows, and recomposes only when they differ.
"""

from __future__ import annotations

from textual.screen import Screen
from textual.widgets import Footer as TextualFooter


class Footer(TextualFooter):
    _shown: tuple | None = None

    def _would_show(self) -> tuple:
        app = self.app
        shown = tuple((binding.key, app.get_key_display(binding), binding.description, binding.action,
                       binding.group, enabled, tooltip)
                      for _node, binding, enabled, tooltip in self.screen.active_bindings.values() if binding.show)
        return shown, self.show_command_palette and app.ENABLE_COMMAND_PALETTE

    def bindings_changed(self, screen: Screen) -> None:
        if self.is_attached and screen is self.screen and screen.app.app_focus:
            shown = self._would_show()
            if shown == self._shown:
                self._bindings_ready = True
                return
            self._shown = shown
        super().bindings_changed(screen)
