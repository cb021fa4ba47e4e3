"""The declarative ``Settings/Registration`` menu tree the touch panel is driven by (UI-01).

Every screen the emulator shows is a node of :data:`MENU_TREE`, reached by the same path and labels as
on the machine, so the path and the labels live in this one place. Labels are stored without the angle
brackets the manuals print around them; :attr:`MenuNode.panel_label` adds them for display. Each node
has a stable ``key`` (``"did.manual"``) that screens, scenarios and tests use instead of the label path.

Screens of issues not built yet are in the tree already, marked :attr:`FeatureStatus.PLANNED`; a screen
becomes :attr:`FeatureStatus.BUILT` by removing its key from ``_PLANNED``.

One node is the emulator's own (**D**): ``<Settings/Registration Values>`` under ``<Device Management>``
lists every settings/registration value with its deliverable and network flags (DID-16, DID-03). The
machine spreads those values over many screens; the emulator shows them on one page so a distribution's
effect can be seen. It sits under ``<Management Settings>`` because only an Administrator sees it.

Entries a real machine has but the emulator does not emulate are in the tree too, marked
:attr:`FeatureStatus.NOT_EMULATED` (issue 13): the panel shows them greyed out, in their place, so the
menus have the machine's shape; they cannot be touched or focused and open nothing. Their labels come from
the Canon pages cited in docs/fidelity.md (G-11); where no page was found the entry is the emulator's
decision (**D**), marked in docs/fidelity.md.
"""

from __future__ import annotations

import difflib
import enum
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace

from mfp_console.errors import ConfigError

__all__ = [
    "MENU_TREE",
    "FeatureStatus",
    "MenuNode",
    "MenuPathError",
    "NodeKind",
    "breadcrumb",
    "find_path",
    "iter_nodes",
    "needs_admin",
    "node_by_key",
    "normalize_label",
    "path_of",
]

PATH_SEPARATOR = " › "


class NodeKind(enum.Enum):
    """Whether pressing a node opens further buttons or a screen."""

    MENU = "menu"
    SCREEN = "screen"


class FeatureStatus(enum.Enum):
    """Whether a node's screen works yet."""

    BUILT = "built"
    PLANNED = "planned"
    NOT_EMULATED = "not emulated"
    """A real machine's entry shown greyed out so the menu has the machine's shape; it opens nothing."""


@dataclass(frozen=True)
class MenuNode:
    """One button of the ``Settings/Registration`` menu.

    Attributes:
        label: The panel's label without angle brackets, e.g. ``"Management Settings"``.
        key: Stable identifier, e.g. ``"did.manual"``; unique in the tree.
        kind: ``MENU`` (opens children) or ``SCREEN`` (opens a screen).
        children: Child nodes in panel order (empty for a screen, except a screen may not have any).
        needs_admin: True when an Administrator login is needed to open it (M-03, DID-01).
        feature: ``BUILT`` or ``PLANNED``.
        note: Where the node comes from or what it shows, for the help line and the docs.
        rules: Behaviour rule IDs the node's screen serves.
    """

    label: str
    key: str
    kind: NodeKind = NodeKind.MENU
    children: tuple[MenuNode, ...] = ()
    needs_admin: bool = False
    feature: FeatureStatus = FeatureStatus.BUILT
    note: str = ""
    rules: tuple[str, ...] = field(default=())

    @property
    def panel_label(self) -> str:
        """The label as the panel prints it: ``<Management Settings>`` (the root stays bare)."""
        return self.label if self.key == ROOT_KEY else f"<{self.label}>"

    @property
    def emulated(self) -> bool:
        """False for an entry shown greyed out only (:attr:`FeatureStatus.NOT_EMULATED`)."""
        return self.feature is not FeatureStatus.NOT_EMULATED

    @property
    def is_screen(self) -> bool:
        """True for a node that opens a screen."""
        return self.kind is NodeKind.SCREEN

    def child(self, label: str) -> MenuNode | None:
        """Returns the child whose label matches ``label`` (brackets and case ignored), or None."""
        wanted = normalize_label(label)
        for node in self.children:
            if normalize_label(node.label) == wanted:
                return node
        return None


