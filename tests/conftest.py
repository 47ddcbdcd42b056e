"""Shared fixtures.

Web UI fixtures (``webui_*``, ``app``, ``client``) follow Flask's tutorial:
a temporary index built once per session from a small corpus written here,
an app created with test configuration, and its test client.  Add fixtures
for other parts of the project below, under their own names.
"""

from __future__ import annotations

import shutil
import subprocess
import textwrap
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

import pytest

import search
from needs import REQUIRE_VARIABLE, required, unavailable
from solrkit import CLUSTER_START_TIMEOUT, NO_JAVA_REASON, java_missing

if TYPE_CHECKING:
    from search.cluster import Cluster

REPO_ROOT = Path(__file__).resolve().parent.parent
HOSTILE_DIR = Path(__file__).resolve().parent / "hostile"

# -- the web UI test corpus -------------------------------------------------------
#
# Five authors, several affiliations and sources, dates from 1998 to 2024,
# plain text in the seed layout and Markdown with front matter.  Every
# document mentions "policy", so a search for it fills several pages.

WEBUI_PLAIN = {
    "1998/brooks-trade.txt": """\
        Open Markets After the Asian Crisis – Samuel Brooks

        June 3, 1998

        Samuel Brooks
        Senior Fellow, Harbor Trade Council

        The Asian financial crisis has tested the promise of open markets. Trade policy must not retreat into tariffs.

        Inflation in the region will rise before it falls, and central banks will be blamed for it.

        Source: The Ledger
        """,
    "2003/okafor-elections.txt": """\
        Free Elections Need Free Media – John Okafor

        September 14, 2003

        John Okafor
        Director, Centre for Democratic Studies

        Free elections are more than ballots. Without independent media, voters cannot judge a government's policy.

        The rule of law protects journalists as much as candidates. Parliament should write that protection down.

        Source: Policy Quarterly
        """,
    "2009/alvarez-banks.txt": """\
        Central Banks in the Storm – Maria Alvarez

        February 20, 2009

        Maria Alvarez
        Economist, Institute for Fiscal Studies

        The crisis has turned central banks into the first line of defence. Monetary policy alone cannot carry the recovery.

        Fiscal policy has to share the burden, or inflation expectations will drift.

        Source: The Economic Review
        """,
    "2012/li-sanctions.txt": """\
        Sanctions and Their Limits – Li Wei

        November 5, 2012

        Li Wei
        Research Director, Asia Pacific Forum

        Sanctions rarely change a government's policy on their own. They work when they are part of a wider diplomacy.

        Energy exports make sanctions leaky, and trade finds new routes.

        Source: Global Affairs Weekly
        """,
    "2015/kowalska-energy.txt": """\
        Energy Security for Central Europe – Anna Kowalska

        April 22, 2015

        Anna Kowalska
        Analyst, Warsaw Policy Institute

        Energy security is now foreign policy. Pipelines are instruments of influence, not only of supply.

        Diversification costs money, but dependence costs more.

        Source: Central European Monitor
        """,
    "2018/okafor-parliament.txt": """\
        A Parliament That Listens – John Okafor

        March 8, 2018

        John Okafor
        Director, Centre for Democratic Studies

        Parliament should hold open hearings before every major policy change. Citizens notice when they are ignored.

        The elections of next year will reward parties that listen.

        Source: Policy Quarterly
        """,
}

