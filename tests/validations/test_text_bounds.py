"""The text bounds of CONTRACT.md ('texts') on every text column of every input kind, by the one mechanism that
bounds ``report_id``: ``application_id``, ``project_id`` and ``report_id`` at most 64 characters and no control
characters, ``name`` at most 200, any other text at most 1,000. A longer value quarantines its row with the
column and the bound (tests/validations/test_bad_input_corpus.py has a case for each kind)."""

from __future__ import annotations

import pandas as pd
import pytest

from validations.columns import KINDS
from validations.schemas import MAX_ID_LENGTH, MAX_NAME_LENGTH, MAX_TEXT_LENGTH, SCHEMAS, id_characters, max_chars

IDS = {"application_id", "project_id", "report_id"}


def _limit(name: str) -> int:
    return MAX_ID_LENGTH if name in IDS else MAX_NAME_LENGTH if name == "name" else MAX_TEXT_LENGTH


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_text_column_has_its_bound_and_every_id_its_character_rule(kind: str) -> None:
    schema = SCHEMAS[kind].to_schema()
    texts = [c.name for c in KINDS[kind] if c.type == "text"]
    for name in texts:
        checks = {str(c.name): c.statistics for c in schema.columns[name].checks}
        assert checks.get("max_chars") == {"limit": _limit(name)}, name
        assert ("id_characters" in checks) is (name in IDS), name
    assert (MAX_ID_LENGTH, MAX_NAME_LENGTH, MAX_TEXT_LENGTH) == (64, 200, 1000)


def test_the_checks_read_a_column_at_once_and_agree_with_each_value() -> None:
    values = pd.Series(["a" * 64, "a" * 65, "名" * 64, "ok", "tab\there", "rtl\u202e", "zw\u200b", "ideo\u3000sp"])
    assert max_chars(values, limit=64).tolist() == [True, False, True, True, True, True, True, True]
    assert id_characters(values).tolist() == [True, True, True, True, False, False, False, True]
    clean = pd.Series(["A-1", "申请-2"], index=[5, 9])
    assert id_characters(clean).tolist() == [True, True] and list(id_characters(clean).index) == [5, 9]
