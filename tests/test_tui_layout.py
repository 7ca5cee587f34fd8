"""How the dashboard package is put together: every stylesheet is loaded one way (the
CSS_PATH of the class it styles, pointing into tui/styles/), and every key binding has
an id, unique within its screen or widget."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from pathlib import Path

from textual.binding import Binding
from textual.dom import DOMNode

import tui_nn.tui
from tui_nn.tui.styles import STYLES_DIR, stylesheets

TUI_DIR = Path(tui_nn.tui.__file__).parent


def tui_classes() -> list[type[DOMNode]]:
    """Every App, Screen and Widget class defined in tui_nn.tui."""
    classes = []
    for module_info in pkgutil.walk_packages([str(TUI_DIR)], prefix="tui_nn.tui."):
        module = importlib.import_module(module_info.name)
        for _name, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, DOMNode) and cls.__module__ == module.__name__:
                classes.append(cls)
    return classes


def css_paths(cls) -> list[Path]:
    paths = cls.__dict__.get("CSS_PATH")
    if paths is None:
        return []
    return [Path(p) for p in (paths if isinstance(paths, (list, tuple)) else [paths])]


def test_every_stylesheet_lives_in_styles_and_is_named_by_a_css_path():
    assert not list(TUI_DIR.glob("*.tcss")) and not list(TUI_DIR.glob("screens/**/*.tcss"))
    named = set()
    for cls in tui_classes():
        for path in css_paths(cls):
            assert path.is_absolute() and path.parent == STYLES_DIR and path.is_file(), (cls, path)
            named.add(path.name)
    assert named == set(stylesheets())


def test_every_binding_has_an_id_unique_within_its_class():
    checked = 0
    for cls in tui_classes():
        for binding in cls.__dict__.get("BINDINGS", []):
            assert isinstance(binding, Binding), f"{cls.__qualname__}: {binding!r} is not a Binding"
            assert binding.id, f"{cls.__qualname__}: the binding {binding.key!r} -> {binding.action!r} has no id"
            checked += 1
        # ids are unique among everything the class binds, its inherited bindings too
        merged = [b for base in cls.__mro__ if base.__module__.startswith("tui_nn.")
                  for b in base.__dict__.get("BINDINGS", [])]
        ids = [b.id for b in merged if b.id]
        assert len(ids) == len(set(ids)), f"{cls.__qualname__}: duplicate binding ids {sorted(ids)}"
    assert checked > 80


def test_settings_live_where_locations_says(monkeypatch, tmp_path):
    from tui_nn import locations
    from tui_nn.tui.settings import Settings

    monkeypatch.setenv("SCRATCHNET_CONFIG_DIR", str(tmp_path / "cfg"))
    assert Settings().directory == tmp_path / "cfg" == locations.user_config_dir()
    monkeypatch.delenv("SCRATCHNET_CONFIG_DIR")
    monkeypatch.setattr(locations.sys, "platform", "darwin")
    monkeypatch.setattr(locations.Path, "home", classmethod(lambda cls: tmp_path))
    assert Settings().directory == tmp_path / "Library" / "Application Support" / "scratchnet-tui"
