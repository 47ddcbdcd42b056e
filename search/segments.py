"""Segment writing for builds: the writer's options, the spelling tally, a second process.

What made a Whoosh build slow here (issue 7's profile) is handled in this
module, so that ``indexer`` keeps only the build's logic:

* Whoosh asks the new segment for a field's length once per posting, and for
  a field without a length column (the spelling words, facets, ids) that
  answer is an ``os.stat`` of a file that does not exist, every time.
  ``_remember_missing_columns`` makes the per-document reader remember that
  a column is missing (a segment's files never change once written).
* Whoosh puts one spelling posting per (document, word) in its pool: half of
  all postings, sorted and spilled to disk, for a word list whose only use is
  "which words exist, and how common".  ``SpellingTally`` counts them in a
  dictionary instead and adds one posting per word, weighted by the number
  of documents, when the segment is written; and the words are found once
  per distinct word (``_spellable_words_once_per_word``), not by analysing
  every text twice.
* One core only.  ``SegmentChild`` writes a share of the new documents into
  a segment of its own in a second process while the parent writes the
  rest; the parent names both segments in its one commit.
"""

from __future__ import annotations

import ctypes
import importlib
import os
import pickle
import signal
import subprocess
import sys
from collections import Counter
from contextlib import suppress
from typing import Any, Callable

from whoosh import fields as whoosh_fields
from whoosh import writing
from whoosh.analysis import RegexTokenizer
from whoosh.codec import whoosh3
from whoosh.system import pack_uint

from . import docpostings, segmentflush
from .termpool import TermPool
from .errors import SearchError

__all__ = ["SegmentChild", "SpellingTally", "commit", "finish_segment", "new_writer", "usable_cores"]

# The writer's in-memory pool before it spills sorted runs to disk.  With the
# spelling postings out of the pool (``SpellingTally``) half as many postings
# go through it; two processes at 256 MB each stay within issue 7's 1 GB.
WRITER_LIMIT_MB = 256


def _remember_missing_columns() -> None:
    """Make Whoosh's per-document reader cache "no such column" as it caches columns."""
    reader_class = whoosh3.W3PerDocReader
    if getattr(reader_class, "_commentary_patched", False):
        return
    original = reader_class._cached_reader

    def cached_reader(self: Any, fieldname: str, column: Any) -> Any:
        missing = self.__dict__.setdefault("_missing_columns", set())
        if fieldname in missing:
            return None
        found = original(self, fieldname, column)
        if found is None:
            missing.add(fieldname)
        return found

    reader_class._cached_reader = cached_reader
    reader_class._commentary_patched = True


_remember_missing_columns()


def _spellable_words_once_per_word() -> None:
    """Make ``TEXT.spellable_words`` analyse each distinct word of a value once, not every occurrence.

    Whoosh runs the whole value through the analyzer a second time (without
    stemming) for the spelling words: 8 % of a build.  Every filter of ours
    treats a token on its own, so the distinct raw words, each analysed once
    per process (cached), give the same set.  Analyzers this does not
    recognise keep Whoosh's way.
    """
    text_class = whoosh_fields.TEXT
    if getattr(text_class, "_commentary_patched", False):
        return
    original = text_class.spellable_words

    def spellable_words(self: Any, value: Any) -> Any:
        items = getattr(self.analyzer, "items", None)
        if isinstance(value, (list, tuple)) or not items or type(items[0]) is not RegexTokenizer or items[0].gaps:
            return original(self, value)
        words: set[str] = set()
        for raw in set(items[0].expression.findall(value)):
            words.update(_unstemmed(self.analyzer, raw))
        return iter(sorted(words))

    text_class.spellable_words = spellable_words
    text_class._commentary_patched = True


# id(analyzer) -> (the analyzer, kept so that its id stays its own; word -> words).
_UNSTEMMED: dict[int, tuple[Any, dict[str, tuple[str, ...]]]] = {}
_UNSTEMMED_MAX = 200_000


def _unstemmed(analyzer: Any, word: str) -> tuple[str, ...]:
    """What ``analyzer`` makes of one word with stemming off (remembered; analyzers are not hashable)."""
    cache = _UNSTEMMED.setdefault(id(analyzer), (analyzer, {}))[1]
    found = cache.get(word)
    if found is None:
        if len(cache) >= _UNSTEMMED_MAX:
            cache.clear()
        found = cache[word] = tuple(token.text for token in analyzer(word, no_morph=True))
    return found


_spellable_words_once_per_word()


def new_writer(ix: Any, schema: Any, *, lock: bool) -> writing.SegmentWriter:
    """A segment writer with our options; ``lock`` False for a child (the parent holds the lock)."""
    # Separate files rather than one compound file: readers memory-map them
    # instead of reading a copy of the segment into memory (WHOOSH.md pitfall 3).
    if lock:
        writer = ix.writer(limitmb=WRITER_LIMIT_MB, compound=False)
    else:
        writer = writing.SegmentWriter(ix, _lk=False, limitmb=WRITER_LIMIT_MB, compound=False)
    # The old index may have another schema; the new table of contents must
    # carry ours.
    writer.schema = schema
    # Postings grouped by term (termpool): Whoosh's pool sorts and pickles each one.
    writer.pool = TermPool(writer._tempstorage, WRITER_LIMIT_MB)
    tally = SpellingTally(writer)
    docpostings.install(writer, tally.pool_add, tally.counts)
    segmentflush.install(writer)
    return writer


