"""The one table of limits: how much of anything a machine accepts, from a peer, a file or its panel.

Every bound the emulator enforces on data it did not make itself lives here, so a reader finds them all in
one place and ``docs/security.md`` can list them. Each constant says where its figure comes from:

* **Canon** — a figure the machine's manual gives (``/work/shared/seeds``, ``canon-research.md``) or a
  behaviour rule of ``rules.md`` names;
* **(D)** — our decision where no manual gives a figure, with the reason.

A limit here is enforced where data enters (the wire decoders, the fleet and scenario file readers, the
store's log) with a clear error, never by a ``MemoryError`` or a hang later. Changing one is a one-line
change; the tests read the constants rather than repeating the numbers.
"""

from __future__ import annotations

from typing import Final

__all__ = [
    "ADDRESS_BOOK_ENTRIES",
    "ATTACHMENT_BYTES",
    "BUNDLE_BYTES",
    "BUNDLE_CHUNKS",
    "COMMUNICATION_LOG_ENTRIES",
    "DEPARTMENT_IDS",
    "DESTINATIONS",
    "DESTINATIONS_CONFIGURABLE",
    "DURATION_SECONDS",
    "FAVOURITE_SETTINGS",
    "FORECAST_NAMES",
    "FORECAST_TEXT_CHARS",
    "FAVOURITE_SETTING_ITEMS",
    "FORWARDING_RULES",
    "FRAME_BYTES",
    "INBOX_URL_SEND_ENTRIES",
    "INTEGER",
    "LATEST_MACHINE_YEAR",
    "PAPER_TYPES",
    "PRINTER_SETTINGS",
    "SETTINGS_VALUES",
    "SYNC_MACHINES",
    "SYNC_USERS",
    "TEXT_CHARS",
    "UPDATE_SECONDS_PER_MIB",
    "USERS_PER_PUSH",
    "YAML_NESTING",
]

# --- the wire ------------------------------------------------------------------------------------------

FRAME_BYTES: Final = 1024 * 1024
"""(D) The largest frame body (JSON or raw), header excluded: checked from the 4-byte header before a byte
of the body is buffered. 1 MiB holds a 256 Ki-character chunk of ordinary text with room to spare."""

ATTACHMENT_BYTES: Final = 256 * 1024 * 1024
"""(D) The most bytes of raw attachment frames one sync answer may announce (1,000 users' documents are
about 1.5 MiB, so this is generous; it only stops an announcement from reserving unbounded memory)."""

BUNDLE_BYTES: Final = 16 * 1024 * 1024
"""(D) The largest distribution bundle (an offer's ``total_bytes``, UTF-8 JSON of the offered categories).
The ``bench`` host's five categories are 1.17 MiB; every category at its own limit below stays far under it
with ordinary text. A larger offer is refused before any of its frames is buffered."""

BUNDLE_CHUNKS: Final = 4096
"""(D) The most raw frames one bundle may be cut into (an offer's ``chunk_count``). A host cuts 256 KiB
per frame, so a bundle at :data:`BUNDLE_BYTES` needs at most 64; the margin allows smaller frames without
letting an offer announce millions of tiny ones."""

FORECAST_NAMES: Final = 100
"""(D) Names one change of a pre-flight forecast lists (``3 address entries added: …``); its count says how
many there are in all. A screen shows no more than a few dozen anyway."""

FORECAST_TEXT_CHARS: Final = 16 * 1024
"""(D) Characters of names one pre-flight answer carries in all, and the longest of its sentences; names past
the budget are left out (the counts stay), a longer sentence is cut. Seven such texts at the worst JSON
escape (six bytes a character) stay under :data:`FRAME_BYTES`, whatever the host's data looks like."""

INTEGER: Final = 2**63 - 1
"""The largest whole number stored or sent: counts, numbers and versions end in SQLite INTEGER columns."""

TEXT_CHARS: Final = 1024
"""(D) The longest single text field of device information (a name, an address, a settings key or value).
The longest settings key of the seed catalogue is 116 characters; Canon's panel fields are shorter still."""

