"""Writing to a SolrCloud collection: full and incremental builds, adds and deletes.

Documents are read by *our* readers (the same candidates, signatures and
problems as the Whoosh build: ``search.indexer``), then sent to Solr's
``/update`` in batches, with progress per document.  Incremental by the
same rule as the Whoosh build: each document's file signature and content
hash are stored in the collection, so an unchanged file is not read and a
touched-but-unchanged one is not sent; documents whose files are gone are
deleted.  One hard commit at the end makes the build visible at once.

Unlike the Whoosh build, a Solr build is not atomic: what was sent before a
failure stays (each document is replaced whole, so none is half-written),
and the next build finishes the job.  A document Solr refuses is skipped
and listed, like an unreadable file; the batch's other documents go in.
"""

from __future__ import annotations

import json
import os
import re
import time
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Iterable, Iterator

from ..document import Document, checked_document
from ..errors import DocumentError, QueryError, SearchError, SemanticUnavailableError
from ..indexer import (
    BuildReport,
    DocumentLike,
    Problem,
    ProgressCallback,
    _Candidate,
    _check_callable_and_wait,
    _document_candidates,
    _file_candidates,
    _iterable,
    _Scan,
)
from ..readers import markdown_to_text
from ..sources import max_file_bytes
from ..storage import default_sources
from ..boundary import as_path
from .client import SolrClient

__all__ = ["build_index", "add_documents", "delete_documents", "solr_fields"]

# A batch is sent when it holds this many documents or this many bytes of JSON.
BATCH_DOCS = 500
BATCH_BYTES = 8_000_000
# Ids read back per request when listing what the collection holds.
_LIST_ROWS = 10_000


def build_index(
    sources: Iterable[str | os.PathLike[str]] | None,
    location: str,
    *,
    documents: Iterable[DocumentLike] | None = None,
    rebuild: bool = False,
    progress: ProgressCallback | None = None,
    wait: float = 0.0,
    follow_links: bool = False,
    max_file_mb: float | None = None,
    semantic: Any = None,
) -> BuildReport:
    """Make the collection at ``location`` mirror ``sources`` (folders) or ``documents``.

    As ``search.build_index``; ``wait`` is accepted (Solr takes concurrent
    writers, so there is no build lock to wait for).  ``rebuild`` sends
    every document again, replacing each in place, then deletes the others:
    searches never see an empty collection meanwhile.
    """
    if documents is not None and sources is not None:
        raise SearchError("give either source folders or documents, not both")
    if semantic:
        raise SemanticUnavailableError("a Solr collection holds no sentence embeddings; build without --semantic")
    if documents is not None:
        candidates, scan = _document_candidates(documents)
    else:
        if sources is None:
            roots = default_sources()
        elif isinstance(sources, (str, os.PathLike)):
            roots = [as_path(sources, "source")]
        else:
            roots = [as_path(s, "source") for s in _iterable(sources, "sources", "folders")]
        if not isinstance(follow_links, bool):
            raise SearchError(f"follow_links must be True or False, not {follow_links!r:.40}")
        candidates, scan = _file_candidates(roots, follow_links=follow_links, max_bytes=max_file_bytes(max_file_mb))
    return _write(location, candidates, scan, rebuild=rebuild, remove_missing=True, progress=progress, wait=wait)


def add_documents(location: str, documents: Iterable[DocumentLike], *, progress: ProgressCallback | None = None,
                  wait: float = 0.0) -> BuildReport:
    """Add or update documents by id; documents not given are left alone."""
    candidates, scan = _document_candidates(documents)
    return _write(location, candidates, scan, rebuild=False, remove_missing=False, progress=progress, wait=wait)


def delete_documents(location: str, ids: list[str], *, wait: float = 0.0) -> BuildReport:
    """Remove documents by id (checked by ``search.delete_documents``); unknown ids are ignored."""
    return _write(location, [], None, rebuild=False, remove_missing=False, progress=None, wait=wait, remove=ids)


