"""The emulator's real backends: MariaDB accounts (PyMySQL) and spawned redis-servers.

The ``real_backend`` tests use the machine's MariaDB (only accounts they create, with unique
names, dropped again) and redis-servers they spawn on free ports (never the system Redis).
"""

import os
import socket
import uuid

import pytest

from emulator.backends import (BackendError, MysqlBackend, RedisBackend, _redis_quote, backends_from_args,
                               parse_mysql_dsn)

pytestmark = pytest.mark.integration

MYSQL_DSN = os.environ.get("CREDROTATE_TEST_MYSQL_DSN", "mysql://root@localhost/?unix_socket=/run/mysqld/mysqld.sock")


# -- without services --------------------------------------------------------------------------


def test_parse_socket_dsn_reports_loopback_tcp_address_for_clients():
    """A unix-socket DSN administers over the socket; clients are told 127.0.0.1:3306."""
    admin, address, where = parse_mysql_dsn("mysql://root@localhost/?unix_socket=/run/mysqld/mysqld.sock")
    assert admin["unix_socket"] == "/run/mysqld/mysqld.sock" and admin["user"] == "root"
    assert "host" not in admin and address == ("127.0.0.1", 3306) and where == "/run/mysqld/mysqld.sock"


def test_parse_tcp_dsn_with_credentials_and_client_override():
    """user:password@host:port is decoded; client_host/client_port override the address given to clients."""
    admin, address, where = parse_mysql_dsn("mysql://adm:p%40ss@127.0.0.1:3307")
    assert (admin["user"], admin["password"], admin["host"], admin["port"]) == ("adm", "p@ss", "127.0.0.1", 3307)
    assert address == ("127.0.0.1", 3307) and where == "127.0.0.1:3307"
    dummy, address, dummy = parse_mysql_dsn("mysql://adm@localhost:3306/?client_host=10.1.2.3&client_port=13306")
    assert address == ("10.1.2.3", 13306)


def test_parse_rejects_other_schemes():
    """Only mysql:// (or mariadb://) DSNs are accepted."""
    with pytest.raises(BackendError, match="mysql://"):
        parse_mysql_dsn("postgres://root@localhost")


def test_no_arguments_means_in_memory_mode():
    """backends_from_args(None, None) builds no backend at all."""
    assert backends_from_args(None, None) == {"mysql": None, "redis": None}


def test_redis_backend_only_spawns():
    """Any Redis mode other than 'spawn' is refused: the emulator never uses an existing Redis."""
    with pytest.raises(BackendError, match="spawn"):
        RedisBackend("redis://127.0.0.1:6379")


def test_redis_backend_needs_the_binary():
    """A missing redis-server binary is a clear BackendError (the tests then skip with it)."""
    with pytest.raises(BackendError, match="not found"):
        RedisBackend("spawn", binary="no-such-redis-server-%s" % uuid.uuid4().hex[:6])


