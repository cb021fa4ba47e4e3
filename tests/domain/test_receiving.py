"""A client's receiving settings and its answer to an offer (DID-18, DID-19, DID-10, DID-05)."""

from __future__ import annotations

import pytest

from mfp_console.domain.device_info import Category
from mfp_console.domain.machine import Activity
from mfp_console.domain.receiving import (
    SWITCHED_OFF_REASON,
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
def test_did18_did19_defaults_restrict_model_and_every_function_on() -> None:
    """DID-18 default <On>; DID-19 default: every category's switch <On>, i.e. received."""
    settings = ReceivingSettings()
    assert settings.restrict_model is True
    assert settings.received_categories == frozenset(Category)
    assert settings.refused_categories == frozenset()
    assert all(settings.receives(c) for c in Category)


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
def test_did19_category_switched_off_refused_others_accepted_and_ok() -> None:
    """DID-19 (the seed's wording): a switch set to <Off> refuses its category; DID-05: the rest ends OK."""
    settings = ReceivingSettings().with_reception(Category.PRINTER_SETTINGS, False)
    assert not settings.receives(Category.PRINTER_SETTINGS)
    decision = _decide(settings)
    assert decision.ok
    assert Category.PRINTER_SETTINGS not in decision.accepted
    assert decision.refused == ((Category.PRINTER_SETTINGS, SWITCHED_OFF_REASON),)
    assert decision.refused_reason(Category.PRINTER_SETTINGS) == SWITCHED_OFF_REASON
    assert decision.refused_reason(Category.ADDRESS_BOOK) is None
    expected = "refused <Printer Settings> (set to <Off> under <Restrict Receiving for Each Function>)"
    assert expected in decision.log_text()


@pytest.mark.rules("DID-19")
def test_did19_switch_on_receives() -> None:
    """DID-19: <On> receives the category (the older manuals' reversed reading would refuse it)."""
    settings = ReceivingSettings.receiving(True, [Category.PRINTER_SETTINGS])
    decision = _decide(settings, offered=(Category.PRINTER_SETTINGS, Category.ADDRESS_BOOK))
    assert decision.ok and decision.accepted == (Category.PRINTER_SETTINGS,)
    assert decision.refused_categories == (Category.ADDRESS_BOOK,)


@pytest.mark.rules("DID-05", "DID-19")
def test_did05_every_offered_category_off_is_e_refused() -> None:
    settings = ReceivingSettings(refused_categories=frozenset({Category.ADDRESS_BOOK}))
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
    settings = ReceivingSettings(False).with_reception(Category.DEPARTMENT_ID, False)
    settings = settings.with_reception(Category.PAPER_INFORMATION, False)
    settings = settings.with_reception(Category.PAPER_INFORMATION, True)
    assert settings.refused_categories == {Category.DEPARTMENT_ID}
    assert settings.to_json() == {"restrict_model": False, "refused_categories": ["department_id"]}
    assert ReceivingSettings.from_json(settings.to_json()) == settings
    with pytest.raises(TypeError):
        ReceivingSettings.from_json({"restrict_model": "yes", "refused_categories": []})
    with pytest.raises(TypeError):
        ReceivingSettings.from_json({"restrict_model": True, "refused_categories": "address_book"})


@pytest.mark.rules("DID-19")
def test_did19_settings_stored_with_the_old_key_refuse_the_same_categories() -> None:
    """DID-19 migration: the old key listed the refused categories (shown <On> then); they stay refused."""
    old = {"restrict_model": True, "restricted_categories": ["printer_settings", "paper_information"]}
    settings = ReceivingSettings.from_json(old)
    assert settings.refused_categories == {Category.PRINTER_SETTINGS, Category.PAPER_INFORMATION}
    assert settings.received_categories == {Category.ADDRESS_BOOK, Category.DEPARTMENT_ID,
                                            Category.SETTINGS_VALUES}
    decision = _decide(settings, offered=(Category.PRINTER_SETTINGS, Category.ADDRESS_BOOK))
    assert decision.accepted == (Category.ADDRESS_BOOK,)