def _write(location: str, candidates: list[_Candidate], scan: _Scan | None, *, rebuild: bool, remove_missing: bool,
           progress: ProgressCallback | None, wait: float, remove: Iterable[str] = ()) -> BuildReport:
    """Send changed candidates, delete removed documents, commit once."""
    _check_callable_and_wait(progress, wait)
    client = SolrClient(location)
    client.discover()  # IndexMissingError when the collection does not exist
    report = BuildReport(index_dir=client.location, rebuilt=rebuild)
    if scan is not None:
        report.ignored = scan.ignored
        report.ignored_reasons = dict(scan.ignored_reasons)
        report.skipped.extend(scan.skipped)
        report.warnings.extend(scan.warnings)
    started = time.perf_counter()
    present = _existing(client)
    existing = {} if rebuild else present
    batch = _Batch(client, report)
    seen: set[str] = set()
    try:
        for number, cand in enumerate(candidates, 1):
            seen.add(cand.id)
            old = existing.get(cand.id)
            if old is not None and old[0] == cand.signature:
                report.unchanged += 1
            else:
                _send_one(batch, cand, old)
            if progress is not None:
                progress(number, len(candidates), cand.label)
        batch.flush()
    finally:
        batch.close()
    wanted = set(remove)
    gone = (present.keys() - seen) if remove_missing else (present.keys() & wanted)
    if scan is not None:
        gone = {doc_id for doc_id in gone if not scan.keeps(doc_id)}
    for chunk in _chunks(sorted(gone), BATCH_DOCS):
        client.request("/update", body={"delete": chunk})
        report.removed += len(chunk)
    if report.changed:
        # Replaced and deleted documents still count in Solr's word
        # frequencies until their segments merge, and each replica merges in
        # its own time: spelling suggestions would differ from replica to
        # replica.  Expunging them at the commit keeps the statistics exact.
        expunge = "true" if report.updated or report.removed or rebuild else "false"
        client.request("/update", {"commit": "true", "expungeDeletes": expunge}, body={})
    report.seconds = time.perf_counter() - started
    return report


def _send_one(batch: "_Batch", cand: _Candidate, old: tuple[str, str] | None) -> None:
    """Read one candidate and queue it, recording what happened (as the Whoosh build does)."""
    try:
        loaded = cand.load()
    except DocumentError as exc:
        batch.report.skipped.append(Problem(exc.path, exc.reason, id=cand.id))
        return
    try:
        doc = checked_document(loaded)
        content_hash = doc.content_hash()
    except DocumentError as exc:
        batch.report.skipped.append(Problem(cand.label, exc.reason, id=cand.id))
        return
    if old is not None and old[1] == content_hash:
        batch.report.unchanged += 1  # touched but not changed
        return
    batch.add(solr_fields(doc, cand.signature, content_hash), cand, doc, updated=old is not None)


