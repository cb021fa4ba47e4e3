"""Checks a scenario's expectations and ``wait`` conditions against the running fleet.

Each check returns None when it holds, or a :class:`Mismatch` saying what was expected and what was found,
in the words a trainer would use ("client-b: NG E-AUTH" vs "client-b: OK"). Data comparisons follow the
rules of what a distribution changes: ``settings_values`` compares the deliverable, non-network values
(DID-16), ``network_settings`` the deliverable network ones (DID-03), and ``department_ids`` compares IDs, passwords,
limits and the System Manager information but not the counters, which a client keeps (DID-14).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from mfp_console.domain.device_info import Category, DeviceInformation
from mfp_console.domain.inboxes import inbox_of, protected_inboxes
from mfp_console.scenario import model as m

__all__ = ["Mismatch", "Observer", "check", "condition_holds", "data_value", "describe_data"]


@dataclass(frozen=True)
class Mismatch:
    """An expectation that did not hold."""

    message: str
    expected: str
    actual: str


class Observer:
    """What checks read: the fleet, the data at the start, the last host, the panel's text.

    Args:
        fleet: The running fleet.
        initial: Each machine's device information when the scenario started.
        last_host: Returns the host whose ``<Status>`` cells ``status`` checks read by default.
        panel_text: Returns the current panel's text (None when no panel runs).
        last_refusal: Returns the previous step's refusal (rule ID, message) or None.
    """

    def __init__(
        self,
        fleet: Any,
        initial: Mapping[str, DeviceInformation],
        last_host: Callable[[], str],
        panel_text: Callable[[], str | None],
        last_refusal: Callable[[], tuple[str, str] | None],
    ) -> None:
        self.fleet = fleet
        self.initial = initial
        self.last_host = last_host
        self.panel_text = panel_text
        self.last_refusal = last_refusal

    def statuses(self, host: str) -> dict[str, str]:
        """The host's ``<Status>`` cells, live while a job runs."""
        statuses = dict(self.fleet.distribution.destination_statuses(host))
        job = self.fleet.distribution.last_job(host)
        if job is not None:
            statuses.update({name: result.text for name, result in job.results.items()})
        return statuses


# --- data ----------------------------------------------------------------------------------------------


def data_value(info: DeviceInformation, item: str) -> Any:
    """The comparable value of one data item (see the module docstring for what is compared)."""
    if item == "address_book":
        return info.address_book
    if item == "department_ids":
        depts = info.department_ids
        return (depts.system_manager,
                tuple((d.dept_id, d.password_hash, d.limits) for d in depts.departments))
    if item == "printer_settings":
        return dict(info.printer_settings)
    if item == "paper_types":
        return tuple(info.paper_types)
    if item == "settings_values":
        # The Confidential Fax Inboxes' items follow DID-27 (protected ones stay on both sides): they are
        # compared by ``protected_inboxes``, so "same as host" keeps meaning DID-16's overwrite.
        return {s.key: s.value for s in info.settings_values if s.deliverable and not s.network
                and not inbox_of(s.key)}
    if item == "network_settings":
        return {s.key: s.value for s in info.settings_values if s.network and s.deliverable}
    if item == "protected_inboxes":
        protected = protected_inboxes(info.settings_values)
        return {s.key: s.value for s in info.settings_values if inbox_of(s.key) in protected}
    if item == "inbox_url_send":
        return info.inbox_url_send
    raise KeyError(item)


def _count(info: DeviceInformation, item: str) -> int:
    if item == "address_book":
        return len(info.address_book.entries)
    if item == "department_ids":
        return len(info.department_ids.departments)
    if item == "inbox_url_send":
        return len(info.inbox_url_send.entries)
    return len(data_value(info, item))


def describe_data(info: DeviceInformation, item: str) -> str:
    """A one-line summary of a data item, e.g. ``40 entries (first: 1 Sales Team)``."""
    if item == "inbox_url_send":
        inbox = info.inbox_url_send
        return "cleared" if inbox.is_clear else f"{'on' if inbox.enabled else 'off'}, {len(inbox.entries)} entries"
    count = _count(info, item)
    return f"{count} entries"


