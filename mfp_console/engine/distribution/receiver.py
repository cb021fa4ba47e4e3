"""The client side of Device Information Distribution: check the host, decide, receive, apply, log.

The client decides what it accepts; the host only reports. One conversation runs: the host's
challenge–response proof of the System Manager ID/PIN (DID-08), the offer and the client's answer from its
``<Receiving Settings>`` (DID-10, DID-18, DID-19), the bundle in raw attachment frames, then the update. While applying, the
client's activity is ``Updating`` and its panel is locked (DID-11); the new data, its restore point and the
log entry are written in one transaction (M-04, DID-13…17, DID-20, DID-23). A power cut before that
transaction leaves the old data and a durable marker, shown as ``E-UPDATE`` (DID-12).

A bundle is decoded once per process, not once per client. Decoding 1 MiB of JSON into frozen domain values
and encoding it again for the store cost ~75 ms per client and were most of a fan-out's time. A host sends
the same bundle to every destination, so the decoded values of the last few bundles are kept, keyed by
their SHA-256 and checked against the whole bytes; the values are immutable, so clients in one process can
share them. Each category's exact JSON text is kept beside its value, and a category a client takes whole
(address book, printer settings, paper types) is stored as that text: it decodes to exactly the value the
client checked, which is all the store promises. A merged category (Department IDs keep each client's
counters, DID-14; settings values keep what may not be delivered, DID-16) is spliced from its items'
texts, the host's encoded once per bundle (its Department IDs as one run, where each client puts in its
own counters) and a client's own written directly, its settings values kept for the next client
(:class:`~mfp_console.domain.device_info_json.ItemTexts`), and the merge
reads only the client's merged categories and inbox from its store
(:meth:`~mfp_console.store.MachineStore.load_for_merge`).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mfp_console.domain.communication_log import LogEntry
from mfp_console.domain.device_info import Category
from mfp_console.domain.device_info_json import (
    ItemTexts,
    category_from_json,
    category_text,
)
from mfp_console.domain.distribution_rules import (
    PreparedHostData,
    apply_received,
    prepare_host_data,
)
from mfp_console.domain.machine import Activity
from mfp_console.domain.receiving import OfferDecision, ReceivingSettings, decide_offer
from mfp_console.engine.events import DataChanged
from mfp_console.engine.net.channel import Channel
from mfp_console.errors import RemoteProtocolError, StoreError
from mfp_console.protocol import check_proof
from mfp_console.protocol.messages import (
    Apply,
    Attachment,
    Auth,
    AuthResult,
    ForecastAsk,
    Hello,
    Offer,
    OfferReply,
    Result,
    Welcome,
)
from mfp_console.strict_json import raw_decode_strict

if TYPE_CHECKING:
    from mfp_console.engine.machine import Machine

__all__ = [
    "RECEIVING_SETTINGS_KEY",
    "OfferTaken",
    "ReceivedBundle",
    "decode_bundle",
    "decode_received_bundle",
    "receive_bundle",
    "receive_offer",
    "received_log",
    "receiving_settings",
    "result_detail",
    "serve_distribution",
]

RECEIVING_SETTINGS_KEY = "receiving_settings"


def receiving_settings(machine: Machine) -> ReceivingSettings:
    """The machine's ``<Receiving Settings>`` (DID-18 default ``<On>``, DID-19 default all ``<Off>``)."""
    data = machine.store.get_config(RECEIVING_SETTINGS_KEY)
    return ReceivingSettings.from_json(data) if data else ReceivingSettings()


@dataclass(frozen=True)
class ReceivedBundle:
    """A decoded bundle: each offered category's value, the exact JSON text it was decoded from, what the
    merge rules work out once per bundle, and the texts of the items merged categories share."""

    values: Mapping[Category, Any]
    texts: Mapping[Category, str]
    prepared: PreparedHostData
    items: ItemTexts


def decode_bundle(text: str, categories: list[Category]) -> dict[Category, Any]:
    """Decodes a received bundle's JSON text into category values.

    Raises:
        RemoteProtocolError: The text is not the JSON of exactly the offered categories.
    """
    raw = text.encode("utf-8", "surrogatepass")  # a lone surrogate is then refused as "not UTF-8"
    return dict(decode_received_bundle(raw, categories, hashlib.sha256(raw).hexdigest()).values)


