"""``scop gateway --check`` as a real process against a real PP simulator over mutual TLS on
loopback: it loads the certificates, connects once, says in French what it found, and its exit
code tells a deployment script whether the links answer (0), not (1), or the options are
incomplete (2); its other failures have the README table's codes (tests/integration/
test_cli_errors.py). It writes nothing: no lease, no journal entry."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from scoptest.pki import make_pki

from scop.clock import SystemClock
from scop.journal.store import JournalStore
from scop.models.entries import Operator
from scop.protocols.pp_sim import PPSimulator, server_ssl_context
from scop.room import open_room


async def _check(db: Path, *options: str) -> tuple[int, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "scop.cli",
        "gateway",
        "--db",
        f"sqlite:///{db}",
        *options,
        "--check",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        env={**os.environ, "SCOP_PP_URL": "", "SCOP_FEED_URL": ""},
    )
    out, _ = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode is not None
    return proc.returncode, out.decode("utf-8")


def test_check_reports_what_it_found_and_exits(tmp_path: Path) -> None:
    good = make_pki(tmp_path / "pp", "PP")
    rogue = make_pki(tmp_path / "rogue", "Intrus")
    db = tmp_path / "salle.sqlite"
    clock = SystemClock()
    store = JournalStore.open(f"sqlite:///{db}", clock)
    open_room(store, clock, Operator("Cdt. Test", "chief"), mode="live", label="Salle")
    entries = store.count()
    store.close()
    certs = ("--ca", str(good.ca), "--cert", str(good.client_cert), "--key", str(good.client_key))

    async def main() -> None:
        sim = PPSimulator(
            ssl_context=server_ssl_context(
                str(good.server_cert), str(good.server_key), str(good.ca)
            )
        )
        await sim.start()
        url = f"wss://127.0.0.1:{sim.port}"
        try:
            code, out = await _check(db, "--pp", url, *certs)
            assert code == 0, out
            assert "certificats chargés" in out
            assert f"Lien PP : {url} joint" in out
            assert "TLS : TLSv1." in out
            assert "profil EDXL-DE/EMSI 26.07.29 accepté" in out
            assert "Vérification réussie" in out
            assert "Traceback" not in out

            # the PP's certificate signed by another authority: refused, exit 1
            code, out = await _check(db, "--pp", url, "--ca", str(rogue.ca), *certs[2:])
            assert code == 1, out
            assert "certificat du serveur refusé" in out
            assert "Vérification en échec : 1 problème(s)." in out

            # a certificate file that is not one
            bad = tmp_path / "pas-un-certificat.pem"
            bad.write_text("bonjour", encoding="utf-8")
            code, out = await _check(db, "--pp", url, "--ca", str(good.ca), "--cert", str(bad),
                                     "--key", str(good.client_key))  # fmt: skip
            assert code == 1, out
            assert "certificats illisibles" in out
            assert "contenu PEM invalide" in out
            assert "_ssl.c" not in out  # OpenSSL's English goes to the log file

            # a certificate file that is not there: which option, in French
            absent = tmp_path / "absente.pem"
            code, out = await _check(db, "--pp", url, "--ca", str(absent), *certs[2:])
            assert code == 1, out
            assert f"certificat illisible (--ca) : {absent} (introuvable)" in out
            assert "Errno" not in out

            # nobody listening
            code, out = await _check(db, "--pp", "ws://127.0.0.1:9")
            assert code == 1, out
            assert "injoignable" in out
            assert "Traceback" not in out
        finally:
            await sim.stop()

        # wss without the client certificate: the options are incomplete, exit 2
        code, out = await _check(db, "--pp", "wss://127.0.0.1:9", "--ca", str(good.ca))
        assert code == 2, out
        assert "TLS mutuel" in out

    asyncio.run(main())
    store = JournalStore.open(f"sqlite:///{db}", SystemClock())
    try:
        assert store.count() == entries  # no lease taken, nothing journaled
    finally:
        store.close()
