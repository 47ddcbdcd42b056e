"""Deterministic synthetic commentary corpus for benchmarks and tests.

Every document is an opinion piece with a title, one to three authors, an
affiliation, a date between 2006 and 2025, a source, a URL, tags and a body of
400-1,500 words.  Bodies are English-like prose drawn from a built-in
vocabulary (a core of real English words plus a few thousand generated
Latinate words) with a Zipf-like frequency distribution, mixed with topical
words and stock phrases ("climate change", "interest rates") so that queries
have realistic selectivity.

Only the standard library is used and nothing is downloaded: the same
``(n, seed)`` always yields the same documents, byte for byte.

``--shape wordfreq`` writes a second, independent shape instead: the same
metadata layout with 400-900-word bodies drawn from real English word
frequencies (``benchmarks/wordfreq_shape.py``; needs the ``wordfreq``
package of the ``bench`` extra).

Usage::

    python benchmarks/generate_corpus.py OUT_DIR -n 10000 [--seed 1] [--markdown-share 0.2] [--shape wordfreq]
"""

from __future__ import annotations

import os
import sys

if __name__ == "__main__" and sys.path and os.path.abspath(sys.path[0]) == os.path.dirname(os.path.abspath(__file__)):
    # Run as a script, the benchmarks/ folder heads sys.path, and modules there
    # (benchmarks/collections.py) would shadow the standard library.  Put the
    # repository root there instead; this must happen before other imports.
    sys.path[0] = os.path.dirname(sys.path[0])

import argparse  # noqa: E402
import bisect  # noqa: E402
import itertools  # noqa: E402
import json  # noqa: E402
import random  # noqa: E402
import re  # noqa: E402
from datetime import date, timedelta  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any, Iterator, Sequence  # noqa: E402

__all__ = [
    "MIN_WORDS",
    "MAX_WORDS",
    "SHAPES",
    "TOPICS",
    "generate",
    "iter_documents",
    "render_text",
    "render_markdown",
    "vocabulary",
    "author_pool",
    "place_names",
    "source_pool",
    "affiliation_pool",
]

MIN_WORDS = 400
MAX_WORDS = 1500
FIRST_YEAR = 2006
LAST_YEAR = 2025
# Corpus shapes: this module's own prose, or bodies from real English word frequencies.
SHAPES = ("synthetic", "wordfreq")

# The name pools are drawn from this fixed seed, independent of the document
# seed, so that a name (for an author filter, say) means the same across corpora.
_POOL_SEED = 20060101

# ---------------------------------------------------------------------------
# Word lists
# ---------------------------------------------------------------------------

# Most frequent English words, roughly in frequency order; they take the top
# Zipf ranks so that "the", "of" and "and" dominate as they do in real prose.
_FUNCTION_WORDS = """
the of and to a in that is it for on as with was be by this are not but at
from or have an they which one you were all we their has been would there
can more will if its so no what about when who them also than into only
other some these could any may our his her he she then do out up over after
such most must should those both between because under while where through
much many each very even how well just before still being however since
against without during does did among within upon whether although here
now might often yet again why once until less few every another same
""".split()