def _names(info: DeviceInformation, item: str) -> set[str]:
    if item == "address_book":
        return {f"{e.number} {e.name}" for e in info.address_book.entries}
    if item == "department_ids":
        return {d.dept_id for d in info.department_ids.departments}
    if item == "paper_types":
        return {p.name for p in info.paper_types}
    if item in ("printer_settings", "settings_values", "network_settings", "protected_inboxes"):
        return {f"{k}={v}" for k, v in data_value(info, item).items()}
    return set()


def _difference(mine: DeviceInformation, theirs: DeviceInformation, item: str, me: str, other: str) -> str:
    only_mine = sorted(_names(mine, item) - _names(theirs, item))
    only_theirs = sorted(_names(theirs, item) - _names(mine, item))
    parts = [f"{me}: {describe_data(mine, item)}, {other}: {describe_data(theirs, item)}"]
    if only_mine:
        parts.append(f"only on {me}: {_few(only_mine)}")
    if only_theirs:
        parts.append(f"only on {other}: {_few(only_theirs)}")
    if not only_mine and not only_theirs and item != "inbox_url_send":
        parts.append("same entries, different details")
    return "; ".join(parts)


def _few(items: list[str], limit: int = 3) -> str:
    shown = ", ".join(items[:limit])
    return shown + (f" … (+{len(items) - limit})" if len(items) > limit else "")


def _check_data(c: m.DataCheck, obs: Observer) -> Mismatch | None:
    info = obs.fleet.data.device_info(c.machine)
    for item, want in c.items:
        found = _data_mismatch(c.machine, info, item, want, obs)
        if found is not None:
            return found
    return None


def _data_mismatch(machine: str, info: DeviceInformation, item: str, want: m.DataExpectation,
                   obs: Observer) -> Mismatch | None:
    what = f"{machine}'s {item}"
    expected = f"{what}: {want.describe()}"
    if want.relation in ("same", "differs"):
        other = obs.fleet.data.device_info(want.other)
        same = data_value(info, item) == data_value(other, item)
        if same == (want.relation == "same"):
            return None
        actual = _difference(info, other, item, machine, want.other) if not same else f"{what} equals {want.other}'s"
        return Mismatch(f"{what} is not {want.describe()}", expected, actual)
    if want.relation in ("unchanged", "changed"):
        before = obs.initial[machine]
        same = data_value(info, item) == data_value(before, item)
        if same == (want.relation == "unchanged"):
            return None
        actual = (_difference(info, before, item, "now", "at the start") if not same
                  else f"{what} is as it was at the start")
        return Mismatch(f"{what} is not {want.relation}", expected, actual)
    if want.relation == "cleared":
        if info.inbox_url_send.is_clear:
            return None
        return Mismatch(f"{what} is not cleared", expected, f"{what}: {describe_data(info, item)}")
    count = _count(info, item)
    if count == want.count:
        return None
    return Mismatch(f"{what} has {count} entries", expected, f"{what}: {count} entries")


# --- the other checks ----------------------------------------------------------------------------------


def _check_status(c: m.StatusCheck, obs: Observer) -> Mismatch | None:
    host = c.host or obs.last_host()
    statuses = obs.statuses(host)
    wrong = [(dest, want, statuses.get(dest, "(no status)")) for dest, want in c.expected
             if statuses.get(dest) != want]
    if not wrong:
        return None
    expected = ", ".join(f"{dest}: {want}" for dest, want, _ in wrong)
    actual = ", ".join(f"{dest}: {got}" for dest, _, got in wrong)
    return Mismatch(f"<Status> on {host} differs", expected, actual)


def _normal_id(dept_id: str) -> str:
    text = dept_id.strip()
    return text.zfill(7) if text.isdigit() and len(text) <= 7 else text


