"""A SolrCloud for development and tests, and setting up a collection on one.

Two jobs, both needed before a Solr backend can be used:

- ``start_cluster`` builds the Java launcher in ``cluster/solr/launcher``
  (with Maven, only when its jar is missing or older than its sources) and
  runs it: a 2-node SolrCloud with embedded ZooKeeper on free ports of
  127.0.0.1, with the collection created from ``cluster/solr/configset``.
- ``init_collection`` uploads that configset to an existing SolrCloud through
  its Configsets API and creates (or reloads) the collection.

Only the standard library is used (``urllib`` for HTTP), and nothing imports
this module at ``import search`` time: the package works without Java.
"""

from __future__ import annotations

import io
import json
import os
import queue
import re
import shutil
import signal
import subprocess
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from .errors import SearchError

__all__ = [
    "ClusterError",
    "SolrLocation",
    "parse_location",
    "solr_dir",
    "launcher_is_current",
    "build_launcher",
    "Cluster",
    "start_cluster",
    "init_collection",
    "InitReport",
]

# The repository's cluster/solr folder (present in a checkout, not in a wheel).
_SOLR_DIR = Path(__file__).resolve().parent.parent / "cluster" / "solr"

# Two nodes, ZooKeeper and the collection's cores fit in this heap with room
# to spare (Solr's own multi-node tests run in 512 MB).
JVM_OPTIONS = (
    "-Xmx1g",
    "-XX:+UseSerialGC",
    "-Djava.security.egd=file:/dev/./urandom",
)

# A cold JVM starting two nodes on a busy 2-core machine takes well under a
# minute; this bounds a start that will never finish.
START_TIMEOUT = 300.0
HTTP_TIMEOUT = 60.0


class ClusterError(SearchError):
    """The cluster cannot be built, started, reached or set up; the message says why."""


@dataclass(frozen=True)
class SolrLocation:
    """Where a collection lives: ``http://host:port/solr`` and the collection's name."""

    base_url: str
    collection: str

    @property
    def location(self) -> str:
        """The form users type: ``solr://host:port/solr/collection`` (``https://…`` kept as is)."""
        url = f"{self.base_url}/{self.collection}"
        return "solr" + url.removeprefix("http") if url.startswith("http:") else url


# A collection or configset name as Solr accepts it.
_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.\-]*\Z")


def parse_location(location: str) -> SolrLocation:
    """Read ``solr://host:port/solr/collection`` (or ``http(s)://…``) into its parts.

    ``solr://`` means plain HTTP.  Raises ``ClusterError`` naming what is
    missing, so a typo is not sent to a server.
    """
    parts = urllib.parse.urlsplit(location.strip())
    scheme = {"solr": "http", "http": "http", "https": "https"}.get(parts.scheme.lower())
    if scheme is None or not parts.hostname:
        raise ClusterError(f"not a Solr location: {location!r}; expected solr://HOST:PORT/solr/COLLECTION")
    if parts.query or parts.fragment:
        raise ClusterError(f"not a Solr location: {location!r}; it takes no '?' or '#' part")
    try:
        port = parts.port
    except ValueError:
        raise ClusterError(f"not a Solr location: {location!r}: the port is not a number") from None
    segments = [s for s in parts.path.split("/") if s]
    if len(segments) < 2:
        raise ClusterError(f"not a Solr location: {location!r}; the path must be /solr/COLLECTION")
    collection = segments[-1]
    if not _NAME.match(collection):
        raise ClusterError(f"not a collection name: {collection!r}; use letters, digits, '_', '.' and '-'")
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    netloc = host if port is None else f"{host}:{port}"
    return SolrLocation(f"{scheme}://{netloc}/" + "/".join(segments[:-1]), collection)


# ---------------------------------------------------------------- the launcher


def solr_dir() -> Path:
    """The repository's ``cluster/solr`` folder; ``ClusterError`` outside a checkout."""
    if not (_SOLR_DIR / "launcher" / "pom.xml").is_file():
        raise ClusterError(f"the Solr launcher is not here ({_SOLR_DIR}): run from a checkout of the repository")
    return _SOLR_DIR


