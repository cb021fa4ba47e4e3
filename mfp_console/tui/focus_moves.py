"""Arrow keys move the focus (UI-07): to the nearest control in the arrow's direction, on the panel as on a
touch screen.

The app binds the arrows with priority, so the move happens while the app reads the key and before it reads
the next one: keys that arrive in one burst (``Right Enter``) press the control the ``Right`` moved to, not
the one focused before it. A control that uses an arrow itself keeps it (a text field's cursor until the
end of its text, a list's rows until its first or last row, a row of radio buttons, a scrolling log); a
scrolling container never swallows the arrow, so the
focus moves on an overflowing page and the page scrolls to show it.

The search stays inside the focused control's part of the screen (the machine's panel, the side column,
the bottom views, a dialog): ``Tab`` moves between parts. Off-screen controls of a scrolling page count
with their place on the page, so ``Down`` reaches a control below the visible part.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence

from textual.containers import ScrollableContainer
from textual.geometry import Region
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import DataTable, Input

__all__ = ["Arrow", "aimable", "arrow_target", "uses_arrow", "zone_of"]

ZONE_IDS = ("side", "bottom")
"""Ids of the parts of the main screen besides the machine panels."""


class Arrow(enum.Enum):
    """An arrow key and its direction on screen."""

    UP = (0, -1)
    DOWN = (0, 1)
    LEFT = (-1, 0)
    RIGHT = (1, 0)

    @property
    def vertical(self) -> bool:
        return self.value[0] == 0


def uses_arrow(widget: Widget, arrow: Arrow) -> bool:
    """True when the focused ``widget`` does something with ``arrow`` itself."""
    # Imported at the first arrow key, not with the panel: these widgets (a text area's syntax support,
    # the lists' pretty-printing) take a tenth of the panel's start-up imports.
    from textual.widgets import (
        OptionList,
        RadioSet,
        RichLog,
        Select,
        SelectionList,
        TextArea,
    )

    if isinstance(widget, TextArea):
        return True
    if isinstance(widget, Input):  # the cursor moves; at either end of the text the arrow leaves the field
        if arrow is Arrow.LEFT:
            return widget.cursor_position > 0
        if arrow is Arrow.RIGHT:
            return widget.cursor_position < len(widget.value)
        return False
    if isinstance(widget, DataTable):
        if arrow is Arrow.UP:
            return widget.row_count > 0 and widget.cursor_row > 0
        if arrow is Arrow.DOWN:
            return widget.cursor_row < widget.row_count - 1
        return widget.cursor_type in ("cell", "column")
    if isinstance(widget, (OptionList, SelectionList)):
        highlighted = widget.highlighted
        if arrow is Arrow.UP:
            return highlighted is not None and highlighted > 0
        if arrow is Arrow.DOWN:
            return highlighted is None or highlighted < widget.option_count - 1
        return False
    if isinstance(widget, RadioSet):  # the panel's radio sets are rows: left and right choose
        return not arrow.vertical
    if isinstance(widget, Select):
        return bool(widget.expanded)
    if isinstance(widget, (RichLog, ScrollableContainer)):  # a focused text scrolls first
        if arrow is Arrow.UP:
            return widget.scroll_y > 0
        if arrow is Arrow.DOWN:
            return widget.scroll_y < widget.max_scroll_y
        return False
    return False


def zone_of(widget: Widget, screen: Screen[object]) -> Widget:
    """The part of the screen ``widget`` belongs to: its machine panel, the side column, the bottom views,
    or the whole screen (a dialog)."""
    from mfp_console.tui.widgets.machine_panel import MachinePanel

    for node in widget.ancestors_with_self:
        if isinstance(node, MachinePanel) or (isinstance(node, Widget) and node.id in ZONE_IDS):
            return node
    return screen


def aimable(screen: Screen[object]) -> list[tuple[Widget, Region]]:
    """Every control of ``screen`` an arrow can move the focus to, with its place on the screen: laid out,
    in the focus chain, and not a scrolling container that holds controls (those are the targets)."""
    found: list[tuple[Widget, Region]] = []
    for widget in screen.focus_chain:
        if isinstance(widget, ScrollableContainer) and any(w.focusable for w in widget.query("*")):
            continue
        try:
            region = screen.find_widget(widget).region
        except Exception:  # not laid out (yet): cannot be aimed at
            continue
        if region.area:
            found.append((widget, region))
    return found


def _candidates(screen: Screen[object], focused: Widget,
                controls: Sequence[tuple[Widget, Region]]) -> list[tuple[Widget, Region]]:
    zone = zone_of(focused, screen)
    return [(widget, region) for widget, region in controls
            if widget is not focused and (zone is screen or zone in widget.ancestors)]


def _gap(a_start: int, a_end: int, b_start: int, b_end: int) -> int:
    """Cells between two intervals (0 when they overlap)."""
    return max(0, b_start - a_end, a_start - b_end)


def _score(origin: Region, arrow: Arrow, target: Region) -> tuple[int, int] | None:
    """How far ``target`` is from ``origin`` in ``arrow``'s direction (None: not in that direction).

    The distance along the arrow counts once, the sideways offset twice: in a grid ``Down`` goes to the
    control straight below rather than to a nearer one off to the side.
    """
    ox, oy = origin.center
    tx, ty = target.center
    if arrow is Arrow.DOWN and (target.y >= origin.bottom or (ty > oy and target.y > origin.y)):
        along, side = max(0, target.y - origin.bottom), _gap(origin.x, origin.right, target.x, target.right)
    elif arrow is Arrow.UP and (target.bottom <= origin.y or (ty < oy and target.bottom < origin.bottom)):
        along, side = max(0, origin.y - target.bottom), _gap(origin.x, origin.right, target.x, target.right)
    elif arrow is Arrow.RIGHT and (target.x >= origin.right or (tx > ox and target.x > origin.x)):
        along, side = max(0, target.x - origin.right), _gap(origin.y, origin.bottom, target.y, target.bottom)
        if side:
            return None  # left and right stay on the row; the row's end goes on in reading order
    elif arrow is Arrow.LEFT and (target.right <= origin.x or (tx < ox and target.right < origin.right)):
        along, side = max(0, origin.x - target.right), _gap(origin.y, origin.bottom, target.y, target.bottom)
        if side:
            return None
    else:
        return None
    return along + 2 * side, abs(tx - ox) if arrow.vertical else abs(ty - oy)


def _reading_order(items: Iterable[tuple[Widget, Region]]) -> list[tuple[Widget, Region]]:
    return sorted(items, key=lambda item: (item[1].y, item[1].x))


def arrow_target(screen: Screen[object], focused: Widget | None, arrow: Arrow,
                 controls: Sequence[tuple[Widget, Region]] | None = None) -> Widget | None:
    """The control ``arrow`` moves the focus to from ``focused`` (None: nowhere in that direction).

    ``controls`` is :func:`aimable` of the screen when the caller asks for many moves on one layout.
    """
    if focused is None:
        chain = [w for w in screen.focus_chain if not isinstance(w, ScrollableContainer)]
        return chain[0] if chain else None
    try:
        origin = screen.find_widget(focused).region
    except Exception:
        return None
    candidates = _candidates(screen, focused, aimable(screen) if controls is None else controls)
    scroller = _scroller_of(focused)
    if scroller is not None:  # the controls of a scrolling page first, then what stands around it
        inside = [(w, r) for w, r in candidates if scroller in w.ancestors]
        found = _target_among(inside, focused, origin, arrow)
        if found is not None:
            return found
    return _target_among(candidates, focused, origin, arrow)


def _scroller_of(widget: Widget) -> ScrollableContainer | None:
    """The scrolling container ``widget`` sits in (None: none). Its controls scrolled out of view lie, by
    their place on the page, beyond the fixed keys around it (the bar, the keys beside the screen); an
    arrow must reach them first, the page scrolling to them."""
    for node in widget.ancestors:
        if isinstance(node, ScrollableContainer):
            return node
    return None


def _target_among(candidates: list[tuple[Widget, Region]], focused: Widget, origin: Region,
                  arrow: Arrow) -> Widget | None:
    scored = [(score, widget) for widget, region in candidates if (score := _score(origin, arrow, region))]
    if scored:
        return min(scored, key=lambda item: item[0])[1]
    if not arrow.vertical:  # past the end of a row: on in reading order (the next row's first control)
        ordered = _reading_order([*candidates, (focused, origin)])
        index = next(i for i, (widget, _) in enumerate(ordered) if widget is focused)
        step = 1 if arrow is Arrow.RIGHT else -1
        if 0 <= index + step < len(ordered):
            return ordered[index + step][0]
    return None
