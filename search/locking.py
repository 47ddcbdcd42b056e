"""One build at a time: an exclusive lock file inside the index directory."""

from __future__ import annotations

import fcntl
import os
import time
from pathlib import Path

from .errors import IndexLockedError

__all__ = ["BuildLock"]

LOCK_NAME = "build.lock"


class BuildLock:
    """An advisory ``flock`` on ``<index_dir>/build.lock``.

    The kernel drops the lock when the holder exits, even under ``kill -9``,
    so a crashed build never leaves the index locked.  Only the building
    process holds it: the descriptor is close-on-exec, and a build's helper
    process is a fresh interpreter (``search.segments.SegmentChild``), so a
    helper that outlived a killed build could not keep the index locked.
    """

    def __init__(self, index_dir: Path, wait: float = 0.0) -> None:
        self.path = Path(index_dir) / LOCK_NAME
        self.wait = wait
        self._fd: int | None = None

    def acquire(self) -> "BuildLock":
        """Take the lock, waiting up to ``wait`` seconds; raise IndexLockedError."""
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        deadline = time.monotonic() + self.wait
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    holder = _read_holder(fd)
                    os.close(fd)
                    raise IndexLockedError(
                        f"another build is writing to {self.path.parent}"
                        f"{f' (pid {holder})' if holder else ''}; "
                        "wait for it to finish and try again"
                    ) from None
                time.sleep(0.1)
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        self._fd = fd
        return self

    def release(self) -> None:
        """Give the lock up (idempotent)."""
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> "BuildLock":
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()


def _read_holder(fd: int) -> str:
    """The pid the current holder wrote into the lock file, or ''."""
    try:
        return os.pread(fd, 32, 0).decode("ascii", "replace").strip()
    except OSError:
        return ""
