# -*- coding: utf-8 -*-
# Copyright (c) 2026, credrotate.cloud contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The retry layer (in the style of amazon.aws retry tests): call counts, backoff, hints, deadline."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import random
import threading

import pytest

from ansible_collections.credrotate.cloud.plugins.module_utils import _errors as e
from ansible_collections.credrotate.cloud.plugins.module_utils._retry import Retry


class Script(object):
    """A send() function that raises the scripted errors in turn, then returns "done"."""

    def __init__(self, *errors):
        self.errors = list(errors)
        self.calls = 0

    def __call__(self):
        self.calls += 1
        if self.errors:
            error = self.errors.pop(0)
            raise error() if callable(error) else error
        return "done"


def throttled():
    return e.ThrottledError("APIGW.0308", "policy user over ratelimit", http_status=429)


def server_error():
    return e.ProviderError("DCS.5000", "internal error", server_error=True, http_status=500)


def always(make, n=50):
    return [make] * n


def test_no_failure_means_one_call(make_retry, clock):
    """A successful send is called once and nothing sleeps."""
    send = Script()
    assert make_retry().call(send) == "done"
    assert send.calls == 1 and clock.sleeps == []


def test_throttled_once_means_two_calls(make_retry):
    """One throttling error, then success: exactly two calls."""
    send = Script(throttled)
    assert make_retry().call(send) == "done"
    assert send.calls == 2


def test_always_throttled_makes_exactly_the_configured_attempts_then_raises_provider_code(make_retry):
    """Persistent throttling: exactly `attempts` calls, then the provider's error code is raised."""
    send = Script(*always(throttled))
    retry = make_retry(attempts=4)
    with pytest.raises(e.ThrottledError) as info:
        retry.call(send)
    assert send.calls == 4 and retry.calls == 4
    assert info.value.code == "APIGW.0308"


@pytest.mark.parametrize("error", [
    e.AuthError("APIGW.0301", "verify aksk signature fail", http_status=401),
    e.ProviderError("DRS.M00202", "invalid value", http_status=400),
    e.NotFoundError("DCS.3022", "no instance", http_status=404),
    e.PolicyError("DCS.4019", "complexity", http_status=400),
    e.PreconditionError("DRS.M00304", "wrong state", http_status=400),
    e.ProviderError("DCS.4080", "password verify failed", http_status=400),
    e.TransportError("InvalidRequest", "bad url", retryable=False),
])
@pytest.mark.parametrize("write", [False, True])
def test_non_retryable_errors_mean_one_call(make_retry, error, write):
    """Auth, validation, not found, policy, state and wrong-password errors: one call, never retried."""
    send = Script(error)
    with pytest.raises(type(error)):
        make_retry().call(send, write=write)
    assert send.calls == 1


@pytest.mark.parametrize("error", [
    server_error,
    lambda: e.TransportError("ReadTimeout", "no response", may_have_applied=True),
    lambda: e.TransportError("ConnectionLost", "reset", may_have_applied=True),
])
def test_unsafe_error_on_a_write_means_one_call_and_may_have_applied(make_retry, error):
    """A 5xx or read timeout on a write raises at once with may_have_applied=True (caller re-reads)."""
    send = Script(error)
    with pytest.raises(e.CloudError) as info:
        make_retry().call(send, write=True)
    assert send.calls == 1
    assert info.value.may_have_applied is True
    assert info.value.failure_dict()["may_have_applied"] is True


def test_unsafe_error_on_a_read_is_retried(make_retry):
    """A 5xx on a read is retried."""
    send = Script(server_error, server_error)
    assert make_retry().call(send, write=False) == "done"
    assert send.calls == 3


@pytest.mark.parametrize("error", [
    throttled,
    lambda: e.BusyError("DCS.4115", "the instance is changing the password"),
    lambda: e.TransportError("ConnectionFailed", "connection refused"),
    lambda: e.TransportError("ConnectTimeout", "connect timeout"),
    lambda: e.ThrottledError("429", "too many requests", http_status=429),
])
def test_write_is_retried_when_it_certainly_did_not_apply(make_retry, error):
    """Throttled, busy, connection refused, connect timeout and 429 are retried even for a write."""
    send = Script(error)
    assert make_retry().call(send, write=True) == "done"
    assert send.calls == 2


