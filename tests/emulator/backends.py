"""Real database backends for the emulator: MariaDB/MySQL accounts and spawned redis-servers.

In-memory mode (the default) has no backend object at all: a service whose backend is ``None``
keeps passwords in its own state and compares them there. With backends, GaussDB accounts
become real MariaDB accounts and every DCS instance is its own ``redis-server`` process, so
password changes made through the API can be proven with a real login.

Safety rules (the machine's MariaDB and Redis are shared with other work):

* :class:`MysqlBackend` only manages accounts it created itself, in this process. It refuses
  ``root``, the DSN's own user and any account that already existed (a leftover of a crashed
  emulator included: drop it by hand). Everything it created is dropped on :meth:`close` (and
  at interpreter exit).
* :class:`RedisBackend` never talks to an existing Redis: it spawns one ``redis-server`` per
  instance on a free loopback port (never 6379), without persistence, and passes the password
  through the configuration on stdin, so it never appears on a command line (``ps``).
"""

import atexit
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from urllib.parse import parse_qsl, unquote, urlsplit

PROTECTED_MYSQL_USERS = frozenset(["root", "mysql", "mariadb.sys", "mysql.sys", "mysql.session",
                                   "mysql.infoschema", "debian-sys-maint"])
MYSQL_ACCESS_DENIED = (1044, 1045, 1698)


class BackendError(Exception):
    """A backend refused an operation or is unreachable. Messages never contain a password."""


def backends_from_args(mysql_dsn=None, redis_mode=None):
    """Build ``{"mysql": MysqlBackend or None, "redis": RedisBackend or None}`` from CLI values.

    Raises :class:`BackendError` when a requested backend cannot be used (unreachable MariaDB,
    no ``redis-server`` binary); a backend started before the failure is closed again.
    """
    mysql = redis = None
    try:
        if mysql_dsn:
            mysql = MysqlBackend(mysql_dsn)
        if redis_mode:
            redis = RedisBackend(redis_mode)
    except Exception:
        if mysql is not None:
            mysql.close()
        raise
    return {"mysql": mysql, "redis": redis}


# -- MariaDB / MySQL ---------------------------------------------------------------------------


def parse_mysql_dsn(dsn):
    """``mysql://user[:password]@host[:port][/][?unix_socket=PATH&client_host=IP&client_port=N]``.

    Returns the PyMySQL connect arguments for the administrative connection and the
    ``(ip, port)`` that clients (probes, the collection's modules) use to reach the server:
    ``client_host``/``client_port`` when given, else the DSN's TCP address, else
    ``127.0.0.1:3306`` for a socket DSN.
    """
    parts = urlsplit(dsn)
    if parts.scheme not in ("mysql", "mariadb"):
        raise BackendError("MySQL DSN must start with mysql:// (got scheme %r)" % parts.scheme)
    query = dict(parse_qsl(parts.query))
    admin = {"user": unquote(parts.username or "root"), "password": unquote(parts.password or ""),
             "connect_timeout": 5, "autocommit": True, "charset": "utf8mb4"}
    if query.get("unix_socket"):
        admin["unix_socket"] = query["unix_socket"]
        where = query["unix_socket"]
        address = ("127.0.0.1", 3306)
    else:
        host = parts.hostname or "127.0.0.1"
        admin["host"] = "127.0.0.1" if host == "localhost" else host
        admin["port"] = parts.port or 3306
        where = "%s:%s" % (admin["host"], admin["port"])
        address = (admin["host"], admin["port"])
    if query.get("client_host"):
        address = (query["client_host"], address[1])
    if query.get("client_port"):
        address = (address[0], int(query["client_port"]))
    return admin, address, where


