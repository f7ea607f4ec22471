# -*- coding: utf-8 -*-
# Copyright (c) 2026, credrotate.cloud contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The requests-based transport against a real loopback HTTP server."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
import socket
import threading
import time

import pytest

try:
    from http.server import BaseHTTPRequestHandler, HTTPServer
except ImportError:  # pragma: no cover
    pytest.skip("Python 3 only", allow_module_level=True)

requests = pytest.importorskip("requests")

from ansible_collections.credrotate.cloud.plugins.module_utils import _transport as t  # noqa: E402
from ansible_collections.credrotate.cloud.plugins.module_utils._errors import TransportError  # noqa: E402


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    seen = []

    def log_message(self, *args):
        pass

    def _answer(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        Handler.seen.append({"path": self.path, "headers": dict(self.headers), "body": body,
                             "client": self.client_address})
        if self.path.startswith("/slow"):
            time.sleep(1.0)
        if self.path.startswith("/redirect"):
            self.send_response(302)
            self.send_header("Location", "/elsewhere")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        payload = b'{"ok": true}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("X-Request-Id", "rid-1")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_PUT = do_POST = _answer


@pytest.fixture
def server():
    Handler.seen = []
    httpd = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield "http://127.0.0.1:%d" % httpd.server_address[1]
    httpd.shutdown()
    httpd.server_close()


def closed_port():
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return port


def test_user_agent_names_collection_ansible_and_python():
    """User-Agent is credrotate.cloud/<version> (ansible-core/<version>; python/<version>)."""
    assert re.match(r"^credrotate\.cloud/\d+\.\d+\.\d+\S* \(ansible-core/[^;]+; python/\d+\.\d+\.\d+\)$",
                    t.user_agent())


def test_response_headers_are_case_insensitive_and_json_is_safe():
    """Response headers ignore case; json() returns None for empty or invalid bodies instead of raising."""
    response = t.Response(200, {"X-Request-Id": "abc"}, b"not json")
    assert response.headers.get("x-request-id") == "abc" and "X-REQUEST-ID" in response.headers
    assert response.json() is None
    assert t.Response(204, {}, b"").json() is None
    assert t.Response(200, {}, b'{"a": 1}').json() == {"a": 1}


def test_sends_exact_encoded_query_headers_and_body(server):
    """The wire query keeps its RFC 3986 encoding (%2A, %20, ~) and the given headers are sent as is."""
    transport = t.Transport(timeout=5)
    response = transport.request("PUT", server + "/v3/p/jobs?id=a%20b%2Fc~d%2Ae", {"X-Test": "1"}, b'{"x":1}')
    assert response.status == 200 and response.json() == {"ok": True}
    assert response.headers.get("x-request-id") == "rid-1"
    seen = Handler.seen[-1]
    assert seen["path"] == "/v3/p/jobs?id=a%20b%2Fc~d%2Ae"
    assert seen["headers"]["X-Test"] == "1" and seen["body"] == b'{"x":1}'


def test_session_reuses_the_connection(server):
    """Two requests through one transport use one TCP connection (same client port)."""
    transport = t.Transport(timeout=5)
    transport.request("GET", server + "/a")
    transport.request("GET", server + "/b")
    assert Handler.seen[0]["client"] == Handler.seen[1]["client"]


def test_redirects_are_not_followed(server):
    """A 3xx comes back as a response; a signed request is never replayed elsewhere."""
    response = t.Transport(timeout=5).request("GET", server + "/redirect")
    assert response.status == 302 and len(Handler.seen) == 1


class RecordingSession(object):
    trust_env = True

    def __init__(self):
        self.kwargs = None

    def request(self, method, url, **kwargs):
        self.kwargs = kwargs
        raise requests.exceptions.ConnectTimeout("x")


@pytest.mark.parametrize("validate_certs,ca_path,expected", [
    (True, None, True), (False, None, False), (True, "/etc/ca.pem", "/etc/ca.pem"), (False, "/etc/ca.pem", False)])
def test_tls_verification_setting(validate_certs, ca_path, expected):
    """validate_certs defaults to verification; ca_path becomes requests' verify path; false disables it."""
    session = RecordingSession()
    transport = t.Transport(timeout=7, validate_certs=validate_certs, ca_path=ca_path, session=session)
    with pytest.raises(TransportError):
        transport.request("GET", "https://h/x")
    assert session.kwargs["verify"] == expected
    assert session.kwargs["timeout"] == 7 and session.kwargs["allow_redirects"] is False


def test_default_session_trusts_the_environment():
    """The default session takes proxies and CA settings from the environment."""
    assert t.Transport().session.trust_env is True


def test_connection_refused_is_a_transport_error_that_did_not_apply_and_hides_the_query():
    """Connection refused: TransportError, may_have_applied False, safe to retry, no query in the message."""
    url = "http://127.0.0.1:%d/v2/p/instances?Password=TopSecret1" % closed_port()
    with pytest.raises(TransportError) as info:
        t.Transport(timeout=2).request("PUT", url, {"X-Auth-Token": "tok-secret"}, b'{"new_password":"x"}')
    err = info.value
    assert err.code == "ConnectionFailed" and err.may_have_applied is False and err.retry == "safe"
    text = str(err) + repr(err.failure_dict())
    assert "TopSecret1" not in text and "Password" not in text and "tok-secret" not in text
    assert "127.0.0.1" in text and "refused" in text.lower()


def test_read_timeout_may_have_applied_and_hides_the_query(server):
    """No answer within the timeout: ReadTimeout, may_have_applied True, query not in the message."""
    with pytest.raises(TransportError) as info:
        t.Transport(timeout=0.3).request("PUT", server + "/slow?Password=TopSecret1", {}, b"{}")
    err = info.value
    assert err.code == "ReadTimeout" and err.may_have_applied is True and err.retry == "unsafe"
    assert "TopSecret1" not in str(err) and "/slow" in str(err)


def test_proxy_from_environment_is_used(monkeypatch):
    """HTTP_PROXY from the environment is used; its failure maps to ProxyError without the query."""
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:%d" % closed_port())
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    with pytest.raises(TransportError) as info:
        t.Transport(timeout=2).request("GET", "http://service.example.invalid/x?Password=TopSecret1")
    assert info.value.code == "ProxyError" and info.value.may_have_applied is False
    assert "TopSecret1" not in str(info.value)


def test_invalid_url_is_not_retryable():
    """A malformed URL is a TransportError that retrying cannot fix."""
    with pytest.raises(TransportError) as info:
        t.Transport().request("GET", "not-a-url?Password=TopSecret1")
    assert info.value.retry is None and "TopSecret1" not in str(info.value)


def test_safe_url_drops_userinfo_query_and_fragment():
    """safe_url() keeps scheme, host, port and path only."""
    assert t.safe_url("https://u:p@h:8443/a/b?Password=x#f") == "https://h:8443/a/b"
