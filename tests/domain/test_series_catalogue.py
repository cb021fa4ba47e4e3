"""DID-26: which settings items each series has, as data, and what a client of another series skips."""

from __future__ import annotations

import pytest

from mfp_console.domain.device_info import Category, SettingValue
from mfp_console.domain.distribution_rules import apply_received
from mfp_console.domain.seed import seed_device_information
from mfp_console.domain.seed_catalogue import SETTING_ITEMS
from mfp_console.domain.series_catalogue import (
    SERIES_LACKING,
    series_has_setting,
    series_lacking,
)

C3500, C5500 = "iR-ADV C3500", "iR-ADV C5500"
LINE_3 = "Function Settings/Send/Fax Line Settings/Line 3/Line Name"
MCAFEE = "Management Settings/Security Settings/Use McAfee Embedded Control"
KEYS = {item.key for item in SETTING_ITEMS}


def test_every_line_of_the_series_catalogue_names_items_the_catalogue_has() -> None:
    """The data cannot drift from the settings catalogue: every key and group matches real items."""
    assert SERIES_LACKING, "the default fleet's other series needs an entry"
    for entry in SERIES_LACKING.values():
        assert entry.keys <= KEYS, entry.keys - KEYS
        for group in entry.groups:
            assert any(key.startswith(group + "/") for key in KEYS), group


@pytest.mark.rules("DID-26")
def test_did26_a_series_lacks_what_the_catalogue_says_and_others_have_everything() -> None:
    assert not series_has_setting(C3500, LINE_3) and not series_has_setting(C3500, MCAFEE)
    assert not series_has_setting(" ir-adv  c3500 ", LINE_3)  # compared as DID-18 compares series
    assert series_has_setting(C3500, "Function Settings/Send/Fax Line Settings/Line 1/Line Name")
    assert all(series_has_setting(C5500, key) for key in KEYS)
    assert all(series_has_setting("imageRUNNER ADVANCE DX C5800", key) for key in KEYS)  # not listed: all
    assert series_lacking(C3500).series == C3500


@pytest.mark.rules("DID-26")
def test_did26_seeding_leaves_out_items_the_series_lacks_and_nothing_else() -> None:
    full = seed_device_information("client", "client-d")
    c3500 = seed_device_information("client", "client-d", series=C3500)
    assert {s.key for s in c3500.settings_values} == {s.key for s in full.settings_values
                                                      if series_has_setting(C3500, s.key)}
    assert len(c3500.settings_values) < len(full.settings_values)
    assert c3500.address_book == full.address_book
    assert seed_device_information("client", "client-a", series=C5500) == seed_device_information("client", "client-a")


@pytest.mark.rules("DID-26", "DID-16")
def test_did26_values_the_clients_series_lacks_are_skipped_and_listed() -> None:
    host = seed_device_information("host", "host", series=C5500)
    client = seed_device_information("client", "client-d", series=C3500)
    bundle = {Category.SETTINGS_VALUES: host.settings_values}
    update = apply_received(client, bundle, [Category.SETTINGS_VALUES], include_network=False,
                            card_reader_mismatch=False, client_series=C3500)
    keys = {s.key for s in update.info.settings_values}
    lacking = [s.key for s in host.settings_values if not series_has_setting(C3500, s.key)
               and s.deliverable and not s.network]
    assert lacking and update.skipped_settings == tuple(lacking)
    assert not keys & set(lacking)  # neither added nor overwritten
    text = update.outcomes[Category.SETTINGS_VALUES]
    assert f"{len(lacking)} skipped: not on this machine's series (" in text
    assert all(key in text for key in lacking) and LINE_3 in text
    same = apply_received(client, bundle, [Category.SETTINGS_VALUES], include_network=False,
                          card_reader_mismatch=False, client_series=C5500)
    assert same.skipped_settings == () and set(lacking) <= {s.key for s in same.info.settings_values}


@pytest.mark.rules("DID-26", "DID-03")
def test_did26_network_values_left_out_by_exclude_are_not_listed_as_skipped() -> None:
    host = (SettingValue("Preferences/Network/Use Proxy", "On", network=True),
            SettingValue(MCAFEE, "On"))
    update = apply_received(seed_device_information("empty", "x"), {Category.SETTINGS_VALUES: host},
                            [Category.SETTINGS_VALUES], include_network=False, card_reader_mismatch=False,
                            client_series=C3500)
    assert update.skipped_settings == (MCAFEE,)
    assert update.info.settings_values == ()
