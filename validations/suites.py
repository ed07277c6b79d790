"""Great Expectations suites: dataset-level rules on each batch (non-empty, every row read valid, unique ids,
completeness of the required columns, value sets). Built in code, run on the DataFrame through a validation
definition; each expectation carries a name (``meta.rule``) and its severity, and the results are kept for the
operator.

The Data Docs are written to be read offline (an operator's machine in the district may have no internet): GX's
page templates load Bootstrap, jQuery, bootstrap-table, Font Awesome and its logo from CDNs, and the index lists
the runs with a bootstrap-table script, so offline the index shows two buttons and no results. GX ships none of
those files (its package holds only its own stylesheet, fonts and images, which the site copies next to the
pages). The site is therefore built with views of this module (the ``view`` of each site section and of the
index, a documented ``site_builder`` setting): GX's views whose Jinja templates for the page frame, the navigation
bar, the index tables, the collapsible blocks and the result filter are replaced by the few below, which render
the same content as plain HTML with a small inline stylesheet and no remote asset. Every other template (the
results, the values GX lists, and their escaping) is GX's own."""

from __future__ import annotations

import functools
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


_ESCAPED_BY_HTML = r"[&<>\"']"
"""The characters ``core.shown.html`` replaces (``html.escape`` with quotes)."""


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
        context.add_data_docs_site("subsidy", _site_config(docs_dir))
    return context


def _site_config(docs_dir: Path) -> Any:  # GX types this dict with fewer of its keys than it reads
    """The Data Docs site: GX's site builder with the offline views of this module (and, for validation results,
    the renderer that adds the file's row counts), no how-to buttons or call-to-action footer."""

    def view(name: str) -> dict[str, str]:
        return {"module_name": __name__, "class_name": name}

    return {
        "class_name": "SiteBuilder",
        "show_how_to_buttons": False,
        "site_index_builder": {"class_name": "DefaultSiteIndexBuilder", "view": view("OfflineIndexPageView")},
        "site_section_builders": {
            "expectations": {"view": view("OfflinePageView")},
            "validations": {"view": view("OfflinePageView"), "renderer": view("RowCountsPageRenderer")},
            "profiling": {"view": view("OfflinePageView")},
        },
        "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(docs_dir)},
    }


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


# The Data Docs templates that differ from GX's (see the module's docstring). GX's templates are not autoescaped
# (their names end in .j2): text of the input is escaped by GX where it renders values, and here with ``| e``.
# The stylesheet stands for Bootstrap's few rules the pages use and for GX's own (whose dark-mode rules fetch its
# logo from the web); Font Awesome's status icons are characters.
_OFFLINE_CSS = r"""
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "Noto Sans CJK SC",
  "Microsoft YaHei", sans-serif; color: #212529; background: #fff; }
a { color: #0056b3; }
h4, h5, h6 { margin: .5rem 0; }
.navbar { display: flex; align-items: center; gap: 1.5rem; padding: .6rem 1.5rem; border-bottom: 1px solid #dee2e6;
  background: #fff; position: sticky; top: 0; z-index: 2; }
.navbar-brand { font-size: 1.2rem; text-decoration: none; color: #212529; }
.breadcrumb { display: flex; flex-wrap: wrap; list-style: none; margin: 0; padding: 0; }
.breadcrumb-item + .breadcrumb-item::before { content: "/"; padding: 0 .5rem; color: #6c757d; }
.container-fluid { box-sizing: border-box; width: 100%; padding: 1rem 1.5rem; }
.row { display: flex; flex-wrap: wrap; }
[class*="col-"] { box-sizing: border-box; flex: 0 0 100%; max-width: 100%; padding: 0 .5rem; }
.col-6, .col-md-6 { flex: 0 0 50%; max-width: 50%; }
.col-4, .col-md-4 { flex: 0 0 33.333%; max-width: 33.333%; }
.col-md-2 { flex: 0 0 20%; max-width: 20%; }
.col-md-10 { flex: 0 0 80%; max-width: 80%; }
.p-0, .px-0 { padding-left: 0; padding-right: 0; }
table { border-collapse: collapse; margin: .5rem 0; }
th, td { padding: .3rem .6rem; border-top: 1px solid #dee2e6; text-align: left; vertical-align: top; }
thead th { border-bottom: 2px solid #dee2e6; }
.table { width: 100%; }
.card { border: 1px solid #dee2e6; border-radius: .25rem; margin-bottom: 1rem; }
.card-header { padding: .5rem .75rem; background: #f7f7f9; border-bottom: 1px solid #dee2e6; }
.card-body { padding: .75rem; }
.alert { padding: .75rem 1rem; border-radius: .25rem; }
.alert-secondary { background: #e2e3e5; }
.nav { display: flex; flex-wrap: wrap; list-style: none; margin: 0; padding: 0; }
.nav-link { display: block; padding: .3rem .6rem; }
.tab-pane { margin-bottom: 2rem; }
details > summary { cursor: pointer; color: #0056b3; }
.text-success { color: #1e7e34; } .text-danger { color: #c82333; }
.text-warning { color: #9c6d00; } .text-info { color: #117a8b; }
.badge { padding: 0 .3rem; border-radius: .25rem; background: #e9ecef; }
.fas { font-style: normal; font-weight: bold; }
.fa-check-circle::before { content: "\2714\FE0E"; } .fa-times::before { content: "\2718\FE0E"; }
.fa-exclamation-triangle::before { content: "\26A0\FE0E"; } .fa-comment::before { content: "\270E\FE0E"; }
.fa-question-circle::before { content: "?"; }
.sticky { position: sticky; top: 70px; }
.ge-section { clear: both; margin-bottom: 30px; padding-bottom: 20px; }
.show-scrollbars { overflow: auto; } td .show-scrollbars { max-height: 80vh; }
.cooltip { display: inline-block; position: relative; cursor: pointer; }
.cooltip .top { display: none; position: absolute; z-index: 3; min-width: 200px; padding: 10px 20px; top: -6px;
  left: 50%; transform: translate(-50%, -100%); color: #fff; background: #222; font-size: 13px; border-radius: 8px;
  white-space: pre-wrap; }
.cooltip:hover .top { display: block; }
"""