class MenuPathError(ConfigError):
    """A menu path or key names no node; the message names the nearest valid one.

    Attributes:
        wanted: The label or key not found.
        where: Labels of the path above it (empty for a key lookup).
        suggestion: The nearest valid label or key, or empty when nothing is close.
        choices: The valid labels or keys at that place.
    """

    def __init__(self, wanted: str, where: Sequence[str], choices: Sequence[str]) -> None:
        self.wanted = wanted
        self.where = tuple(where)
        self.choices = tuple(choices)
        close = difflib.get_close_matches(
            normalize_label(wanted), [normalize_label(c) for c in choices], n=1, cutoff=0.5
        )
        by_norm = {normalize_label(c): c for c in choices}
        self.suggestion = by_norm[close[0]] if close else ""
        place = f" under {PATH_SEPARATOR.join(where)}" if where else ""
        text = f"no menu item {wanted!r}{place}"
        if self.suggestion:
            text += f"; did you mean {self.suggestion!r}?"
        if 0 < len(choices) <= 12:  # a long list helps nobody; the suggestion does
            text += f" (valid: {', '.join(repr(c) for c in choices)})"
        super().__init__(text)


def normalize_label(label: str) -> str:
    """Folds a label for comparison: no ``<>``/``[]`` brackets, blanks collapsed, case ignored."""
    text = " ".join(label.split())
    if len(text) >= 2 and (text[0], text[-1]) in (("<", ">"), ("[", "]")):
        text = text[1:-1].strip()
    return text.casefold()


ROOT_KEY = "settings"

# Keys of screens whose issue is not built yet. Flip one to BUILT by deleting it here.
_PLANNED: frozenset[str] = frozenset()


def _menu(label: str, key: str, *children: MenuNode, admin: bool = False, note: str = "",
          rules: tuple[str, ...] = ()) -> MenuNode:
    feature = FeatureStatus.PLANNED if key in _PLANNED else FeatureStatus.BUILT
    return MenuNode(label, key, NodeKind.MENU, children, admin, feature, note, rules)


def _screen(label: str, key: str, *, note: str = "", rules: tuple[str, ...] = ()) -> MenuNode:
    feature = FeatureStatus.PLANNED if key in _PLANNED else FeatureStatus.BUILT
    return MenuNode(label, key, NodeKind.SCREEN, (), False, feature, note, rules)


def _shown(label: str, key: str, *, note: str = "") -> MenuNode:
    """An entry of a real machine's menu that the emulator shows greyed out and does not emulate."""
    return MenuNode(label, key, NodeKind.SCREEN, (), False, FeatureStatus.NOT_EMULATED,
                    note or "Not emulated: shown so the menu has the machine's shape.")


def _inherit_admin(node: MenuNode, above: bool = False) -> MenuNode:
    """Marks every node below an admin-only node as admin-only too."""
    admin = above or node.needs_admin
    return replace(
        node, needs_admin=admin, children=tuple(_inherit_admin(c, admin) for c in node.children)
    )


_DID_PATH_RULES = ("DID-01",)

