# -*- coding: utf-8 -*-
# Copyright (c) 2026, credrotate.cloud contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""PRIVATE: the collection's local files: 0700 directories, ``flock`` locks and atomic 0600 writes.

The ledger (:mod:`_ledger`) and the rotation state (:mod:`_state`) keep their files with these
helpers and nothing else:

* :func:`ensure_dir` creates a missing directory with mode 0700;
* :func:`locked` holds an exclusive (or shared) ``fcntl.flock`` on a sidecar file, created 0600;
* :func:`write_atomic` writes a 0600 temporary file next to the target, fsyncs it and renames it
  into place (``os.replace``), or links it into place only if the target does not exist yet
  (``exclusive``: an atomic ``O_EXCL`` that is never seen half-written);
* :func:`read_json`, :func:`read_bytes` and :func:`json_text` read and format the documents
  (``indent=1`` for the first two levels, sorted keys: the format every file of the collection
  has always had; deeper values one per line).

Each helper takes the error class to raise and the file's name in words (``what``), so that a
failure reads ``cannot write the ledger /path: Permission denied`` and is the caller's own
error type. Nothing here knows what a file holds.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import contextlib
import errno
import fcntl
import json
import os
import tempfile

FILE_MODE = 0o600
DIR_MODE = 0o700


def ensure_dir(directory, error, what):
    """Create ``directory`` (and its parents) with mode 0700 when it is missing."""
    if os.path.isdir(directory):
        return
    try:
        os.makedirs(directory, DIR_MODE)
    except OSError as exc:
        if exc.errno != errno.EEXIST:
            raise error("cannot create the %s %s: %s" % (what, directory, exc.strerror))


@contextlib.contextmanager
def locked(path, error, what, shared=False):
    """Hold ``flock`` on ``path`` (created 0600 when missing): exclusive, or shared with ``shared``."""
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, FILE_MODE)
    except OSError as exc:
        raise error("cannot open the %s %s: %s" % (what, path, exc.strerror))
    try:
        fcntl.flock(fd, fcntl.LOCK_SH if shared else fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def json_text(document, newline=False):
    """``document`` as the collection's files hold it: ``indent=1``, sorted keys, ASCII.

    The first two levels are laid out as ``json.dumps(indent=1)`` would; each value below them
    (a ledger entry, a target of the record) is one line. That keeps the files readable and
    diffable and lets the C encoder format the bulk: the pure-Python indenting encoder made
    writing the record and the ledger of a rotation with 1,000 jobs several times slower.
    """
    try:
        text = _layout(document, 0)
    except _NotStringKeys:
        text = json.dumps(document, indent=1, sort_keys=True)
    return text + ("\n" if newline else "")


class _NotStringKeys(Exception):
    pass


def _layout(value, level):
    if level >= 2 or not isinstance(value, (dict, list)) or not value:
        return json.dumps(value, sort_keys=True)
    pad = " " * (level + 1)
    if isinstance(value, dict):
        if not all(isinstance(k, str) for k in value):
            raise _NotStringKeys()
        items = ["%s%s: %s" % (pad, json.dumps(k), _layout(value[k], level + 1)) for k in sorted(value)]
        return "{\n%s\n%s}" % (",\n".join(items), " " * level)
    items = [pad + _layout(v, level + 1) for v in value]
    return "[\n%s\n%s]" % (",\n".join(items), " " * level)


def read_bytes(path, error, what):
    """The content of ``path``, or None when it does not exist."""
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except (IOError, OSError) as exc:
        if exc.errno == errno.ENOENT:
            return None
        raise error("cannot read the %s %s: %s" % (what, path, exc.strerror))


def read_json(path, error, what):
    """The JSON document in ``path``, or None when it does not exist."""
    raw = read_bytes(path, error, what)
    if raw is None:
        return None
    try:
        return json.loads(raw.decode("utf-8"))
    except ValueError:  # UnicodeDecodeError is a ValueError too
        raise error("the %s %s is not valid JSON" % (what, path))


def write_atomic(path, data, error, what, exclusive=False, durable=True):
    """Write ``data`` (text or bytes) to ``path`` atomically with mode 0600; True when written.

    A temporary file in the same directory is written, fsynced (unless not ``durable``: a cache
    that is rebuilt when lost) and renamed over ``path``. With
    ``exclusive`` it is hard-linked to ``path`` instead, which fails when ``path`` exists: then
    nothing is written and the answer is False (the first writer wins, as with ``O_EXCL``).
    """
    if not isinstance(data, bytes):
        data = data.encode("utf-8")
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(prefix=".%s." % os.path.basename(path), dir=os.path.dirname(path))
        with os.fdopen(fd, "wb") as handle:
            os.fchmod(handle.fileno(), FILE_MODE)
            handle.write(data)
            handle.flush()
            if durable:
                os.fsync(handle.fileno())
        if not exclusive:
            os.replace(tmp, path)
            tmp = None
            return True
        try:
            os.link(tmp, path)
        except OSError as exc:
            if exc.errno == errno.EEXIST:
                return False
            raise
        return True
    except (IOError, OSError) as exc:
        raise error("cannot write the %s %s: %s" % (what, path, exc.strerror))
    finally:
        if tmp is not None and os.path.lexists(tmp):
            try:
                os.unlink(tmp)
            except OSError:
                pass
