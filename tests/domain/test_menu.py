"""The declarative Settings/Registration menu tree (UI-01): real paths, labels and lookups."""

from __future__ import annotations

import pytest

from mfp_console.domain.menu import (
    MENU_TREE,
    FeatureStatus,
    MenuPathError,
    NodeKind,
    breadcrumb,
    find_path,
    iter_nodes,
    needs_admin,
    node_by_key,
    path_of,
)
from mfp_console.errors import ConfigError

DID = ("Settings/Registration", "Management Settings", "Device Management",
       "Device Information Distribution Settings")


@pytest.mark.rules("UI-01")
def test_ui01_root_is_settings_registration() -> None:
    assert MENU_TREE.label == "Settings/Registration"
    assert [c.label for c in MENU_TREE.children if c.emulated] == [
        "Preferences", "Function Settings", "Set Destination", "Management Settings",
    ]


@pytest.mark.rules("UI-01")
def test_ui01_a_real_machines_other_entries_are_in_place_but_not_emulated() -> None:
    """Issue 13: the menus have the machine's shape; the entries the emulator does not emulate are there,
    greyed out (:attr:`FeatureStatus.NOT_EMULATED`), screens without children."""
    assert [c.label for c in MENU_TREE.children] == [
        "Preferences", "Adjustment/Maintenance", "Function Settings", "Set Destination", "Management Settings",
    ]
    management = node_by_key("management")
    assert [c.label for c in management.children] == [
        "User Management", "Device Management", "License/Other", "Data Management", "Security Settings",
    ]
    device = [c.label for c in node_by_key("management.device").children if not c.emulated]
    assert device[:4] == ["Device Information Settings", "Limited Functions Mode",
                          "Confirm Device Signature Certificate", "Confirm User Signature Certificate"]
    assert "Restrict Service Representative Access" in device
    for node in iter_nodes():
        if not node.emulated:
            assert node.is_screen and not node.children and node.feature is FeatureStatus.NOT_EMULATED


@pytest.mark.rules("UI-01")
def test_ui01_did_menu_path_and_labels_match_the_rules() -> None:
    """DID: <Management Settings> › <Device Management> › <Device Information Distribution Settings>."""
    assert path_of("did") == DID
    did = node_by_key("did")
    assert [c.label for c in did.children] == [
        "Register Destinations", "Set Auto Distribution", "Manual Distribution", "Receiving Settings",
        "Communication Log",
    ]
    receiving = node_by_key("did.receiving")
    assert receiving.kind is NodeKind.MENU
    assert [c.label for c in receiving.children] == [
        "Restrict Receiving Device Information", "Restrict Receiving for Each Function", "Restore Data",
    ]


@pytest.mark.rules("UI-01")
@pytest.mark.parametrize(
    ("key", "path"),
    [
        ("paper_types", ("Preferences", "Paper Settings", "Paper Type Management Settings")),
        ("printer_settings", ("Function Settings", "Common", "Printer Settings")),
        ("forwarding", ("Function Settings", "Receive/Forward", "Forwarding Settings")),
        ("address_book", ("Set Destination", "Register Destinations")),
        ("system_manager", ("Management Settings", "User Management", "System Manager Information Settings")),
        ("department_ids", ("Management Settings", "User Management", "Department ID Management")),
        ("sync", ("Management Settings", "Device Management", "Synchronize Custom Settings")),
        ("sync.personal", ("Management Settings", "Device Management", "Manage Personal Settings")),
        ("tls_certificate", ("Management Settings", "Device Management", "Certificate Settings",
                             "Key and Certificate Settings")),
        ("import_export", ("Management Settings", "Data Management", "Import/Export")),
        ("settings_values", ("Management Settings", "Device Management", "Settings/Registration Values")),
    ],
)
def test_ui01_screens_sit_at_the_machines_paths(key: str, path: tuple[str, ...]) -> None:
    assert path_of(key) == ("Settings/Registration", *path)
    assert node_by_key(key).kind is NodeKind.SCREEN
    assert find_path(path)[-1].key == key


