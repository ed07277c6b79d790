"""A few lines of the Chrome DevTools protocol: open a page in headless Chromium and wait until its visible text
contains what an operator would look for (the Prefect UI renders in the browser, so a plain fetch sees nothing)."""

from __future__ import annotations

import asyncio
import json
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import websockets

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def _wait_for_text(ws_url: str, url: str, wanted: list[str], seconds: float) -> str:
    async with websockets.connect(ws_url, max_size=2**24) as ws:
        ids = iter(range(1, 10**6))

        async def call(method: str, **params: object) -> dict:  # type: ignore[type-arg]
            n = next(ids)
            await ws.send(json.dumps({"id": n, "method": method, "params": params}))
            while True:
                message = json.loads(await ws.recv())
                if message.get("id") == n:
                    return message.get("result", {})

        await call("Page.enable")
        await call("Page.navigate", url=url)
        deadline = time.monotonic() + seconds
        text = ""
        while time.monotonic() < deadline:
            result = await call(
                "Runtime.evaluate", expression="document.body ? document.body.innerText : ''", returnByValue=True
            )
            text = result.get("result", {}).get("value", "") or ""
            if all(w in text for w in wanted):
                return text
            await asyncio.sleep(0.5)
        return text


@contextmanager
def headless(chromium: str, profile: Path, flags: list[str] = FLAGS) -> Iterator[str]:
    """A headless Chromium with its own profile; yields the debugger websocket of its first page."""
    port = _free_port()
    browser = subprocess.Popen(
        [chromium, *flags, f"--remote-debugging-port={port}", f"--user-data-dir={profile}", "about:blank"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=2) as r:
                    pages = [p for p in json.loads(r.read()) if p.get("type") == "page"]
                if pages:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError("headless Chromium did not start")
            time.sleep(0.3)
        yield pages[0]["webSocketDebuggerUrl"]
    finally:
        browser.terminate()
        try:
            browser.wait(timeout=10)
        except subprocess.TimeoutExpired:
            browser.kill()


def page_text(chromium: str, url: str, wanted: list[str], profile: Path, seconds: float = 60) -> str:
    """The visible text of ``url`` once it shows every string of ``wanted`` (or when ``seconds`` ran out)."""
    with headless(chromium, profile) as ws_url:
        return asyncio.run(_wait_for_text(ws_url, url, wanted, seconds))
