"""A private PostgreSQL server for the one-machine default and the tests.

Uses the system's server binaries (Debian: /usr/lib/postgresql/<v>/bin),
else the ones bundled in the ``pgserver`` package. ``initdb`` refuses to run
as root, so as root the cluster belongs to the ``postgres`` system user and
every server command runs through ``runuser``. It listens on 127.0.0.1 only,
with trust authentication limited to that address: a developer machine's
default, never a deployment's.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from meriter_local.procs import die_with_parent, ensure_port_free


@dataclass
class PostgresServer:
    data_dir: Path
    port: int
    process: subprocess.Popen[bytes] | None = None

    @property
    def dsn_base(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}"

    def dsn(self, database: str) -> str:
        return f"{self.dsn_base}/{database}"


def find_bin_dir() -> Path:
    """Server binaries: ``MERITER_PG_BIN_DIR``, else the system's, else pgserver's."""
    forced = os.environ.get("MERITER_PG_BIN_DIR")
    if forced == "pgserver":
        return _pgserver_bin_dir()
    if forced:
        return Path(forced)
    system = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/postgres"),
        key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0,
    )
    if system:
        return system[-1].parent
    return _pgserver_bin_dir()


def _pgserver_bin_dir() -> Path:
    try:
        import pgserver
    except ImportError as exc:  # pragma: no cover - pgserver is a declared dependency
        raise RuntimeError("no PostgreSQL found: install postgresql or pgserver") from exc
    bundled = Path(pgserver.__file__).parent / "pginstall" / "bin"
    if not (bundled / "postgres").exists():
        raise RuntimeError(f"pgserver has no server binaries at {bundled}")
    return bundled


def _as_postgres_user() -> list[str]:
    if os.geteuid() != 0:
        return []
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        subprocess.run(
            ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", "postgres"],
            check=True,
        )
    return ["runuser", "-u", "postgres", "--"]


def _chown_for_postgres(path: Path) -> None:
    if os.geteuid() == 0:
        entry = pwd.getpwnam("postgres")
        os.chown(path, entry.pw_uid, entry.pw_gid)


def start_postgres(data_dir: Path, port: int, log_file: Path) -> PostgresServer:
    """Initialise (first time) and start a server; return when it accepts connections."""
    bin_dir = find_bin_dir()
    prefix = _as_postgres_user()
    ensure_port_free(port, "pg")
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    socket_dir = data_dir.parent / "pg-socket"
    socket_dir.mkdir(exist_ok=True)
    _chown_for_postgres(socket_dir)
    if not (data_dir / "PG_VERSION").exists():
        if data_dir.exists():
            shutil.rmtree(data_dir)
        data_dir.mkdir(mode=0o700)
        _chown_for_postgres(data_dir)
        init = subprocess.run(
            [
                *prefix,
                str(bin_dir / "initdb"),
                "-D",
                str(data_dir),
                "-U",
                "postgres",
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C",
                "--no-sync",
            ],
            check=False,
            capture_output=True,
            text=True,
        )
        if init.returncode != 0:
            raise RuntimeError(f"initdb failed: {init.stderr.strip()[-1000:]}")
    log_file.parent.mkdir(parents=True, exist_ok=True)
    log = log_file.open("ab")
    stale_pid = data_dir / "postmaster.pid"
    if stale_pid.exists() and not _pid_alive(stale_pid):
        stale_pid.unlink()
    process = subprocess.Popen(
        [
            *prefix,
            str(bin_dir / "postgres"),
            "-D",
            str(data_dir),
            "-p",
            str(port),
            "-k",
            str(socket_dir),
            "-c",
            "listen_addresses=127.0.0.1",
            "-c",
            "max_connections=300",
            "-c",
            "shared_buffers=256MB",
            "-c",
            "synchronous_commit=on",
            "-c",
            "fsync=on",
        ],
        stdout=log,
        stderr=log,
        process_group=0,  # killpg reaches it; the stack's session (see stack._child)
        stdin=subprocess.DEVNULL,
        preexec_fn=die_with_parent,
    )
    server = PostgresServer(data_dir=data_dir, port=port, process=process)
    _wait_ready(bin_dir, server)
    return server


def _pid_alive(pid_file: Path) -> bool:
    try:
        pid = int(pid_file.read_text().splitlines()[0])
        os.kill(pid, 0)
    except (ValueError, IndexError, ProcessLookupError, PermissionError, OSError):
        return False
    return True


def _wait_ready(bin_dir: Path, server: PostgresServer, timeout_s: float = 30.0) -> None:
    """Wait for the postmaster to say it is ready, then probe it as ``postgres``.

    No connection is tried before the postmaster's status line says "ready"
    (one during start-up is logged as ``FATAL: the database system is
    starting up``), and the probe names its role and database: pg_isready
    without ``-U`` connects as the OS user, which the server logs as
    ``FATAL: role "root" does not exist``.
    """
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if server.process is not None and server.process.poll() is not None:
            raise RuntimeError(f"postgres exited with {server.process.returncode}; see its log")
        if _postmaster_status(server.data_dir) == "ready":
            ok = subprocess.run(
                [
                    str(bin_dir / "pg_isready"),
                    "-h",
                    "127.0.0.1",
                    "-p",
                    str(server.port),
                    "-U",
                    "postgres",
                    "-d",
                    "postgres",
                    "-q",
                ],
                check=False,
            )
            if ok.returncode == 0:
                return
        time.sleep(0.1)
    raise RuntimeError("postgres did not become ready in time")


def _postmaster_status(data_dir: Path) -> str | None:
    """The status line of ``postmaster.pid`` (its 8th: starting, ready, stopping, standby)."""
    try:
        lines = (data_dir / "postmaster.pid").read_text().splitlines()
    except OSError:
        return None
    return lines[7].strip() if len(lines) > 7 else None


def create_databases(server: PostgresServer, names: list[str]) -> None:
    bin_dir = find_bin_dir()
    for name in names:
        if not name.isidentifier():
            raise ValueError(f"not a database name: {name!r}")
        exists = subprocess.run(
            [
                str(bin_dir / "psql"),
                "-h",
                "127.0.0.1",
                "-p",
                str(server.port),
                "-U",
                "postgres",
                "-tAc",
                f"SELECT 1 FROM pg_database WHERE datname = '{name}'",  # noqa: S608 - checked above
            ],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
        if exists != "1":
            subprocess.run(
                [
                    str(bin_dir / "createdb"),
                    "-h",
                    "127.0.0.1",
                    "-p",
                    str(server.port),
                    "-U",
                    "postgres",
                    name,
                ],
                check=True,
            )


def stop_postgres(server: PostgresServer, timeout_s: float = 20.0) -> None:
    """Fast shutdown (SIGINT): roll back open transactions, checkpoint, exit."""
    if server.process is None or server.process.poll() is not None:
        return
    import signal

    _signal_group(server.process, signal.SIGINT)
    try:
        server.process.wait(timeout_s)
    except subprocess.TimeoutExpired:
        _signal_group(server.process, signal.SIGKILL)
        server.process.wait()


def _signal_group(process: subprocess.Popen[bytes], sig: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, sig)
