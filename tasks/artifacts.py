"""Table artifacts as the operators see them in the Prefect UI. The UI renders each cell of a table artifact as
Markdown (HTML, images and links included), so every text cell is escaped (``core.shown.markdown_cell``): a file name, a
row's message or a bank's reason reads as the text it is and cannot steer the page."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from prefect.artifacts import create_table_artifact

from core.shown import markdown_cell


def table_artifact(rows: Sequence[Mapping[str, Any]], key: str, description: str) -> None:
    """A table artifact whose text cells are escaped (numbers and empty cells as they are)."""
    shown = [{name: markdown_cell(v) if isinstance(v, str) else v for name, v in row.items()} for row in rows]
    create_table_artifact(shown, key=key, description=description)
