"""``scop room init`` / ``scop room info`` on real SQLite and PostgreSQL, as a person runs them:
the exit code, what is printed, what the database holds afterwards, and no traceback ever."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from scop.cli import main
from scop.clock import ManualClock
from scop.journal.store import JournalStore
from scop.resources import resource_path
from scop.room import open_room
from scop.room_admin import (
    EXIT_DATABASE,
    EXIT_NO_ROOM,
    EXIT_REFUSED,
    EXIT_URL,
    RoomAdminError,
    init_room,
)


def test_init_then_info_then_refuse_a_second_init(
    new_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["room", "init", "--db", new_url, "--mode", "live", "--name", "SCOP Paris"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "Salle créée : « SCOP Paris » (réel)" in out
    assert "équipages en service : 0" in out

    store = JournalStore.open(new_url, ManualClock(), readonly=True)
    try:
        entries = store.read()
        assert [e.kind for e in entries] == ["room.opened"]
        assert entries[0].payload == {"mode": "live", "label": "SCOP Paris"}
        assert entries[0].author == "SCOP"
        assert store.meta("mode") == "live"
        assert store.verify().ok
    finally:
        store.close()

    assert main(["room", "info", "--db", new_url]) == 0
    out, _ = capsys.readouterr()
    assert "mode : réel" in out
    assert "nom : SCOP Paris" in out
    assert "position de tête : 1" in out
    assert out.strip().splitlines()[-1] == "équipages en service : 0"

    code = main(["room", "init", "--db", new_url, "--mode", "exercise", "--name", "Autre"])
    out, err = capsys.readouterr()
    assert code == EXIT_REFUSED
    assert "déjà une salle en mode réel (« SCOP Paris »)" in err
    assert "Traceback" not in err + out
    store = JournalStore.open(new_url, ManualClock(), readonly=True)
    try:
        assert store.head()[0] == 1  # nothing added by the refused init
        assert store.meta("label") == "SCOP Paris"
    finally:
        store.close()


def test_exercise_room_says_so(new_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["room", "init", "--db", new_url, "--mode", "exercise", "--name", "Crue"]) == 0
    out = capsys.readouterr().out
    assert "Salle créée : « Crue » (EXERCICE)" in out
    assert "mode : EXERCICE" in out
    roster = str(resource_path("exemples", "equipages_exemple.csv"))
    assert main(["crews", "import", roster, "--db", new_url]) == 0
    assert capsys.readouterr().out.startswith("EXERCICE EXERCICE EXERCICE — Tableau importé")
    assert main(["room", "init", "--db", new_url, "--mode", "live", "--name", "x"]) == 1
    assert "déjà une salle en mode EXERCICE" in capsys.readouterr().err


def test_a_room_opened_by_a_console_before_room_init_existed_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'demo.sqlite'}"
    store = JournalStore.open(url, ManualClock())
    from scop.models.entries import Operator

    open_room(store, store.clock, Operator("A. Martin"), mode="demo", label="Démo")
    store.close()
    assert main(["room", "init", "--db", url, "--mode", "live", "--name", "x"]) == EXIT_REFUSED
    assert "déjà une salle en mode DÉMO" in capsys.readouterr().err


def test_info_never_creates_a_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "absente" / "salle.sqlite"
    code = main(["room", "info", "--db", f"sqlite:///{path}"])
    err = capsys.readouterr().err
    assert code == EXIT_NO_ROOM
    assert "Aucune salle dans la base" in err
    assert "(le fichier n'existe pas)" in err
    assert not path.exists()
    assert not path.parent.exists()


@pytest.mark.postgres
def test_info_on_a_database_without_a_room(
    pg_room_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["room", "info", "--db", pg_room_url]) == EXIT_NO_ROOM
    assert "ucune salle dans cette base" in capsys.readouterr().err
    engine = create_engine(pg_room_url)
    try:
        with engine.connect() as conn:
            tables = conn.execute(
                text(
                    "SELECT count(*) FROM information_schema.tables"
                    " WHERE table_schema = current_schema()"
                )
            ).scalar_one()
        assert tables == 0  # info created no table either
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    ("url", "expected", "code"),
    [
        (
            "postgresql+psycopg://scop@127.0.0.1:1/salle",
            "Serveur de base injoignable",
            EXIT_DATABASE,
        ),
        ("pas une url", "adresse de base invalide", EXIT_URL),
        ("oracle+nope://x/y", "adresse de base invalide", EXIT_URL),
    ],
)
@pytest.mark.parametrize("action", ["init", "info"])
def test_unreachable_or_invalid_database_is_a_french_message(
    url: str, expected: str, code: int, action: str, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["room", action, "--db", url]
    if action == "init":
        argv += ["--mode", "live", "--name", "SCOP"]
    assert main(argv) == code
    out, err = capsys.readouterr()
    assert err.startswith(f"scop room {action} : {expected}")
    assert "Traceback" not in out + err
    assert len(err.strip().splitlines()) == 1


def test_sqlite_in_a_directory_that_cannot_be_made(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "fichier"
    blocker.write_text("x")
    url = f"sqlite:///{blocker / 'salle.sqlite'}"
    assert main(["room", "init", "--db", url, "--mode", "live", "--name", "S"]) == EXIT_DATABASE
    err = capsys.readouterr().err
    assert f"Impossible d'ouvrir ou de créer la base {blocker / 'salle.sqlite'}" in err
    assert "Error" not in err  # the French reason, not the exception's class


def test_empty_name_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "s.sqlite"
    argv = ["room", "init", "--db", f"sqlite:///{path}", "--mode", "live", "--name", " "]
    assert main(argv) == EXIT_URL  # an invalid option, as a missing --name is
    assert "nom de la salle est obligatoire" in capsys.readouterr().err
    assert not path.exists()


def test_crews_import_cli(new_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    from scop.resources import resource_path

    example = str(resource_path("exemples", "equipages_exemple.csv"))
    broken = str(
        Path(__file__).parent.parent / "data" / "rosters_broken" / "02_indicatif_en_double.csv"
    )
    assert main(["crews", "import", example, "--db", new_url]) == EXIT_NO_ROOM  # no room yet
    assert "Aucune salle dans la base" in capsys.readouterr().err
    if new_url.startswith("sqlite"):  # and nothing made: the file is room init's to create
        assert not Path(new_url.removeprefix("sqlite:///")).exists()
    assert main(["room", "init", "--db", new_url, "--mode", "live", "--name", "SCOP"]) == 0
    capsys.readouterr()

    assert main(["crews", "import", example, "--db", new_url, "--check"]) == 0
    assert "12 prise(s) de service" in capsys.readouterr().out
    assert main(["crews", "import", broken, "--db", new_url]) == EXIT_REFUSED
    err = capsys.readouterr().err
    assert f"{broken}:4: indicatif V11-1 en double (déjà ligne 2)" in err
    assert "rien n'a été importé" in err
    store = JournalStore.open(new_url, ManualClock(), readonly=True)
    try:
        assert store.head()[0] == 1  # neither --check nor the refused roster wrote anything
    finally:
        store.close()

    argv = ["crews", "import", example, "--db", new_url, "--operator", "Cdt. Morel"]
    assert main(argv) == 0
    assert main(argv) == 0
    assert "12 inchangé(s)" in capsys.readouterr().out
    assert main(["room", "info", "--db", new_url]) == 0
    assert "équipages en service : 12" in capsys.readouterr().out
    store = JournalStore.open(new_url, ManualClock(), readonly=True)
    try:
        registered = [e for e in store.read() if e.kind == "crew.registered"]
        assert len(registered) == 12
        assert {(e.author, e.role) for e in registered} == {("Cdt. Morel", "chief")}
    finally:
        store.close()


def test_two_inits_at_once_make_one_room(new_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two people running `scop room init` on one database at the same instant: one room,
    the other refused, one opening entry. Every init passes the first look (no room yet)
    together, so that only the check inside the write transaction stands between them."""
    import threading

    import scop.room_admin as ra
    from scop.clock import SystemClock

    n = 4
    barrier = threading.Barrier(n)
    first_look = threading.local()
    real = ra.existing_mode

    def together(store: JournalStore) -> str | None:
        if not getattr(first_look, "done", False):
            first_look.done = True
            mode = real(store)
            barrier.wait()
            return mode
        return real(store)

    monkeypatch.setattr(ra, "existing_mode", together)
    JournalStore.open(new_url, ManualClock()).close()  # the tables, made once beforehand
    results: list[str] = []

    def run(name: str) -> None:
        try:
            ra.init_room(new_url, "live", name, SystemClock())
            results.append(f"ok {name}")
        except ra.RoomAdminError as exc:
            results.append(f"{exc.code} {exc}")
        except Exception as exc:  # reported by the assertions below, not lost in a thread
            results.append(f"exception {exc!r}")

    threads = [threading.Thread(target=run, args=(f"Salle {i}",)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    created = [r for r in results if r.startswith("ok ")]
    assert len(created) == 1, results
    refused = [r for r in results if r not in created]
    assert all(r.startswith(f"{EXIT_REFUSED} refusé") for r in refused), refused
    store = JournalStore.open(new_url, ManualClock(), readonly=True)
    try:
        entries = store.read()
        assert [e.kind for e in entries] == ["room.opened"]
        assert f"ok {entries[0].payload['label']}" == created[0]
        assert store.meta("label") == entries[0].payload["label"]
    finally:
        store.close()


def test_a_room_is_made_whole_or_not_at_all(new_url: str) -> None:
    """Its first entries, its mode and its name in one transaction: a room init that fails
    half-way leaves no room behind, and the next one makes it."""
    from scoptest.db_faults import allow_writes, refuse_writes

    store = JournalStore.open(new_url, ManualClock())  # the tables, no room yet
    try:
        refuse_writes(store, "room_meta")
        with pytest.raises(RoomAdminError):
            init_room(new_url, "live", "SCOP Paris", ManualClock())
        assert store.head()[0] == 0
        allow_writes(store, "room_meta")
        info = init_room(new_url, "live", "SCOP Paris", ManualClock())
        assert (info.mode, info.name) == ("live", "SCOP Paris")
    finally:
        store.close()
