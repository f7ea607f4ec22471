# -*- coding: utf-8 -*-
# Copyright (c) 2026, credrotate.cloud contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""PRIVATE: GaussDB(for MySQL) v3 API adapter: instance, root reset, database users, async jobs (reference §5, §6).

:class:`GaussDbApi` wraps a :class:`_huawei.HuaweiClient`, returns plain data and raises the
:mod:`_errors` hierarchy; it decides nothing but how to wait for a job. Every path is a template
whose values go through ``path_params`` (see ``_huawei.build_path``).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.credrotate.cloud.plugins.module_utils._errors import (
    NotFoundError,
    ProviderError,
    WaitTimeoutError,
)
from ansible_collections.credrotate.cloud.plugins.module_utils._huawei_errors import JOB_NOT_FOUND, canonical_code

MAX_USERS_PER_CALL = 50
USERS_PAGE_SIZE = 100
# read_db_users stops after this many pages (100,000 accounts at the largest page size) and says so.
MAX_USER_PAGES = 1000
INSTANCE_PATH = "/v3/{project_id}/instances/{instance_id}"


def instance_target(instance_id):
    """The name errors and messages give an instance: ``GaussDB(for MySQL) instance <id>``."""
    return "GaussDB(for MySQL) instance %s" % instance_id


def _count(value):
    """``total_count`` as an int, or None when the answer has none (or not a number)."""
    try:
        return int(value) if value not in (None, "") and not isinstance(value, bool) else None
    except (TypeError, ValueError):
        return None


