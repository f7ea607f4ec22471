# -*- coding: utf-8 -*-
# Copyright (c) 2026, credrotate.cloud contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Rotation events (``_events``): the outcome of every kind of run, no secret anywhere, the JSON-lines file
under concurrent writers, and webhook deliveries to a real local HTTP server (signature, retries, refused
URLs, failures that only warn).

The engine's results come from real engine runs on the simulated world (``world.py``); the outcomes that
the engine does not produce yet (skips, suspension) are the result keys it will add.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import hmac
import http.server
import json
import multiprocessing
import os
import socket
import stat
import threading
import time
from urllib.parse import urlsplit

import pytest
from hypothesis import HealthCheck, assume, given, settings as hsettings, strategies as st
from urllib3.util import parse_url

from ansible_collections.credrotate.cloud.plugins.plugin_utils import _events
from ansible_collections.credrotate.cloud.tests.unit.plugins.plugin_utils.world import DRS_JOB, NEW

CANARY = "Canary#Pw-123xyz"
CANARY_2 = "Canary#Pw-456uvw"
SECRET = "whsec-unit-test-0123456789"
T0 = 1767225600.0  # 2026-01-01T00:00:00Z
HOST = "orders-db"


# -- a real local receiver -----------------------------------------------------------------------


class Receiver:
    """An HTTP server on 127.0.0.1 in a thread: records every request, answers with scripted statuses."""

    def __init__(self):
        self.requests = []
        self.script = []  # statuses (or ("sleep", seconds, status)) to answer with, then 200
        self.lock = threading.Lock()
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with receiver.lock:
                    receiver.requests.append({"method": "POST", "path": self.path, "headers": dict(self.headers),
                                              "body": body, "at": time.time()})
                    answer = receiver.script.pop(0) if receiver.script else 200
                if isinstance(answer, tuple):
                    time.sleep(answer[1])
                    answer = answer[2]
                self.send_response(answer)
                if 300 <= answer < 400:
                    self.send_header("Location", "http://127.0.0.1:%d/elsewhere" % receiver.port)
                self.send_header("Content-Length", "0")
                self.end_headers()

            do_GET = do_PUT = do_POST

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path="/hooks/rotation?token=Canary-Token-777"):
        return "http://127.0.0.1:%d%s" % (self.port, path)

    def reset(self, *script):
        with self.lock:
            self.requests = []
            self.script = list(script)

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def receiver_module():
    server = Receiver()
    yield server
    server.close()


@pytest.fixture
def receiver(receiver_module):
    receiver_module.reset()
    return receiver_module


def receive(secret, request, now=None, tolerance=300):
    """What a receiver does, written here independently of ``_events``: the parsed event, or None."""
    headers = dict((k.lower(), v) for k, v in request["headers"].items())
    stamp, signed = headers.get("x-credrotate-timestamp", ""), headers.get("x-credrotate-signature", "")
    if not stamp.isdigit() or abs((now or time.time()) - int(stamp)) > tolerance:
        return None
    expected = "sha256=" + hmac.new(secret.encode(), stamp.encode() + b"." + request["body"], hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, signed):
        return None
    return json.loads(request["body"])


class NoTransport:
    """A transport that must never be used: a refused URL or a missing secret sends nothing."""

    user_agent = "test"

    def __init__(self):
        self.calls = []

    def request(self, *args, **kwargs):
        self.calls.append((args, kwargs))
        raise AssertionError("a request was made")

    def close(self):
        pass


def no_sleep(seconds):
    pass


# -- events from engine runs ---------------------------------------------------------------------


def engine_event(sim, result, check_mode=False, secrets=None, **settings):
    """The event the action builds after ``sim.run``: with the engine's passwords as the redaction set."""
    engine = sim.engine
    found = set(secrets or ())
    found.update(v for v in (getattr(engine, "pending", None), getattr(engine, "current", None),
                             getattr(engine, "previous", None), getattr(engine, "restore", None)) if v)
    options = dict(sim.settings(check_mode), **settings)
    return _events.event_for(options, result, HOST, T0, T0 + 12.5, secrets=found,
                             plan=engine.plan if check_mode else None)


