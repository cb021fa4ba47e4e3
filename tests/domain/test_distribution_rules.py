"""How a client applies and restores received categories (DID-13..DID-17, DID-20, DID-03)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from mfp_console.domain.device_info import (
    AddressBook,
    AddressEntry,
    Category,
    DepartmentId,
    DepartmentIds,
    DeviceInformation,
    FavoriteSetting,
    ForwardingRule,
    InboxUrlSend,
    PageCounts,
    PaperType,
    SettingValue,
    SystemManagerInfo,
)
from mfp_console.domain.distribution_rules import (
    NON_DELIVERABLE_KEYS,
    apply_received,
    restore_categories,
    restore_point_of,
    setting_is_deliverable,
)
from mfp_console.domain.seed import seed_device_information
from mfp_console.errors import RuleRefusal

INBOX = InboxUrlSend(True, (("Confidential Fax Inbox 01", "finance-fax@example.com"),))
DEVICE_NAME = "Management Settings/Device Management/Device Name"


def _client() -> DeviceInformation:
    return DeviceInformation(
        address_book=AddressBook(
            (AddressEntry(1, "Old", "e-mail", "old@example.com"),),
            (ForwardingRule("old rule", "Receive Type: Fax", 1),),
            (FavoriteSetting(1, "Old fav"),),
        ),
        department_ids=DepartmentIds(
            SystemManagerInfo("Client Admin"),
            (
                DepartmentId("0000101", "hash-c101", PageCounts(100, 10, 90), PageCounts(50, 5, 45)),
                DepartmentId("0000450", "hash-c450", PageCounts(), PageCounts(7, 0, 7)),
            ),
        ),
        printer_settings=(("Copies", "1"), ("Toner Save", "On")),
        paper_types=(PaperType("Client paper", "Plain 1", 70),),
        settings_values=(
            SettingValue("Preferences/Timer/Auto Sleep Time", "1 min"),
            SettingValue(DEVICE_NAME, "client-a", deliverable=False),
            SettingValue("Preferences/Network/DHCP", "On", network=True),
            SettingValue("Preferences/Display/Brightness", "3"),
            SettingValue("Client/Only Item", "x"),
        ),
        inbox_url_send=INBOX,
    )


def _host() -> DeviceInformation:
    return DeviceInformation(
        address_book=AddressBook(
            (AddressEntry(1, "New", "fax", "+1-212-555-0101"),
             AddressEntry(2, "Two", "e-mail", "two@example.com")),
            (ForwardingRule("new rule", "Receive Type: I-Fax", 2),),
            (),
        ),
        department_ids=DepartmentIds(
            SystemManagerInfo("Host Admin"),
            (
                DepartmentId("0000101", "hash-h101", PageCounts(5000, 500, 4500), PageCounts(999, 99, 900)),
                DepartmentId("0000201", "hash-h201", PageCounts(200, 20, 180), PageCounts(12, 2, 10)),
            ),
        ),
        printer_settings=(("Copies", "2"), ("Resolution", "1200 dpi")),
        paper_types=(PaperType("Host A", "Heavy 1", 110), PaperType("Host B", "Plain 2", 80)),
        settings_values=(
            SettingValue("Preferences/Timer/Auto Sleep Time", "10 min"),
            SettingValue(DEVICE_NAME, "host", deliverable=False),
            SettingValue("Preferences/Network/DHCP", "Off", network=True),
            SettingValue("Preferences/Display/Brightness", "5", deliverable=False),
            SettingValue("Host/New Item", "y"),
            SettingValue("Host/New Network Item", "z", network=True),
            SettingValue("Host/Not Deliverable", "q", deliverable=False),
        ),
        inbox_url_send=InboxUrlSend(),
    )


def _bundle(*categories: Category) -> dict[Category, object]:
    host = _host()
    return {c: host.category(c) for c in categories}


def _apply(*categories: Category, include_network: bool = False, card_reader_mismatch: bool = False):
    return apply_received(_client(), _bundle(*categories), categories,
                          include_network=include_network, card_reader_mismatch=card_reader_mismatch)


@pytest.mark.rules("DID-13")
def test_did13_address_book_replaced_wholesale() -> None:
    update = _apply(Category.ADDRESS_BOOK)
    assert update.info.address_book == _host().address_book
    assert update.changed == {Category.ADDRESS_BOOK}
    assert "replaced wholesale: 2 entries, 1 forwarding settings, 0 favorite settings" in update.outcomes[
        Category.ADDRESS_BOOK]


@pytest.mark.rules("DID-14")
def test_did14_department_merge_keeps_client_counters() -> None:
    update = _apply(Category.DEPARTMENT_ID)
    depts = update.info.department_ids
    assert depts.system_manager == SystemManagerInfo("Host Admin")
    by_id = depts.by_id()
    assert set(by_id) == {"0000101", "0000201"}  # 0000450 existed only on the client: deleted
    both = by_id["0000101"]
    assert (both.password_hash, both.limits) == ("hash-h101", PageCounts(5000, 500, 4500))
    assert both.counters == PageCounts(50, 5, 45)
    added = by_id["0000201"]
    assert (added.password_hash, added.limits, added.counters) == ("hash-h201", PageCounts(200, 20, 180),
                                                                   PageCounts())
    outcome = update.outcomes[Category.DEPARTMENT_ID]
    assert "1 updated (counters kept), 1 added (counters 0), 1 deleted" in outcome


@pytest.mark.rules("DID-14")
def test_did14_card_reader_mismatch_applies_only_system_manager() -> None:
    update = _apply(Category.DEPARTMENT_ID, card_reader_mismatch=True)
    assert update.info.department_ids.system_manager == SystemManagerInfo("Host Admin")
    assert update.info.department_ids.departments == _client().department_ids.departments
    assert "card reader" in update.outcomes[Category.DEPARTMENT_ID]


@pytest.mark.rules("DID-15")
def test_did15_printer_settings_and_paper_types_overwritten() -> None:
    update = _apply(Category.PRINTER_SETTINGS, Category.PAPER_INFORMATION)
    assert update.info.printer_settings == _host().printer_settings
    assert update.info.paper_types == _host().paper_types
    assert update.changed == {Category.PRINTER_SETTINGS, Category.PAPER_INFORMATION}
    assert update.info.address_book == _client().address_book  # others untouched


@pytest.mark.rules("DID-16")
def test_did16_settings_values_overwrite_deliverable_keep_the_rest() -> None:
    update = _apply(Category.SETTINGS_VALUES)
    values = {s.key: s.value for s in update.info.settings_values}
    assert values["Preferences/Timer/Auto Sleep Time"] == "10 min"
    assert values[DEVICE_NAME] == "client-a"  # not deliverable on either side
    assert values["Preferences/Display/Brightness"] == "3"  # host marks it not deliverable
    assert values["Client/Only Item"] == "x"  # client-only items stay
    assert values["Host/New Item"] == "y"  # deliverable host-only item is added
    assert "Host/Not Deliverable" not in values
    assert update.info.settings_values[0].key == "Preferences/Timer/Auto Sleep Time"  # client order kept


@pytest.mark.rules("DID-16")
def test_did16_non_deliverable_keys_win_over_the_flag() -> None:
    for key in NON_DELIVERABLE_KEYS:
        assert not setting_is_deliverable(SettingValue(key, "v", deliverable=True))
    client = DeviceInformation(settings_values=(SettingValue(DEVICE_NAME, "client-a"),))
    update = apply_received(client, {Category.SETTINGS_VALUES: (SettingValue(DEVICE_NAME, "host"),)},
                            [Category.SETTINGS_VALUES], include_network=True, card_reader_mismatch=False)
    assert update.info.setting(DEVICE_NAME) == "client-a"


@pytest.mark.rules("DID-16")
def test_did16_non_deliverable_set_covers_the_rule() -> None:
    text = " ".join(NON_DELIVERABLE_KEYS)
    for words in ("Device Name", "Location", "System Manager ID", "System Manager PIN",
                  "Key and Certificate Settings", "Register Destinations", "Set Auto Distribution",
                  "Restrict Receiving Device Information", "Restrict Receiving for Each Function"):
        assert words in text


@pytest.mark.rules("DID-03")
def test_did03_network_settings_only_with_include() -> None:
    excluded = {s.key: s.value for s in _apply(Category.SETTINGS_VALUES).info.settings_values}
    assert excluded["Preferences/Network/DHCP"] == "On"
    assert "Host/New Network Item" not in excluded
    update = _apply(Category.SETTINGS_VALUES, include_network=True)
    included = {s.key: s.value for s in update.info.settings_values}
    assert included["Preferences/Network/DHCP"] == "Off"
    assert included["Host/New Network Item"] == "z"


@pytest.mark.rules("DID-17")
@pytest.mark.parametrize("category", [Category.ADDRESS_BOOK, Category.SETTINGS_VALUES])
def test_did17_exactly_one_of_address_book_and_settings_clears_inbox(category: Category) -> None:
    update = _apply(category)
    assert update.info.inbox_url_send.is_clear
    assert update.inbox_changed


@pytest.mark.rules("DID-17")
def test_did17_both_together_keep_inbox() -> None:
    update = _apply(Category.ADDRESS_BOOK, Category.SETTINGS_VALUES)
    assert update.info.inbox_url_send == INBOX and not update.inbox_changed


@pytest.mark.rules("DID-17")
def test_did17_neither_keeps_inbox() -> None:
    update = _apply(Category.PRINTER_SETTINGS)
    assert update.info.inbox_url_send == INBOX and not update.inbox_changed


@pytest.mark.rules("DID-17", "DID-19")
def test_did17_refused_settings_counts_as_not_sent() -> None:
    """Host sends both, the client accepts only <Address Book> (DID-19): the inbox is cleared."""
    bundle = _bundle(Category.ADDRESS_BOOK, Category.SETTINGS_VALUES)
    update = apply_received(_client(), bundle, [Category.ADDRESS_BOOK], include_network=False,
                            card_reader_mismatch=False)
    assert update.inbox_changed and Category.SETTINGS_VALUES not in update.outcomes


def test_apply_refuses_an_accepted_category_missing_from_the_bundle() -> None:
    with pytest.raises(ValueError, match="Printer Settings"):
        apply_received(_client(), {}, [Category.PRINTER_SETTINGS], include_network=False,
                       card_reader_mismatch=False)


@pytest.mark.rules("DID-20")
def test_did20_restore_returns_categories_to_before_the_update() -> None:
    before = _client()
    update = _apply(Category.ADDRESS_BOOK, Category.PRINTER_SETTINGS)
    point = restore_point_of(before, update)
    assert set(point.categories) == {Category.ADDRESS_BOOK, Category.PRINTER_SETTINGS}
    assert point.inbox == INBOX  # the update cleared it (DID-17)
    restored = restore_categories(update.info, point.categories, point.inbox, [Category.PRINTER_SETTINGS])
    assert restored.info.printer_settings == before.printer_settings
    assert restored.info.address_book == _host().address_book
    assert restored.changed == {Category.PRINTER_SETTINGS}


@pytest.mark.rules("DID-17", "DID-20")
def test_did17_did20_restoring_one_of_the_pair_clears_inbox_both_restores_it() -> None:
    before = _client()
    update = _apply(Category.ADDRESS_BOOK, Category.SETTINGS_VALUES)
    point = restore_point_of(before, update)
    changed_inbox = InboxUrlSend(True, (("Confidential Fax Inbox 02", "new@example.com"),))
    now = replace(update.info, inbox_url_send=changed_inbox)
    one = restore_categories(now, point.categories, point.inbox, [Category.ADDRESS_BOOK])
    assert one.info.inbox_url_send.is_clear and one.inbox_changed
    both = restore_categories(now, point.categories, point.inbox,
                              [Category.ADDRESS_BOOK, Category.SETTINGS_VALUES])
    assert both.info.inbox_url_send == changed_inbox  # the update kept it: both keep it
    assert both.info.address_book == before.address_book
    assert both.info.settings_values == before.settings_values


@pytest.mark.rules("DID-20")
def test_did20_both_restored_puts_back_an_inbox_the_update_cleared() -> None:
    before = _client()
    update = _apply(Category.ADDRESS_BOOK)  # clears inbox
    point = restore_point_of(before, update)
    # Pretend the restore point also held settings values from the same update.
    categories = {**point.categories, Category.SETTINGS_VALUES: before.settings_values}
    both = restore_categories(update.info, categories, point.inbox,
                              [Category.ADDRESS_BOOK, Category.SETTINGS_VALUES])
    assert both.info.inbox_url_send == INBOX


@pytest.mark.rules("DID-20")
def test_did20_nothing_to_restore_says_so() -> None:
    with pytest.raises(RuleRefusal) as caught:
        restore_categories(_client(), {}, None, [Category.ADDRESS_BOOK])
    assert caught.value.rule_id == "DID-20"
    assert "There is nothing to restore:" in caught.value.reason
    assert "no update was received" in caught.value.reason
    with pytest.raises(RuleRefusal) as caught:
        restore_categories(_client(), {Category.PAPER_INFORMATION: ()}, None, [Category.ADDRESS_BOOK])
    assert "nothing to restore for <Address Book>" in caught.value.reason
    assert "changed <Paper Information> only" in caught.value.reason
    with pytest.raises(RuleRefusal, match="Pick at least one category"):
        restore_categories(_client(), {Category.ADDRESS_BOOK: AddressBook()}, None, [])


@pytest.mark.rules("DID-13", "DID-16")
def test_did13_to_did16_seeded_host_changes_seeded_client_visibly() -> None:
    host = seed_device_information("host", "host")
    client = seed_device_information("client", "client-a")
    update = apply_received(client, {c: host.category(c) for c in Category}, list(Category),
                            include_network=False, card_reader_mismatch=False)
    assert update.changed == set(Category)
    assert update.info.address_book == host.address_book
    assert update.info.setting(DEVICE_NAME) == "client-a"
    assert update.info.inbox_url_send == client.inbox_url_send  # both sent: kept (DID-17)
    kept = {d.dept_id: d.counters for d in client.department_ids.departments}
    for dept in update.info.department_ids.departments:
        assert dept.counters == kept.get(dept.dept_id, PageCounts())


@pytest.mark.rules("DID-14", "DID-16", "DID-26", "DID-27")
@pytest.mark.parametrize("mismatch", [False, True])
@pytest.mark.parametrize("include_network", [False, True])
def test_did14_did16_a_bundle_prepared_once_gives_every_client_the_same_result(mismatch: bool,
                                                                               include_network: bool) -> None:
    """Working out the host's side once per bundle (fresh Department IDs with counters 0, the host's settings
    per client series and network switch) changes nothing a client ends with: counters kept where the client
    had the ID, 0 where it did not; the same values, skipped keys and outcome texts for clients of different
    series, one with a password-protected inbox of its own, and one sharing the host's Department IDs."""
    from mfp_console.domain.distribution_rules import prepare_host_data
    from mfp_console.domain.inboxes import INBOX_GROUP, PASSWORD_SET, password_key

    host = seed_device_information("bench", "host", seed=7)
    bundle = {c: host.category(c) for c in Category}
    prepared = prepare_host_data(bundle)
    protected = seed_device_information("client", "client-p", seed=3)
    protected = protected.with_category(Category.SETTINGS_VALUES, (
        *protected.settings_values, SettingValue(password_key("01"), PASSWORD_SET)))
    sharing = seed_device_information("client", "client-s", seed=5)
    sharing = sharing.with_category(Category.DEPARTMENT_ID, replace(
        host.department_ids, departments=host.department_ids.departments[:3] + sharing.department_ids.departments))
    clients = [(seed_device_information("client", name, seed=len(name)), series)
               for name, series in (("client-a", ""), ("client-b", "iR-ADV C3500"), ("client-c", "iR-ADV C3500"))]
    clients += [(protected, "iR-ADV C3500"), (sharing, "")]
    # An inbox the host sends items of, protected on the client: the host's view drops those keys.
    own_inbox = seed_device_information("client", "client-o", seed=6)
    own_inbox = own_inbox.with_category(Category.SETTINGS_VALUES, (
        *own_inbox.settings_values, SettingValue(password_key("Confidential Fax Inbox 01"), PASSWORD_SET)))
    assert any(s.key.startswith(INBOX_GROUP + "01/") for s in host.settings_values)
    clients += [(own_inbox, ""), (own_inbox, "iR-ADV C3500")]
    for client, series in clients:
        plain = apply_received(client, bundle, list(Category), include_network=include_network,
                               card_reader_mismatch=mismatch, client_series=series)
        quick = apply_received(client, bundle, list(Category), include_network=include_network,
                               card_reader_mismatch=mismatch, client_series=series, prepared=prepared)
        assert quick == plain
        mine = client.department_ids.by_id()
        for dept in quick.info.department_ids.departments if not mismatch else ():
            assert dept.counters == (mine[dept.dept_id].counters if dept.dept_id in mine else PageCounts())