# Common content words of commentary and analysis prose.
_COMMON_WORDS = """
people government country state world year years time policy public political
new power system countries national international people's support social
power way part case report process law need president party leaders change
economic development foreign important own great right point number group
issue issues question problem problems interest role level future history
rule making made make take taken give given used use work working found show
shows showed shown seen say says said think believe argue argued suggest
recent current major main key clear strong long short high low large small
good better best real true different possible likely likely necessary
important significant several certain particular general common central
local regional global domestic political strategic military financial legal
moral cultural historical institutional democratic official private open
free fair new old early late next last first second third final whole full
society community citizens population people leaders officials experts
observers critics supporters analysts authorities institutions
organizations agencies ministries parliament court courts congress council
committee commission administration cabinet minister ministers leadership
reform reforms decision decisions debate debates agreement agreements
negotiations dialogue cooperation relations partnership alliance tensions
conflict crisis crises pressure influence interests priorities challenges
opportunities risks threats consequences results outcomes effects impact
approach strategy strategies measures steps efforts attempts plans proposal
proposals program programs project projects initiative initiatives framework
model system systems structure structures capacity resources funding budget
growth decline rise fall increase decrease level levels rate rates share
trend trends pattern patterns data evidence research study studies survey
analysis assessment review view views opinion opinions position positions
argument arguments idea ideas concept principle principles values identity
trust confidence legitimacy accountability transparency responsibility
freedom rights justice equality stability security safety prosperity
region regions area areas border borders city cities capital province
neighbours neighbors partners allies rivals competitors members member
generation generations youth students workers families households voters
media press journalists newspapers television internet platforms message
narrative discourse language term terms sense meaning context period decade
decades century moment stage phase step future past present today yesterday
tomorrow week month months day days morning evening hours minutes
money cost costs price prices value market markets trade industry business
companies firms sector sectors investment investors jobs employment labour
wages income income tax taxes spending debt deficit revenue revenues
energy oil gas water food land infrastructure transport housing education
schools universities hospitals health science technology knowledge skills
culture religion tradition traditions heritage language languages art
balance order control access choice choices option options alternative
difference differences gap gaps line lines side sides center centre edge
example examples fact facts reason reasons factor factors aspect aspects
form forms kind kinds type types sort way ways means end ends goal goals
purpose aim aims task tasks duty role roles place places position
account accounts record records statement statements speech speeches
vote votes voting campaign campaigns candidate candidates seat seats
majority minority coalition opposition government's ruling elite elites
movement movements protest protests demand demands response responses
attention concern concerns fear fears hope hopes expectation expectations
experience experiences lesson lessons memory success failure mistake
progress achievement achievements advantage disadvantage benefit benefits
""".split()

# Building blocks of the generated long tail: prefix + root + suffix gives
# Latinate, English-looking words ("transportive", "reconductment").
_PREFIXES = [
    "", "con", "de", "re", "pro", "in", "ex", "trans", "sub", "inter", "dis",
    "pre", "com", "per", "ad", "ob", "post", "counter", "multi", "over",
]
_ROOTS = [
    "form", "struct", "port", "dict", "spect", "duct", "ject", "mit", "pos",
    "vert", "cept", "tract", "press", "scrib", "fer", "vent", "cess", "tain",
    "sist", "gress", "pend", "vis", "cur", "fect", "plic", "stitut", "sign",
    "ten", "mot", "lat", "clud", "pel", "volv", "quir", "sum", "serv", "pet",
    "mand", "spir", "turb", "nov", "grad", "flect", "rupt", "sent", "solv",
]
_SUFFIXES = [
    "ion", "ive", "ment", "al", "ity", "ance", "er", "ing", "ed", "ure", "ist",
    "ism", "ize", "able", "ative", "ency", "or", "ory", "ual", "ively",
]

