"""Wrong credentials: PIN brute force at the panel hits the lockout (M-03), and distributions from a host whose
System Manager ID or PIN differ never change a client's data (DID-08), over many attempts.
"""

from __future__ import annotations

import random
import secrets

import pytest

from mfp_console.clock import VirtualClock
from mfp_console.domain.device_info import Category
from mfp_console.engine.fleet import Fleet
from mfp_console.engine.net.outbound import open_conversation
from mfp_console.errors import AuthError, LockedOut
from mfp_console.protocol.messages import Auth, AuthResult

ADMIN = ("7654321", "7654321")
CLIENTS = ("client-a", "client-b", "client-c")


@pytest.mark.rules("M-03")
async def test_m03_pin_brute_force_is_locked_out(fleet: Fleet, clock: VirtualClock) -> None:
    rng = random.Random(3)
    threshold = fleet.spec.settings.lockout_threshold
    wrong = locked = 0
    for _ in range(20):  # 20 lockout periods: wrong PINs until locked, then guesses while locked
        tries = 0
        while True:
            pin = f"{rng.randrange(10**7):07d}"
            if pin == ADMIN[1]:
                continue
            tries += 1
            wrong += 1
            try:
                fleet.panel.login_admin("host", ADMIN[0], pin)
            except LockedOut:
                break
            except AuthError:
                assert tries < threshold, f"still not locked after {tries} wrong PINs"
                continue
            pytest.fail("a wrong PIN logged in")
        assert tries <= threshold
        for guess in (f"{rng.randrange(10**7):07d}", ADMIN[1]):  # even the right PIN is refused while locked
            with pytest.raises(LockedOut) as held:
                fleet.panel.login_admin("host", ADMIN[0], guess)
            assert held.value.rule_id == "M-03" and held.value.seconds_left > 0
            locked += 1
        assert not fleet.panel.is_admin("host")
        await fleet.advance(fleet.spec.settings.lockout_minutes * 60 + 1)
    fleet.panel.login_admin("host", *ADMIN)  # after the lockout, the right PIN works again
    assert fleet.panel.is_admin("host")
    print(f"PIN brute force: {wrong} wrong PINs, {locked} tries refused while locked, 0 logins")


@pytest.mark.rules("DID-08")
async def test_did08_wrong_id_or_pin_never_changes_a_clients_data(fleet: Fleet) -> None:
    rng = random.Random(8)
    before = {name: fleet.data.device_info(name) for name in CLIENTS}
    logs_before = {name: len(fleet.distribution.communication_log(name)) for name in CLIENTS}
    attempts = 0
    for n in range(20):
        manager_id = ADMIN[0] if n % 2 else f"{rng.randrange(1, 10**7):07d}"
        pin = f"{rng.randrange(10**7):07d}"
        if (manager_id, pin) == ADMIN:
            continue
        fleet.faults.change_pin("host", pin, manager_id)
        fleet.panel.login_admin("host", manager_id, pin)
        fleet.distribution.start_manual_distribution("host", list(Category), CLIENTS)
        await fleet.settle()
        job = fleet.distribution.last_job("host")
        assert {r.text for r in job.results.values()} == {"NG E-AUTH"}, job.results
        attempts += len(CLIENTS)
        fleet.panel.logout("host")
    for name in CLIENTS:
        assert fleet.data.device_info(name) == before[name]
        assert fleet.live_machine(name).store.restore_point_categories() == set()
        log = fleet.distribution.communication_log(name)
        assert len(log) - logs_before[name] == attempts // len(CLIENTS)
        assert all(e.code == "E-AUTH" for e in log[: attempts // len(CLIENTS)])
    print(f"DID-08: {attempts} distributions with a wrong ID/PIN, 0 changed a client")


@pytest.mark.rules("DID-08")
async def test_did08_forged_proofs_on_the_wire_are_refused(fleet: Fleet) -> None:
    host = fleet.live_machine("host")
    before = fleet.data.device_info("client-a")
    for _ in range(40):
        opened = await open_conversation(fleet.runtime, host, "client-a", "distribution")
        try:
            await opened.channel.send(Auth(proof=secrets.token_hex(32)))
            result = await opened.channel.expect(AuthResult)
        finally:
            await opened.channel.close()
        assert not result.ok and result.code == "E-AUTH"
    assert fleet.data.device_info("client-a") == before
    assert [e.code for e in fleet.distribution.communication_log("client-a")[:40]] == ["E-AUTH"] * 40
