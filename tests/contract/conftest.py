"""The contract suite: the engine's behaviour, the same over every backend.

Every test here takes ``backend`` (directly or through ``ix``) and runs
twice: on a Whoosh index in a temporary folder, and on the ``commentary``
collection of the session's real 2-node SolrCloud (``solr_cluster`` in
tests/conftest.py).  The assertions are the same for both.  The Solr runs
are marked ``cluster`` and skip, with the reason, only when Java or Maven is
missing.

A Solr collection cannot be thrown away like a folder, so ``Backend.fresh``
empties it instead (delete everything, committed): every module starts from
an empty collection, and a module holds one corpus at a time.
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Iterator

import pytest
from backends import Backend
from solrkit import empty_collection, location_url, require_solr_backend

import search
from corpus import write_searching_corpus

BACKENDS = ["whoosh", pytest.param("solr", marks=pytest.mark.cluster)]


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Backend]:
    """Whoosh in temporary folders, or the session cluster's ``commentary`` collection."""
    if request.param == "whoosh":
        counter = itertools.count()
        root = tmp_path_factory.mktemp("contract-whoosh")
        chosen = Backend("whoosh", lambda: str(root / f"index-{next(counter)}"))
    else:
        cluster = request.getfixturevalue("solr_cluster")
        require_solr_backend(cluster.location)

        def emptied() -> str:
            empty_collection(location_url(cluster.location))
            return cluster.location

        chosen = Backend("solr", emptied)
    yield chosen
    chosen.close()


# -- the main corpus ----------------------------------------------------------------------


@pytest.fixture(scope="session")
def searching_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The main contract corpus, written once per session."""
    return write_searching_corpus(tmp_path_factory.mktemp("contract-corpus") / "docs")


@pytest.fixture(scope="module")
def ix(backend: Backend, searching_corpus: Path) -> Iterator[search.Index]:
    """The main corpus indexed in a fresh location of ``backend``, open."""
    backend.fresh()
    report = backend.build([searching_corpus])
    assert not report.skipped, report.skipped
    yield backend.open()
    backend.empty()
