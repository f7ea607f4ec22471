# -*- coding: utf-8 -*-
# Copyright (c) 2026, credrotate.cloud contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The rulebook ``extensions/eda/rulebooks/csms_rotated.yml`` in the real ``ansible-rulebook``, against the emulator
with real MariaDB accounts. CSMS has rotated the application user's password (the database and the CSMS secret's
SYSCURRENT version hold a new one; the two DRS jobs and the DTS job still hold the old one). A ``SECRET_ROTATED``
notification for that secret, posted to the webhook as SMN posts it, runs ``playbooks/propagate_event.yml`` on the
credential whose ``rotation_store_secret`` it names, in propagate mode: the jobs end up storing the password that is
now current, and nothing else is written. The same SMN message again, and a new message for the same secret,
write nothing.

Before it, a subscription confirmation (printed for an operator), other event types, the secret name another
credential would have by default, the wrong webhook path and hostile notifications (a bad secret name, Jinja
templates in the message or the message id, escaped or not, a message that is not JSON) reach no cloud API.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import importlib.util
import json
import os
import re
import secrets
import socket
import sys
import time

import pytest

from harness import REPO

pytestmark = [pytest.mark.integration, pytest.mark.real_backend]


def _role_helpers():
    """tests/integration/role/conftest.py under a name of its own: its estate and Rotation helpers."""
    name = "credrotate_role_helpers"
    if name not in sys.modules:
        path = os.path.join(REPO, "tests", "integration", "role", "conftest.py")
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


role = _role_helpers()
SECRET = "orders-db-app"  # the CSMS secret the application reads, and CSMS rotates
DEFAULT_NAME = "credrotate-orders"  # the store's default name for the credential: not its secret here


def smn_notification(message, message_id=None, **extra):
    """An SMN HTTP(S) notification as the SMN docs describe it, carrying ``message`` (a dict is sent as JSON)."""
    body = {
        "type": "Notification",
        "topic_urn": "urn:smn:cn-north-4:0123456789abcdef0123456789abcdef:credrotate-csms",
        "message_id": message_id or secrets.token_hex(16),
        "subject": "CSMS event notification",
        "message": json.dumps(message) if isinstance(message, dict) else message,
        "timestamp": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "signature_version": "v1",
        "signature": "bm90IHZlcmlmaWVkIGluIHRoaXMgdGVzdA==",
        "signing_cert_url": "https://smn.cn-north-4.myhuaweicloud.com/smn/SMN_cn-north-4_0123456789abcdef.pem",
        "unsubscribe_url": "https://console.huaweicloud.com/smn/subscription/unsubscribe?region=cn-north-4",
    }
    body.update(extra)
    return body


def csms_event(secret_name, event_type="SECRET_ROTATED"):
    """The CSMS notification inside the SMN message, with the fields of CSMS's notification record."""
    return {"event_name": "credrotate-events", "trigger_event_type": event_type, "secret_name": secret_name,
            "secret_type": "COMMON", "create_time": int(time.time() * 1000)}


def stored_passwords(emu):
    """``{job id: password the job stores}`` for the credential's DRS and DTS endpoints."""
    drs = next(s for s in emu.services if s.name == "drs")
    dts = next(s for s in emu.services if s.name == "dts")
    with emu.lock:
        out = dict((job_id, drs.jobs[job_id]["source"]["password"]) for job_id in (role.DRS1, role.DRS2))
        out[role.DTS1] = dts.store.jobs[role.DTS1]["forward"]["source"]["password"]
    return out


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def task_results(rot):
    """Every task result of the playbooks ansible-rulebook ran, as the harness's ``result_dump`` callback wrote
    them (its environment reaches ansible-playbook through ansible-rulebook and ansible-runner)."""
    path = rot.env()["CREDROTATE_RESULT_DUMP"]
    if not os.path.exists(path):
        return []
    with open(path) as handle:
        return [json.loads(line) for line in handle if line.strip()]


def playbook_runs(rot):
    """How many times the playbook started (results of its first task)."""
    return sum(1 for row in task_results(rot) if row["task"] == "Event | Parse the SMN message")


