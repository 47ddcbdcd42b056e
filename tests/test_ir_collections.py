"""The evaluation collections' loaders, on small samples written here.

Each sample reproduces one collection's layout and quirks (see
``../shared/eval/README.md``), so these tests need nothing from ``../shared``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.ir_collections import load_adi, load_lisa, load_time, time_position


def _write(folder: Path, name: str, text: str, encoding: str = "utf-8", newline: str = "\n") -> None:
    (folder / name).write_bytes(text.replace("\n", newline).encode(encoding))


def test_adi_reads_smart_records_with_crlf(tmp_path: Path) -> None:
    _write(tmp_path, "ADI.ALL",
           ".I 1\n.T\nthe ibm technical\ninformation center\n.A\nH. S. WHITE\n.W\nthe system offers\n"
           " several advantages\n.I 2\n.T\nindexing by words\n.W\nkeyword lists\n", newline="\r\n")
    _write(tmp_path, "ADI.QRY", ".I 1\n.W\nWhat problems are there in making up\ndescriptive titles?\n.I 2\n.W\nkeywords\n",
           newline="\r\n")
    _write(tmp_path, "ADI.REL", "1   2   0   0.000000   \n2   1   0   0.000000\n2   2   0   0.000000\n", newline="\r\n")
    adi = load_adi(tmp_path)
    assert [d["id"] for d in adi.docs] == ["1", "2"]
    assert adi.docs[0]["title"] == "the ibm technical information center"
    assert adi.docs[0]["authors"] == ["H. S. WHITE"]
    assert adi.docs[0]["body"] == "the system offers\nseveral advantages"
    assert adi.queries["1"] == "What problems are there in making up descriptive titles?"
    assert adi.qrels == {"1": {"2": 1}, "2": {"1": 1, "2": 1}}


def test_time_position_repair() -> None:
    assert time_position(1) == 1
    assert time_position(370) == 370
    assert time_position(380) == 378
    assert time_position(425) == 423
    with pytest.raises(ValueError):
        time_position(375)


def test_time_judgements_are_positions_moved_past_the_gap(tmp_path: Path) -> None:
    # 380 documents here, numbered by *TEXT out of order, as in the file;
    # TIME.REL names positions, and 382 in TIME.REL is position 380 here.
    texts = "".join(f"*TEXT {900 - n:03d} 01/04/63 PAGE 020\n\nSTORY NUMBER {n} .\n\n" for n in range(1, 381))
    _write(tmp_path, "TIME.ALL", texts + "*STOP\n")
    _write(tmp_path, "TIME.QUE",
           "*FIND      1\n\n KENNEDY ADMINISTRATION PRESSURE ON NGO DINH DIEM\n\nTO STOP .\n\n"
           "*FIND      2\n\n NUMBER OF TROOPS\n\n*STOP\n")
    _write(tmp_path, "TIME.REL", "1  2 370\n\n2  382\n\n")
    time = load_time(tmp_path)
    assert len(time.docs) == 380
    assert time.docs[0] == {"id": "1", "title": "", "authors": [], "source": "899 01/04/63 PAGE 020",
                            "body": "STORY NUMBER 1 ."}
    assert time.queries == {"1": "KENNEDY ADMINISTRATION PRESSURE ON NGO DINH DIEM TO STOP .",
                            "2": "NUMBER OF TROOPS"}
    assert time.qrels == {"1": {"2": 1, "370": 1}, "2": {"380": 1}}
    assert time.docs[379]["body"] == "STORY NUMBER 380 ."


LISA_A = """
Document    1
THE INDIAN COUNCIL OF LIBRARY
RESEARCH AND TRAINING.
     
CRITICALLY EXAMINES THE INDIAN LIBRARY SCENE.
THE CAF\xc9 OF THE LIBRARY.
********************************************
Document    2
ONLINE CATALOGUES.

NOTES ON OPAC USE.
********************************************
"""

LISA_B = """Document    2
A SECOND COPY THAT MUST BE DROPPED.

DIFFERENT TEXT.
********************************************
Document    3
TITLE ONLY
********************************************
"""


def test_lisa_reads_latin1_drops_repeats_and_flat_judgements(tmp_path: Path) -> None:
    _write(tmp_path, "LISA0.001", LISA_A, encoding="latin-1")
    _write(tmp_path, "LISA0.501", LISA_B, encoding="latin-1")
    _write(tmp_path, "LISA.QUE",
           "1\nI AM INTERESTED IN NOVEL\nCOMPUTER ARCHITECTURES. #\n2\nNON-USERS OF LIBRARIES #\n")
    _write(tmp_path, "LISARJ.NUM",
           "           1           2        3        1\n           2           1\n        2\n")
    lisa = load_lisa(tmp_path)
    assert [d["id"] for d in lisa.docs] == ["1", "2", "3"]
    first = lisa.docs[0]
    assert first["title"] == "THE INDIAN COUNCIL OF LIBRARY RESEARCH AND TRAINING."
    assert first["body"] == "CRITICALLY EXAMINES THE INDIAN LIBRARY SCENE.\nTHE CAF\u00c9 OF THE LIBRARY."
    assert lisa.docs[1]["title"] == "ONLINE CATALOGUES."  # the first copy wins
    assert lisa.docs[2] == {"id": "3", "title": "TITLE ONLY", "authors": [], "source": "", "body": ""}
    assert lisa.queries == {"1": "I AM INTERESTED IN NOVEL COMPUTER ARCHITECTURES.",
                            "2": "NON-USERS OF LIBRARIES"}
    assert lisa.qrels == {"1": {"3": 1, "1": 1}, "2": {"2": 1}}
