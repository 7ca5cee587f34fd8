"""What the four inspection screens share: the data they look at, the tabs row, the keys
that move between them (1-4), escape to go back, and a modal listing every key.

The screens are pushed over whatever screen opened them. Moving from one inspection
screen to another replaces the top screen (``switch_screen``), so escape always goes
back to where inspection began; the one exception is Enter on a confusion-matrix cell,
which pushes the filtered list over the matrix, so escape returns to the matrix.
What the user chose (list position, renderer, drawing, unit) lives in
``InspectionData.view`` and survives the moves.

The screens a number key opens are kept (installed in the app), one of each per
``InspectionData``: building one again was most of each move (a list of every mistake, a
confusion grid). Shown again, a kept screen takes from the view memory what another
screen changed meanwhile (``sync_with_memory``); ``forget_kept_screens`` lets them go
when another run is inspected.
"""

from __future__ import annotations

from typing import ClassVar, Mapping

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.events import Resize
from textual.markup import escape
from textual.screen import ModalScreen, Screen
from textual.widgets import Header, Static

from ....inspection.data import InspectionData
from ...keys import key_lines, screen_bindings
from ...styles import css_path
from ...widgets.digit_grid import best_renderer, has_colour, next_renderer
from ...widgets.footer import Footer
from ...widgets.inspect_parts import InspectNav
from ...widgets.too_small import TooSmall
from ..dashboard_screen import DashboardScreen
from ..kept import kept, kept_or_new

WIDE_FROM = 110     # columns: from here the screens use their wide layout (class -wide)
TALL_FROM = 36      # rows: from here a full-height ASCII image fits beside its chrome


def _kept_name(key: str, data: InspectionData) -> str:
    # the installed screens hold their data, so its id names it uniquely while they live
    return f"inspect-{key}-{id(data)}"


def kept_screen(app: App, key: str, data: InspectionData, *, renderer: str | None = None) -> InspectScreen:
    """The inspection screen ``key`` of ``data``, built and installed on first use. One that is
    already on the screen stack (lower down) is not pushed twice: a new one is made."""
    make = InspectScreen.SCREENS[key]
    return kept_or_new(app, _kept_name(key, data), lambda: make(data, renderer=renderer))


def forget_kept_screens(app: App, data: InspectionData) -> None:
    """Uninstall the kept screens of ``data`` (another run is inspected now)."""
    for key in InspectScreen.SCREENS:
        name = _kept_name(key, data)
        if app.is_screen_installed(name) and app.get_screen(name) not in app.screen_stack:
            app.uninstall_screen(name)


