"""`commentary serve --workers N`: real gunicorn workers, each with its own open index.

Which worker answered a request is read from the kernel, not from the app:
the worker whose file descriptors hold the server end of our TCP connection
(``/proc/<pid>/fd`` and ``/proc/net/tcp``), so these tests run on Linux only.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import pytest

import search
from live_server import server_process
from webui import server as webui_server

pytestmark = pytest.mark.skipif(
    not (sys.platform.startswith("linux") and webui_server.forking_supported()),
    reason="worker processes need POSIX and gunicorn; finding a request's worker needs Linux's /proc",
)

# Two workers, one thread each, at most two connections each: three connections
# open at once cannot all be held by one worker, so they reach both.
WORKER_ARGS = ["--workers", "2", "--connection-limit", "4", "--channel-timeout", "30"]
DEADLINE = 30.0  # seconds any wait below may take on a loaded machine


def worker_pids(master: int) -> set[int]:
    """The live children of process ``master`` (gunicorn's workers)."""
    found = set()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text(encoding="ascii")
        except OSError:
            continue  # exited meanwhile
        # Fields after the parenthesised name: state, ppid, ...
        state, ppid = stat.rsplit(")", 1)[1].split()[:2]
        if int(ppid) == master and state != "Z":
            found.add(int(entry))
    return found


def wait_for_workers(master: int, count: int) -> set[int]:
    """The worker pids once ``count`` of them are running."""
    deadline = time.monotonic() + DEADLINE
    while time.monotonic() < deadline:
        pids = worker_pids(master)
        if len(pids) >= count:
            return pids
        time.sleep(0.1)
    raise AssertionError(f"{count} workers did not start; have {worker_pids(master)}")


def _socket_inode(server_port: int, client_port: int) -> int | None:
    """The inode of the server end of the TCP connection from ``client_port``, if accepted yet."""
    for line in Path("/proc/net/tcp").read_text(encoding="ascii").splitlines()[1:]:
        fields = line.split()
        local, remote, inode = fields[1], fields[2], int(fields[9])
        if int(local.split(":")[1], 16) == server_port and int(remote.split(":")[1], 16) == client_port and inode:
            return inode
    return None


def owner_of(conn: socket.socket, pids: set[int]) -> int:
    """Which of ``pids`` holds the server end of ``conn`` (waits until a worker accepted it)."""
    server_port, client_port = conn.getpeername()[1], conn.getsockname()[1]
    deadline = time.monotonic() + DEADLINE
    while time.monotonic() < deadline:
        inode = _socket_inode(server_port, client_port)
        for pid in pids:
            try:
                fds = os.listdir(f"/proc/{pid}/fd")
            except OSError:
                continue
            for fd in fds:
                try:
                    if inode is not None and os.readlink(f"/proc/{pid}/fd/{fd}") == f"socket:[{inode}]":
                        return pid
                except OSError:
                    continue
        time.sleep(0.05)
    raise AssertionError("no worker accepted the connection")


def _get(conn: socket.socket, host: str, path: str) -> dict:
    """Send one GET on ``conn`` and return its JSON body (the server closes after it)."""
    conn.sendall(f"GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode("ascii"))
    data = b""
    while chunk := conn.recv(65536):
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200"), head
    return json.loads(body)


def answers_by_worker(base: str, path: str, pids: set[int]) -> dict[int, list[dict]]:
    """GET ``path`` on three connections opened at once; the JSON answers by worker pid.

    Each connection is opened idle and its worker found before the request is
    sent, so the answer is known to come from that worker.
    """
    host, port = urlsplit(base).hostname, urlsplit(base).port
    assert host and port
    conns = [socket.create_connection((host, port), timeout=DEADLINE) for _ in range(3)]
    try:
        owners = [owner_of(conn, pids) for conn in conns]
        answers: dict[int, list[dict]] = {}
        for owner, conn in zip(owners, conns):
            answers.setdefault(owner, []).append(_get(conn, f"{host}:{port}", path))
        return answers
    finally:
        for conn in conns:
            conn.close()


@pytest.fixture
def own_index(webui_corpus_dir: Path, tmp_path: Path) -> tuple[Path, Path]:
    """A corpus copy and its index, both the test's to change."""
    corpus = tmp_path / "corpus"
    shutil.copytree(webui_corpus_dir, corpus)
    target = tmp_path / "index"
    search.build_index([corpus], index_dir=target)
    return corpus, target


def test_requests_reach_every_worker_and_every_worker_sees_an_update(own_index, tmp_path):
    corpus, index_dir = own_index
    with server_process(index_dir, threads=1, args=WORKER_ARGS) as server:
        pids = wait_for_workers(server.proc.pid, 2)
        assert len(pids) == 2 and server.proc.pid not in pids
        before = answers_by_worker(server.base, "/api/search?q=policy", pids)
        assert len(before) == 2, before  # two different processes answered
        totals = {answer["total"] for answers in before.values() for answer in answers}
        assert len(totals) == 1 and totals.pop() > 0  # and they answer alike
        assert all(answer["total"] == 0 for answers in answers_by_worker(
            server.base, "/api/search?q=zeppelin", pids).values() for answer in answers)

        (corpus / "zeppelin.md").write_text(
            "---\ntitle: Airships Return\nauthors: [Zoe Zeppelin]\ndate: 2024-06-01\n---\nThe zeppelin policy debate.\n",
            encoding="utf-8")
        search.build_index([corpus], index_dir=index_dir)

        seen_by: set[int] = set()
        deadline = time.monotonic() + DEADLINE
        while seen_by != pids and time.monotonic() < deadline:
            for pid, answers in answers_by_worker(server.base, "/api/search?q=zeppelin", pids).items():
                if all(answer["total"] == 1 and answer["hits"][0]["id"] == "zeppelin.md" for answer in answers):
                    seen_by.add(pid)
        assert seen_by == pids
        assert worker_pids(server.proc.pid) == pids  # the same workers, not restarted ones


def test_a_worker_that_dies_is_replaced_by_one_that_answers(webui_index_dir):
    with server_process(webui_index_dir, threads=1, args=WORKER_ARGS) as server:
        pids = wait_for_workers(server.proc.pid, 2)
        dead = min(pids)
        os.kill(dead, signal.SIGKILL)  # as the kernel's OOM killer or a crash in C would
        deadline = time.monotonic() + DEADLINE
        now = worker_pids(server.proc.pid)
        while (dead in now or len(now) < 2) and time.monotonic() < deadline:
            time.sleep(0.1)
            now = worker_pids(server.proc.pid)
        assert dead not in now and len(now) == 2, now
        (new,) = now - pids
        answers = answers_by_worker(server.base, "/api/search?q=policy", now)
        assert set(answers) == now  # the new worker answers, with an index of its own
        totals = {answer["total"] for group in answers.values() for answer in group}
        assert len(totals) == 1 and totals.pop() > 0
        assert server.proc.poll() is None  # the master carried on


def test_sigterm_stops_the_master_and_every_worker(webui_index_dir):
    with server_process(webui_index_dir, threads=1, args=WORKER_ARGS) as server:
        pids = wait_for_workers(server.proc.pid, 2)
        server.proc.send_signal(signal.SIGTERM)
        assert server.proc.wait(timeout=DEADLINE) == 0
        # A worker the master stopped may take a moment to vanish on a loaded
        # machine (a SIGKILLed one, an exited one not yet reaped by init).
        deadline = time.monotonic() + DEADLINE
        while time.monotonic() < deadline and running(pids):
            time.sleep(0.1)
        assert running(pids) == []


def running(pids: set[int]) -> list[int]:
    """Those of ``pids`` that are still running (neither gone nor exited and awaiting their reaper)."""
    alive = []
    for pid in pids:
        try:
            state = Path(f"/proc/{pid}/stat").read_text(encoding="ascii").rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z":
            alive.append(pid)
    return alive


def test_workers_of_a_killed_master_exit_by_themselves(webui_index_dir):
    with server_process(webui_index_dir, threads=1, args=WORKER_ARGS) as server:
        pids = wait_for_workers(server.proc.pid, 2)
        server.proc.kill()
        server.proc.wait(timeout=DEADLINE)
        deadline = time.monotonic() + 2 * webui_server.WORKER_TIMEOUT
        while time.monotonic() < deadline and any(Path(f"/proc/{pid}").exists() for pid in pids):
            time.sleep(0.2)
        # Orphans are adopted by init (or a subreaper), which reaps them once they exit.
        assert running(pids) == []


def test_a_missing_index_is_built_once_before_the_workers_start(webui_corpus_dir, tmp_path):
    index_dir = tmp_path / "fresh-index"
    with server_process(index_dir, threads=1, args=[*WORKER_ARGS, "--source", str(webui_corpus_dir)]) as server:
        printed = "".join(server.before)
        assert printed.count("No index at") == 1 and printed.count("Indexed ") == 1, printed
        assert "with 2 worker processes" in printed
        pids = wait_for_workers(server.proc.pid, 2)
        answers = answers_by_worker(server.base, "/api/search?q=policy", pids)
        assert len(answers) == 2 and all(a["total"] > 0 for group in answers.values() for a in group)


def test_bodies_are_refused_under_workers_too(webui_index_dir):
    with server_process(webui_index_dir, args=["--workers", "2"]) as server:
        request = urllib.request.Request(f"{server.base}/search", data=b"x" * 200_000, method="POST",
                                         headers={"Accept": "application/json"})
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=DEADLINE)
        assert refused.value.code == 413
        assert json.load(refused.value) == {"ok": False, "status": 413,
                                             "error": "request bodies over 65,536 bytes are refused"}
        refused.value.close()


def test_gunicorn_options_share_out_the_connection_limit():
    options = webui_server.gunicorn_options("::1", 0, workers=3, threads=2, connection_limit=200, channel_timeout=9)
    assert options["bind"] == ["[::1]:0"] and options["workers"] == 3 and options["threads"] == 2
    assert options["worker_connections"] == 67 and options["keepalive"] == 9
    tight = webui_server.gunicorn_options("127.0.0.1", 80, workers=2, threads=4, connection_limit=3, channel_timeout=9)
    assert tight["worker_connections"] == 2 and tight["keepalive"] == 0  # no room left for idle connections


def test_default_workers_is_the_usable_core_count():
    assert webui_server.default_workers() == len(os.sched_getaffinity(0))
