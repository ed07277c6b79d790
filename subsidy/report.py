"""The yearly report a finance officer signs: report.html (headings in Chinese and English, inline SVG bar charts, no
script: it opens offline), report.pdf printed from it, and the same figures as CSV files.

The figures are those of ``ledger.reporting``: the ledger as it stood when the year's cycle committed, or, before
that cycle, a report marked provisional. The page states its date, the database (password masked) and the chain head
it reflects. Every table ends with a total row; an empty section says "无 / none" and draws no chart. Amounts on the
page are exact yuan from integer fen with separators (¥1,234,567.89); the CSV files keep plain two-decimal yuan as
the exports do (a spreadsheet reads them as numbers), their texts neutralised against formula injection.

The PDF is printed from the page by headless Chromium (``subsidy.pdf``); without it the page and the CSV files are
still written and the returned paths hold ``pdf_not_written`` (why, and what to do) instead of ``pdf``.
"""

from __future__ import annotations

import csv
import html
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from ledger.exports import neutralise
from ledger.forecast import share_percent, shown_percent
from ledger.reporting import ReportFigures
from rules.clauses import clause_name_zh
from rules.money import cny_of_fen
from subsidy.pdf import print_pdf

if TYPE_CHECKING:
    from sqlalchemy import Engine

BAR_COLOURS = {
    "committed": "#4e79a7",
    "paid": "#59a14f",
    "forfeited": "#e15759",
    "awarded": "#f28e2b",
    "due": "#76b7b2",
    "fell due": "#9c755f",
    "claimed": "#b07aa1",
    "recovered": "#59a14f",
}
STYLE = """
body{font-family:"Noto Sans CJK SC","Source Han Sans SC","WenQuanYi Zen Hei","Microsoft YaHei","PingFang SC",
sans-serif;margin:2em;color:#222}
h1{font-size:1.4em;margin-bottom:.2em}h1 small{display:block;font-size:.7em;font-weight:normal;color:#555}
h2{font-size:1.1em;margin-top:1.6em;border-bottom:1px solid #999}
table{border-collapse:collapse;margin:.6em 0}td,th{border:1px solid #bbb;padding:2px 8px}
th{background:#f2f2f2;text-align:left}td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
tfoot td{font-weight:bold;border-top:2px solid #555}
.final{color:#1a5c1a}.provisional{color:#a00;font-weight:bold}.none{color:#555;font-style:italic}
.meta th{white-space:nowrap}.meta code{word-break:break-all}
svg{max-width:100%;height:auto}.sign td{border:none;padding:1.2em 2em 0 0;white-space:nowrap}
tbody td:first-child{white-space:nowrap}
section,table{break-inside:avoid}@page{size:A4;margin:14mm}
"""


def yuan(fen: int) -> str:
    """``¥1,234,567.89`` of an amount in fen, exactly (no float)."""
    whole, cents = divmod(abs(fen), 100)
    return f"{'-' if fen < 0 else ''}¥{whole:,}.{cents:02d}"


@dataclass(frozen=True)
class Column:
    csv: str
    zh: str
    en: str
    kind: Literal["text", "count", "fen", "percent"] = "text"
    """count and fen are summed in the total row; fen shows as yuan on the page, plain two decimals in the CSV. A
    percent (an exact Decimal's text) is the share of column ``share_of[0]`` in ``share_of[1]``, in the total too."""
    share_of: tuple[str, str] = ("", "")


@dataclass
class Listing:
    """One table of the report: its CSV file, its section on the page and its total row."""

    name: str
    title_zh: str
    title_en: str
    columns: list[Column]
    rows: list[list[str | int]]

    def total(self) -> list[str | int]:
        sums: list[str | int] = [
            sum(int(r[i]) for r in self.rows) if c.kind in ("count", "fen") else "" for i, c in enumerate(self.columns)
        ]
        at = {c.csv: i for i, c in enumerate(self.columns)}
        for i, c in enumerate(self.columns):
            if c.kind == "percent":
                sums[i] = shown_percent(share_percent(*(int(sums[at[name]]) for name in c.share_of)))
        return ["合计 Total", *sums[1:]]


