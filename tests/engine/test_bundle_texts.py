"""A host's bundle spliced from the texts its store keeps is, byte for byte, the bundle encoded from its
decoded values: same data, frames, digest, categories and notes of what stays behind (DID-03, DID-27,
DID-28); and starting a distribution no longer decodes the host's device information."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timezone
from pathlib import Path

import pytest

from mfp_console.domain.communication_log import LogEntry
from mfp_console.domain.device_info import Category, DeviceInformation
from mfp_console.domain.device_info_json import category_to_json
from mfp_console.domain.inboxes import protected_inboxes, without_protected
from mfp_console.domain.machine import Activity
from mfp_console.domain.receiving import NO_SEND_OPTION_REASON
from mfp_console.domain.seed import seed_device_information
from mfp_console.engine.distribution.job import Bundle
from mfp_console.engine.distribution.receiver import decode_bundle
from mfp_console.engine.fleet import Fleet
from mfp_console.protocol import encode_raw_frame
from mfp_console.protocol.messages import split_bytes
from mfp_console.store import MachineStore, machine_store

ADMIN = ("7654321", "7654321")
CHUNK = 256 * 1024
NO_BOOK = ((Category.ADDRESS_BOOK, NO_SEND_OPTION_REASON),)


def _seeded_store(path: Path, series: str) -> tuple[MachineStore, DeviceInformation]:
    """A host seeded for ``series``, reopened so nothing decoded is at hand."""
    info = seed_device_information("host", "host", seed=7, series=series)
    with MachineStore.open(path) as store:
        store.seed(info)
    return MachineStore.open(path), info


def _encoded_from_values(info: DeviceInformation, include_network: bool,
                         withheld: tuple[tuple[Category, str], ...]) -> tuple[bytes, tuple[str, ...]]:
    """What a host sends, written the plain way: the filtered values of every category as one
    ``json.dumps`` (the reference the spliced text must equal), and the notes of what stays behind."""
    kept_back = {c for c, _ in withheld}
    not_sent = [f"<{c.label}> ({why})" for c, why in withheld]
    data = {}
    for category in (c for c in Category if c not in kept_back):
        value = info.category(category)
        if category is Category.SETTINGS_VALUES:
            value, protected = without_protected(value if include_network else tuple(s for s in value if not s.network))
            if protected:
                not_sent.append(f"{', '.join(protected)} (protected by a password)")
        data[category.value] = category_to_json(category, value)
    raw = json.dumps(data, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode("utf-8")
    return raw, tuple(not_sent)


def _from_store(store: MachineStore, include_network: bool, withheld: tuple[tuple[Category, str], ...]) -> Bundle:
    """The bundle as a distribution host builds it: from its store's texts, settings values decoded."""
    sent = Bundle.sent(list(Category), withheld)
    stored = store.load_category_texts(sent, decoded=[Category.SETTINGS_VALUES])
    return Bundle.from_texts(stored.texts, include_network, CHUNK, withheld,
                             stored.values[Category.SETTINGS_VALUES])


@pytest.mark.rules("DID-03", "DID-27", "DID-28")
@pytest.mark.parametrize("series", ["iR-ADV C5500", "iR-ADV C3500"])
@pytest.mark.parametrize("include_network", [False, True])
@pytest.mark.parametrize("withheld", [(), NO_BOOK], ids=["all", "no-address-book"])
def test_a_bundle_spliced_from_stored_texts_is_the_bundle_encoded_from_values(
        tmp_path: Path, series: str, include_network: bool, withheld: tuple[tuple[Category, str], ...]) -> None:
    store, info = _seeded_store(tmp_path / "host.sqlite3", series)
    assert protected_inboxes(info.settings_values) and any(s.network for s in info.settings_values)  # both cases
    with store:
        spliced = _from_store(store, include_network, withheld)
        from_values = Bundle.build(store.load_device_info(), list(Category), include_network, CHUNK, withheld)
        again = _from_store(store, include_network, withheld)  # now with the decoded values at hand
    raw, not_sent = _encoded_from_values(info, include_network, withheld)
    assert spliced.data == raw
    assert spliced.digest == hashlib.sha256(raw).hexdigest()
    assert spliced.frames == tuple(encode_raw_frame(piece) for piece in split_bytes(raw, CHUNK))
    assert spliced.not_sent == not_sent and any("protected by a password" in note for note in not_sent)
    assert spliced.categories == Bundle.sent(list(Category), withheld)
    assert spliced == from_values == again
    sent = decode_bundle(spliced.data.decode("utf-8"), list(spliced.categories))
    assert all(s.network is False for s in sent[Category.SETTINGS_VALUES]) or include_network


