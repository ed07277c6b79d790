"""One input file's bytes read and validated a chunk of rows at a time: the cell texts of one chunk are alive at
once, not those of the whole file (a 300 MB CSV holds 63 million of them), and what is kept of each chunk is its
valid rows' compact columns and its quarantined rows. The table is the one ``validate_table(parse_table(...))``
gives (tests/validations/test_file_chunks.py compares them)."""

from __future__ import annotations

from collections.abc import Iterator

import pandas as pd
import pyarrow as pa

from rules.table import joined_column
from validations.batch import ValidatedTable, validate_table
from validations.readers import RawTable, WholeFileNeeded, csv_module_table, table_chunks

CHUNK_ROWS = 50_000
"""Records read and validated at a time (the 300 MB file's reading peaks 50 MB lower than with 100,000)."""


def validated_file(data: bytes, file: str, kind: str, rows: int = CHUNK_ROWS) -> ValidatedTable:
    """The validated table of ``kind`` in the bytes of one file (``file`` names it in messages)."""
    return joined_table(file, kind, validated_chunks(data, file, kind, rows))


def validated_chunks(data: bytes, file: str, kind: str, rows: int = CHUNK_ROWS) -> list[ValidatedTable]:
    """The validated tables of the chunks of one file, for ``joined_table``: a caller that lets go of the bytes
    in between does not hold them while the chunks are joined (300 MB for a 300 MB file)."""
    try:
        return list(_validated(table_chunks(data, file, kind, rows)))
    except WholeFileNeeded:  # pandas cannot read the file as the csv module does: read whole
        return [validate_table(csv_module_table(data, file, kind))]


def _validated(chunks: Iterator[RawTable]) -> Iterator[ValidatedTable]:
    earlier: list[pa.Array] = []  # the application ids of the chunks before
    for raw in chunks:
        table = validate_table(raw, pa.concat_arrays(earlier) if earlier else None)
        del raw
        if "application_id" in table.frame.columns:
            earlier.append(pa.array(table.frame["application_id"].array))
        yield table


def joined_table(file: str, kind: str, parts: list[ValidatedTable]) -> ValidatedTable:
    """One table of the chunks' tables, each column joined and then let go of chunk by chunk."""
    if len(parts) == 1:
        return parts[0]
    columns = {}
    for name in list(parts[0].frame.columns):
        columns[name] = joined_column([part.frame[name].array for part in parts])
        for part in parts:
            del part.frame[name]
    table = ValidatedTable(file, kind, pd.DataFrame(columns, copy=False), [])
    for part in parts:
        table.repeated_raw.update({len(table.row_numbers) + pos: raw for pos, raw in part.repeated_raw.items()})
        table.row_numbers.extend(part.row_numbers)
        table.quarantined.extend(part.quarantined)
    return table
