"""One parse of the panel's CSS per process.

Textual parses the stylesheet of every app it starts (the app's CSS file and every widget's default CSS,
a few hundred rule blocks for the panel), and caches the result only inside that app. A scenario run, the
pilot tests and the snapshot tests start hundreds of panel apps in one process, each with the same CSS
and the same theme variables; they share the parsed rules here. Parsing is keyed by the CSS text, where it
came from and the variables it was parsed with, so a theme switch parses anew.

Reads Textual internals (``Stylesheet._parse_rules``, pinned at 8.2.8): there is no public hook.
"""

from __future__ import annotations

from typing import Any, ClassVar

from textual.css.model import RuleSet
from textual.css.stylesheet import Stylesheet

__all__ = ["SharedStylesheet"]


class SharedStylesheet(Stylesheet):
    """A :class:`~textual.css.stylesheet.Stylesheet` whose parsed rules are shared by every app of the process."""

    _parsed: ClassVar[dict[tuple[Any, ...], list[RuleSet]]] = {}
    _LIMIT: ClassVar[int] = 4096
    """Distinct (CSS, variables) pairs kept; past that the store starts again (themes switched many times)."""

    def __init__(self, *, variables: dict[str, str] | None = None) -> None:
        super().__init__(variables=variables)
        self._variables_key: tuple[tuple[str, str], ...] | None = None

    def set_variables(self, variables: dict[str, str]) -> None:
        super().set_variables(variables)
        self._variables_key = None

    def _parse_rules(self, css: str, read_from: Any, is_default_rules: bool = False, tie_breaker: int = 0,
                     scope: str = "") -> list[RuleSet]:
        if self._variables_key is None:
            self._variables_key = tuple(sorted(self._variables.items()))
        key = (self._variables_key, css, read_from, is_default_rules, tie_breaker, scope)
        rules = self._parsed.get(key)
        if rules is None:
            rules = super()._parse_rules(css, read_from, is_default_rules, tie_breaker, scope)
            if len(self._parsed) >= self._LIMIT:
                self._parsed.clear()
            self._parsed[key] = rules
        return rules
