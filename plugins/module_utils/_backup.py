# -*- coding: utf-8 -*-
# Copyright (c) 2026 aisystem.fleet contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Checksummed snapshots of an agent's files: take, verify, restore, prune.

Private to the collection.

Layout: ``<backup_dir>/<agent>/<backup_id>/manifest.json`` and ``files/<absolute path>``
(the original path below ``files/``). Directories are 0700, copies and manifest 0600.
``backup_id`` is the UTC time of the snapshot, ``YYYYmmddTHHMMSSffffffZ``, so ids sort by age.

Manifest (JSON)::

    {"manifest_version": 1, "agent", "backup_id", "created" (ISO 8601 UTC),
     "files": [{"path", "stored" (relative to the snapshot), "role", "sha256", "size" (bytes),
                "mode" ("0644"), "uid", "gid", "owner", "group", "mtime" (epoch s)}]}

``role`` is ``script``, ``startup_config`` or ``extra``.

Errors: ``BackupError`` (damaged or missing snapshot, unreadable file); nothing is changed
when it is raised by ``restore``.
"""

from __future__ import annotations

import datetime
import grp
import hashlib
import json
import os
import pwd
import shutil
import stat

from ansible_collections.aisystem.fleet.plugins.module_utils._atomic import atomic_write

MANIFEST = "manifest.json"


class BackupError(Exception):
    """A snapshot cannot be taken, trusted or restored."""


def sha256_file(path):
    """Hex sha256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _describe(path, role):
    st = os.stat(path)
    try:
        owner = pwd.getpwuid(st.st_uid).pw_name
    except KeyError:
        owner = str(st.st_uid)
    try:
        group = grp.getgrgid(st.st_gid).gr_name
    except KeyError:
        group = str(st.st_gid)
    return {"path": path, "stored": os.path.join("files", path.lstrip("/")), "role": role,
            "sha256": sha256_file(path), "size": st.st_size, "mode": "%04o" % stat.S_IMODE(st.st_mode),
            "uid": st.st_uid, "gid": st.st_gid, "owner": owner, "group": group, "mtime": st.st_mtime}