def _bars(title: str, groups: list[tuple[str, dict[str, int]]], series: list[str]) -> str:
    """A grouped horizontal bar chart; values in fen, labels in yuan."""
    peak = max([v for _, values in groups for v in values.values()] + [1])
    row_h, label_w, width = 18, 170, 480
    full_w, height = label_w + width + 190, len(groups) * (row_h * len(series) + 10) + 30
    parts = [
        f'<svg role="img" aria-label="{html.escape(title)}" width="{full_w}" height="{height}" '
        f'viewBox="0 0 {full_w} {height}" xmlns="http://www.w3.org/2000/svg" font-family="sans-serif" font-size="12">'
    ]
    y = 20
    for label, values in groups:
        parts.append(f'<text x="0" y="{y + row_h * len(series) / 2 + 4}">{html.escape(label)}</text>')
        for name in series:
            fen = values.get(name, 0)
            w = width * fen // peak
            parts.append(
                f'<rect x="{label_w}" y="{y}" width="{w}" height="{row_h - 4}" fill="{BAR_COLOURS[name]}">'
                f"<title>{name}: {yuan(fen)}</title></rect>"
                f'<text x="{label_w + w + 4}" y="{y + row_h - 7}">{name} {yuan(fen)}</text>'
            )
            y += row_h
        y += 10
    parts.append("</svg>")
    return "".join(parts)


def _cell(value: str | int, column: Column, tag: str = "td") -> str:
    shown = yuan(int(value)) if column.kind == "fen" and value != "" else str(value)
    numeric = ' class="n"' if column.kind != "text" else ""
    return f"<{tag}{numeric}>{html.escape(shown)}</{tag}>"


def _table(listing: Listing) -> str:
    head = "".join(
        f"<th{' class=n' if c.kind != 'text' else ''}>{html.escape(c.zh)}<br>{html.escape(c.en)}</th>"
        for c in listing.columns
    )
    body = "".join(
        "<tr>" + "".join(_cell(v, c) for v, c in zip(r, listing.columns, strict=True)) + "</tr>" for r in listing.rows
    )
    foot = "".join(_cell(v, c) for v, c in zip(listing.total(), listing.columns, strict=True))
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody><tfoot><tr>{foot}</tr></tfoot></table>"


def _section(listing: Listing, chart: Callable[[], str]) -> str:
    title = f"<h2>{html.escape(listing.title_zh)} / {html.escape(listing.title_en)}</h2>"
    if not listing.rows:
        return f'<section>{title}<p class="none">无 / none</p></section>'
    return f"<section>{title}{chart()}{_table(listing)}</section>"


def _write_csv(path: Path, listing: Listing) -> None:
    def plain(value: str | int, column: Column) -> str:
        return cny_of_fen(int(value)) if column.kind == "fen" and value != "" else str(value)

    total = ["total", *listing.total()[1:]]
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow([c.csv for c in listing.columns])
        for row in [*listing.rows, total]:
            writer.writerow([neutralise(plain(v, c)) for v, c in zip(row, listing.columns, strict=True)])


CLAUSE = Column("clause", "条款", "Clause")
CLAUSE_ZH = Column("clause_zh", "条款名称", "Clause name")
DUE_YEAR = Column("due_year", "到期年度", "Due year")
AMOUNT = Column("amount", "金额", "Amount", "fen")


def listings(figures: ReportFigures) -> list[Listing]:
    """The report's tables, in the order of the page."""
    y = figures.year

    def per_due_year(per_clause: dict[str, dict[int, int]]) -> list[list[str | int]]:
        return [[c, clause_name_zh(c), due, fen] for c, per in per_clause.items() for due, fen in per.items()]

    return [
        Listing(
            "awards_by_clause",
            f"{y}年核定资助（按条款）",
            f"Awards decided in {y}, per clause",
            [
                CLAUSE,
                CLAUSE_ZH,
                Column("approved", "核定件数", "Approved", "count"),
                Column("awarded", "核定金额", "Awarded", "fen"),
            ],
            [[c, clause_name_zh(c), n, fen] for c, (n, fen) in figures.awards_by_clause.items()],
        ),
        Listing(
            "committed_paid_forfeited_by_year",
            f"截至{y}年各年度承诺、支付与作废",
            f"Committed, paid and forfeited per fiscal year, up to {y}",
            [
                Column("fiscal_year", "年度", "Fiscal year"),
                Column("committed", "承诺（按到期年度）", "Committed (due)", "fen"),
                Column("paid", "已支付（按周期年度）", "Paid (cycle)", "fen"),
                Column("forfeited", "已作废（按周期年度）", "Forfeited (cycle)", "fen"),
            ],
            [[fy, v["committed"], v["paid"], v["forfeited"]] for fy, v in figures.by_year.items()],
        ),
        Listing(
            "installments_due_not_settled",
            f"截至{y}年到期尚未结清的分期",
            f"Installments due by {y} and not settled",
            [CLAUSE, CLAUSE_ZH, DUE_YEAR, AMOUNT],
            per_due_year(figures.unsettled_by_year),
        ),
        Listing(
            "installments_still_due",
            f"{y}年后到期的分期（尚未结清的承诺）",
            f"Installments still to fall due after {y} (commitments not yet settled)",
            [CLAUSE, CLAUSE_ZH, DUE_YEAR, AMOUNT],
            per_due_year(figures.still_due),
        ),
        _forfeited_share(figures),
        Listing(
            "recoveries",
            f"截至{y}年撤销的资助及追回",
            f"Awards revoked, claimed back and recovered, up to {y}",
            [
                Column("application_id", "申请编号", "Application"),
                Column("document_ref", "文号", "Document"),
                Column("cancelled", "已取消", "Cancelled", "fen"),
                Column("claimed", "应追回", "Claimed back", "fen"),
                Column("received", "已追回", "Recovered", "fen"),
                Column("outstanding", "尚欠", "Still owed back", "fen"),
            ],
            [
                [r.application_id, r.document_ref, r.cancelled_fen, r.claimed_fen, r.received_fen, r.outstanding_fen]
                for r in figures.recoveries
            ],
        ),
    ]