@pytest.mark.rules("UI-01")
def test_ui01_labels_are_stored_without_brackets() -> None:
    for node in iter_nodes():
        assert not node.label.startswith(("<", "[")), node.label
    assert node_by_key("management").panel_label == "<Management Settings>"
    assert MENU_TREE.panel_label == "Settings/Registration"


@pytest.mark.rules("UI-01")
def test_ui01_keys_are_unique_and_screens_have_no_children() -> None:
    nodes = list(iter_nodes())
    assert len({n.key for n in nodes}) == len(nodes)
    assert all(not n.children for n in nodes if n.kind is NodeKind.SCREEN)
    assert all(n.children for n in nodes if n.kind is NodeKind.MENU)


@pytest.mark.rules("UI-01")
def test_ui01_find_path_ignores_brackets_and_case() -> None:
    nodes = find_path(["<management settings>", "[DEVICE MANAGEMENT]",
                       "<Device Information Distribution Settings>", "<Manual Distribution>"])
    assert [n.key for n in nodes] == ["management", "management.device", "did", "did.manual"]
    with_root = find_path(["Settings/Registration", "Preferences"])
    assert [n.key for n in with_root] == ["settings", "preferences"]


@pytest.mark.rules("UI-01")
def test_ui01_find_path_names_the_missing_label_and_the_nearest_one() -> None:
    with pytest.raises(MenuPathError) as caught:
        find_path(["Management Settings", "Device Managment", "Manual Distribution"])
    error = caught.value
    assert isinstance(error, ConfigError)
    assert error.wanted == "Device Managment"
    assert error.suggestion == "Device Management"
    assert "Settings/Registration › Management Settings" in str(error)
    assert "did you mean 'Device Management'" in str(error)


@pytest.mark.rules("UI-01")
def test_ui01_unknown_key_suggests_the_nearest_key() -> None:
    with pytest.raises(MenuPathError, match="did.manual"):
        node_by_key("did.manul")


@pytest.mark.rules("M-03", "DID-01")
def test_m03_management_settings_and_everything_below_need_admin() -> None:
    """M-03 and DID-01: <Management Settings> needs an Administrator login, and so does every screen below."""
    management = node_by_key("management")
    below = list(iter_nodes(management))
    assert all(n.needs_admin for n in below)
    assert needs_admin("did.manual") and needs_admin("settings_values")
    assert not needs_admin("address_book") and not needs_admin("paper_types")


@pytest.mark.rules("UI-01")
def test_ui01_did_screens_are_built_and_nothing_is_planned_any_more() -> None:
    """Every node of the tree is built now (or a real machine's entry, shown but not emulated)."""
    for key in ("did", "did.manual", "did.auto", "did.receiving.restore", "did.log", "import_export"):
        assert node_by_key(key).feature is FeatureStatus.BUILT
    for key in ("address_book", "system_manager", "department_ids", "printer_settings", "paper_types"):
        assert node_by_key(key).feature is FeatureStatus.BUILT
    assert all(node.feature is FeatureStatus.BUILT for node in iter_nodes() if node.emulated)


@pytest.mark.rules("UI-01")
def test_ui01_breadcrumb_uses_panel_labels() -> None:
    assert breadcrumb("did.receiving.restore") == (
        "Settings/Registration › <Management Settings> › <Device Management> › "
        "<Device Information Distribution Settings> › <Receiving Settings> › <Restore Data>"
    )


@pytest.mark.rules("UI-01")
def test_ui01_rules_are_named_on_the_screens() -> None:
    assert "DID-18" in node_by_key("did.receiving.restrict_model").rules
    assert "DID-21" in node_by_key("did.auto").rules
    assert "M-02" in node_by_key("system_manager").rules
