"""The demo's process tree: `unstuck serve` and `unstuck worker` as children of `unstuck demo`.

Children run in their own process group, so Ctrl-C in the terminal reaches `unstuck demo` alone and
it stops them in order (SIGTERM, wait, then SIGKILL). On Linux each child also asks the kernel for
SIGTERM should its parent die without cleaning up (SIGKILL, OOM), so no server is left orphaned.
"""

from __future__ import annotations

import ctypes
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass

_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:  # pragma: no cover - runs in the child between fork and exec
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):
        pass


@dataclass
class Child:
    """One child process and the name the messages use for it."""

    name: str
    process: subprocess.Popen[bytes]


class ProcessTree:
    """Start `python -m unstuck ...` children, notice when one dies, stop them all."""

    def __init__(self, *, env: dict[str, str] | None = None) -> None:
        self.env = env
        self.children: list[Child] = []

    def start(self, name: str, *args: str) -> Child:
        """Start `unstuck ARGS` as a child named `name` (its output goes to this terminal)."""
        linux = sys.platform.startswith("linux")
        process = subprocess.Popen(
            [sys.executable, "-m", "unstuck", *args],
            env=self.env,
            process_group=0,
            preexec_fn=_die_with_parent if linux else None,  # no threads run in the parent yet
        )
        child = Child(name, process)
        self.children.append(child)
        return child

    def dead(self) -> Child | None:
        """A child that has exited, if any."""
        return next((c for c in self.children if c.process.poll() is not None), None)

    def stop(self, *, timeout: float = 10.0) -> list[str]:
        """SIGTERM every running child, wait up to `timeout` seconds, SIGKILL the rest.

        Returns the names of children that had to be killed.
        """
        for child in self.children:
            if child.process.poll() is None:
                child.process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + timeout
        killed = []
        for child in self.children:
            try:
                child.process.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.process.kill()
                child.process.wait()
                killed.append(child.name)
        return killed


def port_free(host: str, port: int) -> bool:
    """Whether a server could listen on (host, port) right now."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def free_port(host: str) -> int:
    """A port nobody listens on (for `--port 0`)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        port: int = probe.getsockname()[1]
    return port


def browser_url(host: str, port: int) -> str:
    """The URL a person on this machine opens (a wildcard address is reached through loopback)."""
    shown = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(host, host)
    if ":" in shown:
        shown = f"[{shown}]"
    return f"http://{shown}:{port}/"


def wait_until_healthy(url: str, *, timeout: float, alive: Callable[[], bool]) -> bool:
    """Poll `url` until it answers 200; False on timeout or as soon as `alive()` says no."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not alive():
            return False
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return True
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.2)
    return False


def exit_code_text(code: int | None) -> str:
    """`exit code 3` or `killed by SIGKILL`."""
    if code is not None and code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit code {code}"


def environment() -> dict[str, str]:
    """The children's environment: ours, with unbuffered output so their lines arrive in order."""
    return {**os.environ, "PYTHONUNBUFFERED": "1"}