@pytest.mark.rules("DID-03")
def test_settings_values_with_nothing_to_drop_go_as_their_stored_text(tmp_path: Path) -> None:
    store, info = _seeded_store(tmp_path / "host.sqlite3", "")
    open_items = tuple(s for s in without_protected(info.settings_values)[0] if not s.network)
    store.save_category(Category.SETTINGS_VALUES, open_items)
    with store:
        stored = store.load_category_texts([Category.SETTINGS_VALUES], decoded=[Category.SETTINGS_VALUES])
        bundle = Bundle.from_texts(stored.texts, False, CHUNK, (), stored.values[Category.SETTINGS_VALUES])
    assert bundle.data == ('{"settings_values":' + stored.texts[Category.SETTINGS_VALUES] + "}").encode("utf-8")
    assert bundle.not_sent == ()


@pytest.mark.rules("DID-27")
def test_settings_values_are_never_sent_unfiltered(tmp_path: Path) -> None:
    store, _ = _seeded_store(tmp_path / "host.sqlite3", "")
    with store:
        stored = store.load_category_texts([Category.SETTINGS_VALUES])
    assert stored.values == {}
    with pytest.raises(ValueError, match="their value is needed"):
        Bundle.from_texts(stored.texts, True, CHUNK)


def test_a_category_stored_as_it_was_received_is_sent_as_valid_json_of_it(tmp_path: Path) -> None:
    """A received category is kept as its text came, which need not be compact: it is sent on as it is and
    the receiver reads the same values from it."""
    store, info = _seeded_store(tmp_path / "host.sqlite3", "")
    book = Category.ADDRESS_BOOK
    loose = json.dumps(category_to_json(book, info.address_book), indent=1, ensure_ascii=False)
    at = datetime(2026, 11, 20, 9, 0, tzinfo=timezone.utc)
    entry = LogEntry(at, at, "Received", "other-host", (book.label,), "OK", "", "")
    store.apply_update(info, [book], False, entry, encoded={book: loose})
    with store:
        bundle = _from_store(store, True, ())
    assert bundle.data != Bundle.build(info, list(Category), True, CHUNK).data  # the loose text went as it is
    values = decode_bundle(bundle.data.decode("utf-8"), list(bundle.categories))
    assert values[book] == info.address_book
    assert values[Category.PRINTER_SETTINGS] == info.printer_settings


async def test_starting_a_distribution_decodes_no_device_information_of_the_host(
        fleet: Fleet, monkeypatch: pytest.MonkeyPatch) -> None:
    decoded: list[object] = []
    real = machine_store.decode_device_info
    monkeypatch.setattr(machine_store, "decode_device_info", lambda rows: decoded.append(rows) or real(rows))
    host = fleet.live_machine("host")
    assert host.state.activity is Activity.IDLE
    assert host.store.rest()  # forgets the decoded device information, as after idleness
    fleet.panel.login_admin("host", *ADMIN)
    fleet.distribution.start_manual_distribution("host", list(Category), ["client-a"])
    assert decoded == []
    await fleet.settle()
    job = fleet.distribution.last_job("host")
    assert job is not None and {n: r.text for n, r in job.results.items()} == {"client-a": "OK"}
    assert fleet.data.device_info("client-a").address_book == fleet.data.device_info("host").address_book
