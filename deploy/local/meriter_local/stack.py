"""The whole platform on one machine: Postgres, Tansu, four services, an SMTP sink.

``up`` starts the infrastructure, then each service as two processes with
settings in their environment — its HTTP server (``serve``) and its worker
(``worker``: consumers and outbox relay, probes on their own port) — waits
until all eight answer ``/readyz``, prints the URLs and then watches them.
Learners' mail goes to a local SMTP sink (``mailsink.py``) that keeps each
message as a file in ``<state>/mail``; the notifier lists them at ``/mail``.
SIGINT or SIGTERM stops the services first (they finish in-flight work and their relays), then the
broker, then Postgres — and nothing it started is left running. Only those
signals stop the stack: a service process that dies on its own is reported
and started again after a backoff (1 s, doubling to 30 s; reset once it has
run a minute), and resumes where it was — the outbox and the consumers'
committed offsets make that safe.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from meriter_local.postgres import PostgresServer, create_databases, start_postgres, stop_postgres
from meriter_local.procs import die_with_parent, ensure_port_free, wait_listening
from meriter_local.tansu import TansuBroker, start_tansu, stop_tansu
from meriter_shared.secrets import ensure_master_key_file

SERVICES = ("registry", "issuer", "verifier", "notifier")


@dataclass
class StackConfig:
    state_dir: Path
    pg_port: int = 15432
    kafka_port: int = 19092
    ports: dict[str, int] = field(
        default_factory=lambda: {
            "registry": 8001,
            "issuer": 8002,
            "verifier": 8003,
            "notifier": 8004,
        }
    )
    # Each worker's /healthz, /readyz and /metrics.
    worker_ports: dict[str, int] = field(
        default_factory=lambda: {
            "registry": 9001,
            "issuer": 9002,
            "verifier": 9003,
            "notifier": 9004,
        }
    )
    host: str = "127.0.0.1"
    # The local SMTP sink learners' mail goes to (mailsink.py).
    smtp_port: int = 1025
    # An existing Kafka to use instead of starting Tansu (e.g. Apache Kafka).
    kafka_bootstrap: str | None = None
    # CPU priority (nice) of what may lag: on one machine the notifier's worker
    # and the SMTP sink (mail) yield the cores to issuance during a burst and
    # catch up after it; deployed, each would have CPUs of its own.
    nice: dict[str, int] = field(default_factory=lambda: {"notifier-worker": 10, "mail-sink": 10})

    @classmethod
    def from_env(cls, state_dir: Path) -> StackConfig:
        env = os.environ
        cfg = cls(state_dir=state_dir)
        cfg.pg_port = int(env.get("MERITER_PG_PORT", cfg.pg_port))
        cfg.kafka_port = int(env.get("MERITER_KAFKA_PORT", cfg.kafka_port))
        cfg.kafka_bootstrap = env.get("MERITER_KAFKA_BOOTSTRAP") or None
        cfg.smtp_port = int(env.get("MERITER_SMTP_PORT", cfg.smtp_port))
        cfg.nice["notifier-worker"] = int(
            env.get("MERITER_NOTIFIER_WORKER_NICE", cfg.nice["notifier-worker"])
        )
        for name in SERVICES:
            cfg.ports[name] = int(env.get(f"MERITER_{name.upper()}_PORT", cfg.ports[name]))
            cfg.worker_ports[name] = int(
                env.get(f"MERITER_{name.upper()}_WORKER_PORT", cfg.worker_ports[name])
            )
        return cfg

    def url(self, service: str) -> str:
        return f"http://{self.host}:{self.ports[service]}"

    def worker_url(self, service: str) -> str:
        return f"http://{self.host}:{self.worker_ports[service]}"


def service_env(
    cfg: StackConfig, service: str, pg: PostgresServer, kafka_bootstrap: str
) -> dict[str, str]:
    prefix = service.upper() + "_"
    env = {
        prefix + "HOST": cfg.host,
        prefix + "PORT": str(cfg.ports[service]),
        prefix + "WORKER_PORT": str(cfg.worker_ports[service]),
        prefix + "PUBLIC_BASE_URL": cfg.url(service),
        prefix + "POSTGRES__DSN": pg.dsn(service),
        prefix + "KAFKA__BOOTSTRAP_SERVERS": kafka_bootstrap,
        prefix + "KAFKA__CLIENT_ID": f"meriter-{service}",
        # One machine: short group timeouts so joins and rebalances settle fast.
        prefix + "KAFKA__SESSION_TIMEOUT_MS": "6000",
        prefix + "KAFKA__HEARTBEAT_INTERVAL_MS": "500",
        prefix + "KAFKA__REBALANCE_TIMEOUT_MS": "5000",
        prefix + "OUTBOX_POLL_INTERVAL_S": "0.2",
        prefix + "MASTER_KEY_FILE": str(cfg.state_dir / "master.key"),
    }
    for other in SERVICES:
        env[f"{prefix}{other.upper()}_URL"] = cfg.url(other)
    # Tokens name the registry as their issuer, and their keys are the
    # registry's: both move with its port (the registry reads its own keys).
    env[prefix + "AUTH__ISSUER"] = cfg.url("registry")
    env[prefix + "AUTH__JWKS_URL"] = (
        "self" if service == "registry" else cfg.url("registry") + "/.well-known/jwks.json"
    )
    return env


class Stack:
    def __init__(self, cfg: StackConfig) -> None:
        self.cfg = cfg
        self.pg: PostgresServer | None = None
        self.kafka: TansuBroker | None = None
        self.services: dict[str, subprocess.Popen[bytes]] = {}
        # How each service process is started, to start it again after a crash.
        self.commands: dict[str, tuple[list[str], dict[str, str]]] = {}
        self.restarts: dict[str, int] = {}
        self._started_at: dict[str, float] = {}
        self._restart_at: dict[str, float] = {}
        self.bootstrap = ""
        self.logs = cfg.state_dir / "logs"

    def start_mail_sink(self) -> dict[str, str]:
        """Start the SMTP sink; the notifier's settings for sending to it and listing it."""
        mail_dir = self.cfg.state_dir / "mail"
        ensure_port_free(self.cfg.smtp_port, "SMTP sink")
        # A process of its own, like the services: it stands in for the learners'
        # mail servers, and its CPU priority is its own (StackConfig.nice).
        self.commands["mail-sink"] = (
            [
                sys.executable,
                "-m",
                "meriter_local.mailsink",
                str(mail_dir),
                self.cfg.host,
                str(self.cfg.smtp_port),
            ],
            dict(os.environ),
        )
        self.launch("mail-sink")
        wait_listening(
            self.services["mail-sink"],
            self.cfg.smtp_port,
            "the SMTP sink",
            self.logs / "mail-sink.log",
            host=self.cfg.host,
            timeout_s=30,
        )
        return {
            "NOTIFIER_SMTP__HOST": self.cfg.host,
            "NOTIFIER_SMTP__PORT": str(self.cfg.smtp_port),
            "NOTIFIER_MAIL_SINK_DIR": str(mail_dir),
        }

    def start(self) -> None:
        self.cfg.state_dir.mkdir(parents=True, exist_ok=True)
        ensure_master_key_file(self.cfg.state_dir / "master.key")
        for name in SERVICES:
            ensure_port_free(self.cfg.ports[name], name)
            ensure_port_free(self.cfg.worker_ports[name], f"{name} worker")
        self.pg = start_postgres(
            self.cfg.state_dir / "pg" / "data", self.cfg.pg_port, self.logs / "postgres.log"
        )
        create_databases(self.pg, list(SERVICES))
        if self.cfg.kafka_bootstrap:
            bootstrap = self.cfg.kafka_bootstrap
        else:
            self.kafka = start_tansu(self.cfg.kafka_port, self.logs / "tansu.log")
            bootstrap = self.kafka.bootstrap
        self.bootstrap = bootstrap
        self.bootstrap_admin()
        notifier_mail = self.start_mail_sink()
        for name in SERVICES:
            env = {**os.environ, **service_env(self.cfg, name, self.pg, bootstrap)}
            if name == "notifier":
                env.update(notifier_mail)
            for role, process in ((name, "serve"), (f"{name}-worker", "worker")):
                self.commands[role] = ([sys.executable, "-m", f"meriter_{name}", process], env)
                self.launch(role)

    def launch(self, name: str) -> None:
        command, env = self.commands[name]
        with (self.logs / f"{name}.log").open("ab") as log:
            self.services[name] = subprocess.Popen(
                command,
                env=env,
                stdout=log,
                stderr=log,
                process_group=0,
                stdin=subprocess.DEVNULL,
                preexec_fn=functools.partial(_child, self.cfg.nice.get(name, 0)),
            )
        self._started_at[name] = time.monotonic()

    def write_info(self) -> None:
        """``stack.json``: where everything runs and the processes' ids (kept current)."""
        cfg = self.cfg
        assert self.pg is not None
        info = cfg.state_dir / "stack.json"
        info.with_suffix(".tmp").write_text(
            json.dumps(
                {
                    "pid": os.getpid(),
                    "postgres": self.pg.dsn_base,
                    "kafka": self.bootstrap,
                    "services": {n: cfg.url(n) for n in SERVICES},
                    "workers": {n: cfg.worker_url(n) for n in SERVICES},
                    "pids": self.pids(),
                    "admin_client": str(self.admin_client_file),
                },
                indent=2,
            )
        )
        info.with_suffix(".tmp").replace(info)

    def supervise(self, report: Callable[[str], None]) -> None:
        """Start again, after a backoff, every service process that died."""
        now = time.monotonic()
        for name, proc in list(self.services.items()):
            if proc.poll() is None:
                if now - self._started_at[name] > 60:
                    self.restarts[name] = 0  # it ran a minute: the next crash starts afresh
                continue
            if name not in self._restart_at:
                attempt = self.restarts.get(name, 0)
                delay = min(30.0, 2.0**attempt)
                self._restart_at[name] = now + delay
                report(
                    f"{name} exited with {proc.returncode}; starting it again in {delay:.0f}s "
                    f"(see {self.logs}/{name}.log)"
                )
            elif now >= self._restart_at[name]:
                del self._restart_at[name]
                self.restarts[name] = self.restarts.get(name, 0) + 1
                self.launch(name)
                self.write_info()
                report(f"{name} started again (restart {self.restarts[name]})")

    @property
    def admin_client_file(self) -> Path:
        return self.cfg.state_dir / "admin-client.json"

    def bootstrap_admin(self) -> None:
        """The national body's admin client, created once; its secret goes to a 0600 file."""
        assert self.pg is not None
        env = {**os.environ, **service_env(self.cfg, "registry", self.pg, self.bootstrap)}
        log = self.logs / "registry-bootstrap.log"
        command = [sys.executable, "-m", "meriter_registry", "bootstrap-admin"]
        with log.open("ab") as out:
            done = subprocess.run(
                [*command, "--out", str(self.admin_client_file)],
                env=env,
                stdout=out,
                stderr=out,
                timeout=120,
                check=False,
            )
        if done.returncode != 0:
            raise RuntimeError(f"creating the admin client failed; see {log}")

    def wait_ready(
        self, timeout_s: float = 90.0, should_stop: Callable[[], bool] = lambda: False
    ) -> None:
        deadline = time.monotonic() + timeout_s
        probes = {name: self.cfg.url(name) for name in SERVICES}
        probes.update({f"{name}-worker": self.cfg.worker_url(name) for name in SERVICES})
        pending = set(probes)
        while pending and time.monotonic() < deadline and not should_stop():
            for name in sorted(pending):
                proc = self.services[name]
                if proc.poll() is not None:
                    raise RuntimeError(
                        f"{name} exited with {proc.returncode}; see {self.logs / name}.log"
                    )
                if _ready(probes[name] + "/readyz"):
                    pending.discard(name)
            time.sleep(0.2)
        if pending and not should_stop():
            raise RuntimeError(f"not ready in {timeout_s:.0f}s: {', '.join(sorted(pending))}")

    def stop(self) -> None:
        for proc in self.services.values():
            _signal(proc, signal.SIGTERM)
        for proc in self.services.values():
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                _signal(proc, signal.SIGKILL)
                proc.wait()
        self.services.clear()
        if self.kafka:
            stop_tansu(self.kafka)
            self.kafka = None
        if self.pg:
            stop_postgres(self.pg)
            self.pg = None

    def pids(self) -> dict[str, int]:
        pids = {name: proc.pid for name, proc in self.services.items()}
        if self.pg and self.pg.process:
            pids["postgres"] = self.pg.process.pid
        if self.kafka:
            pids["kafka"] = self.kafka.process.pid
        return pids


