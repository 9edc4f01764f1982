"""The CSV columns of ``meriter results upload``: one list, checked against the intake's model."""

from __future__ import annotations

import csv
import io
import json

import pytest

from meriter_issuer.intake.schemas import LearnerIn, ResultIn
from meriter_issuer.upload.columns import COLUMNS, HeaderError, header_fields, template
from meriter_issuer.upload.reading import Lines, items_of


def fields_of_the_model() -> dict[tuple[str, ...], bool]:
    out: dict[tuple[str, ...], bool] = {}
    for name, info in ResultIn.model_fields.items():
        if name == "learner":
            for sub, sub_info in LearnerIn.model_fields.items():
                out[("learner", sub)] = sub_info.is_required()
        else:
            out[(name,)] = info.is_required()
    return out


def records(text: str, fmt: str = "csv") -> list[dict[str, object]]:
    items = items_of(Lines(io.BytesIO(text.encode())), fmt)
    return [json.loads(i.text) for i in items if i.text is not None]


def test_the_columns_are_exactly_the_intakes_fields_with_its_required_ones() -> None:
    assert {c.field: c.required for c in COLUMNS} == fields_of_the_model()


def test_a_dotted_learner_column_is_an_alias_of_the_nested_field() -> None:
    underscored = (
        "result_id,offering_id,learner_identifier,learner_name,learner_email,assessed_on\n"
    )
    dotted = "result_id,offering_id,learner.identifier,learner.name,learner.email,assessed_on\n"
    row = "R-1,off-1,19900101,Åsa,asa@example.se,2026-06-01\n"
    expected = {
        "result_id": "R-1",
        "offering_id": "off-1",
        "learner": {"identifier": "19900101", "name": "Åsa", "email": "asa@example.se"},
        "assessed_on": "2026-06-01",
    }
    assert records(dotted + row) == records(underscored + row) == [expected]


def test_an_unknown_column_is_one_message_naming_the_known_columns() -> None:
    with pytest.raises(HeaderError) as caught:
        header_fields(
            [
                "result_id",
                "offering_id",
                "learner_identifier",
                "learner_name",
                "learner_email",
                "assessed_on",
                "learner.surname",
            ]
        )
    message = str(caught.value)
    assert message.startswith("unknown column 'learner.surname'")
    assert all(c.name in message for c in COLUMNS)


def test_two_columns_for_one_field_are_refused() -> None:
    with pytest.raises(HeaderError, match=r"'learner_name' and 'learner\.name' both give"):
        header_fields(
            [
                "result_id",
                "offering_id",
                "learner_identifier",
                "learner_name",
                "learner.name",
                "learner_email",
                "assessed_on",
            ]
        )


def test_a_missing_required_column_is_named_before_any_row_is_read() -> None:
    with pytest.raises(HeaderError, match=r"missing required column.* learner_email"):
        header_fields(
            ["result_id", "offering_id", "learner_identifier", "learner_name", "assessed_on"]
        )


def test_empty_cells_are_left_out_so_the_intakes_defaults_apply() -> None:
    text = (
        "result_id,offering_id,learner_identifier,learner_name,learner_email,learner_language,"
        "assessed_on,grade\n"
    )
    (record,) = records(text + "R-2,off-1,1990,Bo,bo@example.se,,2026-06-01,\n")
    assert "grade" not in record
    assert "language" not in record["learner"]  # type: ignore[operator]
    assert ResultIn.model_validate(record).learner.language == "en"


def test_a_byte_order_mark_is_not_part_of_the_first_column_name() -> None:
    text = "\ufeff" + template("csv")
    assert records(text)[0]["result_id"] == "LADOK-2026-000123"


@pytest.mark.parametrize("fmt", ["csv", "ndjson"])
def test_the_templates_example_is_a_valid_result_read_back_as_it_was_written(fmt: str) -> None:
    text = template(fmt, offering_id="my-offering")
    (record,) = records(text, fmt)
    result = ResultIn.model_validate(record)
    assert result.offering_id == "my-offering"
    assert result.model_dump(mode="json", exclude_none=True) == record


def test_the_csv_template_has_every_column_in_its_header() -> None:
    header = next(csv.reader(io.StringIO(template("csv"))))
    assert header == [c.name for c in COLUMNS]


def test_a_row_with_more_cells_than_the_header_is_not_sent_and_says_why() -> None:
    text = "result_id,offering_id,learner_identifier,learner_name,learner_email,assessed_on\n"
    items = list(
        items_of(Lines(io.BytesIO((text + "R-3,o,1,Bo,b@x.se,2026-06-01,extra\n").encode())), "csv")
    )
    assert [(i.line, i.text, i.result_id, i.error) for i in items] == [
        (2, None, "R-3", "7 cells where the header has 6 columns")
    ]


def test_a_record_spanning_lines_is_numbered_from_its_first_line() -> None:
    text = "result_id,offering_id,learner_identifier,learner_name,learner_email,assessed_on\n"
    rows = 'R-1,o,1,"Bo\nBosson",b@x.se,2026-06-01\nR-2,o,2,Al,a@x.se,2026-06-01\n'
    items = list(items_of(Lines(io.BytesIO((text + rows).encode())), "csv"))
    assert [(i.line, i.result_id) for i in items] == [(2, "R-1"), (4, "R-2")]
