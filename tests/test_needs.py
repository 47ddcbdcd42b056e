"""The switch that turns 'not available here' skips into failures (tests/needs.py)."""

from __future__ import annotations

import pytest

from needs import REQUIRE_VARIABLE, required, unavailable


def test_a_missing_capability_skips_unless_the_machine_is_said_to_have_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(REQUIRE_VARIABLE, " solr , ")
    assert required() == {"solr"}
    with pytest.raises(pytest.skip.Exception, match="no tmpfs here"):
        unavailable("tmpfs", "no tmpfs here")
    with pytest.raises(pytest.fail.Exception, match="no java here .*has solr"):
        unavailable("solr", "no java here")
    monkeypatch.delenv(REQUIRE_VARIABLE)
    assert required() == set()
    with pytest.raises(pytest.skip.Exception):
        unavailable("solr", "no java here")
