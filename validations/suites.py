"""Great Expectations suites: dataset-level rules on each batch (non-empty, unique ids, completeness of the
required columns, value sets). Built in code, run on the DataFrame through a validation definition; each
expectation carries a name (``meta.rule``) and its severity, and the results are kept for the operator."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from typing import Any

import pandas as pd

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


def run_suite(kind: str, frame: pd.DataFrame) -> SuiteOutcome:
    """Run the suite of ``kind`` on a parsed batch (valid rows and parsed values)."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import great_expectations as gx

    logging.getLogger("great_expectations").setLevel(logging.ERROR)
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = {"globally": False, "metric_calculations": False}
    asset = context.data_sources.add_pandas(f"{kind}_source").add_dataframe_asset(f"{kind}_batch")
    batch = asset.add_batch_definition_whole_dataframe(f"{kind}_whole")
    suite = gx.ExpectationSuite(name=f"subsidy_{kind}")
    rules = _expectations(kind)
    for name, severity, expectation in rules:
        expectation.meta = {"rule": name, "severity": severity}
        suite.add_expectation(expectation)
    suite = context.suites.add(suite)
    definition = context.validation_definitions.add(
        gx.ValidationDefinition(name=f"validate_{kind}", data=batch, suite=suite)
    )
    checked = frame.astype(object).where(frame.notna(), None).map(lambda v: v if v is None else str(v))
    result = definition.run(batch_parameters={"dataframe": checked})
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
    return SuiteOutcome(suite=f"subsidy_{kind}", success=bool(result.success), results=results)
