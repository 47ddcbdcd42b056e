"""Which files a build reads: special files, links, size limits, hidden files, unlistable folders.

Every test builds a real index on disk from a real folder: named pipes,
sockets and links are made with ``os``, and the unreadable folder is really
unreadable (``unshare --user`` drops root's power to ignore permissions).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner

import search
from search.cli import cli
from search.errors import DocumentError
from search.readers import read_document

from corpus import plain_text

REPO = Path(__file__).resolve().parent.parent


def essay(title: str, author: str = "Jane Doe", words: str = "Trees cool the streets in summer.") -> str:
    """A small document in the seed's plain-text layout."""
    return plain_text(title, author, "2021-05-05", ["Urban Institute"], [words], "The Daily Planet")


@pytest.fixture
def source(tmp_path: Path) -> Path:
    """A source folder with two ordinary documents, ``a.txt`` and ``sub/b.txt``."""
    folder = tmp_path / "docs"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.txt").write_text(essay("First Essay"))
    (folder / "sub" / "b.txt").write_text(essay("Second Essay"))
    return folder


@pytest.fixture
def index_dir(tmp_path: Path) -> Path:
    return tmp_path / "index"


def stored_ids(index_dir: Path, candidates: list[str]) -> set[str]:
    """Which of ``candidates`` the index holds."""
    with search.open_index(index_dir) as ix:
        return {doc_id for doc_id in candidates if ix.get(doc_id) is not None}


def skipped(report: search.BuildReport) -> dict[str, str]:
    """File name -> reason of every skipped entry."""
    return {Path(p.path).name: p.reason for p in report.skipped}


def build_in_thread(*args: object, **kwargs: object) -> search.BuildReport:
    """``build_index`` that fails the test instead of hanging it when the build blocks."""
    result: list[object] = []
    worker = threading.Thread(target=lambda: result.append(_run(*args, **kwargs)), daemon=True)
    worker.start()
    worker.join(timeout=60)
    assert not worker.is_alive(), "the build blocked"
    if isinstance(result[0], BaseException):
        raise result[0]
    return result[0]  # type: ignore[return-value]


def _run(*args: object, **kwargs: object) -> object:
    try:
        return search.build_index(*args, **kwargs)  # type: ignore[arg-type]
    except BaseException as exc:  # noqa: BLE001 - handed back to the test thread
        return exc


# ---------------------------------------------------------------------------
# Special files
# ---------------------------------------------------------------------------


def test_named_pipe_is_skipped_without_blocking(source: Path, index_dir: Path) -> None:
    os.mkfifo(source / "x.txt")  # opening it for reading would wait for a writer forever
    report = build_in_thread([source], index_dir=index_dir)
    assert skipped(report) == {"x.txt": "a named pipe, not a regular file; not read"}
    assert report.added == 2
    assert stored_ids(index_dir, ["a.txt", "sub/b.txt", "x.txt"]) == {"a.txt", "sub/b.txt"}


def test_socket_and_device_are_skipped(source: Path, index_dir: Path) -> None:
    sock = socket.socket(socket.AF_UNIX)
    try:
        sock.bind(str(source / "s.md"))
        report = build_in_thread([source, "/dev/null"], index_dir=index_dir)
    finally:
        sock.close()
    assert skipped(report)["s.md"] == "a socket, not a regular file; not read"
    # /dev/null named explicitly: no suffix, so ignored like any other type.
    assert report.ignored == 1 and report.added == 2


def test_named_pipe_given_by_name_is_skipped(tmp_path: Path, index_dir: Path) -> None:
    os.mkfifo(tmp_path / "pipe.md")
    report = build_in_thread([tmp_path / "pipe.md"], index_dir=index_dir)
    assert skipped(report) == {"pipe.md": "a named pipe, not a regular file; not read"}


def test_read_document_refuses_special_files_itself(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "p.txt")
    with pytest.raises(DocumentError, match="named pipe, not a regular file"):
        read_document(tmp_path / "p.txt", tmp_path)