WEBUI_MARKDOWN = {
    "2019/alvarez-inflation.md": ("Inflation Is Back on the Agenda", ["Maria Alvarez"], "Institute for Fiscal Studies",
                                  "2019-01-15", "The Economic Review", ["inflation", "economy"],
                                  "Inflation has returned as a policy question. Central banks must explain their targets.\n\n"
                                  "Wages lag prices, and households feel inflation first."),
    "2019/li-trade.md": ("Trade Wars Have No Winners", ["Li Wei"], "Asia Pacific Forum", "2019-06-30",
                         "Global Affairs Weekly", ["trade"],
                         "Tariffs are taxes on consumers. A trade policy built on tariffs punishes the wrong people.\n\n"
                         "Supply chains adapt, but slowly and at a cost."),
    "2019/kowalska-elections.md": ("Europe Votes", ["Anna Kowalska"], "Warsaw Policy Institute", "2019-11-02",
                                   "Central European Monitor", ["elections"],
                                   "The European elections showed a continent divided on migration policy.\n\n"
                                   "Turnout rose, which is good news for democracy."),
    "2020/brooks-pandemic.md": ("The Pandemic Budget", ["Samuel Brooks"], "Harbor Trade Council", "2020-04-10",
                                "The Ledger", ["economy"],
                                "Emergency spending was the right policy. Paying for it will be the argument of the decade.\n\n"
                                "Inflation may follow, but unemployment is the bigger danger now."),
    "2020/alvarez-okafor-rules.md": ("Fiscal Rules and Democratic Control", ["Maria Alvarez", "John Okafor"],
                                     "Institute for Fiscal Studies", "2020-09-21", "Policy Quarterly", ["economy", "democracy"],
                                     "Fiscal rules bind governments, but parliament must be able to change them in the open.\n\n"
                                     "The rule of law applies to budgets too; policy made by decree erodes trust."),
    "2021/li-climate.md": ("Climate Diplomacy After Glasgow", ["Li Wei"], "Asia Pacific Forum", "2021-11-15",
                           "Global Affairs Weekly", ["climate"],
                           "Climate policy is now trade policy. Carbon border taxes will reshape supply chains.\n\n"
                           "Energy transition finance remains the missing piece."),
    "2022/kowalska-sanctions.md": ("Sanctions That Bite", ["Anna Kowalska"], "Centre for Eastern Studies", "2022-03-01",
                                   "Central European Monitor", ["sanctions", "energy"],
                                   "Sanctions against energy exports are finally part of European policy.\n\n"
                                   "Inflation will rise as energy prices climb; that is the price of principle."),
    "2023/okafor-courts.md": ("Courts and the Rule of Law", ["John Okafor"], "Centre for Democratic Studies",
                              "2023-05-17", "Policy Quarterly", ["democracy"],
                              "The rule of law depends on courts that governments cannot capture. Judicial policy matters.\n\n"
                              "Free elections mean little when judges serve the ruling party."),
    "2024/brooks-housing.md": ("Housing Is an Economic Policy", ["Samuel Brooks"], "Harbor Trade Council", "2024-02-12",
                               "The Ledger", ["housing", "economy"],
                               "Housing policy decides who can move to where the jobs are.\n\n"
                               "Zoning reform is cheaper than subsidies and works faster."),
}

# One Markdown document exercising links, lists, emphasis, a quote and a table.
WEBUI_RICH_MARKDOWN = ("2023/alvarez-central-banks.md", """\
---
title: What Central Banks Should Say
authors:
  - Maria Alvarez
affiliation: Institute for Fiscal Studies
date: 2023-10-04
source: The Economic Review
url: https://example.org/economic-review/central-banks
tags: [inflation, central banks]
---
Central banks speak to **markets** and to *households*. Their communication policy should serve both.

Three things a central bank should publish:

1. Its inflation forecast, with the uncertainty around it
2. The votes of its committee
3. A plain-language summary

- Read the [annual report](https://example.org/report)
- Compare with [the previous statement](http://example.org/statement "Statement")

> Inflation is always and everywhere a communication problem.

| Year | Target |
|------|--------|
| 2022 | 2% |
""")


def _write_webui_corpus(root: Path) -> None:
    """Write the web UI test corpus into ``root``."""
    for rel, text in WEBUI_PLAIN.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    for rel, (title, authors, affiliation, date, source, tags, body) in WEBUI_MARKDOWN.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        front = "\n".join([
            "---",
            f"title: {title}",
            "authors:",
            *[f"  - {name}" for name in authors],
            f"affiliation: {affiliation}",
            f"date: {date}",
            f"source: {source}",
            f"tags: [{', '.join(tags)}]",
            "---",
        ])
        path.write_text(front + "\n" + body + "\n", encoding="utf-8")
    rel, text = WEBUI_RICH_MARKDOWN
    (root / rel).write_text(text, encoding="utf-8")


