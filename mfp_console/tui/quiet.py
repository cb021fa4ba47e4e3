"""Is the app quiet? Every message handled, nothing laid out late, nothing moving: the state the panel
driver waits for instead of waiting for time (issue 14).

Reads Textual internals (pinned at 8.2.8): there is no public "everything handled" signal.
"""

from __future__ import annotations

import enum

from textual.app import App
from textual.message_pump import MessagePump
from textual.screen import Screen

__all__ = ["Pending", "app_is_quiet", "pending", "screens_behind_to_lay_out"]


class Pending(enum.Enum):
    """What the app still has to do (:func:`pending`)."""

    NOTHING = "nothing"
    LAYOUT = "layout"
    """Every pump is idle; only the layout or repaint of a screen shown waits (for its frame timer)."""
    WORK = "work"


def pending(app: App[object]) -> Pending:
    """One look at every message pump of the app (the app, every screen, every widget it registered) and
    at its screen, animator and workers."""
    if app._batch_count:
        return Pending.WORK
    for pump in (app, *app._registry):  # cheaper than walking each screen's tree, and it is every pump
        if pump.message_queue_size or pump._next_callbacks or not _parked(pump):
            return Pending.WORK
    screen = app.screen
    if screen._callbacks:
        return Pending.WORK
    if screen._layout_required or screen._scroll_required or screen._repaint_required or screen._dirty_widgets:
        return Pending.LAYOUT
    if screens_behind_to_lay_out(app):
        return Pending.LAYOUT
    animator = app.animator
    if screen._recompose_required or animator._animations or animator._scheduled:
        return Pending.WORK  # a scroll into view runs on the animator, even when instant
    if any(worker.is_running or worker.state.name == "PENDING" for worker in app.workers):
        return Pending.WORK
    return Pending.NOTHING


def screens_behind_to_lay_out(app: App[object]) -> list[Screen[object]]:
    """The screens seen behind a dialog that wait for a layout at their own frame. Only their layout counts:
    Textual leaves their dirty-widget sets filled, as their repaints reach the terminal through the top
    screen's."""
    return [behind for behind in app._background_screens if behind._layout_required or behind._scroll_required]


def app_is_quiet(app: App[object]) -> bool:
    """True when nothing is pending in ``app``: every message pump (the app, its screens and their widgets)
    has an empty queue and is parked waiting for its next message (so no handler is still awaiting
    something), no ``call_next`` callback waits, no screen shown needs a layout or repaint, no animation
    (a scroll into view) is under way and no worker runs.
    """
    return pending(app) is Pending.NOTHING


def _parked(pump: MessagePump) -> bool:
    """True when the pump's task waits for its next message (in its queue's ``get``), rather than running
    or awaiting inside a handler."""
    # ``App.run`` runs the app's own messages in the task that called it and leaves ``_task`` unset (only
    # ``run_test`` sets it); the panel app notes that task as ``message_task`` so it is looked at too.
    task = pump._task or getattr(pump, "message_task", None)
    if task is None or task.done():
        return True
    # Waiting in its queue's ``get`` is waiting on the queue's ready event: the task's future is among the
    # event's waiters, not yet done (a put marks it done; the task removes it once it runs again).
    return any(not waiter.done() for waiter in pump._message_queue.ready_event._waiters)
