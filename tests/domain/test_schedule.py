"""<Set Auto Distribution> data (DID-21) and its cron fields (DID-22)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from apscheduler.triggers.cron import CronTrigger

from mfp_console.domain.device_info import Category
from mfp_console.domain.schedule import (
    AutoDistribution,
    ScheduleMode,
    format_start_time,
    parse_start_time,
)
from mfp_console.errors import RuleRefusal

NONE_PER_DAY: tuple[tuple[str, ...], ...] = ((),) * 7


@pytest.mark.rules("DID-21")
@pytest.mark.parametrize(("text", "expected"), [("0000", (0, 0)), ("2359", (23, 59)), ("0300", (3, 0)),
                                                ("1230", (12, 30)), (" 0705 ", (7, 5))])
def test_did21_accepts_four_digit_times(text: str, expected: tuple[int, int]) -> None:
    assert parse_start_time(text) == expected


@pytest.mark.rules("DID-21")
@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("705", "has 3 digits"),
        ("2400", "hours go from 00 to 23"),
        ("2360", "minutes go from 00 to 59"),
        ("12a0", "characters other than digits"),
        ("", "empty"),
        ("07:05", "characters other than digits"),
        ("00000", "has 5 digits"),
    ],
)
def test_did21_refuses_malformed_times(text: str, words: str) -> None:
    with pytest.raises(RuleRefusal) as caught:
        parse_start_time(text)
    assert caught.value.rule_id == "DID-21"
    assert words in caught.value.reason
    assert "0000 to 2359" in caught.value.reason


@pytest.mark.rules("DID-21")
def test_did21_three_digits_suggest_the_padded_time() -> None:
    with pytest.raises(RuleRefusal, match="did you mean 0705"):
        parse_start_time("705")


@pytest.mark.rules("DID-21")
def test_did21_format_round_trips() -> None:
    assert format_start_time(*parse_start_time("0305")) == "0305"


@pytest.mark.rules("DID-21")
def test_did21_at_most_five_slots_per_day() -> None:
    AutoDistribution(ScheduleMode.EVERYDAY, everyday=("0100", "0200", "0300", "0400", "0500"))
    with pytest.raises(RuleRefusal, match="at most 5"):
        AutoDistribution(ScheduleMode.EVERYDAY, everyday=("0100", "0200", "0300", "0400", "0500", "0600"))
    six = (("0100", "0200", "0300", "0400", "0500", "0600"),) + ((),) * 6
    with pytest.raises(RuleRefusal, match="<Sun> has 6"):
        AutoDistribution(ScheduleMode.SPECIFY_DAYS, days=six)


@pytest.mark.rules("DID-21")
def test_did21_bad_slot_refused_in_the_value() -> None:
    with pytest.raises(RuleRefusal) as caught:
        AutoDistribution(ScheduleMode.EVERYDAY, everyday=("2360",))
    assert caught.value.rule_id == "DID-21"


@pytest.mark.rules("DID-21")
def test_did21_slots_keep_their_numbers() -> None:
    auto = AutoDistribution(ScheduleMode.EVERYDAY).with_everyday_slot(3, "0300")
    assert auto.everyday == ("", "", "0300")
    auto = auto.with_everyday_slot(1, "0100").with_everyday_slot(3, None)
    assert auto.everyday == ("0100",)
    auto = auto.with_day_slot("<Wed>", 2, "2200")
    assert auto.days[3] == ("", "2200")
    with pytest.raises(RuleRefusal, match="slots are 1 to 5"):
        auto.with_everyday_slot(6, "0100")


@pytest.mark.rules("DID-22")
def test_did22_everyday_cron_fields() -> None:
    auto = AutoDistribution(ScheduleMode.EVERYDAY, everyday=("0300", "2330"))
    assert auto.cron_fields() == [
        {"day_of_week": "*", "hour": 3, "minute": 0},
        {"day_of_week": "*", "hour": 23, "minute": 30},
    ]


@pytest.mark.rules("DID-22")
def test_did22_two_slots_at_the_same_minute_fire_once() -> None:
    auto = AutoDistribution(ScheduleMode.EVERYDAY, everyday=("0300", "0300", "0300"))
    assert auto.cron_fields() == [{"day_of_week": "*", "hour": 3, "minute": 0}]


@pytest.mark.rules("DID-22")
def test_did22_specify_days_merge_days_per_minute() -> None:
    days = [(), ("0300",), (), ("0300", "0300", "1200"), (), (), ("0900",)]
    auto = AutoDistribution(ScheduleMode.SPECIFY_DAYS, days=tuple(days))
    assert auto.cron_fields() == [
        {"day_of_week": "mon,wed", "hour": 3, "minute": 0},
        {"day_of_week": "sat", "hour": 9, "minute": 0},
        {"day_of_week": "wed", "hour": 12, "minute": 0},
    ]


@pytest.mark.rules("DID-21")
def test_did21_off_and_unused_mode_slots_do_not_fire() -> None:
    auto = AutoDistribution(ScheduleMode.OFF, everyday=("0300",))
    assert auto.cron_fields() == []
    only_days = AutoDistribution(ScheduleMode.EVERYDAY, days=(("0100",),) + ((),) * 6)
    assert only_days.cron_fields() == []


@pytest.mark.rules("DID-22")
def test_did22_cron_fields_drive_apscheduler_triggers_on_the_right_days() -> None:
    """Fields are valid CronTrigger arguments; weekday names avoid APScheduler's Monday-is-0."""
    days = [("0300",), (), (), (), (), (), ()]  # Sunday only
    (fields,) = AutoDistribution(ScheduleMode.SPECIFY_DAYS, days=tuple(days)).cron_fields()
    trigger = CronTrigger(**fields, timezone=timezone.utc)
    start = datetime(2025, 4, 2, tzinfo=timezone.utc)  # a Wednesday
    fire = trigger.get_next_fire_time(None, start)
    assert fire == datetime(2025, 4, 6, 3, 0, tzinfo=timezone.utc) and fire.strftime("%a") == "Sun"
    assert trigger.get_next_fire_time(fire, fire + timedelta(seconds=1)).strftime("%a") == "Sun"


@pytest.mark.rules("DID-21")
def test_did21_check_complete_names_what_is_missing() -> None:
    AutoDistribution().check_complete()
    base = AutoDistribution(ScheduleMode.EVERYDAY)
    with pytest.raises(RuleRefusal, match="at least one start time"):
        base.check_complete()
    with pytest.raises(RuleRefusal, match="category"):
        base.with_everyday_slot(1, "0300").check_complete()
    timed = AutoDistribution(ScheduleMode.EVERYDAY, everyday=("0300",),
                             categories=frozenset({Category.ADDRESS_BOOK}))
    with pytest.raises(RuleRefusal, match="destination"):
        timed.check_complete()


@pytest.mark.rules("DID-21")
def test_did21_round_trips_json() -> None:
    days = [(), ("0300",), (), ("", "1200"), (), (), ()]
    auto = AutoDistribution(ScheduleMode.SPECIFY_DAYS, everyday=("0100",), days=tuple(days),
                            categories=frozenset({Category.ADDRESS_BOOK, Category.SETTINGS_VALUES}),
                            include_network=True, destinations=("client-a", "client-b"))
    data = auto.to_json()
    assert data["mode"] == "Specify Days" and data["days"]["Wed"] == ["", "1200"]
    assert AutoDistribution.from_json(data) == auto


@pytest.mark.rules("DID-21")
def test_did21_days_must_have_seven_entries() -> None:
    with pytest.raises(ValueError, match="seven"):
        AutoDistribution(days=((),) * 6)
