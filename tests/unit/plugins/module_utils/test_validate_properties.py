# -*- coding: utf-8 -*-
# Copyright (c) 2026, credrotate.cloud contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Properties of the input checks, for arbitrary text (Hypothesis): build_path, format_problem, url_problem.

Pure and fast (no I/O): a few hundred examples each, derandomized unless CREDROTATE_HYPOTHESIS_EXAMPLES
is set (then that many random examples per property).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress
import os
import re

try:
    from urllib.parse import unquote, urlsplit
except ImportError:  # pragma: no cover - Python 2 is not supported
    pass

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ansible_collections.credrotate.cloud.plugins.module_utils._errors import ConfigError
from ansible_collections.credrotate.cloud.plugins.module_utils._huawei import build_path
from ansible_collections.credrotate.cloud.plugins.module_utils._validate import FORMATS, format_problem, url_problem

_EXAMPLES = os.environ.get("CREDROTATE_HYPOTHESIS_EXAMPLES", "").strip()
PROPERTY_SETTINGS = settings(
    max_examples=int(_EXAMPLES) * 100 if _EXAMPLES else 300,
    derandomize=not _EXAMPLES,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)

CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# Text with what matters here made likely: separators, dots, percent signs, controls, non-ASCII.
TEXT = st.one_of(
    st.text(),
    st.text(alphabet=st.sampled_from(list("/.%2eEfF\\?#@: \r\n\x00\u00e9\u202e-_aZ09")), max_size=20),
    st.sampled_from(["", ".", "..", "...", "/", "../x", "a/b", "%2e%2e", "%2F", "..%2F", "./.", "x/..", "\x00",
                     "\u2024\u2024"]),
)
TEMPLATES = (
    "/v3/{project_id}/instances/{instance_id}",
    "/v3/{project_id}/instances/{instance_id}/db-users/password",
    "/v2/{project_id}/instances/{instance_id}/password",
    "/v3/{project_id}/jobs/{action}",
)


# --- build_path ---------------------------------------------------------------------------------


@PROPERTY_SETTINGS
@given(template=st.sampled_from(TEMPLATES), project=TEXT, value=TEXT)
def test_build_path_keeps_the_template_segments_whatever_the_values(template, project, value):
    values = {"project_id": project, "instance_id": value, "action": value}
    unsafe = [v for v in (project, value) if v in ("", ".", "..") or CONTROL.search(v)]
    if unsafe:
        with pytest.raises(ConfigError):
            build_path(template, values)
        return
    path = build_path(template, values)
    expected = template.split("/")
    segments = path.split("/")
    assert len(segments) == len(expected), (template, path)
    for want, got in zip(expected, segments):
        if want.startswith("{"):
            name = want[1:-1]
            # the value is one segment: no raw '/', never '.' or '..', and it decodes back to the value
            assert "/" not in got and got not in (".", ".."), (name, got)
            assert unquote(got) == values[name], (name, got)
        else:
            assert got == want


@PROPERTY_SETTINGS
@given(value=st.sampled_from(["", ".", ".."]) | TEXT.filter(lambda v: CONTROL.search(v) is not None))
def test_build_path_refuses_empty_dot_segments_and_control_characters(value):
    with pytest.raises(ConfigError) as info:
        build_path("/v3/{project_id}/instances/{instance_id}", {"project_id": "p" * 32, "instance_id": value})
    if value.strip("."):
        assert value not in "%s" % info.value


# --- format_problem ---------------------------------------------------------------------------


@PROPERTY_SETTINGS
@given(kind=st.sampled_from(sorted(FORMATS)), value=TEXT)
def test_format_problem_accepts_exactly_what_the_format_allows(kind, value):
    allowed = re.fullmatch(FORMATS[kind][0], value) is not None
    assert (format_problem("field", value, kind) is None) == allowed


@PROPERTY_SETTINGS
@given(data=st.data(), kind=st.sampled_from(sorted(FORMATS)))
def test_format_problem_accepts_every_value_of_the_format(data, kind):
    value = data.draw(st.from_regex(FORMATS[kind][0], fullmatch=True))
    assert format_problem("field", value, kind) is None


MARK = "\u00a7S3cr3t\u00a7"


@PROPERTY_SETTINGS
@given(kind=st.sampled_from(sorted(FORMATS)), value=TEXT, at=st.integers(0, 20))
def test_format_problem_never_shows_the_value(kind, value, at):
    value = value[:at] + MARK + value[at:]
    message = format_problem("jobs[2].id", value, kind)
    if message is not None:
        assert MARK not in message and value not in message
        assert message.startswith("jobs[2].id must be ")


# --- url_problem ------------------------------------------------------------------------------

