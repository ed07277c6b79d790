"""Great Expectations suites: dataset-level rules on each batch (non-empty, unique ids, completeness of the
required columns, value sets). Built in code, run on the DataFrame through a validation definition; each
expectation carries a name (``meta.rule``) and its severity, and the results are kept for the operator."""

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
from validations.values import FIELDS


@dataclass
class SuiteOutcome:
    suite: str
    success: bool
    results: list[dict[str, Any]]

    def failures(self, severity: str | None = None) -> list[dict[str, Any]]:
        return [r for r in self.results if not r["success"] and (severity is None or r["severity"] == severity)]


def _expectations(kind: str) -> list[tuple[str, str, Any]]:
    import great_expectations as gx

    E = gx.expectations
    rules: list[tuple[str, str, Any]] = [
        ("batch is not empty", "critical", E.ExpectTableRowCountToBeBetween(min_value=1)),
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
    uniqueness, completeness and the value sets are checked as on the raw text."""
    out = {}
    for name in columns:
        values = frame[name].tolist() if name in frame.columns else [None] * len(frame)
        out[name] = [v if v is None else html(v) for v in values]
    return pd.DataFrame(out, dtype=object)


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
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    if docs_dir is not None:
        context.add_data_docs_site(
            "subsidy",
            {
                "class_name": "SiteBuilder",
                "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
                "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(docs_dir)},
            },
        )
    return context


def run_suites(kind: str, batches: dict[str, pd.DataFrame], docs_dir: Path | None = None) -> dict[str, SuiteOutcome]:
    """Run the suite of ``kind`` on each parsed batch (by file name); with ``docs_dir``, render the results as
    Data Docs HTML there (``index.html``)."""
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
        run = checkpoint.run(batch_parameters={"dataframe": checked})
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