def decode_received_bundle(data: bytes | Sequence[bytes], categories: list[Category], digest: str) -> ReceivedBundle:
    """Checks that ``digest`` is the SHA-256 of a bundle (UTF-8 JSON) and decodes it, or returns the same
    bundle decoded a moment ago.

    ``data`` is the bundle, or its pieces in order as the attachment frames brought them. A bundle kept
    from before was hashed when it was kept; bytes equal to it have its digest. They are compared piece
    by piece where they came: joining a megabyte of pieces first cost more than the comparison (a fresh
    megabyte of memory for every client), and hashing it again far more.

    Raises:
        RemoteProtocolError: ``digest`` is not the bundle's SHA-256; the bytes are not UTF-8, not the JSON
            of exactly the offered categories, or hold a lone UTF-16 surrogate (text no store or screen
            can hold).
    """
    pieces = (data,) if isinstance(data, bytes) else data
    key = (digest, tuple(c.value for c in categories))
    known = _recent_bundles.get(key)
    if known is not None and _same_bytes(known[0], pieces):
        _recent_bundles.move_to_end(key)
        return known[1]
    raw = pieces[0] if len(pieces) == 1 else b"".join(pieces)
    if hashlib.sha256(raw).hexdigest() != digest:
        raise RemoteProtocolError("the bundle's SHA-256 does not match the digest the host sent")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RemoteProtocolError(f"bad distribution bundle: not UTF-8 text (byte {exc.start}: {exc.reason})") from None
    try:
        members = _split_members(text)
        if set(members) != {c.value for c in categories}:
            raise ValueError("the bundle does not hold exactly the offered categories")
        values: dict[Category, Any] = {}
        for category in categories:
            decoded, member_text = members[category.value]
            if _SURROGATE_ESCAPE.search(member_text):  # a lone surrogate cannot be encoded
                json.dumps(decoded, ensure_ascii=False, allow_nan=False).encode("utf-8")
            values[category] = category_from_json(category, decoded)
    except UnicodeEncodeError:
        raise RemoteProtocolError("bad distribution bundle: text holds a lone UTF-16 surrogate") from None
    except (ValueError, TypeError, KeyError, AttributeError, RecursionError) as exc:
        raise RemoteProtocolError(f"bad distribution bundle: {exc}") from None
    prepared = prepare_host_data(values)
    bundle = ReceivedBundle(values, {c: members[c.value][1] for c in categories}, prepared,
                            ItemTexts(_shared_items(values, prepared), runs=[tuple(prepared.fresh_departments.values())]))
    _recent_bundles[key] = (raw, bundle)
    while len(_recent_bundles) > _RECENT_BUNDLES:
        _recent_bundles.popitem(last=False)
    return bundle


def _same_bytes(whole: bytes, pieces: Sequence[bytes]) -> bool:
    """True when ``pieces`` joined are exactly ``whole`` (compared in place, nothing copied)."""
    offset = 0
    for piece in pieces:
        if not whole.startswith(piece, offset):
            return False
        offset += len(piece)
    return offset == len(whole)


def _shared_items(values: Mapping[Category, Any], prepared: PreparedHostData) -> list[object]:
    """The items every client's merged categories may hold as they are: the host's settings values and
    Department IDs, and the host's Department IDs with counters 0 (see :class:`ItemTexts`)."""
    shared: list[object] = list(values.get(Category.SETTINGS_VALUES, ()))
    departments = values.get(Category.DEPARTMENT_ID)
    if departments is not None:
        shared.extend(departments.departments)
    shared.extend(prepared.fresh_departments.values())
    return shared


_MERGED = frozenset({Category.DEPARTMENT_ID, Category.SETTINGS_VALUES})
"""The categories whose received value is merged with the client's own (DID-14, DID-16)."""

_RECENT_BUNDLES = 2
_recent_bundles: OrderedDict[tuple[str, tuple[str, ...]], tuple[bytes, ReceivedBundle]] = OrderedDict()
"""The last few decoded bundles (a pure function's results, like the TLS context cache)."""

_WHITESPACE = re.compile(r"[ \t\n\r]*")
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def _split_members(text: str) -> dict[str, tuple[Any, str]]:
    """Reads a JSON object member by member: each key's decoded value and the exact text of that value.

    Each value is read by the strict rules of :mod:`~mfp_console.strict_json` (no NaN, no
    infinities or numbers too large for a float, no repeated key), because its text is stored as it came.
    """
    members: dict[str, tuple[Any, str]] = {}
    pos = _skip(text, 0)
    if text[pos : pos + 1] != "{":
        raise ValueError("the bundle is not a JSON object")
    pos = _skip(text, pos + 1)
    if text[pos : pos + 1] == "}":
        pos += 1
    else:
        while True:
            key, pos = raw_decode_strict(text, pos)
            if not isinstance(key, str):
                raise ValueError(f"a bundle key must be text, got {key!r}"[:120])
            pos = _skip(text, pos)
            if text[pos : pos + 1] != ":":
                raise ValueError(f"expected ':' after {key!r} at character {pos}")
            start = _skip(text, pos + 1)
            value, pos = raw_decode_strict(text, start)
            if key in members:
                raise ValueError(f"category {key!r} appears twice")
            members[key] = (value, text[start:pos])
            pos = _skip(text, pos)
            separator = text[pos : pos + 1]
            pos += 1
            if separator == "}":
                break
            if separator != ",":
                raise ValueError(f"expected ',' or '}}' at character {pos - 1}")
            pos = _skip(text, pos)
    if _skip(text, pos) != len(text):
        raise ValueError(f"extra data after the bundle at character {pos}")
    return members