class GaussDbApi(object):
    """The GaussDB(for MySQL) calls; every method raises a :class:`_errors.CloudError` subclass."""

    def __init__(self, client):
        self.client = client

    def _request(self, method, path, instance_id, **kwargs):
        return self.client.request("gaussdb", method, path, path_params={"instance_id": instance_id},
                                   target=instance_target(instance_id), **kwargs)

    def show_instance_result(self, instance_id):
        """``GET /v3/{project_id}/instances/{instance_id}``: the ``ApiResult`` (``data["instance"]``, request id).

        A missing instance raises :class:`NotFoundError` (``DBS.200022``...).
        """
        return self._request("GET", INSTANCE_PATH, instance_id)

    def show_instance(self, instance_id):
        """``GET /v3/{project_id}/instances/{instance_id}``: the ``instance`` dict (``{}`` if the answer has none).

        A missing instance raises :class:`NotFoundError` (``DBS.200022``...).
        """
        return (self.show_instance_result(instance_id).data or {}).get("instance") or {}

    def reset_root_password(self, instance_id, password):
        """``POST .../instances/{instance_id}/password`` (synchronous root reset): ``ApiResult``. A write."""
        return self._request("POST", INSTANCE_PATH + "/password", instance_id, body={"password": password},
                             write=True)

    def list_db_users_page(self, instance_id, offset=0, limit=USERS_PAGE_SIZE):
        """One page of database accounts, ``GET .../db-users?offset=&limit=`` (``limit`` 1 to 100): ``ApiResult``.

        ``data`` is ``{"total_count": N, "users": [{name, host, comment, databases: [{name, readonly}]}]}``.
        """
        return self._request("GET", INSTANCE_PATH + "/db-users", instance_id,
                             query={"offset": offset, "limit": limit})

    def list_db_users(self, instance_id, page_size=USERS_PAGE_SIZE):
        """Every database account (``GET .../db-users``, offset/limit pages): ``[{name, host, ...}, ...]``."""
        users, offset = [], 0
        while True:
            page = self.list_db_users_page(instance_id, offset, page_size).data or {}
            batch = page.get("users") or []
            users.extend(batch)
            offset += len(batch)
            total = page.get("total_count")
            if not batch or (total is not None and offset >= int(total)):
                return users

    def read_db_users(self, instance_id, page_size=USERS_PAGE_SIZE, max_pages=MAX_USER_PAGES):
        """Every database account, in at most ``max_pages`` pages of ``page_size``: a dict.

        ``{"users": [...], "total_count": N or None, "complete": bool, "pages": n, "request_ids": [...]}``.
        Paging stops at an empty page, once ``total_count`` accounts were read, at a short page when the
        answer has no ``total_count``, at a page that brings no account not seen before (a server that
        ignores ``offset``; ``complete`` false), or after ``max_pages`` pages (``complete`` false unless
        that page was the last). An account (name and host) listed twice is kept once.
        """
        users, seen, request_ids, offset, pages = [], set(), [], 0, 0
        total = None
        while pages < max_pages:
            answer = self.list_db_users_page(instance_id, offset, page_size)
            pages += 1
            if answer.request_id:
                request_ids.append(answer.request_id)
            data = answer.data or {}
            total = _count(data.get("total_count"))
            batch = [u for u in data.get("users") or [] if isinstance(u, dict)]
            fresh = [u for u in batch if (u.get("name"), u.get("host")) not in seen]
            seen.update((u.get("name"), u.get("host")) for u in fresh)
            users.extend(fresh)
            offset += len(batch)
            if not batch or (total is not None and offset >= total) or (total is None and len(batch) < page_size):
                return dict(users=users, total_count=total, complete=True, pages=pages, request_ids=request_ids)
            if not fresh:
                break
        return dict(users=users, total_count=total, complete=False, pages=pages, request_ids=request_ids)

    def change_db_user_passwords(self, instance_id, users):
        """``PUT .../db-users/password`` for at most :data:`MAX_USERS_PER_CALL` ``{name, host, password}``.

        Asynchronous: ``ApiResult`` whose ``data["job_id"]`` is the job to wait for. A write.
        """
        users = [{"name": u["name"], "host": u["host"], "password": u["password"]} for u in users]
        return self._request("PUT", INSTANCE_PATH + "/db-users/password", instance_id, body={"users": users},
                             write=True)

    def show_job(self, job_id, target=None):
        """``GET /v3/{project_id}/jobs?id=<job_id>``: ``ApiResult`` whose ``data["job"]`` has ``status``."""
        return self.client.request("gaussdb", "GET", "/v3/{project_id}/jobs", query={"id": job_id}, target=target)

    def wait_job(self, job_id, timeout=600, poll=2.0, max_poll=15.0, target=None):
        """Poll :meth:`show_job` until ``Completed`` (return the job dict) or ``Failed``.

        ``Pending``/``Running`` continue; "job not found" (DBS.200543) is transient until the
        deadline. ``Failed`` raises :class:`ProviderError` (code ``JobFailed``) whose
        ``fail_reason`` and ``job`` attributes hold the provider's reason and job; the deadline
        raises :class:`WaitTimeoutError` (``JobTimeout``, may have applied) naming the job. The
        client's retry clock and sleep pace the polling (``poll`` growing 1.5x up to ``max_poll``).
        """
        clock, sleep = self.client.retry.clock, self.client.retry.sleep
        start, interval, status = clock(), poll, "not found"
        while True:
            try:
                result = self.show_job(job_id, target=target)
                job = (result.data or {}).get("job") or {}
                status = job.get("status") or "unknown"
                if status == "Completed":
                    return job
                if status == "Failed":
                    reason = job.get("fail_reason") or "no reason given"
                    err = ProviderError("JobFailed", "GaussDB job %s failed: %s" % (job_id, reason),
                                        request_id=result.request_id, target=target)
                    err.fail_reason, err.job = job.get("fail_reason"), job
                    raise err
            except NotFoundError as err:
                if canonical_code(err.code) != JOB_NOT_FOUND:
                    raise
            left = timeout - (clock() - start)
            if left <= 0:
                raise WaitTimeoutError("JobTimeout", "GaussDB job %s did not finish within %s seconds (last status: "
                                       "%s)" % (job_id, timeout, status), target=target)
            sleep(min(interval, left))
            interval = min(interval * 1.5, max_poll)