class _Batch:
    """Documents waiting to be sent; a refused batch is sent again one by one.

    One batch is in flight while the next is read: reading and parsing files
    (the client) and indexing them (Solr) overlap instead of taking turns,
    which took a quarter to a third off a 2,000-document push (18 s -> 12-14
    s).  Only one batch is ever in flight, so memory stays bounded and the
    report is kept in order; it is updated here, in the caller's thread,
    when a batch is collected.
    """

    def __init__(self, client: SolrClient, report: BuildReport) -> None:
        self.client = client
        self.report = report
        self.docs: list[tuple[dict[str, Any], _Candidate, Document, bool]] = []
        self.size = 0
        self._sender = ThreadPoolExecutor(max_workers=1, thread_name_prefix="solr-update")
        self._pending: Future[tuple[list[Any], list[Problem]]] | None = None

    def add(self, fields: dict[str, Any], cand: _Candidate, doc: Document, *, updated: bool) -> None:
        self.docs.append((fields, cand, doc, updated))
        self.size += len(json.dumps(fields))
        if len(self.docs) >= BATCH_DOCS or self.size >= BATCH_BYTES:
            self.flush(wait=False)

    def flush(self, *, wait: bool = True) -> None:
        """Hand the waiting documents to the sender (after the batch before them is in); ``wait`` for both."""
        docs, self.docs, self.size = self.docs, [], 0
        self._collect()
        if docs:
            self._pending = self._sender.submit(self._send, docs)
        if wait:
            self._collect()

    def close(self) -> None:
        """Stop the sender once the batch in flight (if any) is answered.

        After ``flush()`` nothing is in flight; otherwise the build is failing
        already, and the batch's own outcome must not hide why: it is not
        counted (what it sent stays, as the module says of failures).
        """
        self._pending = None
        self._sender.shutdown(wait=True)

    def _collect(self) -> None:
        pending, self._pending = self._pending, None
        if pending is None:
            return
        accepted, refused = pending.result()  # a BackendUnavailableError of the send is raised here
        self.report.skipped.extend(refused)
        for _, cand, doc, updated in accepted:
            for warning in doc.warnings:
                self.report.warnings.append(Problem(cand.label, warning, id=doc.id))
            if updated:
                self.report.updated += 1
            else:
                self.report.added += 1

    def _send(self, docs: list[tuple[dict[str, Any], _Candidate, Document, bool]]) -> tuple[list[Any], list[Problem]]:
        """Send one batch (in the sender's thread); the documents accepted and those refused."""
        try:
            self.client.request("/update", body=[fields for fields, *_ in docs])
            return docs, []
        except QueryError:
            # Solr refused something in the batch (a value too long for an
            # exact field, say): find which, and keep the others.
            accepted, refused = [], []
            for entry in docs:
                try:
                    self.client.request("/update", body=[entry[0]])
                    accepted.append(entry)
                except QueryError as exc:
                    refused.append(Problem(entry[1].label, _refusal(str(exc)), id=entry[2].id))
            return accepted, refused


def _refusal(message: str) -> str:
    """Why Solr refused a document, in a line a person can act on."""
    immense = re.search(r'immense term in field="(\w+)"', message)
    if immense:
        field = immense.group(1).removesuffix("_facet")
        return f"its {field} is longer than Solr accepts for an exact value (32,766 bytes); shorten it"
    return "Solr refused it: " + message.removeprefix("Solr refused the request: ")[:300]


def solr_fields(doc: Document, signature: str, content_hash: str) -> dict[str, Any]:
    """The Solr document for one of ours: the fields of ``indexer.index_fields``, Solr's way.

    Empty values are left out (an empty affiliation is no facet value);
    undated documents have no ``dateord``, so they sort last both ways.
    """
    body_text = markdown_to_text(doc.body) if doc.format == "markdown" else doc.body
    fields: dict[str, Any] = {
        "id": doc.id,
        "signature": signature,
        "content_hash": content_hash,
        "title": doc.title,
        "body": body_text,
        "author": list(doc.authors),
        "affiliation": doc.affiliation,
        "source": doc.source,
        "tags": list(doc.tags),
        "date": doc.date,
        "url": doc.url,
        "format": doc.format,
        "markdown": doc.body if doc.format == "markdown" else None,
        "extra": json.dumps(doc.extra, ensure_ascii=False, default=str) if doc.extra else None,
        "warnings": list(doc.warnings),
    }
    if doc.date:
        dateord = int(doc.date.replace("-", ""))
        fields.update(dateord=dateord, year=dateord // 10000, month=f"{dateord // 10000:04d}-{dateord // 100 % 100:02d}")
    return {name: value for name, value in fields.items() if value not in (None, "", [])}


def _existing(client: SolrClient) -> dict[str, tuple[str, str]]:
    """id -> (signature, content hash) of every document in the collection (cursor paging)."""
    result: dict[str, tuple[str, str]] = {}
    cursor = "*"
    while True:
        answer = client.request("/select", {
            "q": "*:*", "fl": "id,signature,content_hash", "sort": "id asc", "rows": _LIST_ROWS,
            "cursorMark": cursor})
        for doc in answer["response"]["docs"]:
            result[str(doc["id"])] = (str(doc.get("signature") or ""), str(doc.get("content_hash") or ""))
        following = answer.get("nextCursorMark")
        if not following or following == cursor:
            return result
        cursor = following


def _chunks(items: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]
