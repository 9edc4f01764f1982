"""The whole platform started by ``make up``, in a test's own state dir and ports."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from meriter_local.procs import free_ports

SERVICES = ("registry", "issuer", "verifier", "notifier")
ROOT = Path(__file__).resolve().parents[2]


@dataclass
class RunningStack:
    state_dir: Path
    env: dict[str, str]
    process: subprocess.Popen[bytes] | None = None
    info: dict[str, object] = field(default_factory=dict)

    def url(self, service: str) -> str:
        return f"http://127.0.0.1:{self.env[f'MERITER_{service.upper()}_PORT']}"

    def worker_url(self, service: str) -> str:
        return f"http://127.0.0.1:{self.env[f'MERITER_{service.upper()}_WORKER_PORT']}"

    @property
    def on_tansu(self) -> bool:
        return "MERITER_KAFKA_BOOTSTRAP" not in self.env

    @property
    def pg_dsn_base(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.env['MERITER_PG_PORT']}"

    def start(self, timeout_s: float = 90.0) -> None:
        log = (self.state_dir / "stack-stdout.log").open("ab")
        self.process = subprocess.Popen(
            ["make", "--no-print-directory", "-C", str(ROOT), "up", f"STATE_DIR={self.state_dir}"],
            env={**os.environ, **self.env},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        info_file = self.state_dir / "stack.json"
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"stack exited: {self.tail()}")
            if info_file.exists():
                self.info = json.loads(info_file.read_text())
                return
            time.sleep(0.2)
        raise RuntimeError(f"stack not ready in {timeout_s}s: {self.tail()}")

    def stop(self, sig: int = signal.SIGTERM, timeout_s: float = 60.0) -> bool:
        """Signal ``make up``; True when the stack said it stopped cleanly.

        make forwards the signal to the stack, waits for it, then dies of the
        same signal itself, so its exit status is the signal's, not the stack's.
        """
        assert self.process is not None
        self.process.send_signal(sig)
        code = self.process.wait(timeout_s)
        self.process = None
        out = (self.state_dir / "stack-stdout.log").read_text(errors="replace")
        return code in (0, -sig) and out.rstrip().endswith("stopped.")

    def admin_token(self) -> str:
        """An access token for the admin client ``make up`` wrote to the state dir."""
        client = json.loads((self.state_dir / "admin-client.json").read_text())
        form = urllib.parse.urlencode(
            {
                "grant_type": "client_credentials",
                "client_id": client["client_id"],
                "client_secret": client["client_secret"],
            }
        ).encode()
        request = urllib.request.Request(self.url("registry") + "/v1/oauth/token", data=form)  # noqa: S310
        with urllib.request.urlopen(request, timeout=10) as resp:  # noqa: S310 - loopback
            token: str = json.loads(resp.read())["access_token"]
        return token

    @property
    def mail_dir(self) -> Path:
        """The SMTP sink's Maildir (``make up`` keeps learners' mail there)."""
        return self.state_dir / "mail"

    def tail(self) -> str:
        logs = sorted((self.state_dir / "logs").glob("*.log"))
        parts = [(self.state_dir / "stack-stdout.log").read_text(errors="replace")[-3000:]]
        parts += [f"--- {p.name}\n{p.read_text(errors='replace')[-1500:]}" for p in logs]
        return "\n".join(parts)


def new_stack(state_dir: Path, kafka_bootstrap: str | None = None) -> RunningStack:
    """A stack on free ports; with ``kafka_bootstrap``, on that broker instead of Tansu."""
    # All picked at once: separate picks once gave the mail sink and a service one port.
    names = [
        "PG",
        "KAFKA",
        "SMTP",
        *(s.upper() for s in SERVICES),
        *(f"{s.upper()}_WORKER" for s in SERVICES),
    ]
    ports = free_ports(len(names))
    env = {f"MERITER_{name}_PORT": str(port) for name, port in zip(names, ports, strict=True)}
    if kafka_bootstrap:
        env["MERITER_KAFKA_BOOTSTRAP"] = kafka_bootstrap
    state_dir.mkdir(parents=True, exist_ok=True)
    os.chmod(state_dir, 0o755)  # noqa: S103 - the postgres user must reach its data dir
    return RunningStack(state_dir=state_dir, env=env)


def http_status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=5) as resp:  # noqa: S310 - loopback
            return int(resp.status)
    except urllib.error.HTTPError as exc:
        return exc.code


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is dead for our purposes.
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False
