"""The yearly report's PDF, printed from its page by headless Chromium (``chromium``, ``chromium-browser`` or
``google-chrome`` on PATH) with no host name resolving: the page needs nothing from the network, and has no script
(scripts cannot be switched off for ``--print-to-pdf``: ``--blink-settings=scriptEnabled=false`` stops it printing).
Without Chromium, or when it fails, the reason is returned: the report never fails for want of a PDF. Chinese text
needs a CJK font on the machine (Debian: fonts-noto-cjk or fonts-wqy-zenhei); without one Chromium prints boxes in
its place."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome")
PRINT_FLAGS = [
    "--headless",
    "--no-sandbox",  # as root, and in containers without user namespaces; the page is ours: escaped, no script
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--host-resolver-rules=MAP * ~NOTFOUND",  # no name resolves: nothing leaves the machine
    "--no-pdf-header-footer",
]
PRINT_SECONDS = 120


def find_chromium() -> str | None:
    return next((path for name in CHROMIUM_NAMES if (path := shutil.which(name))), None)


def print_pdf(page: Path, pdf: Path) -> str | None:
    """Print ``page`` into ``pdf`` with headless Chromium; None once written, otherwise why it was not."""
    chromium = find_chromium()
    if chromium is None:
        return "no Chromium on PATH (chromium, chromium-browser or google-chrome): print report.html from a browser"
    pdf.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory(prefix="subsidy-report-chromium-") as profile:
        command = [chromium, *PRINT_FLAGS, f"--user-data-dir={profile}", f"--print-to-pdf={pdf}", page.as_uri()]
        try:
            done = subprocess.run(command, capture_output=True, timeout=PRINT_SECONDS, check=False)
        except (OSError, subprocess.TimeoutExpired) as e:
            return f"{chromium} did not print the page ({type(e).__name__}): print report.html from a browser"
    if pdf.exists() and pdf.read_bytes()[:5] == b"%PDF-":
        return None
    pdf.unlink(missing_ok=True)
    return f"{chromium} exited {done.returncode} without a PDF: print report.html from a browser"
