"""The pages of the panel body, one per menu node.

A page module registers its page when it is imported (:func:`register_page`). The modules are imported on
the first :func:`page_type_for`, not with this package: the panel's first frame (the machine starting
up) shows no page, and the pages bring in most of the panel's code.
"""

from __future__ import annotations

import importlib

from mfp_console.tui.pages.base import PAGE_TYPES, PanelPage, register_page
from mfp_console.tui.pages.menu import MenuPage, PlannedPage

__all__ = ["PAGE_TYPES", "MenuPage", "PanelPage", "PlannedPage", "load_pages", "page_type_for", "register_page"]

_PAGE_MODULES = (
    "address_book",
    "certificate",
    "distribution",
    "distribution_auto",
    "distribution_log",
    "distribution_manual",
    "distribution_receiving",
    "fax_inboxes",
    "import_export",
    "personal",
    "settings",
    "sync",
    "sync_remote",
    "user_management",
)


def load_pages() -> None:
    """Imports every page module, so :data:`PAGE_TYPES` holds every registered page (idempotent)."""
    for name in _PAGE_MODULES:
        importlib.import_module(f"{__name__}.{name}")


def page_type_for(node_key: str, is_menu: bool, planned: bool) -> type[PanelPage]:
    """The page class showing a node: its menu, its registered screen, or the "not built yet" page."""
    if is_menu:
        return MenuPage
    if planned:
        return PlannedPage
    load_pages()
    return PAGE_TYPES.get(node_key, PlannedPage)
