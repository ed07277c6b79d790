"""The canonical inputs text of a batch, built column by column, is the JSON of each application's inputs."""

from __future__ import annotations

from pathlib import Path

from ledger.records import inputs_text, inputs_texts
from rules.columnar import applications_from_frame
from subsidy.sample import make_sample
from validations.batch import validate_table
from validations.readers import read_table


def test_the_column_wise_texts_are_the_json_of_each_applications_inputs(tmp_path: Path) -> None:
    sample = make_sample(tmp_path)
    for path in sample.applications:
        frame = validate_table(read_table(path, "applications")).frame
        expected = [inputs_text(app.as_inputs()) for app in applications_from_frame(frame)]
        assert inputs_texts(frame) == expected
        assert inputs_texts(frame, chunk=3) == expected  # the same across chunk boundaries
