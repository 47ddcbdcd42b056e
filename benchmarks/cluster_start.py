"""Measure the development SolrCloud: start time, memory, stop time.

Usage::

    python benchmarks/cluster_start.py [--runs 3] [--nodes 2 --shards 2 --replicas 2]

Builds the launcher first if needed (``search.cluster.build_launcher``, timed
apart), then for each run starts a cluster with ``search.cluster.start_cluster``
and records the seconds until the collection's location is printed, the
launcher JVM's resident memory (VmRSS from /proc) once ready and again after
indexing 1,000 small documents, and the seconds SIGTERM takes to stop it.
Prints Markdown with the machine's description, for docs/cluster.md.
"""

from __future__ import annotations

import os
import sys

if __name__ == "__main__" and sys.path and os.path.abspath(sys.path[0]) == os.path.dirname(os.path.abspath(__file__)):
    # Run as a script: the repository root, not benchmarks/, heads sys.path.
    sys.path[0] = os.path.dirname(sys.path[0])

import argparse  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import time  # noqa: E402
import urllib.request  # noqa: E402
from pathlib import Path  # noqa: E402

from search.cluster import build_launcher, launcher_is_current, parse_location, solr_dir, start_cluster  # noqa: E402


def rss_mb(pid: int) -> float:
    """Resident memory of a process in MB, from /proc/PID/status."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for {pid}")


def index_small_docs(collection_url: str, count: int) -> None:
    """Push ``count`` short documents through Solr's update API and commit."""
    docs = [{"id": f"d{i}", "title": f"Note {i}", "body": f"Commentary number {i} on elections and banks.",
             "author": [f"Author {i % 50}"], "dateord": 20000101 + i % 28} for i in range(count)]
    request = urllib.request.Request(f"{collection_url}/update?commit=true", data=json.dumps(docs).encode(),
                                     headers={"Content-Type": "application/json"}, method="POST")
    with urllib.request.urlopen(request, timeout=300) as response:
        response.read()


def main() -> None:
    """Run the measurements and print them."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--nodes", type=int, default=2)
    parser.add_argument("--shards", type=int, default=2)
    parser.add_argument("--replicas", type=int, default=2)
    args = parser.parse_args()

    launcher = solr_dir() / "launcher"
    built = None
    if not launcher_is_current(launcher):
        began = time.perf_counter()
        build_launcher(launcher)
        built = time.perf_counter() - began

    rows = []
    with open(os.devnull, "w") as quiet:
        for _ in range(args.runs):
            began = time.perf_counter()
            cluster = start_cluster(nodes=args.nodes, shards=args.shards, replicas=args.replicas, log=quiet)
            started = time.perf_counter() - began
            try:
                ready_rss = rss_mb(cluster.pid)
                where = parse_location(cluster.location)
                index_small_docs(f"{where.base_url}/{where.collection}", 1000)
                loaded_rss = rss_mb(cluster.pid)
            finally:
                began = time.perf_counter()
                cluster.stop()
                stopped = time.perf_counter() - began
            rows.append((started, ready_rss, loaded_rss, stopped))

    java = subprocess.run(["java", "-version"], capture_output=True, text=True).stderr.splitlines()[0]
    load = os.getloadavg()[0]
    print(f"Measured on {platform.platform()}, {os.cpu_count()} cores (load average {load:.1f} at the end), {java}.")
    print(f"Cluster: {args.nodes} nodes, {args.shards} shards x {args.replicas} replicas, JVM options of search.cluster.")
    if built is not None:
        print(f"Launcher build (mvn package, dependencies already in ~/.m2): {built:.1f} s")
    print()
    print("| run | start to first line (s) | JVM RSS ready (MB) | RSS after 1,000 docs (MB) | stop on SIGTERM (s) |")
    print("|---|---|---|---|---|")
    for number, (started, ready, loaded, stopped) in enumerate(rows, 1):
        print(f"| {number} | {started:.1f} | {ready:.0f} | {loaded:.0f} | {stopped:.1f} |")
    if len(rows) > 1:
        medians = [statistics.median(column) for column in zip(*rows)]
        print(f"| median | {medians[0]:.1f} | {medians[1]:.0f} | {medians[2]:.0f} | {medians[3]:.1f} |")


if __name__ == "__main__":
    main()
