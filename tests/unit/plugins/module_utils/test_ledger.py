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


# --- files written by 0.1.0, the batch API, the services' session -------------------------------------

# A ledger and its key exactly as the 0.1.0 code (before the _files helper) wrote them.
OLD_KEY = "0c7ac5e9bf2074af2a101910c9d3fdd869028028aea338598a03b26792874472"
OLD_LEDGER = (
    '{\n "algorithm": "HMAC-SHA256",\n "entries": {\n  "drs:11111111-2222-4333-8444-5555555555jb:so": {\n'
    '   "fingerprint": "e621162c9618aba1b55a467df2d3319c58655cd43b2e40c84709054d06bec98d",\n'
    '   "recorded_at": "2026-12-01T15:25:14Z",\n   "request_id": "req-old-1",\n   "salt": "AIT0+jVjooF0GJK2pAkI1g=="\n'
    '  },\n  "dts:dtsjob0000001:forward:src:repl": {\n'
    '   "fingerprint": "fa1d0c53050081facc1ef9292c0455bc1c0985e90cf97df06543683cef96b2e8",\n'
    '   "recorded_at": "2026-12-01T15:25:14Z",\n   "request_id": null,\n   "salt": "+z6aG9DL0hH/zEe7aK3kKQ=="\n'
    '  }\n },\n "version": 1\n}')
OLD_PASSWORD = "Old-Format-Passw0rd!"
OLD_DRS = "drs:11111111-2222-4333-8444-5555555555jb:so"
OLD_DTS = "dts:dtsjob0000001:forward:src:repl"


@pytest.fixture
def old_ledger(tmp_path):
    path = tmp_path / "old" / "ledger.json"
    path.parent.mkdir()
    path.write_text(OLD_LEDGER)
    (tmp_path / "old" / "ledger.json.key").write_bytes(bytes.fromhex(OLD_KEY))
    return Ledger(str(path))


def test_a_ledger_written_by_0_1_0_still_reads(old_ledger):
    """Entries, fingerprints and key of the old writer match with the new reader, one read for many targets."""
    assert old_ledger.matches(OLD_DRS, OLD_PASSWORD) is True
    assert old_ledger.matching([(OLD_DRS, OLD_PASSWORD), (OLD_DTS, OLD_PASSWORD), (OLD_DTS, "other"),
                                ("dcs:i1", OLD_PASSWORD)]) == {OLD_DRS, OLD_DTS}


def test_the_new_writer_keeps_the_0_1_0_document(old_ledger):
    """Re-serialising the old document gives the same document (the old text up to its second level; each
    entry on one line); a new record keeps every old entry as it was."""
    from ansible_collections.credrotate.cloud.plugins.module_utils import _files

    text = _files.json_text(json.loads(OLD_LEDGER))
    assert json.loads(text) == json.loads(OLD_LEDGER)
    assert text.splitlines()[:3] == OLD_LEDGER.splitlines()[:3]
    assert len(text.splitlines()) == 3 + len(json.loads(OLD_LEDGER)["entries"]) + 3
    old_ledger.record("dcs:i1", PASSWORD)
    data = json.load(open(old_ledger.path))
    assert data["version"] == 1 and data["algorithm"] == "HMAC-SHA256"
    assert data["entries"][OLD_DRS] == json.loads(OLD_LEDGER)["entries"][OLD_DRS]
    assert open(old_ledger.key_path, "rb").read() == bytes.fromhex(OLD_KEY)  # the key is never replaced
    assert old_ledger.matches(OLD_DRS, OLD_PASSWORD) and old_ledger.matches("dcs:i1", PASSWORD)


def test_record_many_is_one_write(ledger, monkeypatch):
    """Many targets, one atomic write (the rotation's ledger is written once per batch, not once per target)."""
    from ansible_collections.credrotate.cloud.plugins.module_utils import _files

    writes = []
    real = _files.write_atomic
    monkeypatch.setattr(_files, "write_atomic", lambda *a, **k: writes.append(a[0]) or real(*a, **k))
    ledger.record_many([("t%d" % i, PASSWORD, "req-%d" % i) for i in range(50)])
    assert writes.count(ledger.path) == 1
    assert ledger.matching([("t%d" % i, PASSWORD) for i in range(50)]) == set("t%d" % i for i in range(50))


def test_session_records_only_outside_check_mode_and_turns_a_failed_record_into_a_warning(tmp_path):
    from ansible_collections.credrotate.cloud.plugins.module_utils._errors import TaskFailed
    from ansible_collections.credrotate.cloud.plugins.module_utils._ledger import LedgerSession

    path = tmp_path / "l" / "ledger.json"
    LedgerSession(Ledger(str(path)), check_mode=True).record(TARGET, PASSWORD)
    assert not path.parent.exists()  # check mode writes nothing
    session = LedgerSession(Ledger(str(path)))
    session.record(TARGET, PASSWORD, request_id="r1")
    assert session.matches(TARGET, PASSWORD) and session.warnings == []
    assert LedgerSession(None).matching([(TARGET, PASSWORD)]) == set()  # no ledger: nothing matches

    def full_disk(entries):
        raise LedgerError("cannot write the ledger %s: No space left on device" % path)

    session.ledger.record_many = full_disk
    session.record("dcs:i1", PASSWORD)  # the change was made: a ledger failure is a warning, not a failure
    assert len(session.warnings) == 1 and "dcs:i1" in session.warnings[0] and "No space" in session.warnings[0]
    assert PASSWORD not in session.warnings[0]

    path.write_text("{broken")
    with pytest.raises(TaskFailed) as info:
        session.matches(TARGET, PASSWORD)
    assert info.value.code == "LedgerError" and info.value.msg.startswith("Cannot read the ledger: ")