# Topics: topical words (most frequent first) and stock phrases.  Phrases make
# quoted-phrase queries meaningful.
TOPICS: dict[str, dict[str, list[str]]] = {
    "politics": {
        "words": """parliament party parties reform president constitution
        legislature opposition coalition senate deputies pluralism governance
        referendum populism ideology decentralization mandate cabinet
        constitutional amendment lawmakers partisan liberal conservative
        nationalist socialist bureaucracy sovereignty statehood""".split(),
        "phrases": ["political reform", "rule of law", "separation of powers",
                    "civil society", "political competition", "checks and balances"],
    },
    "elections": {
        "words": """elections election voters ballot ballots turnout campaign
        candidates polling constituency district districts electoral
        observers recount incumbent runoff mandate primaries precinct
        franchise gerrymandering suffrage""".split(),
        "phrases": ["free elections", "voter turnout", "electoral process",
                    "polling stations", "single mandate districts", "election campaign"],
    },
    "economy": {
        "words": """inflation growth recession unemployment gdp monetary fiscal
        currency exports imports tariffs deficit surplus banks lending credit
        productivity wages stimulus austerity privatization investment
        devaluation remittances commodities""".split(),
        "phrases": ["interest rates", "central bank", "economic growth",
                    "supply chains", "foreign direct investment", "public debt"],
    },
    "climate": {
        "words": """climate emissions carbon warming renewable renewables solar
        wind drought floods glaciers adaptation mitigation decarbonization
        biodiversity deforestation methane heatwaves wildfires coal
        hydropower sustainability""".split(),
        "phrases": ["climate change", "carbon emissions", "renewable energy",
                    "net zero", "paris agreement", "extreme weather"],
    },
    "security": {
        "words": """security military defence defense terrorism insurgency
        troops missiles nuclear deterrence border intelligence cyberattacks
        ceasefire peacekeeping sanctions arms militias extremism
        counterterrorism escalation""".split(),
        "phrases": ["national security", "arms control", "collective security",
                    "nuclear weapons", "peacekeeping mission", "border security"],
    },
    "health": {
        "words": """health pandemic vaccine vaccines hospitals doctors nurses
        patients epidemic infections clinics insurance healthcare mortality
        obesity diabetes tuberculosis vaccination outbreak quarantine
        pharmaceuticals""".split(),
        "phrases": ["public health", "health care", "mental health",
                    "primary care", "vaccination campaign", "life expectancy"],
    },
    "technology": {
        "words": """technology digital internet software data algorithms
        platforms startups innovation broadband smartphones automation
        robotics semiconductors encryption surveillance blockchain cloud
        cybersecurity telecommunications""".split(),
        "phrases": ["artificial intelligence", "social media", "digital economy",
                    "data protection", "machine learning", "tech companies"],
    },
    "diplomacy": {
        "words": """diplomacy diplomats embassy ambassador treaty summit
        multilateral bilateral negotiations mediation alliance neighbours
        geopolitics envoy delegation sanctions cooperation détente""".split(),
        "phrases": ["foreign policy", "united nations", "great powers",
                    "strategic partnership", "bilateral relations", "soft power"],
    },
    "education": {
        "words": """education schools teachers pupils students universities
        curriculum literacy scholarships tuition graduates classrooms exams
        vocational academic research faculty enrolment""".split(),
        "phrases": ["higher education", "school reform", "academic freedom",
                    "vocational training", "student exchange", "digital literacy"],
    },
    "energy": {
        "words": """energy oil gas pipeline pipelines refinery electricity grid
        nuclear uranium opec exports tariffs subsidies hydrocarbons reserves
        lng fuel prices blackouts""".split(),
        "phrases": ["energy security", "oil prices", "natural gas",
                    "energy transition", "power plants", "energy efficiency"],
    },
    "migration": {
        "words": """migration migrants refugees asylum diaspora labour visas
        integration border deportation remittances citizenship displacement
        smuggling resettlement""".split(),
        "phrases": ["labour migration", "refugee crisis", "asylum seekers",
                    "migrant workers", "border control", "brain drain"],
    },
    "media": {
        "words": """media journalism journalists newspapers broadcasters
        censorship propaganda disinformation editors reporters television
        bloggers outlets misinformation factchecking""".split(),
        "phrases": ["freedom of speech", "press freedom", "fake news",
                    "independent media", "information war", "public broadcasting"],
    },
}

_FIRST_NAMES = """
Aigerim Alexander Amina Ana Andrei Anna Arman Asel Aziz Bakhyt Beatriz Carlos
Chen Daniel Daria Dilnoza Elena Emil Erlan Fatima Felix Gabriel Gulnara Hannah
Hiroshi Ilyas Ines Ivan James Jamila Javier Jean Kamila Karim Kate Laura Leila
Li Lukas Madina Marat Maria Marta Mei Michael Miguel Mohammed Nadia Nikolai
Noor Nurlan Olga Omar Paul Pedro Priya Rafael Rahim Rashid Rosa Ruslan Sabina
Samir Sara Sergei Sofia Stefan Tamara Thomas Timur Victor Yasmin Yerlan Yuki
Zarina Zhanna
""".split()

