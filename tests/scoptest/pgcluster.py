"""Throwaway PostgreSQL clusters on loopback, as ``./dev test`` starts them: a primary and a
synchronous standby fed by streaming replication, for the failover test and bench/room.py.

Run as root, the server binaries run as ``postgres`` (they refuse root), in a directory it
owns. The binaries come from ``SCOP_TEST_PG_BIN`` (``./dev`` exports it) or the newest
``/usr/lib/postgresql/*/bin``; the clusters live under ``SCOP_TEST_PG_CLUSTERS`` when given
(``./dev test`` stops whatever is left there when it exits).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

DB = "scop_ha"


def pg_bin() -> Path:
    given = os.environ.get("SCOP_TEST_PG_BIN")
    if given:
        return Path(given)
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name or 0))
    if not found:
        raise RuntimeError("PostgreSQL introuvable : lancez les tests par ./dev test")
    return found[-1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _as_postgres(cmd: list[str]) -> list[str]:
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *cmd]
    return cmd


def _run(cmd: list[str]) -> None:
    subprocess.run(_as_postgres(cmd), check=True, capture_output=True, timeout=180)


@dataclass
class Cluster:
    data: Path
    port: int
    options: str = ""

    @property
    def log(self) -> Path:
        return self.data.parent / f"{self.data.name}.log"

    def start(self) -> None:
        opts = (
            f"-p {self.port} -k {self.data.parent} -c listen_addresses=127.0.0.1 "
            f"-c fsync=off -c max_connections=100 {self.options}"
        )
        try:
            _run([str(pg_bin() / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-w",
                  "-t", "120", "-o", opts, "start"])  # fmt: skip
        except subprocess.CalledProcessError as e:
            tail = self.log.read_text(errors="replace")[-2000:] if self.log.exists() else ""
            raise RuntimeError(f"PostgreSQL ne démarre pas : {e.stderr!r}\n{tail}") from e

    def postmaster_pid(self) -> int | None:
        try:
            return int((self.data / "postmaster.pid").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return None

    def kill(self) -> None:
        """A crash: SIGKILL to the postmaster and every process it started (no shutdown, no
        last WAL sent)."""
        pid = self.postmaster_pid()
        if pid is None:
            return
        children = [p for p in _all_pids() if _ppid(p) == pid]
        for p in [pid, *children]:
            with contextlib.suppress(ProcessLookupError):
                os.kill(p, signal.SIGKILL)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and any(_alive(p) for p in [pid, *children]):
            time.sleep(0.05)
        # A killed postmaster may linger as a zombie (a container's init that does not reap):
        # its lock file would then stop a restart.
        for lock in (self.data / "postmaster.pid", self.data.parent / f".s.PGSQL.{self.port}.lock"):
            with contextlib.suppress(FileNotFoundError):
                lock.unlink()

    def promote(self) -> None:
        _run([str(pg_bin() / "pg_ctl"), "-D", str(self.data), "-w", "-t", "120", "promote"])

    def stop(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError, subprocess.TimeoutExpired):
            _run([str(pg_bin() / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop"])

    def url(self, db: str = DB) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{db}"


def _all_pids() -> list[int]:
    return [int(p) for p in os.listdir("/proc") if p.isdigit()]


def _ppid(pid: int) -> int:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return -1
    return int(stat.rsplit(")", 1)[1].split()[1])


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


@dataclass
class HAPair:
    root: Path
    primary: Cluster
    standby: Cluster

    def url(self, db: str = DB) -> str:
        """The URL consoles and gateways use: both hosts, the writable one chosen."""
        hosts = f"host=127.0.0.1:{self.primary.port}&host=127.0.0.1:{self.standby.port}"
        return f"postgresql+psycopg://postgres@/{db}?{hosts}&target_session_attrs=read-write"

    def stop(self) -> None:
        self.primary.stop()
        self.standby.stop()
        shutil.rmtree(self.root, ignore_errors=True)


def start_ha_pair() -> HAPair:
    """A primary whose commits wait for the standby (``synchronous_standby_names = '*'`` and
    the default ``synchronous_commit = on``: a commit returns once the standby has flushed it),
    and the standby cloned by ``pg_basebackup -R``."""
    root = _private_root("scop-pg-ha.")
    primary = Cluster(
        root / "primary",
        free_port(),
        "-c wal_level=replica -c max_wal_senders=5 -c wal_sender_timeout=5s",
    )
    _run([str(pg_bin() / "initdb"), "-D", str(primary.data), "-U", "postgres", "-A", "trust",
          "-E", "UTF8", "--locale=C.UTF-8"])  # fmt: skip
    primary.start()
    _run([str(pg_bin() / "createdb"), "-h", "127.0.0.1", "-p", str(primary.port), "-U",
          "postgres", DB])  # fmt: skip
    standby = Cluster(root / "standby", free_port(), "-c hot_standby=on")
    _run([str(pg_bin() / "pg_basebackup"), "-h", "127.0.0.1", "-p", str(primary.port), "-U",
          "postgres", "-D", str(standby.data), "-R", "-X", "stream", "-c", "fast"])  # fmt: skip
    standby.start()
    # Only now do commits wait for the standby (it was cloned without this setting, so once
    # promoted it commits alone).
    _psql(primary, "ALTER SYSTEM SET synchronous_standby_names = '*'")
    _psql(primary, "SELECT pg_reload_conf()")
    pair = HAPair(root, primary, standby)
    _wait_streaming(pair)
    return pair


def _psql(cluster: Cluster, sql: str) -> None:
    import psycopg

    with psycopg.connect(
        f"host=127.0.0.1 port={cluster.port} user=postgres dbname={DB}", autocommit=True
    ) as conn:
        conn.execute(sql)


def _wait_streaming(pair: HAPair, timeout: float = 60) -> None:
    """Until the primary sees its standby as synchronous."""
    import psycopg

    deadline = time.monotonic() + timeout
    while True:
        try:
            with psycopg.connect(
                f"host=127.0.0.1 port={pair.primary.port} user=postgres dbname={DB}",
                connect_timeout=3,
            ) as conn:
                row = conn.execute(
                    "SELECT count(*) FROM pg_stat_replication WHERE sync_state = 'sync'"
                ).fetchone()
                if row and row[0] >= 1:
                    return
        except psycopg.OperationalError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError("le secours ne s'est pas raccordé au primaire")
        time.sleep(0.2)


@contextlib.contextmanager
def ha_pair() -> Iterator[HAPair]:
    pair = start_ha_pair()
    try:
        yield pair
    finally:
        pair.stop()


def _private_root(prefix: str) -> Path:
    """Under ``SCOP_TEST_PG_CLUSTERS`` when ./dev gives it (it stops what is left there)."""
    root = Path(tempfile.mkdtemp(prefix=prefix, dir=os.environ.get("SCOP_TEST_PG_CLUSTERS")))
    root.chmod(0o755)
    if os.geteuid() == 0:
        shutil.chown(root, "postgres")
    return root


@contextlib.contextmanager
def single_cluster() -> Iterator[Cluster]:
    """One server of its own, for a test that kills and restarts it."""
    root = _private_root("scop-pg-one.")
    cluster = Cluster(root / "data", free_port())
    try:
        _run([str(pg_bin() / "initdb"), "-D", str(cluster.data), "-U", "postgres", "-A",
              "trust", "-E", "UTF8", "--locale=C.UTF-8"])  # fmt: skip
        cluster.start()
        _run([str(pg_bin() / "createdb"), "-h", "127.0.0.1", "-p", str(cluster.port), "-U",
              "postgres", DB])  # fmt: skip
        yield cluster
    finally:
        cluster.stop()
        shutil.rmtree(root, ignore_errors=True)
