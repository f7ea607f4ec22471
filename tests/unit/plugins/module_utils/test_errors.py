# -*- coding: utf-8 -*-
# Copyright (c) 2026, credrotate.cloud contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The exception hierarchy, the pinned failure shape and redaction."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.credrotate.cloud.plugins.module_utils import _errors as e


def test_failure_dict_shape_is_pinned():
    """failure_dict() has exactly msg, error{code,message,kind}, http_status, request_id (amazon.aws style)."""
    err = e.ProviderError("DRS.M00202", "The value of job_id is invalid", http_status=400, request_id="req-1")
    assert err.failure_dict("Cannot change the password of DRS job j1") == {
        "msg": "Cannot change the password of DRS job j1: DRS.M00202: The value of job_id is invalid",
        "error": {"code": "DRS.M00202", "message": "The value of job_id is invalid", "kind": "provider"},
        "http_status": 400,
        "request_id": "req-1",
    }


def test_failure_dict_adds_target_and_may_have_applied_only_when_set():
    """A target and may_have_applied appear in the failure only when they are known/true."""
    err = e.TransportError("ReadTimeout", "PUT https://h/p: no response", may_have_applied=True, target="drs:j1:so")
    failure = err.failure_dict()
    assert failure["target"] == "drs:j1:so"
    assert failure["may_have_applied"] is True
    assert "drs:j1:so" in failure["msg"]
    assert "may_have_applied" not in e.AuthError("APIGW.0301", "bad").failure_dict()


@pytest.mark.parametrize("cls,kind,retry", [
    (e.AuthError, "auth", None),
    (e.NotFoundError, "not_found", None),
    (e.ThrottledError, "throttled", "safe"),
    (e.BusyError, "busy", "safe"),
    (e.PreconditionError, "precondition", None),
    (e.PolicyError, "policy", None),
    (e.ProviderError, "provider", None),
    (e.ConfigError, "config", None),
])
def test_each_class_has_a_kind_and_a_retry_policy(cls, kind, retry):
    """Every class is a CloudError with a stable kind name and the documented retry policy."""
    err = cls("X", "y")
    assert isinstance(err, e.CloudError)
    assert err.kind == kind and err.retry == retry


def test_provider_server_error_is_unsafe_retry_and_nonce_reuse_is_safe():
    """A 5xx-class provider error may have applied ("unsafe"); a safe provider error did not."""
    assert e.ProviderError("InternalError", "x", server_error=True).retry == "unsafe"
    assert e.ProviderError("SignatureNonceUsed", "x", retry_safe=True).retry == "safe"


def test_transport_error_retry_follows_may_have_applied():
    """Connect failures are safe to repeat, read timeouts are not for writes, invalid URLs never."""
    assert e.TransportError("ConnectionFailed", "x").retry == "safe"
    assert e.TransportError("ReadTimeout", "x", may_have_applied=True).retry == "unsafe"
    assert e.TransportError("InvalidRequest", "x", retryable=False).retry is None


def test_str_carries_code_status_and_request_id():
    """str(err) is one line with code, message, HTTP status and request id."""
    assert str(e.NotFoundError("DCS.3022", "no such instance", http_status=404, request_id="r9")) == (
        "DCS.3022: no such instance (HTTP 404) [request id r9]")


def test_redact_replaces_every_secret_longest_first():
    """redact() hides each secret, also one that contains another, and ignores empty values."""
    text = "token=abc123XYZ and key=abc and nothing"
    assert e.redact(text, ["abc", "abc123XYZ", "", None]) == "token=******** and key=******** and nothing"


def test_redact_data_walks_nested_structures():
    """redact_data() reaches strings in nested dicts and lists, keys included."""
    data = {"msg": "failed with s3cret", "error": {"message": ["s3cret", 5]}, "s3cret": None}
    assert e.redact_data(data, ["s3cret"]) == {
        "msg": "failed with ********", "error": {"message": ["********", 5]}, "********": None}


SECRET_TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=12).filter(
    lambda text: text not in e.REDACTED)  # a secret inside the mask itself cannot be hidden by masking
JSON_DATA = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=20)


@settings(max_examples=300, deadline=None)
@given(data=JSON_DATA, secret=SECRET_TEXT, where=st.sampled_from(["none", "value", "key", "inside"]))
def test_redact_data_hides_a_secret_anywhere_and_leaves_clean_data_as_it_is(data, secret, where):
    """The JSON pre-check (a result without a secret is not walked) never lets a secret through: secrets
    with quotes, backslashes, control and non-ASCII characters, in keys and values, at any depth."""
    if where == "value":
        data = {"result": [data, secret]}
    elif where == "key":
        data = {secret: data}
    elif where == "inside":
        data = {"msg": "before %s after" % secret, "more": data}
    redacted = e.redact_data(data, [secret])
    assert not any(secret in text for text in _strings(redacted))
    if not any(secret in text for text in _strings(data)):
        assert redacted == data


def _strings(item):
    """Every string of ``item``, keys included."""
    if isinstance(item, dict):
        for key, value in item.items():
            yield from _strings(key)
            yield from _strings(value)
    elif isinstance(item, (list, tuple)):
        for value in item:
            yield from _strings(value)
    elif isinstance(item, str):
        yield item


def test_redact_data_walks_what_json_cannot_encode():
    """Bytes and tuples as keys are not JSON: the walk still redacts the strings next to them."""
    data = {("a", 1): "x s3cret", "b": [b"raw", "s3cret"]}
    assert e.redact_data(data, ["s3cret"]) == {("a", 1): "x ********", "b": [b"raw", "********"]}
