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
from typing import Any

from whoosh import index as whoosh_index

from .errors import IndexCorruptError
from .schema import SCHEMA, schema_fingerprint

__all__ = [
    "committed_generation",
    "default_index_dir",
    "default_sources",
    "has_current_schema",
    "has_index",
    "open_whoosh_index",
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