class BackupStore:
    """Snapshots of one agent's files below ``backup_dir/agent``.

    :param now: callable returning an aware UTC datetime (injectable for tests).
    """

    def __init__(self, backup_dir, agent, now=None):
        if not agent or "/" in agent or agent.startswith("."):
            raise BackupError("invalid agent name for a backup directory: %r" % agent)
        self.root = os.path.join(backup_dir, agent)
        self.agent = agent
        self.now = now or (lambda: datetime.datetime.now(datetime.timezone.utc))

    # ------------------------------------------------------------------ reading
    def ids(self):
        """Snapshot ids, oldest first."""
        try:
            names = os.listdir(self.root)
        except FileNotFoundError:
            return []
        return sorted(n for n in names if os.path.isfile(os.path.join(self.root, n, MANIFEST)))

    def manifest(self, backup_id):
        path = os.path.join(self.root, backup_id, MANIFEST)
        try:
            with open(path, encoding="utf-8") as handle:
                return json.load(handle)
        except (OSError, ValueError) as exc:
            raise BackupError("snapshot %s of %s has no readable manifest: %s" % (backup_id, self.agent, exc)) from None

    def resolve(self, backup_id=None):
        """The given id, or the latest; raises BackupError when there is none."""
        ids = self.ids()
        if backup_id is None:
            if not ids:
                raise BackupError("no snapshot of %s in %s" % (self.agent, self.root))
            return ids[-1]
        if backup_id not in ids:
            raise BackupError("no snapshot %s of %s in %s" % (backup_id, self.agent, self.root))
        return backup_id

    def verify(self, backup_id):
        """Check every stored copy against the manifest.

        :returns: list of problems (empty when the snapshot is intact).
        """
        manifest = self.manifest(backup_id)
        problems = []
        for entry in manifest["files"]:
            stored = os.path.join(self.root, backup_id, entry["stored"])
            try:
                digest = sha256_file(stored)
            except OSError as exc:
                problems.append("%s: copy unreadable (%s)" % (entry["path"], exc.strerror))
                continue
            if digest != entry["sha256"]:
                problems.append("%s: copy's sha256 %s differs from the manifest's %s" % (
                    entry["path"], digest[:12], entry["sha256"][:12]))
        return problems

    # ------------------------------------------------------------------ writing
    def snapshot(self, files, check_mode=False):
        """Snapshot ``files`` (list of ``(path, role)``) unless the latest snapshot holds them as they are.

        :returns: ``(changed, manifest)``.
        """
        described = []
        for path, role in files:
            try:
                described.append(_describe(os.path.abspath(path), role))
            except OSError as exc:
                raise BackupError("cannot back up %s: %s" % (path, exc)) from None
        ids = self.ids()
        if ids:
            latest = self.manifest(ids[-1])
            same = [(f["path"], f["sha256"], f["mode"]) for f in latest["files"]] == \
                [(f["path"], f["sha256"], f["mode"]) for f in described]
            if same and not self.verify(ids[-1]):
                return False, latest
        now = self.now()
        manifest = {"manifest_version": 1, "agent": self.agent, "backup_id": now.strftime("%Y%m%dT%H%M%S%fZ"),
                    "created": now.isoformat(), "files": described}
        if check_mode:
            return True, manifest
        target = os.path.join(self.root, manifest["backup_id"])
        os.makedirs(self.root, mode=0o700, exist_ok=True)
        os.chmod(self.root, 0o700)
        os.makedirs(target, mode=0o700)
        try:
            for entry in described:
                stored = os.path.join(target, entry["stored"])
                os.makedirs(os.path.dirname(stored), mode=0o700, exist_ok=True)
                with open(entry["path"], "rb") as handle:
                    atomic_write(stored, handle.read(), mode=0o600)
            problems = []
            for entry in described:
                if sha256_file(os.path.join(target, entry["stored"])) != entry["sha256"]:
                    problems.append(entry["path"])
            if problems:
                raise BackupError("copies differ from their sources right after the copy "
                                  "(changed while copying?): %s" % ", ".join(problems))
            atomic_write(os.path.join(target, MANIFEST), json.dumps(manifest, indent=2).encode(), mode=0o600)
        except BaseException:
            shutil.rmtree(target, ignore_errors=True)
            raise
        return True, manifest

    def restore(self, backup_id=None, roles=None, check_mode=False):
        """Put the snapshot's files back byte for byte (content, mode, mtime; owner when root).

        Every copy is verified first; a damaged snapshot raises BackupError and nothing changes.

        :param roles: restore only the files of these roles (default: all).
        :returns: ``(changed paths, manifest)``.
        """
        backup_id = self.resolve(backup_id)
        problems = self.verify(backup_id)
        if problems:
            raise BackupError("snapshot %s of %s is damaged, refusing to restore it: %s" % (
                backup_id, self.agent, "; ".join(problems)))
        manifest = self.manifest(backup_id)
        changed = []
        for entry in manifest["files"]:
            if roles is not None and entry["role"] not in roles:
                continue
            try:
                current = _describe(entry["path"], entry["role"])
                same = current["sha256"] == entry["sha256"] and current["mode"] == entry["mode"]
            except FileNotFoundError:
                same = False
            if same:
                continue
            changed.append(entry["path"])
            if check_mode:
                continue
            with open(os.path.join(self.root, backup_id, entry["stored"]), "rb") as handle:
                data = handle.read()
            os.makedirs(os.path.dirname(entry["path"]), exist_ok=True)
            atomic_write(entry["path"], data, mode=int(entry["mode"], 8))
            os.chmod(entry["path"], int(entry["mode"], 8))
            if os.geteuid() == 0:
                os.chown(entry["path"], entry["uid"], entry["gid"])
            os.utime(entry["path"], (entry["mtime"], entry["mtime"]))
        return changed, manifest

    def prune(self, keep, check_mode=False):
        """Delete all but the newest ``keep`` snapshots; returns the removed ids."""
        if keep < 1:
            raise BackupError("keep must be at least 1")
        ids = self.ids()
        removed = ids[:-keep] if len(ids) > keep else []
        if not check_mode:
            for backup_id in removed:
                shutil.rmtree(os.path.join(self.root, backup_id))
        return removed

    def stored_path(self, manifest, role):
        """Absolute path of the stored copy with ``role`` in a manifest (None when absent)."""
        for entry in manifest["files"]:
            if entry["role"] == role:
                return os.path.join(self.root, manifest["backup_id"], entry["stored"])
        return None
