"""Snippets: short, best window first, bounded work however long the text or the query."""

from __future__ import annotations

import html
import random
import re
import time

from search.results import mark_html
from search.schema import STOP_TERM, WORD_PATTERN, phrase_slots, slot_term, text_term
from search.snippets import SCAN_CHARS, SNIPPET_CHARS, TermMatcher, make_snippet, match_spans

FILLER = ("The committee met again and discussed routine matters of procedure, budgets, "
          "schedules and the minutes of the previous meeting. ")


def words(*plain: str) -> TermMatcher:
    return TermMatcher(terms={text_term(w) for w in plain})


def visible(snippet: str) -> str:
    return html.unescape(re.sub(r"</?mark>", "", snippet))


def test_a_snippet_is_two_or_three_lines():
    text = " ".join(FILLER + f"Tariffs rose in year {i} while exports fell. " for i in range(50))
    snippet = make_snippet(text, words("tariffs", "exports")).html()
    assert "<mark>Tariffs</mark>" in snippet and "<mark>exports</mark>" in snippet
    # About 240 characters, with ellipses where it cuts into a sentence.
    assert SNIPPET_CHARS - 100 <= len(visible(snippet)) <= SNIPPET_CHARS + 20, visible(snippet)


def test_the_window_with_most_query_words_comes_first():
    text = (FILLER + "Tariffs were mentioned once. " + FILLER * 3
            + "Later both tariffs and sanctions were weighed together. " + FILLER * 3)
    snippet = make_snippet(text, words("tariffs", "sanctions")).html()
    first_mark = visible(snippet).split("…")[0 if not snippet.startswith("…") else 1]
    assert "sanctions" in first_mark
    assert visible(snippet).index("sanctions") < visible(snippet).find("mentioned once") or "mentioned once" not in visible(snippet)


def test_every_match_in_a_fragment_is_marked():
    snippet = make_snippet("Our tariffs are high. " * 5000, TermMatcher(phrases=[phrase_slots("tariffs are high")])).html()
    assert snippet.startswith("Our <mark>tariffs</mark> <mark>are</mark> <mark>high</mark>.")