def test_file_swapped_after_listing_is_not_read(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_text(essay("Original"))
    listed = os.stat(path)
    replacement = tmp_path / "other.txt"
    replacement.write_text(essay("Replacement"))
    os.replace(replacement, path)  # a new file (new inode) under the listed name
    with pytest.raises(DocumentError, match="replaced while the index was being built"):
        read_document(path, tmp_path, expect=listed)
    assert read_document(path, tmp_path).title == "Replacement"


# ---------------------------------------------------------------------------
# Symbolic links
# ---------------------------------------------------------------------------


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A readable file outside the source folder, standing in for /etc/passwd."""
    path = tmp_path / "private" / "secret.txt"
    path.parent.mkdir()
    path.write_text(essay("Private Notes", words="The vault code is swordfish."))
    return path


def test_link_outside_the_source_is_skipped_by_default(source: Path, index_dir: Path, outside: Path) -> None:
    (source / "passwd.txt").symlink_to(outside)
    (source / "elsewhere").symlink_to(outside.parent, target_is_directory=True)
    report = search.build_index([source], index_dir=index_dir)
    reasons = skipped(report)
    assert set(reasons) == {"passwd.txt", "elsewhere"}
    assert all("outside the source folder" in r and "--follow-links" in r for r in reasons.values())
    assert stored_ids(index_dir, ["passwd.txt", "elsewhere/secret.txt"]) == set()
    with search.open_index(index_dir) as ix:
        assert ix.search("swordfish").total == 0


def test_follow_links_indexes_them_and_turning_it_off_removes_them(
    source: Path, index_dir: Path, outside: Path
) -> None:
    (source / "passwd.txt").symlink_to(outside)
    (source / "elsewhere").symlink_to(outside.parent, target_is_directory=True)
    report = search.build_index([source], index_dir=index_dir, follow_links=True)
    assert not report.skipped and report.added == 4
    assert stored_ids(index_dir, ["passwd.txt", "elsewhere/secret.txt"]) == {"passwd.txt", "elsewhere/secret.txt"}
    again = search.build_index([source], index_dir=index_dir)
    assert again.removed == 2
    assert stored_ids(index_dir, ["passwd.txt", "elsewhere/secret.txt"]) == set()


def test_link_to_dev_zero_is_never_read(source: Path, index_dir: Path) -> None:
    (source / "zero.txt").symlink_to("/dev/zero")
    report = build_in_thread([source], index_dir=index_dir)
    assert "outside the source folder" in skipped(report)["zero.txt"]
    followed = build_in_thread([source], index_dir=index_dir, follow_links=True)
    assert skipped(followed)["zero.txt"] == "a character device, not a regular file; not read"


def test_links_inside_the_source_and_loops(source: Path, index_dir: Path) -> None:
    (source / "alias.txt").symlink_to(source / "a.txt")          # a second name for a.txt
    (source / "sub" / "loop").symlink_to(source, target_is_directory=True)
    (source / "broken.txt").symlink_to(source / "nowhere.txt")
    report = build_in_thread([source], index_dir=index_dir)
    assert stored_ids(index_dir, ["a.txt", "alias.txt", "sub/b.txt"]) == {"a.txt", "alias.txt", "sub/b.txt"}
    assert skipped(report) == {"broken.txt": "broken symbolic link (No such file or directory)"}
    assert report.ignored_reasons == {"link to a folder inside the source": 1}
    # Followed, the loop is walked once: every folder is read through one path only.
    followed = build_in_thread([source], index_dir=tmp_index(index_dir), follow_links=True)
    assert followed.added == 3


def tmp_index(index_dir: Path) -> Path:
    """A second, fresh index beside ``index_dir``."""
    return index_dir.with_name(index_dir.name + "-2")


# ---------------------------------------------------------------------------
# Size limit
# ---------------------------------------------------------------------------


def big_essay(megabytes: float) -> str:
    """A plain-text essay of about ``megabytes`` MB."""
    paragraph = "Trees cool the streets and shade the walks of every city in summer. " * 15 + "\n\n"
    return essay("Big Essay") + paragraph * int(megabytes * 1024 * 1024 / len(paragraph))


def test_file_over_the_limit_is_skipped_and_its_last_version_kept(source: Path, index_dir: Path) -> None:
    search.build_index([source], index_dir=index_dir)
    (source / "a.txt").write_text(big_essay(1.2))
    report = search.build_index([source], index_dir=index_dir, max_file_mb=1)
    assert skipped(report) == {"a.txt": "file is 1.2 MB, over the 1 MB limit "
                                        "(raise it with max_file_mb, --max-file-mb or COMMENTARY_MAX_FILE_MB)"}
    assert report.removed == 0
    with search.open_index(index_dir) as ix:
        assert ix.get("a.txt").title == "First Essay"
    bigger = search.build_index([source], index_dir=index_dir, max_file_mb=2)
    assert bigger.updated == 1 and not bigger.skipped


def test_limit_from_the_environment_and_the_cli(
    source: Path, index_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (source / "big.txt").write_text(big_essay(0.6))
    monkeypatch.setenv("COMMENTARY_MAX_FILE_MB", "0.5")
    assert set(skipped(search.build_index([source], index_dir=index_dir))) == {"big.txt"}
    result = CliRunner().invoke(cli, ["index", str(source), "--index-dir", str(index_dir),
                                      "--max-file-mb", "1", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["added"] == 1


@pytest.mark.parametrize("value", [0, -1, float("nan"), float("inf"), "lots", True])
def test_bad_limits_are_clear_errors(source: Path, index_dir: Path, value: object) -> None:
    with pytest.raises(search.SearchError, match="max_file_mb must be a positive number of megabytes"):
        search.build_index([source], index_dir=index_dir, max_file_mb=value)  # type: ignore[arg-type]


def test_bad_limit_in_the_environment_is_one_line(source: Path, index_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COMMENTARY_MAX_FILE_MB", "twenty")
    result = CliRunner().invoke(cli, ["index", str(source), "--index-dir", str(index_dir)])
    assert result.exit_code == 1
    assert result.output.strip() == (
        "Error: COMMENTARY_MAX_FILE_MB must be a positive number of megabytes, not 'twenty'"
    )


def test_read_is_bounded_even_when_the_size_lies(tmp_path: Path) -> None:
    # /proc files report size 0 but have content: the bound must hold on what is read.
    path = tmp_path / "grows.txt"
    path.write_text(big_essay(0.3))
    with pytest.raises(DocumentError, match="over the 0.1 MB limit"):
        read_document(path, tmp_path, max_bytes=100 * 1024)


# ---------------------------------------------------------------------------
# Hidden files, other types, odd names
# ---------------------------------------------------------------------------


def test_hidden_files_and_folders_are_counted(source: Path, index_dir: Path) -> None:
    (source / ".draft.txt").write_text(essay("Draft"))
    (source / ".git").mkdir()
    (source / ".git" / "notes.txt").write_text(essay("Inside Git"))
    (source / "photo.png").write_bytes(b"\x89PNG")
    report = search.build_index([source], index_dir=index_dir)
    assert report.ignored == 3
    assert report.ignored_reasons == {"hidden": 2, "other file type": 1}
    assert report.to_dict()["ignored_reasons"] == {"hidden": 2, "other file type": 1}
    assert "3 other files ignored (2 hidden, 1 other file type)" in report.summary()
    assert report.added == 2
    result = CliRunner().invoke(cli, ["index", str(source), "--index-dir", str(index_dir)])
    assert "Ignored 3 files (2 hidden, 1 other file type)." in result.output


def test_deeply_nested_folders(tmp_path: Path, index_dir: Path) -> None:
    # os.walk recurses on Python 3.11: 1,100 levels raised RecursionError and aborted the build.
    source = tmp_path / "deep"
    folder = source
    folder.mkdir()
    try:
        for _ in range(1100):
            folder = folder / "d"
            folder.mkdir()
        (folder / "bottom.txt").write_text(essay("At The Bottom"))
        report = search.build_index([source], index_dir=index_dir)
        assert report.added == 1 and not report.skipped
    finally:
        # shutil.rmtree (and so pytest's clean-up) recurses too.
        subprocess.run(["rm", "-rf", str(source)], check=True)


# ---------------------------------------------------------------------------
# One file's failure is that file's problem
# ---------------------------------------------------------------------------


def test_any_exception_while_reading_becomes_a_skipped_file(
    source: Path, index_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A fault injected into one file's read stands in for bugs not yet found.
    import search.sources as sources

    real = sources.read_document

    def failing(path: Path, *args: object, **kwargs: object) -> object:
        if Path(path).name == "a.txt":
            raise RecursionError("maximum recursion depth exceeded")
        return real(path, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(sources, "read_document", failing)
    report = search.build_index([source], index_dir=index_dir)
    assert skipped(report) == {"a.txt": "could not be read (RecursionError: maximum recursion depth exceeded)"}
    assert stored_ids(index_dir, ["a.txt", "sub/b.txt"]) == {"sub/b.txt"}


def test_hostile_front_matter_does_not_stop_the_build(source: Path, index_dir: Path) -> None:
    (source / "bomb.md").write_text("---\nfoo: &a [*a]\ntitle: Bomb\n---\nThe body survives.\n")
    report = search.build_index([source], index_dir=index_dir)
    assert report.added == 3
    warnings = {Path(p.path).name: p.reason for p in report.warnings if "aliases" in p.reason}
    assert warnings == {"bomb.md": "front matter uses YAML aliases; ignored"}
    with search.open_index(index_dir) as ix:
        assert ix.search("survives").hits[0].id == "bomb.md"


def test_topic_with_commas_is_one_tag_in_the_index(source: Path, index_dir: Path) -> None:
    (source / "fed.md").write_text("---\ntitle: Federalist No. 11\nauthor: Alexander Hamilton\n"
                                   "topic: Commerce, Navy, and Union\n---\nThe body.\n")
    search.build_index([source], index_dir=index_dir)
    with search.open_index(index_dir) as ix:
        assert ix.get("fed.md").tags == ["Commerce, Navy, and Union"]


# ---------------------------------------------------------------------------
# A folder that cannot be listed keeps its documents
# ---------------------------------------------------------------------------


def _can_drop_file_privileges() -> bool:
    """True when ``unshare --user`` can run a process without root's power over file permissions."""
    if shutil.which("unshare") is None:
        return False
    probe = subprocess.run(["unshare", "--user", "true"], capture_output=True, check=False)
    return probe.returncode == 0


needs_unshare = pytest.mark.skipif(not _can_drop_file_privileges(), reason="needs unshare --user")


def run_unprivileged(script: str, *args: Path) -> subprocess.CompletedProcess[str]:
    """Run a Python ``script`` with ``args`` in a new user namespace.

    The process keeps its uid but loses CAP_DAC_OVERRIDE over these files,
    so a folder of mode 000 really cannot be listed, as for any other user.
    """
    return subprocess.run(
        ["unshare", "--user", sys.executable, "-c", script, *map(str, args)],
        capture_output=True, text=True, check=False, timeout=120,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )

BUILD_AS_UNPRIVILEGED = """
import json, sys
import search
report = search.build_index([sys.argv[1]], index_dir=sys.argv[2])
print(json.dumps(report.to_dict()))
"""


def build_unprivileged(source: Path, index_dir: Path, *, locked: Path, mode: int) -> dict[str, object]:
    """Build without root's power over permissions while ``locked`` has ``mode``; return the report."""
    locked.chmod(mode)
    try:
        run = run_unprivileged(BUILD_AS_UNPRIVILEGED, source, index_dir)
    finally:
        locked.chmod(0o755)
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)


