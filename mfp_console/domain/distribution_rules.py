"""How a client applies received device information and restores it (DID-13 to DID-17, DID-20).

Each category has its own rule: the address book is replaced wholesale (DID-13), Department IDs are
merged by ID keeping the client's counters (DID-14), printer settings and paper types are overwritten
(DID-15), settings/registration values are overwritten item by item except the ones never delivered
(DID-16). Across categories, DID-17 clears the inbox URL Send settings when exactly one of
``<Address Book>`` and ``<Settings/Registration Value>`` is applied or restored.

Everything here is a pure function from old values to new ones; the engine writes the result, its
restore point and its log entry in one transaction (M-04).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from mfp_console.domain.device_info import (
    AddressBook,
    Category,
    DepartmentId,
    DepartmentIds,
    DeviceInformation,
    InboxUrlSend,
    PageCounts,
    PaperType,
    SettingValue,
)
from mfp_console.domain.inboxes import inbox_of, protected_inboxes, without_protected
from mfp_console.domain.series_catalogue import series_lacking
from mfp_console.errors import RuleRefusal

__all__ = [
    "NON_DELIVERABLE_KEYS",
    "AppliedUpdate",
    "PreparedHostData",
    "RestorePoint",
    "apply_received",
    "protected_kept_phrase",
    "prepare_host_data",
    "restore_categories",
    "restore_point_of",
    "setting_is_deliverable",
]

_DID = "Management Settings/Device Management/Device Information Distribution Settings"

NON_DELIVERABLE_KEYS: frozenset[str] = frozenset(
    {
        "Management Settings/Device Management/Device Name",
        "Management Settings/Device Management/Location",
        "Management Settings/User Management/System Manager ID",
        "Management Settings/User Management/System Manager PIN",
        "Management Settings/Device Management/Key and Certificate Settings",
        f"{_DID}/Register Destinations",
        f"{_DID}/Set Auto Distribution",
        f"{_DID}/Restrict Receiving Device Information",
        f"{_DID}/Restrict Receiving for Each Function",
    }
)
"""Settings keys DID-16 never overwrites, whatever their ``deliverable`` flag says: device name,
location, System Manager ID/PIN, TLS key and certificate, the destination list, auto distribution and
the receiving settings."""

_INBOX_PAIR = frozenset({Category.ADDRESS_BOOK, Category.SETTINGS_VALUES})


def setting_is_deliverable(item: SettingValue) -> bool:
    """True when DID-16 lets a host's value overwrite this item."""
    return item.deliverable and item.key not in NON_DELIVERABLE_KEYS


@dataclass(frozen=True)
class AppliedUpdate:
    """The result of applying received (or restored) categories to a client.

    Attributes:
        info: The client's device information after the update.
        changed: Categories whose value differs from before.
        inbox_changed: True when the inbox URL Send settings differ from before (DID-17).
        outcomes: One sentence per applied category, for the communication log.
        skipped_settings: Keys of the host's settings values the client's series does not have, so they
            were not received (DID-26), in the host's order.
    """

    info: DeviceInformation
    changed: frozenset[Category]
    inbox_changed: bool
    outcomes: dict[Category, str] = field(default_factory=dict)
    skipped_settings: tuple[str, ...] = ()


@dataclass(frozen=True)
class RestorePoint:
    """The one restore point of DID-20: category values and inbox as they were before an update.

    Attributes:
        categories: The value of each category the update changed, from just before it.
        inbox: The inbox URL Send settings just before the update, or None when it did not change them.
    """

    categories: Mapping[Category, Any]
    inbox: InboxUrlSend | None = None


@dataclass(frozen=True)
class PreparedHostData:
    """What the rules can work out once per bundle instead of once per client (a host sends one bundle to
    many clients, and a process keeps the decoded bundle for all of them).

    Attributes:
        fresh_departments: The host's Department IDs with their counters at 0, by ID: what a client that
            has not got the ID receives (DID-14), the same value for every such client.
        unprotected_settings: The host's settings values without its password-protected inboxes (DID-27),
            None when the bundle has none.
        fresh_position: Where each ID stands in ``fresh_departments`` (kept in the host's order: a client's
            merged list before its own counters are put in).
        host_settings: The host's side of the settings merge per client series and network switch
            (:class:`HostSettings`), filled as clients of each series apply the bundle.
    """

    fresh_departments: Mapping[str, DepartmentId]
    unprotected_settings: tuple[SettingValue, ...] | None = None
    fresh_position: Mapping[str, int] = field(default_factory=dict)
    host_settings: dict[tuple[str, bool], HostSettings] = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class HostSettings:
    """The host's settings values as one client series sees them (DID-16, DID-26), for one network switch.

    Attributes:
        by_key: The host's items the client may take or keep, by key (those its series lacks left out).
        skipped: Keys the host would deliver that the series does not have, in the host's order.
        offered: The items of ``by_key`` that may be delivered, in order: what a client without them adds.
    """

    by_key: Mapping[str, SettingValue]
    skipped: tuple[str, ...]
    offered: tuple[SettingValue, ...]
    inboxes: Mapping[str, str] = field(default_factory=dict)
    """The inbox of each key of ``by_key`` and ``skipped`` that belongs to one."""

    def without_inboxes(self, inboxes: Collection[str]) -> HostSettings:
        """The same without the items of ``inboxes``: a client's own password-protected inboxes take
        nothing from the host (DID-27)."""
        dropped = {key for key, inbox in self.inboxes.items() if inbox in inboxes}
        if not dropped:
            return self
        return HostSettings({k: s for k, s in self.by_key.items() if k not in dropped},
                            tuple(k for k in self.skipped if k not in dropped),
                            tuple(s for s in self.offered if s.key not in dropped))


