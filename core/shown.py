"""Input text as it may be shown: every text that came from a file, a cell, a path or an argument passes through
here before it is printed or written into a page, so that it reads as the text it is and cannot steer the output.

``plain``     control characters (ESC, CR, NUL, DEL, C1), bidi overrides and other invisible format characters,
              line and paragraph separators made visible as escapes (``\\x1b``, ``\\u202e``, ``\\n``)
``markup``    ``plain`` and escaped for rich markup (the terminal: ``[/]`` is two brackets, not a closing tag); the
              consoles are made with ``emoji=False`` so that ``:name:`` is not an emoji either
``markdown``  ``plain`` and every ASCII punctuation backslash-escaped (Prefect's Markdown artifacts)
``markdown_cell`` ``plain`` and the characters that make HTML, links, emphasis or a cell break backslash-escaped, so
              numbers, dates and words read as they are in the raw data too (cells of Prefect's table artifacts)
``html``      escaped for HTML text and attribute values (``<``, ``>``, ``&``, quotes)
"""

from __future__ import annotations

import html as _html
import re
import unicodedata

INVISIBLE = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs"})
"""Unicode categories shown as escapes: controls, format characters (bidi overrides, zero-width), separators of
lines and paragraphs, lone surrogates."""
_SHORT = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}
_MARKDOWN_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")
_RICH_TAG = re.compile(r"(\\*)(\[[a-z#/@][^[]*?])")  # rich.markup's tags, with the backslashes before them


def _escape(char: str) -> str:
    code = ord(char)
    if char in _SHORT:
        return _SHORT[char]
    if code <= 0xFF:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def plain(text: object) -> str:
    """``text`` with every invisible or terminal-steering character written as a visible escape."""
    s = str(text)
    if s.isprintable():  # the usual case, checked in C; isprintable is False for everything in INVISIBLE
        return s
    return "".join(_escape(c) if unicodedata.category(c) in INVISIBLE else c for c in s)


def markup(text: object) -> str:
    """``text`` for a rich console, table cell or title (all of which read rich markup).

    As rich.markup.escape, except that a trailing backslash is not doubled: rich shows a doubled one as two unless
    a tag follows, so a template never puts a tag straight after an input text."""
    return _RICH_TAG.sub(lambda m: f"{m[1]}{m[1]}\\{m[2]}", plain(text))


def markdown(text: object) -> str:
    """``text`` for a Markdown document: shown as written, never as emphasis, a link, HTML or a table cell break."""
    return _MARKDOWN_PUNCTUATION.sub(r"\\\1", plain(text))


_CELL_PUNCTUATION = re.compile(r"([\\`*_\[\]<>|!~&:])")
_BARE_LINK = re.compile(r"(?i)(www)\.")


def markdown_cell(text: object) -> str:
    """``text`` for a cell the Prefect UI renders as Markdown: shown as written, never as HTML, an image, a link
    (``http:``, ``www.``), emphasis or a cell break; digits, dots, dashes and words stay as they are."""
    return _BARE_LINK.sub(r"\1\\.", _CELL_PUNCTUATION.sub(r"\\\1", plain(text)))


def html(text: object) -> str:
    """``text`` for HTML (element text or a quoted attribute value)."""
    return _html.escape(str(text), quote=True)
