"""Data Docs of the dataset checks, to be read offline.

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
from pathlib import Path
from typing import Any


def site_config(docs_dir: Path) -> Any:  # GX types this dict with fewer of its keys than it reads
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

    from validations.suites import ROWS_READ_RULE

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
