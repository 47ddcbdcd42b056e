"""Writing a segment's postings at the end of a build: fewer Python calls per posting.

When a segment is written, Whoosh's ``FieldWriter.add_postings`` takes the
sorted postings one at a time: for each it asks the new segment for the
field's length in that document (a column read), then calls the postings
writer, which checks the types of its arguments and buffers it.  That was
most of the time spent after the last document was read.  ``install`` gives
a writer a length table read once per field (``_LengthTable``) and an
``add_postings`` that buffers postings straight into the postings writer's
block; the blocks, their statistics and the files written stay Whoosh's
(``tests/test_indexing.py`` compares both ways on a real index).
"""

from __future__ import annotations

from array import array
from typing import Any, Iterable

from whoosh import writing
from whoosh.codec import whoosh3
from whoosh.codec.base import OutOfOrderError
from whoosh.util.numeric import byte_to_length

from .termpool import TermPostings

__all__ = ["install"]


def install(writer: writing.SegmentWriter) -> None:
    """Give ``writer`` the length table and, for Whoosh's own codec, the faster ``add_postings``."""
    _lengths_read_once(writer)
    fieldwriter = writer.fieldwriter
    if type(writer.codec) is whoosh3.W3Codec and type(fieldwriter) is whoosh3.W3FieldWriter:
        fieldwriter.add_postings = lambda schema, lengths, items: _add_postings(fieldwriter, schema, lengths, items)


def _lengths_read_once(writer: writing.SegmentWriter) -> None:
    """Make the segment's flush read each field's length column once, not once per posting.

    Writing the postings asks the new segment for the length of the field
    in the posting's document, per posting (a column read each time).  The
    lengths are one byte per document in one stretch of the column file, so
    reading that stretch once per field gives the same answers.
    """
    per_document_reader = writer.per_document_reader

    def with_length_table() -> Any:
        reader = per_document_reader()
        reader.doc_field_length = _LengthTable(reader).doc_field_length
        return reader

    writer.per_document_reader = with_length_table


# Every length byte decoded (byte 0 means "no length": Whoosh answers None).
_DECODED = [None] + [byte_to_length(b) for b in range(1, 256)]


class _LengthTable:
    """``doc_field_length`` answered from each field's length column read in one piece."""

    def __init__(self, reader: Any) -> None:
        self.reader = reader
        self._original = reader.doc_field_length
        self.tables: dict[str, list[int | None] | None] = {}

    def doc_field_length(self, docnum: int, fieldname: str, default: int = 0) -> int | None:
        """What ``W3PerDocReader.doc_field_length`` answers."""
        table = self.table(fieldname)
        if table is None:
            return default
        return table[docnum] if docnum < len(table) else None

    def table(self, fieldname: str) -> list[int | None] | None:
        """Each document's length of ``fieldname`` (None: no length); None when the field keeps no lengths."""
        table = self.tables.get(fieldname, False)
        if table is False:
            table = self.tables[fieldname] = self._load(fieldname)
        return table

    def _load(self, fieldname: str) -> list[int | None] | None:
        column = self.reader._cached_reader(whoosh3._lenfield(fieldname), whoosh3.LENGTHS_COLUMN)
        if column is None:
            return None
        if getattr(column, "_fixedlen", None) != 1:  # not the one-byte column this reads
            return [self._original(docnum, fieldname) for docnum in range(self.reader.doc_count_all())]
        # The column holds bytes up to the last document with a length; the
        # rest default to 0.
        raw = column._dbfile.get(column._basepos, column._count) if column._count else b""
        return [_DECODED[b] for b in raw]


