# -*- coding: utf-8 -*-
# Copyright (c) 2026, credrotate.cloud contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""drs_job_password / drs_job_info logic (``_drs``) at the HTTP boundary: every request is declared."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

from ansible_collections.credrotate.cloud.plugins.module_utils import _drs
from ansible_collections.credrotate.cloud.plugins.module_utils._drs_api import DrsApi
from ansible_collections.credrotate.cloud.tests.unit.plugins.module_utils.fakes import (
    FakeHuaweiModule,
    reply,
)

PROJECT = "0123456789abcdef0123456789abcdef"
NEW = "N3w-Drs_Passw0rd!"
BASE = {"cloud": "huaweicloud", "region": "cn-north-4", "project_id": PROJECT, "endpoint_url": "https://drs.test",
        "access_key": "HPUA1EXAMPLEAK000001", "secret_key": "exampleSecretKey0123456789abcdefghijABCD",
        "password": NEW, "ledger": None}


class FakeModule(FakeHuaweiModule):
    """HuaweiCloudModule as ``_drs`` uses it, on this file's ``BASE`` params."""

    base = BASE
    attempts = 3


def run(module):
    return module.run(lambda: _drs.run_password(module.params, DrsApi(module.client), ledger=module.ledger(),
                                                check_mode=module.check_mode))


def body(call):
    return json.loads(call.body.decode("utf-8"))


def status_reply(*pairs):
    return reply(200, {"count": len(pairs), "results": [{"id": i, "status": s} for i, s in pairs]})


def job(n):
    return "%08x-0000-4000-8000-00000000jb01" % n


def test_both_start_failed_spellings_and_paused_spellings_are_allowed():
    """The constraint's STARTJOB_FAILED, the enum's START_JOB_FAILED and OTC's PAUSEING all accept the change."""
    jobs = [{"id": job(1), "endpoint": "source"}, {"id": job(2), "endpoint": "target"},
            {"id": job(3), "endpoint": "source"}]
    module = FakeModule({"jobs": jobs}, [
        status_reply((job(1), "STARTJOB_FAILED"), (job(2), "START_JOB_FAILED"), (job(3), "PAUSEING")),
        reply(200, {"count": 3, "results": [{"id": job(1), "status": "success", "end_point_type": "so"},
                                            {"id": job(2), "status": "success", "end_point_type": "ta"},
                                            {"id": job(3), "status": "success", "end_point_type": "so"}]},
              {"X-Request-Id": "req-1"}),
    ])
    done = run(module)
    assert not done.failed and done.result["changed"] is True
    assert [r["outcome"] for r in done.result["results"]] == ["updated"] * 3
    assert done.result["request_ids"] == ["req-1"]
    put = module.transport.calls[1]
    assert put.method == "PUT" and put.url == "https://drs.test/v3/%s/jobs/batch-modify-pwd" % PROJECT
    assert body(put) == {"jobs": [{"job_id": job(1), "end_point_type": "so", "db_password": NEW},
                                  {"job_id": job(2), "end_point_type": "ta", "db_password": NEW},
                                  {"job_id": job(3), "end_point_type": "so", "db_password": NEW}]}
    assert NEW not in json.dumps(done.result)


def test_preflight_offender_fails_before_any_write():
    """One job in a disallowed state: the task fails after the status read; no write is ever sent."""
    jobs = [{"id": job(1), "endpoint": "source"}, {"id": job(2), "endpoint": "source"}]
    module = FakeModule({"jobs": jobs}, [status_reply((job(1), "INCRE_TRANSFER_STARTED"), (job(2), "CHANGE_JOB_STARTED"))])
    done = run(module)
    assert done.failed and "job %s is CHANGE_JOB_STARTED" % job(2) in done.result["msg"]
    assert len(module.transport.calls) == 1
    read = body(module.transport.calls[0])
    assert read == {"jobs": [job(1), job(2)], "page_req": {"cur_page": 1, "per_page": 100}}


def test_endpoints_go_in_calls_of_100_and_reads_in_pages_of_100():
    """125 jobs x 2 endpoints: status read in 2 calls (100 + 25 ids), writes in 3 calls (100 + 100 + 50 items)."""
    ids = [job(n) for n in range(125)]
    jobs = [{"id": i, "endpoint": side} for i in ids for side in ("source", "target")]

    def ok(call):
        items = body(call)["jobs"]
        return reply(200, {"count": len(items), "results": [
            {"id": it["job_id"], "status": "success", "end_point_type": it["end_point_type"]} for it in items]})

    module = FakeModule({"jobs": jobs}, [status_reply(*[(i, "INCRE_TRANSFER_STARTED") for i in ids[:100]]),
                                         status_reply(*[(i, "INCRE_TRANSFER_STARTED") for i in ids[100:]]),
                                         ok, ok, ok])
    done = run(module)
    assert not done.failed
    sizes = [len(body(c)["jobs"]) for c in module.transport.calls]
    assert sizes == [100, 25, 100, 100, 50]