def _forfeited_share(figures: ReportFigures) -> Listing:
    """Per clause: what fell due in the cycles up to the year (paid + forfeited), forfeited, and its share."""
    return Listing(
        "forfeited_share_by_clause",
        f"截至{figures.year}年各条款到期、作废及作废比例",
        f"Fell due, forfeited and the share forfeited per clause, in cycles up to {figures.year}",
        [
            CLAUSE,
            CLAUSE_ZH,
            Column("fell_due", "到期（支付＋作废）", "Fell due (paid + forfeited)", "fen"),
            Column("paid", "已支付", "Paid", "fen"),
            Column("forfeited", "已作废", "Forfeited", "fen"),
            Column("forfeited_percent", "作废比例（%）", "Forfeited share (%)", "percent", ("forfeited", "fell_due")),
        ],
        [
            [f.clause, clause_name_zh(f.clause), f.fell_due_fen, f.paid_fen, f.forfeited_fen, shown_percent(f.share)]
            for f in figures.forfeited
        ],
    )


def _label(clause: str) -> str:
    return f"{clause} {clause_name_zh(clause)[:6]}"


def _charts(figures: ReportFigures) -> list[Callable[[], str]]:
    """A chart per listing, drawn only when its section has rows."""

    def due_per_clause(per_clause: dict[str, dict[int, int]]) -> list[tuple[str, dict[str, int]]]:
        return [(_label(c), {"due": sum(per.values())}) for c, per in per_clause.items()]

    return [
        lambda: _bars(
            "awards per clause",
            [(_label(c), {"awarded": fen}) for c, (_, fen) in figures.awards_by_clause.items()],
            ["awarded"],
        ),
        lambda: _bars(
            "by fiscal year", [(str(y), v) for y, v in figures.by_year.items()], ["committed", "paid", "forfeited"]
        ),
        lambda: _bars("due by the year, not settled", due_per_clause(figures.unsettled_by_year), ["due"]),
        lambda: _bars("still to fall due", due_per_clause(figures.still_due), ["due"]),
        lambda: _bars(
            "forfeited of what fell due",
            [(_label(f.clause), {"fell due": f.fell_due_fen, "forfeited": f.forfeited_fen}) for f in figures.forfeited],
            ["fell due", "forfeited"],
        ),
        lambda: _bars(
            "claimed back and recovered",
            [(r.application_id, {"claimed": r.claimed_fen, "recovered": r.received_fen}) for r in figures.recoveries],
            ["claimed", "recovered"],
        ),
    ]


def _summary(figures: ReportFigures) -> str:
    """Committed up to the year = paid + forfeited + not settled; then what falls due later."""
    y = figures.year
    committed, paid, forfeited = (
        sum(v[k] for v in figures.by_year.values()) for k in ("committed", "paid", "forfeited")
    )
    unsettled, later = (
        sum(fen for per in d.values() for fen in per.values()) for d in (figures.unsettled_by_year, figures.still_due)
    )
    lines = [
        (f"截至{y}年到期的承诺", f"Committed, due by {y}", committed),
        (f"已支付（{y}年及以前的周期）", f"Paid in cycles up to {y}", paid),
        (f"已作废（{y}年及以前的周期）", f"Forfeited in cycles up to {y}", forfeited),
        (f"截至{y}年到期尚未结清", f"Due by {y}, not settled", unsettled),
        (f"{y}年后到期", f"Still to fall due after {y}", later),
        ("承诺合计", "Committed in total", committed + later),
    ]
    rows = "".join(
        f'<tr><td>{html.escape(zh)}<br>{html.escape(en)}</td><td class="n">{yuan(fen)}</td></tr>'
        for zh, en, fen in lines
    )
    check = ""
    if not figures.cut.provisional:  # before the cycle, later cycles may have settled what fell due by the year
        gap = committed - paid - forfeited - unsettled
        check = (
            "<p>核对 Check: 承诺 = 支付 + 作废 + 未结清 / committed = paid + forfeited + not settled ✓</p>"
            if gap == 0
            else f'<p class="provisional">核对不平 / Does not balance: difference {yuan(gap)}; run `subsidy ledger '
            "verify`</p>"
        )
    return f"<section><h2>摘要 / Summary</h2><table><tbody>{rows}</tbody></table>{check}</section>"


