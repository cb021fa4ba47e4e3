"""A full disk during an update: the client ends NG, keeps its old data, and is idle again at once.

The disk is filled the way SQLite sees a full disk: the client's database may not grow past the pages it
has (``PRAGMA max_page_count``), so every write that needs a new page fails with "database or disk is
full". The bug this guards against: the update marker was written before the ``try``, so a failure there
left the client ``Updating`` with its panel locked, and every later distribution ended ``NG E-BUSY`` until a
restart.
"""

from __future__ import annotations

import pytest

from mfp_console.domain.device_info import AddressEntry, Category
from mfp_console.domain.machine import Activity
from mfp_console.engine.fleet import Fleet

ADMIN = ("7654321", "7654321")
pytestmark = pytest.mark.rules("DID-11", "DID-12", "M-04")


def _fill_the_disk(fleet: Fleet, name: str) -> int:
    connection = fleet.live_machine(name).store._db.connection  # noqa: SLF001 - the test plays the disk
    pages = connection.execute("PRAGMA page_count").fetchone()[0]
    connection.execute(f"PRAGMA max_page_count = {pages}")
    return pages


def _free_space(fleet: Fleet, name: str) -> None:
    fleet.live_machine(name).store._db.connection.execute("PRAGMA max_page_count = 1073741823")  # noqa: SLF001


async def _distribute(fleet: Fleet) -> str:
    fleet.panel.login_admin("host", *ADMIN)
    fleet.distribution.start_manual_distribution("host", [Category.ADDRESS_BOOK], ["client-a"])
    await fleet.settle()
    job = fleet.distribution.last_job("host")
    assert job is not None
    return job.results["client-a"].text


async def test_a_full_disk_ends_the_update_ng_and_the_client_is_idle_with_its_old_data(fleet: Fleet) -> None:
    for n in range(60):  # enough host entries that the update needs new pages on the client
        fleet.data.add_address_entry("host", AddressEntry(0, f"Contact {n:03d} " + "x" * 200, "e-mail",
                                                          f"c{n}@example.com"))
    before = fleet.data.device_info("client-a")
    _fill_the_disk(fleet, "client-a")
    assert await _distribute(fleet) == "NG E-INTERRUPTED"
    view = fleet.view("client-a")
    assert view.activity is Activity.IDLE and view.error_code == ""
    assert fleet.data.device_info("client-a") == before
    fleet.panel.login_admin("client-a", *ADMIN)  # the panel is not locked
    fleet.panel.logout("client-a")

    _free_space(fleet, "client-a")
    assert await _distribute(fleet) == "OK"  # no restart needed
    assert fleet.data.device_info("client-a").address_book == fleet.data.device_info("host").address_book


@pytest.mark.rules("DID-13")
async def test_the_panel_stores_only_what_a_client_could_receive(fleet: Fleet) -> None:
    """What the panel keeps is what the wire accepts: a kind the address book does not have is refused."""
    from mfp_console.errors import RuleRefusal

    with pytest.raises(RuleRefusal, match="must be one of"):
        fleet.data.add_address_entry("host", AddressEntry(0, "Bad kind", "E-Mail", "x@example.com"))
    with pytest.raises(RuleRefusal, match="<Address Book>"):
        fleet.data.add_address_entry("host", AddressEntry(0, "n" * 5000, "e-mail", "x@example.com"))
    assert all(e.name != "Bad kind" for e in fleet.data.device_info("host").address_book.entries)