_LAST_NAMES = """
Abdullayev Akhmetov Alieva Baker Bekova Brown Carter Chen Costa Davies Dubois
Duisenova Ermekov Fischer Garcia Gonzalez Haddad Hansen Hoffmann Ibragimov
Imamzarov Ivanova Jansen Kang Karimov Kassymova Kim Kowalski Kuznetsov Larsen
Lee Lopez Mahmoud Martin Meyer Molina Moreau Mukhametov Murphy Nakamura
Nazarbekova Novak Nurpeisov Okafor Omarov Park Patel Petrov Popescu Quinn
Rahman Reyes Rossi Sadykova Santos Sato Schmidt Seitkali Silva Smirnov Sokolova
Suleimenov Tanaka Tokayeva Usmanov Volkov Wagner Wang Weber Wilson Yamamoto
Yusupov Zhang Zhumabekov Zielinski
""".split()

_ROLES = [
    "Senior Fellow", "Research Fellow", "Professor", "Associate Professor",
    "Assistant Professor", "Lecturer", "Student", "PhD Candidate",
    "Research Director", "Program Director", "Senior Analyst", "Analyst",
    "Former Ambassador", "Editor", "Visiting Scholar", "Head of Department",
]
_INSTITUTION_KINDS = [
    "Institute", "University", "Center", "Academy", "School", "Foundation",
    "Council", "Policy Institute", "Research Centre", "Observatory",
]
_PLACES = [
    "Baltic", "Caspian", "Eurasian", "Atlantic", "Central Asian", "Nordic",
    "Danube", "Steppe", "Pacific", "Mediterranean", "Alpine", "Northern",
    "Southern", "Eastern", "Western", "Continental", "Metropolitan", "Capital",
    "Almaty", "Astana", "Geneva", "Vienna", "Berlin", "Warsaw", "Lisbon",
]
_FIELDS = [
    "International Relations and World Languages", "Strategic Studies",
    "Political Science", "Economics and Finance", "Public Policy",
    "Security Studies", "Social Research", "Applied Economics",
    "Energy Studies", "Media and Communication", "Law and Governance",
    "Development Studies", "Climate Policy", "Health Policy",
    "Technology and Society", "Migration Studies", "European Affairs",
]
_SOURCE_WORDS_A = [
    "Global", "Policy", "Strategic", "Open", "New", "Daily", "Weekly",
    "Eurasia", "Steppe", "Atlantic", "Civic", "Public", "Independent",
    "Central", "Modern", "Northern", "Silk Road", "Continental", "Regional",
    "Perspective",
]
_SOURCE_WORDS_B = [
    "Review", "Monitor", "Observer", "Dialogue", "Forum", "Perspective",
    "Journal", "Affairs", "Times", "Herald", "Insight", "Analysis", "Brief",
    "Outlook", "Commentary", "Digest",
]
_SOURCE_KINDS = [
    "", "", "", "Research Centre", "Group", "Institute", "Online", "Magazine",
]

_MONTHS = [
    "January", "February", "March", "April", "May", "June", "July", "August",
    "September", "October", "November", "December",
]
_TITLE_LINKS = ["and", "of", "in", "for", "the", "on", "with", "as", "from", "over"]
_SMALL_TITLE_WORDS = {"a", "an", "and", "as", "at", "by", "for", "in", "of",
                      "on", "or", "the", "to", "with", "from", "into", "over"}

# ---------------------------------------------------------------------------
# Vocabulary and pools
# ---------------------------------------------------------------------------


def _generated_words(count: int, rng: random.Random) -> list[str]:
    """Return ``count`` distinct Latinate words built from prefix + root + suffix."""
    combos = [p + r + s for p, r, s in itertools.product(_PREFIXES, _ROOTS, _SUFFIXES)]
    rng.shuffle(combos)
    seen: set[str] = set()
    words: list[str] = []
    for word in combos:
        if word not in seen:
            seen.add(word)
            words.append(word)
        if len(words) == count:
            break
    return words


