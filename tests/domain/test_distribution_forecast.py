"""What a pre-flight forecast counts: the changes DID-13…17 and DID-26 would make, and what it may name."""

from __future__ import annotations

import pytest

from mfp_console.domain.destination_status import StatusKind
from mfp_console.domain.device_info import Category, DeviceInformation, SettingValue
from mfp_console.domain.distribution_forecast import (
    Change,
    ChangeKind,
    DestinationForecast,
    changes_between,
    clip_text,
)
from mfp_console.domain.distribution_rules import apply_received
from tests.domain.test_distribution_rules import _client, _host

ALL = tuple(Category)


def forecast(*categories: Category, card_reader_mismatch: bool = False, client: DeviceInformation | None = None,
             client_series: str = "", **limits: int) -> dict[tuple[Category, ChangeKind], Change]:
    before = client or _client()
    host = _host()
    update = apply_received(before, {c: host.category(c) for c in categories}, categories, include_network=False,
                            card_reader_mismatch=card_reader_mismatch, client_series=client_series)
    changes = changes_between(before, update.info, categories, skipped_settings=update.skipped_settings,
                              card_reader_mismatch=card_reader_mismatch, **limits)
    return {(c.category, c.kind): c for c in changes}


@pytest.mark.rules("DID-13")
def test_did13_address_book_changes_are_counted_and_only_the_hosts_names_are_named() -> None:
    changes = forecast(Category.ADDRESS_BOOK)
    book = Category.ADDRESS_BOOK
    assert changes[book, ChangeKind.ENTRIES_ADDED] == Change(book, ChangeKind.ENTRIES_ADDED, 1, ("Two",))
    assert changes[book, ChangeKind.ENTRIES_CHANGED] == Change(book, ChangeKind.ENTRIES_CHANGED, 1, ("New",))
    assert (book, ChangeKind.ENTRIES_REMOVED) not in changes  # entry 1 stays (changed), none is removed
    assert changes[book, ChangeKind.FORWARDING_ADDED].names == ("new rule",)
    # "old rule" and "Old fav" are the client's: counted, never named
    assert changes[book, ChangeKind.FORWARDING_REMOVED] == Change(book, ChangeKind.FORWARDING_REMOVED, 1)
    assert changes[book, ChangeKind.FAVOURITES_REMOVED] == Change(book, ChangeKind.FAVOURITES_REMOVED, 1)
    # DID-17: the address book alone erases the inbox URL Send settings (one switch, one pair)
    assert changes[book, ChangeKind.URL_SEND_ERASED].count == 2
    assert "finance" not in repr(changes)


@pytest.mark.rules("DID-14")
def test_did14_department_ids_created_deleted_and_kept_without_passwords_or_counters() -> None:
    changes = forecast(Category.DEPARTMENT_ID)
    dept = Category.DEPARTMENT_ID
    assert changes[dept, ChangeKind.DEPARTMENTS_CREATED].names == ("0000201",)
    assert changes[dept, ChangeKind.DEPARTMENTS_KEPT].names == ("0000101",)
    assert changes[dept, ChangeKind.DEPARTMENTS_DELETED] == Change(dept, ChangeKind.DEPARTMENTS_DELETED, 1)
    assert changes[dept, ChangeKind.SYSTEM_MANAGER_CHANGED].count == 1
    text = repr(changes)
    assert "0000450" not in text and "hash" not in text and "Client Admin" not in text


@pytest.mark.rules("DID-14")
def test_did14_with_a_card_reader_on_one_side_only_the_ids_stay() -> None:
    changes = forecast(Category.DEPARTMENT_ID, card_reader_mismatch=True)
    dept = Category.DEPARTMENT_ID
    assert set(changes) == {(dept, ChangeKind.SYSTEM_MANAGER_CHANGED), (dept, ChangeKind.DEPARTMENTS_UNTOUCHED)}
    assert changes[dept, ChangeKind.DEPARTMENTS_UNTOUCHED].count == 2


@pytest.mark.rules("DID-15")
def test_did15_printer_settings_and_paper_types() -> None:
    changes = forecast(Category.PRINTER_SETTINGS, Category.PAPER_INFORMATION)
    printer, paper = Category.PRINTER_SETTINGS, Category.PAPER_INFORMATION
    assert changes[printer, ChangeKind.PRINTER_CHANGED].names == ("Copies",)
    assert changes[printer, ChangeKind.PRINTER_ADDED].names == ("Resolution",)
    assert changes[printer, ChangeKind.PRINTER_REMOVED] == Change(printer, ChangeKind.PRINTER_REMOVED, 1)
    assert changes[paper, ChangeKind.PAPER_ADDED].names == ("Host A", "Host B")
    assert changes[paper, ChangeKind.PAPER_REMOVED].count == 1
    assert "Toner Save" not in repr(changes) and "Client paper" not in repr(changes)


