# -*- coding: utf-8 -*-
# Copyright (c) 2026, credrotate.cloud contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""PRIVATE: Huawei DRS v3 API adapter: the raw calls of the DRS modules and the rotation (reference §2, §8.2).

:class:`DrsApi` wraps a :class:`_huawei.HuaweiClient`. It returns plain data and raises the
:mod:`_errors` hierarchy; it decides nothing. Every path is a template whose values go through
``path_params`` (see ``_huawei.build_path``).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.credrotate.cloud.plugins.module_utils._errors import ProviderError
from ansible_collections.credrotate.cloud.plugins.module_utils._targets import DRS_ENDPOINTS, chunks, unique

# Ids per batch read: every DRS batch read takes per_page 0-100 and at most 100 ids.
READ_PAGE = 100
MAX_LIST_PAGES = 1000  # 100,000 jobs: far above any project's DRS quota
# Items per batch-modify-pwd call. The API documents no limit for this call; 100 is the limit of
# every DRS batch read, so it is the size we rely on.
BATCH_SIZE = 100
ENDPOINT_TYPES = DRS_ENDPOINTS  # option value -> end_point_type
ENDPOINT_NAMES = dict((v, k) for k, v in ENDPOINT_TYPES.items())
# States in which batch-modify-pwd accepts a change (§2.2; START_JOB_FAILED and the constraint's
# STARTJOB_FAILED are the same state, PAUSEING is OTC's spelling).
ALLOWED_STATES = frozenset((
    "STARTJOBING", "START_JOB_FAILED", "STARTJOB_FAILED", "FULL_TRANSFER_STARTED", "FULL_TRANSFER_FAILED",
    "FULL_TRANSFER_COMPLETE", "INCRE_TRANSFER_STARTED", "INCRE_TRANSFER_FAILED", "PAUSING", "PAUSEING",
))
NOT_FOUND_CODES = frozenset(("DRS.M05003", "DRS.M05004", "DRS.10000010"))
TARGET = "DRS jobs"


def job_exists(entry):
    """True when a batch-status/batch-detail entry is a job (a missing id comes back with an error code)."""
    return entry is not None and bool(entry.get("status")) and entry.get("error_code") not in NOT_FOUND_CODES


class DrsApi(object):
    """The DRS v3 calls. Reads return dicts/lists; writes return ``ApiResult(data, request_id, http_status)``.

    Every method raises a :class:`_errors.CloudError` subclass (``target`` "DRS jobs").
    """

    def __init__(self, client):
        self.client = client

    def _post(self, path, body, path_params=None, write=False):
        return self.client.request("drs", "POST", path, body=body, path_params=path_params, write=write,
                                   target=TARGET)

    def _batch_read(self, action, job_ids):
        found = {}
        for chunk in chunks(unique(job_ids), READ_PAGE):
            body = {"jobs": chunk, "page_req": {"cur_page": 1, "per_page": READ_PAGE}}
            data = self._post("/v3/{project_id}/jobs/{action}", body, path_params={"action": action}).data or {}
            for entry in data.get("results") or []:
                if entry.get("id"):
                    found[entry["id"]] = entry
        return found

    def batch_status(self, job_ids):
        """``POST /v3/{project_id}/jobs/batch-status`` (100 ids a call): ``{job_id: entry}``.

        An entry has ``id``, ``status`` and, for an unknown id, ``error_code`` (:data:`NOT_FOUND_CODES`);
        an id the API leaves out is absent. Use :func:`job_exists`.
        """
        return self._batch_read("batch-status", job_ids)

    def batch_detail(self, job_ids):
        """``POST /v3/{project_id}/jobs/batch-detail`` (100 ids a call): ``{job_id: entry}`` with endpoints."""
        return self._batch_read("batch-detail", job_ids)

    def list_jobs(self, name=None, status=None, db_use_type=None):
        """Every job matching the filters (``POST /v3/{project_id}/jobs``, 100 a page, every page): a list."""
        filters = dict((k, v) for k, v in (("name", name), ("status", status), ("db_use_type", db_use_type)) if v)
        jobs, page = [], 1
        while True:
            data = self._post("/v3/{project_id}/jobs", dict(filters, cur_page=page, per_page=READ_PAGE)).data or {}
            batch = data.get("jobs") or []
            jobs.extend(batch)
            total = data.get("total_record")
            if not batch or (total is not None and len(jobs) >= int(total)):
                return jobs
            if page >= MAX_LIST_PAGES:  # bounded: a listing that does not end is an error, never a partial answer
                raise ProviderError("InternalError", "the DRS job list did not end after %d pages of %d jobs"
                                    % (MAX_LIST_PAGES, READ_PAGE), target=TARGET)
            page += 1

    def batch_modify_pwd(self, items):
        """``PUT /v3/{project_id}/jobs/batch-modify-pwd`` of at most :data:`BATCH_SIZE` items, one call.

        ``items``: ``[{"job_id", "end_point_type": "so"|"ta", "db_password", "kerberos"?}, ...]``.
        Returns ``ApiResult``; ``data["results"]`` has one ``{id, end_point_type, status: success|failed,
        error_code, error_msg}`` per item (HTTP 200 even when items fail). A write: retried only
        when it certainly did not apply; otherwise the error has ``may_have_applied``.
        """
        return self.client.request("drs", "PUT", "/v3/{project_id}/jobs/batch-modify-pwd", body={"jobs": list(items)},
                                   write=True, target=TARGET)

    def batch_retry_task(self, job_ids, is_sync_re_edit=None):
        """``POST /v3/{project_id}/jobs/batch-retry-task``: resume (retry) failed tasks, one call.

        The body is ``{"jobs": [{"job_id": id, "is_sync_re_edit": bool}, ...]}`` (SDK
        ``BatchRestoreTask``: ``BatchRetryReq`` of ``RetryInfo``; ``is_sync_re_edit`` is only sent when
        given: true when the job is started after a re-edit). Returns ``ApiResult``;
        ``data["results"]`` has one ``{id, status: success|failed, error_code, error_msg}`` per job.
        A write (not repeated after an answer that may have been lost).
        """
        jobs = []
        for job_id in unique(job_ids):
            item = {"job_id": job_id}
            if is_sync_re_edit is not None:
                item["is_sync_re_edit"] = bool(is_sync_re_edit)
            jobs.append(item)
        return self._post("/v3/{project_id}/jobs/batch-retry-task", {"jobs": jobs}, write=True)