def _skip(text: str, pos: int) -> int:
    match = _WHITESPACE.match(text, pos)
    return match.end() if match else pos


@dataclass(frozen=True)
class OfferTaken:
    """An offer a client accepted (some of): the offer, its categories and the client's decision."""

    offer: Offer
    offered: list[Category]
    decision: OfferDecision

    @property
    def labels(self) -> tuple[str, ...]:
        """The offered categories' panel labels, for the log."""
        return tuple(c.label for c in self.offered)


async def receive_offer(machine: Machine, channel: Channel, hello: Hello, welcome: Welcome,
                        log: Callable[[str, str, tuple[str, ...], str], LogEntry], *,
                        log_refused_offer: bool = True) -> OfferTaken | None:
    """Checks the host's DID-08 proof, reads its offer and answers it from ``<Receiving Settings>``.

    A real run and a pre-flight check both start here, so a forecast meets the same answer. A wrong proof
    is always logged (it is how guessing shows, docs/security.md); a refused offer is logged when
    ``log_refused_offer`` (a real run).

    Returns:
        The offer and the decision when at least one category is accepted; None when the conversation
        ended (wrong proof, or nothing accepted).
    """
    host = hello.machine
    auth = await channel.expect(Auth)
    if not check_proof(machine.secret.auth_key, welcome.challenge, host, machine.name, auth.proof):
        reason = "the host's System Manager ID/PIN differ from this machine's"
        await channel.send(AuthResult(ok=False, code="E-AUTH", reason=reason))
        _log_refusal(machine, log("NG", "E-AUTH", (), reason))
        return None
    await channel.send(AuthResult(ok=True, code="", reason=""))

    offer = await channel.expect(Offer)
    offered = [Category(v) for v in offer.categories]
    decision = decide_offer(
        host_series=hello.series,
        client_series=machine.identity.series,
        offered=offered,
        settings=receiving_settings(machine),
        client_activity=machine.state.activity,
        handles_address_book=machine.identity.options.handles_address_book,
    )
    await channel.send(
        OfferReply(
            accepted=tuple(c.value for c in decision.accepted),
            refused={c.value: why for c, why in decision.refused},
            code=decision.code,
            reason=decision.reason,
        )
    )
    taken = OfferTaken(offer, offered, decision)
    if not decision.ok:
        if log_refused_offer:
            _log_refusal(machine, log("NG", decision.code, taken.labels, decision.reason))
        return None
    return taken


async def receive_bundle(channel: Channel, taken: OfferTaken, end: type[Apply] | type[ForecastAsk]) -> ReceivedBundle:
    """Reads the offered attachment frames and the message that ends them (``Apply``, or ``ForecastAsk``
    for a forecast), checks size and digest, and decodes the bundle.

    Raises:
        RemoteProtocolError: More bytes than announced, another size or digest, or a bundle that is not
            the JSON of exactly the offered categories.
    """
    offer = taken.offer
    # The offer's sizes were bounded when it was parsed (limits); the conversation holds the frames to
    # them as they come, each from its header before its body is read, so a peer cannot make this machine
    # buffer more than it announced, and it refuses the closing message before every announced byte came.
    pieces: list[bytes] = []
    for _ in range(offer.chunk_count):
        pieces.append((await channel.expect(Attachment)).data)
    closing = await channel.expect(end)
    size = sum(len(piece) for piece in pieces)
    if size != offer.total_bytes:
        raise RemoteProtocolError(f"the bundle holds {size} bytes; the offer announced {offer.total_bytes}")
    return decode_received_bundle(pieces, taken.offered, closing.sha256)


def received_log(machine: Machine, hello: Hello) -> Callable[[str, str, tuple[str, ...], str], LogEntry]:
    """Makes the client's ``Received`` log entries of one conversation (DID-23), started now."""
    clock = machine.runtime.clock
    started = clock.now()

    def log(result: str, code: str, contents: tuple[str, ...], detail: str) -> LogEntry:
        return LogEntry(started, clock.now(), "Received", hello.machine, contents, result, code, detail)

    return log