def test_item_without_a_result_is_reported_failed():
    """A response that leaves out an item: that item is failed (MissingResult), the other one updated."""
    jobs = [{"id": job(1), "endpoint": "source"}, {"id": job(1), "endpoint": "target"}]
    module = FakeModule({"jobs": jobs}, [
        status_reply((job(1), "INCRE_TRANSFER_STARTED")),
        reply(200, {"count": 1, "results": [{"id": job(1), "status": "success", "end_point_type": "so"}]}),
    ])
    done = run(module)
    assert done.failed and done.result["changed"] is True
    assert [(r["endpoint"], r["outcome"], r["error_code"]) for r in done.result["results"]] == [
        ("source", "updated", None), ("target", "failed", "MissingResult")]


def test_server_error_on_the_write_is_not_resent_and_states_are_reread():
    """HTTP 500 on batch-modify-pwd: one write, then a status read; items are failed with may_have_applied."""
    module = FakeModule({"jobs": [{"id": job(1), "endpoint": "source"}]}, [
        status_reply((job(1), "INCRE_TRANSFER_STARTED")),
        reply(500, {"error_code": "DRS.M00004", "error_msg": "Service is abnormal."}, {"X-Request-Id": "req-500"}),
        status_reply((job(1), "INCRE_TRANSFER_FAILED")),
    ])
    done = run(module)
    assert done.failed and done.result["error"]["code"] == "DRS.M00004" and done.result["request_id"] == "req-500"
    item = done.result["results"][0]
    assert (item["outcome"], item["status"], item["may_have_applied"]) == ("failed", "INCRE_TRANSFER_FAILED", True)
    assert [c.method for c in module.transport.calls] == ["POST", "PUT", "POST"]


def test_check_mode_without_ledger_predicts_a_change_after_the_read_only():
    module = FakeModule({"jobs": [{"id": job(1), "endpoint": "target"}]},
                        [status_reply((job(1), "FULL_TRANSFER_COMPLETE"))], check_mode=True)
    done = run(module)
    assert not done.failed and done.result["changed"] is True and done.result["request_ids"] == []
    assert done.result["diff"] == {"before": {"%s/target" % job(1): "current"},
                                   "after": {"%s/target" % job(1): "rotated"}}
    assert len(module.transport.calls) == 1


def test_kerberos_is_sent_without_empty_fields():
    jobs = [{"id": job(1), "endpoint": "source", "password": "Own-Passw0rd!",
             "kerberos": {"key_tab_file": "a2V5dGFi", "user_principal": "repl@EXAMPLE", "domain_name": None,
                          "krb5_conf_file": None}}]
    module = FakeModule({"jobs": jobs, "password": None}, [
        status_reply((job(1), "INCRE_TRANSFER_STARTED")),
        reply(200, {"count": 1, "results": [{"id": job(1), "status": "success", "end_point_type": "so"}]}),
    ])
    run(module)
    assert body(module.transport.calls[1])["jobs"] == [{
        "job_id": job(1), "end_point_type": "so", "db_password": "Own-Passw0rd!",
        "kerberos": {"key_tab_file": "a2V5dGFi", "user_principal": "repl@EXAMPLE"}}]


def test_job_view_keeps_no_secret_fields():
    """drs_job_info whitelists fields: endpoint passwords and certificate secrets never come back."""
    entry = {"id": job(1), "name": "n", "status": "INCRE_TRANSFER_FAILED", "error_code": "DRS.KE0002",
             "source_endpoint": {"db_user": "repl", "ip": "10.0.0.1", "db_port": 3306, "db_password": "Secret-1",
                                 "ssl_cert_password": "Secret-2", "ssl_cert_key": "Secret-3"},
             "target_endpoint": {"db_user": "sink", "db_password": "Secret-4"}, "unknown_field": "Secret-5"}
    view = _drs.job_view(entry)
    assert "Secret" not in json.dumps(view)
    assert view["source_endpoint"]["db_user"] == "repl"
    assert (view["healthy"], view["password_change_allowed"]) == (False, True)
