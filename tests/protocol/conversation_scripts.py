"""Whole conversations as scripts of (sender, message), and a driver that plays them between two sides."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from itertools import pairwise

from mfp_console.protocol import (
    NEED_DATA,
    Apply,
    Attachment,
    Auth,
    AuthResult,
    Bye,
    Conversation,
    ForecastAnswer,
    ForecastAsk,
    Hello,
    Message,
    Offer,
    OfferReply,
    Ping,
    Pong,
    Result,
    Role,
    SyncAck,
    SyncData,
    SyncJoin,
    SyncJoinReply,
    SyncLeave,
    SyncPull,
    SyncPush,
    Welcome,
    bundle_digest,
    derive_auth_key,
    make_proof,
    split_bytes,
)

Step = tuple[Role, Message]
I, R = Role.INITIATOR, Role.RESPONDER  # noqa: E741 - the two ends, short for readable scripts

CHALLENGE = "5a" * 32
AUTH_KEY = derive_auth_key("7654321", "7654321")
BUNDLE = '{"address_book": {"entries": [{"number": 1, "name": "Sales – 営業"}]}, "paper": []}'
RECORD = {"user": "alice", "item": "language", "value": "English", "version": 1, "range": "shared"}


def hello(purpose: str) -> Hello:
    """The host's greeting for a purpose."""
    return Hello("host", "iR-ADV C5560", "iR-ADV C5500", "10.02", purpose)


def welcome() -> Welcome:
    """The client's greeting with a fixed challenge."""
    return Welcome("client-a", "iR-ADV C5535", "iR-ADV C5500", "10.01", CHALLENGE)


def ping_script(pings: int = 2) -> list[Step]:
    """Hello, Welcome, ``pings`` Ping/Pong rounds, Bye."""
    steps: list[Step] = [(I, hello("ping")), (R, welcome())]
    for n in range(pings):
        steps += [(I, Ping(f"n{n}")), (R, Pong(f"n{n}"))]
    return [*steps, (I, Bye())]


def distribution_start() -> list[Step]:
    """Hello, Welcome, a correct DID-08 proof and its acceptance."""
    proof = make_proof(AUTH_KEY, CHALLENGE, "host", "client-a")
    return [(I, hello("distribution")), (R, welcome()), (I, Auth(proof)), (R, AuthResult(True, "", ""))]


def offer(chunk_count: int, categories: Sequence[str] = ("address_book", "paper_information")) -> Offer:
    """An offer of the bundle in ``chunk_count`` attachment frames."""
    return Offer(42, tuple(categories), False, len(BUNDLE.encode()), chunk_count, False)


def distribution_script(chunk_bytes: int = 16) -> list[Step]:
    """A whole accepted distribution: one category applied, one refused by the client."""
    pieces = split_bytes(BUNDLE.encode(), chunk_bytes)
    return [
        *distribution_start(),
        (I, offer(len(pieces))),
        (R, OfferReply(("address_book",), {"paper_information": "restricted (DID-19)"}, "", "")),
        *[(I, Attachment(piece)) for piece in pieces],
        (I, Apply(bundle_digest(BUNDLE))),
        (R, Result("OK", "", {"address_book": "applied", "paper_information": "refused: restricted"}, "")),
        (I, Bye()),
    ]


def forecast_script(chunk_bytes: int = 16) -> list[Step]:
    """A whole pre-flight forecast: the distribution's proof, offer and frames, then a question and an answer."""
    pieces = split_bytes(BUNDLE.encode(), chunk_bytes)
    proof = make_proof(AUTH_KEY, CHALLENGE, "host", "client-a")
    change = {"category": "address_book", "kind": "address entries added", "count": 1, "names": ["Sales – 営業"]}
    return [
        (I, hello("forecast")), (R, welcome()), (I, Auth(proof)), (R, AuthResult(True, "", "")),
        (I, offer(len(pieces))),
        (R, OfferReply(("address_book",), {"paper_information": "restricted (DID-19)"}, "", "")),
        *[(I, Attachment(piece)) for piece in pieces],
        (I, ForecastAsk(bundle_digest(BUNDLE))),
        (R, ForecastAnswer({"address_book": "applied", "paper_information": "refused: restricted"},
                           {"address_book": "replaced wholesale: 1 entries"}, (change,), "")),
        (I, Bye()),
    ]


def auth_refused_script() -> list[Step]:
    """A host whose System Manager ID/PIN differ (DID-08): the conversation ends after AuthResult."""
    start = distribution_start()[:3]
    return [*start, (R, AuthResult(False, "E-AUTH", "System Manager ID/PIN differ"))]


def offer_refused_script(code: str = "E-BUSY") -> list[Step]:
    """A client that accepts nothing: the conversation ends after OfferReply."""
    return [*distribution_start(), (I, offer(1)), (R, OfferReply((), {}, code, "the client is printing"))]


def sync_script() -> list[Step]:
    """Join, then pulls, data, pushes and acks in both directions, several in a row, then leave."""
    join = SyncJoin("client-a", "iR-ADV C5535", "2F", "client-a", "10.01", "cd" * 32, "client")
    return [
        (I, hello("sync")),
        (R, welcome()),
        (I, join),
        (R, SyncJoinReply(True, "", "", "2024-05-01T03:00:00+09:00")),
        (I, SyncPull(())),
        (R, SyncData((RECORD,))),
        (R, SyncData(())),
        (I, SyncPush((RECORD, {**RECORD, "user": "bob"}))),
        (I, SyncPull(("bob",))),
        (R, SyncAck(2)),
        (R, SyncPush(({**RECORD, "version": 2},))),
        (I, SyncAck(1)),
        (I, SyncLeave("client stopped")),
    ]


ALL_SCRIPTS: dict[str, Callable[[], list[Step]]] = {
    "ping": ping_script,
    "distribution": distribution_script,
    "forecast": forecast_script,
    "auth refused": auth_refused_script,
    "offer refused": offer_refused_script,
    "sync": sync_script,
}


def play(
    script: Sequence[Step], cuts: Callable[[bytes], Sequence[int]] | None = None
) -> tuple[list[Message], Conversation, Conversation]:
    """Plays a script between two fresh conversations and returns every message received, in order.

    Consecutive messages from one sender travel as one burst of bytes; ``cuts`` picks the offsets at
    which that burst is split into separate ``receive_data`` calls (none: one call).
    """
    sides = {I: Conversation(I), R: Conversation(R)}
    received: list[Message] = []
    index = 0
    while index < len(script):
        sender = script[index][0]
        burst = bytearray()
        while index < len(script) and script[index][0] is sender:
            burst += sides[sender].send(script[index][1])
            index += 1
        receiver = sides[sender.peer]
        chosen = cuts(bytes(burst)) if cuts else ()
        offsets = sorted({0, len(burst), *(c for c in chosen if 0 <= c <= len(burst))})
        for start, end in pairwise(offsets):
            receiver.receive_data(bytes(burst[start:end]))
            while (event := receiver.next_event()) is not NEED_DATA:
                assert isinstance(event, Message), event
                received.append(event)
    return received, sides[I], sides[R]
