"""The pages of the panel body, one per menu node; importing this package registers them all."""

from __future__ import annotations

from mfp_console.tui.pages import (  # noqa: F401  # noqa: F401  (registers the pages)  # noqa: F401  (registers the pages)
    address_book,
    certificate,
    distribution,
    distribution_auto,
    distribution_log,
    distribution_manual,
    distribution_receiving,
    fax_inboxes,
    import_export,
    personal,
    settings,
    sync,
    sync_remote,
    user_management,
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

