"""The key bindings, read from the classes' own BINDINGS, for everything that lists
them: the help screen, the inspection keys modal and the command palette. Nothing here
restates a key, so none of them can drift from what the keys really do."""

from __future__ import annotations

from typing import Iterable

from textual.binding import Binding


def own_bindings(cls: type) -> list[Binding]:
    """The bindings a class declares itself (not those it inherits)."""
    return [b for b in cls.__dict__.get("BINDINGS", []) if isinstance(b, Binding)]


def screen_bindings(cls: type) -> list[Binding]:
    """A screen's bindings, its own first, then those of the project's classes it
    inherits from (Textual's own Screen bindings, focus and copy, are left out)."""
    return [b for base in cls.__mro__ if not base.__module__.startswith("textual.")
            for b in own_bindings(base)]


def key_names(app, key: str) -> str:
    """'escape, f1, ?' for the key string 'escape,f1,question_mark', as the footer shows keys."""
    return ", ".join(app.get_key_display(Binding(k.strip(), "")) for k in key.split(","))


def key_lines(app, bindings: Iterable[Binding]) -> list[tuple[str, str]]:
    """(keys, what they do) for each action bound with a description, in binding order:
    the keys of one action on one line, described by the first tooltip (else the first
    description) among its bindings."""
    groups: dict[str, list[Binding]] = {}
    for binding in bindings:
        if binding.description:
            groups.setdefault(binding.action, []).append(binding)
    lines = []
    for group in groups.values():
        names: list[str] = []
        for binding in group:
            names += [n for n in key_names(app, binding.key).split(", ") if n not in names]
        what = next((b.tooltip for b in group if b.tooltip), group[0].description)
        lines.append((", ".join(names), what))
    return lines