def assert_no_password(sim, event):
    text = json.dumps(event)
    assert [p for p in sim.world.passwords_seen() if p in text] == []


def test_a_completed_rotation(sim):
    """completed: the name, host, rotation id, steps (no detail), every target and action with its request id,
    the request ids, the timings; no error."""
    result = sim.run(rotation_id="r1")
    event = engine_event(sim, result)

    assert event["outcome"] == "completed" and event["type"] == "credrotate.rotation" and event["version"] == 1
    assert (event["credential"], event["host"], event["rotation_id"], event["mode"]) == ("orders", HOST, "r1", "new")
    assert event["changed"] is True and event["check_mode"] is False and event["run"] == 1
    assert event["started"] == "2026-01-01T00:00:00.000Z" and event["finished"] == "2026-01-01T00:00:12.500Z"
    assert event["seconds"] == 12.5
    assert [s["step"] for s in event["steps"]] == [s["step"] for s in result["steps"]]
    assert all(set(s) == {"step", "outcome", "seconds"} for s in event["steps"])
    owner = [t for t in event["targets"] if t["kind"] == "gaussdb_mysql_user"]
    assert [(t["action"], t["outcome"]) for t in owner] == [("set", "updated"), ("verify", "verified")]
    assert owner[0]["request_id"] and owner[0]["request_id"] in event["request_ids"]
    drs = [t for t in event["targets"] if t["kind"] == "drs"]
    assert [(t["target"], t["action"], t["outcome"]) for t in drs] == [
        ("DRS job %s source" % DRS_JOB, "propagate", "updated"), ("DRS job %s source" % DRS_JOB, "verify", "healthy")]
    assert all(set(t) == set(_events.TARGET_FIELDS) for t in event["targets"])
    assert event["request_ids"] == sim.record()["request_ids"] and event["error"] is None
    assert event["message"].startswith("rotation r1 of orders: COMPLETED")
    assert event["skipped"] is None and event["suspended"] is None
    assert_no_password(sim, event)


def test_the_same_rotation_again_is_nothing_to_do(sim):
    """nothing_to_do: the completed rotation's targets are not repeated as if this run had changed them."""
    sim.run(rotation_id="r1")
    result = sim.run(rotation_id="r1")
    event = engine_event(sim, result)

    assert event["outcome"] == "nothing_to_do" and event["mode"] == "done" and event["changed"] is False
    assert event["targets"] == [] and event["request_ids"] == [] and event["error"] is None
    assert_no_password(sim, event)


@pytest.mark.parametrize("step", ["set", "propagate", "verify"])
def test_a_rolled_back_rotation(sim, step):
    """rolled_back: the failing step and message, the rollback's targets and actions."""
    if step == "set":
        sim.world.fail(sim.world.owner_service(), msg="the instance is busy", code="DBS.200019")
    elif step == "propagate":
        sim.world.fail("dts_job_password", msg="DTS is throttling requests", code="Throttling.User")
    else:
        sim.world.job("drs", DRS_JOB)["refuses"].add(NEW)
    result = sim.run(rotation_id="r1", new_password=NEW)
    event = engine_event(sim, result)

    assert event["outcome"] == "rolled_back"
    assert event["error"]["step"] == step and "Rolled back" in event["error"]["message"]
    assert event["error"]["rollback"] is None and event["message"] == event["error"]["message"]
    actions = set((t["kind"], t["action"]) for t in event["targets"])
    assert ("gaussdb_mysql_user", "rollback_verify") in actions and ("drs", "rollback_verify") in actions
    assert_no_password(sim, event)


def test_a_rotation_whose_rollback_failed(sim):
    """failed: the rollback's own failure is in error.rollback (the targets need a reconcile)."""
    sim.world.fail("dts_job_password")
    sim.world.fail(sim.world.owner_service(), msg="the instance is being rebooted", code="DBS.200047", skip=1)
    result = sim.run(rotation_id="r1", new_password=NEW)
    event = engine_event(sim, result)

    assert event["outcome"] == "failed" and "Reconcile required" in event["error"]["message"]
    assert event["error"]["step"] == "propagate" and "being rebooted" in event["error"]["rollback"]
    assert_no_password(sim, event)


