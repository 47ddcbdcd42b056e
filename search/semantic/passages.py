"""What the model reads of a document: one text, or several overlapping passages.

The model reads at most 256 word pieces, so a single vector of a long
document only describes its start.  With passages, a long body is cut into
windows of ``WINDOW`` words that overlap by ``WINDOW - STRIDE`` words, each
read with the title in front, and the document is as close to a query as its
closest passage.  A body of ``WINDOW`` words or fewer stays one passage, the
same text (hence the same vector) as without passages.

The work is bounded whatever the size of a document: only the first
``MAX_PASSAGES`` windows are made, from at most ``_MAX_BODY_CHARS``
characters, and each passage is cut at ``_MAX_CHARS`` characters.
"""

from __future__ import annotations

__all__ = ["DEFAULT_SCHEME", "MAX_PASSAGES", "SINGLE", "PASSAGES", "STRIDE", "WINDOW", "document_texts", "embedding_text"]

# 128 words is about 170 word pieces of English prose: a window always fits
# the model's 256 with the title in front, and is near the 100-150 words of
# the passages used in passage retrieval.
WINDOW = 128
# A quarter of a window of overlap, so a sentence cut by one window's edge
# is whole in the next.
STRIDE = 96
# A 10 MB document costs at most this many passages through the model.
MAX_PASSAGES = 16
# The names stored with the vectors: an index's vectors are all of one kind.
SINGLE = "single"
PASSAGES = f"passages-{WINDOW}-{STRIDE}-{MAX_PASSAGES}"
# What a new index gets, chosen by leave-one-collection-out validation
# (docs/semantic.md).
DEFAULT_SCHEME = PASSAGES
# The model reads 256 word pieces; 6,000 characters is well past that for
# prose, and bounds the tokenizer's work on one huge "word".
_MAX_CHARS = 6000
# Enough characters for MAX_PASSAGES windows of ordinary words; splitting a
# 10 MB body into words would be unbounded work.
_MAX_BODY_CHARS = 16 * WINDOW * 20


def embedding_text(title: str, body: str) -> str:
    """What the model reads for a document as one vector: its title, then the start of its body."""
    text = f"{title.strip()}\n{body.strip()}".strip()
    return text[:_MAX_CHARS]


def document_texts(title: str, body: str, scheme: str) -> list[str]:
    """The texts the model reads for one document under ``scheme`` (``SINGLE`` or ``PASSAGES``).

    Always at least one text; ``SINGLE`` gives exactly one.
    """
    if scheme != PASSAGES:
        return [embedding_text(title, body)]
    words = body[:_MAX_BODY_CHARS].split()
    if len(words) <= WINDOW:
        return [embedding_text(title, body)]
    head = title.strip()
    texts = []
    for start in range(0, len(words) - (WINDOW - STRIDE), STRIDE):
        window = " ".join(words[start:start + WINDOW])
        texts.append(f"{head}\n{window}".strip()[:_MAX_CHARS])
        if len(texts) == MAX_PASSAGES:
            break
    return texts
