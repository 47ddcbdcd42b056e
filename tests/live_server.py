"""A real `commentary serve` process on a free port, for end-to-end tests.

The server runs in its own process, as in production: waitress cannot be
stopped cleanly from another thread of the same process (its loop races the
closing sockets), and a separate process also proves the console entry works.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, Sequence

_URL = re.compile(r"(http://127\.0\.0\.1:\d+)/")


@dataclass
class Server:
    """A started server: its base URL, its process and what it printed before serving."""

    base: str
    proc: subprocess.Popen[str]
    before: list[str] = field(default_factory=list)


@contextlib.contextmanager
def running_server(index_dir: Path, env: dict[str, str] | None = None, threads: int = 4,
                   args: Sequence[str] = ()) -> Iterator[str]:
    """Start `commentary serve` on port 0 (plus ``args``); yield its base URL; stop it afterwards."""
    with server_process(index_dir, env, threads, args) as server:
        yield server.base


@contextlib.contextmanager
def server_process(index_dir: Path, env: dict[str, str] | None = None, threads: int = 4,
                   args: Sequence[str] = ()) -> Iterator[Server]:
    """As ``running_server``, yielding the ``Server`` (a test may stop the process itself)."""
    command = [sys.executable, "-m", "webui.cli", "serve", "--index-dir", str(index_dir),
               "--host", "127.0.0.1", "--port", "0", "--threads", str(threads), *args]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env={**os.environ, **(env or {})})
    try:
        seen: list[str] = []
        base = _wait_for_url(proc, seen)
        with urllib.request.urlopen(f"{base}/healthz", timeout=10) as response:
            response.read()
        yield Server(base, proc, seen)
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.stdout:
            proc.stdout.close()


def _wait_for_url(proc: subprocess.Popen[str], seen: list[str]) -> str:
    """Read the server's output (into ``seen``) until it prints the URL it serves on."""
    assert proc.stdout is not None
    for line in proc.stdout:
        seen.append(line)
        match = _URL.search(line)
        if match:
            return match.group(1)
    raise RuntimeError("commentary serve exited before serving:\n" + "".join(seen))
