"""The city's directory, for real: Debian's slapd started on loopback with a test directory
(installed by ./dev). A good bind, a bad password, the group → role mapping, and the server
down: the login says so and does not fall back to the local password."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from scop.accounts.directory import DOWN, NO_ROLE, Directory, directory_check
from scop.accounts.passwords import TEST_COST, Hasher
from scop.accounts.settings import set_setting
from scop.accounts.store import WRONG_CREDENTIALS, Accounts, LoginRefused
from scop.clock import ManualClock
from scop.journal.store import JournalStore
from scop.models import fold_accounts as ka
from scop.models.entries import Operator
from scop.room import open_room

SLAPD = shutil.which("slapd") or "/usr/sbin/slapd"
BASE = "dc=paris,dc=fr"
ROOT_PW = "admin-annuaire-test"
PEOPLE = {
    "blefevre": ("B. Lefèvre", "mot de passe de bruno", "scop-operateurs"),
    "cmorel": ("Cdt. Morel", "mot de passe du chef", "scop-chefs"),
    "visiteur": ("Visiteur", "mot de passe visiteur", None),
}
GROUPS = {
    f"cn=scop-operateurs,ou=groups,{BASE}": "operator",
    f"cn=scop-chefs,ou=groups,{BASE}": "chief",
}
ADMIN = Operator("Adm. Roux", "admin", "aroux")


def _free_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = int(s.getsockname()[1])
    s.close()
    return port


def _start(workdir: Path, port: int) -> subprocess.Popen[bytes]:
    (workdir / "db").mkdir(exist_ok=True)
    conf = workdir / "slapd.conf"
    conf.write_text(
        "\n".join(
            [
                "include /etc/ldap/schema/core.schema",
                "include /etc/ldap/schema/cosine.schema",
                "include /etc/ldap/schema/inetorgperson.schema",
                "modulepath /usr/lib/ldap",
                "moduleload back_mdb",
                f"pidfile {workdir / 'slapd.pid'}",
                "database mdb",
                "maxsize 10485760",
                f'suffix "{BASE}"',
                f'rootdn "cn=admin,{BASE}"',
                f"rootpw {ROOT_PW}",
                f"directory {workdir / 'db'}",
                "",
            ]
        ),
        encoding="utf-8",
    )
    proc = subprocess.Popen(
        [SLAPD, "-f", str(conf), "-h", f"ldap://127.0.0.1:{port}/", "-d", "0"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return proc
        if proc.poll() is not None:
            raise RuntimeError("slapd s'est arrêté au démarrage")
        time.sleep(0.05)
    proc.kill()
    raise RuntimeError("slapd ne répond pas")


def _populate(port: int) -> None:
    from ldap3 import Connection, Server

    conn = Connection(Server("127.0.0.1", port=port), f"cn=admin,{BASE}", ROOT_PW, auto_bind=True)
    try:
        conn.add(BASE, ["dcObject", "organization"], {"dc": "paris", "o": "Ville de Paris"})
        conn.add(f"ou=people,{BASE}", "organizationalUnit", {"ou": "people"})
        conn.add(f"ou=groups,{BASE}", "organizationalUnit", {"ou": "groups"})
        for uid, (name, pw, _group) in PEOPLE.items():
            assert conn.add(
                f"uid={uid},ou=people,{BASE}",
                "inetOrgPerson",
                {"cn": name, "sn": name.split()[-1], "displayName": name, "userPassword": pw},
            ), conn.result
        for group in ("scop-operateurs", "scop-chefs"):
            members = [f"uid={uid},ou=people,{BASE}" for uid, p in PEOPLE.items() if p[2] == group]
            assert conn.add(
                f"cn={group},ou=groups,{BASE}", "groupOfNames", {"cn": group, "member": members}
            ), conn.result
    finally:
        conn.unbind()


@pytest.fixture(scope="module")
def slapd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    if not Path(SLAPD).exists():
        pytest.fail("slapd absent : lancez la suite avec ./dev test, qui l'installe")
    workdir = tmp_path_factory.mktemp("slapd")
    port = _free_port()
    proc = _start(workdir, port)
    try:
        _populate(port)
        yield {
            "url": f"ldap://127.0.0.1:{port}",
            "user_dn": f"uid={{login}},ou=people,{BASE}",
            "groups": GROUPS,
            "timeout": 3,
        }
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture
def directory_accounts(slapd: dict[str, Any], store: JournalStore, clock: ManualClock) -> Accounts:
    """A room set to authenticate with the directory, through its settings command."""
    room = open_room(store, clock, ADMIN, label="Salle")
    set_setting(room, "auth", "ldap")
    set_setting(room, "ldap", json.dumps(slapd))
    check = directory_check(store)
    assert check is not None
    return Accounts(store, Hasher(TEST_COST), directory=check)


def test_good_bind_gives_name_and_role_from_the_groups(
    directory_accounts: Accounts, store: JournalStore
) -> None:
    op = directory_accounts.authenticate("BLefevre", "mot de passe de bruno", "poste-1")
    assert op == Operator("B. Lefèvre", "operator", "blefevre")
    chief = directory_accounts.authenticate("cmorel", "mot de passe du chef", "poste-2")
    assert (chief.name, chief.role) == ("Cdt. Morel", "chief")
    a = directory_accounts.get("blefevre")
    assert a is not None
    assert a.directory  # no local password kept for a directory account
    created = [e.payload for e in store.read() if e.kind == ka.ACCOUNT_CREATED]
    assert {p["login"] for p in created} == {"blefevre", "cmorel"}


def test_bad_password_and_no_group_are_refused_and_journaled(
    directory_accounts: Accounts, store: JournalStore
) -> None:
    with pytest.raises(LoginRefused) as bad:
        directory_accounts.authenticate("blefevre", "pas le bon", "poste-1")
    assert (str(bad.value), bad.value.reason) == (WRONG_CREDENTIALS, "password")
    with pytest.raises(LoginRefused) as unknown:
        directory_accounts.authenticate("personne", "pas le bon", "poste-1")
    assert str(unknown.value) == WRONG_CREDENTIALS  # same words as a wrong password
    with pytest.raises(LoginRefused, match=NO_ROLE):
        directory_accounts.authenticate("visiteur", "mot de passe visiteur", "poste-1")
    with pytest.raises(LoginRefused):
        directory_accounts.authenticate("blefevre", "", "poste-1")  # never an anonymous bind
    failed = [e.payload for e in store.read() if e.kind == ka.LOGIN_FAILED]
    assert [p["login"] for p in failed] == ["blefevre", "personne", "visiteur", "blefevre"]
    assert all("pas le bon" not in json.dumps(p) for p in failed)


def test_server_down_says_so_and_does_not_fall_back(
    slapd: dict[str, Any], store: JournalStore
) -> None:
    down = {**slapd, "url": f"ldap://127.0.0.1:{_free_port()}"}  # nobody listens there
    acc = Accounts(store, Hasher(TEST_COST), directory=Directory(down).check)
    # a local password exists for this login: it must not be used in place of the directory
    Accounts(store, Hasher(TEST_COST)).add("cmorel", "Cdt. Morel", "chief", "local secret!", ADMIN)
    with pytest.raises(LoginRefused) as refused:
        acc.authenticate("cmorel", "local secret!", "poste-1")
    assert (str(refused.value), refused.value.reason) == (DOWN, "directory")
    assert "injoignable" in str(refused.value)
    last = store.read()[-1]
    assert (last.kind, last.payload["reason"]) == (ka.LOGIN_FAILED, "directory")


def test_clear_ldap_off_loopback_is_refused() -> None:
    from scop.accounts.directory import DirectoryConfigError

    with pytest.raises(DirectoryConfigError, match="ldaps"):
        Directory({"url": "ldap://annuaire.paris.fr", "user_dn": "uid={login}"})
