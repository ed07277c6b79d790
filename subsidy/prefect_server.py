"""The temporary local Prefect server, started as soon as a command starts.

With no Prefect API configured, Prefect starts a temporary local server on a command's first flow run and waits
for it (several seconds), after importing its server code into the command's own process. A command of this
project instead starts that same server (the same uvicorn command Prefect runs, on a free local port) the moment
it starts, so the server boots while the command imports its own modules, and points ``PREFECT_API_URL`` at it;
the server is stopped when the command ends. With an API configured (``PREFECT_API_URL`` in the environment or
the active Prefect profile) nothing changes: the command reports to that server.
"""

from __future__ import annotations

import atexit
import importlib.util
import os
import socket
import subprocess
import sys
import threading
import time
import tomllib
import urllib.request
from pathlib import Path

from core.errors import SubsidyError

_server: subprocess.Popen[bytes] | None = None
_url: str | None = None


def _configured_api_url() -> str | None:
    """PREFECT_API_URL from the environment or from the active profile of Prefect's profiles file."""
    if os.environ.get("PREFECT_API_URL"):
        return os.environ["PREFECT_API_URL"]
    home = Path(os.environ.get("PREFECT_HOME", Path.home() / ".prefect")).expanduser()
    path = Path(os.environ.get("PREFECT_PROFILES_PATH", home / "profiles.toml")).expanduser()
    try:
        profiles = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return None
    active = os.environ.get("PREFECT_PROFILE") or profiles.get("active") or "ephemeral"
    value = profiles.get("profiles", {}).get(active, {}).get("PREFECT_API_URL")
    return str(value) if value else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _die_with_parent() -> None:
    """In the server process (Linux): be terminated when the command's main thread (which starts it) dies, even
    by a signal that skips exit handlers, so no temporary server outlives its command."""
    import ctypes
    import signal

    pr_set_pdeathsig = 1
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


def start_early() -> None:
    """Start the temporary server now unless an API is configured or Prefect is already loaded in this process
    (an embedding program or a test harness has set it up)."""
    global _server, _url
    if _server is not None or "prefect" in sys.modules or _configured_api_url():
        return
    if threading.current_thread() is not threading.main_thread():  # the server's life is tied to this thread
        return
    spec = importlib.util.find_spec("prefect")
    if spec is None or not spec.submodule_search_locations:
        return
    port = _free_port()
    package_dir = Path(next(iter(spec.submodule_search_locations))).parent
    _server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "--app-dir",
            str(package_dir),
            "--factory",
            "prefect.server.api.server:create_app",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "error",
            "--lifespan",
            "on",
        ],
        env={**os.environ, "PREFECT_UI_ENABLED": "0", "PREFECT__SERVER_EPHEMERAL": "1", "PREFECT__SERVER_FINAL": "1"},
        stdin=subprocess.DEVNULL,
        preexec_fn=_die_with_parent if sys.platform == "linux" else None,  # noqa: PLW1509 (no threads yet)
    )
    _url = f"http://127.0.0.1:{port}/api"
    os.environ["PREFECT_API_URL"] = _url
    atexit.register(stop)


def wait_ready(timeout: float = 60.0) -> None:
    """Wait until the temporary server answers (no-op when none was started here)."""
    if _server is None or _url is None:
        return
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if _server.poll() is not None:
            raise SubsidyError(f"the temporary Prefect server stopped at start-up (exit code {_server.returncode})")
        try:
            with urllib.request.urlopen(f"{_url}/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.05)
    raise SubsidyError(f"the temporary Prefect server did not answer within {timeout:.0f} s")


def stop() -> None:
    global _server
    if _server is None:
        return
    _server.terminate()
    try:
        _server.wait(timeout=5)
    except subprocess.TimeoutExpired:
        _server.kill()
        _server.wait()
    _server = None