def vocabulary(size: int = 4000) -> list[str]:
    """The background vocabulary, most frequent first (function words on top).

    Real English words take the top ranks; generated words fill the long tail
    up to ``size`` distinct words.
    """
    words: list[str] = []
    seen: set[str] = set()
    for word in _FUNCTION_WORDS + _COMMON_WORDS:
        if word not in seen:
            seen.add(word)
            words.append(word)
    rng = random.Random(_POOL_SEED)
    for word in _generated_words(max(0, size - len(words)) * 2, rng):
        if len(words) >= size:
            break
        if word not in seen:
            seen.add(word)
            words.append(word)
    return words


def _zipf_cum_weights(count: int, exponent: float = 1.0, shift: float = 2.7) -> list[float]:
    """Cumulative Zipf-Mandelbrot weights ``1 / (rank + shift) ** exponent``."""
    return list(itertools.accumulate(1.0 / (rank + shift) ** exponent for rank in range(1, count + 1)))


def place_names(size: int = 60) -> list[str]:
    """Invented, capitalised country and city names (``Karvonia``, ``Belmarsk``)."""
    rng = random.Random(_POOL_SEED + 5)
    heads = ["Kar", "Bel", "Ost", "Val", "Mir", "Zan", "Tor", "Ask", "Dur", "Sel",
             "Nov", "Tal", "Bar", "Kes", "Lun", "Rav", "Ust", "Yar", "Gor", "Pel"]
    mids = ["", "a", "o", "e", "i", "an", "or", "el"]
    tails = ["onia", "ania", "stan", "mark", "grad", "abad", "ia", "land", "sk", "via"]
    names = sorted({h + m + t for h in heads for m in mids for t in tails})
    rng.shuffle(names)
    return names[:size]


def author_pool(size: int = 360) -> list[str]:
    """Distinct author names, in a fixed order (earlier names publish more)."""
    rng = random.Random(_POOL_SEED + 1)
    names = [f"{first} {last}" for first, last in itertools.product(_FIRST_NAMES, _LAST_NAMES)]
    rng.shuffle(names)
    return names[:size]


def affiliation_pool(size: int = 320) -> list[str]:
    """Distinct one-line affiliations such as ``Senior Fellow at the Baltic Institute of Strategic Studies``."""
    rng = random.Random(_POOL_SEED + 2)
    seen: set[str] = set()
    result: list[str] = []
    while len(result) < size:
        role = rng.choice(_ROLES)
        place = rng.choice(_PLACES)
        kind = rng.choice(_INSTITUTION_KINDS)
        field = rng.choice(_FIELDS)
        text = f"{role} at the {place} {kind} of {field}"
        if text not in seen:
            seen.add(text)
            result.append(text)
    return result


def source_pool(size: int = 300) -> list[str]:
    """Distinct publisher names such as ``Eurasia Review`` or ``Civic Monitor Group``."""
    rng = random.Random(_POOL_SEED + 3)
    seen: set[str] = set()
    result: list[str] = []
    while len(result) < size:
        parts = [rng.choice(_SOURCE_WORDS_A), rng.choice(_SOURCE_WORDS_B), rng.choice(_SOURCE_KINDS)]
        if parts[0] == parts[1]:
            continue
        text = " ".join(p for p in parts if p)
        if text not in seen:
            seen.add(text)
            result.append(text)
    return result


# ---------------------------------------------------------------------------
# Document generation
# ---------------------------------------------------------------------------


class _Model:
    """Everything fixed across documents: vocabulary, weights, name pools."""

    def __init__(self) -> None:
        self.vocab = vocabulary()
        self.vocab_cum = _zipf_cum_weights(len(self.vocab))
        function_words = set(_FUNCTION_WORDS)
        self.content = [w for w in self.vocab if w not in function_words]
        self.content_cum = _zipf_cum_weights(len(self.content), exponent=0.8)
        self.title_words = self.content[:600]
        self.title_cum = self.content_cum[:600]
        self.topics = sorted(TOPICS)
        self.topic_cum = {t: _zipf_cum_weights(len(TOPICS[t]["words"]), 0.9) for t in self.topics}
        self.places = place_names()
        self.place_cum = _zipf_cum_weights(len(self.places), exponent=1.0, shift=3.0)
        self.authors = author_pool()
        self.author_cum = _zipf_cum_weights(len(self.authors), exponent=0.9, shift=10.0)
        self.affiliations = affiliation_pool()
        self.sources = source_pool()
        self.source_cum = _zipf_cum_weights(len(self.sources), exponent=1.0, shift=5.0)
        # Each author has a home affiliation most of their pieces carry.
        rng = random.Random(_POOL_SEED + 4)
        self.home = {a: rng.choice(self.affiliations) for a in self.authors}


