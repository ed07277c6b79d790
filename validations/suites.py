"""Great Expectations suites: dataset-level rules on each batch (non-empty, every row read valid, unique ids,
completeness of the required columns, value sets). Built in code, run on the DataFrame through a validation
definition; each expectation carries a name (``meta.rule``) and its severity, and the results are kept for the
operator. The Data Docs they render are built to be read offline (``validations.data_docs``)."""

from __future__ import annotations

import logging
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from core.shown import html
from rules.clauses import CLAUSES
from validations.columns import KINDS
from validations.data_docs import site_config
from validations.values import FIELDS


@dataclass
class SuiteOutcome:
    suite: str
    success: bool
    results: list[dict[str, Any]]

    def failures(self, severity: str | None = None) -> list[dict[str, Any]]:
        return [r for r in self.results if not r["success"] and (severity is None or r["severity"] == severity)]


ROWS_READ_RULE = "every row read is valid (none quarantined)"
"""The rule over the file's row count: the suites run on a file's valid rows, and a file with quarantined rows
has fewer of them than it has rows; its results say so (Failed, under 100 %) instead of "Succeeded 100 %"."""


def _expectations(kind: str) -> list[tuple[str, str, Any]]:
    import great_expectations as gx

    E = gx.expectations
    rules: list[tuple[str, str, Any]] = [
        ("batch is not empty", "critical", E.ExpectTableRowCountToBeBetween(min_value=1)),
        # the file's count of rows (valid and quarantined) is given with each run: one suite serves every file
        (
            ROWS_READ_RULE,
            "warning",
            E.ExpectTableRowCountToEqual(
                value={"$PARAMETER": "rows_read"},
                notes="rows_read: the rows read from the file, valid and quarantined; the rules check the valid ones.",
            ),
        ),
    ]
    for column in KINDS[kind]:
        if column.required:
            rules.append(
                (f"{column.name} is filled in", "warning", E.ExpectColumnValuesToNotBeNull(column=column.name))
            )
    if kind == "applications":
        rules += [
            (
                "application ids are unique in the batch",
                "warning",
                E.ExpectColumnValuesToBeUnique(column="application_id"),
            ),
            (
                "clause is a clause of the policy",
                "warning",
                E.ExpectColumnValuesToBeInSet(column="clause", value_set=list(CLAUSES)),
            ),
            (
                "field is a known field",
                "warning",
                E.ExpectColumnValuesToBeInSet(column="field", value_set=list(FIELDS)),
            ),
        ]
    return rules


def _checked_columns(kind: str) -> list[str]:
    """The columns the suite of ``kind`` looks at (the rest of a batch need not be converted)."""
    return [c.name for c in KINDS[kind] if c.required or c.name in {"application_id", "clause", "field"}]