def _add_postings(fieldwriter: Any, schema: Any, lengths: Any, items: Iterable[tuple[Any, ...]]) -> None:
    """``FieldWriter.add_postings`` for ``W3FieldWriter``, adding to the block as ``add_posting`` does.

    ``items`` are (field name, term bytes, document number, weight, value
    bytes), sorted.  Lengths come from ``lengths`` (None: no lengths).
    """
    dfl = lengths.doc_field_length if lengths else None
    # The length table when the lengths are this segment's (a flush), for a plain list per field.
    owner = getattr(dfl, "__self__", None)
    table_of = owner.table if isinstance(owner, _LengthTable) else None
    if isinstance(items, TermPostings) and (table_of is not None or dfl is None):
        _add_terms(fieldwriter, schema, table_of, items)
        return
    lastfn: str | None = None
    lasttext: bytes | None = None
    writer: Any = None
    table: list[int | None] | None = None
    limit = 0
    ids: Any = None
    weights: Any = None
    values: list[bytes] = []
    for fieldname, btext, docnum, weight, value in items:
        if fieldname != lastfn:
            if lastfn is not None and fieldname < lastfn:
                raise OutOfOrderError(f"Field {lastfn!r} .. {fieldname!r}")
            if lasttext is not None:
                fieldwriter.finish_term()
            if lastfn is not None:
                fieldwriter.finish_field()
            writer, limit, table = _start_field(fieldwriter, schema, fieldname, table_of)
            lastfn, lasttext = fieldname, None
        if docnum == -1:  # Whoosh's marker for a spelling word without postings
            continue
        if btext != lasttext:
            if lasttext is not None:
                if btext < lasttext:
                    raise OutOfOrderError(f"Term {fieldname}:{lasttext!r} .. {fieldname}:{btext!r}")
                fieldwriter.finish_term()
            fieldwriter.start_term(btext)
            lasttext = btext
            ids, weights, values = writer._ids, writer._weights, writer._values
        if table_of is not None:
            length = (table[docnum] if docnum < len(table) else None) if table is not None else 0
        elif dfl is not None:
            length = dfl(docnum, fieldname)
        else:
            length = 0
        if len(ids) >= limit:
            writer._write_block()
            ids, weights, values = writer._ids, writer._weights, writer._values
        ids.append(docnum)
        weights.append(weight)
        if weight > writer._maxweight:
            writer._maxweight = weight
        if value:
            values.append(value)
        if length:
            if writer._minlength is None or length < writer._minlength:
                writer._minlength = length
            if length > writer._maxlength:
                writer._maxlength = length
    if lasttext is not None:
        fieldwriter.finish_term()
    if lastfn is not None:
        fieldwriter.finish_field()


def _start_field(fieldwriter: Any, schema: Any, fieldname: str, table_of: Any) -> tuple[Any, int, Any]:
    """Start writing ``fieldname``; its postings writer, block size and length table (None: no table)."""
    fieldwriter.start_field(fieldname, schema[fieldname])
    writer = fieldwriter._postwriter
    return writer, writer._blocklimit, table_of(fieldname) if table_of is not None else None


def _add_terms(fieldwriter: Any, schema: Any, table_of: Any, postings: TermPostings) -> None:
    """``_add_postings`` for a ``TermPool``'s postings: each term's blocks cut from its arrays.

    Whoosh fills a block posting by posting and writes it when the next
    posting finds it full; so a term's blocks are its postings cut every
    ``_blocklimit``, the last one written by ``finish_term``.  The block's
    statistics are the ones ``add_posting`` keeps: the largest weight (0
    when none is above), and the shortest and longest non-zero field length.
    """
    int_weights = postings.pool.int_weights
    lastfn: str | None = None
    writer: Any = None
    table: list[int | None] | None = None
    size = 0
    limit = 0
    for fieldname, btext, docs, weights, values in postings.terms():
        if fieldname != lastfn:
            if lastfn is not None:
                fieldwriter.finish_field()
            writer, limit, table = _start_field(fieldwriter, schema, fieldname, table_of)
            size = len(table) if table is not None else 0
            lastfn = fieldname
        if docs[0] < 0:  # Whoosh's marker for a spelling word without postings (sorted first)
            keep = [i for i, docnum in enumerate(docs) if docnum >= 0]
            if not keep:
                continue
            docs = array("i", [docs[i] for i in keep])
            weights = array("d", [weights[i] for i in keep])
            values = [values[i] for i in keep]
        as_int = fieldname in int_weights
        fieldwriter.start_term(btext)
        count = len(docs)
        for start in range(0, count, limit):
            end = min(start + limit, count)
            if start:
                writer._write_block()
            ids = docs[start:end]
            block_weights = weights[start:end]
            writer._ids = ids
            writer._weights = array("f", block_weights)
            block_values = values[start:end]
            if None in block_values or b"" in block_values:
                block_values = [value for value in block_values if value]
            writer._values = block_values
            top = max(block_weights)
            writer._maxweight = (int(top) if as_int else top) if top > 0 else 0
            if table is not None:
                found = [length for length in (table[d] if d < size else None for d in ids) if length]
                writer._minlength = min(found) if found else None
                writer._maxlength = max(found) if found else 0
            else:
                writer._minlength, writer._maxlength = None, 0
        fieldwriter.finish_term()
    if lastfn is not None:
        fieldwriter.finish_field()
