# -*- coding: utf-8 -*-
# Copyright (c) 2026, credrotate.cloud contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Opt-in ledger of the password each target last received, as keyed fingerprints.

The ledger is a JSON file (mode 0600) written atomically (temporary file + ``os.replace``)
under an exclusive ``fcntl.flock`` on a sidecar ``<ledger>.lock``. An entry is keyed by a
target id such as ``drs:<job>:so`` and holds HMAC-SHA256(key, salt || target || password)
with a per-entry random salt. The key is 32 random bytes in ``<ledger>.key`` (0600), created
on first use. The file never holds a password or an unkeyed hash of one, so a stolen ledger
without its key file allows no offline guessing.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import contextlib
import datetime
import errno
import fcntl
import hashlib
import hmac
import json
import os
import tempfile

FORMAT_VERSION = 1
KEY_BYTES = 32
SALT_BYTES = 16


class LedgerError(Exception):
    """The ledger or its key cannot be read or written (the message names the file, never a secret)."""


def _b64(data):
    return base64.b64encode(data).decode("ascii")


class Ledger(object):
    """``matches(target, password)``, ``record(target, password, request_id=None)``, ``forget(target)``."""

    def __init__(self, path):
        self.path = os.path.abspath(os.path.expanduser(path))
        self.key_path = self.path + ".key"
        self.lock_path = self.path + ".lock"

    # -- public API --

    def matches(self, target, password):
        """True when ``target``'s entry was recorded with this ``password``.

        A ledger that does not exist yet matches nothing and is not created (check mode writes nothing).
        """
        if not os.path.exists(self.path):
            return False
        with self._locked(fcntl.LOCK_SH):
            entry = self._load().get(target)
            if not entry or not os.path.exists(self.key_path):
                return False
            try:
                salt = base64.b64decode(entry["salt"])
                expected = entry["fingerprint"]
            except (KeyError, TypeError, ValueError):
                return False
            return hmac.compare_digest(self._fingerprint(self._key(), salt, target, password), "%s" % expected)

    def record(self, target, password, request_id=None):
        """Store ``target``'s fingerprint for ``password`` (a new salt each time)."""
        with self._locked(fcntl.LOCK_EX):
            entries = self._load()
            salt = os.urandom(SALT_BYTES)
            entries[target] = {
                "salt": _b64(salt),
                "fingerprint": self._fingerprint(self._key(create=True), salt, target, password),
                "recorded_at": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "request_id": request_id,
            }
            self._save(entries)

    def forget(self, target):
        """Remove ``target``'s entry; True if there was one."""
        with self._locked(fcntl.LOCK_EX):
            entries = self._load()
            if target not in entries:
                return False
            del entries[target]
            self._save(entries)
            return True

    # -- internals --

    @staticmethod
    def _fingerprint(key, salt, target, password):
        message = salt + b"\0" + target.encode("utf-8") + b"\0" + ("%s" % (password,)).encode("utf-8")
        return hmac.new(key, message, hashlib.sha256).hexdigest()

    def _ensure_dir(self):
        directory = os.path.dirname(self.path)
        if not os.path.isdir(directory):
            try:
                os.makedirs(directory, 0o700)
            except OSError as exc:
                if exc.errno != errno.EEXIST:
                    raise LedgerError("cannot create the ledger directory %s: %s" % (directory, exc.strerror))

    @contextlib.contextmanager
    def _locked(self, mode):
        self._ensure_dir()
        try:
            fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as exc:
            raise LedgerError("cannot open the ledger lock %s: %s" % (self.lock_path, exc.strerror))
        try:
            fcntl.flock(fd, mode)
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)

    def _key(self, create=False):
        """The 32-byte HMAC key; created (0600, exclusively) on first use when ``create``."""
        if create and not os.path.exists(self.key_path):
            try:
                fd = os.open(self.key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except OSError as exc:
                if exc.errno != errno.EEXIST:
                    raise LedgerError("cannot create the ledger key %s: %s" % (self.key_path, exc.strerror))
            else:
                with os.fdopen(fd, "wb") as handle:
                    handle.write(os.urandom(KEY_BYTES))
                    handle.flush()
                    os.fsync(handle.fileno())
        try:
            with open(self.key_path, "rb") as handle:
                key = handle.read()
        except (IOError, OSError) as exc:
            raise LedgerError("cannot read the ledger key %s: %s" % (self.key_path, exc.strerror))
        if len(key) != KEY_BYTES:
            raise LedgerError("the ledger key %s is not %d bytes long" % (self.key_path, KEY_BYTES))
        return key

    def _load(self):
        try:
            with open(self.path, "r") as handle:
                data = json.load(handle)
        except (IOError, OSError) as exc:
            if exc.errno == errno.ENOENT:
                return {}
            raise LedgerError("cannot read the ledger %s: %s" % (self.path, exc.strerror))
        except ValueError:
            raise LedgerError("the ledger %s is not valid JSON" % self.path)
        entries = data.get("entries") if isinstance(data, dict) else None
        if not isinstance(entries, dict):
            raise LedgerError("the ledger %s has no entries object" % self.path)
        return entries

    def _save(self, entries):
        document = {"version": FORMAT_VERSION, "algorithm": "HMAC-SHA256", "entries": entries}
        fd, tmp = tempfile.mkstemp(prefix=".%s." % os.path.basename(self.path), dir=os.path.dirname(self.path))
        try:
            with os.fdopen(fd, "w") as handle:
                os.fchmod(handle.fileno(), 0o600)
                json.dump(document, handle, indent=1, sort_keys=True)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, self.path)
        except (IOError, OSError) as exc:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise LedgerError("cannot write the ledger %s: %s" % (self.path, exc.strerror))
