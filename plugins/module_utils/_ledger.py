# -*- coding: utf-8 -*-
# Copyright (c) 2026, credrotate.cloud contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""PRIVATE: opt-in ledger of the password each target last received, as keyed fingerprints.

The ledger is a JSON file (mode 0600) written atomically (temporary file + ``os.replace``)
under an exclusive ``fcntl.flock`` on a sidecar ``<ledger>.lock``, with the helpers of
:mod:`_files`. An entry is keyed by a target id such as ``drs:<job>:so`` and holds
HMAC-SHA256(key, salt || target || password) with a per-entry random salt. The key is 32 random
bytes in ``<ledger>.key`` (0600), created on first use. The file never holds a password or an
unkeyed hash of one, so a stolen ledger without its key file allows no offline guessing.

:meth:`Ledger.matching` and :meth:`Ledger.record_many` read and write many targets at once (one
read, one write); :class:`LedgerSession` is what the services use: matches, records after a
successful change (not in check mode) and turns a failed record into a warning.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import datetime
import hashlib
import hmac
import os
import threading

from ansible_collections.credrotate.cloud.plugins.module_utils import _files
from ansible_collections.credrotate.cloud.plugins.module_utils._errors import CollectionError, TaskFailed

FORMAT_VERSION = 1
KEY_BYTES = 32
SALT_BYTES = 16


class LedgerError(CollectionError):
    """The ledger or its key cannot be read or written (the message names the file, never a secret)."""

    code = "LedgerError"
    kind = "ledger"


def _b64(data):
    return base64.b64encode(data).decode("ascii")


class Ledger(object):
    """``matches(target, password)``, ``record(target, password, request_id=None)``, ``forget(target)``.

    ``matching(pairs)`` and ``record_many(entries)`` do the same for many targets with one read or
    one write. Every method raises :class:`LedgerError`.
    """

    def __init__(self, path):
        self.path = os.path.abspath(os.path.expanduser(path))
        self.key_path = self.path + ".key"
        self.lock_path = self.path + ".lock"

    # -- public API --

    def matches(self, target, password):
        """True when ``target``'s entry was recorded with this ``password``.

        A ledger that does not exist yet matches nothing and is not created (check mode writes nothing).
        """
        return target in self.matching([(target, password)])

    def matching(self, pairs):
        """The set of targets of ``pairs`` (``[(target, password), ...]``) recorded with that password.

        One read of the ledger and of its key, whatever the number of pairs.
        """
        pairs = list(pairs)
        if not pairs or not os.path.exists(self.path):
            return set()
        with self._locked(shared=True):
            entries = self._load()
            if not os.path.exists(self.key_path):
                return set()
            key = None
            found = set()
            for target, password in pairs:
                entry = entries.get(target)
                if not entry:
                    continue
                try:
                    salt = base64.b64decode(entry["salt"])
                    expected = "%s" % (entry["fingerprint"],)
                except (KeyError, TypeError, ValueError):
                    continue
                key = key or self._key()
                if hmac.compare_digest(self._fingerprint(key, salt, target, password), expected):
                    found.add(target)
            return found

    def record(self, target, password, request_id=None):
        """Store ``target``'s fingerprint for ``password`` (a new salt each time)."""
        self.record_many([(target, password, request_id)])

    def record_many(self, entries):
        """Store every ``(target, password, request_id)`` of ``entries`` with one write."""
        entries = list(entries)
        if not entries:
            return
        with self._locked():
            stored = self._load()
            key = self._key(create=True)
            now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
            for target, password, request_id in entries:
                salt = os.urandom(SALT_BYTES)
                stored[target] = {"salt": _b64(salt), "fingerprint": self._fingerprint(key, salt, target, password),
                                  "recorded_at": now, "request_id": request_id}
            self._save(stored)

    def forget(self, target):
        """Remove ``target``'s entry; True if there was one."""
        with self._locked():
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

    def _locked(self, shared=False):
        _files.ensure_dir(os.path.dirname(self.path), LedgerError, "ledger directory")
        return _files.locked(self.lock_path, LedgerError, "ledger lock", shared=shared)

    def _key(self, create=False):
        """The 32-byte HMAC key; created (0600, exclusively: the first writer wins) on first use when ``create``."""
        if create and not os.path.exists(self.key_path):
            _files.write_atomic(self.key_path, os.urandom(KEY_BYTES), LedgerError, "ledger key", exclusive=True)
        key = _files.read_bytes(self.key_path, LedgerError, "ledger key")
        if key is None:
            raise LedgerError("cannot read the ledger key %s: No such file or directory" % self.key_path)
        if len(key) != KEY_BYTES:
            raise LedgerError("the ledger key %s is not %d bytes long" % (self.key_path, KEY_BYTES))
        return key

    def _load(self):
        data = _files.read_json(self.path, LedgerError, "ledger")
        if data is None:
            return {}
        entries = data.get("entries") if isinstance(data, dict) else None
        if not isinstance(entries, dict):
            raise LedgerError("the ledger %s has no entries object" % self.path)
        return entries

    def _save(self, entries):
        document = {"version": FORMAT_VERSION, "algorithm": "HMAC-SHA256", "entries": entries}
        _files.write_atomic(self.path, _files.json_text(document), LedgerError, "ledger")


def open_ledger(path):
    """The :class:`Ledger` at ``path`` (the ``ledger`` option), or None when it is not set."""
    return Ledger(path) if path else None


class LedgerSession(object):
    """A service's use of an optional ledger during one task.

    ``ledger`` may be None (no ledger: nothing matches, nothing is recorded). In ``check_mode``
    nothing is recorded. A failed read raises :class:`TaskFailed` ("Cannot read the ledger"); a
    failed record after a successful change is not a failure: it is kept in :attr:`warnings`.
    Thread-safe (DTS records from worker threads).
    """

    def __init__(self, ledger, check_mode=False):
        self.ledger = ledger
        self.check_mode = check_mode
        self.warnings = []
        self._lock = threading.Lock()

    def matching(self, pairs):
        """The targets of ``[(target, password), ...]`` the ledger has with that password (one read)."""
        if self.ledger is None:
            return set()
        try:
            return self.ledger.matching(pairs)
        except LedgerError as err:
            raise TaskFailed.wrap(err, "Cannot read the ledger")

    def matches(self, target, password):
        return target in self.matching([(target, password)])

    def record(self, target, password, request_id=None):
        """Record one target (no-op without a ledger or in check mode); a failure becomes a warning."""
        self.record_many([(target, password, request_id)])

    def forget(self, target):
        """After a write that may have applied: the target's password is unknown, so the ledger must not
        vouch for any (neither a re-run nor a rollback may skip it). A failure becomes a warning."""
        if self.ledger is None or self.check_mode:
            return
        with self._lock:
            try:
                self.ledger.forget(target)
            except LedgerError as err:
                self.warnings.append("The ledger could not forget %s, whose password may have changed: %s"
                                     % (target, err))

    def record_many(self, entries):
        entries = list(entries)
        if self.ledger is None or self.check_mode or not entries:
            return
        with self._lock:
            try:
                self.ledger.record_many(entries)
            except LedgerError as err:
                names = ", ".join(target for target, _password, _request_id in entries)
                self.warnings.append("The password of %s was changed but the ledger could not record it: %s"
                                     % (names, err))