def summaries(rot):
    """The rotation role's summaries printed so far."""
    return [row for row in task_results(rot) if row["task"].startswith("Report | Summary")]


def test_csms_rotation_notification_brings_the_dependants_to_the_new_password(emulator_factory, rulebook,
                                                                              tmp_path):
    started = time.time()
    fixtures, names = role.estate()
    old = names["current"]
    rotated = role.canary("csms")
    # What CSMS's own rotation left: a new SYSCURRENT version, and the database user on that password.
    fixtures["csms"] = {"secrets": [{"name": SECRET, "versions": [
        {"id": "v1", "secret_string": old, "version_stages": ["SYSPREVIOUS"]},
        {"id": "v2", "secret_string": rotated, "version_stages": ["SYSCURRENT"]}]}]}
    emu = emulator_factory(fixtures, real=True)
    emu.backends["mysql"].set_password(names["user"], "%", rotated)
    rot = role.Rotation(emu, tmp_path, names)
    hosts = {
        "orders-db": {"rotation_credential": role.orders_credential(names), "rotation_store": "csms",
                      "rotation_store_secret": SECRET},
        "cache": {"rotation_credential": {"name": "cache", "owner": {"type": "dcs_instance", "instance_id": role.DCS}},
                  "rotation_current_password": names["dcs_password"]},
        "reports": {
            "rotation_credential": {"name": "reports", "owner": {
                "type": "gaussdb_mysql_user", "instance_id": role.GAUSS, "user": names["report"]}},
            "rotation_store": "csms", "rotation_store_secret": "app-reports"},
    }
    marker = tmp_path / "template-ran"
    path = "smn-" + secrets.token_hex(12)
    book = rulebook(rot.env(), rot.inventory(hosts), {
        "csms_webhook_host": "127.0.0.1", "csms_webhook_port": free_port(), "csms_webhook_path": path})
    listening = time.time()

    # -- nothing reaches the cloud for these ---------------------------------------------------------
    template = "{{ lookup('ansible.builtin.pipe', 'touch %s') }}" % marker
    confirmation = {"type": "SubscriptionConfirmation", "message_id": secrets.token_hex(16),
                    "topic_urn": "urn:smn:cn-north-4:0123456789abcdef0123456789abcdef:credrotate-csms",
                    "message": "You are invited to subscribe to topic credrotate-csms.",
                    "subscribe_url": "https://smn.cn-north-4.myhuaweicloud.com/smn/subscription/confirm?token=t0k3n",
                    "timestamp": "2026-11-01T00:00:00Z", "signature_version": "v1", "signature": "x",
                    "signing_cert_url": "https://smn.cn-north-4.myhuaweicloud.com/smn/SMN.pem"}
    ignored = [  # the rule does not match: no playbook
        confirmation,
        smn_notification(csms_event(SECRET, "SECRET_ROTATED_FAILED")),
        smn_notification(csms_event(SECRET, "SECRET_VERSION_CREATED")),
        smn_notification(csms_event(SECRET), type="UnsubscribeConfirmation"),
        smn_notification("The secret %s was rotated." % SECRET),
        # Jinja in the message or the message id: stopped by the rule, the playbook never sees it.
        smn_notification(csms_event(template)),
        smn_notification(csms_event(SECRET), message_id=template),
        smn_notification(dict(csms_event(SECRET), note="{%- if true -%}x{%- endif -%}")),
    ]
    for body in ignored:
        assert book.post(body) == 200
    assert book.post(smn_notification(csms_event(SECRET)), path="elsewhere") == 200
    assert book.post(b"not json") == 400
    refused = [  # the playbook refuses them before it looks at a host
        smn_notification(csms_event("orders;DROP")),  # breaks the CSMS name rule
        # The same template, JSON-escaped: past the rule, refused by the name rule, never rendered.
        smn_notification(json.dumps(csms_event(template)).replace("{", "\\u007b").replace("\\u007b", "{", 1)),
        smn_notification('"SECRET_ROTATED" but not JSON'),
    ]
    for body in refused:
        assert book.post(body) == 200
    # The name "orders" would have by default: it names its secret explicitly, so nothing matches.
    assert book.post(smn_notification(csms_event(DEFAULT_NAME))) == 200

    book.wait_output(lambda out: out.count("Refused the CSMS notification") >= len(refused)
                     and "keeps its password in CSMS secret %s: nothing to do" % DEFAULT_NAME in out
                     and "open https://smn.cn-north-4.myhuaweicloud.com/smn/subscription/confirm?token=t0k3n" in out,
                     360, "the refusals, the unmatched secret and the subscription confirmation")
    assert role.wait_for(lambda: playbook_runs(rot) == len(refused) + 1, timeout=120)
    assert emu.journal.entries() == [], "an ignored or refused notification reached the cloud"
    assert not os.path.exists(rot.state_dir), "an ignored or refused notification started a rotation"
    assert not marker.exists(), "a template from the notification was rendered"
    assert "its SMN message is not JSON" in book.flat_output()
    time.sleep(1)
    assert playbook_runs(rot) == len(refused) + 1, "a playbook ran for a notification the rule must ignore"
    ignored_done = time.time()

    # -- the rotation notification ------------------------------------------------------------------
    assert stored_passwords(emu) == {role.DRS1: old, role.DRS2: old, role.DTS1: old}
    message_id = secrets.token_hex(16)
    assert book.post(smn_notification(csms_event(SECRET), message_id=message_id)) == 200
    assert role.wait_for(lambda: set(stored_passwords(emu).values()) == {rotated}, timeout=360, interval=0.5), \
        book.output()[-8000:]
    assert role.wait_for(lambda: len(summaries(rot)) == 1, timeout=240), book.output()[-4000:]
    propagated = time.time()
    assert summaries(rot)[0]["host"] == "orders-db" and summaries(rot)[0]["status"] == "ok"
    assert playbook_runs(rot) == len(refused) + 2
    assert "CSMS secret %s (SECRET_ROTATED): orders-db" % SECRET in book.flat_output()
    writes = rot.writes()
    assert sorted((w["service"], w["method"]) for w in writes) == [("drs", "PUT"), ("dts", "POST")], writes
    assert rot.login(rotated) and not rot.login(old)
    rot.assert_jobs_healthy()
    record = rot.record()
    assert record["status"] == "completed" and record["rotation_id"] == "smn-" + message_id
    for other in ("cache", "reports"):
        assert not os.path.exists(os.path.join(rot.state_dir, other + ".json")), other + " was touched"

    # -- SMN delivers the same message again, then CSMS sends a new one: nothing is written -----------------
    since = rot.last_seq()
    assert book.post(smn_notification(csms_event(SECRET), message_id=message_id)) == 200
    assert role.wait_for(lambda: len(summaries(rot)) == 2, timeout=300), book.output()[-4000:]
    assert re.search(r"nothing to do: \w+ smn-%s has completed" % message_id, book.flat_output()), book.output()[-3000:]
    long_id = secrets.token_hex(32)  # 64 characters: the rotation id becomes smn-<its SHA-1>
    assert book.post(smn_notification(csms_event(SECRET), message_id=long_id)) == 200
    assert role.wait_for(lambda: len(summaries(rot)) == 3, timeout=300), book.output()[-4000:]
    assert rot.record()["rotation_id"] == "smn-" + hashlib.sha1(long_id.encode()).hexdigest()
    assert [row["status"] for row in summaries(rot)] == ["ok", "ok", "ok"]
    assert playbook_runs(rot) == len(refused) + 4
    assert rot.writes(since) == [], "the jobs already held the current password, yet something was written"
    assert set(stored_passwords(emu).values()) == {rotated}
    book.stop()

    with open(rot.env()["CREDROTATE_RESULT_DUMP"]) as handle:
        results = handle.read()
    for value in (old, rotated, names["dcs_password"], names["report_password"]):
        assert value not in book.output(), "a password reached ansible-rulebook's output"
        assert value not in results, "a password reached a task result"
    assert not marker.exists()
    print("\nEDA timing: rulebook listening %.1fs, ignored and refused %.1fs, propagate %.1fs, two repeats %.1fs, "
          "total %.1fs" % (listening - started, ignored_done - listening, propagated - ignored_done,
                           time.time() - propagated, time.time() - started))
