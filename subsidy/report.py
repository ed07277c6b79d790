"""The yearly report: an HTML page with bar charts (inline SVG, no script, opens offline) and the same figures
as CSV files."""

from __future__ import annotations

import csv
import html
from pathlib import Path

from ledger.exports import neutralise
from ledger.reporting import ReportFigures
from rules.clauses import clause_name_zh
from rules.money import cny, from_fen

BAR_COLOURS = {
    "committed": "#4e79a7",
    "paid": "#59a14f",
    "forfeited": "#e15759",
    "awarded": "#f28e2b",
    "due": "#76b7b2",
}


def _bars(title: str, groups: list[tuple[str, dict[str, int]]], series: list[str]) -> str:
    """A grouped horizontal bar chart; values in fen, labels in CNY."""
    peak = max([v for _, values in groups for v in values.values()] + [1])
    row_h, label_w, width = 18, 150, 520
    height = max(1, len(groups)) * (row_h * len(series) + 10) + 30
    parts = [
        f'<svg role="img" aria-label="{html.escape(title)}" width="{label_w + width + 160}" height="{height}" '
        'xmlns="http://www.w3.org/2000/svg" font-family="sans-serif" font-size="12">'
    ]
    y = 20
    for label, values in groups:
        parts.append(f'<text x="0" y="{y + row_h * len(series) / 2 + 4}">{html.escape(label)}</text>')
        for name in series:
            fen = values.get(name, 0)
            w = int(width * fen / peak)
            parts.append(
                f'<rect x="{label_w}" y="{y}" width="{w}" height="{row_h - 4}" fill="{BAR_COLOURS[name]}">'
                f"<title>{name}: {cny(from_fen(fen))}</title></rect>"
            )
            parts.append(f'<text x="{label_w + w + 4}" y="{y + row_h - 7}">{name} {cny(from_fen(fen))}</text>')
            y += row_h
        y += 10
    parts.append("</svg>")
    return "".join(parts)


def _table(header: list[str], rows: list[list[str]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in r) + "</tr>" for r in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _write_csv(path: Path, header: list[str], rows: list[list[str]]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows([[neutralise(c) for c in row] for row in rows])


def write_report(figures: ReportFigures, out: Path) -> dict[str, str]:
    """Write report.html and its three CSV files into ``out``; returns their paths."""
    out.mkdir(parents=True, exist_ok=True)
    awards = [[c, clause_name_zh(c), str(n), cny(from_fen(fen))] for c, (n, fen) in figures.awards_by_clause.items()]
    years = [
        [str(y), *(cny(from_fen(v[k])) for k in ("committed", "paid", "forfeited"))] for y, v in figures.by_year.items()
    ]
    due = [[c, str(y), cny(from_fen(fen))] for c, per in figures.still_due.items() for y, fen in per.items()]
    files = {
        "awards_by_clause": (["clause", "clause_zh", "approved", "awarded"], awards),
        "committed_paid_forfeited_by_year": (["fiscal_year", "committed", "paid", "forfeited"], years),
        "installments_still_due": (["clause", "due_year", "amount"], due),
    }
    paths: dict[str, str] = {}
    for name, (header, rows) in files.items():
        path = out / f"{name}.csv"
        _write_csv(path, header, rows)
        paths[name] = str(path.resolve())
    charts = [
        (
            "Awards decided in the year, per clause",
            _bars(
                "awards per clause",
                [
                    (f"{c} {clause_name_zh(c)[:6]}", {"awarded": fen})
                    for c, (_, fen) in figures.awards_by_clause.items()
                ],
                ["awarded"],
            ),
            _table(files["awards_by_clause"][0], awards),
        ),
        (
            "Committed, paid and forfeited per fiscal year",
            _bars("by year", [(str(y), v) for y, v in figures.by_year.items()], ["committed", "paid", "forfeited"]),
            _table(files["committed_paid_forfeited_by_year"][0], years),
        ),
        (
            f"Installments still to fall due after {figures.year}, per clause",
            _bars("still due", [(c, {"due": sum(per.values())}) for c, per in figures.still_due.items()], ["due"]),
            _table(files["installments_still_due"][0], due),
        ),
    ]
    sections = "".join(f"<section><h2>{html.escape(t)}</h2>{chart}{table}</section>" for t, chart, table in charts)
    page = (
        "<!doctype html><html lang='zh-CN'><head><meta charset='utf-8'>"
        f"<title>Subsidy report {figures.year}</title><style>body{{font-family:sans-serif;margin:2em}}"
        "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:2px 8px;text-align:right}"
        "</style></head><body>"
        f"<h1>闵行区智能制造与工业互联网政策 — report {figures.year}</h1>{sections}</body></html>"
    )
    report = out / "report.html"
    report.write_text(page, encoding="utf-8")
    paths["report"] = str(report.resolve())
    return paths
