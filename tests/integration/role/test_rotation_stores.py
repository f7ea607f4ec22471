# -*- coding: utf-8 -*-
# Copyright (c) 2026, credrotate.cloud contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Cloud secret stores (issue 11): the rotation's passwords in a Huawei CSMS or Alibaba KMS secret.

Every test runs ``playbooks/rotate.yml`` against the emulator (signature-checked CSMS and KMS, real
MariaDB) and reads the emulated secrets' versions and stages directly, so what applications would read is
what is asserted: after promotion the current stage holds the new password and the previous stage the old
one; a rotation interrupted in one state directory resumes in a fresh one (as a new AWX job does) from the
store alone; an account the cloud rotates itself is refused before any write; ``rotation_mode=propagate``
brings the dependants in line with the store's current password and writes nothing the second time.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os

import pytest

from conftest import GAUSS, canary, estate, orders_credential
from harness import assert_no_secrets

pytestmark = [pytest.mark.integration, pytest.mark.real_backend]

CURRENT = {"csms": "SYSCURRENT", "kms": "ACSCurrent"}
PREVIOUS = {"csms": "SYSPREVIOUS", "kms": "ACSPrevious"}
SECRET = "credrotate-orders"


def _secret(rot, kind, name):
    service = rot._service(kind)
    return next((s for s in service.secrets if s["name"] == name), None)


def _stages(rot, kind, name):
    """``{stage: version id}`` of the emulated secret."""
    secret = _secret(rot, kind, name)
    if kind == "csms":
        return dict((stage, value["version_id"]) for stage, value in secret["stages"].items())
    return dict(secret["stages"])


def _value(rot, kind, name, stage=None, version_id=None):
    secret = _secret(rot, kind, name)
    version_id = version_id or _stages(rot, kind, name).get(stage)
    if version_id is None:
        return None
    if kind == "csms":
        return next(v["value"] for v in secret["versions"] if v["id"] == version_id)
    return next(v["secret_data"] for v in secret["versions"] if v["version_id"] == version_id)


def _pending_value(rot, kind, name):
    """The pending version's value: CSMS stage credrotate-<id> off SYSCURRENT, KMS stage CRPending."""
    stages = _stages(rot, kind, name)
    if kind == "kms":
        return _value(rot, kind, name, "CRPending")
    ours = [vid for stage, vid in stages.items() if stage.startswith("credrotate-") and vid != stages["SYSCURRENT"]]
    assert len(ours) <= 1, stages
    return _value(rot, kind, name, version_id=ours[0]) if ours else None


def _hosts(rot, kind, current=True, **extra):
    host = {"rotation_credential": orders_credential(rot.names), "rotation_store": kind}
    if current:
        host["rotation_current_password"] = rot.names["current"]
    host.update(extra)
    return {"orders-db": host}


@pytest.mark.parametrize("kind", ["csms", "kms"])
def test_a_cloud_store_holds_current_and_previous_where_applications_read(rotation, kind):
    """With no secret yet, the first rotation creates it (the current password), stores the pending one under the
    rotation's id before any write, and promotes: current stage = new password (it logs in), previous stage = old.
    No secret file is written; no password reaches the output, the results, the journal or the state files. A
    second rotation needs no rotation_current_password (the store has it) and moves the stages on."""
    rot = rotation()
    old = rot.names["current"]
    first = rot.run(_hosts(rot, kind))
    assert first.rc == 0, first.text()[-4000:]
    new = _value(rot, kind, SECRET, CURRENT[kind])
    assert new and new != old and rot.login(new) and not rot.login(old)
    assert _value(rot, kind, SECRET, PREVIOUS[kind]) == old
    assert _pending_value(rot, kind, SECRET) is None, "the pending stage is gone after promotion"
    assert not os.path.exists(os.path.join(rot.state_dir, "orders.secrets")), "a cloud store writes no secret file"
    rot.assert_jobs_healthy()
    record = rot.record()
    assert record["status"] == "completed"
    assert_no_secrets(first, rot.emu, old, new)
    assert old not in rot.state_text() and new not in rot.state_text()

    second = rot.run(_hosts(rot, kind, current=False))
    assert second.rc == 0, second.text()[-4000:]
    newer = _value(rot, kind, SECRET, CURRENT[kind])
    assert newer not in (old, new) and rot.login(newer) and not rot.login(new)
    assert _value(rot, kind, SECRET, PREVIOUS[kind]) == new
    if kind == "csms":  # only the current rotation's stage is left (12 stages per secret)
        ours = sorted(s for s in _stages(rot, kind, SECRET) if s.startswith("credrotate-"))
        assert ours == ["credrotate-" + rot.record()["rotation_id"]]
    rot.assert_jobs_healthy()
    assert_no_secrets(second, rot.emu, old, new, newer)


