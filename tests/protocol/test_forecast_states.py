"""The pre-flight forecast on the wire: its own states, none of which can reach an update, and strict answers."""

from __future__ import annotations

from typing import Any

import pytest

from mfp_console.errors import LocalProtocolError, RemoteProtocolError
from mfp_console.limits import FORECAST_NAMES, FORECAST_TEXT_CHARS
from mfp_console.protocol import (
    TRANSITIONS,
    Apply,
    Attachment,
    Auth,
    Conversation,
    ConversationState,
    ForecastAnswer,
    ForecastAsk,
    Offer,
    Result,
    bundle_digest,
    parse_message,
)
from tests.protocol.conversation_scripts import (
    BUNDLE,
    I,
    R,
    Step,
    forecast_script,
    hello,
    offer,
    play,
    welcome,
)

S = ConversationState
FORECAST_STATES = {state for state in S if state.name.startswith("FORECAST")}


def advanced(script: list[Step]) -> tuple[Conversation, Conversation]:
    """Both sides after playing a script prefix."""
    _, initiator, responder = play(script)
    return initiator, responder


def reachable_from(start: ConversationState) -> set[ConversationState]:
    seen, todo = {start}, [start]
    while todo:
        state = todo.pop()
        for (source, *_), target in TRANSITIONS.items():
            if source is state and target not in seen:
                seen.add(target)
                todo.append(target)
    return seen


def test_no_state_a_forecast_can_reach_applies_anything() -> None:
    """From the forecast's greeting, only forecast states and DONE are reachable: never TRANSFER, APPLYING
    or RESULT_SENT, and no transition on the way carries Apply or Result."""
    reached = reachable_from(S.FORECAST_GREETING)
    assert reached == FORECAST_STATES | {S.DONE}
    assert not reached & {S.TRANSFER, S.APPLYING, S.RESULT_SENT, S.OFFER_CHECK, S.AUTH_CHECK}
    carried = {cls for (source, _, cls, _) in TRANSITIONS if source in reached}
    assert Apply not in carried and Result not in carried
    # and the only way into a forecast state is Hello(purpose forecast)
    entries = {(source, cls, variant) for (source, _, cls, variant), target in TRANSITIONS.items()
               if target in FORECAST_STATES and source not in FORECAST_STATES}
    assert entries == {(S.IDLE, type(hello("forecast")), "forecast")}


def test_a_whole_forecast_plays_and_both_sides_end_done() -> None:
    received, initiator, responder = play(forecast_script())
    assert isinstance(received[-2], ForecastAnswer)
    assert initiator.state is responder.state is S.DONE