def test_a_rotation_refused_in_preflight_and_an_interrupted_one_failed(sim):
    """failed: a preflight that stops the rotation before any write; a run stopped by the test hook."""
    sim.world.fail("drs_job_password", msg="the job is being deleted", code="DRS.M00304", check=True)
    event = engine_event(sim, sim.run(rotation_id="r1"))
    assert event["outcome"] == "failed" and event["error"]["step"] == "preflight"
    assert "Preflight of orders failed" in event["error"]["message"]

    stopped = engine_event(sim, sim.run(rotation_id="r2", fail_after_step="set"))
    assert stopped["outcome"] == "failed" and stopped["error"]["message"].startswith("Interrupted after the set step")
    assert_no_password(sim, stopped)


def test_check_mode_is_planned_with_the_targets_it_would_change(sim):
    """planned: check mode, with the plan's targets (would be updated); nothing of a record."""
    result = sim.run(check_mode=True)
    event = engine_event(sim, result, check_mode=True)

    assert event["outcome"] == "planned" and event["check_mode"] is True and event["changed"] is True
    assert [(t["kind"], t["action"], t["outcome"]) for t in event["targets"]][:2] == [
        ("gaussdb_mysql_user", "set", "updated"), ("drs", "propagate", "updated")]
    assert event["message"].startswith("rotation") and "PLAN" in event["message"]
    assert_no_password(sim, event)


# The keys the engine adds for due-based rotation and escalation (issue 12, items 1 and 2).
FUTURE = {
    "skipped_not_due": {"changed": False, "rotation_id": "r0", "mode": None, "skipped": "not_due",
                        "msg": "orders is not due: its last rotation r0 completed 3 days ago, due in 87 days",
                        "steps": [{"step": "validate", "outcome": "not due", "detail": "", "seconds": 0.0}]},
    "skipped": {"changed": False, "rotation_id": None, "mode": None, "skipped": "window",
                "msg": "orders is due but outside its window (Sat,Sun 01:00-05:00 Europe/Berlin)", "steps": []},
    "suspended": {"changed": False, "failed": True, "rotation_id": "r7", "mode": None, "skipped": "suspended",
                  "msg": "orders is suspended after 3 failures: Verification of orders failed",
                  "suspended": {"failures": 3, "since": "2026-01-01T00:00:00Z", "last_error": "Verification failed",
                                "password": CANARY, "nested": {"old_secret": CANARY_2, "step": "verify"}},
                  "steps": []},
}


@pytest.mark.parametrize("expected", sorted(FUTURE))
def test_skips_and_suspension_from_the_engines_later_result_keys(expected):
    """skipped: not_due -> skipped_not_due, suspended -> suspended, another reason (window) -> skipped; no targets;
    the suspension's details are kept without a key that names a secret."""
    outcome = FUTURE[expected]
    event = _events.event_for({"credential": {"name": "orders"}, "check_mode": False}, outcome, HOST, T0, T0 + 1)

    assert event["outcome"] == expected and event["skipped"] == outcome["skipped"]
    assert event["targets"] == [] and event["request_ids"] == [] and event["message"] == outcome["msg"]
    if expected == "suspended":
        assert event["suspended"] == {"failures": 3, "since": "2026-01-01T00:00:00Z",
                                      "last_error": "Verification failed", "nested": {"step": "verify"}}
        assert event["error"]["message"].startswith("orders is suspended after 3 failures")
    else:
        assert event["suspended"] is None and event["error"] is None
    assert CANARY not in json.dumps(event) and CANARY_2 not in json.dumps(event)


def test_a_failure_that_suspends_keeps_the_outcome_of_what_the_run_did(sim):
    """A rolled-back run that reaches suspend_after is rolled_back, with the suspended object (later runs: suspended)."""
    sim.world.fail("dts_job_password", msg="DTS is throttling requests", code="Throttling.User")
    result = dict(sim.run(rotation_id="r1", new_password=NEW), suspended={"failures": 3})
    event = engine_event(sim, result)
    assert event["outcome"] == "rolled_back" and event["suspended"] == {"failures": 3}


