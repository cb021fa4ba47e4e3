"""Which settings/registration items each series of machines has, as data (DID-26).

A client of another series that accepts a distribution (``<Restrict Receiving Device Information>``
``<Off>``, DID-18) "may not receive all of it correctly" (the seed). The emulator decides what that means
(**D**): a settings value whose item the client's series does not have is skipped, and the client's log
and the destination's detail list it. What a series lacks is written below in the catalogue's small text
format, one block per series::

    [series iR-ADV C3500]
    Function Settings/Send/Fax Line Settings/Line 3/*     # every item under that group
    Management Settings/Security Settings/Use McAfee Embedded Control

A line is a settings key (a menu path of :data:`~mfp_console.domain.seed_catalogue.SETTING_ITEMS`) or a
group ending in ``/*``; ``#`` starts a comment. A series not listed has every item of the catalogue (the
default fleet's iR-ADV C5500 and the host's own series). Series names are compared ignoring case and runs
of blanks, as DID-18 compares them. Which items a real iR-ADV C3500 lacks is not in the manuals we hold:
the list stands for the kind of difference the seed warns about (fewer fax lines, no McAfee Embedded
Control, no Quick Startup) and is the emulator's choice. ``tests/domain/test_series_catalogue.py`` checks
that every line names items the catalogue has, so the list cannot drift from it.

Seeding follows the same data: a machine is never seeded with an item its series lacks.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["SERIES_LACKING", "SeriesItems", "series_has_setting", "series_key", "series_lacking"]

_TEXT = """
[series iR-ADV C3500]
# Two fax lines where the C5500 has four.
Function Settings/Send/Fax Line Settings/Line 3/*
Function Settings/Send/Fax Line Settings/Line 4/*
Preferences/Timer/Quick Startup Settings for Main Power
Preferences/Display/Home Screen Button Layout
Function Settings/Common/Scanner Line Contamination Correction
Function Settings/Common/Auto Cleaning of Feeder
Management Settings/Device Management/Print Secured Watermark
Management Settings/Security Settings/Use McAfee Embedded Control
"""


def series_key(series: str) -> str:
    """A series name as compared: blanks collapsed, case folded (``" ir-adv  c5500"`` ≡ ``iR-ADV C5500``)."""
    return " ".join(series.split()).casefold()


@dataclass(frozen=True)
class SeriesItems:
    """The settings items one series lacks.

    Attributes:
        series: The series as written in the catalogue.
        keys: Exact settings keys the series does not have.
        groups: Group paths (without ``/*``) whose every item the series does not have.
    """

    series: str
    keys: frozenset[str] = frozenset()
    groups: tuple[str, ...] = ()

    def has(self, key: str) -> bool:
        """True when the series has the settings item ``key``."""
        return key not in self.keys and not any(key.startswith(group + "/") for group in self.groups)


def _parse(text: str) -> dict[str, SeriesItems]:
    blocks: dict[str, tuple[str, list[str], list[str]]] = {}
    current: tuple[str, list[str], list[str]] | None = None
    for raw in text.strip().splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if line.startswith("[series ") and line.endswith("]"):
            name = line[len("[series "):-1].strip()
            current = blocks.setdefault(series_key(name), (name, [], []))
            continue
        if current is None:
            raise ValueError(f"series catalogue: {line!r} comes before any [series …] heading")
        if line.endswith("/*"):
            current[2].append(line[:-2])
        else:
            current[1].append(line)
    return {key: SeriesItems(name, frozenset(keys), tuple(groups)) for key, (name, keys, groups) in blocks.items()}


SERIES_LACKING: dict[str, SeriesItems] = _parse(_TEXT)
"""What each listed series lacks, keyed by :func:`series_key`."""

_HAS_ALL = SeriesItems("")


def series_lacking(series: str) -> SeriesItems:
    """The items ``series`` lacks (nothing for a series the catalogue does not list)."""
    return SERIES_LACKING.get(series_key(series), _HAS_ALL)


def series_has_setting(series: str, key: str) -> bool:
    """True when machines of ``series`` have the settings item ``key`` (DID-26)."""
    return series_lacking(series).has(key)
