"""Building the index: incremental updates, bad input, crashes and concurrency."""

from __future__ import annotations

import io
import json
import os
import pickle
import signal
import subprocess
import sys
import textwrap
import time
import zlib
from pathlib import Path

import pytest

import search
import search.docpostings
import search.indexer
import search.segmentflush
import search.segments
from search.locking import BuildLock
from whoosh.writing import PostingPool

from corpus import DOCS, SEED, plain_text, write_corpus

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    return write_corpus(tmp_path / "docs")


@pytest.fixture
def index_dir(tmp_path: Path) -> Path:
    return tmp_path / "index"


def ids(index_dir: Path) -> set[str]:
    with search.open_index(index_dir) as ix:
        return {h.id for h in ix.search("", limit=1000).hits}


def test_seeds_build_and_search(tmp_path: Path) -> None:
    report = search.build_index([REPO / "seeds"], index_dir=tmp_path / "ix")
    # The seed document plus the 93 Federalist and Anti-Federalist essays.
    assert report.added == 94 and not report.skipped
    with search.open_index(tmp_path / "ix") as ix:
        res = ix.search("transparent elections")
        assert [h.id for h in res.hits] == [SEED.name]
        hit = res.hits[0]
        assert hit.authors == ["Ilyas Imamzarov"]
        assert hit.date == "2023-03-19"
        assert hit.source == "NIKA Group Perspective Research Center"


def test_missing_source_is_a_clear_error(index_dir: Path, tmp_path: Path) -> None:
    with pytest.raises(search.SearchError, match="source not found"):
        search.build_index([tmp_path / "nope"], index_dir=index_dir)


def test_missing_and_corrupt_index(corpus: Path, index_dir: Path) -> None:
    with pytest.raises(search.IndexMissingError, match="commentary index"):
        search.open_index(index_dir)
    search.build_index([corpus], index_dir=index_dir)
    for toc in index_dir.glob("_MAIN_*.toc"):
        toc.write_bytes(b"garbage")
    with pytest.raises(search.IndexCorruptError, match="--rebuild"):
        search.open_index(index_dir)
    with pytest.raises(search.IndexCorruptError):
        search.build_index([corpus], index_dir=index_dir)
    report = search.build_index([corpus], index_dir=index_dir, rebuild=True)
    assert report.rebuilt and len(ids(index_dir)) == len(DOCS) + 2


def test_second_build_fails_clearly_while_locked(corpus: Path, index_dir: Path) -> None:
    search.build_index([corpus], index_dir=index_dir)
    with BuildLock(index_dir):
        with pytest.raises(search.IndexLockedError, match="another build"):
            search.build_index([corpus], index_dir=index_dir)
        started = time.monotonic()
        with pytest.raises(search.IndexLockedError):
            search.build_index([corpus], index_dir=index_dir, wait=0.3)
        assert time.monotonic() - started >= 0.3
    assert search.build_index([corpus], index_dir=index_dir).unchanged == len(DOCS) + 2


