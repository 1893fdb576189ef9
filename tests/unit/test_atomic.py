# -*- coding: utf-8 -*-
"""Atomic writes keep mode, leave no temp file, and the directory lock excludes a second holder."""

from __future__ import annotations

import os
import stat

import pytest

from ansible_collections.aisystem.fleet.plugins.module_utils import _atomic


def test_replaces_content_and_keeps_mode(tmp_path):
    target = tmp_path / "startup_config.yaml"
    target.write_text("old\n")
    os.chmod(target, 0o640)
    _atomic.atomic_write(str(target), b"new\n")
    assert target.read_bytes() == b"new\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert os.listdir(tmp_path) == ["startup_config.yaml"]


def test_new_file_gets_requested_mode(tmp_path):
    target = tmp_path / "new.py"
    _atomic.atomic_write(str(target), b"x", mode=0o600)
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


def test_failed_write_leaves_old_file_and_no_temp(tmp_path):
    target = tmp_path / "f"
    target.write_bytes(b"old")
    with pytest.raises(TypeError):
        _atomic.atomic_write(str(target), "not bytes")
    assert target.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["f"]


def test_lock_excludes_a_second_holder(tmp_path):
    target = str(tmp_path / "f")
    with _atomic.locked(target):
        with pytest.raises(TimeoutError, match="locked by another task"):
            with _atomic.locked(target, timeout=0.2):
                pass
    with _atomic.locked(target, timeout=0.2):
        pass
