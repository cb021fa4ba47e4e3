"""A client's receiving settings and its answer to an offer (DID-18, DID-19, DID-10, DID-05)."""

from __future__ import annotations

import pytest

from mfp_console.domain.device_info import Category
from mfp_console.domain.machine import Activity
from mfp_console.domain.receiving import (
    RESTRICTED_REASON,
    OfferDecision,
    ReceivingSettings,
    decide_offer,
)

ALL = tuple(Category)
SERIES = "iR-ADV C5500"


def _decide(settings: ReceivingSettings = ReceivingSettings(), *, host: str = SERIES,
            offered: tuple[Category, ...] = ALL, activity: Activity = Activity.IDLE) -> OfferDecision:
    return decide_offer(host_series=host, client_series=SERIES, offered=offered, settings=settings,
                        client_activity=activity)


@pytest.mark.rules("DID-18", "DID-19")
def test_did18_did19_defaults_restrict_model_and_no_function() -> None:
    settings = ReceivingSettings()
    assert settings.restrict_model is True
    assert settings.restricted_categories == frozenset()


@pytest.mark.rules("DID-18")
def test_did18_other_series_refused_while_restricted() -> None:
    decision = _decide(host="iR-ADV C3500")
    assert decision.code == "E-MODEL" and not decision.ok
    assert decision.accepted == ()
    assert set(decision.refused_categories) == set(ALL)
    assert "<Restrict Receiving Device Information> is <On>" in decision.reason


@pytest.mark.rules("DID-18")
def test_did18_other_series_accepted_when_off() -> None:
    decision = _decide(ReceivingSettings(restrict_model=False), host="imageFORCE C5100")
    assert decision.ok and decision.accepted == ALL


@pytest.mark.rules("DID-18")
def test_did18_same_series_compares_ignoring_case_and_blanks() -> None:
    assert _decide(host=" ir-adv  c5500").ok


@pytest.mark.rules("DID-10")
@pytest.mark.parametrize("activity", [Activity.PRINTING, Activity.SENDING, Activity.IMPORT_EXPORT,
                                      Activity.UPDATING])
def test_did10_busy_client_refuses_everything(activity: Activity) -> None:
    decision = _decide(activity=activity)
    assert decision.code == "E-BUSY" and decision.accepted == ()
    assert activity.value in decision.reason


@pytest.mark.rules("DID-10")
def test_did10_busy_wins_over_model_restriction() -> None:
    assert _decide(host="other", activity=Activity.PRINTING).code == "E-BUSY"


@pytest.mark.rules("DID-05", "DID-19")
def test_did19_restricted_category_refused_others_accepted_and_ok() -> None:
    """DID-19 and DID-05: partial acceptance ends OK and names what was refused."""
    settings = ReceivingSettings().with_restriction(Category.PRINTER_SETTINGS, True)
    decision = _decide(settings)
    assert decision.ok
    assert Category.PRINTER_SETTINGS not in decision.accepted
    assert decision.refused == ((Category.PRINTER_SETTINGS, RESTRICTED_REASON),)
    assert decision.refused_reason(Category.PRINTER_SETTINGS) == RESTRICTED_REASON
    assert decision.refused_reason(Category.ADDRESS_BOOK) is None
    expected = "refused <Printer Settings> (restricted by <Restrict Receiving for Each Function>)"
    assert expected in decision.log_text()


@pytest.mark.rules("DID-05")
def test_did05_all_offered_restricted_is_e_refused() -> None:
    settings = ReceivingSettings(restricted_categories=frozenset({Category.ADDRESS_BOOK}))
    decision = _decide(settings, offered=(Category.ADDRESS_BOOK,))
    assert decision.code == "E-REFUSED"
    assert decision.refused_categories == (Category.ADDRESS_BOOK,)


@pytest.mark.rules("DID-05")
def test_did05_empty_offer_is_refused() -> None:
    assert _decide(offered=()).code == "E-REFUSED"


@pytest.mark.rules("DID-19")
def test_did19_accepted_in_panel_order_without_duplicates() -> None:
    offered = (Category.SETTINGS_VALUES, Category.ADDRESS_BOOK, Category.ADDRESS_BOOK)
    assert _decide(offered=offered).accepted == (Category.ADDRESS_BOOK, Category.SETTINGS_VALUES)


@pytest.mark.rules("DID-19")
def test_did19_switches_toggle_and_round_trip_json() -> None:
    settings = ReceivingSettings(False).with_restriction(Category.DEPARTMENT_ID, True)
    settings = settings.with_restriction(Category.PAPER_INFORMATION, True)
    settings = settings.with_restriction(Category.PAPER_INFORMATION, False)
    assert settings.restricted_categories == {Category.DEPARTMENT_ID}
    assert ReceivingSettings.from_json(settings.to_json()) == settings
    with pytest.raises(TypeError):
        ReceivingSettings.from_json({"restrict_model": "yes", "restricted_categories": []})
