"""Child-process hygiene for the local stack.

Every process the stack starts gets its own session (a terminal's Ctrl-C
reaches only the stack, which then stops them in order) and asks the kernel
to send it SIGTERM if the stack itself dies, so even a killed stack leaves
nothing behind.
"""

from __future__ import annotations

import socket
import subprocess
import time
from pathlib import Path

from meriter_shared.procs import die_with_parent

__all__ = ["die_with_parent", "ensure_port_free", "free_port", "free_ports", "wait_listening"]


def ensure_port_free(port: int, what: str) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError as exc:
            raise RuntimeError(
                f"port {port} for {what} is in use; set MERITER_{what.upper()}_PORT"
            ) from exc


def free_port() -> int:
    return free_ports(1)[0]


def free_ports(count: int) -> list[int]:
    """``count`` distinct free ports: each stays bound until all are chosen, so
    two picks cannot return the same port (separate picks may)."""
    held = [socket.socket(socket.AF_INET, socket.SOCK_STREAM) for _ in range(count)]
    try:
        for s in held:
            s.bind(("127.0.0.1", 0))
        return [int(s.getsockname()[1]) for s in held]
    finally:
        for s in held:
            s.close()


def wait_listening(
    process: subprocess.Popen[bytes],
    port: int,
    what: str,
    log_file: Path,
    *,
    host: str = "127.0.0.1",
    timeout_s: float = 15.0,
) -> None:
    """Until ``process`` accepts connections on ``host:port``; if it exits first
    or the time runs out (it is then killed), RuntimeError naming ``log_file``."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited with {process.returncode}; see {log_file}")
        try:
            with socket.create_connection((host, port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.03)
    process.kill()
    raise RuntimeError(f"{what} did not start listening in time; see {log_file}")