class InspectScreen(DashboardScreen, Screen):
    """Base of the inspection screens. Subclasses set ``SCREEN_KEY`` and compose their
    body between ``compose_top()`` and the Footer.

    This module knows none of its subclasses: ``SCREENS``, which key opens which screen
    (in the order of the number keys), is the registry of ``screens/inspect/__init__.py``,
    which sets it once every screen is defined."""

    CSS_PATH = css_path("inspect.tcss")
    SCREEN_KEY = ""
    TAB_LABEL = ""      # its name in the tabs row and the keys modal
    SCREENS: ClassVar[Mapping[str, type["InspectScreen"]]] = {}
    BINDINGS = [
        Binding("escape", "back", "Back", id="inspect-back", tooltip="Close inspection (back to where it opened)"),
        Binding("question_mark", "keys", "Keys", id="inspect-keys", tooltip="List every key of this screen"),
        Binding("1", "jump('mistakes')", "Mistakes", id="inspect-mistakes", show=False,
                tooltip="The misclassified images"),
        Binding("2", "jump('confusion')", "Confusion", id="inspect-confusion", show=False,
                tooltip="The confusion matrix"),
        Binding("3", "jump('draw')", "Draw", id="inspect-draw", show=False, tooltip="Draw a digit for the model"),
        Binding("4", "jump('weights')", "Weights", id="inspect-weights", show=False,
                tooltip="First-layer weights of each hidden unit"),
    ]
    # Keys handled inside a widget of the screen, listed by the keys modal: (keys, what).
    WIDGET_KEYS: tuple[tuple[str, str], ...] = ()

    def __init__(self, data: InspectionData, *, renderer: str | None = None) -> None:
        super().__init__()
        self.data = data
        self.fixed_renderer = renderer   # None: the best that fits, chosen on resize
        self.renderer = renderer or "ascii-half"

    def memory(self) -> dict:
        """This screen's part of the shared view memory."""
        return self.data.view.setdefault(self.SCREEN_KEY, {})

    def compose_top(self) -> ComposeResult:
        yield Header()
        yield TooSmall()
        yield InspectNav(self.SCREEN_KEY, self.data.title,
                         tabs=[(key, screen.TAB_LABEL) for key, screen in self.SCREENS.items()])

    def compose_bottom(self) -> ComposeResult:
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = f"inspect {self.data.title}".strip()
        self._mounted = True
        self._apply_size(self.app.size.width, self.app.size.height)

    def on_resize(self, event: Resize) -> None:
        if getattr(self, "_mounted", False):
            self._apply_size(event.size.width, event.size.height)

    def on_screen_resume(self) -> None:
        # A kept screen shown again: the renderer chosen on another screen, and what else the
        # view memory says now.
        if not getattr(self, "_mounted", False):
            return
        renderer = self.data.view.get("renderer")
        if renderer is not None and renderer != self.fixed_renderer:
            self.fixed_renderer = renderer
            self._apply_size(self.app.size.width, self.app.size.height)
        self.sync_with_memory()

    def sync_with_memory(self) -> None:
        """Subclasses: take up what another screen changed in this one's memory."""

    def _apply_size(self, width: int, height: int) -> None:
        self.set_class(width >= WIDE_FROM, "-wide")
        self._tall = width >= WIDE_FROM and height >= TALL_FROM
        mode = self.fixed_renderer
        if mode is None or not self.fits(mode):
            mode = best_renderer(56 if self._tall else 0, 28 if self._tall else 0, has_colour(self.app))
        if mode != self.renderer:
            self.renderer = mode
            self.renderer_changed()

    def fits(self, mode: str) -> bool:
        """Whether renderer ``mode`` fits the terminal beside the other panels: full-height
        ASCII (56x28 cells) needs a wide and tall one; the half-height forms always fit."""
        return mode != "ascii" or getattr(self, "_tall", False)

    def renderer_changed(self) -> None:
        """Called when ``self.renderer`` changed; subclasses redraw their grids."""

    # --------------------------------------------------------------- actions
    def action_cycle_renderer(self) -> None:
        mode = next_renderer(self.renderer)
        while not self.fits(mode):        # skip what the terminal cannot show whole
            mode = next_renderer(mode)
        self.fixed_renderer = self.renderer = mode
        self.data.view["renderer"] = mode
        self.renderer_changed()

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_keys(self) -> None:
        # Kept (installed) once per kind of screen, as its text depends on the kind alone:
        # composing it again was most of each opening.
        name = f"inspect-keys-{type(self).__module__}.{type(self).__qualname__}"
        self.app.push_screen(kept(self.app, name, lambda: InspectKeysScreen(type(self))))

    def action_jump(self, key: str, **kwargs) -> None:
        if key == self.SCREEN_KEY and not kwargs:
            return
        stack = self.app.screen_stack
        below = stack[-2] if len(stack) > 1 else None
        if isinstance(below, InspectScreen) and below.SCREEN_KEY == key and not kwargs:
            self.app.pop_screen()
            return
        renderer = self.data.view.get("renderer")
        if kwargs:
            self.app.switch_screen(self.SCREENS[key](self.data, renderer=renderer, **kwargs))
        else:
            self.app.switch_screen(kept_screen(self.app, key, self.data, renderer=renderer))


class InspectKeysScreen(DashboardScreen, ModalScreen[None]):
    """Every key of one kind of inspection screen, read from its bindings."""

    CSS_PATH = css_path("inspect.tcss")
    BINDINGS = [Binding("escape,question_mark,q", "app.pop_screen", "Close", id="close-inspect-keys")]

    def __init__(self, screen: type[InspectScreen]) -> None:
        super().__init__()
        self.for_screen = screen

    def compose(self) -> ComposeResult:
        with Vertical(id="inspect-keys-dialog", classes="inspect-panel"):
            yield Static("[b]Keys[/]  (escape closes)", id="inspect-keys-title")
            with VerticalScroll(id="inspect-keys-body"):
                yield Static(self._text(), id="inspect-keys-text")

    def _text(self) -> str:
        lines = [f"[b $text-accent]{self.for_screen.TAB_LABEL}[/]"]
        entries = key_lines(self.app, screen_bindings(self.for_screen)) + list(self.for_screen.WIDGET_KEYS)
        for keys, text in entries:
            lines.append(f"  [b]{escape(keys):<14}[/] {escape(text)}")
        return "\n".join(lines)
