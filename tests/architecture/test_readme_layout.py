"""The README's "Where things live" table is checked against the tree: every file or
folder it names (``something.py``, ``something/``) exists under the row's path."""

from __future__ import annotations

import re
from pathlib import Path

from .layout import ROOT, SERVICES

CODE = re.compile(r"`([^`]+)`")


def _rows() -> list[tuple[list[Path], list[str]]]:
    text = (ROOT / "README.md").read_text("utf-8")
    table = text.split("## Where things live", 1)[1].split("\n## ", 1)[0]
    rows = []
    for line in table.splitlines():
        if not line.startswith("| `"):
            continue
        where, what = line.split("|")[1:3]
        roots: list[Path] = []
        for path in CODE.findall(where):
            names = [path.replace("<name>", s) for s in SERVICES] if "<name>" in path else [path]
            roots.extend(ROOT / n for n in names)
        named = [n for n in CODE.findall(what) if re.fullmatch(r"[\w./*-]+(\.py|/)", n)]
        rows.append((roots, named))
    return rows


def test_the_table_names_only_what_exists() -> None:
    rows = _rows()
    assert len(rows) >= 5
    missing = []
    for roots, named in rows:
        for root in roots:
            assert root.exists(), f"README names {root.relative_to(ROOT)}, which is not there"
        for name in named:
            pattern = name.rstrip("/")
            if (ROOT / pattern).exists():
                continue
            if not any(list(r.rglob(pattern)) for r in roots if r.is_dir()):
                where = ", ".join(str(r.relative_to(ROOT)) for r in roots)
                missing.append(f"{name} (under {where})")
    assert missing == [], "README's layout table names what the tree does not have"
