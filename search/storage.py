"""Storage primitives shared by the writer and the reader of an index.

Where an index lives by default, whether a folder holds one, opening it and
checking that it was written with this version's schema.  Both
``search.indexer`` (the writer) and ``search.searching`` (the reader) import
this module, so opening an index for search never imports the writer, the
document readers or YAML.
"""

from __future__ import annotations

import functools
import gc
import os
import re
import warnings
from pathlib import Path
from typing import Any, Callable

from whoosh import index as whoosh_index
from whoosh.reading import TermNotFound

from .errors import IndexCorruptError
from .schema import SCHEMA, schema_fingerprint

__all__ = [
    "committed_generation",
    "default_index_dir",
    "default_sources",
    "has_current_schema",
    "has_index",
    "open_whoosh_index",
    "IndexView",
]


def default_index_dir() -> Path:
    """``$COMMENTARY_INDEX`` if set, else ``./index``."""
    return Path(os.environ.get("COMMENTARY_INDEX") or "index")


def default_sources() -> list[Path]:
    """The folder read when no source is given: ``./seeds``."""
    return [Path("seeds")]


def has_index(path: Path) -> bool:
    """True when ``path`` holds an index (readable or not).

    Whoosh's ``exists_in`` raises on a damaged table of contents; a damaged
    index still exists and must be reported as corrupt, not missing.  Only a
    committed table of contents counts: creating an index writes an empty
    one of generation 0 at once, and the first commit writes generation 1,
    so a first build that was killed (or failed) leaves "no index", which
    ``commentary serve`` then builds.
    """
    return committed_generation(path) >= 1


_TOC_NAME = re.compile(r"_MAIN_(\d+)\.toc")


def committed_generation(path: Path) -> int:
    """The newest table-of-contents generation in ``path``; -1 when there is none."""
    try:
        names = os.listdir(path)
    except (OSError, ValueError):
        return -1
    found = [int(m.group(1)) for m in map(_TOC_NAME.fullmatch, names) if m]
    return max(found, default=-1)


def open_whoosh_index(path: Path) -> Any:
    """Open the Whoosh index in ``path``; raise IndexCorruptError if it is damaged."""
    # Whoosh leaves the table-of-contents file open when reading it fails;
    # it is closed when the exception goes away, which must not surface as
    # a ResourceWarning in the caller.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        try:
            return whoosh_index.open_dir(str(path))
        except Exception as exc:  # noqa: BLE001 - a damaged index fails in many ways
            problem = f"{type(exc).__name__}: {exc}"
        gc.collect()
    raise IndexCorruptError(
        f"the index in {path} cannot be read ({problem}); "
        "rebuild it with `commentary index --rebuild`"
    )


@functools.lru_cache(maxsize=1)
def _current_fingerprint() -> str:
    """This version's schema fingerprint, computed once per process: it walks
    every analyzer's stop words, a good part of opening an index."""
    return schema_fingerprint(SCHEMA)


def has_current_schema(ix: Any) -> bool:
    """True when the open Whoosh index ``ix`` was written with this version's schema."""
    return schema_fingerprint(ix.schema) == _current_fingerprint()


class IndexView:
    """One generation of an open Whoosh index, as a search reads it.

    What a search asks of a Whoosh ``Searcher`` (its reader, stored fields,
    document counts, average field lengths, whether it is up to date) comes
    straight from the reader.  Opening a ``Searcher`` imports
    ``whoosh.searching`` and with it ``whoosh.query``, ``whoosh.scoring``,
    ``whoosh.highlight`` and ``whoosh.classify``, which a search (matching
    from postings) never uses and a one-shot ``commentary search`` would pay
    for; so one is made, over the same reader, only when something asks
    for a method this class does not have (``more_like``'s key terms and
    Whoosh query, tests comparing with Whoosh's own matching).
    """

    def __init__(self, ix: Any, weighting: Callable[[], Any]) -> None:
        self._ix = ix
        self._reader = ix.reader()
        self._weighting = weighting
        self._whoosh: Any = None
        self.schema = self._reader.schema
        # Whoosh's Searcher divides by every document ever added, deleted
        # ones included; so does this, for the same averages.
        self._doc_count_all = self._reader.doc_count_all()
        self.stored_fields = self._reader.stored_fields

    def reader(self) -> Any:
        """The Whoosh reader of this generation."""
        return self._reader

    def doc_count(self) -> int:
        """Live (not deleted) documents."""
        return self._reader.doc_count()

    def doc_count_all(self) -> int:
        """Documents, deleted ones included."""
        return self._doc_count_all

    def avg_field_length(self, fieldname: str, default: float | None = None) -> float | None:
        """The average length of ``fieldname`` in words, as Whoosh's ``Searcher`` gives it."""
        if not self.schema[fieldname].scorable:
            return default
        return self._reader.field_length(fieldname) / (self._doc_count_all or 1)

    def document_number(self, **kw: Any) -> int | None:
        """The number of the document with the given unique field value, or None."""
        (name, value), = kw.items()  # one unique field, as Whoosh's own shortcut takes it
        try:
            return self._reader.first_id(name, self.schema[name].to_bytes(value))
        except TermNotFound:
            return None

    def up_to_date(self) -> bool:
        """False once a newer generation has been committed."""
        return self._ix.latest_generation() == self._reader.generation()

    def whoosh_searcher(self) -> Any:
        """A Whoosh ``Searcher`` over this view's reader, made on first use."""
        if self._whoosh is None:
            from whoosh.searching import Searcher

            self._whoosh = Searcher(self._reader, weighting=self._weighting(), fromindex=self._ix,
                                    closereader=False)
        return self._whoosh

    def __getattr__(self, name: str) -> Any:
        # Anything else a Whoosh searcher offers, from a real one.
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self.whoosh_searcher(), name)

    def close(self) -> None:
        """Close the reader (and the Whoosh searcher, if one was made)."""
        if self._whoosh is not None:
            self._whoosh.close()
        self._reader.close()