MENU_TREE: MenuNode = _inherit_admin(
    _menu(
        "Settings/Registration", ROOT_KEY,
        _menu(
            "Preferences", "preferences",
            _menu(
                "Paper Settings", "preferences.paper",
                _screen("Paper Type Management Settings", "paper_types",
                        note="User-defined paper types; the <Paper Information> category.",
                        rules=("DID-15",)),
            ),
            _screen("Timer/Energy Settings", "preferences.timer",
                    note="Settings/registration values of the timer group.", rules=("DID-16",)),
            _screen("Display Settings", "preferences.display",
                    note="Settings/registration values of the display group.", rules=("DID-16",)),
            _menu(
                "Network", "preferences.network",
                _menu(
                    "TCP/IP Settings", "preferences.network.tcpip",
                    _screen("IPv4 Settings", "preferences.network.ipv4",
                            note="(D) The machine's network settings values: IPv4 address, host name, proxy … "
                                 "(M-09); a note says when this computer moved its port or address.",
                            rules=("M-09", "DID-16")),
                    _screen("Proxy Settings", "proxy_settings",
                            note="(D path) <Use Proxy>, the proxy's address and port; a sync server whose own "
                                 "client goes through the proxy stays awake.",
                            rules=("SYNC-13", "DID-03")),
                ),
            ),
        ),
        _shown("Adjustment/Maintenance", "adjustment"),
        _menu(
            "Function Settings", "function",
            _menu(
                "Common", "function.common",
                _screen("Printer Settings", "printer_settings",
                        note="The <Printer Settings> category.", rules=("DID-15",)),
            ),
            _screen("Send", "function.send",
                    note="Settings/registration values of the Send group.", rules=("DID-16",)),
            _menu(
                "Receive/Forward", "function.receive",
                _screen("Forwarding Settings", "forwarding",
                        note="Forwarding rules; part of the <Address Book> category.",
                        rules=("DID-13",)),
                _menu(
                    "Common Settings", "function.receive.common",
                    _menu(
                        "Set Fax/I-Fax Inbox", "function.receive.inbox",
                        _screen("Set/Register Confidential Fax Inboxes", "fax_inboxes",
                                note="(D path) The inboxes' <URL Send Settings>; erased when <Address Book> "
                                     "and <Settings/Registration Value> are not sent together.",
                                rules=("DID-17",)),
                    ),
                ),
            ),
        ),
        _menu(
            "Set Destination", "destination",
            _screen("Register Destinations", "address_book",
                    note="The address book; part of the <Address Book> category.", rules=("DID-13",)),
            _screen("Favorite Settings", "favorites",
                    note="Favorite Send settings; part of the <Address Book> category.",
                    rules=("DID-13",)),
        ),
        _menu(
            "Management Settings", "management",
            _menu(
                "User Management", "management.user",
                _screen("System Manager Information Settings", "system_manager",
                        note="System Manager ID, PIN and contact details.", rules=("M-02", "DID-08")),
                _screen("Department ID Management", "department_ids",
                        note="Department IDs, passwords, limits and counters.", rules=("DID-14",)),
            ),
            _menu(
                "Device Management", "management.device",
                _shown("Device Information Settings", "device.information"),
                _menu(
                    "Device Information Distribution Settings", "did",
                    _screen("Register Destinations", "did.destinations", rules=("DID-02",)),
                    _screen("Set Auto Distribution", "did.auto", rules=("DID-21", "DID-22")),
                    _screen("Manual Distribution", "did.manual",
                            rules=("DID-03", "DID-04", "DID-05", "DID-06", "DID-07")),
                    _menu(
                        "Receiving Settings", "did.receiving",
                        _screen("Restrict Receiving Device Information", "did.receiving.restrict_model",
                                rules=("DID-18",)),
                        _screen("Restrict Receiving for Each Function",
                                "did.receiving.restrict_functions", rules=("DID-19",)),
                        _screen("Restore Data", "did.receiving.restore", rules=("DID-20", "DID-17")),
                    ),
                    _screen("Communication Log", "did.log", rules=("DID-23",)),
                    rules=_DID_PATH_RULES,
                ),
                _screen("Synchronize Custom Settings", "sync",
                        note="Server and client functions, each <Start>/<Stop>; the rest is Remote UI.",
                        rules=("SYNC-01", "SYNC-20")),
                _screen("Manage Personal Settings", "sync.personal",
                        note="<Enable Use of Personal Settings>, "
                             "<Action When Maximum Number of Users Exceeded>.",
                        rules=("SYNC-03",)),
                _shown("Limited Functions Mode", "device.limited_functions"),
                _shown("Confirm Device Signature Certificate", "device.confirm_device_signature"),
                _shown("Confirm User Signature Certificate", "device.confirm_user_signature"),
                _menu(
                    "Certificate Settings", "management.device.certificates",
                    _screen("Key and Certificate Settings", "tls_certificate",
                            note="The machine's TLS key and certificate from the fleet CA.",
                            rules=("M-05", "DID-09")),
                ),
                _shown("Display Job Status Before Authentication", "device.job_status_before_login"),
                _shown("Restrict Access to Other User Jobs", "device.restrict_other_jobs"),
                _shown("Display Job Log", "device.job_log"),
                _shown("Save Audit Log", "device.audit_log"),
                _shown("Retrieve Network Authentication Log", "device.network_auth_log"),
                _shown("Store Key Operation Log", "device.key_operation_log"),
                _shown("Restrict Service Representative Access", "device.restrict_service"),
                _screen("Settings/Registration Values", "settings_values",
                        note="(D) Emulator-only page: every settings/registration value with its "
                             "deliverable and network flags.",
                        rules=("DID-16", "DID-03")),
            ),
            _shown("License/Other", "management.license"),
            _menu(
                "Data Management", "management.data",
                _screen("Import/Export", "import_export", rules=("DID-24", "SYNC-12")),
            ),
            _shown("Security Settings", "management.security"),
            admin=True,
            rules=("M-03",),
        ),
    )
)


