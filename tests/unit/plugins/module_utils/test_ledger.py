# -*- coding: utf-8 -*-
# Copyright (c) 2026, credrotate.cloud contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The ledger: keyed fingerprints only, 0600 files, atomic writes, file lock."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import fcntl
import hashlib
import json
import os
import stat
import threading
import time

import pytest

from ansible_collections.credrotate.cloud.plugins.module_utils import _ledger as ledger_mod
from ansible_collections.credrotate.cloud.plugins.module_utils._ledger import Ledger, LedgerError

PASSWORD = "Rotat3d-Passw0rd_2026"
TARGET = "drs:11111111-2222-3333-4444-555555555555:so"


@pytest.fixture
def ledger(tmp_path):
    return Ledger(str(tmp_path / "state" / "ledger.json"))


def mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def test_record_then_matches_only_the_same_password(ledger):
    """matches() is True for the recorded password and False for any other or an unknown target."""
    assert ledger.matches(TARGET, PASSWORD) is False
    ledger.record(TARGET, PASSWORD, request_id="req-1")
    assert ledger.matches(TARGET, PASSWORD) is True
    assert ledger.matches(TARGET, PASSWORD + "x") is False
    assert ledger.matches("drs:other:so", PASSWORD) is False


def test_fingerprint_is_bound_to_the_target(ledger):
    """An entry copied to another target id does not match there (target is in the MAC)."""
    ledger.record(TARGET, PASSWORD)
    data = json.load(open(ledger.path))
    data["entries"]["dcs:i1"] = data["entries"][TARGET]
    json.dump(data, open(ledger.path, "w"))
    assert ledger.matches("dcs:i1", PASSWORD) is False


def test_files_are_0600_and_key_is_32_random_bytes(ledger):
    """Ledger, key and lock files are 0600; the key file holds 32 bytes."""
    ledger.record(TARGET, PASSWORD)
    for path in (ledger.path, ledger.key_path, ledger.lock_path):
        assert mode(path) == 0o600, path
    assert len(open(ledger.key_path, "rb").read()) == 32


def test_file_holds_no_password_and_no_unkeyed_hash(ledger):
    """Neither the password nor its plain SHA-256/SHA-1/MD5 (hex) appears in the ledger file."""
    ledger.record(TARGET, PASSWORD, request_id="req-1")
    content = open(ledger.path).read()
    assert PASSWORD not in content
    for algo in ("sha256", "sha1", "md5", "sha512"):
        assert hashlib.new(algo, PASSWORD.encode()).hexdigest() not in content
    entry = json.loads(content)["entries"][TARGET]
    assert set(entry) == {"salt", "fingerprint", "recorded_at", "request_id"}
    assert entry["request_id"] == "req-1"


def test_salt_is_fresh_per_record(ledger):
    """Recording the same password twice gives different salts and fingerprints."""
    ledger.record(TARGET, PASSWORD)
    first = json.load(open(ledger.path))["entries"][TARGET]
    ledger.record(TARGET, PASSWORD)
    second = json.load(open(ledger.path))["entries"][TARGET]
    assert first["salt"] != second["salt"] and first["fingerprint"] != second["fingerprint"]
    assert ledger.matches(TARGET, PASSWORD)


def test_another_key_does_not_match(ledger, tmp_path):
    """Without the right key file an entry cannot be confirmed (no offline guessing from the ledger)."""
    ledger.record(TARGET, PASSWORD)
    with open(ledger.key_path, "wb") as handle:
        handle.write(os.urandom(32))
    assert ledger.matches(TARGET, PASSWORD) is False


def test_forget_removes_the_entry(ledger):
    """forget() drops an entry and says whether there was one."""
    ledger.record(TARGET, PASSWORD)
    assert ledger.forget(TARGET) is True
    assert ledger.matches(TARGET, PASSWORD) is False
    assert ledger.forget(TARGET) is False


def test_write_is_atomic_via_replace(ledger, monkeypatch):
    """Writes go to a temp file then os.replace(); a failing replace leaves the old ledger intact and no temp file."""
    ledger.record(TARGET, PASSWORD)
    before = open(ledger.path).read()

    def boom(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(ledger_mod.os, "replace", boom)
    with pytest.raises(LedgerError) as info:
        ledger.record("dcs:i1", PASSWORD)
    assert "No space left" in str(info.value) and PASSWORD not in str(info.value)
    monkeypatch.undo()
    assert open(ledger.path).read() == before
    leftovers = [n for n in os.listdir(os.path.dirname(ledger.path)) if n.startswith(".ledger.json.")]
    assert leftovers == []


def test_writers_wait_for_the_lock(ledger):
    """A writer blocks while another process holds the exclusive lock on the sidecar .lock file."""
    ledger.record(TARGET, PASSWORD)
    fd = os.open(ledger.lock_path, os.O_RDWR)
    fcntl.flock(fd, fcntl.LOCK_EX)
    done = threading.Event()

    def writer():
        Ledger(ledger.path).record("dcs:i1", PASSWORD)
        done.set()

    thread = threading.Thread(target=writer)
    thread.start()
    time.sleep(0.2)
    assert not done.is_set()
    fcntl.flock(fd, fcntl.LOCK_UN)
    os.close(fd)
    thread.join(5)
    assert done.is_set() and ledger.matches("dcs:i1", PASSWORD)


def test_concurrent_records_lose_no_entry(ledger):
    """Many threads recording different targets at once: every entry survives (lock + atomic write)."""
    threads = [threading.Thread(target=Ledger(ledger.path).record, args=("t%d" % i, PASSWORD)) for i in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert sorted(json.load(open(ledger.path))["entries"]) == sorted("t%d" % i for i in range(16))


def test_corrupt_ledger_is_reported_without_secrets(ledger):
    """Invalid JSON raises LedgerError naming the file."""
    os.makedirs(os.path.dirname(ledger.path))
    with open(ledger.path, "w") as handle:
        handle.write("{not json")
    with pytest.raises(LedgerError) as info:
        ledger.matches(TARGET, PASSWORD)
    assert ledger.path in str(info.value)


def test_reading_a_missing_ledger_creates_nothing(tmp_path):
    """matches() on a ledger that does not exist is False and leaves no file or directory behind
    (check mode must write nothing)."""
    from ansible_collections.credrotate.cloud.plugins.module_utils._ledger import Ledger
    ledger = Ledger(str(tmp_path / "state" / "orders.ledger"))
    assert ledger.matches("drs:job:so", "Some-Pass-1!") is False
    assert not (tmp_path / "state").exists()