def webui_write_hostile(root: Path) -> Path:
    """Copy ``tests/hostile`` into ``root`` and add a 200 KB single-line document."""
    shutil.copytree(HOSTILE_DIR, root, dirs_exist_ok=True)
    sentence = "An endless line about policy <script>window.__xss=1</script> and tariffs without a single break "
    line = (sentence * (200_000 // len(sentence) + 1))[:200_000]
    (root / "long-line.txt").write_text(
        "A Very Long Line – Lena Long\n\nJanuary 2, 2021\n\n" + line + "\n", encoding="utf-8")
    return root


def pytest_sessionstart(session: pytest.Session) -> None:
    """Stop at once when a required capability is missing: the cluster tests'
    ``skipif(java_missing())`` marks would otherwise skip them quietly."""
    if "solr" in required() and java_missing():
        raise pytest.UsageError(f"{REQUIRE_VARIABLE} lists solr, but {NO_JAVA_REASON}")


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 512 KB tmpfs mounted at ``tmp_path/disk`` for the test (to fill, or to
    remount read-only); unmounted after it.  Skipped where mounting is not allowed."""
    mount_point = tmp_path / "disk"
    mount_point.mkdir()
    result = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=512k", "tmpfs", str(mount_point)],
                            capture_output=True, text=True)
    if result.returncode != 0:
        unavailable("tmpfs", f"cannot mount a small tmpfs (needs root with CAP_SYS_ADMIN): {result.stderr.strip()}")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=False)


@pytest.fixture(scope="session")
def webui_corpus_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The web UI test corpus plus the repository's seed document, in a temporary folder.

    Only the seed document is copied, not the whole default corpus in ``seeds/``,
    so the web UI tests' counts do not change when that corpus does.
    """
    root = tmp_path_factory.mktemp("webui-corpus")
    _write_webui_corpus(root)
    seed = REPO_ROOT / "seeds" / "000_54abd231519280a8.txt"
    shutil.copy(seed, root / seed.name)
    return root


@pytest.fixture(scope="session")
def webui_index_dir(webui_corpus_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An index of the web UI corpus, built once per session; treat it as read-only."""
    return _webui_build(webui_corpus_dir, tmp_path_factory.mktemp("webui-index"))


@pytest.fixture(scope="session")
def webui_hostile_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The hostile corpus (``tests/hostile`` plus a generated 200 KB line)."""
    return webui_write_hostile(tmp_path_factory.mktemp("webui-hostile"))


@pytest.fixture(scope="session")
def webui_hostile_index_dir(webui_hostile_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An index of the hostile corpus alone."""
    return _webui_build(webui_hostile_dir, tmp_path_factory.mktemp("webui-hostile-index"))


def _webui_build(corpus: Path, folder: Path) -> Path:
    """Index ``corpus`` into ``folder/index``; every document must be readable."""
    target = folder / "index"
    report = search.build_index([corpus], index_dir=target)
    assert not report.skipped, report.skipped
    return target


def _webui_app(index_dir: Path, **config: object):
    from webui import create_app

    return create_app({"TESTING": True, "INDEX_DIR": str(index_dir), "PER_PAGE": 5, **config})


@pytest.fixture
def app(webui_index_dir: Path) -> Iterator[object]:
    """The web UI over the test corpus, 5 results per page."""
    application = _webui_app(webui_index_dir)
    yield application
    application.extensions["commentary"].close()


@pytest.fixture
def client(app):
    """A test client of ``app``."""
    return app.test_client()


@pytest.fixture
def webui_hostile_client(webui_hostile_index_dir: Path) -> Iterator[object]:
    """A test client of the web UI over the hostile corpus."""
    application = _webui_app(webui_hostile_index_dir)
    yield application.test_client()
    application.extensions["commentary"].close()


# -- the session's SolrCloud ---------------------------------------------------------
#
# One real 2-node cluster (2 shards x 2 replicas, embedded ZooKeeper) per test
# session, shared by tests/test_cluster.py and the contract suite
# (tests/contract/): starting one costs 20-30 s.  A test that stops a node
# starts it again before it ends.

@pytest.fixture(scope="session")
def solr_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator["Cluster"]:
    """The session's running 2-node SolrCloud; skipped without Java and Maven."""
    if java_missing():
        unavailable("solr", NO_JAVA_REASON)
    from search.cluster import ClusterError, start_cluster

    folder = tmp_path_factory.mktemp("cluster")
    with open(folder / "launcher.log", "w", encoding="utf-8") as log:
        try:
            running = start_cluster(info_file=folder / "nodes.json", log=log, timeout=CLUSTER_START_TIMEOUT)
        except ClusterError as exc:
            log.flush()
            tail = (folder / "launcher.log").read_text(encoding="utf-8", errors="replace")[-3000:]
            pytest.fail(f"{exc}\n--- launcher log ---\n{tail}")
        yield running
        running.stop()
