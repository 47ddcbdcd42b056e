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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest
from solrkit import empty_collection

import search
from corpus import write_searching_corpus

BACKENDS = ["whoosh", pytest.param("solr", marks=pytest.mark.cluster)]


@dataclass
class Backend:
    """One place documents can be indexed: a Whoosh folder or a Solr collection."""

    name: str
    _fresh: Callable[[], str]
    location: str = ""
    _opened: list[search.Index] = field(default_factory=list)

    def fresh(self) -> str:
        """An empty index location (a new folder, or the collection emptied); return it."""
        self.close()
        self.location = self._fresh()
        return self.location

    def build(self, sources: list[Any] | None = None, **options: Any) -> Any:
        """``search.build_index`` into the current location."""
        return search.build_index(sources or [], index_dir=self.location, **options)

    def open(self) -> search.Index:
        """``search.open_index`` on the current location (closed at ``fresh``/teardown)."""
        index = search.open_index(self.location)
        self._opened.append(index)
        return index

    def close(self) -> None:
        """Close every index this backend opened."""
        while self._opened:
            self._opened.pop().close()


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


def require_solr_backend(location: str) -> None:
    """Fail (not skip) unless ``search`` opens ``location`` with its Solr backend.

    Without one, ``build_index(index_dir="solr://…")`` would quietly write a
    Whoosh index into a folder named ``solr:`` and every comparison would pass.
    """
    empty_collection(location_url(location))
    try:
        index = search.open_index(location)
    except search.SearchError as exc:
        pytest.fail(f"the Solr backend is missing: open_index({location!r}) raised {type(exc).__name__}: {exc}")
    with index:
        module = type(index).__module__
        assert module.startswith("search.solr"), f"the Solr backend is missing: open_index({location!r}) gave a {module}.{type(index).__name__}"


def location_url(location: str) -> str:
    """``http://host:port/solr/collection`` for a ``solr://…`` location."""
    from search.cluster import parse_location

    where = parse_location(location)
    return f"{where.base_url}/{where.collection}"


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
    backend.close()