def _check_department(c: m.DepartmentCheck, obs: Observer) -> Mismatch | None:
    wanted = _normal_id(c.dept_id)
    dept = obs.fleet.data.device_info(c.machine).department_ids.by_id().get(wanted)
    where = f"Department ID {wanted} on {c.machine}"
    if (dept is not None) != c.exists:
        return Mismatch(f"{where} {'is missing' if c.exists else 'exists'}",
                        f"{where} {'exists' if c.exists else 'is absent'}",
                        f"{where} {'is absent' if dept is None else 'exists'}")
    if dept is None:
        return None
    for what, want in (("counters", c.counters), ("limits", c.limits)):
        got = getattr(dept, what)
        if want == ():
            continue
        if want == "unchanged":
            before = obs.initial[c.machine].department_ids.by_id().get(wanted)
            reference = getattr(before, what) if before is not None else type(got)()
            if got != reference:
                return Mismatch(f"{where}: {what} changed", f"{what} {_counts(reference)}", f"{what} {_counts(got)}")
            continue
        if isinstance(want, str) and want.startswith("same as "):
            other = want[len("same as "):]
            theirs = obs.fleet.data.device_info(other).department_ids.by_id().get(wanted)
            reference = getattr(theirs, what) if theirs is not None else None
            if got != reference:
                shown = _counts(reference) if reference is not None else f"(no {wanted} on {other})"
                return Mismatch(f"{where}: {what} differ from {other}", f"{what} {shown}", f"{what} {_counts(got)}")
            continue
        wrong = [(key, value, getattr(got, key)) for key, value in want if getattr(got, key) != value]
        if wrong:
            return Mismatch(f"{where}: {what} differ",
                            f"{what} " + ", ".join(f"{k} {v}" for k, v, _ in wrong),
                            f"{what} " + ", ".join(f"{k} {g}" for k, _, g in wrong))
    return None


def _counts(counts: Any) -> str:
    return f"total {counts.total}, color {counts.color}, black {counts.black}"


def _check_log(c: m.LogCheck, obs: Observer) -> Mismatch | None:
    entries = obs.fleet.distribution.communication_log(c.machine)

    def matches(entry: Any) -> bool:
        text = f"{entry.detail} {' '.join(entry.contents)}".lower()
        return ((not c.kind or entry.kind.lower() == c.kind.lower())
                and (not c.peer or entry.peer == c.peer)
                and (not c.result or entry.result == c.result)
                and (not c.code or entry.code == c.code)
                and (not c.contains or c.contains.lower() in text))

    found = [e for e in entries if matches(e)]
    if (c.count is None and found) or (c.count is not None and len(found) == c.count):
        return None
    wanted = ", ".join(f"{k} {v}" for k, v in (("kind", c.kind), ("peer", c.peer), ("result", c.result),
                                               ("code", c.code), ("containing", c.contains)) if v)
    expected = f"{'an entry' if c.count is None else f'{c.count} entries'} on {c.machine} with {wanted or 'anything'}"
    recent = "; ".join(_log_line(e) for e in entries[:3]) or "the log is empty"
    return Mismatch(f"{c.machine}'s communication log has {len(found)} matching entries", expected,
                    f"{len(found)} matching; newest: {recent}")


def _log_line(entry: Any) -> str:
    code = f" {entry.code}" if entry.code else ""
    return f"{entry.kind} {entry.peer or '-'} {entry.result}{code}"


def _check_panel(c: m.PanelCheck, obs: Observer) -> Mismatch | None:
    text = obs.panel_text()
    if text is None:
        return Mismatch("no panel is running", "a panel", "engine-only run")
    flat = " ".join(text.split()).lower()
    lines = [" ".join(line.split()).lower() for line in text.splitlines()]

    def shown(wanted: str) -> bool:
        folded = " ".join(wanted.split()).lower()
        return folded in flat or any(folded in line or f"<{folded}>" == line for line in lines)

    missing = [t for t in c.visible if not shown(t)]
    present = [t for t in c.absent if shown(t)]
    if not missing and not present:
        return None
    excerpt = _plain_screen(text)
    expected = "; ".join([*(f"shows {t!r}" for t in c.visible), *(f"does not show {t!r}" for t in c.absent)])
    problem = f"not shown: {missing}" if missing else f"shown although it should not be: {present}"
    return Mismatch(f"the panel text differs ({problem})", expected, f"the panel shows: {excerpt}")


def _plain_screen(text: str, limit: int = 400) -> str:
    """The screen's words without box drawing, in one line, cut at ``limit`` characters."""
    words = "".join(" " if "\u2500" <= ch <= "\u259f" else ch for ch in text).split()
    flat = " ".join(words)
    return flat if len(flat) <= limit else flat[:limit] + " …"


