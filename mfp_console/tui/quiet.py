"""Is the app quiet? Every message handled, nothing laid out late, nothing moving: the state the panel
driver waits for instead of waiting for time (issue 14).

Reads Textual internals (pinned at 8.2.8): there is no public "everything handled" signal.
"""

from __future__ import annotations

from typing import Any

from textual.app import App
from textual.message_pump import MessagePump

__all__ = ["app_is_quiet", "only_layout_pending"]


def _pumps(app: App[object]) -> list[MessagePump]:
    pumps: list[MessagePump] = [app]
    for screen in app.screen_stack:
        pumps.extend(screen.walk_children(with_self=True))
    return pumps


def app_is_quiet(app: App[object]) -> bool:
    """True when nothing is pending in ``app``: every message pump of every screen (and the app) has an
    empty queue and is parked waiting for its next message (so no handler is still awaiting something), no
    ``call_next`` callback waits, the current screen needs no layout or repaint, no animation (a scroll
    into view) is under way and no worker runs.
    """
    if app._batch_count:
        return False
    for pump in _pumps(app):
        if pump.message_queue_size or pump._next_callbacks or not _parked(pump):
            return False
    screen = app.screen
    if (screen._layout_required or screen._scroll_required or screen._repaint_required
            or screen._recompose_required or screen._dirty_widgets or screen._callbacks):
        return False
    animator = app.animator
    if animator._animations or animator._scheduled:  # a scroll into view runs on the animator, even when instant
        return False
    return not any(worker.is_running or worker.state.name == "PENDING" for worker in app.workers)


def only_layout_pending(app: App[object]) -> bool:
    """True when every pump is idle and only the screen's own layout or repaint waits (for its frame timer)."""
    if any(p.message_queue_size or p._next_callbacks or not _parked(p) for p in _pumps(app)):
        return False
    screen = app.screen
    return bool(screen._layout_required or screen._scroll_required or screen._repaint_required
                or screen._dirty_widgets) and not screen._callbacks


def _parked(pump: MessagePump) -> bool:
    """True when the pump's task waits for its next message (its await chain ends in its queue's ``get``),
    rather than running or awaiting inside a handler."""
    # ``App.run`` runs the app's own messages in the task that called it and leaves ``_task`` unset (only
    # ``run_test`` sets it); the panel app notes that task as ``message_task`` so it is looked at too.
    task = pump._task or getattr(pump, "message_task", None)
    if task is None or task.done():
        return True
    coro: Any = task.get_coro()
    while coro is not None:
        if getattr(coro, "__qualname__", "") == "Queue.get":
            return True
        coro = getattr(coro, "cr_await", None)
    return False