def test_backoff_grows_exponentially_and_is_capped(make_retry, clock):
    """With the jitter at its maximum the waits are base*2**n, capped at `cap`."""
    send = Script(*always(throttled, 7))
    with pytest.raises(e.ThrottledError):
        make_retry(attempts=7, base=1.0, cap=10.0).call(send)
    assert clock.sleeps == [1.0, 2.0, 4.0, 8.0, 10.0, 10.0]


def test_backoff_is_full_jitter(clock):
    """Each wait is uniform(0, min(cap, base*2**n)): the injected random sees exactly those bounds."""
    bounds = []

    class Recorder(object):
        def uniform(self, a, b):
            bounds.append((a, b))
            return b / 2.0

    retry = Retry(attempts=4, deadline=None, base=0.5, cap=1.5, sleep=clock.sleep, clock=clock, rand=Recorder())
    with pytest.raises(e.ThrottledError):
        retry.call(Script(*always(throttled, 4)))
    assert bounds == [(0, 0.5), (0, 1.0), (0, 1.5)]
    assert clock.sleeps == [0.25, 0.5, 0.75]


def test_backoff_with_real_random_stays_within_bounds(clock):
    """With a seeded real random generator every wait lies in [0, ceiling] and they differ."""
    retry = Retry(attempts=6, deadline=None, base=1.0, cap=8.0, sleep=clock.sleep, clock=clock,
                  rand=random.Random(42))
    with pytest.raises(e.ThrottledError):
        retry.call(Script(*always(throttled, 6)))
    ceilings = [1.0, 2.0, 4.0, 8.0, 8.0]
    assert all(0 <= wait <= ceiling for wait, ceiling in zip(clock.sleeps, ceilings))
    assert len(set(clock.sleeps)) == len(clock.sleeps)


def test_retry_after_hint_replaces_the_backoff(make_retry, clock):
    """A server hint (Retry-After / x-acs-retry-after, in seconds) is the wait for that attempt."""
    hinted = e.ThrottledError("Throttling.User", "slow down", retry_after=3.5)
    send = Script(hinted, throttled)
    assert make_retry().call(send) == "done"
    assert clock.sleeps == [3.5, 2.0]


def test_deadline_stops_retries(make_retry, clock):
    """No retry starts when its wait would end past the deadline; the last error is raised."""
    send = Script(*always(throttled))
    with pytest.raises(e.ThrottledError):
        make_retry(attempts=50, deadline=10.0, base=1.0, cap=100.0).call(send)
    assert clock.sleeps == [1.0, 2.0, 4.0]  # 7 s spent, the next wait (8 s) would pass 10 s
    assert send.calls == 4


def test_deadline_applies_to_retry_after_too(make_retry, clock):
    """A Retry-After longer than the time left is not waited for."""
    send = Script(e.ThrottledError("APIGW.0308", "x", retry_after=60))
    with pytest.raises(e.ThrottledError):
        make_retry(deadline=30.0).call(send)
    assert send.calls == 1 and clock.sleeps == []


def test_each_attempt_calls_send_again_so_it_is_resigned(make_retry):
    """The retry layer calls the caller's send() per attempt (where signing happens), never replays."""
    nonces = []

    def send():
        nonces.append(len(nonces))
        if len(nonces) < 3:
            raise throttled()
        return nonces[-1]

    assert make_retry().call(send) == 2
    assert nonces == [0, 1, 2]


def test_attempts_of_one_disables_retries(make_retry):
    """attempts=1 means a single call."""
    send = Script(throttled)
    with pytest.raises(e.ThrottledError):
        make_retry(attempts=1).call(send)
    assert send.calls == 1


def test_one_retry_object_serves_concurrent_threads():
    """Attempt counting is per call: eight threads sharing one Retry each get exactly two calls."""
    retry = Retry(attempts=2, deadline=None, sleep=lambda s: None, rand=random.Random(1))
    sends = [Script(throttled) for n in range(8)]
    threads = [threading.Thread(target=retry.call, args=(send,)) for send in sends]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(5)
    assert [send.calls for send in sends] == [2] * 8