@pytest.mark.rules("DID-16", "DID-17", "DID-26")
def test_did16_did26_settings_values_changed_added_and_skipped() -> None:
    lacking = "Management Settings/Security Settings/Use McAfee Embedded Control"  # not on an iR-ADV C3500
    client = _client()
    host_extra = SettingValue(lacking, "On")
    before = client
    host = _host()
    bundle = {Category.SETTINGS_VALUES: (*host.settings_values, host_extra)}
    update = apply_received(before, bundle, [Category.SETTINGS_VALUES], include_network=False,
                            card_reader_mismatch=False, client_series="iR-ADV C3500")
    changes = {(c.category, c.kind): c for c in changes_between(
        before, update.info, [Category.SETTINGS_VALUES], skipped_settings=update.skipped_settings)}
    values = Category.SETTINGS_VALUES
    assert changes[values, ChangeKind.SETTINGS_CHANGED].names == ("Preferences/Timer/Auto Sleep Time",)
    assert changes[values, ChangeKind.SETTINGS_ADDED].names == ("Host/New Item",)
    assert changes[values, ChangeKind.SETTINGS_SKIPPED].names == (lacking,)
    assert changes[values, ChangeKind.URL_SEND_ERASED].count == 2  # DID-17: values without the book


@pytest.mark.rules("DID-17")
def test_did17_both_categories_together_erase_nothing() -> None:
    changes = forecast(Category.ADDRESS_BOOK, Category.SETTINGS_VALUES)
    assert not any(kind is ChangeKind.URL_SEND_ERASED for _, kind in changes)


def test_nothing_changes_when_the_client_already_has_the_hosts_data() -> None:
    host = _host()
    update = apply_received(host, {c: host.category(c) for c in ALL}, ALL, include_network=True,
                            card_reader_mismatch=False)
    changes = changes_between(host, update.info, ALL)
    # DID-14's IDs on both are listed whether or not they differ: a difference would betray the password
    assert changes == (Change(Category.DEPARTMENT_ID, ChangeKind.DEPARTMENTS_KEPT, 2, ("0000101", "0000201")),)


def test_names_are_capped_per_change_and_in_all_but_the_counts_stay() -> None:
    changes = forecast(Category.PAPER_INFORMATION, Category.PRINTER_SETTINGS, names=1)
    assert changes[Category.PAPER_INFORMATION, ChangeKind.PAPER_ADDED] == Change(
        Category.PAPER_INFORMATION, ChangeKind.PAPER_ADDED, 2, ("Host A",))
    budget = forecast(Category.PRINTER_SETTINGS, Category.PAPER_INFORMATION, text_chars=len("Resolution"))
    assert budget[Category.PRINTER_SETTINGS, ChangeKind.PRINTER_ADDED].names == ("Resolution",)
    assert budget[Category.PRINTER_SETTINGS, ChangeKind.PRINTER_CHANGED] == Change(
        Category.PRINTER_SETTINGS, ChangeKind.PRINTER_CHANGED, 1)
    assert budget[Category.PAPER_INFORMATION, ChangeKind.PAPER_ADDED] == Change(
        Category.PAPER_INFORMATION, ChangeKind.PAPER_ADDED, 2)
    assert Change(Category.PAPER_INFORMATION, ChangeKind.PAPER_ADDED, 3, ("A",)).text == \
        "3 paper types added: A, … (2 more)"


def test_a_forecast_as_json_and_back() -> None:
    change = Change(Category.ADDRESS_BOOK, ChangeKind.ENTRIES_ADDED, 2, ("A", "B"))
    assert Change.from_json(change.to_json()) == change
    seen = DestinationForecast("client-a", StatusKind.OK, accepted=(Category.ADDRESS_BOOK,),
                               refused=((Category.PRINTER_SETTINGS, "set to <Off>"),),
                               summaries={Category.ADDRESS_BOOK: "replaced wholesale"}, changes=(change,))
    data = seen.to_json()
    assert data["status"] == "OK" and data["refused"] == {"printer_settings": "set to <Off>"}
    assert data["categories"]["address_book"]["changes"][0]["names"] == ["A", "B"]
    assert DestinationForecast("client-b", StatusKind.NG, "E-AUTH").text == "NG E-AUTH"
    assert clip_text("abcdef", 4) == "abc…" and clip_text("abc", 4) == "abc"