_OFFLINE_TEMPLATES = {
    "offline_styles.css": _OFFLINE_CSS,
    "js_script_imports.j2": "",
    "page.j2": """<!DOCTYPE html>
<html>
  <head>
    <meta charset="UTF-8">
    <meta name="viewport" content="width=device-width, initial-scale=1.0" />
    <title>{{ ("Data Docs: " ~ page_title) if page_title else "Data Docs" | e }}</title>
    <style>{% include 'offline_styles.css' %}</style>
  </head>
  <body>
    {% include 'top_navbar.j2' %}
    <div class="container-fluid">
      <div class="row">
        {% include 'sidebar.j2' %}
        <div class="col-md-10">
        {% for section in sections %}
          {% set section_loop = loop -%}
          {% include 'section.j2' %}
        {% endfor %}
        </div>
      </div>
    </div>
  </body>
</html>
""",
    "top_navbar.j2": """{% set dots = expectation_suite_name.count(".") if expectation_suite_name else 0 -%}
{% if "ValidationResults" in renderer_type or "ProfilingResults" in renderer_type -%}
  {% set home_url = ((dots + 4) * "../") + "index.html" -%}
{% elif "ExpectationSuite" in renderer_type -%}
  {% set home_url = ((dots + 1) * "../") + "index.html" -%}
{% else -%}
  {% set home_url = "#" -%}
{% endif -%}
<nav class="navbar">
  <a class="navbar-brand" href="{{ home_url }}"><strong>Data Docs</strong></a>
  {% if page_title %}
  <ol class="breadcrumb">
    <li class="breadcrumb-item"><a href="{{ home_url }}">Home</a></li>
    <li class="breadcrumb-item" aria-current="page">{{ page_title | e }}</li>
  </ol>
  {% endif %}
</nav>
""",
    # The index's tables: rows written out here, where GX's template hands them to bootstrap-table in a script.
    # A cell GX rendered (status icon, links) is rendered by GX; a plain value is text, linked to its row's page.
    "bootstrap_table.j2": """{% include 'content_block_header.j2' %}
{% set body_styling = content_block["styling"]["body"] | render_styling
   if "styling" in content_block and "body" in content_block["styling"] else "" %}
<table id="{{ content_block_id }}-body-table" {{ body_styling | replace("{{section_id}}", section_id)
  | replace("{{content_block_id}}", content_block_id) }}>
  <thead><tr>
    {% for column in content_block["table_columns"] %}<th>{{ column.get("title", "") | e }}</th>{% endfor %}
  </tr></thead>
  <tbody>
  {% for row in content_block["table_data"] %}
    <tr>
    {% for column in content_block["table_columns"] %}
      {% set value = row.get(column["field"]) %}
      <td>
      {%- if value is mapping -%}
        {{ value | render_content_block }}
      {%- elif value is none -%}
      {%- elif row.get("_table_row_link_path") -%}
        <a href="{{ row["_table_row_link_path"] | e }}">{{ value | e }}</a>
      {%- else -%}
        {{ value | e }}
      {%- endif -%}
      </td>
    {% endfor %}
    </tr>
  {% endfor %}
  </tbody>
</table>
""",
    # "Show more info...": a <details> element opens without Bootstrap's script.
    "collapse.j2": """{% set parent_styling = content_block["styling"]["parent"] | render_styling
   if "styling" in content_block and "parent" in content_block["styling"] else "" %}
{% set body_styling = content_block["styling"]["body"] | render_styling
   if "styling" in content_block and content_block["styling"].get("body") else "" %}
<details id="{{ content_block_id }}-parent" {{ parent_styling | replace("{{section_id}}", section_id)
  | replace("{{content_block_id}}", content_block_id) }}>
  <summary>{{ content_block.get("collapse_toggle_link", "Show more...") | render_content_block }}</summary>
  <div {{ body_styling | replace("{{section_id}}", section_id) | replace("{{content_block_id}}", content_block_id) }}>
    {% include 'content_block_header.j2' %}
    {% for block in content_block["collapse"] %}
      {{ block | render_content_block(content_block_id=content_block_id ~ "-collapse-item-" ~ loop.index) }}
    {% endfor %}
  </div>
</details>
""",
    # The result filter of a validation page, in plain script (GX's uses jQuery).
    "page_action_card.j2": """<div class="card">
  <div class="card-header"><strong>Actions</strong></div>
  <div class="card-body">
    {% if renderer_type in ["ValidationResultsPageRenderer"] %}
    Validation Filter:<br>
    <label><input type="radio" name="validation-filter" checked onclick="onlyFailed(false)"> Show All</label><br>
    <label><input type="radio" name="validation-filter" onclick="onlyFailed(true)"> Failed Only</label>
    <script>
      function onlyFailed(only) {
        const shown = only ? "none" : "";
        const all = (selector) => document.querySelectorAll(selector);
        all(".hide-succeeded-validation-target-child").forEach((e) => { e.parentElement.style.display = shown; });
        all(".hide-succeeded-validation-target").forEach((e) => { e.style.display = shown; });
        all(".hide-succeeded-validations-column-section-target-child").forEach((e) => {
          const section = e.parentElement.parentElement;
          section.style.display = shown;
          all(`a[href$="${section.id}"]`).forEach((a) => { a.style.display = shown; });
        });
      }
    </script>
    {% endif %}
  </div>
</div>
""",
}
_OFFLINE_TEMPLATES["index_page.j2"] = _OFFLINE_TEMPLATES["page.j2"]