_MODEL: _Model | None = None


def _model() -> _Model:
    """The shared model, built once per process."""
    global _MODEL
    if _MODEL is None:
        _MODEL = _Model()
    return _MODEL


def _pick(rng: random.Random, items: Sequence[str], cum: Sequence[float]) -> str:
    """One item drawn with the given cumulative weights."""
    return items[bisect.bisect(cum, rng.random() * cum[-1])]


def _body_tokens(rng: random.Random, m: _Model, topics: list[str], count: int) -> list[str]:
    """Exactly ``count`` words: background prose, topical words, phrases, names, numbers."""
    tokens = rng.choices(m.vocab, cum_weights=m.vocab_cum, k=count)
    primary, secondary = topics[0], topics[-1]
    i = 0
    while i < count:
        r = rng.random()
        topic = primary if r < 0.75 else secondary
        if r < 0.012:
            phrase = rng.choice(TOPICS[topic]["phrases"]).split()
            if i + len(phrase) <= count:
                tokens[i:i + len(phrase)] = phrase
                i += len(phrase)
                continue
        elif r < 0.085:
            tokens[i] = _pick(rng, TOPICS[topic]["words"], m.topic_cum[topic])
        elif r < 0.11:
            tokens[i] = _pick(rng, m.content, m.content_cum)
        elif r < 0.115:
            tokens[i] = _pick(rng, m.places, m.place_cum)
        elif r < 0.118:
            tokens[i] = _number(rng)
        i += 1
    return tokens


def _number(rng: random.Random) -> str:
    """A year, a small count or a percentage, as prose has them."""
    r = rng.random()
    if r < 0.4:
        return str(rng.randint(1990, LAST_YEAR))
    if r < 0.8:
        return str(rng.randint(2, 99))
    return f"{rng.randint(1, 60)}%"


def _sentences(rng: random.Random, tokens: list[str]) -> list[str]:
    """Cut tokens into capitalised sentences with the odd comma."""
    sentences: list[str] = []
    i = 0
    while i < len(tokens):
        length = rng.randint(7, 28)
        if len(tokens) - (i + length) < 5:
            length = len(tokens) - i
        words = tokens[i:i + length]
        for j in range(1, len(words) - 1):
            if rng.random() < 0.05:
                words[j] += ","
        words[0] = words[0][:1].upper() + words[0][1:]
        words[-1] += "?" if rng.random() < 0.03 else "."
        sentences.append(" ".join(words))
        i += length
    return sentences


def _paragraphs(rng: random.Random, sentences: list[str]) -> list[str]:
    """Group sentences into paragraphs of two to seven sentences."""
    paragraphs: list[str] = []
    i = 0
    while i < len(sentences):
        size = rng.randint(2, 7)
        paragraphs.append(" ".join(sentences[i:i + size]))
        i += size
    return paragraphs


def _title(rng: random.Random, m: _Model, topics: list[str]) -> str:
    """A title of 5-12 words in title case, led by topical words.

    Small words ("of", "the") never come twice in a row nor end the title.
    """
    length = rng.randint(5, 12)
    words: list[str] = []
    while len(words) < length:
        r = rng.random()
        last_small = bool(words) and words[-1] in _SMALL_TITLE_WORDS
        if r < 0.12 and len(words) + 2 <= length:
            words.extend(rng.choice(TOPICS[topics[0]]["phrases"]).split())
        elif r < 0.36:
            topic = rng.choice(topics)
            words.append(_pick(rng, TOPICS[topic]["words"], m.topic_cum[topic]))
        elif r < 0.62 and words and not last_small and len(words) < length - 1:
            words.append(rng.choice(_TITLE_LINKS))
        else:
            words.append(_pick(rng, m.title_words, m.title_cum))
    words = words[:length]
    while words[-1] in _SMALL_TITLE_WORDS:
        words[-1] = _pick(rng, TOPICS[topics[0]]["words"], m.topic_cum[topics[0]])
    cased = [w if (i and w in _SMALL_TITLE_WORDS) else w[:1].upper() + w[1:] for i, w in enumerate(words)]
    return " ".join(cased)


