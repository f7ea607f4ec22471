# -*- coding: utf-8 -*-
# Copyright (c) 2026, credrotate.cloud contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Events out of the role (issue 12, item 3): ``rotation_events_file`` and ``rotation_webhook_url`` on
``playbooks/rotate.yml`` at ``-vvvv`` against the emulator with real MariaDB and Redis, the webhook being
a real HTTP server started by the test.

One event per credential and run, in the file and at the webhook, with the outcome of what happened
(completed; rolled back; failed); each delivery signed so that a receiver can verify it; no password, no
webhook secret and no token of the webhook URL in the output, the file or the requests. A webhook that
refuses the event, or a missing secret, is a warning: the rotation's outcome stands. Check mode writes and
posts nothing.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import hmac
import http.server
import json
import os
import stat
import threading
import time

import pytest

from conftest import DCS, DRS1, DRS2, DTS1, GAUSS, canary, estate, orders_credential
from harness import HW_PROJECT, assert_no_secrets

pytestmark = [pytest.mark.integration, pytest.mark.real_backend]

TOKEN = "Canary-Url-Token-9f8e7d"
SHADOW = "5c6d7e8f-9a0b-4c1d-8e2f-3a4b5c6djb03"


class Receiver:
    """A webhook receiver on 127.0.0.1 in a thread: records each request; answers ``status``."""

    def __init__(self, status=204):
        self.requests, self.status = [], status
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                receiver.requests.append({"path": self.path, "headers": dict((k.lower(), v) for k, v in
                                                                             self.headers.items()), "body": body})
                self.send_response(receiver.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.url = "http://127.0.0.1:%d/hooks/credrotate?token=%s" % (self.port, TOKEN)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()

    def text(self):
        """Every header and body received (not the path: the URL's own token is there by design)."""
        return "\n".join(json.dumps(r["headers"]) + r["body"].decode("utf-8", "replace") for r in self.requests)


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.close()


def verified(secret, request, tolerance=300):
    """The event of ``request`` if its signature and timestamp hold, as a receiver checks them; else None."""
    stamp, signed = request["headers"].get("x-credrotate-timestamp", ""), request["headers"].get("x-credrotate-signature")
    if not stamp.isdigit() or abs(time.time() - int(stamp)) > tolerance:
        return None
    expected = "sha256=" + hmac.new(secret.encode(), stamp.encode() + b"." + request["body"], hashlib.sha256).hexdigest()
    return json.loads(request["body"]) if hmac.compare_digest(expected, signed or "") else None


def read_events(path):
    with open(path) as handle:
        return [json.loads(line) for line in handle]


def with_env(rot, **extra):
    """Run the role with ``extra`` in the environment (the webhook secret from CREDROTATE_WEBHOOK_SECRET)."""
    env = rot.env

    def patched(dump_name="results.jsonl"):
        return dict(env(dump_name), **extra)
    rot.env = patched


def _drs_job(job_id, name, user, password):
    return {"id": job_id, "name": name, "project_id": HW_PROJECT, "status": "INCRE_TRANSFER_STARTED",
            "db_use_type": "sync", "engine_type": "mysql",
            "source": {"database": {"ref": GAUSS, "user": user}, "password": password, "ip": "192.168.0.10",
                       "db_port": 3306},
            "target": {"password": "Some-Target-Pass1!", "ip": "192.168.9.9", "db_port": 3306}}


def assert_clean(rot, run, events_path, receiver, *canaries):
    """No canary at -vvvv (stdout, stderr, results), in the journal, the state files, the events file or
    anything the webhook received."""
    assert_no_secrets(run, rot.emu, *canaries)
    places = {"state files": rot.state_text(), "events file": open(events_path).read() if os.path.exists(events_path)
              else "", "webhook requests": receiver.text()}
    for value in canaries:
        for where, text in places.items():
            assert value not in text, "secret %r leaked into the %s" % (value[:4] + "...", where)


def test_completed_rotations_send_one_signed_event_per_credential(rotation, receiver, tmp_path):
    """Two credentials in one play (a GaussDB user with two DRS jobs and a DTS job; a DCS instance): the events
    file gets one line each, the webhook one signed request each, the same event; outcome completed with the
    rotation id, every step, the propagation to each job with its request id. No secret anywhere; a repeat of
    the same rotation ids sends nothing_to_do. Check mode writes and posts nothing."""
    rot = rotation()
    secret = canary("whsec")
    events_path = str(tmp_path / "events" / "rotation.jsonl")
    common = {"rotation_events_file": events_path, "rotation_webhook_url": receiver.url,
              "rotation_webhook_secret": secret}
    hosts = {"orders-db": dict(common, rotation_credential=orders_credential(rot.names),
                               rotation_current_password=rot.names["current"], rotation_id="ev-orders"),
             "cache": dict(common, rotation_credential={"name": "cache", "owner": {"type": "dcs_instance",
                                                                                   "instance_id": DCS}},
                           rotation_current_password=rot.names["dcs_password"], rotation_id="ev-cache")}

    planned = rot.run(hosts, check=True)
    assert planned.rc == 0, planned.stdout[-4000:]
    assert not os.path.exists(events_path) and receiver.requests == []

    run = rot.run(hosts)
    assert run.rc == 0, run.stdout[-5000:] + run.stderr[-3000:]
    lines = read_events(events_path)
    assert sorted((e["credential"], e["host"], e["outcome"], e["rotation_id"]) for e in lines) == [
        ("cache", "cache", "completed", "ev-cache"), ("orders", "orders-db", "completed", "ev-orders")]
    assert stat.S_IMODE(os.stat(events_path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(os.path.dirname(events_path)).st_mode) == 0o700

    assert len(receiver.requests) == 2
    posted = [verified(secret, r) for r in receiver.requests]
    assert None not in posted, "a delivery whose signature does not verify"
    assert sorted(posted, key=lambda e: e["id"]) == sorted(lines, key=lambda e: e["id"])
    for request in receiver.requests:
        assert request["path"] == "/hooks/credrotate?token=%s" % TOKEN
        assert request["headers"]["x-credrotate-event"] == "completed"
        assert request["headers"]["content-type"] == "application/json"
        assert verified("another-secret", request) is None

    orders = next(e for e in lines if e["credential"] == "orders")
    assert [s["step"] for s in orders["steps"]] == ["validate", "preflight", "pending", "set", "propagate", "verify",
                                                    "promote"]
    assert orders["error"] is None and orders["changed"] is True and orders["seconds"] > 0
    propagated = dict((t["target"], t) for t in orders["targets"] if t["action"] == "propagate")
    assert sorted(propagated) == sorted(["DRS job %s source" % DRS1, "DRS job %s source" % DRS2,
                                         "DTS job %s source" % DTS1])
    assert all(t["outcome"] == "updated" and t["request_id"] in orders["request_ids"] for t in propagated.values())
    assert set(rot.record()["request_ids"]) == set(orders["request_ids"])

    new_orders, new_cache = rot.secrets()["current"], rot.secrets("cache")["current"]
    assert_clean(rot, run, events_path, receiver, rot.names["current"], rot.names["dcs_password"], new_orders,
                 new_cache, secret, TOKEN)

    again = rot.run(hosts)
    assert again.rc == 0, again.stdout[-4000:]
    repeated = read_events(events_path)[2:]
    expected = [("cache", "nothing_to_do"), ("orders", "nothing_to_do")]
    assert sorted((e["credential"], e["outcome"]) for e in repeated) == expected
    assert all(e["targets"] == [] for e in repeated) and len(receiver.requests) == 4
    assert_clean(rot, again, events_path, receiver, rot.names["current"], new_orders, new_cache, secret, TOKEN)


def test_a_rolled_back_and_a_failed_rotation_each_send_their_outcome(rotation, receiver, tmp_path):
    """A dependant that cannot reconnect makes the orders rotation roll back (outcome rolled_back, error at the
    verify step, the rollback's verification per target); a DCS instance whose current password is wrong stops
    in preflight (outcome failed). The secret comes from CREDROTATE_WEBHOOK_SECRET. Both events are written and
    delivered signed; the host fails for its rotation only; no secret anywhere."""
    fixtures, names = estate()
    names["report_password"] = names["current"]
    fixtures["gaussdb"]["instances"][0]["users"][1]["password"] = names["current"]
    fixtures["drs"]["jobs"].append(_drs_job(SHADOW, "orders-shadow", names["report"], names["current"]))
    rot = rotation(fixtures, names)
    secret = canary("envsec")
    with_env(rot, CREDROTATE_WEBHOOK_SECRET=secret)
    wrong = canary("wrong")
    events_path = str(tmp_path / "events.jsonl")
    common = {"rotation_events_file": events_path, "rotation_webhook_url": receiver.url}
    credential = orders_credential(names, dependants=[
        {"type": "drs", "job_id": DRS1, "endpoint": "source"},
        {"type": "drs", "job_id": DRS2, "endpoint": "source"},
        {"type": "drs", "job_id": SHADOW, "endpoint": "source"},
        {"type": "dts", "job_id": DTS1, "endpoint": "source"},
    ])
    hosts = {"orders-db": dict(common, rotation_credential=credential, rotation_current_password=names["current"],
                               rotation_verify_timeout=4),
             "cache": dict(common, rotation_credential={"name": "cache", "owner": {"type": "dcs_instance",
                                                                                   "instance_id": DCS}},
                           rotation_current_password=wrong)}

    run = rot.run(hosts)
    assert run.rc != 0 and "Rolled back" in run.stdout and "Reconcile required" in run.stdout
    lines = dict((e["credential"], e) for e in read_events(events_path))
    assert sorted(lines) == ["cache", "orders"]

    orders = lines["orders"]
    assert orders["outcome"] == "rolled_back" and orders["error"]["step"] == "verify"
    assert "failed at the verify step" in orders["error"]["message"] and orders["error"]["rollback"] is None
    assert orders["rotation_id"] == rot.record()["rotation_id"]
    outcomes = dict(((t["target"], t["action"]), t["outcome"]) for t in orders["targets"])
    assert outcomes[("DRS job %s source" % SHADOW, "verify")] == "unhealthy"
    assert outcomes[("DRS job %s source" % SHADOW, "rollback")] == "updated"
    assert outcomes[("DRS job %s source" % SHADOW, "rollback_verify")] == "healthy"
    assert [s["step"] for s in orders["steps"]][-1] == "rollback"

    cache = lines["cache"]
    assert cache["outcome"] == "failed" and cache["error"]["step"] == "preflight"
    assert "Reconcile required" in cache["error"]["message"] and cache["changed"] is False

    assert len(receiver.requests) == 2
    posted = dict((e["credential"], e) for e in (verified(secret, r) for r in receiver.requests))
    assert posted == lines
    assert sorted(r["headers"]["x-credrotate-event"] for r in receiver.requests) == ["failed", "rolled_back"]

    pending = rot.secrets()["pending"]["password"]
    assert rot.login(names["current"]) and not rot.login(pending)
    rot.assert_jobs_healthy()
    assert_clean(rot, run, events_path, receiver, names["current"], pending, wrong, names["dcs_password"], secret,
                 TOKEN)


# The test provokes both warnings on purpose: a webhook answering 500, then no secret to sign with.
@pytest.mark.allow_warnings(r"\[WARNING\]: The event of orders was not delivered to http://127\.0\.0\.1:\d+: HTTP 500 "
                            r"after 3 attempt\(s\)\.",
                            r"\[WARNING\]: The event of orders was not posted to http://127\.0\.0\.1:\d+: "
                            r"webhook_secret \(or the environment variable CREDROTATE_WEBHOOK_SECRET\) is required")
def test_a_webhook_that_fails_is_a_warning_and_the_rotation_stands(rotation, receiver, tmp_path):
    """The webhook answers 500: three attempts, a warning naming only http://127.0.0.1:<port> and the status, the
    rotation completes (rc 0) and the event is in the file. Without any secret: nothing is posted, a warning
    says which variable is missing. An unusable webhook URL is refused before anything is changed."""
    rot = rotation()
    secret = canary("whsec")
    events_path = str(tmp_path / "events.jsonl")
    host = {"rotation_credential": orders_credential(rot.names, dependants=[]), "rotation_discover_dependants": False,
            "rotation_current_password": rot.names["current"], "rotation_events_file": events_path,
            "rotation_webhook_url": receiver.url, "rotation_webhook_secret": secret}
    receiver.status = 500

    run = rot.run({"orders-db": host})
    assert run.rc == 0, run.stdout[-5000:] + run.stderr[-3000:]
    assert len(receiver.requests) == 3
    assert [e["outcome"] for e in read_events(events_path)] == ["completed"]
    assert all(verified(secret, r) for r in receiver.requests)
    warned = [line for line in run.text().splitlines() if line.startswith("[WARNING]: The event of orders was not")]
    assert len(warned) == 1 and "/hooks" not in warned[0] and TOKEN not in warned[0]

    receiver.requests, receiver.status = [], 204
    unsigned = rot.run({"orders-db": dict(host, rotation_webhook_secret="")})
    assert unsigned.rc == 0, unsigned.stdout[-5000:]
    assert receiver.requests == [] and [e["outcome"] for e in read_events(events_path)] == ["completed", "completed"]

    since = rot.last_seq()
    refused = rot.run({"orders-db": dict(host, rotation_webhook_url="https://user:%s@hooks.example.com/x" % TOKEN)})
    assert refused.rc != 0 and "rotation_webhook_url must not hold credentials" in refused.stdout
    assert rot.writes(since) == [] and len(read_events(events_path)) == 2
    stored = rot.secrets()
    for done in (run, unsigned, refused):
        assert_clean(rot, done, events_path, receiver, rot.names["current"], stored["current"], stored["previous"],
                     secret, TOKEN)
