"""``meriter results upload`` against a fake issuer that judges records by the intake's rules:
exit status, rejected rows and their reasons, resuming, the progress bar."""

from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from issuer.cli.fake_issuer import CLIENT, OFFERING, FakeIssuer

from meriter_issuer.upload import sending
from meriter_issuer.upload.progress import Mode

HEADER = "result_id,offering_id,learner_identifier,learner_name,learner_email,assessed_on,grade\n"


def row(i: int, *, assessed_on: str = "2026-06-01", offering: str = OFFERING) -> str:
    return f"UP-{i},{offering},19900101{i:04d},Learner {i},l{i}@example.se,{assessed_on},A\n"


def csv_file(tmp_path: Path, rows: list[str], name: str = "results.csv") -> Path:
    path = tmp_path / name
    path.write_text(HEADER + "".join(rows), encoding="utf-8")
    return path


def run(
    fake: FakeIssuer,
    source: Path | str,
    *,
    chunk: int = 10,
    rejects: Path | None = None,
    progress: Mode = "never",
    fmt: str | None = None,
) -> tuple[int, dict[str, object]]:
    out = io.StringIO()
    opts = sending.Options(
        source=str(source),
        fmt=fmt,
        credentials=CLIENT,
        registry="http://fake",
        issuer="http://fake",
        chunk=chunk,
        rejects=rejects,
        progress=progress,
    )
    with fake.client() as http:
        code = sending.upload(opts, http, out=out)
    lines = out.getvalue().strip().splitlines()
    return code, (json.loads(lines[-1]) if lines else {})


def test_a_file_whose_rows_are_all_accepted_exits_0(tmp_path: Path) -> None:
    code, summary = run(FakeIssuer(), csv_file(tmp_path, [row(i) for i in range(5)]))
    assert (code, summary["accepted"], summary["rejected"]) == (0, 5, 0)


def test_a_file_uploaded_again_is_all_duplicates_and_exits_0(tmp_path: Path) -> None:
    fake, path = FakeIssuer(), csv_file(tmp_path, [row(i) for i in range(5)])
    run(fake, path)
    code, summary = run(fake, path)
    assert (code, summary["accepted"], summary["duplicate"]) == (0, 0, 5)


def test_a_file_with_one_bad_row_exits_1_and_writes_the_rejected_row_with_its_reason(
    tmp_path: Path,
) -> None:
    rows = [row(i) for i in range(4)]
    rows[2] = row(2, assessed_on="2026-02-30")  # no such date
    rejects = tmp_path / "rejects.csv"
    code, summary = run(FakeIssuer(), csv_file(tmp_path, rows), rejects=rejects)
    assert (code, summary["accepted"], summary["rejected"]) == (1, 3, 1)
    with rejects.open(newline="") as handle:
        written = list(csv.DictReader(handle))
    assert len(written) == 1
    assert written[0]["row"] == "4"  # the header is row 1
    assert written[0]["result_id"] == "UP-2"
    assert written[0]["outcome"] == "rejected"
    assert written[0]["reason"].startswith("assessed_on: ")


def test_a_file_with_no_row_accepted_exits_2(tmp_path: Path) -> None:
    rows = [row(i, offering="not-ours") for i in range(3)]
    code, summary = run(FakeIssuer(), csv_file(tmp_path, rows))
    assert (code, summary["accepted"], summary["rejected"]) == (2, 0, 3)


def test_rejected_rows_go_to_stderr_without_a_rejects_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = [row(0), row(1, offering="not-ours")]
    code, _ = run(FakeIssuer(), csv_file(tmp_path, rows))
    assert code == 1
    err = capsys.readouterr().err
    assert "row 3 (UP-1): rejected: offering_id: no such offering in the registry" in err


def test_a_missing_nested_field_is_named_as_its_column_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "dotted.csv"
    path.write_text(
        "result_id,offering_id,learner.identifier,learner.name,learner.email,assessed_on\n"
        f"D-1,{OFFERING},,Bo,bo@example.se,2026-06-01\n"
    )
    code, _ = run(FakeIssuer(), path)
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("learner_identifier: Field required") == 1
    assert "Extra inputs" not in err


def test_a_conflicting_result_is_reported_as_rejected(tmp_path: Path) -> None:
    fake = FakeIssuer()
    run(fake, csv_file(tmp_path, [row(1)], "first.csv"))
    changed = row(1).replace(",A\n", ",B\n")
    rejects = tmp_path / "rejects.ndjson"
    code, summary = run(fake, csv_file(tmp_path, [changed, row(2)], "second.csv"), rejects=rejects)
    (entry,) = [json.loads(line) for line in rejects.read_text().splitlines()]
    assert (code, summary["conflict"]) == (1, 1)
    assert entry == {
        "row": 2,
        "result_id": "UP-1",
        "outcome": "conflict",
        "reason": "this result_id was posted before with other content",
    }


def test_an_unknown_column_stops_before_anything_is_sent(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "odd.csv"
    path.write_text(HEADER.replace("grade", "mark") + row(1))
    fake = FakeIssuer()
    code, summary = run(fake, path)
    assert (code, summary, fake.requests) == (2, {}, 0)
    assert "unknown column 'mark'; known columns: result_id, offering_id" in capsys.readouterr().err


def test_a_stopped_upload_exits_3_and_resumes_after_the_acknowledged_chunks(
    tmp_path: Path,
) -> None:
    rows = [row(i) for i in range(10)]
    rows[1] = row(1, offering="not-ours")
    path = csv_file(tmp_path, rows)
    rejects = tmp_path / "rejects.csv"
    fake = FakeIssuer(fail_on=2)
    code, _ = run(fake, path, chunk=4, rejects=rejects)
    state = path.with_name("results.csv.upload-state.json")
    assert (code, json.loads(state.read_text())) == (3, {"acknowledged": 4})
    code, summary = run(fake, path, chunk=4, rejects=rejects)
    assert (code, summary["accepted"]) == (0, 6)
    assert [r["result_id"] for b in fake.posted[1:] for r in b] == [f"UP-{i}" for i in range(4, 10)]
    assert not state.exists()
    assert [r["row"] for r in csv.DictReader(rejects.open())] == ["3"]  # kept, header once


def test_the_progress_bar_shows_total_percentage_and_eta_of_a_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = csv_file(tmp_path, [row(i) for i in range(30)])
    run(FakeIssuer(), path, progress="always")
    err = capsys.readouterr().err
    size = path.stat().st_size
    assert "100%" in err
    assert f"{size / 1024:.2f}k/{size / 1024:.2f}k" in err  # bytes read of the total
    assert "<00:00" in err  # elapsed<remaining
    assert "30 results, 0 rejected" in err


def test_reading_stdin_the_progress_shows_counters_without_a_total(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    text = "".join(
        json.dumps(
            {
                "result_id": f"S-{i}",
                "offering_id": OFFERING,
                "assessed_on": "2026-06-01",
                "learner": {"identifier": f"{i}", "name": "Bo", "email": "b@example.se"},
            }
        )
        + "\n"
        for i in range(7)
    )
    monkeypatch.setattr(sys, "stdin", SimpleNamespace(buffer=io.BytesIO(text.encode())))
    code, summary = run(FakeIssuer(), "-", fmt="ndjson", progress="always", chunk=3)
    err = capsys.readouterr().err
    assert (code, summary["accepted"]) == (0, 7)
    assert "7 results" in err
    assert "%" not in err


def test_the_progress_bar_is_quiet_when_stderr_is_not_a_terminal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(FakeIssuer(), csv_file(tmp_path, [row(1)]), progress="auto")
    assert capsys.readouterr().err == ""