def state_value(fleet: Any, machine: str, field: str) -> str:
    """One state field of a machine as a scenario writes it."""
    state = fleet.view(machine).state
    if field == "power":
        return state.power.value
    if field == "activity":
        return state.activity.value
    if field == "error":
        return state.error_code or "none"
    if field == "network":
        return "cut" if state.network_cut else "connected"
    return "configured" if state.tls_configured else "removed"


def _check_state(c: m.StateCheck, obs: Observer) -> Mismatch | None:
    wrong = [(key, want, state_value(obs.fleet, c.machine, key)) for key, want in c.fields
             if state_value(obs.fleet, c.machine, key) != want]
    if not wrong:
        return None
    return Mismatch(f"{c.machine}'s state differs",
                    ", ".join(f"{k} {w}" for k, w, _ in wrong), ", ".join(f"{k} {g}" for k, _, g in wrong))


def _check_restorable(c: m.RestorableCheck, obs: Observer) -> Mismatch | None:
    got = obs.fleet.distribution.restorable_categories(c.machine)
    if got == set(c.categories):
        return None

    def shown(categories: Any) -> str:
        return ", ".join(cat.label for cat in Category if cat in categories) or "nothing"

    return Mismatch(f"<Restore Data> on {c.machine} differs", shown(set(c.categories)), shown(got))


def _check_refused(c: m.RefusedCheck, obs: Observer) -> Mismatch | None:
    refusal = obs.last_refusal()
    wanted = " ".join(p for p in (c.rule, repr(c.contains) if c.contains else "") if p) or "a refusal"
    if refusal is None:
        return Mismatch("the previous step was not refused", f"refused ({wanted})", "it succeeded")
    rule, message = refusal
    if (c.rule and rule != c.rule) or (c.contains and c.contains.lower() not in message.lower()):
        return Mismatch("the previous step was refused differently", f"refused ({wanted})",
                        f"refused ({rule or 'no rule'}): {message}")
    return None


def _check_destinations(c: m.DestinationsCheck, obs: Observer) -> Mismatch | None:
    host = c.host or obs.last_host()
    got = tuple(obs.fleet.distribution.destinations(host).names())
    if got == c.names:
        return None
    return Mismatch(f"the destinations registered on {host} differ", ", ".join(c.names) or "none",
                    ", ".join(got) or "none")


_CHECKS: dict[type, Callable[[Any, Observer], Mismatch | None]] = {
    m.StatusCheck: _check_status,
    m.DataCheck: _check_data,
    m.DepartmentCheck: _check_department,
    m.LogCheck: _check_log,
    m.PanelCheck: _check_panel,
    m.StateCheck: _check_state,
    m.RestorableCheck: _check_restorable,
    m.RefusedCheck: _check_refused,
    m.DestinationsCheck: _check_destinations,
    m.SyncCheck: lambda c, obs: _check_sync(c, obs),
}


def _check_sync(c: m.SyncCheck, obs: Observer) -> Mismatch | None:
    from mfp_console.scenario.sync_play import check_sync  # synchronization facts

    return check_sync(c, obs.fleet)


def check(item: m.Check, obs: Observer) -> Mismatch | None:
    """Checks one expectation."""
    return _CHECKS[type(item)](item, obs)


def condition_holds(condition: m.Condition, obs: Observer, finished: int, started: int) -> tuple[bool, str]:
    """Whether a ``wait`` condition holds now, and what was seen (for the time-out message).

    Args:
        finished: Distributions finished since the last ``wait`` that consumed one.
        started: Distributions started since the last ``wait`` that consumed one.
    """
    kind = condition.kind
    if kind == "distribution_finished":
        return finished > 0, f"{finished} distribution(s) finished"
    if kind == "distribution_started":
        return started > 0, f"{started} distribution(s) started"
    if kind == "status":
        host = obs.last_host()
        got = obs.statuses(host).get(condition.machine, "(no status)")
        return got == condition.value, f"{condition.machine}: {got}"
    got = state_value(obs.fleet, condition.machine, kind)
    wanted = condition.value
    return got == wanted, f"{condition.machine} {kind} {got}"
