# -*- coding: utf-8 -*-
# Copyright (c) 2026, credrotate.cloud contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The whole rotation through ``playbooks/rotate.yml`` against the emulator with real MariaDB and
Redis: a GaussDB user replicated by two DRS jobs and a DTS job, a DCS instance, a root account,
several credentials in one play, and the vault-encrypted secret file.

Promises (guides/rotation-promises.md): 10 (every dependant verified before promote), 19/21
(no secret at -vvvv, in the record or the journal), 27 (the record), 28 (previous kept).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os

import pytest

from conftest import DCS, GAUSS, canary, orders_credential, summary_rows
from harness import assert_no_secrets

pytestmark = [pytest.mark.integration, pytest.mark.real_backend]

STEPS = ["validate", "preflight", "pending", "set", "propagate", "verify", "promote", "report"]


def assert_clean(rot, run, *canaries):
    """No canary in stdout/stderr (at -vvvv), the task results, the journal, the emulator state, nor the state
    files that are not the secret file (record, lock, ledger)."""
    assert_no_secrets(run, rot.emu, *canaries)
    text = rot.state_text()
    for value in canaries:
        assert value not in text, "a secret leaked into the state record or ledger"


def test_full_rotation_then_same_id_changes_nothing(rotation):
    """A rotation sets the new password on the user, both DRS jobs and the DTS job, verifies each, promotes
    (keeping the old password as previous) and records every step and target; the same rotation_id again
    makes no write at all and says so. No password appears anywhere at -vvvv."""
    rot = rotation()
    old = rot.names["current"]
    hosts = {"orders-db": {"rotation_credential": orders_credential(rot.names), "rotation_current_password": old}}

    first = rot.run(hosts, {"rotation_id": "r1"})
    assert first.rc == 0, first.stdout[-5000:] + first.stderr[-3000:]
    stored = rot.secrets()
    new = stored["current"]
    assert new != old and stored["previous"] == old and stored["pending"] is None
    assert stored["completed_rotation_id"] == "r1"
    assert rot.secret_mode() == 0o600
    assert os.stat(rot.state_dir).st_mode & 0o777 == 0o700
    assert rot.login(new) and not rot.login(old)
    rot.assert_jobs_healthy()

    writes = rot.writes()
    assert [(w["service"], w["method"]) for w in writes] == [("gaussdb", "PUT"), ("drs", "PUT"), ("dts", "POST")]

    record = rot.record()
    assert record["rotation_id"] == "r1" and record["status"] == "completed" and record["lock"] is None
    assert [s["step"] for s in record["steps"]] == STEPS
    assert record["targets"]["owner"]["actions"]["set"]["outcome"] == "updated"
    for key, target in record["targets"].items():
        if key != "owner":
            assert target["actions"]["propagate"]["outcome"] == "updated", key
            assert target["actions"]["verify"]["outcome"] == "healthy", key
    assert len(record["request_ids"]) >= 3
    rows = summary_rows(first)
    assert ("propagate", "updated") in [(r[1], r[2]) for r in rows]
    assert all(r[3] != "-" for r in rows if r[1] in ("set", "propagate")), rows
    assert not rot.lock_exists()
    assert_clean(rot, first, old, new)

    since = rot.last_seq()
    again = rot.run(hosts, {"rotation_id": "r1"})
    assert again.rc == 0, again.stdout[-5000:]
    assert rot.writes(since) == [], "a completed rotation id wrote again"
    assert "nothing to do: rotation r1 has completed" in again.stdout
    assert rot.secrets() == stored
    assert "changed=0" in again.stdout.split("PLAY RECAP")[-1]
    assert_clean(rot, again, old, new)


def test_new_rotation_keeps_the_previous_password(rotation):
    """A second rotation (no id: the last one finished) makes another new password; the secret file then holds
    it as current and the first rotation's password as previous, and the record keeps the history. Repeating
    the first rotation's id afterwards changes nothing either."""
    rot = rotation()
    old = rot.names["current"]
    hosts = {"orders-db": {"rotation_credential": orders_credential(rot.names, dependants=[]),
                           "rotation_current_password": old, "rotation_discover_dependants": False}}
    assert rot.run(hosts, {"rotation_id": "first"}, verbosity=0).rc == 0
    first = rot.secrets()["current"]
    second_run = rot.run(hosts, verbosity=0)
    assert second_run.rc == 0, second_run.stdout[-4000:]
    stored = rot.secrets()
    assert stored["current"] not in (old, first) and stored["previous"] == first
    assert rot.login(stored["current"])
    record = rot.record()
    assert record["status"] == "completed" and len(record["history"]) == 1
    assert record["history"][0] == dict(record["history"][0], rotation_id="first", status="completed")

    since = rot.last_seq()
    again = rot.run(hosts, {"rotation_id": "first"}, verbosity=0)
    assert again.rc == 0, again.stdout[-4000:]
    assert rot.writes(since) == [] and rot.secrets() == stored
    assert rot.record()["rotation_id"] == record["rotation_id"], "the later rotation's record stays"