class MysqlBackend:
    """MariaDB/MySQL accounts created, changed, checked and dropped by the emulator."""

    def __init__(self, dsn, login_timeout=3):
        try:
            import pymysql  # noqa: F401 - imported here: in-memory mode must not need PyMySQL
        except ImportError as exc:
            raise BackendError("the MySQL backend needs PyMySQL (pip install PyMySQL): %s" % exc)
        self._admin, self._address, self._where = parse_mysql_dsn(dsn)
        self._login_timeout = login_timeout
        self._lock = threading.Lock()
        self._created = set()
        self._closed = False
        with self._connect() as conn, conn.cursor() as cur:
            cur.execute("SELECT VERSION()")
            version = cur.fetchone()[0]
        self.version = version
        self.product = "MariaDB" if "mariadb" in version.lower() else "MySQL"
        atexit.register(self.close)

    def describe(self):
        return "%s at %s" % (self.product, self._where)

    def address(self):
        """``(ip, port)`` that clients use to log in (what show-instance reports)."""
        return self._address

    def _connect(self):
        import pymysql
        try:
            return pymysql.connect(**self._admin)
        except pymysql.err.MySQLError as exc:
            raise BackendError("cannot connect to %s as %s: %s" % (self._where, self._admin["user"], exc.args[-1]))

    def _execute(self, sql, args):
        import pymysql
        try:
            with self._connect() as conn, conn.cursor() as cur:
                cur.execute(sql, args)
                return cur.fetchall()
        except pymysql.err.MySQLError as exc:
            # MariaDB error texts name the account, never the password.
            raise BackendError("%s failed on %s: %s" % (sql.split(" ")[0], self._where, exc.args[-1]))

    def _refuse_protected(self, name):
        if name.lower() in PROTECTED_MYSQL_USERS or name == self._admin["user"]:
            raise BackendError("refusing to manage the MariaDB account %r: it is a system or administrative "
                               "account (use another db_user_name in the fixtures)" % name)

    def _exists(self, name, host):
        return bool(self._execute("SELECT 1 FROM mysql.user WHERE User = %s AND Host = %s", (name, host)))

    def manages(self, name, host):
        with self._lock:
            return (name, host) in self._created

    def ensure_account(self, name, host, password):
        """Create ``name@host`` with ``password``, or set the password of an account created earlier.

        Refuses (:class:`BackendError`) ``root`` and any account that this backend did not create.
        """
        self._refuse_protected(name)
        with self._lock:
            if self._closed:
                raise BackendError("the MySQL backend is closed")
            if (name, host) in self._created:
                self._execute("ALTER USER %s@%s IDENTIFIED BY %s", (name, host, password))
                return
            if self._exists(name, host):
                raise BackendError("refusing to manage the existing MariaDB account %r@%r: the emulator only manages "
                                   "accounts it creates (if it is a leftover of a crashed emulator, drop it: "
                                   "DROP USER %r@%r)" % (name, host, name, host))
            # Plain CREATE USER (not IF NOT EXISTS): a concurrent creator makes this fail instead of
            # silently adopting an account that is not ours.
            self._execute("CREATE USER %s@%s IDENTIFIED BY %s", (name, host, password))
            self._created.add((name, host))

    def set_password(self, name, host, password):
        """``ALTER USER`` for an account this backend created."""
        self._refuse_protected(name)
        with self._lock:
            if (name, host) not in self._created:
                raise BackendError("refusing to change %r@%r: not an account created by the emulator" % (name, host))
            self._execute("ALTER USER %s@%s IDENTIFIED BY %s", (name, host, password))

    def drop_account(self, name, host):
        with self._lock:
            if (name, host) not in self._created:
                raise BackendError("refusing to drop %r@%r: not an account created by the emulator" % (name, host))
            self._execute("DROP USER IF EXISTS %s@%s", (name, host))
            self._created.discard((name, host))

    def check_login(self, name, password, host=None, port=None):
        """True when ``name``/``password`` logs in over TCP; False when access is denied.

        Raises :class:`BackendError` when the server cannot be reached at all.
        """
        import pymysql
        host = host or self._address[0]
        port = port or self._address[1]
        try:
            conn = pymysql.connect(host=host, port=int(port), user=name, password=password or "",
                                   connect_timeout=self._login_timeout, read_timeout=self._login_timeout)
        except pymysql.err.OperationalError as exc:
            if exc.args and exc.args[0] in MYSQL_ACCESS_DENIED:
                return False
            raise BackendError("cannot reach %s:%s: %s" % (host, port, exc.args[-1]))
        conn.close()
        return True

    def accounts(self):
        with self._lock:
            return sorted(self._created)

    def close(self):
        """Drop every account this backend created (idempotent)."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            created, self._created = sorted(self._created), set()
        for name, host in created:
            try:
                self._execute("DROP USER IF EXISTS %s@%s", (name, host))
            except BackendError:
                pass


# -- Redis -------------------------------------------------------------------------------------


def _redis_quote(value):
    """A redis.conf double-quoted string: backslash, quote and non-printables escaped."""
    out = []
    for char in value:
        if char in ('"', "\\"):
            out.append("\\" + char)
        elif 32 <= ord(char) < 127:
            out.append(char)
        else:
            out.extend("\\x%02x" % byte for byte in char.encode("utf-8"))
    return '"%s"' % "".join(out)


def _resp(*args):
    parts = [b"*%d\r\n" % len(args)]
    for arg in args:
        data = arg.encode("utf-8") if isinstance(arg, str) else bytes(arg)
        parts.append(b"$%d\r\n%s\r\n" % (len(data), data))
    return b"".join(parts)


def _free_port():
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        if port != 6379:
            return port


class RedisInstance:
    """One spawned ``redis-server``: ``port``, :meth:`set_password`, :meth:`check_auth`, :meth:`stop`."""

    host = "127.0.0.1"

    def __init__(self, backend, process, port, workdir, password):
        self._backend = backend
        self.process = process
        self.port = port
        self.workdir = workdir
        self.password = password or None  # what the server currently requires (None: password-free)

    @property
    def pid(self):
        return self.process.pid

    def alive(self):
        return self.process.poll() is None

    def _session(self, commands, timeout=2.0):
        """Send commands on one connection; return the first reply line of each (str)."""
        replies = []
        with socket.create_connection((self.host, self.port), timeout=timeout) as sock:
            reader = sock.makefile("rb")
            for command in commands:
                sock.sendall(_resp(*command))
                line = reader.readline()
                if not line:
                    raise BackendError("redis-server on port %d closed the connection" % self.port)
                replies.append(line.decode("utf-8", "replace").rstrip("\r\n"))
                if line.startswith(b"-"):
                    break
        return replies

    def ping(self):
        """True once the server answers (``+PONG`` or ``-NOAUTH`` both count)."""
        try:
            reply = self._session([("PING",)], timeout=0.5)[0]
        except OSError:
            return False
        return reply.startswith(("+PONG", "-NOAUTH"))

    def check_auth(self, password):
        """True when ``AUTH password`` succeeds (a password-free server accepts anything)."""
        if self.password is None:
            return True
        try:
            reply = self._session([("AUTH", password or "")])[0]
        except OSError as exc:
            raise BackendError("redis-server on port %d is unreachable: %s" % (self.port, exc))
        return reply.startswith("+OK")

    def set_password(self, old, new):
        """``AUTH old`` then ``CONFIG SET requirepass new`` (``new`` None/"" makes it password-free)."""
        commands = []
        if self.password is not None:
            commands.append(("AUTH", old or ""))
        commands.append(("CONFIG", "SET", "requirepass", new or ""))
        try:
            replies = self._session(commands)
        except OSError as exc:
            raise BackendError("redis-server on port %d is unreachable: %s" % (self.port, exc))
        if len(replies) != len(commands) or not all(r.startswith("+OK") for r in replies):
            raise BackendError("redis-server on port %d refused the password change (%s)"
                               % (self.port, replies[-1].split(" ")[0] if replies else "no reply"))
        self.password = new or None

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        shutil.rmtree(self.workdir, ignore_errors=True)
        self._backend._forget(self)


class RedisBackend:
    """Spawns one ``redis-server`` per DCS instance (mode ``spawn``)."""

    def __init__(self, mode="spawn", binary=None, start_timeout=10.0):
        if mode != "spawn":
            raise BackendError("unsupported Redis backend mode %r: only 'spawn' (one redis-server per instance) "
                               "is supported, so that the emulator never touches an existing Redis" % (mode,))
        self.binary = binary or os.environ.get("CREDROTATE_TEST_REDIS_SERVER", "redis-server")
        if shutil.which(self.binary) is None:
            raise BackendError("redis-server binary %r not found on PATH" % self.binary)
        self.start_timeout = start_timeout
        self._lock = threading.Lock()
        self._instances = []
        atexit.register(self.close)

    def describe(self):
        return "redis-server processes (one per instance)"

    def instances(self):
        with self._lock:
            return list(self._instances)

    def _forget(self, instance):
        with self._lock:
            if instance in self._instances:
                self._instances.remove(instance)

    def start_instance(self, password):
        """Start a ``redis-server`` requiring ``password`` (None: password-free); wait until it answers."""
        last = None
        for _attempt in range(5):
            port = _free_port()
            workdir = tempfile.mkdtemp(prefix="credrotate-redis-")  # 0700
            config = ["port %d" % port, "bind 127.0.0.1", 'save ""', "appendonly no", "daemonize no",
                      "protected-mode yes", 'logfile ""', "dir %s" % _redis_quote(workdir)]
            if password:
                config.append("requirepass %s" % _redis_quote(password))
            process = subprocess.Popen([self.binary, "-"], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                       stderr=subprocess.DEVNULL, close_fds=True, start_new_session=True)
            process.stdin.write(("\n".join(config) + "\n").encode("utf-8"))
            process.stdin.close()
            instance = RedisInstance(self, process, port, workdir, password)
            deadline = time.monotonic() + self.start_timeout
            while time.monotonic() < deadline:
                if process.poll() is not None:
                    break
                if instance.ping():
                    with self._lock:
                        self._instances.append(instance)
                    return instance
                time.sleep(0.02)
            last = "redis-server exited with code %s" % process.poll() if process.poll() is not None \
                else "redis-server did not answer within %.0f s" % self.start_timeout
            instance.stop()
        raise BackendError("could not start redis-server: %s" % last)

    def close(self):
        """Stop every spawned redis-server (idempotent)."""
        for instance in self.instances():
            instance.stop()
