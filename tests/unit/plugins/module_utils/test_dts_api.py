# -*- coding: utf-8 -*-
# Copyright (c) 2026, credrotate.cloud contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""DtsApi.start_job (``StartDtsJob``): on a recording client, and through AlibabaClient at the HTTP boundary.

The recording client pins what the adapter asks for (action, parameters, the ``write`` flag that
stops the retry layer from repeating a start that may have applied). The HTTP-boundary tests send
it through the real AlibabaClient on a scripted transport and check the signed request and how
answers come back.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.credrotate.cloud.plugins.module_utils import _alibaba as ali
from ansible_collections.credrotate.cloud.plugins.module_utils import _errors as e
from ansible_collections.credrotate.cloud.plugins.module_utils import _signing
from ansible_collections.credrotate.cloud.plugins.module_utils._dts_api import (
    FAILED_STATES,
    JOB_STATUS_DENIED,
    START_ACCEPTS,
    DtsApi,
)
from ansible_collections.credrotate.cloud.plugins.module_utils._transport import ApiResult
from ansible_collections.credrotate.cloud.tests.unit.plugins.module_utils.fakes import FakeClient, reply
from emulator import dts_jobs, verify  # the emulator's job rules and its Authorization parser

try:
    from urllib.parse import parse_qsl, urlsplit
except ImportError:  # pragma: no cover
    from urlparse import parse_qsl, urlsplit  # type: ignore

PARAMS = {"access_key": "LTAI5tEXAMPLEAKID0001", "secret_key": "exampleAccessKeySecret0001", "region": "cn-hangzhou"}
OK = {"RequestId": "601B6F25-21E7-4484-99D5-3EF2625CAAAA", "HttpStatusCode": 200, "Success": True}
JOB = "l3m1213ye7l1234"


def api_over(transport, make_retry, attempts=5):
    return DtsApi(ali.AlibabaClient(dict(PARAMS), transport, make_retry(attempts=attempts)))


# --- recording client ---------------------------------------------------------------------------


def test_start_job_asks_for_start_dts_job_as_a_write():
    """Forward: DtsJobId and RegionId only; reverse adds SynchronizationDirection; always a write, no secrets."""
    client = FakeClient([ApiResult(OK, OK["RequestId"], 200), {"Success": True}])
    api = DtsApi(client)
    result = api.start_job(JOB)
    assert (result.data, result.request_id) == (OK, OK["RequestId"])
    api.start_job(JOB, direction="reverse", target="label")
    forward, reverse = client.calls
    assert (forward.action, forward.params, forward.secret_params, forward.write, forward.target) == (
        "StartDtsJob", [("DtsJobId", JOB), ("RegionId", "cn-hangzhou")], [], True, "dts job %s" % JOB)
    assert reverse.params[-1] == ("SynchronizationDirection", "Reverse") and reverse.target == "label"


def test_start_job_passes_errors_through():
    """An error from the client reaches the caller unchanged."""
    refused = e.ProviderError(JOB_STATUS_DENIED[0], "The operation is not supported when the job status is x.")
    with pytest.raises(e.ProviderError) as info:
        DtsApi(FakeClient([refused])).start_job(JOB)
    assert info.value is refused


def test_start_states_are_the_emulators_and_cover_each_failed_state_it_can_restart():
    """START_ACCEPTS is the set the emulator implements (so an engine tested there sees the same rule);
    every job type's password-failure status is in it, PrecheckFailed is not."""
    assert START_ACCEPTS == dts_jobs.ACCEPTS_START
    assert set(s.lower() for s in dts_jobs.FAILED_STATUS.values()) <= START_ACCEPTS
    assert "precheckfailed" in FAILED_STATES and "precheckfailed" not in START_ACCEPTS


# --- HTTP boundary --------------------------------------------------------------------------------


def test_start_job_sends_one_signed_post_with_an_empty_body(transport, make_retry):
    """POST /?DtsJobId=..&RegionId=.. with x-acs-action StartDtsJob, empty body hashed as such, a V3
    signature that verifies; the answer's RequestId comes back."""
    transport.add(reply(200, OK))
    result = api_over(transport, make_retry).start_job(JOB, direction="reverse")
    assert (result.data["Success"], result.request_id, result.http_status) == (True, OK["RequestId"], 200)
    call, = transport.calls
    parts = urlsplit(call.url)
    assert (call.method, parts.scheme + "://" + parts.netloc, parts.path) == ("POST", "https://dts.aliyuncs.com", "/")
    query = parse_qsl(parts.query, keep_blank_values=True)
    assert dict(query) == {"DtsJobId": JOB, "RegionId": "cn-hangzhou", "SynchronizationDirection": "Reverse"}
    assert call.body == b"" and call.headers["x-acs-content-sha256"] == _signing.EMPTY_SHA256
    assert (call.headers["x-acs-action"], call.headers["x-acs-version"]) == ("StartDtsJob", "2020-01-01")
    access, names, signature = verify.parse_aliyun_v3_authorization(call.headers["Authorization"])
    canonical = _signing.aliyun_v3_canonical_request("POST", "/", query, call.headers, _signing.EMPTY_SHA256,
                                                     signed_headers=names)[0]
    assert access == PARAMS["access_key"]
    assert _signing.aliyun_v3_signature(PARAMS["secret_key"], _signing.aliyun_v3_string_to_sign(canonical)) == signature


