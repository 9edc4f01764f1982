"""Child-process hygiene for the local stack.

Every process the stack starts gets its own session (a terminal's Ctrl-C
reaches only the stack, which then stops them in order) and asks the kernel
to send it SIGTERM if the stack itself dies, so even a killed stack leaves
nothing behind.
"""

from __future__ import annotations

import socket

from meriter_shared.procs import die_with_parent

__all__ = ["die_with_parent", "ensure_port_free", "free_port", "free_ports"]


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