@pytest.mark.parametrize("kind", ["csms", "kms"])
def test_an_interrupted_rotation_resumes_from_the_store_in_a_fresh_state_directory(rotation, tmp_path, kind):
    """The first job dies right after propagate (the owner and the jobs have the pending password, nothing is
    promoted); the second job runs with an empty state directory, as a new AWX job in a fresh container does,
    finds the pending password in the store, and finishes with that same password: nothing is lost."""
    rot = rotation()
    old = rot.names["current"]
    died = rot.run(_hosts(rot, kind, rotation_fail_after_step="propagate"))
    assert died.rc != 0
    pending = _pending_value(rot, kind, SECRET)
    assert pending and rot.login(pending) and not rot.login(old)
    assert _value(rot, kind, SECRET, CURRENT[kind]) == old, "not promoted yet"

    rot.state_dir = str(tmp_path / "fresh-job-state")
    resumed = rot.run(_hosts(rot, kind, current=False))
    assert resumed.rc == 0, resumed.text()[-4000:]
    assert _value(rot, kind, SECRET, CURRENT[kind]) == pending
    assert _value(rot, kind, SECRET, PREVIOUS[kind]) == old
    assert rot.login(pending)
    assert "resuming rotation" in resumed.text()
    rot.assert_jobs_healthy()
    assert_no_secrets(resumed, rot.emu, old, pending)


def test_a_json_secret_keeps_its_other_keys_and_is_read_as_the_current_password(rotation):
    """An application's existing CSMS secret in the JSON form (user, host, port, password and a key of its own):
    the rotation reads the current password from it (no rotation_current_password) and writes the new version
    with the same keys and the new password."""
    fixtures, names = estate()
    document = {"username": names["user"], "host": "10.0.0.8", "port": 3306, "password": names["current"],
                "dbname": "orders"}
    fixtures["csms"] = {"secrets": [{"name": "orders-db", "versions": [
        {"id": "v1", "secret_string": json.dumps(document), "version_stages": ["SYSCURRENT"]}]}]}
    rot = rotation(fixtures, names)
    run = rot.run(_hosts(rot, "csms", current=False, rotation_store_secret="orders-db", rotation_store_format="json"))
    assert run.rc == 0, run.text()[-4000:]
    current = json.loads(_value(rot, "csms", "orders-db", "SYSCURRENT"))
    assert dict(current, password=None) == dict(document, password=None)
    assert current["password"] != names["current"] and rot.login(current["password"])
    assert json.loads(_value(rot, "csms", "orders-db", "SYSPREVIOUS")) == document
    assert_no_secrets(run, rot.emu, names["current"], current["password"])


def test_an_account_rotated_by_csms_itself_is_refused_before_any_write(rotation):
    """A CSMS rotated secret (GaussDB-FG) for the owner's instance and user: preflight refuses, naming it, and
    nothing is written anywhere (no store write, no owner or job write)."""
    fixtures, names = estate()
    managed = {"username": names["user"], "password": names["current"]}
    fixtures["csms"] = {"secrets": [{"name": "orders-rotated", "secret_type": "GaussDB-FG",
                                     "rotation_config": {"InstanceId": GAUSS, "SecretSubType": "SingleUser"},
                                     "versions": [{"id": "v1", "secret_string": json.dumps(managed),
                                                   "version_stages": ["SYSCURRENT"]}]}]}
    rot = rotation(fixtures, names)
    since = rot.last_seq()
    run = rot.run(_hosts(rot, "csms"))
    assert run.rc != 0
    assert "orders-rotated" in run.text() and "already rotate" in run.text()
    assert rot.writes(since) == [], "refused before any write"
    assert rot.login(names["current"])
    assert_no_secrets(run, rot.emu, names["current"])


