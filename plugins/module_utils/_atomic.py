# -*- coding: utf-8 -*-
# Copyright (c) 2026 aisystem.fleet contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Atomic file writes and per-directory locks.

Private to the collection.

* ``atomic_write(path, data)``: write to a temp file in the same directory, fsync it,
  give it the old file's mode and owner (or ``mode`` for a new file), rename it over
  ``path``, and fsync the directory. A reader sees the old bytes or the new, never a mix.
* ``locked(path)``: an exclusive ``flock`` held on the directory of ``path``. Locking the
  directory rather than the file survives the rename (which replaces the file's inode) and
  leaves no lock file beside the operator's files. Two tasks that change files of one
  directory (two agents of one machine's startup_config.yaml) are thereby serialised.

Errors: ``OSError`` from the system calls, unchanged.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import tempfile
import time


def atomic_write(path, data, mode=None):
    """Replace ``path`` with ``data`` (bytes) atomically.

    :param mode: permission bits for a new file (default 0o644 less the umask); an existing
        file keeps its own mode, owner and group.
    :returns: None.
    """
    directory = os.path.dirname(os.path.abspath(path))
    try:
        current = os.stat(path)
    except FileNotFoundError:
        current = None
    fd, tmp = tempfile.mkstemp(prefix=".%s." % os.path.basename(path), suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if current is not None:
            os.chmod(tmp, current.st_mode & 0o7777)
            if (current.st_uid, current.st_gid) != (os.getuid(), os.getgid()):
                os.chown(tmp, current.st_uid, current.st_gid)
        else:
            if mode is None:
                umask = os.umask(0)
                os.umask(umask)
                mode = 0o666 & ~umask
            os.chmod(tmp, mode)
        os.rename(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    fsync_directory(directory)


def fsync_directory(directory):
    """fsync a directory so that a rename or a new entry in it is durable."""
    dir_fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


@contextlib.contextmanager
def locked(path, timeout=60.0, interval=0.05):
    """Hold an exclusive lock on the directory of ``path`` (a file path).

    :param timeout: seconds to wait for the lock.
    :raises TimeoutError: when another holder keeps it longer than ``timeout``.
    """
    directory = os.path.dirname(os.path.abspath(path))
    dir_fd = os.open(directory, os.O_RDONLY)
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(dir_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise TimeoutError("%s is locked by another task for more than %ss" % (directory, timeout)) from None
                time.sleep(interval)
        yield
    finally:
        os.close(dir_fd)  # closing the descriptor releases the lock