async def serve_distribution(machine: Machine, channel: Channel, hello: Hello, welcome: Welcome) -> None:
    """Serves one distribution from a host (the responder of purpose ``distribution``)."""
    log = received_log(machine, hello)
    taken = await receive_offer(machine, channel, hello, welcome, log)
    if taken is None:
        return
    bundle = await receive_bundle(channel, taken, Apply)
    size = taken.offer.total_bytes
    decision = taken.decision
    try:
        outcomes, skipped = await _apply(machine, taken.offer, hello, bundle, decision.accepted, size, log,
                                         taken.labels, decision.refused)
    except StoreError as exc:
        # Nothing was applied (the update is one transaction); the machine is idle again and says why.
        reason = f"the update could not be stored: {exc}"
        _log_refusal(machine, log("NG", "E-INTERRUPTED", taken.labels, reason))
        await channel.send(Result(code="NG", error="E-INTERRUPTED", outcomes={}, detail=reason))
        return
    # The result ends this side's part: the update is stored and reported, so the host's Bye is not waited
    # for (waiting only held the link and a turn of the loop per client).
    await channel.send(Result(code="OK", error="", outcomes=outcomes, detail=result_detail(decision, skipped)))


async def _apply(
    machine: Machine,
    offer: Offer,
    hello: Hello,
    bundle: ReceivedBundle,
    accepted: tuple[Category, ...],
    size: int,
    log: Any,
    labels: tuple[str, ...],
    refused: tuple[tuple[Category, str], ...],
) -> tuple[dict[str, str], tuple[str, ...]]:
    """Applies the accepted categories as one update; returns the per-category outcomes for the result and
    the settings keys skipped because this machine's series lacks them (DID-26)."""
    runtime = machine.runtime
    marked = False
    try:
        machine.set_activity(Activity.UPDATING)
        machine.store.mark_update_started({"job_id": offer.job_id, "host": hello.machine, "categories": list(labels)})
        marked = True
        seconds = runtime.settings.update_seconds_per_mib * size / (1024 * 1024)
        await runtime.clock.sleep(seconds)  # DID-11: applying takes machine time; a power cut may come now
        update = apply_received(
            machine.store.load_for_merge([c for c in accepted if c in _MERGED]),
            bundle.values,
            accepted,
            include_network=offer.include_network,
            card_reader_mismatch=offer.card_reader != machine.identity.options.card_reader,
            client_series=machine.identity.series,
            prepared=bundle.prepared,
        )
        outcomes = {c.value: "applied" for c in update.outcomes}
        outcomes.update({c.value: f"refused: {why}" for c, why in refused})
        detail = "; ".join(f"<{c.label}>: {text}" for c, text in update.outcomes.items())
        if refused:
            detail += "; refused " + ", ".join(f"<{c.label}> ({why})" for c, why in refused)
        # A category taken whole is stored as the text it came in, a merged one spliced from its items'
        # texts (see the module docstring).
        encoded = {}
        for c in update.outcomes:
            value = update.info.category(c)
            encoded[c] = bundle.texts[c] if value is bundle.values.get(c) else category_text(c, value, bundle.items)
        machine.store.apply_update(update.info, set(update.outcomes), update.inbox_changed,
                                   log("OK", "", labels, detail), encoded=encoded)
    except StoreError:
        if marked:  # the old data is intact: only a power cut leaves the marker (and E-UPDATE) behind
            try:
                machine.store.clear_update_marker()
            except StoreError:
                pass  # still no room: the marker stays and the panel asks for service after a restart
        raise
    finally:
        if machine.state.activity is Activity.UPDATING:
            machine.set_activity(Activity.IDLE)
    runtime.bus.publish(
        DataChanged(
            at=runtime.clock.now(),
            machine=machine.name,
            what="device_information",
            detail="received " + ", ".join(f"<{c.label}>" for c in update.outcomes),
        )
    )
    return outcomes, update.skipped_settings


def result_detail(decision: OfferDecision, skipped: tuple[str, ...]) -> str:
    """The destination's detail on the host: what was accepted and refused, and (DID-26) the settings
    values this machine's series does not have."""
    detail = decision.log_text()
    if skipped:
        detail += f"; skipped {len(skipped)} settings values this machine's series does not have: {', '.join(skipped)}"
    return detail


def _log_refusal(machine: Machine, entry: LogEntry) -> None:
    """Writes a refused reception to the log and tells the panel (the client's log page refreshes).

    A log that cannot be written (a full disk) does not stop the answer to the host.
    """
    try:
        machine.store.append_log(entry)
    except StoreError:
        pass
    machine.runtime.bus.publish(
        DataChanged(at=machine.runtime.clock.now(), machine=machine.name, what="communication_log",
                    detail=f"refused {entry.peer}: {entry.code}")
    )