def refusal(code, status):
    return reply(200, {"RequestId": "r-1", "Success": False, "ErrCode": code, "Code": code,
                       "ErrMessage": "The operation is not supported when the job status is %s.",
                       "DynamicMessage": status, "HttpStatusCode": 403})


def test_refused_status_raises_with_the_code(transport, make_retry):
    """A Success:false answer in HTTP 200 (a running job refuses a start) raises a CloudError with DTS's
    code, the status in the message and the request id; nothing is repeated."""
    transport.add(refusal(JOB_STATUS_DENIED[0], "Synchronizing"))
    with pytest.raises(e.CloudError) as info:
        api_over(transport, make_retry).start_job(JOB)
    assert (info.value.code, info.value.request_id) == (JOB_STATUS_DENIED[0], "r-1")
    assert "Synchronizing" in info.value.message
    assert len(transport.calls) == 1


def test_modifying_job_is_busy_and_the_start_is_retried(transport, make_retry):
    """JobStatusModifying means "busy, try again": the start is sent again and then goes through."""
    transport.add(refusal(JOB_STATUS_DENIED[1], "Modifying"), reply(200, OK))
    assert api_over(transport, make_retry).start_job(JOB).data["Success"] is True
    assert len(transport.calls) == 2


def test_server_error_is_not_repeated_and_may_have_applied(transport, make_retry):
    """A 503 on the start may have started the job: the write is not retried and says so."""
    transport.add(reply(503, {"RequestId": "r-2", "Code": "ServiceUnavailable", "Message": "try later"}),
                  reply(200, OK))
    with pytest.raises(e.CloudError) as info:
        api_over(transport, make_retry).start_job(JOB)
    assert info.value.code == "ServiceUnavailable" and info.value.may_have_applied is True
    assert len(transport.calls) == 1


def test_throttled_start_is_retried(transport, make_retry):
    """Throttling rejected the request before it ran: the start is sent again (freshly signed)."""
    transport.add(reply(400, {"RequestId": "r-3", "Code": "Throttling.User", "Message": "flow control"}),
                  reply(200, OK))
    assert api_over(transport, make_retry).start_job(JOB).data["Success"] is True
    first, second = transport.calls
    assert first.headers["x-acs-signature-nonce"] != second.headers["x-acs-signature-nonce"]


def test_a_dts_listing_lists_its_job_types_at_once_and_answers_in_type_order():
    """Each job type is listed page after page, the types at the same time (a barrier proves that every type's
    first page is in flight together); the views come back in the order of the types, and the first failing
    type (in that order) fails the listing."""
    import threading

    from ansible_collections.credrotate.cloud.plugins.module_utils import _dts_info
    from ansible_collections.credrotate.cloud.plugins.module_utils._errors import ProviderError, TaskFailed

    types = ["MIGRATION", "SYNC", "SUBSCRIBE"]
    barrier = threading.Barrier(len(types), timeout=10)

    class Api:
        fail = ()

        def list_page(self, job_type, page, page_size, status=None):
            if page == 1:
                barrier.wait()  # raises BrokenBarrierError after 10 s if the types were listed one by one
            if job_type in self.fail:
                raise ProviderError("Throttling", "slow down %s" % job_type, http_status=400, request_id="r")
            items = [{"DtsJobId": "%s-%d-%d" % (job_type, page, n), "DtsJobName": "", "Status": "Synchronizing"}
                     for n in range(2)] if page <= 2 else []
            return {"DtsJobList": items, "TotalRecordCount": 4}, "req-%s-%d" % (job_type, page)

    jobs, request_ids = _dts_info.list_jobs(Api(), types, 2, concurrency=8)
    assert [j["id"] for j in jobs] == ["%s-%d-%d" % (t, p, n) for t in types for p in (1, 2) for n in range(2)]
    assert request_ids == ["req-%s-%d" % (t, p) for t in types for p in (1, 2)]
    failing = Api()
    failing.fail = ("SUBSCRIBE", "SYNC")
    with pytest.raises(TaskFailed) as info:
        _dts_info.list_jobs(failing, types, 2, concurrency=8)
    assert "Cannot list DTS SYNC jobs (page 1)" in str(info.value)