def prepare_host_data(host_bundle: Mapping[Category, Any]) -> PreparedHostData:
    """Works out :class:`PreparedHostData` for a host's bundle."""
    depts: DepartmentIds | None = host_bundle.get(Category.DEPARTMENT_ID)
    fresh = {} if depts is None else {
        d.dept_id: d if d.counters == _NO_PAGES else DepartmentId(d.dept_id, d.password_hash, d.limits, _NO_PAGES)
        for d in depts.departments
    }
    settings = host_bundle.get(Category.SETTINGS_VALUES)
    return PreparedHostData(fresh, None if settings is None else without_protected(settings)[0],
                            {dept_id: i for i, dept_id in enumerate(fresh)})


_NO_PAGES = PageCounts()


def restore_point_of(before: DeviceInformation, update: AppliedUpdate) -> RestorePoint:
    """Captures what DID-20 needs to undo ``update``: the old value of every applied category."""
    return RestorePoint(
        {c: before.category(c) for c in Category if c in update.outcomes},
        before.inbox_url_send if update.inbox_changed else None,
    )


def apply_received(
    client: DeviceInformation,
    host_bundle: Mapping[Category, Any],
    accepted: Collection[Category],
    *,
    include_network: bool,
    card_reader_mismatch: bool,
    client_series: str = "",
    prepared: PreparedHostData | None = None,
) -> AppliedUpdate:
    """Applies the accepted categories of a host's bundle to a client (DID-13..DID-17, DID-26).

    Args:
        client: The client's device information before the update.
        host_bundle: The host's value of each category it sent.
        accepted: The categories the client accepted (see ``receiving.decide_offer``).
        include_network: ``<Network Settings>`` was ``<Include>`` (DID-03).
        card_reader_mismatch: Exactly one of host and client has a card reader fitted (DID-14).
        client_series: The client's series: settings values its series does not have are skipped and
            listed (DID-26; see :mod:`~mfp_console.domain.series_catalogue`). Empty: it has them all.
        prepared: :func:`prepare_host_data` of ``host_bundle``, when many clients apply the same bundle.

    Only the applied categories of ``client`` and its inbox URL Send settings are read.

    Returns:
        The new data, which categories changed, whether the inbox changed, one outcome per category and
        the settings keys skipped for the client's series.

    Raises:
        ValueError: when an accepted category is missing from ``host_bundle``.
    """
    accepted_set = set(accepted)
    applied = tuple(c for c in Category if c in accepted_set)
    missing = [c.label for c in applied if c not in host_bundle]
    if missing:
        raise ValueError(f"accepted categories missing from the host's data: {', '.join(missing)}")
    info = client
    outcomes: dict[Category, str] = {}
    skipped: tuple[str, ...] = ()
    for category in applied:
        if category is Category.SETTINGS_VALUES:
            host = host_bundle[category]
            ready = prepared is not None and prepared.unprotected_settings is not None
            if ready:
                host = prepared.unprotected_settings
            value, outcomes[category], skipped = _settings_values(
                client.settings_values, host, include_network, client_series, ready, prepared)
        else:
            value, outcomes[category] = _apply_one(
                category, client.category(category), host_bundle[category],
                card_reader_mismatch=card_reader_mismatch, prepared=prepared,
            )
        info = info.with_category(category, value)
    info = _apply_inbox_rule(info, set(applied), restored=None)
    return replace(_result(client, info, outcomes), skipped_settings=skipped)


