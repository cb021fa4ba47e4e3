"""A client's ``<Receiving Settings>`` and its answer to an offered distribution (DID-18, DID-19, DID-10).

:func:`decide_offer` is what a client answers when a host offers categories: refuse all (busy, another
series) or accept the categories its ``<Restrict Receiving for Each Function>`` switches allow. The order
of the checks is the order a person would ask: is the machine free, is the sender one we take data from,
which categories do we want. A partial acceptance is not an error (DID-05): the distribution ends ``OK``
and the log names the refused categories.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from mfp_console.domain.device_info import Category
from mfp_console.domain.machine import Activity
from mfp_console.domain.series_catalogue import series_key

__all__ = [
    "CODE_BUSY",
    "CODE_MODEL",
    "CODE_REFUSED",
    "OfferDecision",
    "ReceivingSettings",
    "NO_SEND_OPTION_REASON",
    "SWITCHED_OFF_REASON",
    "decide_offer",
]

CODE_BUSY = "E-BUSY"
CODE_MODEL = "E-MODEL"
CODE_REFUSED = "E-REFUSED"

SWITCHED_OFF_REASON = "set to <Off> under <Restrict Receiving for Each Function>"
"""Why a category switched ``<Off>`` under DID-19 is refused."""

NO_SEND_OPTION_REASON = "this machine has neither the fax board nor the Universal Send Kit"
"""Why ``<Address Book>`` is not sent or received by a machine without either option (DID-28)."""

_OLD_REFUSED_KEY = "restricted_categories"
"""The key older versions stored the refused categories under (the same set, see :meth:`from_json`)."""


@dataclass(frozen=True)
class ReceivingSettings:
    """The client side's ``<Receiving Settings>`` (DID-18, DID-19).

    ``<Restrict Receiving for Each Function>`` has one ``<On>``/``<Off>`` switch per category: ``<On>``
    (the default) receives the category, ``<Off>`` refuses it even when a host sends it (the seed: "you
    can restrict the functions to receive information for by setting … to <Off>"). What is stored is the
    set of refused categories, so "nothing stored" means every switch ``<On>``.

    Attributes:
        restrict_model: ``<Restrict Receiving Device Information>``; ``<On>`` (True, the default)
            refuses data from a host of another series.
        refused_categories: Categories switched ``<Off>`` under ``<Restrict Receiving for Each
            Function>``, i.e. not applied even when sent (default: none).
    """

    restrict_model: bool = True
    refused_categories: frozenset[Category] = frozenset()

    def receives(self, category: Category) -> bool:
        """True when ``category``'s switch is ``<On>`` (it is applied when a host sends it)."""
        return category not in self.refused_categories

    @property
    def received_categories(self) -> frozenset[Category]:
        """The categories switched ``<On>`` (what the panel shows as ``<On>``)."""
        return frozenset(c for c in Category if c not in self.refused_categories)

    def with_reception(self, category: Category, on: bool) -> ReceivingSettings:
        """Returns a copy with one switch set: ``on`` receives the category, ``<Off>`` refuses it."""
        refused = set(self.refused_categories)
        if on:
            refused.discard(category)
        else:
            refused.add(category)
        return ReceivingSettings(self.restrict_model, frozenset(refused))

    @classmethod
    def receiving(cls, restrict_model: bool, received: Collection[Category]) -> ReceivingSettings:
        """Builds settings from the switches shown ``<On>`` (the panel's view of DID-19)."""
        return cls(restrict_model, frozenset(c for c in Category if c not in set(received)))

    def to_json(self) -> dict[str, Any]:
        """Encodes the settings (the refused categories, in panel order)."""
        return {
            "restrict_model": self.restrict_model,
            "refused_categories": [c.value for c in Category if c in self.refused_categories],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ReceivingSettings:
        """Decodes settings; raises ``KeyError``/``ValueError``/``TypeError`` on bad data.

        Settings written before DID-19 was turned the seed's way round keep the refused categories under
        ``restricted_categories`` (then shown as ``<On>``); they are read as the same refused set, so a
        category that was refused stays refused. Nothing stored is ever inverted.
        """
        restrict = data["restrict_model"]
        if not isinstance(restrict, bool):
            raise TypeError(f"restrict_model must be true or false, got {restrict!r}")
        key = "refused_categories" if "refused_categories" in data else _OLD_REFUSED_KEY
        values = data[key]
        if not isinstance(values, list):
            raise TypeError(f"{key} must be a list, got {values!r}")
        return cls(restrict, frozenset(Category(v) for v in values))


@dataclass(frozen=True)
class OfferDecision:
    """A client's answer to an offer of categories.

    Attributes:
        accepted: Categories the client will apply, in panel order.
        refused: ``(category, reason)`` pairs for every offered category not accepted.
        code: ``""`` when the distribution goes ahead, else ``E-BUSY``, ``E-MODEL`` or ``E-REFUSED``.
        reason: A sentence for the log when ``code`` is set, else empty.
    """

    accepted: tuple[Category, ...]
    refused: tuple[tuple[Category, str], ...] = ()
    code: str = ""
    reason: str = ""

    @property
    def ok(self) -> bool:
        """True when the client goes on to receive the accepted categories."""
        return not self.code

    @property
    def refused_categories(self) -> tuple[Category, ...]:
        """The refused categories, without reasons."""
        return tuple(c for c, _ in self.refused)

    def refused_reason(self, category: Category) -> str | None:
        """Why ``category`` was refused, or None when it was not."""
        return dict(self.refused).get(category)

    def log_text(self) -> str:
        """One line for the communication log, e.g. ``refused <Printer Settings> (restricted by …)``."""
        if self.code:
            return f"{self.code}: {self.reason}"
        if not self.refused:
            return "accepted " + ", ".join(f"<{c.label}>" for c in self.accepted)
        refused = "; ".join(f"<{c.label}> ({why})" for c, why in self.refused)
        return "accepted " + ", ".join(f"<{c.label}>" for c in self.accepted) + f"; refused {refused}"


def decide_offer(
    *,
    host_series: str,
    client_series: str,
    offered: Collection[Category],
    settings: ReceivingSettings,
    client_activity: Activity,
    handles_address_book: bool = True,
) -> OfferDecision:
    """Decides what a client takes from an offer (DID-10, DID-18, DID-19, DID-28, DID-05).

    Args:
        host_series: The sending machine's series, e.g. ``iR-ADV C5500``.
        client_series: This machine's series.
        offered: The categories the host sends.
        settings: This machine's ``<Receiving Settings>``.
        client_activity: What this machine is doing now.
        handles_address_book: The machine has the fax board or the Universal Send Kit; without either
            ``<Address Book>`` is refused (DID-28).

    Returns:
        The decision. ``code`` is ``E-BUSY`` when the client is busy (nothing is applied), ``E-MODEL`` when
        the series differ while ``<Restrict Receiving Device Information>`` is ``<On>``, ``E-REFUSED``
        when no offered category is allowed, else empty with the allowed categories accepted.
    """
    offered_set = set(offered)
    in_order = tuple(c for c in Category if c in offered_set)
    if client_activity.is_busy:
        reason = f"the client is busy ({client_activity.value}); nothing was applied"
        return _refuse_all(in_order, CODE_BUSY, reason)
    if settings.restrict_model and series_key(host_series) != series_key(client_series):
        reason = (
            f"the host's series {host_series!r} differs from this machine's series {client_series!r} "
            "and <Restrict Receiving Device Information> is <On>"
        )
        return _refuse_all(in_order, CODE_MODEL, reason)
    if not in_order:
        return OfferDecision((), (), CODE_REFUSED, "the host offered no category")
    refused = tuple((c, why) for c in in_order if (why := _refusal(c, settings, handles_address_book)))
    accepted = tuple(c for c in in_order if c not in dict(refused))
    if not accepted:
        reasons = sorted({why for _, why in refused})
        reason = ("every offered category is " + reasons[0] if reasons == [SWITCHED_OFF_REASON]
                  else "no offered category can be received: " + "; ".join(
                      f"<{c.label}>: {why}" for c, why in refused))
        return OfferDecision((), refused, CODE_REFUSED, reason)
    return OfferDecision(accepted, refused)


def _refusal(category: Category, settings: ReceivingSettings, handles_address_book: bool) -> str:
    """Why this machine does not receive ``category`` (empty when it does)."""
    if category is Category.ADDRESS_BOOK and not handles_address_book:
        return NO_SEND_OPTION_REASON
    if not settings.receives(category):
        return SWITCHED_OFF_REASON
    return ""


def _refuse_all(offered: tuple[Category, ...], code: str, reason: str) -> OfferDecision:
    return OfferDecision((), tuple((c, reason) for c in offered), code, reason)