def test_a_kms_managed_secret_is_refused_as_the_store(rotation):
    """KMS rotates its managed (Rds, Redis, PolarDB) secrets itself: naming one as the store is refused before any
    write, with the advice to use rotation_mode=propagate."""
    fixtures, names = estate()
    fixtures["kms"] = {"secrets": [{"name": "orders-managed", "secret_type": "Rds", "region": "cn-hangzhou",
                                    "extended_config": {"SecretSubType": "SingleUser", "DBInstanceId": "rm-1a2b3c"},
                                    "versions": [{"version_id": "v1", "secret_data": names["current"],
                                                  "stages": ["ACSCurrent"]}]}]}
    rot = rotation(fixtures, names)
    since = rot.last_seq()
    run = rot.run(_hosts(rot, "kms", rotation_store_secret="orders-managed"))
    assert run.rc != 0
    assert "Rds secret that KMS rotates itself" in run.text() and "rotation_mode=propagate" in run.text()
    assert rot.writes(since) == []


@pytest.mark.parametrize("kind", ["csms", "kms"])
def test_check_mode_reads_the_store_and_writes_nothing(rotation, kind):
    """--check with a cloud store: the plan is printed, the store is only read (no CSMS/KMS write, the secret is
    not even created), and nothing else is written."""
    rot = rotation()
    since = rot.last_seq()
    run = rot.run(_hosts(rot, kind), check=True)
    assert run.rc == 0, run.text()[-4000:]
    assert rot.writes(since) == []
    assert _secret(rot, kind, SECRET) is None
    assert_no_secrets(run, rot.emu, rot.names["current"])


def test_propagate_brings_the_dependants_to_the_stores_current_password(rotation):
    """After the cloud rotated the account (the CSMS secret's current version and the database hold a new
    password; the jobs still hold the old one), rotation_mode=propagate leaves the owner alone, sets the new
    password on every dependant and verifies them; run again, it writes nothing."""
    fixtures, names = estate()
    rotated = canary("csms")
    fixtures["csms"] = {"secrets": [{"name": "orders-db", "versions": [
        {"id": "v1", "secret_string": names["current"], "version_stages": ["SYSPREVIOUS"]},
        {"id": "v2", "secret_string": rotated, "version_stages": ["SYSCURRENT"]}]}]}
    rot = rotation(fixtures, names)
    rot.emu.backends["mysql"].set_password(names["user"], "%", rotated)
    since = rot.last_seq()
    hosts = _hosts(rot, "csms", current=False, rotation_store_secret="orders-db", rotation_mode="propagate")
    run = rot.run(hosts)
    assert run.rc == 0, run.text()[-4000:]
    writes = rot.writes(since)
    assert writes and not any(w.get("service") in ("gaussdb", "kms", "csms") for w in writes), writes
    assert rot.login(rotated)
    rot.assert_jobs_healthy()
    assert _value(rot, "csms", "orders-db", "SYSCURRENT") == rotated
    assert rot.record()["status"] == "completed"

    since = rot.last_seq()
    again = rot.run(hosts)
    assert again.rc == 0, again.text()[-4000:]
    assert rot.writes(since) == [], "everything already matches: zero writes"
    assert_no_secrets(again, rot.emu, names["current"], rotated)
    assert_no_secrets(run, rot.emu, names["current"], rotated)


def test_propagate_refuses_while_a_rotation_is_pending(rotation):
    """A pending rotation in the store (the owner may already use its password): propagate refuses, naming it,
    and writes nothing."""
    rot = rotation()
    died = rot.run(_hosts(rot, "kms", rotation_fail_after_step="pending"))
    assert died.rc != 0
    since = rot.last_seq()
    run = rot.run(_hosts(rot, "kms", current=False, rotation_mode="propagate"))
    assert run.rc != 0 and "is unfinished" in run.text()
    assert rot.writes(since) == []


def test_a_fresh_job_knows_the_age_from_the_store(rotation, tmp_path):
    """rotation_max_age with a cloud store: a job with an empty state directory (no record) still knows the last
    rotation's time from the secret's current version, and skips a credential rotated moments ago: zero writes."""
    rot = rotation()
    first = rot.run(_hosts(rot, "kms"))
    assert first.rc == 0, first.text()[-4000:]
    rot.state_dir = str(tmp_path / "fresh-job-state")
    since = rot.last_seq()
    run = rot.run(_hosts(rot, "kms", current=False, rotation_max_age="30d"))
    assert run.rc == 0, run.text()[-4000:]
    assert "SKIPPED (not_due)" in run.text()
    assert rot.writes(since) == []