def restore_categories(
    current: DeviceInformation,
    restore_point: Mapping[Category, Any],
    restore_inbox: InboxUrlSend | None,
    picked: Collection[Category],
) -> AppliedUpdate:
    """Returns the picked categories to the restore point (DID-20), mirroring DID-17 for the inbox.

    The restore point is the client's device information from immediately before the most recent received
    update; it holds the categories that update changed. Restoring exactly one of ``<Address Book>`` and
    ``<Settings/Registration Value>`` clears the inbox URL Send settings; restoring both puts back
    ``restore_inbox`` (or keeps the current inbox when the update did not change it). The caller uses the
    whole point up.

    Args:
        current: The client's device information now.
        restore_point: The value of each category the most recent update changed, from just before it.
        restore_inbox: The inbox URL Send settings before that update, or None when it kept them.
        picked: The categories picked on ``<Restore Data>``.

    Raises:
        RuleRefusal: (``DID-20``) when nothing is picked, when there is no restore point (no update was
            received since the last restore), or when a picked category is not in it (the most recent
            update did not change it).
    """
    picked_set = set(picked)
    chosen = tuple(c for c in Category if c in picked_set)
    if not chosen:
        raise RuleRefusal("Pick at least one category to restore, then press <Execute>", "DID-20")
    if not restore_point:
        raise RuleRefusal(
            "There is nothing to restore: only the data from just before the most recent received update "
            "can be restored, and it was restored already or no update was received",
            "DID-20",
        )
    missing = [f"<{c.label}>" for c in chosen if c not in restore_point]
    if missing:
        held = ", ".join(f"<{c.label}>" for c in Category if c in restore_point)
        raise RuleRefusal(
            f"There is nothing to restore for {', '.join(missing)}: only the data from just before the most "
            f"recent received update can be restored, and that update changed {held} only",
            "DID-20",
        )
    info = current
    outcomes: dict[Category, str] = {}
    for category in chosen:
        info = info.with_category(category, restore_point[category])
        outcomes[category] = "restored to the data from before the most recent update"
    info = _apply_inbox_rule(info, set(chosen), restored=restore_inbox)
    return _result(current, info, outcomes)


def protected_kept_phrase(inboxes: Collection[str]) -> str:
    """The part of ``<Settings/Registration Value>``'s log sentence naming the client's own inboxes protected by
    a password that were kept (DID-27), e.g. ``, inboxes protected by a password kept (Confidential Fax Inbox
    03)``; empty when there are none."""
    return f", inboxes protected by a password kept ({', '.join(sorted(inboxes))})" if inboxes else ""


def _apply_inbox_rule(
    info: DeviceInformation, applied: set[Category], restored: InboxUrlSend | None
) -> DeviceInformation:
    """DID-17: exactly one of the pair clears the inbox; both together keep (or restore) it."""
    both_or_none = _INBOX_PAIR <= applied or not (_INBOX_PAIR & applied)
    if not both_or_none:
        return replace(info, inbox_url_send=InboxUrlSend())
    if _INBOX_PAIR <= applied and restored is not None:
        return replace(info, inbox_url_send=restored)
    return info


def _result(
    before: DeviceInformation, after: DeviceInformation, outcomes: dict[Category, str]
) -> AppliedUpdate:
    changed = frozenset(c for c in Category if before.category(c) != after.category(c))
    return AppliedUpdate(after, changed, before.inbox_url_send != after.inbox_url_send, outcomes)


def _apply_one(category: Category, mine: Any, theirs: Any, *, card_reader_mismatch: bool,
               prepared: PreparedHostData | None = None) -> tuple[Any, str]:
    if category is Category.ADDRESS_BOOK:
        return _address_book(theirs)
    if category is Category.DEPARTMENT_ID:
        return _department_ids(mine, theirs, card_reader_mismatch, prepared)
    if category is Category.PRINTER_SETTINGS:
        settings = tuple(theirs)
        return settings, f"overwritten with the host's {len(settings)} printer settings"
    if category is Category.PAPER_INFORMATION:
        papers: tuple[PaperType, ...] = tuple(theirs)
        return papers, f"user-defined paper types replaced by the host's {len(papers)}"
    raise ValueError(category)


def _address_book(host: AddressBook) -> tuple[AddressBook, str]:
    """DID-13: the client ends with exactly the host's entries, forwarding and favourites."""
    return host, (
        f"replaced wholesale: {len(host.entries)} entries, {len(host.forwarding)} forwarding "
        f"settings, {len(host.favourites)} favorite settings"
    )