class SpellingTally:
    """Counts a writer's spelling postings instead of pooling one per document and word."""

    def __init__(self, writer: writing.SegmentWriter) -> None:
        self.fields = {
            field.spelling_fieldname(name)
            for name, field in writer.schema.items()
            if field.separate_spelling()
        }
        self.counts: Counter[tuple[str, bytes]] = Counter()
        self.pool_add = writer.pool.add
        # Whoosh looks the method up on every document (and when it merges
        # segments), so the instance attribute catches every posting.
        writer.pool.add = self.add
        # Every way Whoosh writes a segment flushes its pool here first, so
        # the counted words go in whichever path commits.
        flush_segment = writer._flush_segment

        def flush_then_write() -> None:
            self.flush()
            flush_segment()

        writer._flush_segment = flush_then_write

    def add(self, posting: tuple[Any, ...]) -> None:
        """Pool a posting, or count it when it is a spelling word."""
        if posting[0] in self.fields:
            self.counts[posting[0], posting[1]] += int(posting[3])
        else:
            self.pool_add(posting)

    def flush(self) -> None:
        """Pool one posting per word, on the segment's first document, weighted by its count.

        Whoosh puts every spelling posting on document 0 anyway; readers ask
        for the words and their ``frequency`` (the sum of the weights).
        """
        for (fieldname, word), count in self.counts.items():
            self.pool_add((fieldname, word, 0, count, pack_uint(count)))
        self.counts.clear()


def commit(writer: writing.SegmentWriter, *, clear: bool, extra: Callable[[], list[Any]] = list) -> None:
    """Commit ``writer`` like ``SegmentWriter.commit``, naming the segments ``extra()`` gives (a child's) too.

    ``extra`` is called after this writer's segment is written, so that a
    child still writing its own works meanwhile.
    """
    writer._check_state()
    segments = writer._merge_segments(writing.CLEAR if clear else None, None, None)
    if writer._added:
        segments.append(writer._finalize_segment())
    else:
        writer._close_segment()
    writer._commit_toc(segments + list(extra()))
    writer._finish()


def finish_segment(writer: writing.SegmentWriter) -> Any:
    """Write a child's segment (no table of contents) and return it; None when it holds nothing."""
    if not writer._added:
        writer._close_segment()
        return None
    return writer._finalize_segment()


def usable_cores() -> int:
    """How many cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


class SegmentChild:
    """A second process writing one segment from a list of jobs.

    A fresh interpreter (``subprocess``, not ``multiprocessing``): a forked
    child would inherit the parent's open files, the build lock among them
    (a SIGKILLed parent then left a child holding it), Python 3.12+ warns
    about forking a threaded process, and ``multiprocessing``'s ``spawn``
    re-runs the caller's main script in the child.  The child holds no lock
    and inherits no file but its pipes; it dies with its parent
    (``PR_SET_PDEATHSIG`` on Linux, and a check of its parent between
    documents), so a killed build leaves no process behind, only segment
    files that no table of contents names, which the next build deletes.

    ``work`` is a module-level function ``work(target, jobs, parent_pid)``
    whose arguments and result pickle.
    """

    def __init__(self, target: str, jobs: list[Any], work: Callable[..., Any]) -> None:
        self.labels: list[str] = []
        bootstrap = (
            "import pickle, sys; sys.path[:0] = pickle.load(sys.stdin.buffer); "
            "from search.segments import _child_main; _child_main()"
        )
        self._process = subprocess.Popen(
            [sys.executable, "-c", bootstrap], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        )
        try:
            pickle.dump([p for p in sys.path if p], self._process.stdin)
            pickle.dump((os.getpid(), target, jobs, work.__module__, work.__qualname__), self._process.stdin)
            self._process.stdin.close()
        except BaseException:
            self.stop()
            raise

    def result(self) -> Any:
        """Wait for the child; return what ``work`` returned, or raise what it raised."""
        try:
            kind, payload = pickle.load(self._process.stdout)
        except (EOFError, pickle.UnpicklingError):
            self.stop()
            raise SearchError(
                f"the second build process stopped unexpectedly (exit code {self._process.returncode}); "
                "nothing was written"
            ) from None
        self._process.stdout.close()
        self._process.wait()
        if kind == "error":
            errno, message = payload
            raise OSError(errno, message) if errno is not None else SearchError(message)
        return payload

    def stop(self) -> None:
        """Kill the child (when the parent's own part failed) and reap it."""
        if self._process.poll() is None:
            self._process.kill()
        self._process.wait()
        for stream in (self._process.stdin, self._process.stdout):
            if stream is not None and not stream.closed:
                with suppress(OSError):
                    stream.close()


def _child_main() -> None:
    """The child's body: read the work from stdin, run it, pickle its result or its error to stdout."""
    parent, target, jobs, module, name = pickle.load(sys.stdin.buffer)
    if sys.platform.startswith("linux"):
        with suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    if os.getppid() != parent:  # the parent died before the line above took effect
        os._exit(1)
    out = sys.stdout.buffer
    # Nothing else may write to the result pipe.
    sys.stdout = sys.stderr
    try:
        work = getattr(importlib.import_module(module), name)
        outcome: tuple[str, Any] = ("ok", work(target, jobs, parent))
    except OSError as exc:
        outcome = ("error", (exc.errno, exc.strerror or str(exc)))
    except Exception as exc:  # noqa: BLE001 - reported to the parent, which raises it
        outcome = ("error", (None, str(exc) if isinstance(exc, SearchError) else f"{type(exc).__name__}: {exc}"))
    pickle.dump(outcome, out)
    out.flush()
