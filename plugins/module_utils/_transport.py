# -*- coding: utf-8 -*-
# Copyright (c) 2026, credrotate.cloud contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""PRIVATE: HTTP transport: one ``requests.Session`` (connection reuse), timeouts, TLS, proxies.

The transport sends exactly the URL, headers and body it is given (they are already signed)
and returns a small :class:`Response`. Failures without a response become
:class:`TransportError` whose message names the method, host and path, never the query,
headers or body.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import collections
import json
import platform
import traceback

try:
    from urllib.parse import urlsplit, urlunsplit
except ImportError:  # pragma: no cover - Python 2 is not supported
    from urlparse import urlsplit, urlunsplit  # type: ignore

try:
    import requests
    import requests.adapters
    import requests.exceptions as rex
except ImportError:
    HAS_REQUESTS = False
    REQUESTS_IMPORT_ERROR = traceback.format_exc()
else:
    HAS_REQUESTS = True
    REQUESTS_IMPORT_ERROR = None

try:
    from ansible.module_utils.ansible_release import __version__ as ANSIBLE_VERSION
except ImportError:  # pragma: no cover - always shipped with ansible-core
    ANSIBLE_VERSION = "unknown"

from ansible_collections.credrotate.cloud.plugins.module_utils._errors import TransportError
from ansible_collections.credrotate.cloud.plugins.module_utils._version import (
    COLLECTION_NAME,
    COLLECTION_VERSION,
)

DEFAULT_TIMEOUT = 30
DEFAULT_POOL_SIZE = 16  # connections kept per host: bounded concurrent calls share one session

# One result type for both provider adapters: parsed JSON body, request id, HTTP status.
ApiResult = collections.namedtuple("ApiResult", ["data", "request_id", "http_status"])


def user_agent():
    """``credrotate.cloud/<version> (ansible-core/<version>; python/<version>)``."""
    return "%s/%s (ansible-core/%s; python/%s)" % (
        COLLECTION_NAME, COLLECTION_VERSION, ANSIBLE_VERSION, platform.python_version())


def safe_url(url):
    """Scheme, host, port and path of ``url``: no user info, no query, no fragment."""
    parts = urlsplit(url)
    netloc = parts.netloc.rpartition("@")[2]
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


class Headers(object):
    """Read-only, case-insensitive view of response headers."""

    def __init__(self, items=None):
        self._items = {}
        for name, value in (items.items() if isinstance(items, dict) else items or ()):
            self._items[name.lower()] = (name, value)

    def get(self, name, default=None):
        return self._items.get(name.lower(), (None, default))[1]

    def __getitem__(self, name):
        return self._items[name.lower()][1]

    def __contains__(self, name):
        return name.lower() in self._items

    def items(self):
        return list(self._items.values())

    def __repr__(self):
        return "Headers(%r)" % (dict(self.items()),)


class Response(object):
    """What a provider adapter needs from an HTTP response."""

    def __init__(self, status, headers=None, body=b""):
        self.status = status
        self.headers = headers if isinstance(headers, Headers) else Headers(headers)
        self.body = body or b""

    @property
    def text(self):
        return self.body.decode("utf-8", "replace")

    def json(self):
        """The body parsed as JSON, or ``None`` when it is empty or not JSON (never raises)."""
        if not self.body.strip():
            return None
        try:
            return json.loads(self.text)
        except ValueError:
            return None


class Transport(object):
    """Sends prepared requests over one ``requests.Session`` (safe to share between worker threads).

    ``validate_certs`` defaults to True; ``ca_path`` (a CA bundle) replaces the default trust
    store. Proxies and ``REQUESTS_CA_BUNDLE`` come from the environment (``trust_env``).
    Redirects are not followed (a redirect of a signed request is an error).
    """

    def __init__(self, timeout=DEFAULT_TIMEOUT, validate_certs=True, ca_path=None, session=None, agent=None,
                 pool_size=DEFAULT_POOL_SIZE):
        if session is None:
            if not HAS_REQUESTS:
                raise RuntimeError("the Python library 'requests' is required")
            session = requests.Session()
            session.trust_env = True
            adapter = requests.adapters.HTTPAdapter(pool_connections=pool_size, pool_maxsize=pool_size, max_retries=0)
            session.mount("https://", adapter)
            session.mount("http://", adapter)
        self.session = session
        self.timeout = timeout or DEFAULT_TIMEOUT
        self.verify = ca_path if (ca_path and validate_certs) else bool(validate_certs)
        self.user_agent = agent or user_agent()

    def request(self, method, url, headers=None, body=None, timeout=None):
        """Send one request and return a :class:`Response`; raise :class:`TransportError` without one."""
        try:
            reply = self.session.request(
                method, url, headers=headers or {}, data=body or None, timeout=timeout or self.timeout,
                verify=self.verify, allow_redirects=False, stream=False)
            return Response(reply.status_code, dict(reply.headers), reply.content)
        except rex.RequestException as exc:
            raise _transport_error(exc, method, url)

    def close(self):
        self.session.close()


def _chain(exc):
    """Every exception linked from ``exc`` (args, reason, cause, context), breadth first."""
    seen, queue = [], [exc]
    while queue:
        current = queue.pop(0)
        if any(current is other for other in seen):
            continue
        seen.append(current)
        links = list(getattr(current, "args", ())) + [
            getattr(current, "reason", None), current.__cause__, current.__context__]
        queue.extend(link for link in links if isinstance(link, BaseException))
    return seen


def _reason(exc):
    """A short cause such as ``Connection refused``; never the URL that urllib3 puts in messages."""
    for link in _chain(exc):
        strerror = getattr(link, "strerror", None)
        if isinstance(link, OSError) and strerror:
            return "%s" % (strerror,)
    return type(exc).__name__


def _names(exc):
    return set(type(link).__name__ for link in _chain(exc))


def _transport_error(exc, method, url):
    where = "%s %s" % (method.upper(), safe_url(url))
    reason = _reason(exc)
    if isinstance(exc, rex.ConnectTimeout):
        return TransportError("ConnectTimeout", "%s: connection timed out" % where, may_have_applied=False)
    if isinstance(exc, rex.ReadTimeout):
        return TransportError("ReadTimeout", "%s: no response within the timeout (the request may have been "
                                             "processed)" % where, may_have_applied=True)
    if isinstance(exc, rex.SSLError):
        return TransportError("TLSError", "%s: TLS failure: %s" % (where, reason), retryable=False)
    if isinstance(exc, rex.ProxyError):
        return TransportError("ProxyError", "%s: proxy failure: %s" % (where, reason))
    if isinstance(exc, rex.ConnectionError):
        if _names(exc) & set(["NewConnectionError", "NameResolutionError", "ConnectTimeoutError"]):
            return TransportError("ConnectionFailed", "%s: cannot connect: %s" % (where, reason))
        return TransportError("ConnectionLost", "%s: connection lost: %s (the request may have been "
                                                "processed)" % (where, reason), may_have_applied=True)
    if isinstance(exc, (rex.InvalidURL, rex.MissingSchema, rex.InvalidSchema, rex.InvalidHeader)):
        return TransportError("InvalidRequest", "%s: invalid request (%s)" % (where, type(exc).__name__),
                              retryable=False)
    return TransportError("TransportError", "%s: %s" % (where, reason), may_have_applied=True)
