"""Fuzzing the receiver's apply path: random bundles, sound and broken, against a real machine store.

Each example builds the JSON text a host would send for random categories (sound values, or one place of
one value changed into any JSON), then runs the client's path after the transfer: decode the bundle,
apply the merge rules to the client's data, store the update in one transaction. The invariant: a sound
bundle is stored and reads back exactly as the rules made it; a broken one is refused with the one
protocol error before anything is written, and the client's data is what it was. Bounded: a fixed
number of derandomized examples.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from datetime import datetime, timezone
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mfp_console.domain.communication_log import LogEntry
from mfp_console.domain.device_info import Category
from mfp_console.domain.device_info_json import category_to_json
from mfp_console.domain.distribution_rules import apply_received
from mfp_console.domain.seed import seed_device_information
from mfp_console.engine.distribution.receiver import decode_received_bundle
from mfp_console.errors import RemoteProtocolError
from mfp_console.store import MachineStore
from tests.domain.test_record_decoding import VALUES, mutated

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=timezone.utc)
pytestmark = pytest.mark.rules("DID-13", "DID-14", "DID-15", "DID-16", "M-04")


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MachineStore]:
    store = MachineStore.open(tmp_path_factory.mktemp("apply-fuzz") / "client.sqlite3")
    store.seed(seed_device_information("client", "client-a", seed=7))
    yield store
    store.close()


@st.composite
def bundles(draw: st.DrawFn) -> tuple[list[Category], dict[str, Any], bool]:
    """Categories in offer order, the members of the bundle's JSON object, and whether one was broken."""
    categories = sorted(draw(st.sets(st.sampled_from(list(Category)), min_size=1)), key=list(Category).index)
    members = {c.value: category_to_json(c, draw(VALUES[c])) for c in categories}
    broken = draw(st.booleans())
    if broken:
        target = draw(st.sampled_from(categories)).value
        members[target] = draw(mutated(members[target]))
    return categories, members, broken


def _member_text(value: Any) -> str:
    try:
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    except RecursionError:  # nesting no encoder here writes; a hostile host writes it by hand
        return "[" * 5000 + "]" * 5000


@settings(max_examples=120, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(bundles())
def test_a_bundle_is_stored_as_the_rules_say_or_refused_before_anything_is_written(
    client: MachineStore, case: tuple[list[Category], dict[str, Any], bool]
) -> None:
    categories, members, broken = case
    text = "{" + ",".join(f"{json.dumps(key)}:{_member_text(value)}" for key, value in members.items()) + "}"
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    before = client.load_device_info()
    try:
        bundle = decode_received_bundle(text.encode("utf-8"), categories, digest)
    except RemoteProtocolError as exc:
        assert broken, f"a sound bundle was refused: {exc}"
        assert client.load_device_info() == before
        return
    update = apply_received(before, bundle.values, categories, include_network=True, card_reader_mismatch=False)
    entry = LogEntry(NOW, NOW, "Received", "host", tuple(c.label for c in categories))
    client.apply_update(update.info, set(update.outcomes), update.inbox_changed, entry)
    assert client.load_device_info() == update.info