def proved_and_offered(chunks: int = 2) -> tuple[Conversation, Conversation]:
    script = forecast_script(chunk_bytes=len(BUNDLE.encode()) // chunks + 1)
    upto = next(i for i, (_, m) in enumerate(script) if isinstance(m, Attachment))
    return advanced(script[:upto])


def test_apply_is_refused_where_a_forecast_asks() -> None:
    initiator, responder = proved_and_offered(chunks=1)
    initiator.send(Attachment(BUNDLE.encode()))
    with pytest.raises(LocalProtocolError, match="expected Attachment or ForecastAsk after Attachment, got Apply"):
        initiator.send(Apply(bundle_digest(BUNDLE)))


def test_a_client_cannot_answer_a_forecast_with_a_result() -> None:
    script = forecast_script()
    asked = next(i for i, (_, m) in enumerate(script) if isinstance(m, ForecastAsk)) + 1
    initiator, responder = advanced(script[:asked])
    assert responder.state is S.FORECASTING
    with pytest.raises(LocalProtocolError, match="expected ForecastAnswer after ForecastAsk, got Result"):
        responder.send(Result("OK", "", {"address_book": "applied"}, ""))


def test_the_question_comes_only_after_every_frame_offered() -> None:
    initiator, _ = proved_and_offered(chunks=2)
    with pytest.raises(LocalProtocolError, match="ForecastAsk after 0 of the 2 frames offered"):
        initiator.send(ForecastAsk(bundle_digest(BUNDLE)))


@pytest.mark.rules("DID-08")
def test_did08_a_forecast_offers_nothing_before_the_proof() -> None:
    """A forecast cannot read a client's answer without the System Manager ID/PIN: the offer must wait
    for the proof and its acceptance, as in a distribution."""
    initiator, responder = advanced([(I, hello("forecast")), (R, welcome())])
    assert responder.state is S.FORECAST_AUTH_AWAITED
    with pytest.raises(LocalProtocolError, match="expected Auth after Welcome, got Offer"):
        initiator.send(offer(1))
    _, responder = advanced([(I, hello("forecast")), (R, welcome()), (I, Auth("ab" * 32))])
    with pytest.raises(LocalProtocolError, match="expected AuthResult after Auth, got ForecastAnswer"):
        responder.send(answer())


def answer(**changes: Any) -> ForecastAnswer:
    fields: dict[str, Any] = {
        "outcomes": {"address_book": "applied"},
        "summaries": {"address_book": "replaced wholesale"},
        "changes": ({"category": "address_book", "kind": "address entries added", "count": 2, "names": ["a"]},),
        "detail": "",
    }
    fields.update(changes)
    return ForecastAnswer(**fields)


def test_an_answer_naming_a_category_not_offered_is_refused() -> None:
    script = forecast_script()
    asked = next(i for i, (_, m) in enumerate(script) if isinstance(m, ForecastAsk)) + 1
    initiator, responder = advanced(script[:asked])
    assert isinstance(script[4][1], Offer) and "printer_settings" not in script[4][1].categories
    bad = answer(outcomes={"address_book": "applied", "printer_settings": "applied"})
    with pytest.raises(LocalProtocolError, match="names categories that were not offered"):
        responder.send(bad)


@pytest.mark.parametrize(
    ("record", "problem"),
    [
        ({"category": "address_book", "kind": "address entries deleted", "count": 1, "names": []},
         "unknown kind of change"),
        ({"category": "fax_book", "kind": "address entries added", "count": 1, "names": []}, "unknown category"),
        ({"category": "address_book", "kind": "address entries added", "count": 0, "names": []},
         "must be at least 1"),
        ({"category": "address_book", "kind": "address entries added", "count": 1, "names": ["a", "b"]},
         "lists 2 names for a count of 1"),
        ({"category": "address_book", "kind": "address entries removed", "count": 3, "names": ["Alice"]},
         "is a count and lists no names"),
        ({"category": "address_book", "kind": "address entries added", "count": 10**6,
          "names": ["n"] * (FORECAST_NAMES + 1)}, f"at most {FORECAST_NAMES}"),
        ({"category": "address_book", "kind": "address entries added", "count": 1, "names": [], "old": "x"},
         "must have exactly the keys"),
    ],
)
def test_change_records_are_checked_strictly(record: dict[str, Any], problem: str) -> None:
    """A count-only change (an entry only the client had) can never carry a name: the schema refuses it."""
    body = answer(changes=(record,)).to_wire()
    with pytest.raises(RemoteProtocolError, match=problem):
        parse_message(body)


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"outcomes": {"address_book": "refused: off"}, "summaries": {}, "changes": ()}, "at least one category"),
        ({"summaries": {"printer_settings": "x"}}, "'summaries' names categories that are not applied"),
        ({"changes": ({"category": "paper_information", "kind": "paper types added", "count": 1, "names": []},)},
         "'changes' names categories that are not applied"),
        ({"changes": ({"category": "address_book", "kind": "address entries added", "count": 1, "names": []},) * 2},
         "one change of one category twice"),
        ({"detail": "x" * (FORECAST_TEXT_CHARS + 1)}, "detail is"),
    ],
)
def test_answers_are_consistent(changes: dict[str, Any], problem: str) -> None:
    with pytest.raises(RemoteProtocolError, match=problem):
        parse_message(answer(**changes).to_wire())