def _write_many(folder: Path, count: int, marker: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        body = [f"Paragraph about {marker} number {i}. " * 20, "Second paragraph on policy and budgets. " * 20]
        (folder / f"{marker}-{i:04d}.txt").write_text(
            plain_text(f"{marker} essay {i}", f"Writer {i % 7}", "2020-01-01", ["Institute"], body, "Press"))


BUILD_SCRIPT = textwrap.dedent("""
    import os, signal, sys
    import search
    kill_at = int(sys.argv[3])
    def progress(done, total, label):
        if done == kill_at:
            os.kill(os.getpid(), signal.SIGKILL)
    search.build_index([sys.argv[1]], index_dir=sys.argv[2], rebuild=sys.argv[4] == "rebuild", progress=progress)
""")


@pytest.mark.parametrize("mode", ["incremental", "rebuild"])
def test_killed_build_leaves_previous_index_searchable(tmp_path: Path, mode: str) -> None:
    old, new, index_dir = tmp_path / "old", tmp_path / "new", tmp_path / "index"
    _write_many(old, 40, "oldword")
    search.build_index([old], index_dir=index_dir)
    _write_many(new, 400, "newword")
    script = tmp_path / "build.py"
    script.write_text(BUILD_SCRIPT)
    proc = subprocess.run([sys.executable, str(script), str(new), str(index_dir), "300", mode],
                          capture_output=True, text=True)
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    with search.open_index(index_dir) as ix:
        assert ix.search("oldword").total == 40
        assert ix.search("newword").total == 0
    # The lock died with the process; the next build completes.
    report = search.build_index([new], index_dir=index_dir)
    assert report.added == 400 and report.removed == 40


def test_kill_at_random_moments_never_breaks_the_index(tmp_path: Path) -> None:
    old, new, index_dir = tmp_path / "old", tmp_path / "new", tmp_path / "index"
    _write_many(old, 30, "oldword")
    search.build_index([old], index_dir=index_dir)
    _write_many(new, 150, "newword")
    code = f"import search; search.build_index([{str(new)!r}], index_dir={str(index_dir)!r}, rebuild=True)"
    for delay in (0.4, 0.9, 1.5, 2.5):
        proc = subprocess.Popen([sys.executable, "-c", code])
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        with search.open_index(index_dir) as ix:
            old_total, new_total = ix.search("oldword").total, ix.search("newword").total
        # Either the whole old index or the whole new one, never a mixture or a crash.
        assert (old_total, new_total) in ((30, 0), (0, 150))


def test_concurrent_builds_do_not_corrupt(tmp_path: Path) -> None:
    docs, index_dir = tmp_path / "docs", tmp_path / "index"
    _write_many(docs, 200, "together")
    code = f"import search; search.build_index([{str(docs)!r}], index_dir={str(index_dir)!r})"
    procs = [subprocess.Popen([sys.executable, "-c", code], stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outcomes = [(p.wait(), p.stderr.read()) for p in procs]
    for p in procs:
        p.stderr.close()
    assert any(rc == 0 for rc, _ in outcomes)
    for rc, err in outcomes:
        assert rc == 0 or "IndexLockedError" in err and "another build" in err
    with search.open_index(index_dir) as ix:
        assert ix.search("together").total == 200


def test_documents_need_ids(tmp_path: Path) -> None:
    report = search.build_index(documents=[{"title": "no id"}, {"id": "ok"}], index_dir=tmp_path / "ix")
    assert report.added == 1
    assert [(p.path, p.id, p.reason) for p in report.skipped] == [("document #1", None, "a document needs a non-empty 'id'")]


def test_a_file_name_that_is_not_utf8_is_indexed_under_a_printable_id(tmp_path: Path, index_dir: Path) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    name = os.fsdecode(b"caf\xe9.txt")  # Latin-1 bytes: the name decodes to a lone surrogate
    (folder / name).write_text(plain_text("Odd Name", "Ann Lee", "2020-01-01", ["Org"], ["About budgets."], "Src"))
    (folder / "fine.txt").write_text(plain_text("Fine", "Bo Kim", "2020-01-01", ["Org"], ["About tariffs."], "Src"))
    report = search.build_index([folder], index_dir=index_dir)
    # The undecodable byte is shown as \xe9: an id the index can store and a terminal can print.
    assert report.added == 2 and not report.skipped
    json.dumps(report.to_dict(), ensure_ascii=False).encode("utf-8")
    with search.open_index(index_dir) as ix:
        assert ix.get("caf\\xe9.txt").title == "Odd Name"


def test_adding_to_an_index_of_another_version_loses_nothing(tmp_path: Path) -> None:
    from whoosh import fields, index as whoosh_index

    old = tmp_path / "old"
    old.mkdir()
    ix = whoosh_index.create_in(str(old), fields.Schema(id=fields.ID(stored=True, unique=True), body=fields.TEXT))
    writer = ix.writer()
    for i in range(5):
        writer.add_document(id=str(i), body="old text")
    writer.commit()
    for change in (lambda: search.add_documents(old, [{"id": "new", "body": "new text"}]),
                   lambda: search.delete_documents(old, ["1"])):
        with pytest.raises(search.IndexCorruptError, match="another version"):
            change()
    with whoosh_index.open_dir(str(old)).searcher() as searcher:
        assert searcher.doc_count() == 5  # used to be 1: the update rebuilt the index with only "new"


def _share_with_a_child(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make small builds use the second process (normally from 1,000 new documents, on 2+ cores)."""
    monkeypatch.setattr(search.indexer, "_PARALLEL_MIN", 20)
    monkeypatch.setattr(search.indexer, "usable_cores", lambda: 2)


def test_build_shared_with_a_second_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _share_with_a_child(monkeypatch)
    docs, index_dir = tmp_path / "docs", tmp_path / "index"
    _write_many(docs, 60, "shared")
    seen: list[int] = []
    report = search.build_index([docs], index_dir=index_dir, progress=lambda done, total, label: seen.append(done))
    assert (report.added, report.skipped) == (60, [])
    assert seen == list(range(1, 61))
    ix = search.indexer.open_whoosh_index(index_dir)
    assert len(ix._segments()) == 2  # the parent's and the child's
    with search.open_index(index_dir) as opened:
        assert opened.search("shared").total == 60
        # The spelling words of both segments serve wildcards and suggestions.
        assert opened.search("paragra*").total == 60
        assert opened.search("budgetz").suggestion == "budgets"
    # Incremental builds see every document, whichever process wrote it.
    (docs / "shared-0003.txt").unlink()
    (docs / "shared-0050.txt").write_text(
        plain_text("changed essay", "Writer 1", "2020-01-01", ["Institute"], ["Now about zeppelins."], "Press"))
    report = search.build_index([docs], index_dir=index_dir)
    assert (report.added, report.updated, report.removed, report.unchanged) == (0, 1, 1, 58)
    with search.open_index(index_dir) as opened:
        assert opened.search("shared").total == 58
        assert [h.id for h in opened.search("zeppelins").hits] == ["shared-0050.txt"]


PARALLEL_KILL_SCRIPT = textwrap.dedent("""
    import os, signal, sys
    import search, search.indexer
    search.indexer._PARALLEL_MIN = 50
    search.indexer.usable_cores = lambda: 2
    def progress(done, total, label):
        if done == 100:
            me = os.getpid()
            with open(f"/proc/{me}/task/{me}/children") as f:
                children = f.read().split()
            with open(sys.argv[3], "w") as f:
                f.write(" ".join(children))
            os.kill(me, signal.SIGKILL)
    search.build_index([sys.argv[1]], index_dir=sys.argv[2], rebuild=True, progress=progress)
""")


def _running(pid: int) -> bool:
    """True while ``pid`` exists and is not a zombie."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="reads child pids from /proc")
def test_killed_parent_of_a_shared_build_leaves_no_child_and_no_lock(tmp_path: Path) -> None:
    old, new, index_dir = tmp_path / "old", tmp_path / "new", tmp_path / "index"
    _write_many(old, 40, "oldword")
    search.build_index([old], index_dir=index_dir)
    _write_many(new, 400, "newword")
    script, pids = tmp_path / "build.py", tmp_path / "children"
    script.write_text(PARALLEL_KILL_SCRIPT)
    proc = subprocess.run([sys.executable, str(script), str(new), str(index_dir), str(pids)],
                          capture_output=True, text=True)
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    children = [int(p) for p in pids.read_text().split()]
    assert children, "the build started no second process"
    deadline = time.monotonic() + 30
    while any(map(_running, children)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(map(_running, children)), "a child outlived its killed parent"
    with search.open_index(index_dir) as ix:
        assert ix.search("oldword").total == 40
        assert ix.search("newword").total == 0
    # Nobody holds the lock: the next build starts at once and completes.
    report = search.build_index([new], index_dir=index_dir, wait=0)
    assert report.added == 400 and report.removed == 40


def test_spelling_words_are_those_whoosh_would_index() -> None:
    from whoosh.fields import FieldType

    import search.segments  # noqa: F401 - installs the once-per-word spelling words
    from search.schema import SCHEMA

    text = ("Élection of the U.S. president: don't they're 3.5% Governments GOVERNMENT’s naïve café, "
            "the and OF whatever — (parenthesised) hyphen-ated e-mail.")
    for name in ("title", "body"):
        ours = list(SCHEMA[name].spellable_words(text * 2))
        assert ours == list(FieldType.spellable_words(SCHEMA[name], text * 2))
        assert "election" in ours and "governments" in ours and "the" not in ours


def _everything(index_dir: Path) -> dict[object, object]:
    """Every term's postings (document, weight, value) and statistics, stored fields, lengths and columns."""
    from whoosh import index as whoosh_index

    found: dict[object, object] = {}
    with whoosh_index.open_dir(str(index_dir)).reader() as reader:
        for fieldname, text in reader.all_terms():
            matcher = reader.postings(fieldname, text)
            postings = []
            while matcher.is_active():
                postings.append((matcher.id(), matcher.weight(), matcher.value()))
                matcher.next()
            found[fieldname, text] = (reader.doc_frequency(fieldname, text), reader.frequency(fieldname, text), postings)
        for docnum in reader.all_doc_ids():
            found["stored", docnum] = reader.stored_fields(docnum)
            for fieldname in reader.schema.names():
                found["length", docnum, fieldname] = reader.doc_field_length(docnum, fieldname)
        for fieldname in reader.schema.names():
            found["total length", fieldname] = reader.field_length(fieldname)
            if reader.has_column(fieldname):
                column = reader.column_reader(fieldname)
                found["column", fieldname] = [column[d] for d in reader.all_doc_ids()]
    return found


def test_build_shortcuts_write_what_whoosh_writes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # search.docpostings and search.segmentflush replace Whoosh's per-token
    # analysis and per-posting calls; the index must not change.  Stop words
    # (positions), repeated words, accents, case, apostrophes, numbers, names
    # and several values per facet; a full build, then an update and an add.
    extra = [
        {"id": "stops", "title": "The Case for the Euro", "authors": ["Ann O'Neil", "Zoë Brandt"],
         "body": "It is what it is: the euro, the EURO and Élections in 2024 don't stop 3.5 u.s. tariffs. "
                 "Tariffs, tariffs and more tariffs; the the the end.", "tags": ["euro", "trade policy"]},
        {"id": "short", "title": "A", "body": "of the and"},
    ]
    update = [{"id": "stops", "title": "The Case against the Euro", "body": "Now about tariffs, and the euro again."},
              {"id": "new", "title": "Fresh", "body": "élection election elections ELECTED"}]

    def build(folder: Path) -> tuple[dict[object, object], list[bytes]]:
        search.build_index([REPO / "seeds"], index_dir=folder)
        search.add_documents(folder, extra)
        search.add_documents(folder, update)
        return _everything(folder), _posting_files(folder)

    shortcuts = build(tmp_path / "shortcuts")
    # A pool limit small enough to spill sorted runs many times per segment.
    monkeypatch.setattr(search.segments, "WRITER_LIMIT_MB", 0.05)
    spilled = build(tmp_path / "spilled")
    monkeypatch.setattr(search.docpostings, "install", lambda *args: None)
    monkeypatch.setattr(search.segmentflush, "install", lambda writer: None)
    monkeypatch.setattr(search.segments, "TermPool",
                        lambda tempstore, limitmb: PostingPool(tempstore, None, limitmb=limitmb))
    whooshs = build(tmp_path / "whoosh")
    assert len(shortcuts[0]) > 10_000
    assert shortcuts[0] == whooshs[0]
    # The postings themselves, block by block.
    assert len(shortcuts[1]) > 10_000
    assert shortcuts[1] == whooshs[1]
    assert spilled == whooshs


def _posting_files(index_dir: Path) -> list[object]:
    """Each segment's terms with their statistics and every block of their postings, decoded.

    Block by block: the block's info tuple (count, last document, largest
    weight, compression, shortest and longest length) and its data
    (documents, weights, values).  Only the byte offsets are left out, since
    pickles of shared values may be shorter than those of equal copies.
    """
    from whoosh import index as whoosh_index
    from whoosh.reading import SegmentReader

    ix = whoosh_index.open_dir(str(index_dir))
    found: list[object] = []
    for segment in ix._segments():
        data = (index_dir / segment.make_filename(".pst")).read_bytes()
        reader = SegmentReader(ix.storage, ix.schema, segment)
        for fieldname, text in reader.all_terms():
            info = reader.term_info(fieldname, text)
            offset, length = info.extent()
            if isinstance(length, tuple):  # how whoosh-reloaded reads it back
                (length,) = length
            blocks = []
            position, end = offset + 4, offset + length  # after the block header
            while position < end:
                size = abs(int.from_bytes(data[position:position + 4], "big", signed=True))
                block = io.BytesIO(data[position + 4:position + 4 + size])
                block_info = pickle.load(block)
                raw = block.read()
                blocks.append((block_info, pickle.loads(zlib.decompress(raw) if block_info[3] else raw)))
                position += 4 + size
            found.append((fieldname, text, info.weight(), info.doc_frequency(), info.min_length(),
                          info.max_length(), info.max_weight(), info.min_id(), info.max_id(), blocks))
        reader.close()
    return found


def test_word_plan_leaves_unknown_analyzers_to_whoosh() -> None:
    from whoosh import fields
    from whoosh.analysis import RegexTokenizer, StopFilter, SubstitutionFilter

    from search.docpostings import WordPlan
    from search.schema import SCHEMA

    assert WordPlan.for_field(SCHEMA["body"]) is not None
    # Prose fields keep removed words' places (schema.ProseField) and the plan writes them too.
    assert WordPlan.for_field(SCHEMA["body"]).renumber is False
    assert WordPlan.for_field(SCHEMA["body"]).prose is True

    class OwnPostings(fields.TEXT):
        def index(self, value, **kwargs):  # type: ignore[no-untyped-def]
            return super().index(value.upper(), **kwargs)

    # A field that makes its own postings other than ours: Whoosh's way.
    assert WordPlan.for_field(OwnPostings(analyzer=RegexTokenizer())) is None
    # A filter that is not known to treat each token on its own, a format
    # with character offsets, a field with term vectors: Whoosh's way.
    assert WordPlan.for_field(fields.TEXT(analyzer=RegexTokenizer() | SubstitutionFilter("a", "b"))) is None
    assert WordPlan.for_field(fields.TEXT(analyzer=RegexTokenizer(), chars=True)) is None
    assert WordPlan.for_field(fields.TEXT(analyzer=RegexTokenizer(), vector=True)) is None
    # A pattern with a group: ``findall`` would give the group, not the word.
    assert WordPlan.for_field(fields.TEXT(analyzer=RegexTokenizer(r"\w+(\.?\w+)*"))) is None
    # Stop words that leave a gap in the positions, or none: as Whoosh numbers them.
    text = "the cat and the hat sat on the cat"
    for renumber in (False, True):
        field = fields.TEXT(analyzer=RegexTokenizer(r"\w+") | StopFilter(renumber=renumber))
        plan = WordPlan.for_field(field)
        assert plan is not None and plan.renumber is renumber
        items, _ = plan.postings(text)
        assert sorted(items) == sorted(field.index(text))
        # Whoosh's renumbering keeps the first kept word's position (1, "cat"): "hat" is 2.
        assert dict((t, v) for t, _, _, v in items)[b"hat"] == field.format.encode([2 if renumber else 4])