# --- device information (DID-03, one limit per list) -------------------------------------------------------

ADDRESS_BOOK_ENTRIES: Final = 10_000
"""(D) Destinations in one address book. A Canon address book holds 1,800 or 2,000 depending on the model
(the figure is not in our seeds); the emulator accepts up to 10,000 because the ``bench`` seed profile
sends 7,500 entries to reach the 1 MiB bundle the performance targets are measured with. The bound stops a
200,000-entry book from being buffered and stored."""

FORWARDING_RULES: Final = 500
"""(D) ``[Forwarding Settings]`` rules in one address book (no manual figure; the seeds use at most 40)."""

FAVOURITE_SETTINGS: Final = 500
"""(D) ``[Register/Edit Favorite Settings]`` entries (no manual figure; the seeds use at most 60)."""

FAVOURITE_SETTING_ITEMS: Final = 100
"""(D) Setting/value pairs in one favourite (no manual figure; the seeds use at most 4)."""

DEPARTMENT_IDS: Final = 1_000
"""Canon: a machine manages up to 1,000 Department IDs (the figure the issue quotes from the manuals; not in
our seeds). The ``bench`` profile holds exactly 1,000."""

PRINTER_SETTINGS: Final = 1_000
"""(D) Printer setting/value pairs (the seed catalogue has 40)."""

PAPER_TYPES: Final = 500
"""(D) User-defined paper types (no manual figure here; the ``bench`` profile has 120)."""

SETTINGS_VALUES: Final = 5_000
"""(D) Settings/registration values (the seed catalogue has about 300)."""

INBOX_URL_SEND_ENTRIES: Final = 1_000
"""(D) Inbox URL Send setting/value pairs (the seeds use at most 10)."""

# --- fleet sizes ---------------------------------------------------------------------------------------------

DESTINATIONS: Final = 100
"""Canon (DID-02): a host registers at most 100 destinations by default."""

DESTINATIONS_CONFIGURABLE: Final = 100_000
"""(D) The highest ``destination_limit`` a fleet file may set, for load work with many receivers."""

SYNC_MACHINES: Final = 10
"""Canon (SYNC-02): machines that may synchronize, the server included."""

SYNC_USERS: Final = 1_000
"""Canon (SYNC-03): users whose personalized data the server keeps."""

USERS_PER_PUSH: Final = SYNC_USERS
"""(D) Distinct users one ``sync_push`` message may name: no more than a server can keep (SYNC-03)."""

COMMUNICATION_LOG_ENTRIES: Final = 2_000
"""(D) Entries a machine keeps in its ``<Communication Log>`` (DID-23); the oldest go first. A Canon machine
prints its log report once 100 unprinted entries build up (canon-research 1.10) and keeps no unbounded
history; 2,000 is twenty such reports, and holds every entry of a 1,000-destination distribution twice.
Without a cap, a peer guessing proofs would grow the log (one ``NG E-AUTH`` entry per guess) for ever."""

# --- files ---------------------------------------------------------------------------------------------

YAML_NESTING: Final = 64
"""(D) How deeply a fleet or scenario file may nest lists and mappings (ours need about six levels); deeper
is refused at its line rather than ending in a ``RecursionError``."""

# --- time ------------------------------------------------------------------------------------------------

DURATION_SECONDS: Final = 366 * 86400
"""(D) The longest one scenario ``advance``/``wait within`` may be: a year and a day. Longer durations are
refused by ``check`` (they could only overflow the clock in ``play``)."""

LATEST_MACHINE_YEAR: Final = 9000
"""(D) Machine time stays before 1 January of this year: Python's calendar ends in 9999, and the margin
leaves room for schedules computed ahead of now. ``check`` refuses a scenario whose clock, moved by
every step at its most, could get there."""

UPDATE_SECONDS_PER_MIB: Final = 86_400.0
"""(D) The highest ``update_seconds_per_mib`` a fleet file or scenario may set: a day of machine time per
MiB (the power-cut rig uses 1.5, the cancel and power-cut scenarios 6,000 to catch an update mid-way). It
must be a finite number: ``.inf`` would keep every update running for ever."""