def test_unreachable_mysql_is_a_backend_error():
    """An unreachable MariaDB fails backends_from_args with the address, not a hang."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again below: nothing listens there
    with pytest.raises(BackendError, match="127.0.0.1:%d" % port):
        backends_from_args("mysql://root@127.0.0.1:%d" % port, None)


def test_redis_config_quoting():
    """Passwords are written to redis.conf as escaped double-quoted strings."""
    assert _redis_quote('a"b\\c d') == '"a\\"b\\\\c d"'
    assert _redis_quote("é") == '"\\xc3\\xa9"'


# -- MariaDB -----------------------------------------------------------------------------------


@pytest.fixture
def mysql():
    try:
        socket.create_connection(("127.0.0.1", 3306), timeout=1).close()
        backend = MysqlBackend(MYSQL_DSN)
    except (OSError, BackendError) as exc:
        pytest.skip("MariaDB unavailable: %s" % exc)
    yield backend
    backend.close()


def _name():
    return "emu_bt_%s" % uuid.uuid4().hex[:10]


def _exists(backend, name, host="%"):
    return bool(backend._execute("SELECT 1 FROM mysql.user WHERE User = %s AND Host = %s", (name, host)))


@pytest.mark.real_backend
def test_mysql_account_lifecycle(mysql):
    """ensure_account creates a login, set_password changes it, drop_account removes it; describe names the server."""
    assert mysql.describe().startswith(("MariaDB at", "MySQL at")) and mysql.address() == ("127.0.0.1", 3306)
    name = _name()
    mysql.ensure_account(name, "%", "First-Passw0rd!")
    assert mysql.check_login(name, "First-Passw0rd!") and not mysql.check_login(name, "wrong")
    mysql.set_password(name, "%", "Second-Passw0rd!")
    assert mysql.check_login(name, "Second-Passw0rd!") and not mysql.check_login(name, "First-Passw0rd!")
    mysql.ensure_account(name, "%", "Third-Passw0rd!")  # an account of ours: the password is set again
    assert mysql.check_login(name, "Third-Passw0rd!")
    mysql.drop_account(name, "%")
    assert not _exists(mysql, name) and not mysql.check_login(name, "Third-Passw0rd!")


@pytest.mark.real_backend
def test_mysql_passwords_with_quotes_and_backslashes_are_passed_safely(mysql):
    """Statements are parameterised: quotes, backslashes and SQL fragments in a password are just characters."""
    name, password = _name(), "Pa'ss\"w\\0rd;-- DROP USER root"
    mysql.ensure_account(name, "%", password)
    assert mysql.check_login(name, password) and not mysql.check_login(name, "Pa'ss")


@pytest.mark.real_backend
@pytest.mark.parametrize("name", ["root", "ROOT", "mariadb.sys", "mysql"])
def test_mysql_refuses_system_accounts(mysql, name):
    """root and other system accounts are never created, changed or dropped."""
    with pytest.raises(BackendError, match="refusing"):
        mysql.ensure_account(name, "%", "Any-Passw0rd!")
    with pytest.raises(BackendError, match="refusing"):
        mysql.set_password(name, "localhost", "Any-Passw0rd!")
    with pytest.raises(BackendError, match="refusing"):
        mysql.drop_account(name, "localhost")


@pytest.mark.real_backend
def test_mysql_refuses_accounts_it_did_not_create(mysql):
    """An account that existed before (here: created by another backend object) is never adopted or dropped."""
    other = MysqlBackend(MYSQL_DSN)
    try:
        name = _name()
        other.ensure_account(name, "%", "Owner-Passw0rd!")
        with pytest.raises(BackendError, match="existing MariaDB account"):
            mysql.ensure_account(name, "%", "Thief-Passw0rd!")
        with pytest.raises(BackendError, match="not an account created by the emulator"):
            mysql.set_password(name, "%", "Thief-Passw0rd!")
        with pytest.raises(BackendError, match="not an account created by the emulator"):
            mysql.drop_account(name, "%")
        assert other.check_login(name, "Owner-Passw0rd!")
    finally:
        other.close()


@pytest.mark.real_backend
def test_mysql_close_drops_every_account_it_created(mysql):
    """close() drops the accounts the backend created (and is idempotent)."""
    names = [_name() for dummy in range(3)]
    for name in names:
        mysql.ensure_account(name, "%", "Some-Passw0rd!")
    assert [n for n, dummy in mysql.accounts()] == sorted(names)
    mysql.close()
    mysql.close()
    probe = MysqlBackend(MYSQL_DSN)
    try:
        assert not any(_exists(probe, name) for name in names)
    finally:
        probe.close()
    with pytest.raises(BackendError, match="closed"):
        mysql.ensure_account(_name(), "%", "Some-Passw0rd!")


# -- Redis -------------------------------------------------------------------------------------


@pytest.fixture
def redis_backend():
    try:
        backend = RedisBackend("spawn")
    except BackendError as exc:
        pytest.skip(str(exc))
    yield backend
    backend.close()


@pytest.mark.real_backend
def test_redis_instance_requires_its_password_which_is_not_on_the_command_line(redis_backend):
    """start_instance spawns a redis-server on a free loopback port (not 6379) requiring the password, which
    is passed on stdin and never appears in the process's command line."""
    password = 'Odd "pass\\word" 1'
    instance = redis_backend.start_instance(password)
    assert instance.port != 6379 and instance.alive()
    with open("/proc/%d/cmdline" % instance.pid, "rb") as handle:
        cmdline = handle.read().decode("utf-8", "replace")
    assert "pass" not in cmdline and "requirepass" not in cmdline
    assert instance.check_auth(password) and not instance.check_auth("wrong")
    assert redis_backend.describe() == "redis-server processes (one per instance)"


@pytest.mark.real_backend
def test_redis_set_password_needs_the_old_one(redis_backend):
    """set_password AUTHs with the old password, then sets the new one; a wrong old password changes nothing."""
    instance = redis_backend.start_instance("Old-Passw0rd!")
    with pytest.raises(BackendError, match="refused"):
        instance.set_password("Wrong-Passw0rd!", "New-Passw0rd!")
    assert instance.check_auth("Old-Passw0rd!")
    instance.set_password("Old-Passw0rd!", "New-Passw0rd!")
    assert instance.check_auth("New-Passw0rd!") and not instance.check_auth("Old-Passw0rd!")
    instance.set_password("New-Passw0rd!", None)  # password-free
    assert instance.password is None and instance.check_auth("anything")


@pytest.mark.real_backend
def test_redis_close_stops_every_spawned_server(redis_backend):
    """close() stops all servers it started; each has its own port."""
    instances = [redis_backend.start_instance("Pw-%d-Passw0rd" % n) for n in range(3)]
    assert len(set(i.port for i in instances)) == 3
    redis_backend.close()
    assert not any(i.alive() for i in instances) and redis_backend.instances() == []
    for instance in instances:
        with pytest.raises(OSError):
            socket.create_connection(("127.0.0.1", instance.port), timeout=1).close()