def _authors(rng: random.Random, m: _Model) -> list[str]:
    """One author mostly; two or three for about a fifth of the documents."""
    r = rng.random()
    count = 1 if r < 0.8 else (2 if r < 0.95 else 3)
    names: list[str] = []
    while len(names) < count:
        name = _pick(rng, m.authors, m.author_cum)
        if name not in names:
            names.append(name)
    return names


def _date(rng: random.Random) -> str:
    """An ISO date spread uniformly over 2006-2025."""
    start = date(FIRST_YEAR, 1, 1)
    span = (date(LAST_YEAR, 12, 31) - start).days
    return (start + timedelta(days=rng.randint(0, span))).isoformat()


def _slug(text: str, words: int = 6) -> str:
    """A lowercase URL slug of the first few words of ``text``."""
    parts = re.findall(r"[a-z0-9]+", text.lower())
    return "-".join(parts[:words]) or "untitled"


def _make_document(index: int, rng: random.Random, m: _Model) -> dict[str, Any]:
    """One document dict drawn from ``rng``."""
    topics = rng.sample(m.topics, 2) if rng.random() < 0.6 else [rng.choice(m.topics)]
    authors = _authors(rng, m)
    affiliation = m.home[authors[0]] if rng.random() < 0.9 else rng.choice(m.affiliations)
    iso = _date(rng)
    source = _pick(rng, m.sources, m.source_cum)
    title = _title(rng, m, topics)
    words = rng.randint(MIN_WORDS, MAX_WORDS)
    body = "\n\n".join(_paragraphs(rng, _sentences(rng, _body_tokens(rng, m, topics, words))))
    tags = list(topics)
    if rng.random() < 0.5:
        tags.append(rng.choice(TOPICS[topics[0]]["words"]))
    doc_id = f"c{index:06d}"
    url = f"https://{_slug(source, 4)}.example/{iso[:4]}/{iso[5:7]}/{_slug(title)}-{doc_id}"
    return {
        "id": doc_id, "title": title, "authors": authors, "affiliation": affiliation,
        "date": iso, "source": source, "url": url, "tags": tags, "body": body,
    }


def iter_documents(n: int, seed: int = 1, shape: str = "synthetic") -> Iterator[dict[str, Any]]:
    """Yield ``n`` document dicts (id, title, authors, affiliation, date, source, url, tags, body).

    The same ``(n, seed, shape)`` always yields the same documents, and the
    first ``k`` documents do not depend on ``n``.
    """
    if shape not in SHAPES:
        raise ValueError(f"unknown corpus shape {shape!r}; choose from {', '.join(SHAPES)}")
    if shape == "wordfreq":
        from benchmarks import wordfreq_shape

        yield from wordfreq_shape.iter_documents(n, seed)
        return
    m = _model()
    for index in range(n):
        rng = random.Random(f"{seed}:{index}")
        yield _make_document(index, rng, m)


# ---------------------------------------------------------------------------
# Rendering
# ---------------------------------------------------------------------------


def _format_date(iso: str, style: int) -> str:
    """``2023-03-19`` as ``March 19, 2023`` (0), ``2023-03-19`` (1) or ``19 March 2023`` (2)."""
    d = date.fromisoformat(iso)
    if style == 0:
        return f"{_MONTHS[d.month - 1]} {d.day}, {d.year}"
    if style == 1:
        return iso
    return f"{d.day} {_MONTHS[d.month - 1]} {d.year}"


def _byline(authors: list[str]) -> str:
    """``A``, ``A and B`` or ``A, B and C``."""
    if len(authors) <= 1:
        return "".join(authors)
    return ", ".join(authors[:-1]) + " and " + authors[-1]


