# -*- coding: utf-8 -*-
# Copyright (c) 2026, credrotate.cloud contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Each defect of issue 8, as it was found, is refused before any request, naming the field.

One playbook holds every case (``ignore_errors``), run at -vvvv against the demo estate in
memory, with IAM user/password authentication (the mode in which a traversal id used to change
another instance's password). Then: every case failed naming its field, the emulator saw no
request at all (validation runs before the first byte is sent), the other instance's password is
unchanged, and no canary is anywhere in the output.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import uuid

import pytest
import yaml

from harness import REPO, assert_no_secrets, journal, run_playbook

pytestmark = pytest.mark.integration

CANARY = "Canary-Hostile-%s!" % uuid.uuid4().hex[:8]
OLD = "Canary-Hostile-Old-%s!" % uuid.uuid4().hex[:6]
GDB = "6a1b2c3d4e5f40718293a4b5c6d7e8f9in07"
DCS = "3f2e1d0c-9b8a-4776-8655-443322110099"
DRS = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8bjb01"
DTS = "l3m1213ye7l1234"
IAM_ENV = {"HW_USER_NAME": "demo-operator", "HW_PASSWORD": "Demo-Operator-Pass1!",
           "HW_DOMAIN_NAME": "credrotate-demo", "HW_REGION_NAME": "cn-north-4",
           "ALICLOUD_ACCESS_KEY": "LTAI5tEXAMPLEAKID0001", "ALICLOUD_SECRET_KEY": "exampleAccessKeySecret0001",
           "ALICLOUD_REGION": "cn-hangzhou"}

M = "credrotate.cloud."
# (case, module, args, the field the message must name). "{{ canary }}" is the secret.
CASES = [
    ("traversal-dcs", "dcs_instance_password",
     {"instance_id": "../instances/" + DCS, "old_password": "{{ old }}", "new_password": "{{ canary }}"}, "instance_id"),
    ("traversal-gaussdb", "gaussdb_mysql_instance_password",
     {"instance_id": "../instances/" + GDB, "password": "{{ canary }}"}, "instance_id"),
    ("encoded-traversal", "gaussdb_mysql_user_password",
     {"instance_id": "%2e%2e%2F" + GDB, "users": [{"name": "crdemo_orders"}], "password": "{{ canary }}"},
     "instance_id"),
    ("region-host-injection", "drs_job_info", {"jobs": [DRS], "region": "attacker.example#"}, "region"),
    ("alibaba-region-host-injection", "dts_job_info", {"jobs": [DTS], "region": "x.attacker.net/"}, "region"),
    ("jobs-as-string", "drs_job_password", {"jobs": "{{ canary }}", "password": "{{ canary }}"}, "jobs"),
    ("kerberos-as-string", "drs_job_password",
     {"jobs": [{"id": DRS, "endpoint": "target", "kerberos": "{{ canary }}"}], "password": "{{ canary }}"},
     "jobs[0].kerberos"),
    ("users-as-string", "gaussdb_mysql_user_password",
     {"instance_id": GDB, "users": "{{ canary }}", "password": "{{ canary }}"}, "users"),
    ("nested-typo-drs", "drs_job_password",
     {"jobs": [{"id": DRS, "endpoint": "target", "pasword": "{{ canary }}"}]}, "jobs[0].pasword"),
    ("nested-typo-dts", "dts_job_password",
     {"jobs": [{"id": DTS, "endpoint": "source", "pasword": "{{ canary }}"}]}, "jobs[0].pasword"),
    ("nested-typo-users", "gaussdb_mysql_user_password",
     {"instance_id": GDB, "users": [{"name": "crdemo_orders", "pasword": "{{ canary }}"}]}, "users[0].pasword"),
    ("userinfo-in-url", "drs_job_info",
     {"jobs": [DRS], "endpoint_url": "http://operator:{{ canary }}@127.0.0.1:9"}, "endpoint_url"),
    ("plain-http-remote", "drs_job_info", {"jobs": [DRS], "endpoint_url": "http://192.0.2.10:8080"}, "endpoint_url"),
    ("url-with-query", "dts_job_info", {"jobs": [DTS], "endpoint_url": "https://dts.example.com/?x=1"},
     "endpoint_url"),
    ("negative-wait-timeout", "gaussdb_mysql_user_password",
     {"instance_id": GDB, "users": [{"name": "crdemo_orders"}], "password": "{{ canary }}", "wait_timeout": -1},
     "wait_timeout"),
    ("probe-port-out-of-range", "gaussdb_mysql_instance_password",
     {"instance_id": GDB, "password": "{{ canary }}", "probe_port": 70000}, "probe_port"),
    ("negative-timeout", "drs_job_info", {"jobs": [DRS], "timeout": -5}, "timeout"),
    ("negative-probe-timeout", "dcs_instance_password",
     {"instance_id": DCS, "old_password": "{{ old }}", "new_password": "{{ canary }}", "probe_timeout": -1},
     "probe_timeout"),
    ("missing-ca-path", "drs_job_info", {"jobs": [DRS], "ca_path": "/nonexistent/ca.pem"}, "ca_path"),
    ("crlf-in-id", "dcs_instance_password",
     {"instance_id": DCS + "\r\nX-Injected: 1", "old_password": "{{ old }}", "new_password": "{{ canary }}"},
     "instance_id"),
    ("crlf-in-token", "drs_job_info", {"jobs": [DRS], "auth_token": "abc\r\nX-Injected: 1"}, "auth_token"),
    ("overlong-id", "dts_job_info", {"jobs": ["a" * 5000]}, "jobs[0]"),
    ("zero-concurrency", "dts_job_password",
     {"jobs": [{"id": DTS, "endpoint": "source", "user": "crdemo_orders"}], "password": "{{ canary }}",
      "concurrency": 0}, "concurrency"),
    ("bad-credential-name", "rotation_state", {"state_dir": "/tmp", "name": "../../etc/passwd"}, "name"),
]


@pytest.fixture
def demo_emulator(emulator_factory):
    with open(os.path.join(REPO, "tests", "emulator", "fixtures", "demo.yml")) as handle:
        return emulator_factory(yaml.safe_load(handle))


def test_every_reported_defect_is_refused_before_any_request_naming_its_field(tmp_path, demo_emulator):
    emu = demo_emulator
    before = emu.summary()
    tasks = []
    for case, module, args, _field in CASES:
        module_args = dict(args)
        if module != "rotation_state" and "endpoint_url" not in module_args:
            module_args["endpoint_url"] = emu.base_url
        tasks.append({"name": case, M + module: module_args, "ignore_errors": True})
    run = run_playbook(tmp_path, tasks, env=IAM_ENV, play_vars={"canary": CANARY, "old": OLD})
    assert run.rc == 0, run.text()[-3000:]  # every failure was ignored: the play itself ran to its end
    for case, module, _args, field in CASES:
        result = run.result(case)
        assert run.status(case) == "failed", "%s: %s was accepted: %r" % (case, module, result)
        assert field in result["msg"], "%s: the message does not name %s: %s" % (case, field, result["msg"])
        assert "Traceback" not in result["msg"] and "Traceback" not in result.get("exception", ""), case
        if result["msg"].startswith("Invalid input"):
            assert field in " ".join(result["invalid"]) and result["error"]["code"] == "InvalidParameter", case
    assert journal(emu) == [], "validation must come before the first request: %r" % journal(emu)[:3]
    assert emu.summary() == before, "nothing changed on the estate"
    assert_no_secrets(run, emu, CANARY, OLD)
