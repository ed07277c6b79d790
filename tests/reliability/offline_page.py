"""Open a page written by the project in headless Chromium with the network switched off (the Chrome DevTools
protocol), as an operator's browser would: what script ran, what it would have shown, and a screenshot.

Before any script of the page, ``alert``, ``confirm`` and ``prompt`` are replaced by functions that only record
their call, so a hostile ``onerror=alert(1)`` is seen without a dialog blocking the page."""

from __future__ import annotations

import asyncio
import base64
import json
import time
from pathlib import Path
from typing import Any

import websockets

from tests.flows.browser import FLAGS as BROWSER_FLAGS
from tests.flows.browser import headless

FLAGS = [
    *BROWSER_FLAGS,
    "--proxy-server=http://127.0.0.1:9",  # nothing listens there: no request leaves the machine
    "--window-size=1280,900",
]
WATCH = """
window.__dialogs = [];
for (const name of ["alert", "confirm", "prompt"]) {
  window[name] = (message) => { window.__dialogs.push(name + ":" + String(message)); };
}
"""
STATE = """JSON.stringify({
  title: document.title,
  marker: window.__xss === undefined ? null : String(window.__xss),
  dialogs: window.__dialogs || [],
  text: document.body ? document.body.innerText : "",
  handlers: document.querySelectorAll("[onerror]").length,
  images: document.querySelectorAll("img").length
})"""


SCROLL_TO = """(() => {
  const wanted = %s;
  const found = [...document.querySelectorAll("body *")].find(
    (e) => e.childElementCount === 0 && e.textContent.includes(wanted));
  if (found) found.scrollIntoView({block: "center"});
  return Boolean(found);
})()"""


async def _visit(ws_url: str, url: str, screenshot: Path | None, settle: float, focus: str | None) -> dict[str, Any]:
    async with websockets.connect(ws_url, max_size=2**26) as ws:
        ids = iter(range(1, 10**6))
        dialogs: list[str] = []

        async def call(method: str, **params: object) -> dict[str, Any]:
            n = next(ids)
            await ws.send(json.dumps({"id": n, "method": method, "params": params}))
            while True:
                message = json.loads(await ws.recv())
                if message.get("method") == "Page.javascriptDialogOpening":
                    dialogs.append(message["params"].get("message", ""))
                if message.get("id") == n:
                    return dict(message.get("result", {}))

        await call("Page.enable")
        await call("Network.enable")
        await call(
            "Network.emulateNetworkConditions", offline=True, latency=0, downloadThroughput=-1, uploadThroughput=-1
        )
        await call("Page.addScriptToEvaluateOnNewDocument", source=WATCH)
        await call("Page.navigate", url=url)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            ready = await call("Runtime.evaluate", expression="document.readyState", returnByValue=True)
            if ready.get("result", {}).get("value") == "complete":
                break
            await asyncio.sleep(0.2)
        await asyncio.sleep(settle)  # an image that fails to load fires its onerror after the load
        result = await call("Runtime.evaluate", expression=STATE, returnByValue=True)
        state: dict[str, Any] = json.loads(result["result"]["value"])
        state["dialogs"] = state["dialogs"] + dialogs
        if focus is not None:
            await call("Runtime.evaluate", expression=SCROLL_TO % json.dumps(focus), returnByValue=True)
        if screenshot is not None:
            shot = await call("Page.captureScreenshot", format="png")
            screenshot.write_bytes(base64.b64decode(shot["data"]))
        return state


def visit(
    chromium: str,
    page: Path,
    profile: Path,
    screenshot: Path | None = None,
    focus: str | None = None,
    settle: float = 1.0,
) -> dict[str, Any]:
    """Load ``page`` (a file) offline; its title, the hostile marker ``window.__xss`` (None when no script set it),
    the dialogs script asked for, its visible text, how many elements carry an ``onerror`` handler and how many
    images it has. With ``screenshot``, a PNG of the window scrolled to the first text containing ``focus``."""
    with headless(chromium, profile, FLAGS) as ws_url:
        return asyncio.run(_visit(ws_url, page.resolve().as_uri(), screenshot, settle, focus))
