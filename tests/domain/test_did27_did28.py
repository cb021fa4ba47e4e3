"""DID-27 (password-protected inboxes neither sent nor overwritten) and DID-28 (<Address Book> only with the
fax board or the Universal Send Kit), as pure rules."""

from __future__ import annotations

import pytest

from mfp_console.domain.device_info import Category, DeviceInformation, SettingValue
from mfp_console.domain.distribution_rules import apply_received
from mfp_console.domain.inboxes import (
    inbox_of,
    password_key,
    protected_inboxes,
    without_protected,
)
from mfp_console.domain.machine import Activity, MachineOptions
from mfp_console.domain.receiving import (
    NO_SEND_OPTION_REASON,
    ReceivingSettings,
    decide_offer,
)

BOX = "Function Settings/Store and Access Files/Confidential Fax Inbox {:02d}/{}"


def _inbox(number: int, password: bool, print_when_stored: str) -> tuple[SettingValue, ...]:
    return (SettingValue(BOX.format(number, "Print When Stored"), print_when_stored),
            SettingValue(BOX.format(number, "Password"), "Set" if password else "Not Set"))


def test_inbox_keys_and_protection() -> None:
    assert inbox_of(BOX.format(3, "Password")) == "Confidential Fax Inbox 03"
    assert inbox_of("Preferences/Timer/Auto Sleep Time") == ""
    assert password_key("Confidential Fax Inbox 03") == BOX.format(3, "Password")
    values = _inbox(1, False, "On") + _inbox(2, True, "On")
    assert protected_inboxes(values) == {"Confidential Fax Inbox 02"}
    sent, kept_back = without_protected(values)
    assert sent == _inbox(1, False, "On") and kept_back == ("Confidential Fax Inbox 02",)


@pytest.mark.rules("DID-27", "DID-16")
def test_did27_protected_inboxes_are_neither_sent_nor_overwritten() -> None:
    """Inbox 1: open on both → overwritten. Inbox 2: protected on the host → not received. Inbox 3:
    protected on the client → kept. Inbox 4: only on the host, open → added."""
    host = _inbox(1, False, "On") + _inbox(2, True, "On") + _inbox(3, False, "On") + _inbox(4, False, "On")
    client = _inbox(1, False, "Off") + _inbox(2, False, "Off") + _inbox(3, True, "Off")
    update = apply_received(DeviceInformation(settings_values=client), {Category.SETTINGS_VALUES: host},
                            [Category.SETTINGS_VALUES], include_network=False, card_reader_mismatch=False)
    after = update.info.settings_map()
    assert after[BOX.format(1, "Print When Stored")].value == "On"
    assert after[BOX.format(2, "Print When Stored")].value == "Off"
    assert after[BOX.format(2, "Password")].value == "Not Set"
    assert after[BOX.format(3, "Print When Stored")].value == "Off"
    assert after[BOX.format(3, "Password")].value == "Set"
    assert after[BOX.format(4, "Print When Stored")].value == "On"
    assert "inboxes protected by a password kept (Confidential Fax Inbox 03)" in update.outcomes[Category.SETTINGS_VALUES]


@pytest.mark.rules("DID-28")
def test_did28_options_that_carry_the_address_book() -> None:
    assert MachineOptions().handles_address_book  # (D) the fax board is fitted unless said otherwise
    assert MachineOptions(fax_board=False, universal_send_kit=True).handles_address_book
    assert not MachineOptions(fax_board=False).handles_address_book


@pytest.mark.rules("DID-28", "DID-05")
def test_did28_a_client_without_fax_board_or_send_kit_refuses_the_address_book_only() -> None:
    def decide(offered: tuple[Category, ...]):
        return decide_offer(host_series="iR-ADV C5500", client_series="iR-ADV C5500", offered=offered,
                            settings=ReceivingSettings(), client_activity=Activity.IDLE, handles_address_book=False)

    partial = decide((Category.ADDRESS_BOOK, Category.PRINTER_SETTINGS))
    assert partial.ok and partial.accepted == (Category.PRINTER_SETTINGS,)
    assert partial.refused == ((Category.ADDRESS_BOOK, NO_SEND_OPTION_REASON),)
    assert "refused <Address Book> (this machine has neither the fax board nor the Universal Send Kit)" in partial.log_text()
    alone = decide((Category.ADDRESS_BOOK,))
    assert alone.code == "E-REFUSED" and NO_SEND_OPTION_REASON in alone.reason
