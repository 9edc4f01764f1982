"""``make bench``: run every benchmark, print its figures, keep them.

Each benchmark is a command printing one JSON object. Results are written to
``bench/results/<name>.json`` with the date and machine, so figures can be
compared across changes. A benchmark whose code is not there yet is named
as missing, not faked.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"

BENCHMARKS: dict[str, list[str]] = {
    "kernel": [sys.executable, "-m", "bench.kernel_bench", "10000"],
    "credentials-rdfc": ["meriter", "vc", "bench", "--suite", "eddsa-rdfc-2022", "--n", "2000"],
    "credentials-jcs": ["meriter", "vc", "bench", "--suite", "eddsa-jcs-2022", "--n", "2000"],
    "registry": [sys.executable, "-m", "bench.registry_bench"],
    "issuer": [sys.executable, "-m", "bench.issuer_bench"],
    "registry-csv": [sys.executable, "-m", "bench.registry_csv_bench"],
    "notifier": [sys.executable, "-m", "bench.notifier_bench"],
    "verifier": [sys.executable, "-m", "bench.verifier_bench"],
}


def main() -> int:
    RESULTS.mkdir(parents=True, exist_ok=True)
    only = set(sys.argv[1:])
    failed = 0
    for name, cmd in BENCHMARKS.items():
        if only and name not in only:
            continue
        print(f"== {name}: {' '.join(cmd[1:] if cmd[0] == sys.executable else cmd)}", flush=True)
        load_before = [round(x, 2) for x in os.getloadavg()]
        proc = subprocess.run(
            cmd, cwd=ROOT, capture_output=True, text=True, check=False, env=os.environ
        )
        if proc.returncode != 0:
            failed += 1
            print(f"   failed ({proc.returncode}): {proc.stderr.strip()[-800:]}", flush=True)
            continue
        figures = json.loads(proc.stdout[proc.stdout.index("{") :])
        record = {
            "name": name,
            "date": datetime.now(UTC).isoformat(timespec="seconds"),
            "machine": {
                "cpus": os.cpu_count(),
                "python": platform.python_version(),
                "platform": platform.platform(),
                # 1/5/15-minute load averages before and after: other work
                # on the 2 cores shows here.
                "load_before": load_before,
                "load_after": [round(x, 2) for x in os.getloadavg()],
            },
            "figures": figures,
        }
        (RESULTS / f"{name}.json").write_text(json.dumps(record, indent=2) + "\n")
        print(json.dumps(figures, indent=2), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
