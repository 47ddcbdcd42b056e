"""Facet ordinals on disk, so that a fresh process does not read them from the postings.

Building a ``FacetTable`` reads the posting list of every facet value (about
1,200 at 100,000 documents): most of the first query of a new process.  The
table is a few arrays, so it is kept beside the index in
``facets-<generation>.npz``, written by the build right after its commit and,
for an index that has none (older builds, a build that could not write it),
by the first reader that computes it.

The file is a cache, never the truth:

* it names the generation, and inside it a key of that generation's exact
  contents (each segment's id and size, the live-document mask's checksum);
  a file whose key differs from the reader's is ignored;
* it is written to a temporary name and renamed into place, and the zip
  format's CRC of each array is checked when it is read, so a torn or
  damaged file is ignored too;
* whatever is ignored or unreadable is computed from the postings as
  before, and a folder that cannot be written to (read-only) just keeps no
  file.
"""

from __future__ import annotations

import json
import os
import re
import zlib
from contextlib import suppress
from pathlib import Path
from typing import Any

import numpy as np

from .facets import FacetTable
from .postings import Columns
from .ranking import DEFAULT_RANKING
from .schema import FACET_FIELDS

__all__ = ["facet_table", "write_facets", "keep_facets", "facet_path"]

# Bump when the layout of the file changes: older files are then ignored.
_FORMAT = 1
_FILE = re.compile(r"facets-(\d+)\.npz(\.[0-9a-z-]+\.tmp)?$")


def facet_path(index_dir: Path, generation: int) -> Path:
    """Where the facet file of ``generation`` lives."""
    return index_dir / f"facets-{generation}.npz"


def generation_key(reader: Any, columns: Columns) -> str | None:
    """What identifies one generation's contents: segments, sizes and deletions.

    None when a segment does not say its id (a reader other than Whoosh's
    segment reader): then nothing is kept on disk.
    """
    segments = []
    if columns.size:
        for leaf, base in reader.leaf_readers():
            segment = getattr(leaf, "segment", None)
            segment_id = getattr(segment() if callable(segment) else None, "segment_id", None)
            if not callable(segment_id):
                return None
            segments.append([segment_id(), base, leaf.doc_count_all()])
    live = zlib.crc32(np.packbits(columns.live).tobytes())
    return json.dumps({"format": _FORMAT, "generation": reader.generation(), "size": columns.size,
                       "segments": segments, "live": live}, sort_keys=True)


def facet_table(index_dir: Path, reader: Any, columns: Columns) -> FacetTable:
    """The reader's facet table: from its file when that matches the generation,
    else read from the postings (and then kept in a file, if the folder allows)."""
    key = generation_key(reader, columns)
    if key is None:
        return FacetTable.read(reader, columns)
    path = facet_path(index_dir, reader.generation())
    table = _load(path, key, columns)
    if table is None:
        table = FacetTable.read(reader, columns)
        _save(path, key, table)
    return table


def write_facets(index_dir: Path, searcher: Any, columns: Columns) -> bool:
    """Write the facet file of the searcher's generation unless a valid one is there.

    Called by the build after its commit, so that the first query of the
    next process finds it.  True when a valid file is there afterwards.
    """
    reader = searcher.reader()
    key = generation_key(reader, columns)
    if key is None:
        return False
    path = facet_path(index_dir, reader.generation())
    if _load(path, key, columns) is not None:
        return True
    return _save(path, key, FacetTable.read(reader, columns))


def _load(path: Path, key: str, columns: Columns) -> FacetTable | None:
    """The table in ``path`` if it is whole and its key is ``key``; None otherwise."""
    try:
        # The file is opened here, not by numpy, which leaves it open when
        # the zip turns out to be damaged.
        with open(path, "rb") as raw, np.load(raw, allow_pickle=False) as data:
            meta = json.loads(data["meta"].tobytes().decode("utf-8"))
            if meta.get("key") != key:
                return None
            values = {name: [str(v) for v in meta["values"][name]] for name in FACET_FIELDS}
            ords = {name: data[f"ords_{name}"] for name in FACET_FIELDS}
            starts = {name: data[f"starts_{name}"] for name in FACET_FIELDS}
    except FileNotFoundError:
        return None
    except Exception:  # noqa: BLE001 - a damaged cache is recomputed, whatever is wrong with it
        return None
    size = columns.size
    for name in FACET_FIELDS:
        bounds, found = starts[name], ords[name]
        if (bounds.shape != (size + 1,) or bounds.dtype != np.int64 or found.dtype != np.int32
                or found.ndim != 1 or bounds[0] != 0 or bounds[-1] != found.size
                or (size and np.any(np.diff(bounds) < 0))
                or (found.size and (found.min() < 0 or found.max() >= len(values[name])))):
            return None
    return FacetTable(columns.dates, values, ords, starts)


def _save(path: Path, key: str, table: FacetTable) -> bool:
    """Keep ``table`` in ``path`` (atomically); False when the folder cannot be written."""
    meta = json.dumps({"key": key, "values": table.values}).encode("utf-8")
    arrays: dict[str, np.ndarray] = {"meta": np.frombuffer(meta, dtype=np.uint8)}
    for name in FACET_FIELDS:
        arrays[f"ords_{name}"] = table.ords[name]
        arrays[f"starts_{name}"] = table.starts[name]
    temporary = path.with_name(f"{path.name}.{os.getpid()}-{id(table):x}.tmp")
    try:
        with open(temporary, "wb") as out:
            np.savez(out, **arrays)
        os.replace(temporary, path)
    except OSError:
        with suppress(OSError):
            temporary.unlink()
        return False
    _remove_older(path.parent, int(_FILE.match(path.name).group(1)))  # type: ignore[union-attr]
    return True


def _remove_older(index_dir: Path, generation: int) -> None:
    """Remove facet files (and temporary ones) of generations before ``generation``."""
    with suppress(OSError):
        for name in os.listdir(index_dir):
            found = _FILE.match(name)
            if found and int(found.group(1)) < generation:
                with suppress(OSError):
                    (index_dir / name).unlink()


def keep_facets(index_dir: Path) -> bool:
    """After a commit: write the facet file of the index's newest generation.

    The build calls this while it still holds the build lock, so the
    generation is its own.  It never fails the build, which is already
    committed: without the file the first query computes the table (and
    writes the file itself).  True when it wrote or found a valid file.
    """
    from whoosh import index as whoosh_index  # the build has imported it already

    try:
        ix = whoosh_index.open_dir(str(index_dir))
        with ix.searcher() as searcher:
            return write_facets(index_dir, searcher, Columns(searcher, DEFAULT_RANKING.b))
    except Exception:  # noqa: BLE001 - a cache that cannot be written is computed later
        return False