def _launcher_jar(launcher: Path) -> Path:
    return launcher / "target" / "launcher.jar"


def launcher_is_current(launcher: Path) -> bool:
    """True when the launcher's jar and libraries exist and are newer than the pom and every source."""
    jar = _launcher_jar(launcher)
    if not jar.is_file() or not (launcher / "target" / "lib").is_dir():
        return False
    sources = [launcher / "pom.xml", *(p for p in (launcher / "src").rglob("*") if p.is_file())]
    built = jar.stat().st_mtime
    return all(p.stat().st_mtime <= built for p in sources)


def build_launcher(launcher: Path | None = None, *, log: IO[str] | None = None) -> Path:
    """Build the launcher with Maven when needed; return its jar.

    The first build downloads Solr's test framework into ``~/.m2`` (about
    150 MB).  Maven's output goes to ``log`` when given; on failure its last
    error line is in the ``ClusterError``.
    """
    launcher = launcher or solr_dir() / "launcher"
    if launcher_is_current(launcher):
        return _launcher_jar(launcher)
    mvn = shutil.which("mvn")
    if mvn is None:
        raise ClusterError("Maven (mvn) is needed to build the Solr launcher; install it (Debian: apt-get install maven)")
    done = subprocess.run(
        [mvn, "-q", "-B", "-f", str(launcher / "pom.xml"), "package"],
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True, errors="replace", check=False,
    )
    if log is not None:
        log.write(done.stdout)
        log.flush()
    if done.returncode != 0 or not launcher_is_current(launcher):
        errors = [line for line in done.stdout.splitlines() if "ERROR" in line] or done.stdout.splitlines() or ["no output"]
        raise ClusterError(f"building the Solr launcher failed (mvn exit {done.returncode}): {errors[0].strip()}")
    # Maven keeps an unchanged jar's old time: mark it as built now.
    os.utime(_launcher_jar(launcher))
    return _launcher_jar(launcher)


