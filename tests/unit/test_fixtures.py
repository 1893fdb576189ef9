# -*- coding: utf-8 -*-
"""The shipped real files are byte for byte the ones their README lists."""

from __future__ import annotations

import gzip
import hashlib
import re

import pytest

from conftest import FIXTURES

LISTED = dict(re.findall(r"^\| (\S+\.yaml) \|.*\| ([0-9a-f]{64}) \|", (FIXTURES / "README.md").read_text(), re.M))


def test_readme_lists_four_files():
    assert len(LISTED) == 4


@pytest.mark.parametrize("name", sorted(LISTED))
def test_fixture_is_unmodified(name):
    with gzip.open(FIXTURES / (name + ".gz"), "rb") as handle:
        assert hashlib.sha256(handle.read()).hexdigest() == LISTED[name]
