# -*- coding: utf-8 -*-
# Copyright (c) 2026, credrotate.cloud contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""_files: 0700 directories, flock, atomic 0600 writes (replace or exclusive link), JSON in the files' format."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import fcntl
import os
import stat
import threading
import time

import pytest

from ansible_collections.credrotate.cloud.plugins.module_utils import _files


class Boom(Exception):
    """The caller's own error type: every helper raises the class it is given."""


def mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def test_ensure_dir_makes_missing_parents_0700(tmp_path):
    target = tmp_path / "a" / "b"
    _files.ensure_dir(str(target), Boom, "state directory")
    assert target.is_dir() and mode(str(target)) == 0o700
    _files.ensure_dir(str(target), Boom, "state directory")  # there already: nothing to do


def test_ensure_dir_failure_names_the_directory(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(Boom) as info:
        _files.ensure_dir(str(blocker / "sub"), Boom, "ledger directory")
    assert str(info.value).startswith("cannot create the ledger directory %s" % (blocker / "sub"))


def test_write_atomic_replaces_with_a_0600_file_and_leaves_no_temporary(tmp_path):
    path = str(tmp_path / "doc.json")
    assert _files.write_atomic(path, "one", Boom, "record") is True
    os.chmod(path, 0o644)
    assert _files.write_atomic(path, b"two", Boom, "record") is True
    assert open(path).read() == "two" and mode(path) == 0o600
    assert os.listdir(str(tmp_path)) == ["doc.json"]


def test_write_atomic_exclusive_never_overwrites(tmp_path):
    """exclusive: the first writer wins (an atomic O_EXCL); the second gets False and changes nothing."""
    path = str(tmp_path / "lock")
    assert _files.write_atomic(path, "first", Boom, "lock", exclusive=True) is True
    assert _files.write_atomic(path, "second", Boom, "lock", exclusive=True) is False
    assert open(path).read() == "first" and mode(path) == 0o600
    assert os.listdir(str(tmp_path)) == ["lock"]


def test_write_atomic_failure_keeps_the_old_file_and_names_it(tmp_path, monkeypatch):
    path = str(tmp_path / "ledger.json")
    _files.write_atomic(path, "old", Boom, "ledger")

    def no_space(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(_files.os, "replace", no_space)
    with pytest.raises(Boom) as info:
        _files.write_atomic(path, "new", Boom, "ledger")
    assert str(info.value) == "cannot write the ledger %s: No space left on device" % path
    monkeypatch.undo()
    assert open(path).read() == "old" and os.listdir(str(tmp_path)) == ["ledger.json"]


def test_read_json_missing_is_none_corrupt_is_the_callers_error(tmp_path):
    path = str(tmp_path / "x.json")
    assert _files.read_json(path, Boom, "state record") is None
    with open(path, "w") as handle:
        handle.write("{not json")
    with pytest.raises(Boom) as info:
        _files.read_json(path, Boom, "state record")
    assert str(info.value) == "the state record %s is not valid JSON" % path


def test_json_text_is_the_files_format():
    """indent=1, sorted keys, ASCII; the state record adds a final newline, the ledger and the lock do not."""
    assert _files.json_text({"b": 1, "a": [1, "é"]}) == '{\n "a": [\n  1,\n  "\\u00e9"\n ],\n "b": 1\n}'
    assert _files.json_text({}, newline=True) == "{}\n"


def test_locked_excludes_a_second_holder_and_creates_the_file_0600(tmp_path):
    path = str(tmp_path / "x.lock")
    entered = threading.Event()

    def second():
        with _files.locked(path, Boom, "lock"):
            entered.set()

    with _files.locked(path, Boom, "lock"):
        assert mode(path) == 0o600
        thread = threading.Thread(target=second)
        thread.start()
        time.sleep(0.2)
        assert not entered.is_set()
    thread.join(5)
    assert entered.is_set()


def test_shared_locks_coexist_but_exclude_a_writer(tmp_path):
    path = str(tmp_path / "x.lock")
    with _files.locked(path, Boom, "lock", shared=True):
        fd = os.open(path, os.O_RDWR)
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)  # another reader: fine
            fcntl.flock(fd, fcntl.LOCK_UN)
            with pytest.raises(OSError):
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        finally:
            os.close(fd)
