"""A throw-away PostgreSQL server for the tests and benchmarks: Debian's ``initdb`` and
``pg_ctl`` into a temporary directory, on a free port of the loopback address, as an
unprivileged user (PostgreSQL refuses to run as root: as root, the ``postgres`` user that
Debian's package creates). ``make test`` installs the package (scripts/ensure_servers.sh)."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from pathlib import Path


def _bin(name: str) -> str | None:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return found[-1] if found else shutil.which(name)


def available() -> bool:
    return _bin("initdb") is not None and _bin("pg_ctl") is not None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """One PostgreSQL server; ``dsn(db)`` for a database on it, ``new_database()`` for a
    fresh one; ``stop()`` removes it all."""

    def __init__(self, fsync: bool = False) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="cluster-pg-"))
        self.port = _free_port()
        self.data = self.root / "data"
        self.as_user: list[str] = []
        if os.geteuid() == 0:
            os.chmod(self.root, 0o777)
            self.as_user = ["runuser", "-u", "postgres", "--"]
        self._run([_bin("initdb"), "-D", str(self.data), "-U", "cluster", "--auth=trust",
                   "-E", "UTF8", "--locale=C"])
        self._run([_bin("pg_ctl"), "-D", str(self.data), "-w", "-l", str(self.root / "log"),
                   "-o", f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 "
                   f"-c fsync={'on' if fsync else 'off'} -c max_connections=200", "start"])

    def _run(self, cmd: list) -> None:
        subprocess.run([*self.as_user, *map(str, cmd)], check=True, capture_output=True,
                       timeout=120)

    def dsn(self, database: str = "postgres") -> str:
        return f"postgresql://cluster@127.0.0.1:{self.port}/{database}"

    def new_database(self) -> str:
        """A new, empty database on this server; its address."""
        import psycopg

        name = "t" + uuid.uuid4().hex[:12]
        with psycopg.connect(self.dsn(), autocommit=True) as con:
            con.execute(f'CREATE DATABASE "{name}"')
        return self.dsn(name)

    def kill_connections(self, database: str, application: str | None = None) -> int:
        """End every connection to ``database`` (as a crash or a network cut would)."""
        import psycopg

        with psycopg.connect(self.dsn(), autocommit=True) as con:
            return len(con.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s "
                "AND pid <> pg_backend_pid()", (database,)).fetchall())

    def stop(self) -> None:
        try:
            self._run([_bin("pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop"])
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