def test_a_match_beyond_the_scanned_part_is_still_found():
    text = FILLER * (3 * SCAN_CHARS // len(FILLER)) + "Here the platypus finally appears. " + FILLER * 10
    snippet = make_snippet(text, words("platypus")).html()
    assert "<mark>platypus</mark>" in snippet
    assert not snippet.startswith("The committee")


def test_nothing_matching_gives_the_opening():
    assert make_snippet(FILLER * 5000, words("platypus")).text.startswith("The committee met again")


def _best(function, runs: int = 3) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return min(times)


def test_many_phrases_cost_about_what_one_word_does():
    """A query of 64 phrases made 64 passes over every token of every hit (2.6 s a search)."""
    text = FILLER * (SCAN_CHARS // len(FILLER))
    # "platypus" is nowhere, so both scan all SCAN_CHARS.
    one = words("budgets", "platypus")
    many = TermMatcher(terms=set(one.terms),
                       phrases=[(text_term(a), text_term(b)) for a in ("tariffs", "sanctions", "platypus", "army")
                                for b in ("liberty", "press", "union", "states", "people", "power", "congress",
                                          "taxes", "army", "navy", "court", "judge", "treaty", "senate", "house",
                                          "people")])
    assert len(many.phrases) == 64
    assert match_spans(text, many) == match_spans(text, one)
    assert _best(lambda: make_snippet(text, many)) < 5 * _best(lambda: make_snippet(text, one))


# -- structured snippets ---------------------------------------------------------------------------

HOSTILE = ('<script>alert("x")</script> AT&T tariffs &amp; tariffs&lt;b&gt; rose; '
           '<mark>fake</mark> tariffs&#x3C;script&#x3E; "tariffs" \'tariffs\' tariffs&')


def _outside_entities(html_text: str) -> bool:
    """True when no ``<mark>`` or ``</mark>`` opens or closes inside an HTML entity."""
    for tag in re.finditer(r"</?mark>", html_text):
        before = html_text[:tag.start()]
        amp = before.rfind("&")
        if amp != -1 and ";" not in before[amp:]:
            return False
    return True


def test_a_snippet_is_text_with_spans_of_the_matched_words():
    text = FILLER + "Tariffs rose while exports fell, and tariffs stayed. " + FILLER
    snippet = make_snippet(text, words("tariffs", "exports"))
    assert [snippet.text[s:e] for s, e in snippet.spans] == ["Tariffs", "exports", "tariffs"]
    assert "<" not in snippet.text and "  " not in snippet.text
    assert snippet.html() == mark_html(snippet.text, snippet.spans)


def test_hostile_text_in_a_snippet_is_escaped_and_marks_never_split_an_entity():
    snippet = make_snippet(HOSTILE, words("tariffs", "script", "mark", "amp", "lt", "x3c"))
    marked = [snippet.text[s:e] for s, e in snippet.spans]
    assert marked and set(marked) <= {"tariffs", "script", "mark", "amp", "lt", "x3C", "x3E"}
    rendered = snippet.html()
    assert "<script" not in rendered and "<mark>fake" not in rendered and "<b>" not in rendered
    assert {m.group() for m in re.finditer(r"<[^>]*>", rendered)} <= {"<mark>", "</mark>"}
    assert _outside_entities(rendered)
    assert visible(rendered) == snippet.text  # escaping loses nothing


def test_mark_html_skips_spans_it_cannot_place():
    # Overlapping, empty, backwards and out-of-range spans are dropped, never half-marked.
    assert mark_html("a&b c", [(0, 3), (2, 4), (4, 4), (5, 9)]) == "<mark>a&amp;b</mark> c"
    assert mark_html("<i>", []) == "&lt;i&gt;"


def _reference_spans(text: str, matcher: TermMatcher) -> list[tuple[int, int]]:
    """Every word as the tokenizer cuts it, analysed one at a time: the plain way."""
    return [m.span() for m in re.finditer(WORD_PATTERN, text) if slot_term(m.group()) in matcher.terms]


def test_match_spans_agree_with_word_by_word_analysis():
    rng = random.Random(7)
    pieces = ["Tariffs", "tariff's", "TARIFFS.", "élection", "Elections", "a.b", "x", "don't", "the", "\n\n",
              "\t", "&amp;", "<b>", "…", "“", "exports", "exported", "export’s", "e.g.", "ü", "İstanbul"]
    matcher = words("tariffs", "election", "exports", "istanbul")
    for _ in range(300):
        text = "".join(rng.choice(pieces) + rng.choice(["", " ", ", "]) for _ in range(rng.randrange(60)))
        assert match_spans(text, matcher) == _reference_spans(text, matcher), text


def test_a_word_is_found_whenever_its_own_term_is_asked_for():
    # Snippets analyse only the words whose folded form begins as some query
    # term does (the stemmer rewrites endings only).  Every word-like
    # string, whatever its first character and its ending, must still be
    # found when its own term is the query: no matching word is skipped.
    first = [chr(c) for c in range(0x30000) if re.fullmatch(WORD_PATTERN, chr(c))][::71]
    endings = ["", "s", "ies", "ying", "ational", "ly", "’s", "eedly"]
    special = ["dying", "lying", "tying", "skies", "idly", "gently", "ugly", "early", "only", "singly", "news",
               "Ærø", "Œuvres", "ßtraße", "İstanbul", "ΣΟΦΙΑ", "_under", "42nd", "yesterday", "Yelling",
               "o’clock", "d‘Alembert", "l'amour", "s's", "x’s", "Y’know", "ﬁnal", "Ĳssel", "Dying", "eying"]
    checked = 0
    for word in special + [c + middle + end for c in first for middle in ("", "y") for end in endings]:
        if not re.fullmatch(WORD_PATTERN, word):
            continue
        term = slot_term(word)
        if term is None or term.startswith(STOP_TERM):
            continue
        checked += 1
        text = f"1 {word} 2"
        assert match_spans(text, TermMatcher(terms={term, "zzzz"})) == [(2, 2 + len(word))], (word, term)
    assert checked > 5_000
