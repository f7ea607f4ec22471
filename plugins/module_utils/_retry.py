# -*- coding: utf-8 -*-
# Copyright (c) 2026, credrotate.cloud contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""PRIVATE: the one retry layer: capped exponential backoff with full jitter, attempts and a deadline.

The caller passes a function that builds, signs and sends one request, so every attempt is
signed afresh (new date and nonce). Policy, driven by ``CloudError.retry``:

* errors with ``retry=None`` (auth, validation, not found, policy, wrong password, state)
  are raised at once: one call;
* ``"safe"`` errors (throttled, busy, connection refused, connect timeout) are retried for
  reads and writes: the request certainly did not apply;
* ``"unsafe"`` errors (5xx, read timeout, dropped connection) are retried for reads; for a
  write they are raised at once with ``may_have_applied=True`` so that the caller re-reads
  state before deciding anything.

A server hint (``retry_after`` on the error, from ``Retry-After`` or ``x-acs-retry-after``)
replaces the computed backoff for that attempt.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import random
import time

from ansible_collections.credrotate.cloud.plugins.module_utils._errors import CloudError

DEFAULT_ATTEMPTS = 5
DEFAULT_DEADLINE = 120.0
DEFAULT_BASE = 1.0
DEFAULT_CAP = 20.0


class Retry(object):
    """Runs ``send()`` until it succeeds, the error is not retryable, or attempts/deadline run out.

    ``attempts`` counts calls (``attempts=1`` means no retry). ``deadline`` is in seconds from the
    first call; a retry whose wait would end past it is not made. ``sleep``, ``clock`` (monotonic
    seconds) and ``rand`` (anything with ``uniform(a, b)``) are injectable for tests.
    """

    def __init__(self, attempts=DEFAULT_ATTEMPTS, deadline=DEFAULT_DEADLINE, base=DEFAULT_BASE, cap=DEFAULT_CAP,
                 sleep=time.sleep, clock=time.monotonic, rand=random):
        self.attempts = max(1, int(attempts or 1))
        self.deadline = deadline
        self.base = base
        self.cap = cap
        self.sleep = sleep
        self.clock = clock
        self.rand = rand
        self.calls = 0  # calls made by the most recent ``call()`` (informational; one Retry may serve threads)

    def backoff(self, retry_number):
        """Full jitter: uniform(0, min(cap, base * 2**retry_number)); ``retry_number`` starts at 0."""
        return self.rand.uniform(0, min(self.cap, self.base * (2 ** retry_number)))

    def remaining(self, start):
        """Seconds left before the deadline of a call started at ``start`` (None: no deadline)."""
        if self.deadline is None:
            return None
        return self.deadline - (self.clock() - start)

    def call(self, send, write=False):
        """Return ``send()``'s result, retrying per the policy above; re-raise the last error."""
        start = self.clock()
        calls = 0
        while True:
            calls += 1
            self.calls = calls
            try:
                return send()
            except CloudError as err:
                if err.retry is None:
                    raise
                if err.retry == "unsafe" and write:
                    err.may_have_applied = True
                    raise
                if calls >= self.attempts:
                    raise
                hint = getattr(err, "retry_after", None)
                wait = hint if hint is not None and hint >= 0 else self.backoff(calls - 1)
                left = self.remaining(start)
                if left is not None and wait > left:
                    raise
                self.sleep(wait)
