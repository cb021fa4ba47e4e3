"""``<Certificate Settings>`` › ``<Key and Certificate Settings>``: the machine's TLS key and certificate from
the fleet CA (M-05): subject, issuer, serial, fingerprint, validity; ``<Delete>`` removes them (the machine
then ends distributions ``NG E-TLS``, DID-09) and ``<Generate Key>`` issues new ones."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.widgets import Button

from mfp_console.tui.pages.base import PanelPage, register_page
from mfp_console.tui.screens.dialogs import YesNoDialog
from mfp_console.tui.speech import Static
from mfp_console.tui.widgets.touch import TouchButton

__all__ = ["CertificatePage"]


@register_page("tls_certificate")
class CertificatePage(PanelPage):
    """The TLS key and certificate with ``<Generate Key>`` and ``<Delete>``."""

    DEFAULT_CSS = """
    CertificatePage #cert-scroll { height: 1fr; }
    CertificatePage #cert-facts { height: auto; }
    """

    def compose(self) -> ComposeResult:
        yield Static(Content(self.node.panel_label), classes="page-title")
        with VerticalScroll(id="cert-scroll"):
            yield Static(id="cert-facts")
        with Horizontal(classes="page-keys"):
            yield TouchButton("<Generate Key>", key="generate", id="generate-key")
            yield TouchButton("<Delete>", key="delete", id="delete-key", variant="error")

    def on_mount(self) -> None:
        self.refresh_data()

    def refresh_data(self) -> None:
        info = self.fleet.data.certificate_info(self.machine)
        facts = self.query_one("#cert-facts", Static)
        if info is None:
            facts.update(Content(
                "No key and certificate are registered.\n\n"
                "The machine cannot complete a TLS handshake: a distribution to it ends NG E-TLS (DID-09).\n"
                "Press <Generate Key> to issue a new key and certificate from the fleet CA."
            ))
        else:
            facts.update(Content("\n".join((
                f"Key Name:      {self.machine}",
                f"Subject:       {info.subject}",
                f"Issuer:        {info.issuer}",
                f"Serial Number: {info.serial:X}",
                f"Valid From:    {info.not_before:%Y-%m-%d %H:%M} UTC",
                f"Valid To:      {info.not_after:%Y-%m-%d %H:%M} UTC",
                "Fingerprint (SHA-256):",
                f"  {info.fingerprint[:47]}",
                f"  {info.fingerprint[48:]}",
            ))))
        self.query_one("#delete-key", TouchButton).disabled = info is None

    @on(Button.Pressed, "#generate-key")
    def _generate(self, event: Button.Pressed) -> None:
        event.stop()

        def answered(yes: bool | None) -> None:
            if yes and self.attempt(self.fleet.faults.regenerate_tls_key, self.machine):
                self.refresh_data()

        self.app.push_screen(YesNoDialog("Generate a new key and certificate? The old one stops working."), answered)

    @on(Button.Pressed, "#delete-key")
    def _delete(self, event: Button.Pressed) -> None:
        event.stop()

        def answered(yes: bool | None) -> None:
            if yes and self.attempt(self.fleet.faults.remove_tls_key, self.machine):
                self.refresh_data()

        self.app.push_screen(YesNoDialog("Delete this machine's key and certificate? (DID-09)"), answered)
