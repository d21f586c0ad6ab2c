"""The gateway lease on a real SQLite file: one holder at a time, takeover only after silence,
a taken-over holder learns it, and what a console's status bar makes of it."""

from __future__ import annotations

from scop.clock import ManualClock
from scop.journal import lease
from scop.journal.store import JournalStore


def test_one_holder_takeover_after_silence_and_epoch_fencing(
    store: JournalStore, clock: ManualClock
) -> None:
    w = store.write_engine
    assert lease.read_lease(store.engine) is None
    assert lease.acquire(w, "gw-a", clock.now(), ttl=5) == 1
    assert lease.acquire(w, "gw-b", clock.now(), ttl=5) is None  # A is alive

    clock.advance(4)
    assert lease.renew(w, "gw-a", 1, clock.now(), {"pp": ("ok", "Lien PP connecté")})
    clock.advance(4)
    assert lease.acquire(w, "gw-b", clock.now(), ttl=5) is None  # renewed 4 s ago

    clock.advance(1.5)  # 5.5 s of silence
    assert lease.acquire(w, "gw-b", clock.now(), ttl=5) == 2
    # A comes back (it was only frozen): its renewal fails, it must stop its links.
    assert not lease.renew(w, "gw-a", 1, clock.now(), {})
    held = lease.read_lease(store.engine)
    assert held is not None
    assert held.holder == "gw-b"
    assert held.epoch == 2
    assert held.since == clock.now()


def test_release_lets_a_standby_in_at_once(store: JournalStore, clock: ManualClock) -> None:
    w = store.write_engine
    assert lease.acquire(w, "gw-a", clock.now()) == 1
    lease.release(w, "gw-a", 1, {"pp": ("off", "Lien PP : arrêté")})
    assert lease.acquire(w, "gw-b", clock.now()) == 2


def test_status_bar_view_alarms_on_a_stale_lease(store: JournalStore, clock: ManualClock) -> None:
    assert lease.describe(None, clock.now()) is None  # no gateway ever: console's own links
    lease.acquire(store.write_engine, "gw-a", clock.now(), ttl=5)
    lease.renew(
        store.write_engine,
        "gw-a",
        1,
        clock.now(),
        {"pp": ("ok", "Lien PP connecté"), "feed": ("degraded", "Flux équipages : reconnexion")},
    )
    view = lease.describe(lease.read_lease(store.engine), clock.now())
    assert view is not None
    assert view.active
    assert view.gateway[0] == "ok"
    assert view.gateway[1] == "Passerelle gw-a depuis 08:00:00"
    assert view.pp == ("ok", "Lien PP connecté")
    assert view.feed[0] == "degraded"

    clock.advance(6)
    view = lease.describe(lease.read_lease(store.engine), clock.now())
    assert view is not None
    assert not view.active
    assert view.gateway[0] == "down"
    assert "ALARME" in view.gateway[1]
    assert view.pp[0] == "down"
    assert view.feed[0] == "down"
    assert "assur" not in view.pp[1]
