"""The app's stylesheet: the rules parsed from each CSS source, kept for each theme.

Textual parses every CSS source again whenever the stylesheet's variables change (a theme
switch: 75-280 ms for the app's 39 sources, most of the switch), and throws away what it
parsed before; the next new source after a switch (the first widget class a screen
brings, such as the command palette's) then paid for all 39 again. Kept per set of
variables, a switch back parses nothing, and a new source is parsed alone.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Iterator

from textual.css.model import RuleSet
from textual.css.stylesheet import Stylesheet

SourceKey = tuple   # (css, read_from, is_default_rules, tie_breaker, scope): one source as parsed
KEPT_THEMES = 4     # sets of variables kept; the command palette can go through all of Textual's themes


def variables_key(variables: dict[str, str]) -> tuple:
    return tuple(sorted(variables.items()))


class ThemeRulesStylesheet(Stylesheet):
    """A Textual Stylesheet that parses each (source, variables) once, for the last
    ``KEPT_THEMES`` sets of variables."""

    def __init__(self, *, variables: dict[str, str] | None = None) -> None:
        super().__init__(variables=variables)
        self._rules_by_variables: OrderedDict[tuple, dict[SourceKey, list[RuleSet]]] = OrderedDict()
        self._current_rules = self._rules_kept_for(self._variables)

    def _rules_kept_for(self, variables: dict[str, str]) -> dict[SourceKey, list[RuleSet]]:
        key = variables_key(variables)
        kept = self._rules_by_variables.pop(key, {})
        self._rules_by_variables[key] = kept      # now the most recently used
        while len(self._rules_by_variables) > KEPT_THEMES:
            self._rules_by_variables.popitem(last=False)
        return kept

    def set_variables(self, variables: dict[str, str]) -> None:
        super().set_variables(variables)
        self._current_rules = self._rules_kept_for(variables)

    def _parse_rules(self, css: str, read_from, is_default_rules: bool = False, tie_breaker: int = 0,
                     scope: str = "") -> list[RuleSet]:
        key = (css, read_from, is_default_rules, tie_breaker, scope)
        rules = self._current_rules.get(key)
        if rules is None:
            rules = super()._parse_rules(css, read_from, is_default_rules, tie_breaker, scope)
            self._current_rules[key] = rules
        return rules

    def reparse(self) -> None:
        # Textual's parses into a new Stylesheet (without what this one keeps) so that invalid
        # CSS leaves this one whole; parse() also replaces the rules only once all parsed.
        self.parse()

    def copy(self) -> ThemeRulesStylesheet:
        stylesheet = ThemeRulesStylesheet(variables=self._variables.copy())
        stylesheet.source = self.source.copy()
        stylesheet._rules_by_variables = self._rules_by_variables
        stylesheet._current_rules = stylesheet._rules_kept_for(stylesheet._variables)
        return stylesheet

    def parse_ahead(self, variables: dict[str, str]) -> Iterator[None]:
        """Parse every current source for ``variables`` (a theme the user may switch to), one
        source per step, so that an idle app can do it between keys. Invalid CSS is left for
        the switch itself to report."""
        key = variables_key(variables)
        parser = Stylesheet(variables=variables)
        for read_from, (css, is_default_rules, tie_breaker, scope) in list(self.source.items()):
            kept = self._rules_by_variables.get(key)
            if kept is None:
                kept = {}
                self._rules_by_variables[key] = kept
                self._rules_by_variables.move_to_end(key, last=False)   # not the current theme's
            source_key = (css, read_from, is_default_rules, tie_breaker, scope)
            if source_key not in kept:
                try:
                    rules = parser._parse_rules(css, read_from, is_default_rules, tie_breaker, scope)
                except Exception:
                    return
                if any(rule.errors for rule in rules):
                    return
                kept[source_key] = rules
            yield
