"""The pages of the panel body, one per menu node; importing this package registers them all."""

from __future__ import annotations

from mfp_console.tui.pages import address_book, certificate, settings, user_management  # noqa: F401
from mfp_console.tui.pages import personal, sync, sync_remote  # noqa: F401  (registers the pages)
from mfp_console.tui.pages import (  # noqa: F401  (registers the pages)
    distribution,
    distribution_auto,
    distribution_log,
    distribution_manual,
    distribution_receiving,
    import_export,
)
from mfp_console.tui.pages.base import PAGE_TYPES, PanelPage, register_page
from mfp_console.tui.pages.menu import MenuPage, PlannedPage

__all__ = ["PAGE_TYPES", "MenuPage", "PanelPage", "PlannedPage", "page_type_for", "register_page"]


def page_type_for(node_key: str, is_menu: bool, planned: bool) -> type[PanelPage]:
    """The page class showing a node: its menu, its registered screen, or the "not built yet" page."""
    if is_menu:
        return MenuPage
    if planned:
        return PlannedPage
    return PAGE_TYPES.get(node_key, PlannedPage)