HOSTS = st.one_of(st.sampled_from(["example.com", "127.0.0.1", "localhost", "10.0.0.1", "[::1]", "[2001:db8::1]",
                                   "api.cn-north-4.myhuaweicloud.com", "127.1.2.3", "0.0.0.0", "localhost.evil"]),
                  st.from_regex(r"[a-z][a-z0-9-]{0,10}(\.[a-z]{2,5}){1,2}", fullmatch=True))
PORTS = st.one_of(st.just(""), st.integers(1, 65535).map(lambda p: ":%d" % p))
SCHEMES = st.sampled_from(["https", "http"])
OTHER_SCHEMES = st.sampled_from(["ftp", "file", "gopher", "javascript", "ldap", "ws", "wss", "data", "git+ssh", "h"])
USERINFO = st.text(alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x7e, exclude_characters="@/?#[]"),
                   min_size=1, max_size=12)
PASSWORD = USERINFO.map(lambda p: p + MARK)


def _is_loopback(host):
    host = host.strip("[]")
    if host in ("localhost", "localhost.localdomain"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@PROPERTY_SETTINGS
@given(scheme=SCHEMES, host=HOSTS, port=PORTS, slash=st.sampled_from(["", "/"]))
def test_url_problem_accepts_https_host_and_port(scheme, host, port, slash):
    url = "%s://%s%s%s" % (scheme, host, port, slash)
    allowed = scheme == "https" or _is_loopback(host)
    assert (url_problem("endpoint_url", url) is None) == allowed, url
    assert url_problem("endpoint_url", url, allow_plain_http=True) is None, url


@PROPERTY_SETTINGS
@given(scheme=SCHEMES, user=USERINFO, password=PASSWORD, host=HOSTS, port=PORTS, plain=st.booleans(),
       form=st.sampled_from(["user:password", "password", "user:password:more"]))
def test_url_problem_refuses_user_information(scheme, user, password, host, port, plain, form):
    userinfo = form.replace("user", user).replace("password", password)
    url = "%s://%s@%s%s" % (scheme, userinfo, host, port)
    assert "@" in urlsplit(url).netloc
    message = url_problem("endpoint_url", url, allow_plain_http=plain)
    assert message is not None, url
    assert MARK not in message and password not in message


@PROPERTY_SETTINGS
@given(scheme=SCHEMES, host=HOSTS, port=PORTS, query=st.text(max_size=10), fragment=st.text(max_size=10),
       which=st.sampled_from(["query", "fragment", "both"]), plain=st.booleans())
def test_url_problem_refuses_a_query_or_a_fragment(scheme, host, port, query, fragment, which, plain):
    url = "%s://%s%s/" % (scheme, host, port)
    if which in ("query", "both"):
        url += "?" + query
    if which in ("fragment", "both"):
        url += "#" + fragment
    assert url_problem("endpoint_url", url, allow_plain_http=plain) is not None, url


@PROPERTY_SETTINGS
@given(scheme=OTHER_SCHEMES, host=HOSTS, port=PORTS, plain=st.booleans())
def test_url_problem_refuses_other_schemes(scheme, host, port, plain):
    url = "%s://%s%s" % (scheme, host, port)
    assert url_problem("endpoint_url", url, allow_plain_http=plain) is not None, url


@PROPERTY_SETTINGS
@given(host=HOSTS.filter(lambda h: not _is_loopback(h)), port=PORTS)
def test_url_problem_refuses_plain_http_to_a_non_loopback_host_unless_allowed(host, port):
    url = "http://%s%s" % (host, port)
    message = url_problem("endpoint_url", url)
    assert message is not None and "allow_plain_http" in message, url
    assert url_problem("endpoint_url", url, allow_plain_http=True) is None, url


URL_TEXT = st.one_of(
    st.text(),
    st.builds(lambda s, rest: s + rest, st.sampled_from(["http://", "https://", "ftp://"]), st.text()),
)


@PROPERTY_SETTINGS
@given(url=URL_TEXT, plain=st.booleans())
def test_url_problem_accepts_only_clean_urls_whatever_the_text(url, plain):
    message = url_problem("endpoint_url", url, allow_plain_http=plain)
    if message is not None:
        assert message.startswith("endpoint_url ")
        return
    # accepted: a bare host name is https://host
    full = url if "://" in url else "https://" + url
    parts = urlsplit(full)
    assert parts.scheme in ("http", "https"), url
    assert "@" not in parts.netloc and not parts.query and not parts.fragment and "?" not in url and "#" not in url
    assert parts.path in ("", "/") and parts.hostname, url
    assert not CONTROL.search(url) and " " not in url, url
    if parts.scheme == "http" and not plain:
        assert _is_loopback(parts.hostname), url
