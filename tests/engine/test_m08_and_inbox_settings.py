"""M-08: <System Manager Information Settings> changes the System Manager ID and PIN (PIN typed twice), for
the Administrator only, with M-02's checks; DID-17: the inboxes' <URL Send Settings> read and edited through
the facade, and seen cleared by an address book sent alone."""

from __future__ import annotations

import pytest

from mfp_console.domain.device_info import Category, InboxUrlSend
from mfp_console.engine.fleet import Fleet
from mfp_console.errors import AuthError, RuleRefusal

ADMIN = ("7654321", "7654321")


@pytest.mark.rules("M-08", "M-03")
async def test_m08_administrator_changes_id_and_pin_and_logs_in_with_them(fleet: Fleet) -> None:
    with pytest.raises(AuthError):
        fleet.panel.change_system_manager("client-a", "1234", "4321", "4321")  # nobody logged in
    fleet.panel.login_admin("client-a", *ADMIN)
    assert fleet.panel.change_system_manager("client-a", "1234", "4321", "0004321") == "0001234"
    assert fleet.panel.is_admin("client-a")  # (D) the session stays
    assert fleet.panel.system_manager_id("client-a") == "0001234"
    fleet.panel.logout("client-a")
    with pytest.raises(AuthError):
        fleet.panel.login_admin("client-a", *ADMIN)
    fleet.panel.login_admin("client-a", "0001234", "4321")
    assert fleet.panel.is_admin("client-a")


@pytest.mark.rules("M-08", "M-02")
@pytest.mark.parametrize(
    ("manager_id", "pin", "confirm", "rule", "words"),
    [
        ("7654321", "0", "0", "M-02", "<System Manager PIN> cannot be all zeros"),
        ("7654321", "0000000", "0000000", "M-02", "cannot be all zeros"),
        ("0000000", "1111111", "1111111", "M-02", "<System Manager ID> cannot be all zeros"),
        ("7654321", "12345678", "12345678", "M-02", "1 to 7 digits; got 8"),
        ("12345678", "1111111", "1111111", "M-02", "<System Manager ID> must be 1 to 7 digits"),
        ("7654321", "12a4", "12a4", "M-02", "digits only"),
        ("7654321", "1111111", "1111112", "M-08", "<System Manager PIN> and <Confirm> differ"),
        ("7654321", "1111111", "", "M-08", "differ"),
    ],
)
async def test_m08_refused_values_change_nothing(
    fleet: Fleet, manager_id: str, pin: str, confirm: str, rule: str, words: str
) -> None:
    fleet.panel.login_admin("client-a", *ADMIN)
    with pytest.raises(RuleRefusal) as caught:
        fleet.panel.change_system_manager("client-a", manager_id, pin, confirm)
    assert caught.value.rule_id == rule and words in caught.value.reason
    fleet.panel.logout("client-a")
    fleet.panel.login_admin("client-a", *ADMIN)  # the old ID and PIN still work
    assert fleet.panel.system_manager_id("client-a") == "7654321"


@pytest.mark.rules("M-08", "DID-08")
async def test_m08_a_pin_changed_on_the_panel_makes_the_client_end_e_auth(fleet: Fleet) -> None:
    """Rehearsable without the fault panel: the client's own Administrator changes its PIN."""
    fleet.panel.login_admin("client-b", *ADMIN)
    fleet.panel.change_system_manager("client-b", "7654321", "1111111", "1111111")
    book = fleet.data.device_info("client-b").address_book
    fleet.panel.login_admin("host", *ADMIN)
    fleet.distribution.start_manual_distribution("host", [Category.ADDRESS_BOOK], ["client-a", "client-b"])
    await fleet.settle()
    results = fleet.distribution.last_job("host").results
    assert (results["client-a"].text, results["client-b"].text) == ("OK", "NG E-AUTH")
    assert fleet.data.device_info("client-b").address_book == book


@pytest.mark.rules("DID-17")
async def test_did17_url_send_settings_read_edited_and_cleared_by_the_address_book_alone(fleet: Fleet) -> None:
    seeded = fleet.data.inbox_url_send("client-a")
    assert seeded.enabled and seeded.entries
    wanted = InboxUrlSend(True, (("Confidential Fax Inbox 07", "legal-fax@example.com"),
                                 ("Confidential Fax Inbox 03", " hr-fax@example.com ")))
    with pytest.raises(AuthError):
        fleet.data.set_inbox_url_send("client-a", wanted)
    fleet.panel.login_admin("client-a", *ADMIN)
    fleet.data.set_inbox_url_send("client-a", wanted)
    assert fleet.data.inbox_url_send("client-a") == InboxUrlSend(True, (
        ("Confidential Fax Inbox 03", "hr-fax@example.com"), ("Confidential Fax Inbox 07", "legal-fax@example.com")))
    for bad, words in [
        (InboxUrlSend(True, (("Inbox 7", "a@example.com"),)), "is not a Confidential Fax Inbox"),
        (InboxUrlSend(True, (("Confidential Fax Inbox 51", "a@example.com"),)), "01 to 50"),
        (InboxUrlSend(True, (("Confidential Fax Inbox 01", "a@example.com"),
                             ("Confidential Fax Inbox 01", "b@example.com"))), "listed twice"),
        (InboxUrlSend(True, (("Confidential Fax Inbox 01", "not an address"),)), "not an e-mail address"),
    ]:
        with pytest.raises(RuleRefusal, match=words):
            fleet.data.set_inbox_url_send("client-a", bad)
    assert fleet.data.inbox_url_send("client-a").entries[0][0] == "Confidential Fax Inbox 03"  # unchanged

    fleet.panel.login_admin("host", *ADMIN)
    fleet.distribution.start_manual_distribution("host", [Category.ADDRESS_BOOK], ["client-a"])
    await fleet.settle()
    assert fleet.data.inbox_url_send("client-a").is_clear  # DID-17: the address book sent alone
