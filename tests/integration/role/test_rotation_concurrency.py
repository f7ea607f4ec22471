# -*- coding: utf-8 -*-
# Copyright (c) 2026, credrotate.cloud contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Two rotations of one credential at once: the lock in the state directory lets one proceed and stops the
other with a clear message, whether they are two ansible-playbook processes or two hosts of one play.
(A lock whose process is gone is taken over: see test_rotation_interrupt.py.)"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

import pytest

from conftest import orders_credential, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.real_backend]


def test_two_playbooks_rotating_one_credential(rotation):
    """A second ansible-playbook started while the first holds the lock (a latency fault on every GaussDB read
    keeps the first one busy) fails at once naming the running rotation, its pid and start time, writes nothing
    and leaves the first one's lock alone; the first one completes."""
    rot = rotation()
    hosts = {"orders-db": {"rotation_credential": orders_credential(rot.names),
                           "rotation_current_password": rot.names["current"]}}
    rot.fault(kind="latency", delay=1.5, count=0, match={"service": "gaussdb", "write": False})
    first, out, err = rot.popen(hosts, {"rotation_id": "first"}, tag="first")
    try:
        assert wait_for(rot.lock_exists, timeout=120), "the first run never took the lock"
        pid = first.pid
        second = rot.run(hosts, {"rotation_id": "second"}, verbosity=1)
        assert first.poll() is None, "the runs did not overlap"
        assert second.rc != 0
        match = re.search(r"rotation first of orders is already running \(pid (\d+), inventory host orders-db, "
                          r"since \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\)", second.stdout)
        assert match, second.stdout[-3000:]
        assert int(match.group(1)) == pid, "the lock names the first ansible-playbook process"
        called = [r["task"] for r in second.results if r["task"].startswith(("Owner", "Preflight", "Pending"))]
        assert called == [], "the second run went past the lock: %s" % called
        assert rot.lock_exists(), "the second run must not release the first one's lock"
    finally:
        rot.admin("DELETE", "faults")
        first.wait(timeout=300)
    out.seek(0)
    assert first.returncode == 0, out.read()[-5000:]
    record = rot.record()
    assert record["rotation_id"] == "first" and record["status"] == "completed"
    assert not rot.lock_exists()
    assert rot.login(rot.secrets()["current"])


def test_two_hosts_of_one_play_with_the_same_credential(rotation):
    """Two inventory hosts naming the same credential in one play: one rotates it, the other fails on the lock
    (same controller process, another inventory host) without touching anything."""
    rot = rotation()
    host = {"rotation_credential": orders_credential(rot.names, dependants=[]),
            "rotation_current_password": rot.names["current"], "rotation_discover_dependants": False}
    run = rot.run({"orders-a": dict(host), "orders-b": dict(host)}, verbosity=1)
    assert run.rc != 0
    assert len(set(re.findall(r"is already running \(pid \d+, inventory host (orders-[ab])", run.stdout))) == 1
    recap = run.stdout.split("PLAY RECAP")[-1]
    assert len(re.findall(r"failed=1", recap)) == 1 and len(re.findall(r"failed=0", recap)) == 1
    assert [w["service"] for w in rot.writes()] == ["gaussdb"]
    assert rot.record()["status"] == "completed" and not rot.lock_exists()
    assert rot.login(rot.secrets()["current"])
