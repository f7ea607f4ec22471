# -*- coding: utf-8 -*-
# Copyright (c) 2026, credrotate.cloud contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Test doubles at the HTTP boundary: a scripted transport, a fake clock and a recorded sleep."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import collections
import json

from ansible_collections.credrotate.cloud.plugins.module_utils._transport import Response

Call = collections.namedtuple("Call", ["method", "url", "headers", "body"])


def reply(status=200, body=None, headers=None):
    """A :class:`Response`; a dict/list body is JSON-encoded, bytes/str are sent as they are."""
    if isinstance(body, (dict, list)):
        raw = json.dumps(body).encode("utf-8")
    elif isinstance(body, str):
        raw = body.encode("utf-8")
    else:
        raw = body or b""
    return Response(status, headers or {}, raw)


class FakeTransport(object):
    """Plays back scripted responses (or raises scripted exceptions) and records every request.

    A script item may be a Response, an exception, or a callable ``(call) -> Response``.
    """

    user_agent = "credrotate.cloud/0.0.0-test (ansible-core/test; python/test)"

    def __init__(self, script=()):
        self.script = list(script)
        self.calls = []

    def add(self, *items):
        self.script.extend(items)
        return self

    def request(self, method, url, headers=None, body=None, timeout=None):
        call = Call(method, url, dict(headers or {}), body or b"")
        self.calls.append(call)
        if not self.script:
            raise AssertionError("unexpected request %s %s" % (method, url))
        item = self.script.pop(0)
        if isinstance(item, BaseException):
            raise item
        if callable(item):
            return item(call)
        return item


class FakeClock(object):
    """Monotonic clock that advances only when the code sleeps."""

    def __init__(self):
        self.now = 1000.0
        self.sleeps = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


class MaxRandom(object):
    """``uniform(a, b)`` returning ``b``: makes the jittered backoff equal to its ceiling."""

    def uniform(self, a, b):
        return b


class Done(object):
    """What :meth:`FakeHuaweiModule.run` returns instead of exiting: ``failed`` and the ``result`` dict."""

    def __init__(self, failed, result):
        self.failed, self.result = failed, result


class FakeHuaweiModule(object):
    """What a module's ``main()`` hands a service: params, check mode, a client on a scripted transport.

    :meth:`run` calls a service the way ``main()`` does and returns :class:`Done` instead of exiting.
    Subclasses set ``base`` (default params) and may set ``attempts`` (retry attempts).
    """

    base = {}
    attempts = 4

    def __init__(self, params, script, check_mode=False):
        from ansible_collections.credrotate.cloud.plugins.module_utils._huawei import HuaweiClient
        from ansible_collections.credrotate.cloud.plugins.module_utils._retry import Retry

        self.params = dict(self.base, **params)
        self.check_mode = check_mode
        self.transport = FakeTransport(script)
        self.clock = FakeClock()
        self.client = HuaweiClient(self.params, self.transport, Retry(
            attempts=self.attempts, deadline=None, sleep=self.clock.sleep, clock=self.clock, rand=MaxRandom()))
        self.warnings = []

    def ledger(self):
        from ansible_collections.credrotate.cloud.plugins.module_utils._ledger import open_ledger

        return open_ledger(self.params.get("ledger"))

    def prober(self, kind):
        from ansible_collections.credrotate.cloud.plugins.module_utils._probes import Prober

        return Prober.from_params(self.params, kind)

    def run(self, service):
        """``service()`` as ``main()`` runs it: :class:`Done` with the result, or the failure a module reports.

        Warnings of either go to :attr:`warnings`.
        """
        from ansible_collections.credrotate.cloud.plugins.module_utils._errors import CollectionError, failure_result

        try:
            result = service()
        except CollectionError as err:
            done = Done(True, failure_result(err))
        else:
            done = Done(False, dict(result))
        self.warnings.extend(done.result.pop("warnings", None) or [])
        return done


HuaweiCall = collections.namedtuple("HuaweiCall", ["service", "method", "path", "path_params", "query", "body",
                                                   "write", "target"])
AlibabaCall = collections.namedtuple("AlibabaCall", ["action", "params", "secret_params", "write", "target"])


class FakeClient(object):
    """A provider client that records each call an API adapter makes and plays back scripted answers.

    ``request()`` (HuaweiClient's) and ``call()`` (AlibabaClient's) append a :data:`HuaweiCall` or
    :data:`AlibabaCall` to :attr:`calls` and return the next script item: an ``ApiResult``, a dict
    (the answer's data), or an exception to raise. The path stays a template: what the adapter
    passed, with its ``path_params`` beside it.
    """

    region = "cn-hangzhou"

    def __init__(self, script=()):
        self.script = list(script)
        self.calls = []

    def _answer(self):
        from ansible_collections.credrotate.cloud.plugins.module_utils._transport import ApiResult

        if not self.script:
            raise AssertionError("unexpected call %r" % (self.calls[-1],))
        item = self.script.pop(0)
        if isinstance(item, BaseException):
            raise item
        if isinstance(item, dict):
            return ApiResult(item, "req-%d" % len(self.calls), 200)
        return item

    def request(self, service, method, path, query=None, body=None, write=False, target=None, path_params=None):
        self.calls.append(HuaweiCall(service, method, path, dict(path_params or {}), query, body, write, target))
        return self._answer()

    def call(self, action, params=None, secret_params=None, write=False, target=None):
        self.calls.append(AlibabaCall(action, list(params or []), list(secret_params or []), write, target))
        return self._answer()
