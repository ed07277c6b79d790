"""Input text printed by the commands is text (L1): rich markup in a cell, an id or a file name is shown as written
and never read as a style (``[/]`` crashed ``intake`` after its commit, and ``explain``); ESC and other control
characters are shown as escapes and never reach the terminal; Markdown artifacts escape the same texts."""

from __future__ import annotations

import random
from pathlib import Path
from types import SimpleNamespace

import pytest
from rich.console import Console
from rich.markup import render
from typer.testing import CliRunner

from core import shown
from subsidy.cli import app
from subsidy.sample import make_uscc

ESC = "\x1b"
HEADER = "application_id,clause,uscc,name,submitted_on,business_in_minhang,tax_in_minhang,field,certified"
rng = random.Random(11)
A, B = make_uscc(rng), make_uscc(rng)


@pytest.mark.parametrize(
    "text",
    ["MK-2[/]", "[bold red]x[/bold red]", "a\\[b]", "end\\", "[#fff]", "[@click=x]y", ":warning: 名[/]", "\\\\[/]"],
)
def test_markup_is_shown_as_written(text: str) -> None:
    assert render(shown.markup(text), emoji=False).plain == text
    console = Console(record=True, width=200, emoji=False)
    console.print(f"[yellow]x[/] {shown.markup(text)}", highlight=False)
    assert console.export_text() == f"x {text}\n"


@pytest.mark.parametrize(
    ("text", "seen"),
    [
        ("a\x1b[2Jb", "a\\x1b[2Jb"),
        ("title\x1b]0;owned\x07", "title\\x1b]0;owned\\x07"),
        ("cr\rlf\ntab\t", "cr\\rlf\\ntab\\t"),
        ("evil\u202egpj.csv", "evil\\u202egpj.csv"),
        ("zero\u200bwidth\u2028line", "zero\\u200bwidth\\u2028line"),
        ("c1\x9bdel\x7f", "c1\\x9bdel\\x7f"),
        ("全角\u3000空格", "全角\u3000空格"),
    ],
)
def test_control_characters_are_shown_as_escapes(text: str, seen: str) -> None:
    assert shown.plain(text) == seen
    assert render(shown.markup(text)).plain == seen


def test_markdown_shows_text_as_written() -> None:
    text = "*a* _b_ [l](http://x) <img src=x onerror=alert(1)> | `c` # \x1b"
    escaped = shown.markdown(text)
    assert "<" not in escaped.replace("\\<", "") and "|" not in escaped.replace("\\|", "")
    assert "\x1b" not in escaped and "\\\\x1b" in escaped


def test_the_inbox_artifact_escapes_file_names(monkeypatch: pytest.MonkeyPatch) -> None:
    from tasks import reports

    written: list[str] = []
    monkeypatch.setattr(reports, "create_markdown_artifact", lambda text, **_: written.append(text))
    name = "a[x](http://evil)<b>\x1b.csv"
    returned = SimpleNamespace(file=name, rows=1, cleared=[], bounced=[], already=1, reported=[])
    summary = SimpleNamespace(
        inbox="/in", processed=[name], rejected=[f"{name}: bad"], skipped=[], intake=None, reconciled=[returned]
    )
    reports.publish_inbox_summary.fn(summary)
    [text] = written
    assert "\x1b" not in text and "<b>" not in text and "](http" not in text and "\\[x\\]" in text
    assert "Return file a\\[x\\]" in text  # a bank return file's name too


def _write(path: Path, lines: list[str]) -> str:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


@pytest.mark.prefect
def test_commands_print_input_text_as_text(database: str, tmp_path: Path) -> None:
    name = f"apps{ESC}]0;owned{ESC}\\[red]x.csv"  # a file name holds no "/", so no closing tag
    apps = _write(
        tmp_path / name,
        [
            HEADER,
            f"MK-1,A4-PILOT,{A},[bold]名[/] :warning:,2024-03-01,1,1,ai,1",
            f"MK-2[/],A4-PILOT,{B},乙,[/]{ESC}[31m,1,1,ai,1",
        ],
    )
    runner = CliRunner()
    results = {
        "intake": runner.invoke(app, ["intake", apps, "--as-of", "2024-06-28"]),
        "explain decided": runner.invoke(app, ["explain", "MK-1"]),
        "explain quarantined": runner.invoke(app, ["explain", "MK-2[/]"]),
        "explain unknown": runner.invoke(app, ["explain", f"MK-9[/]{ESC}[2J"]),
        "missing file": runner.invoke(app, ["intake", str(tmp_path / f"gone{ESC}[2J[/].csv")]),
    }
    codes = {what: r.exit_code for what, r in results.items()}
    assert codes == {
        "intake": 0,
        "explain decided": 0,
        "explain quarantined": 0,
        "explain unknown": 1,
        "missing file": 2,
    }, {w: r.output for w, r in results.items()}
    for what, result in results.items():
        assert ESC not in result.output and "Traceback" not in result.output, what
    intake = results["intake"].output
    assert "ledger chain head:" in intake and "apps\\x1b]0;owned\\x1b\\[red]x.csv, row 3" in intake
    assert "[bold]名[/] :warning:" in results["explain decided"].output
    assert "MK-2[/]" in results["explain quarantined"].output
    assert "no decision for application 'MK-9[/]\\x1b[2J'" in results["explain unknown"].output
    assert "gone\\x1b[2J[/].csv" in results["missing file"].output


@pytest.mark.prefect
def test_the_inbox_prints_file_names_as_text(database: str, tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    _write(inbox / f"bad{ESC}[2J[red].csv", ["application_id,clause", "X,A2"])
    result = CliRunner().invoke(app, ["inbox", "--inbox", str(inbox), "--as-of", "2024-06-28"])
    assert result.exit_code == 0, result.output
    assert ESC not in result.output and "bad\\x1b[2J[red].csv" in result.output
