"""The emulator's core: HTTP server, routing, journal, fault injection, clock and admin API.

Services (IAM, DRS, DCS, GaussDB, DTS) plug in through :class:`Service` and register their
routes with :meth:`Emulator.route`. The core never sees a password: it journals method, path,
action, status and latency only, and the admin API returns what services choose to summarise.
"""

import json
import os
import re
import socket
import ssl
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

ADMIN_PREFIX = "/_emulator/"


class Headers:
    """Case-insensitive, order-keeping view of request headers."""

    def __init__(self, pairs):
        self._pairs = list(pairs)
        self._map = {}
        for name, value in self._pairs:
            self._map.setdefault(name.lower(), value)

    def get(self, name, default=None):
        return self._map.get(name.lower(), default)

    def __contains__(self, name):
        return name.lower() in self._map

    def items(self):
        return list(self._pairs)

    def lower_dict(self):
        return dict(self._map)


class Request:
    """An incoming request. ``action`` and ``write`` are set by the handling service."""

    def __init__(self, method, target, headers, body, client):
        parts = urlsplit(target)
        self.method = method.upper()
        self.path = parts.path or "/"
        self.raw_query = parts.query
        self.query = parse_qsl(parts.query, keep_blank_values=True)
        self.headers = headers
        self.body = body or b""
        self.client = client
        self.host = headers.get("host", "")
        self.cloud = None
        self.service = None
        self.action = None
        self.write = False
        self.error_code = None
        self.identity = None
        self.auth_kind = None
        self.match = None

    def query_dict(self):
        return dict(self.query)

    def form(self):
        ctype = (self.headers.get("content-type") or "").lower()
        if self.body and ctype.startswith("application/x-www-form-urlencoded"):
            return parse_qsl(self.body.decode("utf-8"), keep_blank_values=True)
        return []

    def json(self):
        if not self.body:
            return None
        try:
            return json.loads(self.body.decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            return None


class Response:
    def __init__(self, status, body=None, headers=None):
        self.status = status
        self.body = body
        self.headers = dict(headers or {})
        self.error_code = None
        if isinstance(body, dict):
            self.error_code = body.get("error_code") or body.get("ErrCode") or body.get("Code")
            if body.get("Success") is True:
                self.error_code = None

    def encode(self):
        if self.body is None:
            return b""
        if isinstance(self.body, bytes):
            return self.body
        if isinstance(self.body, str):
            return self.body.encode("utf-8")
        return json.dumps(self.body).encode("utf-8")


class Drop(Exception):
    """Raised to close the connection without a response (dropped connection / timeout)."""


class Route:
    def __init__(self, method, pattern, handler, cloud, service, action, write, auth=True, refine=None):
        self.method = method
        self.auth = auth
        self.refine = refine
        self.regex = re.compile("^" + pattern + "$")
        self.handler = handler
        self.cloud = cloud
        self.service = service
        self.action = action
        self.write = write


class Fault:
    """One injected fault. ``match`` keys: cloud, service, action, method, path (regex)."""

    KINDS = ("throttle", "error", "latency", "drop", "timeout")

    def __init__(self, spec):
        self.kind = spec.get("kind")
        if self.kind not in self.KINDS:
            raise ValueError("fault kind must be one of %s" % ", ".join(self.KINDS))
        self.count = int(spec.get("count", 1))  # 0 = until cleared
        self.match = dict(spec.get("match") or {})
        self.status = int(spec.get("status", 500))
        self.code = spec.get("code")
        self.message = spec.get("message")
        self.delay = float(spec.get("delay", 0))
        self.retry_after = spec.get("retry_after")
        # after=True: the request is handled (a write applies) and only then the client gets the
        # error, dropped connection or timeout, as when a gateway fails on the way back.
        self.after = bool(spec.get("after", False))
        self.id = uuid.uuid4().hex[:8]
        self.hits = 0

    def matches(self, req):
        for key in ("cloud", "service", "action", "method"):
            want = self.match.get(key)
            if want and getattr(req, key) != want:
                return False
        if self.match.get("path") and not re.search(self.match["path"], req.path):
            return False
        if "write" in self.match and bool(self.match["write"]) != bool(req.write):
            return False
        return True

    def public(self):
        return {"id": self.id, "kind": self.kind, "count": self.count, "hits": self.hits,
                "match": self.match, "status": self.status, "code": self.code, "delay": self.delay,
                "after": self.after}


class Service:
    """Base class of an emulated service.

    ``name`` keys its section in the fixtures; ``load`` receives that section (or ``{}``),
    ``dump`` returns it (the state file is the fixture format), ``summary`` returns the public,
    secret-free view served by ``GET /_emulator/state``.
    """

    name = None
    cloud = None

    def __init__(self, emu):
        self.emu = emu

    def register(self):
        """Register routes with ``self.emu.route(...)`` and admin routes with ``admin_route``."""

    def load(self, section):
        """Replace state from a fixture/state section."""

    def dump(self):
        return {}

    def summary(self):
        return {}

    def close(self):
        """Release backend resources (processes, connections)."""


class Gateway:
    """Per-cloud authentication and error shapes (Huawei API gateway, Alibaba POP gateway)."""

    def authenticate(self, req, route):
        """Return None when accepted (set ``req.identity``), or an error :class:`Response`."""
        raise NotImplementedError

    def throttle(self, req, fault):
        raise NotImplementedError

    def error(self, req, status, code, message):
        raise NotImplementedError


class Journal:
    """Request journal: method, path, action, status, error code, latency. Never bodies or query values."""

    def __init__(self, limit=100000):
        self._lock = threading.Lock()
        self._entries = []
        self._seq = 0
        self._limit = limit

    def record(self, req, status, latency_ms, error_code=None):
        with self._lock:
            self._seq += 1
            self._entries.append({
                "seq": self._seq, "time": round(time.time(), 3), "cloud": req.cloud,
                "service": req.service, "method": req.method, "path": req.path,
                "action": req.action, "write": bool(req.write), "status": status,
                "error_code": error_code, "auth": req.auth_kind,
                "latency_ms": round(latency_ms, 2),
            })
            if len(self._entries) > self._limit:
                del self._entries[: len(self._entries) - self._limit]

    def entries(self, since=0):
        with self._lock:
            return [e for e in self._entries if e["seq"] > since]

    def clear(self):
        with self._lock:
            self._entries = []


class Emulator:
    """All services on one loopback port. Use :meth:`start` / :meth:`stop`, or the CLI."""

    def __init__(self, fixtures=None, host="127.0.0.1", port=0, tls_dir=None, state_file=None,
                 backends=None, service_classes=None):
        self.host = host
        self.port = port
        self.tls_dir = tls_dir
        self.ca_file = None
        self.state_file = state_file
        self.backends = backends or {}
        self.lock = threading.RLock()
        self.journal = Journal()
        self.faults = []
        self.clock_skew = 0.0
        self.routes = []
        self.admin_routes = []
        self.gateways = {}
        self.databases = Databases()
        self.settings = {}
        self._fixtures = fixtures or {}
        self._server = None
        self._thread = None
        self.services = [cls(self) for cls in (service_classes or default_services())]
        for service in self.services:
            service.register()
        self._register_admin()
        if state_file and os.path.exists(state_file):
            self.load(load_fixture_file(state_file))
        else:
            self.load(self._fixtures)

    # -- time ------------------------------------------------------------------------------
    def now(self):
        """Server time in epoch seconds, shifted by the injected clock skew."""
        return time.time() + self.clock_skew

    # -- registration ------------------------------------------------------------------------
    def route(self, method, pattern, handler, cloud, service, action=None, write=False, auth=True, refine=None):
        """Register a cloud API route.

        ``pattern`` is a regex on the path; ``auth=False`` skips the gateway (IAM token issuing);
        ``refine(req)`` may set ``req.action``/``req.write`` from the request before faults are
        matched (Alibaba RPC names its action in a parameter).
        """
        self.routes.append(Route(method, pattern, handler, cloud, service, action, write, auth, refine))

    def admin_route(self, method, pattern, handler):
        self.admin_routes.append(Route(method, pattern, handler, None, "admin", None, False))

    def gateway(self, cloud, gateway):
        self.gateways[cloud] = gateway

    # -- state -------------------------------------------------------------------------------
    def load(self, fixtures):
        with self.lock:
            self.settings = dict((fixtures or {}).get("settings") or {})
            for service in self.services:
                service.load(((fixtures or {}).get(service.name) or {}))

    def dump(self):
        with self.lock:
            state = {"settings": dict(self.settings)}
            for service in self.services:
                state[service.name] = service.dump()
            return state

    def save(self):
        """Persist state to ``state_file`` (0600, atomic) so a restarted emulator is the same cloud."""
        if not self.state_file:
            return
        state = self.dump()
        tmp = "%s.%s.tmp" % (self.state_file, os.getpid())
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            json.dump(state, handle, indent=1, sort_keys=True)
        os.replace(tmp, self.state_file)

    def backend_description(self):
        """Which backends are real, e.g. ``gaussdb: MariaDB at 127.0.0.1:3306; dcs: in-memory``."""
        mysql, redis = self.backends.get("mysql"), self.backends.get("redis")
        return "gaussdb: %s; dcs: %s" % (mysql.describe() if mysql else "in-memory",
                                         redis.describe() if redis else "in-memory")

    def setting(self, name, default):
        return self.settings.get(name, default)

    # -- dispatch ----------------------------------------------------------------------------
    def _find_route(self, req, routes):
        allowed = False
        for route in routes:
            match = route.regex.match(req.path)
            if not match:
                continue
            allowed = True
            if route.method == req.method or route.method == "*":
                return route, match
        return None, allowed

    def dispatch(self, req):
        """Handle one request and return a :class:`Response` (or raise :class:`Drop`)."""
        if req.path.startswith(ADMIN_PREFIX):
            return self._dispatch_admin(req)
        route, match = self._find_route(req, self.routes)
        if route is None:
            return Response(404 if not match else 405, {
                "error_code": "APIGW.0101", "error_msg": "The API does not exist or has not been published in the environment",
                "request_id": uuid.uuid4().hex})
        req.cloud, req.service, req.action, req.write = route.cloud, route.service, route.action, route.write
        req.match = match
        gateway = self.gateways[route.cloud]
        if route.refine:
            route.refine(req)
        fault = self._take_fault(req)
        if fault is not None and not fault.after:
            response = self._apply_fault(req, fault, gateway)
            if response is not None:
                return response
        if route.auth:
            denied = gateway.authenticate(req, route)
            if denied is not None:
                return denied
        response = route.handler(req)
        if fault is not None and fault.after:
            return self._apply_fault(req, fault, gateway) or response
        return response

    def _take_fault(self, req):
        with self.lock:
            for fault in self.faults:
                if fault.matches(req):
                    fault.hits += 1
                    if fault.count and fault.hits >= fault.count:
                        self.faults.remove(fault)
                    return fault
        return None

    def _apply_fault(self, req, fault, gateway):
        if fault.kind == "latency":
            time.sleep(fault.delay)
            return None
        if fault.kind == "drop":
            raise Drop()
        if fault.kind == "timeout":
            time.sleep(fault.delay or 5.0)
            raise Drop()
        if fault.kind == "throttle":
            return gateway.throttle(req, fault)
        return gateway.error(req, fault.status, fault.code, fault.message)

    # -- admin API ---------------------------------------------------------------------------
    def _dispatch_admin(self, req):
        req.cloud, req.service = "emulator", "admin"
        sub = req.path[len(ADMIN_PREFIX):]
        for route in self.admin_routes:
            match = route.regex.match(sub)
            if match and route.method == req.method:
                req.match = match
                try:
                    return route.handler(req)
                except (KeyError, ValueError, TypeError) as exc:
                    return Response(400, {"error": "%s: %s" % (type(exc).__name__, exc)})
        return Response(404, {"error": "no admin route %s %s" % (req.method, req.path)})

    def _register_admin(self):
        self.admin_route("GET", r"health", lambda req: Response(200, {"status": "ok", "base_url": self.base_url}))
        self.admin_route("GET", r"state", lambda req: Response(200, self.summary()))
        self.admin_route("GET", r"journal", self._admin_journal)
        self.admin_route("DELETE", r"journal", lambda req: (self.journal.clear(), Response(204))[1])
        self.admin_route("POST", r"reset", self._admin_reset)
        self.admin_route("POST", r"fixtures", self._admin_fixtures)
        self.admin_route("GET", r"faults", lambda req: Response(200, {"faults": [f.public() for f in self.faults]}))
        self.admin_route("POST", r"faults", self._admin_add_fault)
        self.admin_route("DELETE", r"faults", self._admin_clear_faults)
        self.admin_route("POST", r"clock", self._admin_clock)
        self.admin_route("POST", r"save", lambda req: (self.save(), Response(204))[1])

    def summary(self):
        with self.lock:
            out = {"clock_skew": self.clock_skew, "faults": [f.public() for f in self.faults]}
            for service in self.services:
                out[service.name] = service.summary()
            return out

    def _admin_journal(self, req):
        since = int(req.query_dict().get("since", 0))
        return Response(200, {"entries": self.journal.entries(since)})

    def _admin_reset(self, req):
        body = req.json()
        with self.lock:
            self.faults = []
            self.clock_skew = 0.0
            self.load(body if isinstance(body, dict) else self._fixtures)
        self.journal.clear()
        return Response(204)

    def _admin_fixtures(self, req):
        """Merge more resources into the current state (same format as the fixture file)."""
        extra = req.json() or {}
        with self.lock:
            state = self.dump()
            for section, content in extra.items():
                if isinstance(content, dict):
                    target = state.setdefault(section, {})
                    for key, value in content.items():
                        if isinstance(value, list):
                            target.setdefault(key, []).extend(value)
                        else:
                            target[key] = value
            self.load(state)
        return Response(204)

    def _admin_add_fault(self, req):
        body = req.json() or {}
        specs = body if isinstance(body, list) else [body]
        added = [Fault(spec) for spec in specs]
        with self.lock:
            self.faults.extend(added)
        return Response(201, {"faults": [f.public() for f in added]})

    def _admin_clear_faults(self, req):
        with self.lock:
            self.faults = []
        return Response(204)

    def _admin_clock(self, req):
        body = req.json() or {}
        with self.lock:
            self.clock_skew = float(body.get("skew_seconds", 0))
        return Response(200, {"clock_skew": self.clock_skew})

    # -- server ------------------------------------------------------------------------------
    @property
    def base_url(self):
        scheme = "https" if self.tls_dir else "http"
        return "%s://%s:%s" % (scheme, self.host, self.port)

    def start(self):
        """Start serving in a background thread; returns the base URL."""
        server = ThreadingHTTPServer((self.host, self.port), _handler_for(self))
        server.daemon_threads = True
        if self.tls_dir:
            from emulator.tls import make_certificates  # imported lazily: needs `cryptography`
            cert, key, ca = make_certificates(self.tls_dir, self.host)
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(cert, key)
            server.socket = context.wrap_socket(server.socket, server_side=True)
            self.ca_file = ca
        self.port = server.server_address[1]
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="emulator", daemon=True)
        self._thread.start()
        return self.base_url

    def stop(self):
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        self.save()
        for service in self.services:
            service.close()

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()


