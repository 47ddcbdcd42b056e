"""How well the plain-text reader recovers metadata, measured against a truth file.

Usage (from the repository root)::

    python benchmarks/parse_accuracy.py [CORPUS_DIR] [--markdown]

``CORPUS_DIR`` (default ``../shared/corpora/federalist``, relative to the
repository root) holds ``truth.jsonl``: one JSON object per line with ``file``
(a path inside the corpus, e.g. ``txt/federalist-001.txt``) and the expected
``title``, ``authors``, ``date``, ``source`` and ``affiliation``.  Each file is
read with ``search.readers.read_document``; per-field accuracy is printed as a
table, followed by every mismatch.  ``--markdown`` also checks the Markdown
twin of each file (``md/<stem>.md``) on every field but affiliation (the
Markdown front matter has only the pseudonym line; the txt files vary their
affiliation layout on purpose).

Exit status: 0 when title, authors, date and source are all 100% and
affiliation is at least 97%; 1 otherwise; 2 when the corpus cannot be read.
"""

# The path fix must come before any other import: this folder holds a module
# named ``collections`` that would otherwise shadow the standard library's when
# the script is run as ``python benchmarks/parse_accuracy.py``.
import sys
from os.path import abspath, dirname

_HERE = dirname(abspath(__file__))
_ROOT = dirname(_HERE)
if __name__ == "__main__":  # imported as benchmarks.parse_accuracy, the path is already right
    sys.path[:] = [p for p in sys.path if abspath(p or ".") != _HERE]
    if _ROOT not in sys.path:
        sys.path.insert(0, _ROOT)

import argparse  # noqa: E402
import json  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

from search.errors import DocumentError  # noqa: E402
from search.readers import read_document  # noqa: E402

FIELDS = ("title", "authors", "date", "source", "affiliation")
# Minimum accuracy per field for a passing run.
THRESHOLDS = {"title": 1.0, "authors": 1.0, "date": 1.0, "source": 1.0, "affiliation": 0.97}
DEFAULT_CORPUS = Path(_ROOT).parent / "shared" / "corpora" / "federalist"


@dataclass
class Report:
    """Per-field hit counts and the list of mismatches for one set of files."""

    label: str
    fields: tuple[str, ...] = FIELDS
    total: int = 0
    hits: dict[str, int] = field(default_factory=lambda: {f: 0 for f in FIELDS})
    mismatches: list[tuple[str, str, Any, Any]] = field(default_factory=list)

    def accuracy(self, name: str) -> float:
        """The share of files whose ``name`` field matched (1.0 for no files)."""
        return self.hits[name] / self.total if self.total else 1.0

    def passed(self) -> bool:
        """True when every field reaches its threshold."""
        return all(self.accuracy(name) >= THRESHOLDS[name] for name in self.fields)


def load_truth(corpus: Path) -> list[dict[str, Any]]:
    """Read ``truth.jsonl`` from ``corpus``: one expected record per non-blank line."""
    records = []
    with open(corpus / "truth.jsonl", encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                records.append(json.loads(line))
    return records


def expected_value(record: dict[str, Any], name: str) -> Any:
    """The expected value of field ``name``, with ``authors`` falling back to ``author``."""
    if name == "authors":
        authors = record.get("authors")
        if authors is None:
            authors = [record["author"]] if record.get("author") else []
        return list(authors)
    return record.get(name) or ("" if name != "date" else None)


def compare(report: Report, corpus: Path, rel_path: str, record: dict[str, Any]) -> None:
    """Parse one file and tally each field against ``record``."""
    report.total += 1
    try:
        doc = read_document(corpus / rel_path, corpus)
        got: dict[str, Any] = {name: getattr(doc, name) for name in FIELDS}
    except DocumentError as exc:
        got = {name: f"<error: {exc.reason}>" for name in FIELDS}
    for name in report.fields:
        want = expected_value(record, name)
        if got[name] == want:
            report.hits[name] += 1
        else:
            report.mismatches.append((rel_path, name, want, got[name]))


def print_report(report: Report) -> None:
    """Print the accuracy table and the mismatches of one report."""
    print(f"\n{report.label}: {report.total} files")
    print(f"{'field':<12} {'right':>9} {'accuracy':>9}  {'needed':>7}")
    for name in report.fields:
        hits = f"{report.hits[name]}/{report.total}"
        mark = "" if report.accuracy(name) >= THRESHOLDS[name] else "  FAIL"
        print(
            f"{name:<12} {hits:>9} {report.accuracy(name) * 100:>8.1f}%"
            f"  {THRESHOLDS[name] * 100:>6.0f}%{mark}"
        )
    if report.mismatches:
        print(f"\nmismatches ({len(report.mismatches)}):")
        for rel_path, name, want, got in report.mismatches:
            print(f"  {rel_path}  {name}\n    expected: {want!r}\n    got:      {got!r}")


def markdown_twin(rel_path: str) -> str:
    """The Markdown file holding the same essay as a ``txt/`` file: ``md/<stem>.md``."""
    return f"md/{Path(rel_path).stem}.md"


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; return the process exit status."""
    parser = argparse.ArgumentParser(description="Metadata accuracy of the plain-text reader.")
    parser.add_argument("corpus", nargs="?", type=Path, default=DEFAULT_CORPUS,
                        help="corpus folder holding truth.jsonl (default: %(default)s)")
    parser.add_argument("--markdown", action="store_true",
                        help="also check md/<stem>.md for every file in the truth")
    args = parser.parse_args(argv)
    corpus: Path = args.corpus
    try:
        truth = load_truth(corpus)
    except (OSError, ValueError) as exc:
        print(f"cannot read {corpus / 'truth.jsonl'}: {exc}", file=sys.stderr)
        return 2
    reports = [Report("plain text")]
    for record in truth:
        compare(reports[0], corpus, record["file"], record)
    if args.markdown:
        # The Markdown files carry only the pseudonym line as affiliation; the
        # extra series lines exist only in the txt layouts, so it is not compared.
        reports.append(Report("markdown", fields=FIELDS[:-1]))
        for record in truth:
            compare(reports[1], corpus, markdown_twin(record["file"]), record)
    for report in reports:
        print_report(report)
    passed = all(report.passed() for report in reports)
    print("\nPASS" if passed else "\nFAIL")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