def _child(nice: int) -> None:
    """In a service's process before it runs: it ends with the stack, at its priority.

    Each process leads a process group of its own (so a signal reaches its
    children too) but stays in the stack's session. Where the kernel groups a
    session's processes for scheduling (autogroup), the whole stack is then
    one group, inside which every process — the issuer worker's signing
    processes, Postgres's backends — weighs the same and a nice ranks it; a
    session per service made each service one group, so the three processes
    of the issuer worker shared what one mail sink got."""
    die_with_parent()
    if nice:
        os.nice(nice)


def _signal(proc: subprocess.Popen[bytes], sig: int) -> None:
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)


def _ready(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1) as resp:  # noqa: S310 - loopback URL we built
            return bool(resp.status == 200)
    except OSError:
        return False


def meriter_command() -> str:
    """The ``meriter`` script of the environment running the stack (``make up``: the
    workspace's ``.venv/bin/meriter``, not on PATH), as a path from here when it is below."""
    script = Path(sys.executable).with_name("meriter")
    try:
        return str(script.relative_to(Path.cwd()))
    except ValueError:
        return str(script)


def up(cfg: StackConfig) -> int:
    """Run the stack in the foreground until SIGINT/SIGTERM; return the exit code."""
    stack = Stack(cfg)
    stop_requested: list[int] = []

    def _request_stop(signum: int, _frame: object) -> None:
        # Only note it: the main loop stops everything in order. Repeated
        # signals (a terminal and a wrapper both forwarding one) are harmless.
        stop_requested.append(signum)

    signal.signal(signal.SIGTERM, _request_stop)
    signal.signal(signal.SIGINT, _request_stop)
    code = 0
    try:
        stack.start()
        stack.wait_ready(should_stop=lambda: bool(stop_requested))
        if stop_requested:
            return 0
        assert stack.pg is not None
        stack.write_info()
        print("Meriter is up:", flush=True)
        for name in SERVICES:
            print(
                f"  {name:<9} {cfg.url(name)}   (docs: {cfg.url(name)}/docs; "
                f"worker: {cfg.worker_url(name)}/metrics)",
                flush=True,
            )
        print(f"  postgres  {stack.pg.dsn_base}", flush=True)
        broker = "Tansu, in memory" if stack.kafka else "external"
        print(f"  kafka     {stack.bootstrap} ({broker})", flush=True)
        print(f"  admin     {stack.admin_client_file} (OAuth client id and secret)", flush=True)
        print(
            f"  mail      smtp://{cfg.host}:{cfg.smtp_port} → {cfg.state_dir / 'mail'}/new "
            f"(listed at {cfg.url('notifier')}/mail)",
            flush=True,
        )
        print(f"  command   {meriter_command()} results upload|template, vc …", flush=True)
        print(f"  logs      {stack.logs}/   — Ctrl-C stops everything", flush=True)
        while not stop_requested:
            stack.supervise(lambda line: print(line, file=sys.stderr, flush=True))
            time.sleep(0.2)
    except Exception as exc:
        print(f"meriter-local: {exc}", file=sys.stderr)
        code = 1
    finally:
        print("stopping…", flush=True)
        stack.stop()
        (cfg.state_dir / "stack.json").unlink(missing_ok=True)
        print("stopped.", flush=True)
    return code