@dataclass
class Cluster:
    """A running launcher: its collection's location, node URLs and ZooKeeper address.

    Stop it with ``stop()`` or by leaving the ``with`` block.  If this
    process dies, the launcher sees its standard input close and stops too.
    """

    location: str
    nodes: list[str]
    zk: str
    info_file: Path
    process: subprocess.Popen[str]
    _lines: queue.Queue[str | None] = field(repr=False)
    _own_info: bool = field(default=False, repr=False)

    @property
    def pid(self) -> int:
        """The launcher JVM's process id."""
        return self.process.pid

    @property
    def running(self) -> bool:
        """True until the launcher has exited."""
        return self.process.poll() is None

    def stop_node(self, index: int, timeout: float = START_TIMEOUT) -> None:
        """Stop node ``index`` (0-based); its URL stops answering."""
        self._command(f"stop {index}", timeout)

    def start_node(self, index: int, timeout: float = START_TIMEOUT) -> None:
        """Start node ``index`` again on the same port and wait until the collection is active."""
        self._command(f"start {index}", timeout)

    def _command(self, command: str, timeout: float) -> str:
        if not self.running or self.process.stdin is None:
            raise ClusterError("the cluster is not running")
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()
        answer = _next_line(self._lines, self.process, timeout, f"the answer to {command!r}")
        if not answer.startswith("ok"):
            raise ClusterError(f"{command}: {answer.removeprefix('error ').strip()}")
        return answer

    def stop(self, timeout: float = 60.0) -> int:
        """Stop the cluster (SIGTERM: nodes shut down, the temporary folder is deleted); return the exit code.

        Killed if it has not finished within ``timeout`` seconds.
        """
        if self.running:
            self.process.send_signal(signal.SIGTERM)
        try:
            code = self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            code = self.process.wait()
        for stream in (self.process.stdin, self.process.stdout):
            if stream is not None:
                try:
                    stream.close()
                except OSError:  # a pipe whose reader has gone
                    pass
        if self._own_info:
            self.info_file.unlink(missing_ok=True)
        return code

    def __enter__(self) -> Cluster:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start_cluster(
    *,
    collection: str = "commentary",
    nodes: int = 2,
    shards: int = 2,
    replicas: int = 2,
    info_file: Path | None = None,
    log: IO[str] | None = None,
    timeout: float = START_TIMEOUT,
) -> Cluster:
    """Build the launcher if needed, start a cluster and return once the collection is active.

    ``log`` receives Maven's and the JVM's messages (default: this process's
    standard error).  ``info_file`` receives the node URLs and ZooKeeper's
    address as JSON (default: a temporary file deleted at ``stop()``).
    """
    java = _java()
    jar = build_launcher(log=log)
    if not _NAME.match(collection):
        raise ClusterError(f"not a collection name: {collection!r}; use letters, digits, '_', '.' and '-'")
    own_info = info_file is None
    if info_file is None:
        import tempfile

        handle, name = tempfile.mkstemp(prefix="commentary-cluster-", suffix=".json")
        os.close(handle)
        info_file = Path(name)
    info_file.unlink(missing_ok=True)  # a file left from an earlier run must not be read as ours
    command = [
        java, *JVM_OPTIONS, "-cp", f"{jar}{os.pathsep}{jar.parent / 'lib' / '*'}", "Launcher",
        "--configset", str(solr_dir() / "configset"), "--info", str(info_file),
        "--collection", collection, "--nodes", str(nodes), "--shards", str(shards),
        "--replicas", str(replicas), "--timeout", str(int(timeout)), "--stop-on-eof", "true",
    ]
    process = subprocess.Popen(
        command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log,
        text=True, encoding="utf-8", errors="replace",
        # Its own session: Ctrl+C reaches us, and we stop it in order.
        start_new_session=True,
    )
    lines = _read_lines(process)
    try:
        first = _next_line(lines, process, timeout, "the collection's location")
        if not first.startswith("solr://"):
            raise ClusterError(f"the launcher printed {first!r} instead of the collection's location")
        info = json.loads(info_file.read_text(encoding="utf-8"))
    except BaseException:
        # Interrupted or failed: let the JVM's shutdown hook delete its folder.
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
        try:
            process.wait(60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stdin is not None:
            process.stdin.close()
        if own_info:
            info_file.unlink(missing_ok=True)
        raise
    return Cluster(first, list(info["nodes"]), info["zk"], info_file, process, lines, own_info)


def _java() -> str:
    """The ``java`` to run: ``$JAVA_HOME/bin/java`` or the one on the PATH."""
    home = os.environ.get("JAVA_HOME")
    candidate = Path(home) / "bin" / "java" if home else None
    if candidate is not None and candidate.is_file():
        return str(candidate)
    found = shutil.which("java")
    if found is None:
        raise ClusterError("Java 17 or newer is needed to run the Solr launcher; install it (Debian: apt-get install openjdk-17-jdk-headless)")
    return found


def _read_lines(process: subprocess.Popen[str]) -> queue.Queue[str | None]:
    """The launcher's standard output, line by line, read by a daemon thread; None at the end."""
    lines: queue.Queue[str | None] = queue.Queue()

    def pump() -> None:
        assert process.stdout is not None
        try:
            for line in process.stdout:
                lines.put(line.rstrip("\n"))
        except (OSError, ValueError):  # closed by stop()
            pass
        lines.put(None)

    threading.Thread(target=pump, name="commentary-cluster-stdout", daemon=True).start()
    return lines


def _next_line(lines: queue.Queue[str | None], process: subprocess.Popen[str], timeout: float, what: str) -> str:
    """The launcher's next line of output, or a ``ClusterError`` saying why there is none."""
    try:
        line = lines.get(timeout=timeout)
    except queue.Empty:
        raise ClusterError(f"the Solr launcher gave no {what} within {timeout:.0f} s") from None
    if line is None:
        code = process.wait()
        raise ClusterError(f"the Solr launcher exited (status {code}) before printing {what}; its log says why")
    return line


# ------------------------------------------------- setting up a collection


@dataclass(frozen=True)
class InitReport:
    """What ``init_collection`` did: the configset uploaded, and the collection created or reloaded."""

    location: str
    configset: str
    created: bool


def init_collection(
    location: str,
    *,
    shards: int = 2,
    replicas: int = 2,
    configset: str | None = None,
    configset_dir: Path | None = None,
    timeout: float = START_TIMEOUT,
) -> InitReport:
    """Upload our configset to the SolrCloud at ``location`` and create the collection.

    The configset is named after the collection unless ``configset`` is
    given, and replaced if it exists.  An existing collection is reloaded
    (so it picks up the new configuration) rather than created; returns once
    every replica is active, or raises ``ClusterError`` after ``timeout``.
    """
    where = parse_location(location)
    name = configset or where.collection
    if not _NAME.match(name):
        raise ClusterError(f"not a configset name: {name!r}; use letters, digits, '_', '.' and '-'")
    conf = (configset_dir or solr_dir() / "configset") / "conf"
    upload = _zip_folder(conf)
    _solr_request(where.base_url, "/admin/configs",
                  {"action": "UPLOAD", "name": name, "overwrite": "true", "cleanup": "true"},
                  data=upload, content_type="application/octet-stream")
    existing = _solr_request(where.base_url, "/admin/collections", {"action": "LIST"}).get("collections", [])
    created = where.collection not in existing
    if created:
        _solr_request(where.base_url, "/admin/collections", {
            "action": "CREATE", "name": where.collection, "collection.configName": name,
            "numShards": str(shards), "replicationFactor": str(replicas),
            "waitForFinalState": "true",
        }, timeout=timeout)
    else:
        _solr_request(where.base_url, "/admin/collections",
                      {"action": "RELOAD", "name": where.collection}, timeout=timeout)
    _wait_until_active(where, timeout)
    return InitReport(where.location, name, created)


def _zip_folder(folder: Path) -> bytes:
    """A folder's files zipped with paths relative to it, as the Configsets API wants."""
    if not (folder / "solrconfig.xml").is_file():
        raise ClusterError(f"not a configset: {folder} has no solrconfig.xml")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                archive.write(path, path.relative_to(folder).as_posix())
    return buffer.getvalue()


def _wait_until_active(where: SolrLocation, timeout: float) -> None:
    """Poll CLUSTERSTATUS until every replica of the collection is active."""
    deadline = time.monotonic() + timeout
    while True:
        status = _solr_request(where.base_url, "/admin/collections",
                               {"action": "CLUSTERSTATUS", "collection": where.collection})
        shards = status.get("cluster", {}).get("collections", {}).get(where.collection, {}).get("shards", {})
        states = [replica.get("state") for shard in shards.values() for replica in shard.get("replicas", {}).values()]
        if states and all(state == "active" for state in states):
            return
        if time.monotonic() > deadline:
            raise ClusterError(f"collection {where.collection} is not active after {timeout:.0f} s "
                               f"(replica states: {', '.join(map(str, states)) or 'none'})")
        time.sleep(0.5)


def _solr_request(base_url: str, path: str, params: dict[str, str], *, data: bytes | None = None,
                  content_type: str | None = None, timeout: float = HTTP_TIMEOUT) -> dict[str, Any]:
    """One call to Solr's admin API; its JSON answer, or ``ClusterError`` with Solr's own message."""
    url = f"{base_url}{path}?{urllib.parse.urlencode({**params, 'wt': 'json'})}"
    request = urllib.request.Request(url, data=data, method="POST" if data is not None else "GET")
    if content_type:
        request.add_header("Content-Type", content_type)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return json.loads(response.read().decode("utf-8"))
    except urllib.error.HTTPError as exc:
        raise ClusterError(f"Solr at {base_url} refused {params.get('action', path)}: {_solr_message(exc)}") from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise ClusterError(f"cannot reach Solr at {base_url}: {reason}") from None
    except ValueError:
        raise ClusterError(f"Solr at {base_url} answered {params.get('action', path)} with something other than JSON") from None


def _solr_message(exc: urllib.error.HTTPError) -> str:
    """The ``error.msg`` of Solr's JSON error body, else the HTTP status."""
    try:
        body = json.loads(exc.read().decode("utf-8", "replace"))
        message = body.get("error", {}).get("msg") or body.get("exception", {}).get("msg")
    except (ValueError, AttributeError, OSError):
        message = None
    return " ".join(str(message).split()) if message else f"HTTP {exc.code} {exc.reason}"
