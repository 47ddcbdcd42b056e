"""The second corpus shape: prose drawn from real English word frequencies.

``generate_corpus.py --shape wordfreq`` writes documents with the same
metadata layout as the synthetic shape (authors, affiliations, sources,
dates, tags, plain text and Markdown) but with bodies of 400-900 words drawn
from the English frequency list of the ``wordfreq`` package (the benchmark
extra: ``pip install -e '.[bench]'``), so that a benchmark is not fast only
on our own generator's vocabulary, topics and stock phrases.  The same
``(n, seed)`` and wordfreq version give the same documents.

Words are drawn independently by frequency (a unigram model): real term
statistics (a long tail, stop words as common as in English), no topics.
"""

from __future__ import annotations

import random
import re
from functools import lru_cache
from typing import Any, Iterator

from benchmarks import generate_corpus as gen

__all__ = ["MIN_WORDS", "MAX_WORDS", "VOCABULARY_SIZE", "iter_documents", "make_document", "query_pools", "words"]

MIN_WORDS = 400
MAX_WORDS = 900
VOCABULARY_SIZE = 40_000  # the most frequent words; the rest are each rarer than one in a million
_WORD = re.compile(r"[a-z]+(?:'[a-z]+)?")  # no numbers, symbols or fragments such as "n't"


@lru_cache(maxsize=1)
def words() -> tuple[list[str], list[float]]:
    """The vocabulary, most frequent first, and its cumulative frequencies."""
    try:
        import wordfreq
    except ImportError:  # a benchmark-only dependency
        raise SystemExit("the wordfreq corpus shape needs the wordfreq package: pip install -e '.[bench]'") from None
    freqs = wordfreq.get_frequency_dict("en")
    vocab = [w for w in wordfreq.top_n_list("en", VOCABULARY_SIZE) if _WORD.fullmatch(w)]
    cumulative, total = [], 0.0
    for word in vocab:
        total += freqs[word]
        cumulative.append(total)
    return vocab, cumulative


def query_pools() -> dict[str, list[str]]:
    """Query words by frequency band: common (ranks 100-1,000), mid (1,000-5,000), rare (5,000 on)."""
    vocab, _ = words()
    return {"topical": vocab[1000:5000], "common": vocab[100:1000], "rare": vocab[5000:]}


@lru_cache(maxsize=1)
def _title_words() -> tuple[list[str], list[float]]:
    """Title words: ranks 100-20,000 (no "the", "of"), with their cumulative frequencies."""
    vocab, cumulative = words()
    return vocab[100:20_000], [c - cumulative[99] for c in cumulative[100:20_000]]


def _title(rng: random.Random) -> str:
    """Four to nine words from outside the hundred most frequent, capitalised."""
    vocab, cumulative = _title_words()
    picked = rng.choices(vocab, cum_weights=cumulative, k=rng.randint(4, 9))
    return " ".join(w[:1].upper() + w[1:] for w in picked)


def make_document(index: int, seed: int = 1) -> dict[str, Any]:
    """Document number ``index`` of the corpus with this seed (the keys of ``generate_corpus``'s documents)."""
    vocab, cumulative = words()
    m = gen._model()  # the synthetic shape's name pools: authors, affiliations, sources
    rng = random.Random(f"wordfreq:{seed}:{index}")
    authors = gen._authors(rng, m)
    affiliation = m.home[authors[0]] if rng.random() < 0.9 else rng.choice(m.affiliations)
    iso = gen._date(rng)
    source = gen._pick(rng, m.sources, m.source_cum)
    title = _title(rng)
    tokens = rng.choices(vocab, cum_weights=cumulative, k=rng.randint(MIN_WORDS, MAX_WORDS))
    body = "\n\n".join(gen._paragraphs(rng, gen._sentences(rng, tokens)))
    tags = rng.sample(vocab[300:3000], rng.randint(1, 3))
    doc_id = f"w{index:06d}"
    url = f"https://{gen._slug(source, 4)}.example/{iso[:4]}/{iso[5:7]}/{gen._slug(title)}-{doc_id}"
    return {"id": doc_id, "title": title, "authors": authors, "affiliation": affiliation,
            "date": iso, "source": source, "url": url, "tags": tags, "body": body}


def iter_documents(n: int, seed: int = 1) -> Iterator[dict[str, Any]]:
    """Yield ``n`` documents; the first ``k`` do not depend on ``n``."""
    for index in range(n):
        yield make_document(index, seed)
