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
