"""What a page of the panel is: the body shown for one menu node, with the bar actions it uses.

A page reads and changes its machine's data only through the fleet facade. A refusal from the engine
(:class:`~mfp_console.errors.RuleRefusal`) becomes a message box naming its rule, never a traceback
(:meth:`PanelPage.attempt`). Pages of later features register themselves with :func:`register_page`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from textual.containers import Vertical
from textual.message import Message

from mfp_console.domain.menu import MenuNode
from mfp_console.errors import MfpError, RuleRefusal
from mfp_console.tui.screens.dialogs import MessageBox, refusal_box

if TYPE_CHECKING:
    from mfp_console.engine.fleet import Fleet

__all__ = ["PAGE_TYPES", "PanelPage", "register_page"]

P = TypeVar("P", bound="type[PanelPage]")

PAGE_TYPES: dict[str, type[PanelPage]] = {}
"""Page class by menu key; a screen node without an entry shows the "not built yet" page."""


def register_page(*keys: str) -> Callable[[P], P]:
    """Class decorator: the page shown for the menu nodes with ``keys``."""

    def register(cls: P) -> P:
        for key in keys:
            PAGE_TYPES[key] = cls
        return cls

    return register


class PanelPage(Vertical):
    """The body of the panel for one menu node.

    Args:
        fleet: The fleet facade.
        machine: The machine whose panel shows the page.
        node: The menu node.
    """

    DEFAULT_CSS = """
    PanelPage { height: 1fr; padding: 0 1; overflow-y: auto; }
    PanelPage .page-title { text-style: bold; height: auto; padding: 0 0 1 0; }
    PanelPage .page-note { color: $text-muted; height: auto; }
    PanelPage .page-keys { height: auto; }
    PanelPage .page-keys > TouchButton { margin: 0 1 0 0; }
    PanelPage DataTable { height: 1fr; min-height: 6; }
    """

    BAR: ClassVar[frozenset[str]] = frozenset({"back"})
    """The bar buttons this page uses (``back``, ``next``, ``ok``, ``cancel``)."""

    class OpenNode(Message):
        """Asks the panel to open the menu node ``key`` (a child button was touched)."""

        def __init__(self, key: str) -> None:
            super().__init__()
            self.key = key

    def __init__(self, fleet: Fleet, machine: str, node: MenuNode) -> None:
        super().__init__(classes="panel-page")
        self.fleet = fleet
        self.machine = machine
        self.node = node

    def refresh_data(self) -> None:
        """Re-reads what the page shows (called when the machine's data changed)."""

    def bar_pressed(self, action: str) -> bool:
        """Handles ``next``/``ok``/``cancel``; returns False to let the panel go back."""
        return False

    def step_back(self) -> bool:
        """``<Back>`` (or Escape) on a multi-step page: returns True when the page went one step back
        itself, False to let the panel go one menu level up."""
        return False

    def present(self, **details: Any) -> None:
        """Live scenario play shows this page to an audience; ``details`` say what a page may preset (e.g.
        a distribution's categories and destinations). Most pages show themselves as they are."""

    def time_moved(self) -> None:
        """Machine time moved (a virtual clock jumped): a page showing a time to come repaints it."""

    def engine_event(self, event: Any) -> None:
        """An engine event about this page's machine (e.g. a destination's status changed, DID-04);
        called by the app for the page shown on that machine's panel."""

    def set_bar(self, actions: frozenset[str]) -> None:
        """Changes which bar buttons the page uses now (a multi-step page's steps use different ones)."""
        self.BAR = frozenset(actions)  # type: ignore[misc]
        for ancestor in self.ancestors:
            repaint = getattr(ancestor, "repaint_bar", None)
            if repaint is not None:
                repaint()
                break

    def attempt(self, call: Callable[..., Any], *args: Any) -> bool:
        """Runs a facade call; a refusal shows a message box (with its rule ID). Returns success."""
        try:
            call(*args)
        except RuleRefusal as exc:
            self.app.push_screen(refusal_box(exc))
            return False
        except MfpError as exc:  # e.g. a store that cannot be written: still a message, not a traceback
            self.app.push_screen(MessageBox("Error", str(exc)))
            return False
        return True