def test_every_outcome_is_mapped():
    """The outcomes are the documented ones, each reached by one result shape."""
    shapes = {
        "planned": ({"changed": True}, True),
        "skipped_not_due": ({"skipped": "not_due"}, False),
        "suspended": ({"skipped": "suspended", "failed": True}, False),
        "skipped": ({"skipped": "window"}, False),
        "rolled_back": ({"failed": True, "rotation_id": "a", "record": {"rotation_id": "a", "status": "rolled_back"}},
                        False),
        "failed": ({"failed": True, "rotation_id": "a", "record": {"rotation_id": "a", "status": "failed"}}, False),
        "nothing_to_do": ({"mode": "done"}, False),
        "completed": ({"mode": "new"}, False),
    }
    assert sorted(shapes) == sorted(_events.OUTCOMES)
    for expected, (result, check) in shapes.items():
        assert _events.outcome_of(result, check) == expected
    # an earlier rotation's rolled_back record does not make this run's failure a rollback
    assert _events.outcome_of({"failed": True, "rotation_id": "b",
                               "record": {"rotation_id": "a", "status": "rolled_back"}}) == "failed"


# -- no secret, anywhere -------------------------------------------------------------------------


def leaky_outcome():
    """An engine result with canaries where a careless event would copy them from."""
    return {
        "changed": True, "failed": True, "rotation_id": "r1", "mode": "new", "decision": "because " + CANARY,
        "msg": "Verification of orders failed: a login with %s is refused" % CANARY,
        "steps": [{"step": "validate", "outcome": "new", "detail": "password " + CANARY, "seconds": 0.1},
                  {"step": "rollback", "outcome": "rolled back", "detail": CANARY_2, "seconds": 1.0}],
        "summary": ["rotation r1 of orders: ROLLED_BACK (%s)" % CANARY],
        "record": {"rotation_id": "r1", "status": "rolled_back", "runs": 1, "request_ids": ["req-1"],
                   "error": {"step": "verify", "msg": "refused " + CANARY, "rollback": None},
                   "details": {"password_source": CANARY},
                   "targets": {"owner": {"target": "GaussDB user x", "kind": "gaussdb_mysql_user", "actions": {
                       "set": {"outcome": "updated", "request_id": "req-1", "error_msg": CANARY_2,
                               "status": CANARY_2}}}}},
        "suspended": {"last_error": "refused " + CANARY, "password": CANARY_2},
        "password": CANARY, "pending": CANARY_2,
    }


def test_canaries_never_reach_the_event():
    """Fields that may hold text from a provider are redacted with the action's set; fields the event does not
    carry (step detail, error_msg, status, details, decision, unknown keys) never reach it at all."""
    settings = {"credential": {"name": "orders"}, "check_mode": False, "current_password": CANARY,
                "new_password": CANARY_2, "webhook_secret": SECRET}
    event = _events.event_for(settings, leaky_outcome(), HOST, T0, T0 + 1, secrets={CANARY, CANARY_2, SECRET})
    text = json.dumps(event)
    assert CANARY not in text and CANARY_2 not in text and SECRET not in text
    assert "********" in event["message"] and event["outcome"] == "rolled_back"

    bare = json.dumps(_events.event_for(settings, dict(leaky_outcome(), msg="failed", summary=[], suspended=None,
                                                       record=dict(leaky_outcome()["record"], error=None)),
                                        HOST, T0, T0 + 1))
    assert CANARY not in bare and CANARY_2 not in bare, "a field that is not part of the event was copied"


