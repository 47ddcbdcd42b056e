"""Small corpora written by the tests themselves (no ../shared needed)."""

from __future__ import annotations

from pathlib import Path

SEED = Path(__file__).resolve().parent.parent / "seeds" / "000_54abd231519280a8.txt"


def plain_text(title: str, authors: str, date: str, affiliation: list[str], body: list[str], source: str | None) -> str:
    """A document in the seed's plain-text layout."""
    lines = [f"{title} – {authors}", "", date, "", authors, *affiliation, ""]
    for paragraph in body:
        lines += [paragraph, ""]
    if source:
        lines.append(f"Source: {source}")
    return "\n".join(lines)


def markdown(front: dict[str, object], body: str) -> str:
    """A Markdown document with YAML front matter (simple values and lists only)."""
    lines = ["---"]
    for key, value in front.items():
        if isinstance(value, list):
            lines.append(f"{key}:")
            lines += [f"  - {v}" for v in value]
        else:
            lines.append(f"{key}: {value}")
    lines += ["---", "", body]
    return "\n".join(lines)


# (file name, title, authors, date, affiliation lines, body paragraphs, source)
DOCS = [
    ("elections-2021.txt", "Free Elections and Their Enemies", "Anna Berg", "March 3, 2021",
     ["Senior Fellow at the Institute for Democracy"],
     ["Free elections are the foundation of a democratic order. Voters must trust the count.",
      "Where the electoral commission is captured, elections become theatre rather than choice."],
     "Policy Review"),
    ("elections-2019.txt", "Why Turnout Fell", "Anna Berg", "2019-11-20",
     ["Senior Fellow at the Institute for Democracy"],
     ["Turnout fell because voters felt the outcome was decided in advance.",
      "Election reform should start with transparent registration."],
     "Policy Review"),
    ("climate-2020.txt", "Carbon Taxes Work", "Tomás Ruiz and Mei Chen", "12 June 2020",
     ["Economist at the Green Growth Centre", "Visiting scholar at Lund University"],
     ["A carbon tax prices pollution where it happens. Revenue can be returned to households.",
      "Critics say the tax is regressive; a dividend answers that objection."],
     "Climate Weekly"),
    ("climate-2023.txt", "The Limits of Offsets", "Mei Chen", "Jan. 9, 2023",
     ["Visiting scholar at Lund University"],
     ["Offsets promise more than forests can deliver. The accounting is weak.",
      "Élection years make climate pledges louder but not stronger."],
     "Climate Weekly"),
    ("security-2010.txt", "A Standing Army in Peacetime", "John Carter", "Thursday, November 4, 2010",
     ["Director of the Security Forum"],
     ["A standing army in peacetime is expensive. Militia traditions deserve another look.",
      "The army should answer to parliament, and parliament to voters."],
     "Defence Journal"),
    ("security-2012.txt", "Drones and Accountability", "John Carter", "2012-02-29",
     ["Director of the Security Forum"],
     ["Drone strikes raise questions of accountability that courts have not answered.",
      "Oversight committees need access to the targeting rules."],
     "Defence Journal"),
    ("health-2015.txt", "Paying for Hospitals", "Sara Okafor, Li Wei and Paul Dumas", "May 1, 2015",
     ["Health Policy Unit", "of the University of Lagos"],
     ["Hospitals are paid by activity, which rewards volume over outcomes.",
      "Budget reform can reward prevention instead."],
     "Health Affairs Daily"),
    ("tech-2018.txt", "Regulating Platforms", "Ravi Iyer", "Sept. 14, 2018",
     ["Fellow, Centre for Technology Policy"],
     ["Platforms moderate speech at a scale no government ever has.",
      "Transparency reports are a start; audits would be better."],
     "Tech Policy Press"),
]


def write_corpus(folder: Path, docs: list[tuple] = DOCS, with_seed: bool = True) -> Path:
    """Write the test corpus (and the seed) into ``folder``; return it."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, title, authors, date, affiliation, body, source in docs:
        (folder / name).write_text(plain_text(title, authors, date, affiliation, body, source), encoding="utf-8")
    (folder / "undated.md").write_text(markdown(
        {"title": "An Undated Note on Elections", "author": "Nora Undated", "affiliation": "Independent",
         "source": "Blog", "tags": ["elections", "notes"]},
        "Some *thoughts* on elections without a date.\n\nA [link](https://example.org) and a list:\n\n- one\n- two\n",
    ), encoding="utf-8")
    if with_seed:
        (folder / SEED.name).write_text(SEED.read_text(encoding="utf-8"), encoding="utf-8")
    return folder


def long_document(paragraphs: int, needle_at: int, needle: str) -> str:
    """A long plain-text document with ``needle`` only in paragraph ``needle_at``."""
    filler = ("The committee met again and discussed routine matters of procedure, "
              "budgets, schedules and the minutes of the previous meeting. ")
    body = []
    for i in range(paragraphs):
        body.append(filler * 3 + (f"Here the {needle} finally appears. " if i == needle_at else ""))
    return plain_text("A Very Long Report", "Long Writer", "2001-01-01", ["Archive"], body, "Archive Press")


def write_searching_corpus(root: Path) -> Path:
    """The searching tests' corpus in ``root``: ``write_corpus``, a long report and a hostile document."""
    corpus = write_corpus(root)
    (corpus / "long.txt").write_text(long_document(300, 280, "platypus"))
    (corpus / "hostile.txt").write_text(plain_text(
        "<script>alert(1)</script> Hostile Title", "Mal Icious", "2005-05-05", ["Nowhere"],
        ["Watch this <script>alert('x')</script> and <img src=x onerror=alert(1)> tag & co. "
         "It goes on for a while, as commentary does, so that it reads as a paragraph of prose.",
         "A second paragraph makes the layout plain."], "Bad Press"))
    return corpus


def hit_ids(results) -> list[str]:
    """The ids of a page of results (a ``search.SearchResults``), in order."""
    return [h.id for h in results.hits]


NAMES = [
    {"id": "will", "title": "On Standing Armies", "authors": ["Will Turner"], "affiliation": "The Society of Friends",
     "source": "The Independent Journal", "date": "1788-01-02", "body": "A standing army in time of peace."},
    {"id": "adams", "title": "On Taxation", "authors": ["John Adams"], "affiliation": "Boston Committee",
     "source": "Boston Gazette", "date": "1788-02-03", "body": "Taxation without representation, in peace or war."},
    {"id": "adam", "title": "On Commerce", "authors": ["Adam Smith"], "affiliation": "University of Glasgow",
     "source": "The Wealth of Nations", "date": "1776-03-09", "body": "The division of labour in commerce."},
]