def _header(figures: ReportFigures, database: str, generated_at: datetime) -> str:
    """Title, final or provisional, the report's date, the database and the chain head it reflects."""
    y, cut = figures.year, figures.cut
    if cut.provisional:
        status = (
            f'<p class="provisional">临时报告：{y}年度拨付周期尚未运行，数据截至报告日期。<br>PROVISIONAL: no '
            f"disbursement cycle for {y} has run yet; the figures are those of the report date.</p>"
        )
    else:
        status = (
            f'<p class="final">截至{y}年度拨付周期（第{cut.cycle_id}号，审核日 {cut.cycle_as_of}）的账本。<br>'
            f"The ledger as the {y} disbursement cycle (#{cut.cycle_id}, screening on {cut.cycle_as_of}) left "
            "it.</p>"
        )
    meta = [
        ("报告日期", "Report date", generated_at.strftime("%Y-%m-%d %H:%M %z")),
        ("数据库", "Database", database),
        ("账本链头", "Ledger chain head", f"{cut.chain_head} (entry #{cut.through_seq})"),
        ("未计入的后续分录", "Later entries left out", f"{cut.entries_after:,}"),
    ]
    rows = "".join(
        f"<tr><th>{html.escape(zh)}<br>{html.escape(en)}</th><td><code>{html.escape(value)}</code></td></tr>"
        for zh, en, value in meta
    )
    return (
        f"<h1>闵行区推动智能制造与工业互联网促数字化转型政策 {y}年度资金报告<small>Minhang District smart "
        f"manufacturing and industrial internet policy: subsidy report {y}</small></h1>"
        f'{status}<table class="meta"><tbody>{rows}</tbody></table>'
    )


SIGN_OFF = (
    '<table class="sign"><tr><td>编制 Prepared by: ____________</td><td>审核 Reviewed by: ____________</td>'
    "<td>日期 Date: ____________</td></tr></table>"
)


def write_report(
    figures: ReportFigures, out: Path, *, database: str, generated_at: datetime | None = None, pdf: bool = True
) -> dict[str, str]:
    """Write report.html, report.pdf (unless ``pdf`` is false) and the CSV files into ``out``; returns their paths
    by name, with ``pdf_not_written`` (the reason) in place of ``pdf`` when Chromium could not print it."""
    out.mkdir(parents=True, exist_ok=True)
    when = generated_at or datetime.now().astimezone()
    tables = listings(figures)
    paths: dict[str, str] = {}
    for listing in tables:
        path = out / f"{listing.name}.csv"
        _write_csv(path, listing)
        paths[listing.name] = str(path.resolve())
    sections = "".join(_section(t, chart) for t, chart in zip(tables, _charts(figures), strict=True))
    page = (
        "<!doctype html><html lang='zh-CN'><head><meta charset='utf-8'>"
        f"<title>闵行区政策资金报告 Subsidy report {figures.year}</title><style>{STYLE}</style></head><body>"
        f"{_header(figures, database, when)}{_summary(figures)}{sections}{SIGN_OFF}</body></html>"
    )
    report = out / "report.html"
    report.write_text(page, encoding="utf-8")
    paths["report"] = str(report.resolve())
    if pdf:
        printed = out / "report.pdf"
        why_not = print_pdf(report.resolve(), printed)
        if why_not is None:
            paths["pdf"] = str(printed.resolve())
        else:
            paths["pdf_not_written"] = why_not
    return paths


def yearly_report(engine: Engine, year: int, out: Path) -> dict[str, str]:
    """``subsidy report``: the yearly report of ``year`` as of its cycle (provisional before it) into the folder
    ``out``, read from ``engine``'s ledger (named with its password masked); ``write_report``'s paths."""
    from sqlalchemy.orm import Session

    from core.settings import redact_url
    from ledger.reporting import report_figures

    with Session(engine) as session:
        figures = report_figures(session, year)
    return write_report(figures, out, database=redact_url(engine.url.render_as_string(hide_password=False)))