def _department_ids(
    client: DepartmentIds, host: DepartmentIds, card_reader_mismatch: bool,
    prepared: PreparedHostData | None = None,
) -> tuple[DepartmentIds, str]:
    """DID-14: merge by ID; only the System Manager information when card readers differ.

    With ``prepared`` (:class:`PreparedHostData`), a department the client has not got is the host's with
    counters 0 shared by every client, and the merge starts from that list and puts in the client's own
    counters: the work goes with the client's departments, not the host's (a host may have a thousand).
    """
    if card_reader_mismatch:
        merged = DepartmentIds(host.system_manager, client.departments)
        return merged, (
            "System Manager information applied; Department IDs left unchanged because a card reader "
            "is fitted on only one of host and client"
        )
    mine = client.by_id()
    if prepared is not None and len(prepared.fresh_departments) == len(host.departments):
        departments = list(prepared.fresh_departments.values())
        kept = 0
        for dept_id, own in mine.items():
            i = prepared.fresh_position.get(dept_id)
            if i is not None:
                kept += 1
                dept = host.departments[i]
                departments[i] = DepartmentId(dept.dept_id, dept.password_hash, dept.limits, own.counters)
        host_ids: Collection[str] = prepared.fresh_departments
    else:
        departments = []
        kept = 0
        for dept in host.departments:
            own = mine.get(dept.dept_id)
            kept += own is not None
            counters = own.counters if own is not None else PageCounts()
            departments.append(DepartmentId(dept.dept_id, dept.password_hash, dept.limits, counters))
        host_ids = {d.dept_id for d in host.departments}
    added = len(departments) - kept
    deleted = sum(1 for d in client.departments if d.dept_id not in host_ids)
    merged = DepartmentIds(host.system_manager, tuple(departments))
    return merged, (
        f"System Manager information applied; Department IDs: {kept} updated (counters kept), "
        f"{added} added (counters 0), {deleted} deleted"
    )


def _settings_values(
    client: tuple[SettingValue, ...], host: tuple[SettingValue, ...], include_network: bool, client_series: str,
    unprotected: bool = False, prepared: PreparedHostData | None = None,
) -> tuple[tuple[SettingValue, ...], str, tuple[str, ...]]:
    """DID-16 with DID-03's network switch: overwrite what may be delivered, add what is missing; DID-26:
    skip (and list) what the client's series does not have; DID-27: nothing of a password-protected inbox,
    the host's or this machine's, changes hands.

    With ``prepared`` (and ``host`` its unprotected settings), the host's side is worked out once per
    client series and network switch; a client's own protected inboxes then drop their keys from it."""
    mine_protected = protected_inboxes(client)
    if prepared is not None and unprotected:
        view = prepared.host_settings.get((client_series, include_network))
        if view is None:
            view = prepared.host_settings[(client_series, include_network)] = _host_settings(
                host, include_network, client_series)
        view = view.without_inboxes(mine_protected)
    else:
        if not unprotected:  # the host does not send them; should they come anyway, they stay out
            host, _ = without_protected(host)
        host = tuple(s for s in host if inbox_of(s.key) not in mine_protected)
        view = _host_settings(host, include_network, client_series)
    host_by_key, skipped = view.by_key, view.skipped
    client_keys = {s.key for s in client}

    result: list[SettingValue] = []
    overwritten = kept = skipped_network = 0
    for mine in client:
        theirs = host_by_key.get(mine.key)
        if theirs is None:
            result.append(mine)
            continue
        if not (setting_is_deliverable(mine) and setting_is_deliverable(theirs)):
            kept += 1
            result.append(mine)
        elif (mine.network or theirs.network) and not include_network:
            skipped_network += 1
            result.append(mine)
        else:
            overwritten += 1
            same_flags = theirs.deliverable == mine.deliverable and theirs.network == mine.network
            # The host's own item when it is the same value (its key is mine): no new one per client.
            result.append(theirs if same_flags else SettingValue(mine.key, theirs.value, mine.deliverable, mine.network))
    added = [s for s in view.offered if s.key not in client_keys]
    result.extend(added)
    text = f"{overwritten} values overwritten, {len(added)} added, {kept} not deliverable kept"
    if skipped_network:
        text += f", {skipped_network} network settings kept (<Exclude>)"
    if mine_protected:
        text += protected_kept_phrase(mine_protected)
    if skipped:
        text += f", {len(skipped)} skipped: not on this machine's series ({', '.join(skipped)})"
    return tuple(result), text, skipped


def _host_settings(host: tuple[SettingValue, ...], include_network: bool, client_series: str) -> HostSettings:
    """The host's side of the settings merge for a client of ``client_series`` (see :class:`HostSettings`)."""
    def taken(item: SettingValue) -> bool:
        return setting_is_deliverable(item) and (include_network or not item.network)

    lacking = series_lacking(client_series)
    skipped = tuple(s.key for s in host if taken(s) and not lacking.has(s.key))
    unknown = set(skipped)
    by_key = {s.key: s for s in host if s.key not in unknown}
    inboxes = {key: inbox for key in (*by_key, *skipped) if (inbox := inbox_of(key))}
    return HostSettings(by_key, skipped, tuple(s for s in by_key.values() if taken(s)), inboxes)