_DOCS_CLASSES = ("OfflinePageView", "OfflineIndexPageView", "RowCountsPageRenderer")


@functools.cache
def _docs_classes() -> dict[str, type]:
    from great_expectations.render.renderer import ValidationResultsPageRenderer
    from great_expectations.render.view import DefaultJinjaIndexPageView, DefaultJinjaPageView
    from jinja2 import BaseLoader, ChoiceLoader, DictLoader, Environment

    def offline(env: Environment) -> None:
        """The templates of ``_OFFLINE_TEMPLATES`` found before GX's."""
        loaders: list[BaseLoader] = [DictLoader(_OFFLINE_TEMPLATES)]
        env.loader = ChoiceLoader(loaders + ([env.loader] if env.loader else []))

    class OfflinePageView(DefaultJinjaPageView):  # type: ignore[misc]
        def __init__(self, custom_styles_directory: str | None = None, custom_views_directory: str | None = None):
            super().__init__(custom_styles_directory, custom_views_directory)
            offline(self.env)

    class OfflineIndexPageView(DefaultJinjaIndexPageView):  # type: ignore[misc]
        def __init__(self, custom_styles_directory: str | None = None, custom_views_directory: str | None = None):
            super().__init__(custom_styles_directory, custom_views_directory)
            offline(self.env)

    class RowCountsPageRenderer(ValidationResultsPageRenderer):  # type: ignore[misc]
        """GX's validation page, its statistics followed by the file's rows: read, valid (the batch checked) and
        quarantined, as the row-count rule of the run expected and observed them."""

        @classmethod
        def _render_validation_statistics(cls, validation_results: Any) -> Any:
            content = super()._render_validation_statistics(validation_results)
            for result in validation_results.results:
                config = result.expectation_config
                valid = (result.result or {}).get("observed_value")
                if config is None or (config.meta or {}).get("rule") != ROWS_READ_RULE or valid is None:
                    continue
                read = config.kwargs.get("value")
                if isinstance(read, int) and isinstance(valid, int):
                    content.table += [
                        ["Rows read from the file", read],
                        ["Valid rows (checked here)", valid],
                        ["Quarantined rows", read - valid],
                    ]
            return content

    return {c.__name__: c for c in (OfflinePageView, OfflineIndexPageView, RowCountsPageRenderer)}


def __getattr__(name: str) -> Any:
    """GX makes the views and the renderer the site config names from this module, by name. They subclass GX's
    classes, so they are defined when GX asks for them: importing this module does not load GX."""
    if name in _DOCS_CLASSES:
        return _docs_classes()[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