def test_canaries_never_reach_the_file_the_body_the_headers_or_the_warnings(tmp_path, receiver):
    """Written, posted (delivered once, then refused with a 500 three times): the file, every request body and
    header, and the warnings hold none of the passwords, nor the webhook secret, nor the URL's token."""
    settings = {"credential": {"name": "orders"}, "check_mode": False, "events_file": str(tmp_path / "ev.jsonl"),
                "webhook_url": receiver.url(), "webhook_timeout": 5}
    event = _events.event_for(settings, leaky_outcome(), HOST, T0, T0 + 1, secrets={CANARY, CANARY_2})
    events, warnings = _events.publish(settings, event, secret=SECRET, sleep=no_sleep)
    assert events == {"written": settings["events_file"], "posted": 200} and warnings == []
    (tmp_path / "blocker").write_text("a file, not a directory")
    receiver.reset(500, 500, 500)
    events, refused = _events.publish(dict(settings, events_file=str(tmp_path / "blocker" / "x")), event,
                                      secret=SECRET, sleep=no_sleep)
    assert events == {"written": None, "posted": None} and len(refused) == 2
    events, unsigned = _events.publish(dict(settings, events_file=None), event, secret=None)
    assert len(unsigned) == 1 and len(receiver.requests) == 3
    warnings += refused + unsigned
    haystack = (tmp_path / "ev.jsonl").read_text() + json.dumps(warnings) + "".join(
        r["body"].decode() + json.dumps(r["headers"]) for r in receiver.requests)
    for value in (CANARY, CANARY_2, SECRET, "Canary-Token-777", "/hooks/rotation"):
        assert value not in haystack, value


# -- the file ------------------------------------------------------------------------------------


def small_event(n=0, pad=0):
    return dict(_events.event_for({"credential": {"name": "c%d" % n}}, {"mode": "new"}, HOST, T0, T0),
                message="x" * pad)


