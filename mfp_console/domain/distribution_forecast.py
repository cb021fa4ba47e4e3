"""What a distribution would change on a client, told before it runs: the pre-flight forecast's values.

A real Canon machine has no such thing; the emulator's pre-flight check (``docs/panel.md``) asks each
client over the same mutual-TLS conversation as a real run, and the client answers with what its own
merge rules (:func:`~mfp_console.domain.distribution_rules.apply_received`) would do to its data. This
module holds the pure parts: the vocabulary of changes (:class:`ChangeKind`), one counted change
(:class:`Change`), the diff that turns "before" and "after" into changes (:func:`changes_between`) and a
destination's whole forecast (:class:`DestinationForecast`).

**What a forecast discloses (D, see docs/security.md).** The answer goes to a host that proved the System
Manager ID/PIN (DID-08) and tells it no more than the real run's result would, plus names the host already
has: counts of everything that changes; the host's own address entry names, Department IDs, printer
setting keys, paper type names and settings keys that would be added, changed, kept or skipped; never a
value of the client's, a name only the client has (an entry or ID that would be removed is counted, not
named), a Department ID password or counter, or the inbox URL Send settings (only how many would be
erased). Name lists are capped (:data:`~mfp_console.limits.FORECAST_NAMES` per change) and so is the
text as a whole (:data:`~mfp_console.limits.FORECAST_TEXT_CHARS`), so an answer always fits a frame.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from mfp_console.domain.destination_status import StatusKind
from mfp_console.domain.device_info import Category, DeviceInformation
from mfp_console.limits import FORECAST_NAMES, FORECAST_TEXT_CHARS

__all__ = [
    "Change",
    "ChangeKind",
    "DestinationForecast",
    "changes_between",
    "clip_text",
]


class ChangeKind(enum.Enum):
    """What one counted change is, in words a trainer reads on the pre-flight screen.

    ``names`` says whether a change may list names: only names the host has (DID-08's "no more than
    the real run"); a change whose items are the client's own is a count alone.
    """

    ENTRIES_ADDED = "address entries added"
    ENTRIES_REMOVED = "address entries removed"
    ENTRIES_CHANGED = "address entries changed"
    FORWARDING_ADDED = "forwarding settings added"
    FORWARDING_REMOVED = "forwarding settings removed"
    FORWARDING_CHANGED = "forwarding settings changed"
    FAVOURITES_ADDED = "favorite settings added"
    FAVOURITES_REMOVED = "favorite settings removed"
    FAVOURITES_CHANGED = "favorite settings changed"
    SYSTEM_MANAGER_CHANGED = "System Manager information changed"
    DEPARTMENTS_CREATED = "Department IDs created (counters 0)"
    DEPARTMENTS_DELETED = "Department IDs deleted"
    DEPARTMENTS_KEPT = "Department IDs kept (the host's password and limits, this machine's counters)"
    """Every ID on both sides, whether or not its password or limits differ: saying which differ would tell
    the host whether the client's Department ID password matches its own."""
    DEPARTMENTS_UNTOUCHED = "Department IDs left as they are (card reader on one side only)"
    PRINTER_ADDED = "printer settings added"
    PRINTER_REMOVED = "printer settings removed"
    PRINTER_CHANGED = "printer settings changed"
    PAPER_ADDED = "paper types added"
    PAPER_REMOVED = "paper types removed"
    PAPER_CHANGED = "paper types changed"
    SETTINGS_ADDED = "settings values added"
    SETTINGS_CHANGED = "settings values changed"
    SETTINGS_SKIPPED = "settings values skipped: not on this machine's series"
    URL_SEND_ERASED = "inbox URL Send settings erased"
    """DID-17; counted as the settings erased: the switch, when it was on, and each setting/value pair."""

    @property
    def names(self) -> bool:
        """True when the change may list names (the host's own), False for a count alone."""
        return self not in _COUNT_ONLY

    @classmethod
    def from_text(cls, text: str) -> ChangeKind:
        """The kind whose wire text is ``text``; raises ``ValueError`` for an unknown one."""
        return cls(text)


_COUNT_ONLY = frozenset({
    ChangeKind.ENTRIES_REMOVED, ChangeKind.FORWARDING_REMOVED, ChangeKind.FAVOURITES_REMOVED,
    ChangeKind.SYSTEM_MANAGER_CHANGED, ChangeKind.DEPARTMENTS_DELETED, ChangeKind.DEPARTMENTS_UNTOUCHED,
    ChangeKind.PRINTER_REMOVED, ChangeKind.PAPER_REMOVED, ChangeKind.URL_SEND_ERASED,
})


@dataclass(frozen=True)
class Change:
    """One counted change a distribution would make on a client.

    Attributes:
        category: The category whose application makes the change (DID-17's erasure belongs to the one
            of ``<Address Book>`` and ``<Settings/Registration Value>`` applied alone).
        kind: What changes.
        count: How many items change.
        names: Up to :data:`~mfp_console.limits.FORECAST_NAMES` of them, by the host's names (empty for a
            count-only kind, or when the answer's text budget ran out).
    """

    category: Category
    kind: ChangeKind
    count: int
    names: tuple[str, ...] = ()

    @property
    def text(self) -> str:
        """``3 address entries added: Sales, Support, …`` (the names shown are the ones carried)."""
        line = f"{self.count} {self.kind.value}"
        if self.names:
            more = f", … ({self.count - len(self.names)} more)" if self.count > len(self.names) else ""
            line += ": " + ", ".join(self.names) + more
        return line

    def to_json(self) -> dict[str, Any]:
        """The change as JSON-ready data (the wire record and ``distribute --dry-run`` alike)."""
        return {"category": self.category.value, "kind": self.kind.value, "count": self.count,
                "names": list(self.names)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Change:
        """Decodes a record already checked by the wire schema."""
        return cls(Category(data["category"]), ChangeKind(data["kind"]), int(data["count"]),
                   tuple(data["names"]))


@dataclass(frozen=True)
class DestinationForecast:
    """What a distribution to one destination would meet and do, told before it runs.

    Attributes:
        destination: The registered destination's name.
        kind: The status the run would end with: ``OK`` or ``NG``.
        code: The error code when ``NG`` (DID-05), else empty.
        reason: Why, when ``NG``; when ``OK``, the detail the real run's result would carry.
        accepted: Categories the client would apply.
        refused: ``(category, reason)`` for every offered category it would not (DID-19, DID-28).
        summaries: For each accepted category, the sentence the client's log would carry.
        changes: What would change, category by category.
        not_sent: What the host keeps back and why (DID-27, DID-28), as the real run's log says it.
    """

    destination: str
    kind: StatusKind
    code: str = ""
    reason: str = ""
    accepted: tuple[Category, ...] = ()
    refused: tuple[tuple[Category, str], ...] = ()
    summaries: Mapping[Category, str] = field(default_factory=dict)
    changes: tuple[Change, ...] = ()
    not_sent: tuple[str, ...] = ()

    @property
    def text(self) -> str:
        """What the ``<Status>`` cell would show after the run, e.g. ``NG E-AUTH``."""
        return f"{self.kind.value} {self.code}".strip()

    def changes_of(self, category: Category) -> tuple[Change, ...]:
        """The changes applying ``category`` would make."""
        return tuple(c for c in self.changes if c.category is category)

    def change(self, category: Category, kind: ChangeKind) -> Change | None:
        """One change, or None when it would not happen."""
        return next((c for c in self.changes if c.category is category and c.kind is kind), None)

    def to_json(self) -> dict[str, Any]:
        """The forecast as JSON-ready data, categories by their wire names, in panel order."""
        return {
            "destination": self.destination,
            "status": self.text,
            "code": self.code,
            "reason": self.reason,
            "accepted": [c.value for c in self.accepted],
            "refused": {c.value: why for c, why in self.refused},
            "categories": {
                c.value: {
                    "summary": self.summaries.get(c, ""),
                    "changes": [change.to_json() for change in self.changes_of(c)],
                }
                for c in self.accepted
            },
            "not_sent": list(self.not_sent),
        }


def changes_between(
    before: DeviceInformation,
    after: DeviceInformation,
    applied: Collection[Category],
    *,
    skipped_settings: Sequence[str] = (),
    card_reader_mismatch: bool = False,
    names: int = FORECAST_NAMES,
    text_chars: int = FORECAST_TEXT_CHARS,
) -> tuple[Change, ...]:
    """Counts what changes from ``before`` to ``after`` in the applied categories.

    Items are matched by what identifies them on the machine: an address entry by its number, a
    forwarding rule and a paper type by name, a favourite by number, a Department ID by ID, a printer
    setting and a settings value by key. Names are the host's, i.e. taken from ``after``; items only the
    client had are counted, never named.

    Args:
        before: The client's data now.
        after: Its data once the applied categories are applied.
        applied: The categories the client would apply.
        skipped_settings: Settings keys the client's series lacks (DID-26), listed as skipped.
        card_reader_mismatch: DID-14's "only the System Manager information" case.
        names: At most this many names per change.
        text_chars: At most this many characters of names in all; later names are left out.
    """
    budget = _Budget(names, text_chars)
    out: list[Change] = []
    chosen = [c for c in Category if c in set(applied)]

    def add(category: Category, kind: ChangeKind, items: Sequence[str] | int) -> None:
        count = items if isinstance(items, int) else len(items)
        if count:
            shown = budget.take(items) if kind.names and not isinstance(items, int) else ()
            out.append(Change(category, kind, count, shown))

    for category in chosen:
        if category is Category.ADDRESS_BOOK:
            old, new = before.address_book, after.address_book
            _add_diff(add, category, old.entries, new.entries, lambda e: e.number, lambda e: e.name,
                      ChangeKind.ENTRIES_ADDED, ChangeKind.ENTRIES_REMOVED, ChangeKind.ENTRIES_CHANGED)
            _add_diff(add, category, old.forwarding, new.forwarding, lambda f: f.name, lambda f: f.name,
                      ChangeKind.FORWARDING_ADDED, ChangeKind.FORWARDING_REMOVED, ChangeKind.FORWARDING_CHANGED)
            _add_diff(add, category, old.favourites, new.favourites, lambda f: f.number, lambda f: f.name,
                      ChangeKind.FAVOURITES_ADDED, ChangeKind.FAVOURITES_REMOVED, ChangeKind.FAVOURITES_CHANGED)
        elif category is Category.DEPARTMENT_ID:
            old_ids, new_ids = before.department_ids, after.department_ids
            if old_ids.system_manager != new_ids.system_manager:
                add(category, ChangeKind.SYSTEM_MANAGER_CHANGED, 1)
            if card_reader_mismatch:
                add(category, ChangeKind.DEPARTMENTS_UNTOUCHED, len(old_ids.departments))
                continue
            mine = {d.dept_id for d in old_ids.departments}
            theirs = [d.dept_id for d in new_ids.departments]
            add(category, ChangeKind.DEPARTMENTS_CREATED, [i for i in theirs if i not in mine])
            add(category, ChangeKind.DEPARTMENTS_DELETED, len(mine - set(theirs)))
            add(category, ChangeKind.DEPARTMENTS_KEPT, [i for i in theirs if i in mine])
        elif category is Category.PRINTER_SETTINGS:
            _add_diff(add, category, before.printer_settings, after.printer_settings, lambda p: p[0],
                      lambda p: p[0], ChangeKind.PRINTER_ADDED, ChangeKind.PRINTER_REMOVED,
                      ChangeKind.PRINTER_CHANGED)
        elif category is Category.PAPER_INFORMATION:
            _add_diff(add, category, before.paper_types, after.paper_types, lambda p: p.name, lambda p: p.name,
                      ChangeKind.PAPER_ADDED, ChangeKind.PAPER_REMOVED, ChangeKind.PAPER_CHANGED)
        else:
            old_values = {s.key: s.value for s in before.settings_values}
            new_keys = [s.key for s in after.settings_values]
            new_values = {s.key: s.value for s in after.settings_values}
            add(category, ChangeKind.SETTINGS_ADDED, [k for k in new_keys if k not in old_values])
            add(category, ChangeKind.SETTINGS_CHANGED,
                [k for k in new_keys if k in old_values and old_values[k] != new_values[k]])
            add(category, ChangeKind.SETTINGS_SKIPPED, list(skipped_settings))
    old_inbox, new_inbox = before.inbox_url_send, after.inbox_url_send
    if new_inbox.is_clear and not old_inbox.is_clear:
        pair = [c for c in chosen if c in (Category.ADDRESS_BOOK, Category.SETTINGS_VALUES)]
        if pair:  # DID-17: erased by the one of the pair applied alone
            add(pair[0], ChangeKind.URL_SEND_ERASED, len(old_inbox.entries) + int(old_inbox.enabled))
    return tuple(out)


def clip_text(text: str, limit: int = FORECAST_TEXT_CHARS) -> str:
    """Text cut to at most ``limit`` characters, ending in ``…`` when it was cut (a forecast's sentences
    must fit its frame whatever the host's data looks like)."""
    return text if len(text) <= limit else text[: max(0, limit - 1)] + "…"


T = TypeVar("T")


def _add_diff(
    add: Callable[[Category, ChangeKind, Any], None],
    category: Category,
    old: Iterable[T],
    new: Iterable[T],
    key: Callable[[T], Any],
    name: Callable[[T], Any],
    added: ChangeKind,
    removed: ChangeKind,
    changed: ChangeKind,
) -> None:
    """Adds the added (host names), removed (a count) and changed (host names) items of one list."""
    mine = {key(item): item for item in old}
    new_list = list(new)
    theirs = {key(item) for item in new_list}
    add(category, added, [str(name(item)) for item in new_list if key(item) not in mine])
    add(category, removed, sum(1 for k in mine if k not in theirs))
    add(category, changed, [str(name(item)) for item in new_list if key(item) in mine and mine[key(item)] != item])


class _Budget:
    """How many names one change may list, and how many characters of names the whole answer may carry."""

    def __init__(self, per_change: int, chars: int) -> None:
        self.per_change = per_change
        self.chars = chars

    def take(self, names: Sequence[str]) -> tuple[str, ...]:
        taken: list[str] = []
        for name in names[: self.per_change]:
            if len(name) > self.chars:
                self.chars = 0  # the budget is spent: later changes carry their counts alone
                break
            self.chars -= len(name)
            taken.append(name)
        return tuple(taken)
