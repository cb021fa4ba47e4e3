"""Valid protocol messages for tests: one fixed sample per type, and hypothesis strategies for all of them."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from mfp_console.domain.device_info import Category
from mfp_console.domain.distribution_forecast import ChangeKind
from mfp_console.limits import BUNDLE_BYTES, BUNDLE_CHUNKS, FORECAST_NAMES
from mfp_console.protocol import (
    Apply,
    Auth,
    AuthResult,
    Bye,
    ForecastAnswer,
    ForecastAsk,
    Hello,
    Message,
    Offer,
    OfferReply,
    Ping,
    Pong,
    ProtocolErrorMessage,
    Result,
    SyncAck,
    SyncData,
    SyncJoin,
    SyncJoinReply,
    SyncLeave,
    SyncPull,
    SyncPush,
    Welcome,
)

CHALLENGE = "0f" * 32
DIGEST = "ab" * 32
RECORD = {"user": "alice", "item": "language", "value": "English", "version": 3, "range": "shared"}
CHANGE = {"category": "address_book", "kind": "address entries added", "count": 3, "names": ["Sales", "営業"]}

SAMPLES: dict[type[Message], Message] = {
    Hello: Hello("host", "iR-ADV C5560", "iR-ADV C5500", "10.02", "distribution"),
    Welcome: Welcome("client-a", "iR-ADV C5535", "iR-ADV C5500", "10.01", CHALLENGE),
    ProtocolErrorMessage: ProtocolErrorMessage("E-PROTOCOL", "frame too large"),
    Bye: Bye(),
    Ping: Ping("n-1"),
    Pong: Pong("n-1"),
    Auth: Auth(DIGEST),
    AuthResult: AuthResult(False, "E-AUTH", "System Manager ID/PIN differ"),
    Offer: Offer(7, ("address_book", "settings_values"), True, 1234, 2, False),
    OfferReply: OfferReply(("address_book",), {"settings_values": "restricted (DID-19)"}, "", ""),
    Apply: Apply(DIGEST),
    Result: Result("OK", "", {"address_book": "applied", "settings_values": "refused: restricted"}, ""),
    ForecastAsk: ForecastAsk(DIGEST),
    ForecastAnswer: ForecastAnswer(
        {"address_book": "applied", "settings_values": "refused: restricted"},
        {"address_book": "replaced wholesale: 3 entries"},
        (CHANGE, {"category": "address_book", "kind": "address entries removed", "count": 1, "names": []}),
        "accepted <Address Book>; refused <Settings/Registration Value> (restricted)",
    ),
    SyncJoin: SyncJoin("client-a", "iR-ADV C5535", "2F", "client-a.fleet", "10.01", DIGEST, "client"),
    SyncJoinReply: SyncJoinReply(True, "", "", "2024-05-01T03:00:00+09:00"),
    SyncPull: SyncPull(("alice", "bob")),
    SyncData: SyncData((RECORD,)),
    SyncPush: SyncPush((RECORD, {**RECORD, "user": "bob", "extra": [1, 2]})),
    SyncAck: SyncAck(2),
    SyncLeave: SyncLeave("client stopped"),
}

CATEGORY_VALUES = [category.value for category in Category]

text = st.text(max_size=40)
hex_256 = st.binary(min_size=32, max_size=32).map(bytes.hex)
count = st.integers(min_value=0, max_value=2**63 - 1)
category_lists = st.lists(st.sampled_from(CATEGORY_VALUES), unique=True, max_size=5).map(tuple)
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | text,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=8,
)
records = st.lists(
    st.fixed_dictionaries(
        {"user": text, "item": text, "value": json_values, "version": count, "range": text},
        optional={"updated": text, "device": text},
    ),
    max_size=4,
).map(tuple)


@st.composite
def _offer_replies(draw: Any) -> OfferReply:
    categories = draw(st.permutations(CATEGORY_VALUES))
    cut = draw(st.integers(0, len(categories)))
    accepted = tuple(categories[:cut])
    refused = draw(st.lists(st.sampled_from(categories[cut:]), unique=True)) if cut < len(categories) else []
    code = "" if accepted else draw(st.sampled_from(["E-MODEL", "E-BUSY", "E-REFUSED"]))
    return OfferReply(accepted, {c: draw(text) for c in refused}, code, draw(text))


@st.composite
def _offers(draw: Any) -> Offer:
    """A valid offer: sizes within the bounds of limits, no more chunks than bytes."""
    total = draw(st.integers(0, BUNDLE_BYTES))
    chunks = draw(st.integers(0, min(BUNDLE_CHUNKS, total)))
    return Offer(draw(count), draw(category_lists.filter(bool)), draw(st.booleans()), total, chunks, draw(st.booleans()))


@st.composite
def _results(draw: Any) -> Result:
    ok = draw(st.booleans())
    outcome = st.just("applied") | st.builds(
        lambda kind, why: f"{kind}: {why}", st.sampled_from(["refused", "skipped"]), st.text(min_size=1)
    )
    outcomes = draw(st.dictionaries(st.sampled_from(CATEGORY_VALUES), outcome))
    return Result(
        "OK" if ok else "NG",
        "" if ok else draw(st.sampled_from(["E-INTERRUPTED", "E-PROTOCOL"])),
        outcomes,
        draw(text),
    )


@st.composite
def _forecast_answers(draw: Any) -> ForecastAnswer:
    """A valid answer: at least one category applied; summaries and changes only for applied ones."""
    categories = draw(st.permutations(CATEGORY_VALUES))
    cut = draw(st.integers(1, len(categories)))
    applied, rest = categories[:cut], categories[cut:]
    refused = draw(st.lists(st.sampled_from(rest), unique=True)) if rest else []
    outcomes = {c: "applied" for c in applied} | {c: "refused: " + draw(st.text(min_size=1, max_size=20))
                                                  for c in refused}
    changes = []
    for category in applied:
        for kind in draw(st.lists(st.sampled_from(list(ChangeKind)), unique=True, max_size=3)):
            total = draw(st.integers(1, 2**63 - 1))
            names = draw(st.lists(text, max_size=min(total, 3, FORECAST_NAMES))) if kind.names else []
            changes.append({"category": category, "kind": kind.value, "count": total, "names": names})
    summaries = {c: draw(text) for c in draw(st.lists(st.sampled_from(applied), unique=True))}
    return ForecastAnswer(outcomes, summaries, tuple(changes), draw(text))


def _reply(cls: Any, *extra: Any) -> st.SearchStrategy[Message]:
    return st.booleans().flatmap(
        lambda ok: st.builds(cls, st.just(ok), st.just("") if ok else st.text(min_size=1), text, *extra)
    )


STRATEGIES: dict[type[Message], st.SearchStrategy[Message]] = {
    Hello: st.builds(Hello, text, text, text, text, st.sampled_from(["ping", "distribution", "forecast", "sync"])),
    Welcome: st.builds(Welcome, text, text, text, text, hex_256),
    ProtocolErrorMessage: st.builds(ProtocolErrorMessage, st.text(min_size=1), text),
    Bye: st.just(Bye()),
    Ping: st.builds(Ping, text),
    Pong: st.builds(Pong, text),
    Auth: st.builds(Auth, hex_256),
    AuthResult: _reply(AuthResult),
    Offer: _offers(),
    OfferReply: _offer_replies(),
    Apply: st.builds(Apply, hex_256),
    Result: _results(),
    ForecastAsk: st.builds(ForecastAsk, hex_256),
    ForecastAnswer: _forecast_answers(),
    SyncJoin: st.builds(SyncJoin, text, text, text, text, text, hex_256, text),
    SyncJoinReply: _reply(SyncJoinReply, text),
    SyncPull: st.builds(SyncPull, st.lists(text, max_size=4).map(tuple)),
    SyncData: st.builds(SyncData, records),
    SyncPush: st.builds(SyncPush, records),
    SyncAck: st.builds(SyncAck, count, text, records),
    SyncLeave: st.builds(SyncLeave, text),
}

any_message = st.sampled_from(sorted(STRATEGIES, key=lambda cls: cls.TYPE)).flatmap(STRATEGIES.__getitem__)
