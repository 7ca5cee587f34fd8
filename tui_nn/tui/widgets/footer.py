"""The footer: Textual's, rebuilt only when the keys it shows change.

Textual's Footer recomposes (unmounts every key, mounts and styles new ones) on every bindings
refresh: a focus change, a screen resumed, a run pausing and then paused. Profiled in a real
terminal while the default preset trained, building footer keys was about two thirds of the
event loop's busy time (pyinstrument, p pressed 20 times), and each new key costs 5-15 ms to
style and draw. This one compares what it would show (each shown binding's key, display,
description, enabled state and tooltip) with what it shows: nothing changed, nothing is done;
the same keys with other words or states (p "Pause" becoming "Resume"), the keys are updated
where they are; other keys, it recomposes. A key's words are padded to the widest its screen
gives that key ("Pause " beside "Resume"): a key that changed width relaid the whole screen
out twice, 40-70 ms each while the default preset trained.
"""

from __future__ import annotations

from rich.cells import cell_len
from textual.screen import Screen
from textual.widgets import Footer as TextualFooter
from textual.widgets._footer import FooterKey


class Footer(TextualFooter):
    _shown: tuple | None = None

    def compose(self):
        for widget in super().compose():
            if isinstance(widget, FooterKey):
                widget.description = self._padded(widget.key, widget.description)
                # Its compact setting (the footer's; the palette key keeps its own) and the class
                # that follows from it, given now: a key mounted with FooterKey's default and then
                # bound to the footer's restyled itself twice (3-15 ms each, a dozen keys).
                compact = widget.compact if widget.has_class("-command-palette") else self.compact
                widget.set_reactive(FooterKey.compact, compact)
                widget.set_class(compact, "-compact", update=False)
            yield widget

    def _padded(self, key: str, description: str) -> str:
        """``description`` with spaces to the width of the widest shown binding of ``key``
        on this screen, so that the key keeps its width whichever of them it shows."""
        if not description:
            return description
        widest = max((cell_len(b.description) for b in self.screen._bindings.key_to_bindings.get(key, ())
                      if b.show), default=0)
        return description + " " * (widest - cell_len(description))

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
            before, self._shown = self._shown, shown
            if before is not None and self._update_in_place(shown):
                return
        super().bindings_changed(screen)

    def _keys(self, shown: tuple) -> list[tuple] | None:
        """(key, display, description, action, disabled, tooltip) of each key ``compose``
        would show, in its order (the first binding of each action, then the palette's);
        None if any binding is in a group (a group is drawn as one box: recompose)."""
        bindings, palette = shown
        if any(group is not None for _key, _display, _description, _action, group, _enabled, _tooltip in bindings):
            return None
        keys, actions = [], set()
        for key, display, description, action, _group, enabled, tooltip in bindings:
            if action not in actions:
                actions.add(action)
                keys.append((key, display, description, action, not enabled, tooltip))
        if palette:
            try:
                _node, binding, enabled, _tooltip = self.screen.active_bindings[self.app.COMMAND_PALETTE_BINDING]
            except KeyError:
                pass
            else:
                keys.append((binding.key, self.app.get_key_display(binding), binding.description, binding.action,
                             not enabled, binding.tooltip or binding.description))
        return keys

    def _update_in_place(self, shown: tuple) -> bool:
        """Give the keys drawn now their new words, actions and states, if they are the
        same keys in the same order; False (nothing done) otherwise."""
        keys = self._keys(shown)
        widgets = list(self.query_children(FooterKey))
        if keys is None or len(keys) != len(widgets) or any(w.key != k[0] for w, k in zip(widgets, keys)):
            return False
        for widget, (key, display, description, action, disabled, tooltip) in zip(widgets, keys):
            description = self._padded(key, description)
            if (widget.key_display, widget.description, widget.action, widget._disabled) == (
                    display, description, action, disabled) and widget.tooltip == (tooltip or None):
                continue
            widget.action = action   # p: "pause" while running, "resume" while paused
            resized = cell_len(display) + cell_len(description) != cell_len(widget.key_display) + cell_len(widget.description)
            widget.key_display, widget.description = display, description
            widget._disabled = disabled            # read by FooterKey on a click
            widget.set_class(disabled, "-disabled")
            widget.tooltip = tooltip or None
            widget.refresh(layout=resized)
        return True