def test_supplied_password_that_breaks_a_policy_is_refused_before_any_call(rotation):
    """rotation_new_password with a character GaussDB refuses fails in step 1 naming the rule; nothing is called
    and nothing is stored."""
    rot = rotation()
    bad = "Bad.Password-1" + canary("x")[-6:]
    hosts = {"orders-db": {"rotation_credential": orders_credential(rot.names),
                           "rotation_current_password": rot.names["current"]}}
    run = rot.run(hosts, {"rotation_new_password": bad})
    assert run.rc != 0
    assert "gaussdb_mysql: character '.' is not an allowed special" in run.stdout
    assert rot.emu.journal.entries() == []
    assert not os.path.exists(os.path.join(rot.state_dir, "orders.secrets"))
    assert_no_secrets(run, rot.emu, bad, rot.names["current"])


def test_dcs_instance_rotation(rotation):
    """A DCS owner: the old password comes from the probe order, the change is one API call, Redis AUTH works
    with the new password afterwards and the instance spent no lockout attempt."""
    rot = rotation()
    old = rot.names["dcs_password"]
    credential = {"name": "cache", "owner": {"type": "dcs_instance", "instance_id": DCS}}
    hosts = {"cache": {"rotation_credential": credential, "rotation_current_password": old}}
    run = rot.run(hosts, {"rotation_id": "c1"})
    assert run.rc == 0, run.stdout[-5000:] + run.stderr[-2000:]
    new = rot.secrets("cache")["current"]
    assert rot.redis_login(new) and not rot.redis_login(old)
    instance = rot.emu.summary()["dcs"]["instances"][0]
    assert instance["failed_attempts"] == 0 and not instance["locked"]
    assert [w["service"] for w in rot.writes()] == ["dcs"]
    assert_clean(rot, run, old, new)


def test_root_account_rotation(rotation):
    """A GaussDB root owner is reset with the root password API and verified by a root login."""
    rot = rotation()
    old = rot.names["root_password"]
    credential = {"name": "orders-root", "owner": {"type": "gaussdb_mysql_root", "instance_id": GAUSS}}
    hosts = {"orders-root": {"rotation_credential": credential, "rotation_current_password": old}}
    run = rot.run(hosts, {"rotation_id": "root-1"})
    assert run.rc == 0, run.stdout[-5000:] + run.stderr[-2000:]
    new = rot.secrets("orders-root")["current"]
    assert rot.login(new, user=rot.names["root"]) and not rot.login(old, user=rot.names["root"])
    assert_clean(rot, run, old, new)


def test_several_credentials_are_hosts_of_one_play(rotation):
    """Two credentials (a GaussDB user with its jobs and a DCS instance) run as two inventory hosts of one play;
    each gets its own record, secret file and lock."""
    rot = rotation()
    hosts = {
        "orders-db": {"rotation_credential": orders_credential(rot.names),
                      "rotation_current_password": rot.names["current"]},
        "cache": {"rotation_credential": {"name": "cache", "owner": {"type": "dcs_instance", "instance_id": DCS}},
                  "rotation_current_password": rot.names["dcs_password"]},
    }
    run = rot.run(hosts, verbosity=0)
    assert run.rc == 0, run.stdout[-5000:]
    assert rot.login(rot.secrets("orders")["current"])
    assert rot.redis_login(rot.secrets("cache")["current"])
    assert rot.record("orders")["status"] == rot.record("cache")["status"] == "completed"
    rot.assert_jobs_healthy()


def test_vault_encrypted_secret_file(rotation):
    """With rotation_vault_secret the secret file is an Ansible Vault document; an interrupted rotation resumes
    from it with the same pending password."""
    rot = rotation()
    vault_secret = canary("vault")
    hosts = {"orders-db": {"rotation_credential": orders_credential(rot.names),
                           "rotation_current_password": rot.names["current"]}}
    stopped = rot.run(hosts, {"rotation_vault_secret": vault_secret, "rotation_fail_after_step": "set"}, verbosity=0)
    assert stopped.rc != 0
    path = os.path.join(rot.state_dir, "orders.secrets")
    with open(path) as handle:
        text = handle.read()
    assert text.startswith("$ANSIBLE_VAULT;1.2;AES256;credrotate")
    from ansible.parsing.vault import VaultLib, VaultSecret
    vault = VaultLib([("credrotate", VaultSecret(vault_secret.encode()))])
    pending = json.loads(vault.decrypt(text))["pending"]["password"]
    assert rot.login(pending)

    resumed = rot.run(hosts, {"rotation_vault_secret": vault_secret})
    assert resumed.rc == 0, resumed.stdout[-5000:]
    with open(path) as handle:
        stored = json.loads(vault.decrypt(handle.read()))
    assert stored["current"] == pending and stored["pending"] is None
    rot.assert_jobs_healthy()
    assert_clean(rot, resumed, pending, rot.names["current"], vault_secret)


def test_without_login_probes(rotation):
    """rotation_probe=never (a controller that cannot reach the database): no login is tried, the owner is
    changed on the provider's word, the jobs' health is still verified, and the record says the owner's
    verification was skipped."""
    rot = rotation()
    old = rot.names["current"]
    hosts = {"orders-db": {"rotation_credential": orders_credential(rot.names), "rotation_current_password": old,
                           "rotation_probe": "never"}}
    run = rot.run(hosts, verbosity=1)
    assert run.rc == 0, run.stdout[-5000:]
    new = rot.secrets()["current"]
    assert rot.login(new) and not rot.login(old)
    owner = rot.record()["targets"]["owner"]["actions"]
    assert owner["set"]["outcome"] == "updated" and owner["verify"]["outcome"] == "skipped"
    rot.assert_jobs_healthy()
