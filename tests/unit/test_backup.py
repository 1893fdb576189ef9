# -*- coding: utf-8 -*-
"""Snapshots: manifest, privacy, idempotence, verified restore, refusal when damaged, prune."""

from __future__ import annotations

import datetime
import json
import os
import stat

import pytest

from ansible_collections.aisystem.fleet.plugins.module_utils._backup import BackupError, BackupStore, sha256_file


class Clock:
    def __init__(self):
        self.t = datetime.datetime(2026, 11, 21, 10, 0, tzinfo=datetime.timezone.utc)

    def __call__(self):
        self.t += datetime.timedelta(seconds=1)
        return self.t


@pytest.fixture
def files(tmp_path):
    script = tmp_path / "repo" / "agent.py"
    config = tmp_path / "repo" / "startup_config.yaml"
    script.parent.mkdir()
    script.write_text("print('v1')\n")
    config.write_text("pc2_services: []\n")
    os.chmod(script, 0o750)
    return [(str(script), "script"), (str(config), "startup_config")]


def test_snapshot_manifest_and_privacy(tmp_path, files):
    store = BackupStore(str(tmp_path / "backups"), "A", now=Clock())
    changed, manifest = store.snapshot(files)
    assert changed and manifest["backup_id"] == "20261121T100001000000Z"
    entry = manifest["files"][0]
    assert entry["path"] == files[0][0] and entry["mode"] == "0750" and entry["size"] == 12
    assert entry["sha256"] == sha256_file(files[0][0])
    root = tmp_path / "backups" / "A" / manifest["backup_id"]
    assert json.loads((root / "manifest.json").read_text()) == manifest
    assert stat.S_IMODE((tmp_path / "backups" / "A").stat().st_mode) == 0o700
    assert stat.S_IMODE(root.stat().st_mode) == 0o700
    assert stat.S_IMODE((root / "manifest.json").stat().st_mode) == 0o600
    assert stat.S_IMODE((root / entry["stored"]).stat().st_mode) == 0o600
    assert store.verify(manifest["backup_id"]) == []


def test_snapshot_is_idempotent_until_a_file_changes(tmp_path, files):
    store = BackupStore(str(tmp_path / "backups"), "A", now=Clock())
    first = store.snapshot(files)[1]
    assert store.snapshot(files) == (False, first)
    with open(files[0][0], "a", encoding="utf-8") as handle:
        handle.write("# v2\n")
    changed, second = store.snapshot(files)
    assert changed and second["backup_id"] > first["backup_id"]
    assert store.ids() == [first["backup_id"], second["backup_id"]]


def test_restore_is_byte_for_byte_with_mode_and_mtime(tmp_path, files):
    store = BackupStore(str(tmp_path / "backups"), "A", now=Clock())
    manifest = store.snapshot(files)[1]
    script = files[0][0]
    original = open(script, "rb").read()
    with open(script, "w", encoding="utf-8") as handle:
        handle.write("broken(\n")
    os.chmod(script, 0o600)
    assert store.restore(check_mode=True)[0] == [script]
    assert open(script, "rb").read() == b"broken(\n"
    changed, _manifest = store.restore()
    assert changed == [script]
    assert open(script, "rb").read() == original
    assert stat.S_IMODE(os.stat(script).st_mode) == 0o750
    assert os.stat(script).st_mtime == manifest["files"][0]["mtime"]
    assert store.restore()[0] == []


def test_damaged_snapshot_is_refused_and_nothing_changes(tmp_path, files):
    store = BackupStore(str(tmp_path / "backups"), "A", now=Clock())
    manifest = store.snapshot(files)[1]
    for path, _role in files:
        with open(path, "a", encoding="utf-8") as handle:
            handle.write("# changed\n")
    current = [open(p, "rb").read() for p, _r in files]
    stored = tmp_path / "backups" / "A" / manifest["backup_id"] / manifest["files"][1]["stored"]
    stored.write_text("tampered\n")
    with pytest.raises(BackupError, match="is damaged, refusing to restore it: .*startup_config.yaml: copy's sha256"):
        store.restore()
    assert [open(p, "rb").read() for p, _r in files] == current


def test_restore_by_role_and_prune(tmp_path, files):
    store = BackupStore(str(tmp_path / "backups"), "A", now=Clock())
    store.snapshot(files)
    for path, _role in files:
        with open(path, "a", encoding="utf-8") as handle:
            handle.write("# x\n")
    assert store.restore(roles={"script"})[0] == [files[0][0]]
    for n in range(3):
        with open(files[1][0], "a", encoding="utf-8") as handle:
            handle.write("# %d\n" % n)
        store.snapshot(files)
    ids = store.ids()
    assert len(ids) == 4
    assert store.prune(2, check_mode=True) == ids[:2] and len(store.ids()) == 4
    assert store.prune(2) == ids[:2] and store.ids() == ids[2:]


@pytest.mark.parametrize("agent", ["", "../x", ".hidden", "a/b"])
def test_bad_agent_names(tmp_path, agent):
    with pytest.raises(BackupError):
        BackupStore(str(tmp_path), agent)


def test_missing_file_and_missing_snapshot(tmp_path, files):
    store = BackupStore(str(tmp_path / "backups"), "A")
    with pytest.raises(BackupError, match="no snapshot of A"):
        store.restore()
    with pytest.raises(BackupError, match="cannot back up"):
        store.snapshot([(str(tmp_path / "nope.py"), "script")])
