"""Durations and moments of scenario files: units are required, time only moves forward."""

from __future__ import annotations

from datetime import datetime, time, timezone

import pytest

from mfp_console.scenario.timeparse import (
    DurationError,
    Moment,
    format_duration,
    parse_duration,
    parse_moment,
)

UTC = timezone.utc


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("90s", 90), ("10m", 600), ("2h", 7200), ("1d", 86400), ("1h30m", 5400), ("1d 2h", 93600),
     ("0.5h", 1800), (" 15M ", 900)],
)
def test_durations_read_with_their_unit(text: str, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (90, "the duration 90 has no unit; write e.g. '90s', '90m' or '90h'"),
        ("90", "cannot read the duration '90'; write a number and a unit: 90s, 10m, 2h, 1d (or 1h30m)"),
        ("10 minutes", "cannot read the duration '10 minutes'"),
        ("10x", "cannot read the duration '10x'"),
        ("-5m", "cannot read the duration '-5m'"),
        ("", "cannot read the duration ''"),
        (None, "a duration like 90s, 10m, 2h or 1d is needed, got None"),
        (True, "a duration like 90s, 10m, 2h or 1d is needed, got True"),
    ],
)
def test_bad_durations_say_how_to_write_them(value: object, message: str) -> None:
    with pytest.raises(DurationError) as info:
        parse_duration(value)
    assert str(info.value).startswith(message)


@pytest.mark.parametrize(("seconds", "text"), [(0, "0s"), (90, "1m30s"), (5400, "1h30m"), (86400, "1d"), (600, "10m")])
def test_durations_are_written_back_compactly(seconds: float, text: str) -> None:
    assert format_duration(seconds) == text
    assert parse_duration(text) == seconds


def test_an_iso_moment_takes_the_fleet_zone_when_it_has_no_offset() -> None:
    moment = parse_moment("2026-11-21T03:00", UTC)
    assert moment.at == datetime(2026, 11, 21, 3, 0, tzinfo=UTC)
    assert str(moment) == "2026-11-21T03:00"


def test_yaml_datetimes_and_dates_are_accepted() -> None:
    assert parse_moment(datetime(2026, 11, 21, 3, 0), UTC).at == datetime(2026, 11, 21, 3, 0, tzinfo=UTC)
    assert parse_moment(datetime(2026, 11, 21).date(), UTC).at == datetime(2026, 11, 21, 0, 0, tzinfo=UTC)


def test_a_time_of_day_is_the_next_time_the_clock_shows_it() -> None:
    moment = parse_moment("03:00", UTC)
    assert moment == Moment(time_of_day=time(3, 0))
    now = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    assert moment.resolve(now) == datetime(2026, 11, 21, 3, 0, tzinfo=UTC)
    assert parse_moment("21:00", UTC).resolve(now) == datetime(2026, 11, 20, 21, 0, tzinfo=UTC)
    assert parse_moment("09:00", UTC).resolve(now) == datetime(2026, 11, 21, 9, 0, tzinfo=UTC)


def test_yaml_sexagesimal_numbers_are_read_as_written() -> None:
    # PyYAML reads an unquoted 21:00 as the number 1260; the text as written decides.
    assert parse_moment(1260, UTC, source_text="21:00").time_of_day == time(21, 0)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("25:00", "'25:00' is not a time of day (00:00 to 23:59)"),
        ("next tuesday", "cannot read the time 'next tuesday'; write an ISO date and time such as 2026-11-20T09:00 "
                         "or a time of day such as '03:00'"),
        ("2026-13-45T09:00", "cannot read the time '2026-13-45T09:00'"),
    ],
)
def test_bad_moments_say_how_to_write_them(value: str, message: str) -> None:
    with pytest.raises(DurationError) as info:
        parse_moment(value, UTC)
    assert str(info.value).startswith(message)


def test_the_start_clock_needs_a_date() -> None:
    with pytest.raises(DurationError) as info:
        parse_moment("09:00", UTC, allow_time_of_day=False)
    assert str(info.value) == "cannot read the time '09:00'; write an ISO date and time such as 2026-11-20T09:00"
