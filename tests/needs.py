"""What some tests need from the machine, and what happens when it is missing.

A test that needs a tmpfs it can mount (root with CAP_SYS_ADMIN) or a
SolrCloud (Java 17 and Maven) skips where that is missing, saying why.  A
machine that is known to have it (CI probes for both before running the
suite) lists it in ``COMMENTARY_TESTS_REQUIRE`` (comma-separated: ``tmpfs``,
``solr``); there the same condition fails the test instead, so that a
broken fixture or a lost capability cannot pass as a skip.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import NoReturn

import pytest

REQUIRE_VARIABLE = "COMMENTARY_TESTS_REQUIRE"


def required() -> set[str]:
    """The capabilities this run must have (``COMMENTARY_TESTS_REQUIRE``)."""
    return {part.strip() for part in os.environ.get(REQUIRE_VARIABLE, "").split(",") if part.strip()}


def unavailable(capability: str, reason: str) -> NoReturn:
    """Skip the test for ``reason``, or fail it where ``capability`` is required."""
    if capability in required():
        pytest.fail(f"{reason} ({REQUIRE_VARIABLE} says this machine has {capability})")
    pytest.skip(reason)


def remount_read_only(mount_point: Path) -> None:
    """Remount the ``small_disk`` tmpfs read-only, or skip (fail where tmpfs is required)."""
    remount = subprocess.run(["mount", "-o", "remount,ro", str(mount_point)], capture_output=True, text=True)
    if remount.returncode != 0:
        unavailable("tmpfs", f"cannot remount the tmpfs read-only: {remount.stderr.strip()}")