def test_the_file_and_its_directory_are_created_private_and_lines_appended(tmp_path):
    """A missing directory is created 0700, the file 0600; each event is one line; an existing file keeps its mode."""
    path = tmp_path / "deep" / "events" / "rotation.jsonl"
    for n in range(3):
        _events.write_event(str(path), small_event(n, pad=10))
    assert stat.S_IMODE(os.stat(path.parent).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    lines = path.read_text().splitlines()
    assert [json.loads(line)["credential"] for line in lines] == ["c0", "c1", "c2"]

    shared = tmp_path / "shared.jsonl"
    shared.write_text("")
    os.chmod(shared, 0o640)
    _events.write_event(str(shared), dict(small_event(), message="line\nbreak\u2028sep"))
    assert stat.S_IMODE(os.stat(shared).st_mode) == 0o640
    assert len(shared.read_text().splitlines()) == 1 and "\u2028" not in shared.read_text()


def test_a_file_that_cannot_be_written_is_an_event_error(tmp_path):
    blocker = tmp_path / "blocker"
    blocker.write_text("")
    with pytest.raises(_events.EventError, match="cannot create the events directory .*blocker/sub"):
        _events.write_event(str(blocker / "sub" / "events.jsonl"), small_event())
    with pytest.raises(_events.EventError, match="events file"):
        _events.write_event(str(tmp_path), small_event())


def _append_many(path, writer, count, pad):
    for n in range(count):
        _events.write_event(path, dict(small_event(writer, pad), seq=n))


def test_concurrent_processes_never_interleave_lines(tmp_path):
    """Eight processes append 40 large events each (bigger than a pipe buffer): every line is one valid event."""
    path = str(tmp_path / "events.jsonl")
    context = multiprocessing.get_context("fork")
    workers = [context.Process(target=_append_many, args=(path, w, 40, 70000)) for w in range(8)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(120)
        assert worker.exitcode == 0
    with open(path) as handle:
        events = [json.loads(line) for line in handle]
    assert len(events) == 8 * 40
    for writer in range(8):
        assert [e["seq"] for e in events if e["credential"] == "c%d" % writer] == list(range(40))
    assert len(set(e["id"] for e in events)) == len(events)


# -- the webhook ---------------------------------------------------------------------------------


def test_a_delivery_is_signed_and_a_receiver_can_verify_it(receiver):
    """The body is the event; the headers name the outcome, the event id, the timestamp and the signature
    sha256=HMAC(secret, "<timestamp>.<body>"); a changed body, another secret or an old timestamp fail."""
    event = small_event()
    delivery = _events.post_event(receiver.url(), SECRET, event, timeout=5)
    assert (delivery.status, delivery.attempts, delivery.warning) == (200, 1, None)
    (request,) = receiver.requests
    assert request["path"] == "/hooks/rotation?token=Canary-Token-777"
    headers = dict((k.lower(), v) for k, v in request["headers"].items())
    assert headers["content-type"] == "application/json"
    assert headers["x-credrotate-event"] == "completed" and headers["x-credrotate-event-id"] == event["id"]
    assert headers["user-agent"].startswith("credrotate.cloud/")
    assert receive(SECRET, request) == event
    assert _events.verify_signature(SECRET, headers["x-credrotate-timestamp"], request["body"],
                                    headers["x-credrotate-signature"])

    assert receive("another-secret", request) is None
    assert receive(SECRET, dict(request, body=request["body"].replace(b"completed", b"failed"))) is None
    assert receive(SECRET, request, now=time.time() + 301) is None
    assert not _events.verify_signature(SECRET, headers["x-credrotate-timestamp"], request["body"],
                                        headers["x-credrotate-signature"], now=time.time() + 301)
    assert not _events.verify_signature(SECRET, "not-a-number", request["body"], headers["x-credrotate-signature"])


def test_5xx_is_retried_twice_each_attempt_signed_afresh(receiver):
    """503, 502, then 200: three attempts, one event id, a new timestamp and signature each time."""
    receiver.reset(503, 502)
    ticks = iter([T0 + 0, T0 + 1, T0 + 2])
    sleeps = []
    delivery = _events.post_event(receiver.url(), SECRET, small_event(), timeout=5, sleep=sleeps.append,
                                  clock=lambda: next(ticks))
    assert (delivery.status, delivery.attempts, delivery.warning) == (200, 3, None)
    stamps = [r["headers"]["X-Credrotate-Timestamp"] for r in receiver.requests]
    assert stamps == ["%d" % (T0 + n) for n in range(3)]
    assert len(set(r["headers"]["X-Credrotate-Signature"] for r in receiver.requests)) == 3
    assert len(set(r["headers"]["X-Credrotate-Event-Id"] for r in receiver.requests)) == 1
    assert len(sleeps) == 2 and all(0 <= s <= 2.0 for s in sleeps)
    assert all(receive(SECRET, r, now=T0 + 1) for r in receiver.requests)


@pytest.mark.parametrize("script, attempts, why", [
    ((500, 500, 500), 3, "HTTP 500 after 3 attempt(s)."),
    ((404,), 1, "HTTP 404."),
    ((401,), 1, "HTTP 401."),
    ((302,), 1, "HTTP 302 (redirects are not followed)."),
])
def test_a_refused_delivery_is_a_warning_naming_scheme_and_host_only(receiver, script, attempts, why):
    """A delivery the receiver refuses is a warning (never an exception) naming http://127.0.0.1:<port> and the
    status; 4xx and redirects are final, 5xx is retried twice; a redirect is not followed."""
    receiver.reset(*script)
    delivery = _events.post_event(receiver.url(), SECRET, small_event(), timeout=5, sleep=no_sleep)
    assert delivery.status is None and delivery.attempts == attempts == len(receiver.requests)
    assert delivery.warning == "The event of c0 was not delivered to http://127.0.0.1:%d: %s" % (receiver.port, why)
    assert all(r["path"].startswith("/hooks/") for r in receiver.requests)  # (not /elsewhere)


def test_connection_failures_are_retried_then_a_warning():
    """Nothing listening: three attempts, then "cannot connect"; a receiver that answers too late: a timeout."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    delivery = _events.post_event("http://127.0.0.1:%d/x?token=t0k3n" % port, SECRET, small_event(), timeout=2,
                                  sleep=no_sleep)
    assert delivery.attempts == 3 and delivery.status is None
    assert delivery.warning == ("The event of c0 was not delivered to http://127.0.0.1:%d: cannot connect "
                                "(ConnectionFailed) after 3 attempt(s)." % port)


def test_a_receiver_slower_than_the_timeout(receiver):
    receiver.reset(("sleep", 1.0, 200), ("sleep", 1.0, 200), ("sleep", 1.0, 200))
    delivery = _events.post_event(receiver.url(), SECRET, small_event(), timeout=0.3, sleep=no_sleep)
    assert delivery.attempts == 3 and "no answer within the timeout (ReadTimeout)" in delivery.warning


def test_without_a_secret_nothing_is_sent(receiver):
    """Unsigned events are not sent: the warning names both ways to give the secret."""
    transport = NoTransport()
    for secret in (None, ""):
        delivery = _events.post_event(receiver.url(), secret, small_event(), transport=transport)
        assert delivery.status is None and delivery.attempts == 0
        assert "webhook_secret (or the environment variable CREDROTATE_WEBHOOK_SECRET) is required" in delivery.warning
        assert "http://127.0.0.1:%d:" % receiver.port in delivery.warning and "token" not in delivery.warning
    assert receiver.requests == [] and transport.calls == []
    assert _events.webhook_secret({}, {"CREDROTATE_WEBHOOK_SECRET": "from-env"}) == "from-env"
    assert _events.webhook_secret({"webhook_secret": "given"}, {"CREDROTATE_WEBHOOK_SECRET": "from-env"}) == "given"
    assert _events.webhook_secret({}, {}) is None


def test_check_mode_writes_and_posts_nothing(tmp_path, receiver):
    settings = {"check_mode": True, "events_file": str(tmp_path / "d" / "events.jsonl"), "webhook_url": receiver.url()}
    assert _events.publish(settings, small_event(), secret=SECRET) == ({"written": None, "posted": None}, [])
    assert not (tmp_path / "d").exists() and receiver.requests == []


def test_publish_turns_every_problem_into_a_warning(tmp_path, receiver):
    (tmp_path / "blocker").write_text("")
    receiver.reset(500, 500, 500)
    settings = {"check_mode": False, "events_file": str(tmp_path / "blocker" / "e.jsonl"),
                "webhook_url": receiver.url()}
    events, warnings = _events.publish(settings, small_event(), secret=SECRET, sleep=no_sleep)
    assert events == {"written": None, "posted": None} and len(warnings) == 2
    assert warnings[0].startswith("The event of c0 was not written: cannot open the events file %s: Not a directory"
                                  % settings["events_file"])
    assert "HTTP 500 after 3 attempt(s)" in warnings[1]


# -- URL validation ------------------------------------------------------------------------------


@pytest.mark.parametrize("url", [
    "https://hooks.example.com/rotation", "http://127.0.0.1:8080/x?token=abc", "HTTPS://Hooks.Example.COM.",
    "https://[::1]:8443/events#frag", "http://a/", "https://hooks.example.com:65535",
])
def test_good_urls(url):
    _events.check_url(url)
    assert _events.origin(url) == url.split("://")[0].lower() + "://" + urlsplit(url).netloc


@pytest.mark.parametrize("url, why", [
    ("ftp://hooks.example.com/x", "must start with https:// or http://"),
    ("hooks.example.com/x", "must start with https:// or http://"),
    ("https://user:pw@hooks.example.com/x", "must not hold credentials"),
    ("https://token@hooks.example.com", "must not hold credentials"),
    ("https:///x", "must name a host"),
    ("https://hooks.example.com:0/x", "port out of range"),
    ("https://hooks.example.com:99999/x", "port out of range"),
    ("https://hooks.example.com:80:81/x", "must name a host"),
    ("https://[::g]/x", "must name a host"),
    ("https://exa mple.com/x", "printable ASCII"),
    ("https://example.com/\r\nX-Injected: 1", "printable ASCII"),
    ("https://example.com\\@evil.example/", "backslashes"),
    ("https://ex\u00e4mple.com/", "printable ASCII"),
    ("", "non-empty string"),
    (None, "non-empty string"),
])
def test_bad_urls_are_refused_without_repeating_them(url, why):
    with pytest.raises(_events.EventError, match="^rotation_webhook_url .*%s" % why.replace("(", r"\(")) as info:
        _events.check_url(url, name="rotation_webhook_url")
    text = "%s" % info.value
    assert not [part for part in ("example.com", "pw@", "token@", "mple", "@evil", "X-Injected") if part in text]


@st.composite
def hostile_urls(draw, port):
    """A URL aimed at the local receiver, made invalid by one of the ways URLs smuggle things."""
    base = "127.0.0.1:%d" % port
    path = draw(st.sampled_from(["/hooks", "/", "", "/a?b=c"]))
    junk = st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=6)
    kind = draw(st.sampled_from(["userinfo", "control", "space", "scheme", "backslash", "nonascii", "nohost", "port"]))
    if kind == "userinfo":
        user = draw(st.text(alphabet="abcdefgh:%40-", min_size=0, max_size=8))
        return "http://%s@%s%s" % (user, base, path)
    if kind in ("control", "space", "nonascii"):
        char = draw({"control": st.characters(max_codepoint=31) | st.just("\x7f"),
                     "space": st.sampled_from([" ", "\t", "\u00a0", "\u2028", "\u3000"]),
                     "nonascii": st.characters(min_codepoint=128)}[kind])
        url = "http://%s%s" % (base, path)
        at = draw(st.integers(0, len(url)))
        return url[:at] + char + url[at:]
    if kind == "scheme":
        scheme = draw(st.sampled_from(["ftp", "file", "gopher", "javascript", "ws", "httpx", "htt", ""]) | junk)
        assume(scheme.lower() not in ("http", "https"))
        return "%s://%s%s" % (scheme, base, path)
    if kind == "backslash":
        return "http://%s\\@%s%s" % ("evil.example", base, path)
    if kind == "nohost":
        return draw(st.sampled_from(["http://%s" % path, "http://:%d%s" % (port, path), "http:%s" % base,
                                     "http:/%s" % base]))
    return "http://127.0.0.1:%s%s" % (draw(st.sampled_from(["0", "65536", "99999", "-1", "80a", ""]) | st.integers(
        65536, 99999).map(str)), path if path else "/")


@hsettings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_hostile_urls_are_refused_and_never_called(receiver_module, data):
    """Generated hostile URLs aimed at a live local receiver: each is refused (a warning that does not repeat it)
    and no request reaches the receiver or the transport."""
    receiver_module.reset()
    url = data.draw(hostile_urls(receiver_module.port))
    transport = NoTransport()
    delivery = _events.post_event(url, SECRET, small_event(), transport=transport)
    assert delivery.status is None and delivery.attempts == 0 and delivery.warning
    assert delivery.warning.startswith("The event of c0 was not posted: webhook_url ")
    assert url not in delivery.warning and "127.0.0.1" not in delivery.warning
    assert transport.calls == [] and receiver_module.requests == []


LABELS = st.from_regex(r"\A[a-z0-9](?:[a-z0-9-]{0,10}[a-z0-9])?\Z")
PATHS = st.text(alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x7e, exclude_characters="\\#"), max_size=30)


@hsettings(max_examples=100, deadline=None)
@given(scheme=st.sampled_from(["http", "https", "HTTPS"]), labels=st.lists(LABELS, min_size=1, max_size=4),
       port=st.none() | st.integers(1, 65535), path=PATHS)
def test_generated_good_urls_are_accepted_and_named_by_their_origin(scheme, labels, port, path):
    host = ".".join(labels) + (":%d" % port if port else "")
    url = "%s://%s/%s" % (scheme, host, path)
    _events.check_url(url)
    assert _events.origin(url) == "%s://%s" % (scheme.lower(), host)


@hsettings(max_examples=300, deadline=None)
@given(url=st.one_of(st.text(max_size=60), st.builds(lambda a, b: a + "://" + b, st.sampled_from(["http", "https"]),
                                                     st.text(max_size=40))))
def test_any_accepted_url_is_one_every_parser_reads_alike(url):
    """Whatever text is given: refused, or an http(s) URL of printable ASCII whose host Python's parser and
    urllib3's (what requests sends to) agree on, with no user info; its origin is that scheme and host."""
    try:
        _events.check_url(url)
    except _events.EventError:
        transport = NoTransport()
        _events.post_event(url, SECRET, small_event(), transport=transport)
        assert transport.calls == []
        return
    assert all(0x21 <= ord(c) <= 0x7e for c in url) and "\\" not in url
    split, parsed = urlsplit(url), parse_url(url)
    assert split.scheme.lower() in ("http", "https") and split.hostname and "@" not in split.netloc
    assert parsed.auth is None and (parsed.host or "").lower().strip("[]") == split.hostname.lower()
    assert (parsed.port or None) == split.port
    assert _events.origin(url) == "%s://%s" % (split.scheme.lower(), split.netloc)