def iter_nodes(root: MenuNode = MENU_TREE) -> Iterator[MenuNode]:
    """Yields every node of the tree, depth first in panel order, the root first."""
    yield root
    for child in root.children:
        yield from iter_nodes(child)


def _index(root: MenuNode) -> dict[str, tuple[MenuNode, ...]]:
    found: dict[str, tuple[MenuNode, ...]] = {}

    def walk(node: MenuNode, above: tuple[MenuNode, ...]) -> None:
        path = (*above, node)
        if node.key in found:
            raise ConfigError(f"menu key {node.key!r} is used twice")
        found[node.key] = path
        for child in node.children:
            walk(child, path)

    walk(root, ())
    return found


_BY_KEY = _index(MENU_TREE)


def node_by_key(key: str) -> MenuNode:
    """Returns the node with ``key``.

    Raises:
        MenuPathError: when no node has that key (names the nearest key).
    """
    try:
        return _BY_KEY[key][-1]
    except KeyError:
        raise MenuPathError(key, (), sorted(_BY_KEY)) from None


def nodes_to(key: str) -> tuple[MenuNode, ...]:
    """Returns the nodes from the root down to the node with ``key``, both included."""
    node_by_key(key)
    return _BY_KEY[key]


def path_of(key: str) -> tuple[str, ...]:
    """Returns the labels from ``Settings/Registration`` down to the node with ``key``, both included."""
    return tuple(node.label for node in nodes_to(key))


def breadcrumb(key: str) -> str:
    """Returns the panel's breadcrumb, e.g. ``Settings/Registration › <Management Settings> › …``."""
    return PATH_SEPARATOR.join(node.panel_label for node in nodes_to(key))


def needs_admin(key: str) -> bool:
    """True when opening the node with ``key`` needs an Administrator login (M-03, DID-01)."""
    return any(node.needs_admin for node in nodes_to(key))


def find_path(labels: Sequence[str], root: MenuNode = MENU_TREE) -> tuple[MenuNode, ...]:
    """Follows a path of labels from the root and returns one node per label given.

    Labels may carry ``<>`` or ``[]`` and are compared case-insensitively. The path may start with the
    root's own label (``Settings/Registration``) or directly with one of its children.

    Args:
        labels: E.g. ``["<Management Settings>", "<Device Management>"]``.
        root: The tree to search (the real one unless a test passes its own).

    Returns:
        The nodes matched, in order; as many as ``labels``.

    Raises:
        MenuPathError: naming the first label not found and the nearest valid label at that place.
    """
    items = list(labels)
    if not items:
        raise MenuPathError("", (), [c.label for c in root.children])
    found: list[MenuNode] = []
    node = root
    if normalize_label(items[0]) == normalize_label(root.label):
        found.append(root)
        items = items[1:]
    for label in items:
        child = node.child(label)
        if child is None:
            where = [root.label, *(n.label for n in found if n is not root)]
            raise MenuPathError(label, where, [c.label for c in node.children])
        found.append(child)
        node = child
    return tuple(found)
