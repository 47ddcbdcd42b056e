"""Where lower-level exceptions become the engine's own.

Like httpx, the engine maps the exceptions of what it is built on (the file
system, Whoosh, pickle and zlib inside Whoosh's segment files) to its one
tree at the public boundary, so a caller that catches ``SearchError``
catches everything the engine raises.  The message names the original
exception and what it said.
"""

from __future__ import annotations

import functools
import gc
import os
import pickle
import struct
import warnings
import zlib
from pathlib import Path
from typing import Any, Callable, TypeVar

import whoosh

from .errors import IndexCorruptError, SearchError

__all__ = ["as_path", "reading_index", "reads_index"]

F = TypeVar("F", bound=Callable[..., Any])
T = TypeVar("T")

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


def reading_index(path: Path, func: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """``func(*args, **kwargs)``, with any non-engine exception turned into a ``SearchError``.

    Whoosh reports damaged segment files with whatever fails first (a bare
    ``Exception("Block tag error")``, ``UnicodeEncodeError``, pickle and
    zlib errors ...): anything raised inside Whoosh, or by the storage
    below it, means the index at ``path`` cannot be read.  Anything else is
    a bug in the engine, and says so.  The message names the original
    exception; the exception itself is dropped (see below).
    """
    try:
        return func(*args, **kwargs)
    except SearchError:
        raise
    except Exception as exc:  # noqa: BLE001 - this is the boundary
        error = _mapped(exc, path)
    # Whoosh leaves the files of a reader that failed half-way open in the
    # frames of the failed call; with the exception gone they are garbage,
    # and collecting them now keeps their ResourceWarnings from surfacing
    # at some random later moment.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        gc.collect()
    raise error


def reads_index(method: F) -> F:
    """Decorate an ``Index`` method so that only ``SearchError`` leaves it (see ``reading_index``)."""

    @functools.wraps(method)
    def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
        return reading_index(self.path, method, self, *args, **kwargs)

    return wrapper  # type: ignore[return-value]


def _mapped(exc: Exception, path: Path) -> SearchError:
    """The ``SearchError`` that reports ``exc``, raised while using the index at ``path``."""
    if isinstance(exc, _STORAGE_ERRORS) or _raised_in_whoosh(exc):
        return IndexCorruptError(
            f"the index in {path} cannot be read ({type(exc).__name__}: {exc}); "
            "rebuild it with `commentary index --rebuild`"
        )
    return SearchError(
        f"unexpected {type(exc).__name__} while using the index in {path}: {exc} "
        "(a bug in commentary-search: please report it)"
    )


def _raised_in_whoosh(exc: BaseException) -> bool:
    """True when the innermost frame of ``exc``'s traceback is Whoosh code."""
    tb = exc.__traceback__
    if tb is None:
        return False
    while tb.tb_next is not None:
        tb = tb.tb_next
    return tb.tb_frame.f_code.co_filename.startswith(_WHOOSH_DIR)
