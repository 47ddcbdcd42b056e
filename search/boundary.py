"""Where lower-level exceptions become the engine's own.

Like httpx, the engine maps the exceptions of what it is built on (the file
system, Whoosh, pickle and zlib inside Whoosh's segment files) to its one
tree at the public boundary, so a caller that catches ``SearchError``
catches everything the engine raises.  The original exception stays
attached as ``__cause__`` for whoever has to debug it.
"""

from __future__ import annotations

import functools
import os
import pickle
import struct
import zlib
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator, TypeVar

import whoosh

from .errors import IndexCorruptError, SearchError

__all__ = ["as_path", "reading_index", "reads_index"]

F = TypeVar("F", bound=Callable[..., Any])

_WHOOSH_DIR = os.path.dirname(whoosh.__file__) + os.sep
# What reading damaged or vanished index files raises outside Whoosh's own code.
_STORAGE_ERRORS = (OSError, EOFError, zlib.error, pickle.UnpicklingError, struct.error, UnicodeDecodeError)


def as_path(value: Any, what: str) -> Path:
    """A path argument as a ``Path``; ``SearchError`` for what no file system takes."""
    if not isinstance(value, (str, os.PathLike)):
        raise SearchError(f"{what} must be a path, not {type(value).__name__}")
    try:
        path = Path(value)
    except TypeError as exc:  # a PathLike whose __fspath__ returns something else
        raise SearchError(f"{what} must be a path: {exc}") from None
    if "\x00" in str(path):
        raise SearchError(f"{what} {str(path)!r} is not a usable path: it contains a NUL character")
    return path


@contextmanager
def reading_index(path: Path) -> Iterator[None]:
    """Turn any non-engine exception raised while reading the index at ``path`` into a ``SearchError``.

    Whoosh reports damaged segment files with whatever fails first (a bare
    ``Exception("Block tag error")``, ``UnicodeEncodeError``, pickle and
    zlib errors ...): anything raised inside Whoosh, or by the storage
    below it, means the index cannot be read.  Anything else is a bug in
    the engine, and says so.
    """
    try:
        yield
    except SearchError:
        raise
    except Exception as exc:  # noqa: BLE001 - this is the boundary
        if isinstance(exc, _STORAGE_ERRORS) or _raised_in_whoosh(exc):
            raise IndexCorruptError(
                f"the index in {path} cannot be read ({type(exc).__name__}: {exc}); "
                "rebuild it with `commentary index --rebuild`"
            ) from exc
        raise SearchError(
            f"unexpected {type(exc).__name__} while using the index in {path}: {exc} "
            "(a bug in commentary-search: please report it)"
        ) from exc


def reads_index(method: F) -> F:
    """Decorate an ``Index`` method so that only ``SearchError`` leaves it (see ``reading_index``)."""

    @functools.wraps(method)
    def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
        with reading_index(self.path):
            return method(self, *args, **kwargs)

    return wrapper  # type: ignore[return-value]


def _raised_in_whoosh(exc: BaseException) -> bool:
    """True when the innermost frame of ``exc``'s traceback is Whoosh code."""
    tb = exc.__traceback__
    if tb is None:
        return False
    while tb.tb_next is not None:
        tb = tb.tb_next
    return tb.tb_frame.f_code.co_filename.startswith(_WHOOSH_DIR)
