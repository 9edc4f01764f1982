"""The README's "Uploading a results file" is true: it documents every column as the
reader takes it, and the command it shows exists and runs."""

from __future__ import annotations

import re
import shlex
import subprocess
from pathlib import Path

from meriter_issuer.upload.columns import COLUMNS

ROOT = Path(__file__).resolve().parents[3]
README = (ROOT / "README.md").read_text("utf-8")
SECTION = README.split("### Uploading a results file", 1)[1].split("\n## ", 1)[0]


def code_lines(text: str) -> list[str]:
    blocks = re.findall(r"```sh\n(.*?)```", text, re.S)
    return [line for block in blocks for line in block.splitlines() if line.strip()]


def table_rows() -> dict[str, list[str]]:
    rows = {}
    for line in SECTION.splitlines():
        match = re.match(r"\| `([\w.]+)` \|", line)
        if match:
            rows[match.group(1)] = [cell.strip() for cell in line.strip("|").split("|")]
    return rows


def test_the_readme_documents_every_column_with_required_format_and_example() -> None:
    rows = table_rows()
    assert list(rows) == [c.name for c in COLUMNS]
    for column in COLUMNS:
        _, required, fmt, example = rows[column.name]
        assert required == ("required" if column.required else "optional"), column.name
        assert fmt, column.name
        assert example == f"`{column.example}`", column.name


def test_the_readme_names_the_dotted_aliases() -> None:
    assert "`learner.identifier` for\n`learner_identifier`" in SECTION


def test_the_readmes_upload_command_exists_and_runs() -> None:
    commands = [shlex.split(line, comments=True) for line in code_lines(SECTION)]
    programs = {argv[0] for argv in commands if argv}
    assert programs == {".venv/bin/meriter"}
    program = ROOT / ".venv/bin/meriter"
    for argv in commands:
        subcommand = argv[1:3]
        help_run = subprocess.run(
            [str(program), *subcommand, "--help"], capture_output=True, text=True, check=False
        )
        assert help_run.returncode == 0, help_run.stderr
        documented = [a.split("=")[0] for a in argv[3:] if a.startswith("--")]
        assert all(option in help_run.stdout for option in documented), (documented, argv)


def test_no_readme_command_assumes_meriter_is_on_path() -> None:
    bare = [line for line in code_lines(README) if line.split()[0] == "meriter"]
    assert bare == []
