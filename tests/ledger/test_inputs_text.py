"""The canonical inputs text of a batch, built column by column, is the JSON of each application's inputs."""

from __future__ import annotations

from pathlib import Path

from ledger.applications import inputs_text, inputs_texts
from rules.model import Application, application_from_row
from subsidy.sample import make_sample
from validations.batch import validate_table
from validations.readers import read_table


def applications_from_frame(frame) -> list[Application]:  # type: ignore[no-untyped-def]
    return [application_from_row({k: v for k, v in row.items() if v == v}) for row in frame.to_dict("records")]


def test_the_column_wise_texts_are_the_json_of_each_applications_inputs(tmp_path: Path) -> None:
    sample = make_sample(tmp_path)
    for path in sample.applications:
        frame = validate_table(read_table(path, "applications")).frame
        expected = [inputs_text(app.as_inputs()) for app in applications_from_frame(frame)]
        assert inputs_texts(frame) == expected
        assert inputs_texts(frame, chunk=3) == expected  # the same across chunk boundaries


def test_names_json_must_escape_are_escaped_as_the_json_of_the_inputs(tmp_path: Path) -> None:
    import csv

    sample = make_sample(tmp_path)
    source = next(p for p in sample.applications if str(p).endswith(".csv"))
    with open(source, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    name_column = next(c for c in rows[0] if c in {"name", "企业名称"})
    tricky = ['He said "hi"', "back\\slash", "闵行\u2028企业", "plain 名称", "tab\there"]
    for i, row in enumerate(rows):
        row[name_column] = tricky[i % len(tricky)]
    path = tmp_path / "tricky.csv"
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    frame = validate_table(read_table(path, "applications")).frame
    assert len(frame) > len(tricky)
    assert any('\\"' in text for text in inputs_texts(frame))
    expected = [inputs_text(app.as_inputs()) for app in applications_from_frame(frame)]
    assert inputs_texts(frame) == expected
    plain = frame[frame["name"] == "plain 名称"]  # a batch of plain names takes the template's quotes
    assert inputs_texts(plain) == [inputs_text(app.as_inputs()) for app in applications_from_frame(plain)]