@needs_unshare
def test_unlistable_folder_keeps_its_documents(source: Path, index_dir: Path) -> None:
    (source / "sub" / "c.txt").write_text(essay("Third Essay"))
    search.build_index([source], index_dir=index_dir)
    report = build_unprivileged(source, index_dir, locked=source / "sub", mode=0)
    assert report["removed"] == 0
    assert report["skipped"] == [{
        "path": str(source / "sub"),
        "reason": "cannot list folder (Permission denied); documents already indexed from it are kept",
        "id": None,
    }]
    assert stored_ids(index_dir, ["a.txt", "sub/b.txt", "sub/c.txt"]) == {"a.txt", "sub/b.txt", "sub/c.txt"}
    # Readable again, and a file gone from it meanwhile: now it is removed.
    (source / "sub" / "c.txt").unlink()
    assert search.build_index([source], index_dir=index_dir).removed == 1


@needs_unshare
def test_folder_listable_but_not_searchable_keeps_its_documents(source: Path, index_dir: Path) -> None:
    # Mode r--: names can be listed, but nothing inside can be examined or opened.
    (source / "sub" / "inner").mkdir()
    (source / "sub" / "inner" / "c.txt").write_text(essay("Third Essay"))
    search.build_index([source], index_dir=index_dir)
    report = build_unprivileged(source, index_dir, locked=source / "sub", mode=0o444)
    assert report["removed"] == 0
    assert {(Path(p["path"]).name, p["reason"]) for p in report["skipped"]} == {
        ("b.txt", "cannot be examined (Permission denied)"),
        ("inner", "cannot list folder (Permission denied); documents already indexed from it are kept"),
    }
    assert stored_ids(index_dir, ["sub/b.txt", "sub/inner/c.txt"]) == {"sub/b.txt", "sub/inner/c.txt"}


BUILD_REPORTING_ERRORS = """
import sys
import search
try:
    search.build_index([sys.argv[1]], index_dir=sys.argv[2])
except search.SearchError as exc:
    print(exc)
"""


@needs_unshare
def test_unlistable_source_folder_is_a_clear_error(source: Path, index_dir: Path) -> None:
    source.chmod(0)
    try:
        run = run_unprivileged(BUILD_REPORTING_ERRORS, source, index_dir)
    finally:
        source.chmod(0o755)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == f"cannot list source folder {source}: Permission denied"