class Databases:
    """Where replication jobs check their stored credentials.

    A service registers a checker per database reference (a GaussDB instance id, a DCS
    instance id, or an external ``host:port``); a job's health check calls :meth:`check`.
    """

    def __init__(self):
        self._checkers = {}

    def register(self, ref, checker):
        self._checkers[ref] = checker

    def unregister(self, ref):
        self._checkers.pop(ref, None)

    def check(self, ref, user, password):
        """True when ``user``/``password`` logs in to ``ref``; None when ``ref`` is unknown."""
        checker = self._checkers.get(ref)
        if checker is None:
            return None
        return checker(user, password)


def _handler_for(emu):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "credrotate-emulator"
        disable_nagle_algorithm = True  # headers and body go out in two writes: avoid 40 ms delayed-ACK stalls

        def log_message(self, fmt, *args):  # no access log: URLs may carry query values
            return

        def _handle(self):
            started = time.perf_counter()
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            req = Request(self.command, self.path, Headers(self.headers.items()), body, self.client_address)
            try:
                response = emu.dispatch(req)
            except Drop:
                emu.journal.record(req, 0, (time.perf_counter() - started) * 1000, "dropped")
                self.close_connection = True
                try:
                    self.connection.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                return
            payload = response.encode()
            if req.cloud != "emulator":
                # journal before answering, so a client that has its response also sees the entry
                code = response.error_code or req.error_code
                emu.journal.record(req, response.status, (time.perf_counter() - started) * 1000, code)
            self.send_response(response.status)
            headers = dict(response.headers)
            if payload and not any(k.lower() == "content-type" for k in headers):
                headers["Content-Type"] = "application/json;charset=UTF-8"
            headers.setdefault("X-Request-Id", uuid.uuid4().hex)
            for name, value in headers.items():
                self.send_header(name, str(value))
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            if payload and self.command != "HEAD":
                self.wfile.write(payload)

        do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = _handle

    return Handler


def load_fixture_file(path):
    with open(path) as handle:
        text = handle.read()
    if path.endswith((".yml", ".yaml")):
        import yaml  # fixtures in YAML need PyYAML (pinned in tests/requirements.txt)
        return yaml.safe_load(text) or {}
    return json.loads(text or "{}")


def default_services():
    """The service classes, imported here so that a missing optional one fails loudly at start."""
    from emulator.huawei import IamService
    from emulator.drs import DrsService
    from emulator.dcs import DcsService
    from emulator.gaussdb import GaussDbService
    from emulator.alibaba import DtsService
    from emulator.csms import CsmsService
    from emulator.kms import KmsService  # after DtsService: it shares the POP gateway's "/" route
    return [IamService, DrsService, DcsService, GaussDbService, DtsService, CsmsService, KmsService]