def _affiliation_lines(affiliation: str, wrap: bool) -> list[str]:
    """The affiliation on one line, or wrapped before its last `` of `` clause."""
    head, sep, tail = affiliation.rpartition(" of ")
    if wrap and sep and head:
        return [head, "of " + tail]
    return [affiliation]


def render_text(doc: dict[str, Any], date_style: int = 0, wrap_affiliation: bool = True) -> str:
    """The plain-text layout: title line, date, byline, affiliation, body, source."""
    byline = _byline(doc["authors"])
    lines = [
        f"{doc['title']} – {byline}", "",
        _format_date(doc["date"], date_style), "",
        byline, *_affiliation_lines(doc["affiliation"], wrap_affiliation), "",
        doc["body"], "",
        f"Source: {doc['source']}", "",
    ]
    return "\n".join(lines)


def _yaml_str(value: str) -> str:
    """A double-quoted YAML scalar (JSON string syntax is valid YAML)."""
    return json.dumps(value, ensure_ascii=False)


def render_markdown(doc: dict[str, Any]) -> str:
    """Markdown with YAML front matter (title, authors, affiliation, date, source, url, tags)."""
    lines = ["---", f"title: {_yaml_str(doc['title'])}", "authors:"]
    lines += [f"  - {_yaml_str(a)}" for a in doc["authors"]]
    lines += [
        f"affiliation: {_yaml_str(doc['affiliation'])}",
        f"date: {doc['date']}",
        f"source: {_yaml_str(doc['source'])}",
        f"url: {_yaml_str(doc['url'])}",
        "tags:",
    ]
    lines += [f"  - {_yaml_str(t)}" for t in doc["tags"]]
    lines += ["---", "", doc["body"], ""]
    return "\n".join(lines)


def _is_markdown(doc_id: str, seed: int, share: float) -> bool:
    """Whether this document is written as Markdown (a stable per-document draw)."""
    return random.Random(f"md:{seed}:{doc_id}").random() < share


def _relative_path(doc: dict[str, Any], markdown: bool) -> Path:
    """``YEAR/ID-slug.txt`` (or ``.md``)."""
    suffix = ".md" if markdown else ".txt"
    return Path(doc["date"][:4]) / f"{doc['id']}-{_slug(doc['title'], 5)}{suffix}"


def generate(out_dir: str | Path, n: int, seed: int = 1, markdown_share: float = 0.2,
             shape: str = "synthetic") -> list[Path]:
    """Write ``n`` documents of ``shape`` under ``out_dir`` and return their paths in id order.

    Most are plain text (with varying date styles); about ``markdown_share`` of
    them are Markdown with YAML front matter.  Files are grouped in one folder
    per year.
    """
    out = Path(out_dir)
    paths: list[Path] = []
    for doc in iter_documents(n, seed, shape):
        markdown = _is_markdown(doc["id"], seed, markdown_share)
        path = out / _relative_path(doc, markdown)
        path.parent.mkdir(parents=True, exist_ok=True)
        if markdown:
            text = render_markdown(doc)
        else:
            style_rng = random.Random(f"style:{seed}:{doc['id']}")
            text = render_text(doc, style_rng.randrange(3), style_rng.random() < 0.7)
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out_dir", type=Path, help="folder to write the corpus into")
    parser.add_argument("-n", type=int, default=10000, help="number of documents (default 10000)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument("--markdown-share", type=float, default=0.2,
                        help="share of documents written as Markdown (default 0.2)")
    parser.add_argument("--shape", choices=SHAPES, default="synthetic",
                        help="synthetic prose (default), or bodies from real English word frequencies (wordfreq)")
    args = parser.parse_args(argv)
    if args.n < 0 or not 0.0 <= args.markdown_share <= 1.0:
        parser.error("-n must be >= 0 and --markdown-share within [0, 1]")
    paths = generate(args.out_dir, args.n, args.seed, args.markdown_share, args.shape)
    print(f"wrote {len(paths)} documents to {args.out_dir}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