def _as_text(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """The checked columns as HTML-escaped text; None stays None. GX writes the unexpected values it found into
    the Data Docs page as they are, so ``<img onerror=...>`` in a cell would be markup there; escaped, it reads as
    the text it is. Escaping is one-to-one and leaves the policy's clause and field names as they are, so
    uniqueness, completeness and the value sets are checked as on the raw text. Columns stay as compact as read:
    a Categorical's values are escaped once each, and of a column of texts only the cells holding a character
    that HTML escapes are made Python texts (a column of 2,000,000 ids is not)."""
    out: dict[str, Any] = {}
    for name in columns:
        column = frame[name].array if name in frame.columns else pd.array([None] * len(frame), dtype=object)
        if isinstance(column, pd.Categorical):
            out[name] = column.rename_categories([html(c) for c in column.categories])
        elif isinstance(column, pd.arrays.ArrowExtensionArray):
            texts = pd.Series(column, copy=False)
            special = texts.str.contains(_ESCAPED_BY_HTML, regex=True).fillna(False).to_numpy(dtype=bool)
            if special.any():
                texts = texts.copy()
                texts[special] = [html(v) for v in texts[special].tolist()]
            out[name] = texts.array
        else:
            out[name] = pd.array([v if v is None else html(v) for v in column.tolist()], dtype=object)
    return pd.DataFrame(out, copy=False)


_ESCAPED_BY_HTML = "[" + re.escape("".join(c for c in map(chr, range(128)) if html(c) != c)) + "]"
"""The characters ``core.shown.html`` replaces, asked of it (it changes ASCII characters only: ``& < > " '``)."""


_UNSAFE_IN_NAME = re.compile(r"[^\w.-]")


def _asset_name(n: int, file: str) -> str:
    """The GX asset of the ``n``-th file, named after the file in letters, digits, ``_``, ``.`` and ``-`` only: the
    name becomes a Data Docs file name, a link and text inside the index page's script, none of which GX escapes."""
    return f"{n:03d}_{_UNSAFE_IN_NAME.sub('_', Path(file).name)[:100]}"


def _context(docs_dir: Path | None) -> Any:
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    logging.getLogger("great_expectations").setLevel(logging.ERROR)
    _no_batch_fingerprint()
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    if docs_dir is not None:
        context.add_data_docs_site("subsidy", site_config(docs_dir))
    return context


def _no_batch_fingerprint() -> None:
    """GX marks a pandas batch under 1e9 bytes with a fingerprint, the hash of every value (a batch marker this
    project never reads); hashing a column of Arrow texts makes a Python text of each distinct value: 245 MB and
    5 s of the checks of 2,000,000 applications. Every batch is then taken as GX takes a larger one, unhashed."""
    from great_expectations.execution_engine import pandas_execution_engine

    if hasattr(pandas_execution_engine, "HASH_THRESHOLD"):  # GX 1.x; another version hashes what it hashes
        pandas_execution_engine.HASH_THRESHOLD = 0


def run_suites(
    kind: str,
    batches: dict[str, pd.DataFrame],
    docs_dir: Path | None = None,
    rows_read: dict[str, int] | None = None,
) -> dict[str, SuiteOutcome]:
    """Run the suite of ``kind`` on each parsed batch (by file name); with ``docs_dir``, render the results as
    Data Docs HTML there (``index.html``). ``rows_read``: the rows read of each file, valid and quarantined (the
    batch holds the valid ones); a file not there is taken to have no quarantined row."""
    import great_expectations as gx

    context = _context(docs_dir)
    suite = gx.ExpectationSuite(name=f"subsidy_{kind}")
    for name, severity, expectation in _expectations(kind):
        expectation.meta = {"rule": name, "severity": severity}
        suite.add_expectation(expectation)
    suite = context.suites.add(suite)
    source = context.data_sources.add_pandas(f"{kind}_files")
    outcomes: dict[str, SuiteOutcome] = {}
    for n, (file, frame) in enumerate(batches.items(), 1):
        asset = source.add_dataframe_asset(_asset_name(n, file))
        definition = context.validation_definitions.add(
            gx.ValidationDefinition(
                name=f"validate_{kind}_{n:03d}", data=asset.add_batch_definition_whole_dataframe("whole"), suite=suite
            )
        )
        actions: list[Any] = [gx.checkpoint.UpdateDataDocsAction(name="data_docs")] if docs_dir is not None else []
        checkpoint = context.checkpoints.add(
            gx.Checkpoint(
                name=f"intake_{kind}_{n:03d}",
                validation_definitions=[definition],
                actions=actions,
                result_format="SUMMARY",
            )
        )
        checked = _as_text(frame, _checked_columns(kind))
        read = len(frame) if rows_read is None else rows_read.get(file, len(frame))
        run = checkpoint.run(batch_parameters={"dataframe": checked}, expectation_parameters={"rows_read": read})
        [result] = run.run_results.values()
        results = []
        for r in result.results:
            meta = r.expectation_config.meta or {}
            stats = r.result or {}
            results.append(
                {
                    "rule": meta.get("rule", r.expectation_config.type),
                    "severity": meta.get("severity", "warning"),
                    "expectation": r.expectation_config.type,
                    "success": bool(r.success),
                    "unexpected_count": stats.get("unexpected_count"),
                    "observed_value": stats.get("observed_value"),
                }
            )
        outcomes[file] = SuiteOutcome(suite=f"subsidy_{kind}", success=bool(result.success), results=results)
    return outcomes
