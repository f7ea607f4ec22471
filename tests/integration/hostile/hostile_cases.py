# -*- coding: utf-8 -*-
# Copyright (c) 2026, credrotate.cloud contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Hostile values for every option of every module (Hypothesis strategies) and the checks of one batch.

A *case* is the valid baseline task of a module with one option (or nested key) replaced by a hostile
value. A *batch* is one case for every option of the module (``batch_strategy``); it runs as the
tasks of one playbook (``run_batch``), each task ``ignore_errors: true``, and ``batch_problems``
checks the whole run once:

* every task failed, with a message naming the field: ``Invalid input for credrotate.cloud.<module>:``
  naming the path (which is also in the result's ``invalid``), or one of ansible-core's own type,
  choices or required messages naming the option (and its parent for a nested one);
* no module crashed (no traceback, no ``MODULE FAILURE``);
* the emulator received no request at all (so nothing was written), ``rotation_state`` wrote
  no file, and ``rotation_report`` wrote no report and left its state directory as it was
  (``report_places``);
* no secret appeared anywhere: every secret of the batch (passwords, keys, tokens, misspelt keys'
  values, a URL's user info) contains :data:`TAG`, and neither the tag nor any whole secret is in
  the output of ``ansible-playbook -vvvv``, the task results, the emulator's journal or its state.

The expectations are this file's own, written from the modules' documentation (formats, bounds,
URL rules), not read from ``plugins/module_utils/_validate.py``: a rule that went missing there
shows up here as an accepted hostile value.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import json
import os
import stat
import string
import subprocess
import uuid
import zlib

import yaml
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st

from harness import (
    ALI_SK,
    BIN,
    HW_AK,
    HW_PROJECT,
    HW_SK,
    REPO,
    Run,
    _read_results,
    alibaba_env,
    assert_no_secrets,
    base_env,
    huawei_env,
    journal,
    run_playbook,
)

# --- Hypothesis settings ------------------------------------------------------------------------

# CREDROTATE_HYPOTHESIS_EXAMPLES=N: N batches per module, drawn at random (a new seed each run;
# Hypothesis prints it on a failure, and `--hypothesis-seed=<seed>` replays it). Unset: one batch
# per module (a case for every option: 18 to 33 tasks), derandomized (the same cases on every
# run), which is what CI runs: about 1 ansible-playbook task (0.5 s of CPU) per option.
_EXAMPLES = os.environ.get("CREDROTATE_HYPOTHESIS_EXAMPLES", "").strip()
EXAMPLES = int(_EXAMPLES) if _EXAMPLES else 1
RANDOM = bool(_EXAMPLES)

HOSTILE_SETTINGS = settings(
    max_examples=EXAMPLES,
    derandomize=not RANDOM,
    deadline=None,
    database=None,
    # A batch is one ansible-playbook run (10-20 s): no shrinking; a failure lists every bad case.
    phases=(Phase.explicit, Phase.generate),
    print_blob=RANDOM,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much,
                           HealthCheck.function_scoped_fixture, HealthCheck.large_base_example],
)

# --- secrets --------------------------------------------------------------------------------------

# Every secret used by the hostile runs contains TAG, so "TAG is nowhere" covers them all, including
# a secret that is printed only in part (a password with a control character appended, a URL's
# user info cut at a '/').
TAG = "Cn%s" % uuid.uuid4().hex[:8]


def canary(role):
    """A secret for ``role``; the password ones pass the providers' password rules (8 to 32 characters,
    upper and lower case letters, digits and a special character), so a hostile value that got past
    validation would reach the API (and show as a request) rather than stop at a password policy."""
    return "%s-%s-Pw1!" % (TAG, role)


def redact(text):
    return ("%s" % (text,)).replace(TAG, "<canary>")


def hostile_env(cloud):
    """Credentials for the hostile runs: real access keys, a canary in every secret."""
    if cloud == "huawei":
        return dict(huawei_env(None), HW_SECRET_KEY=canary("env-secret_key"), HW_SECURITY_TOKEN=canary("env-token"),
                    HW_AUTH_TOKEN=canary("env-auth_token"), HW_PASSWORD=canary("env-iam_password"))
    if cloud == "alibaba":
        return dict(alibaba_env(None), ALICLOUD_SECRET_KEY=canary("env-secret_key"),
                    ALICLOUD_SECURITY_TOKEN=canary("env-token"))
    return {}


def valid_env(cloud):
    """Credentials that work against the demo fixture (the baseline test)."""
    if cloud == "huawei":
        return dict(huawei_env(None), HW_SECRET_KEY=HW_SK)
    if cloud == "alibaba":
        return dict(alibaba_env(None), ALICLOUD_SECRET_KEY=ALI_SK)
    return {}


# --- the demo estate and the valid baseline tasks -------------------------------------------------

with open(os.path.join(REPO, "tests", "emulator", "fixtures", "demo.yml")) as _handle:
    DEMO = yaml.safe_load(_handle)

DRS_JOBS = ("9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8bjb01", "1b2c3d4e-5f6a-4b7c-8d9e-0f1a2b3cjb02")
DTS_JOB = "l3m1213ye7l1234"
DCS = "3f2e1d0c-9b8a-4776-8655-443322110099"
DCS_PASSWORD = "Cache-Demo-Pass1!"
GDB = "6a1b2c3d4e5f40718293a4b5c6d7e8f9in07"
KERBEROS = {"domain_name": "EXAMPLE.COM", "user_principal": "drs@EXAMPLE.COM", "krb5_conf_file": "krb5.conf"}

MODULES = ("drs_job_password", "drs_job_info", "dts_job_password", "dts_job_info", "dcs_instance_password",
           "gaussdb_mysql_instance_password", "gaussdb_mysql_user_password", "rotation_state", "rotation_report",
           "gaussdb_mysql_user_info", "gaussdb_mysql_instance_info", "dcs_instance_info")
CLOUD = {"drs_job_password": "huawei", "drs_job_info": "huawei", "dcs_instance_password": "huawei",
         "gaussdb_mysql_instance_password": "huawei", "gaussdb_mysql_user_password": "huawei",
         "gaussdb_mysql_user_info": "huawei", "gaussdb_mysql_instance_info": "huawei", "dcs_instance_info": "huawei",
         "dts_job_password": "alibaba", "dts_job_info": "alibaba", "rotation_state": None, "rotation_report": None}


def baseline(module, valid=False):
    """The module's valid task arguments. Every secret in them is a canary (new passwords), but for the
    current DCS password, which only ``valid=True`` gives right.

    The connection (endpoint_url, region, keys) comes from module_defaults and the environment.
    """
    password, other = canary("password"), canary("other-password")
    if module == "drs_job_password":
        return {"jobs": [{"id": DRS_JOBS[0], "endpoint": "source"},
                         {"id": DRS_JOBS[1], "endpoint": "target", "password": other}], "password": password}
    if module == "drs_job_info":
        return {"jobs": list(DRS_JOBS), "details": True}
    if module == "dts_job_password":
        return {"jobs": [{"id": DTS_JOB, "endpoint": "source", "user": "crdemo_orders"},
                         {"id": DTS_JOB, "endpoint": "destination", "password": other}], "password": password}
    if module == "dts_job_info":
        return {"jobs": [DTS_JOB], "page_size": 30}
    if module == "dcs_instance_password":
        return {"instance_id": DCS, "old_password": DCS_PASSWORD if valid else canary("old_password"),
                "new_password": password, "probe": "never"}
    if module == "gaussdb_mysql_instance_password":
        return {"instance_id": GDB, "password": password, "probe": "never"}
    if module == "gaussdb_mysql_user_password":
        return {"instance_id": GDB, "users": [{"name": "crdemo_report"}, {"name": "crdemo_orders", "host": "%",
                                                                          "password": other}],
                "password": password, "probe": "never"}
    if module == "gaussdb_mysql_user_info":
        return {"instance_id": GDB, "names": ["crdemo_orders", "crdemo_report"]}
    if module == "gaussdb_mysql_instance_info":
        return {"instance_id": GDB}
    if module == "dcs_instance_info":
        return {"instance_id": DCS}
    if module == "rotation_state":
        return {"state_dir": "{{ state_dir }}", "name": "orders-db", "action": "record", "rotation_id": "r-0001",
                "step": "validate", "status": "in_progress", "targets": [{"key": "gaussdb:orders", "action": "reset"}],
                "request_ids": ["req-0001"]}
    if module == "rotation_report":
        # report_state_dir holds one record and must stay as it is; state_dir (a second credential's) does not exist
        # and must not be created; the report files go to report_dir, which a refused case leaves empty
        return {"state_dir": "{{ report_state_dir }}", "names": ["orders-db", "sessions-cache"],
                "credentials": [{"name": "orders-db", "state_dir": "{{ state_dir }}"}], "max_age": "90d",
                "suspend_after": 3, "json_path": REPORT_FILES["json_path"], "junit_path": REPORT_FILES["junit_path"]}
    raise ValueError(module)


# --- hostile values, by kind ------------------------------------------------------------------------

CONTROL = ("\r", "\n", "\r\n", "\x00", "\t", "\x1b", "\x7f", "\x0b", "\x0c", "\x08")
# Printable non-ASCII characters (letters, digits, symbols, spaces, format characters such as U+202E).
UNICODE = st.characters(min_codepoint=0x80, categories=("Lu", "Ll", "Lo", "Nd", "No", "Sm", "So", "Pd", "Po",
                                                        "Zs", "Cf", "Mn"),
                        exclude_characters="\ufeff\ufffe\uffff")
DELETE = object()  # a case that removes a required key


def _insert(valid, pieces, start=0):
    """``valid`` with one of ``pieces`` inserted at any position from ``start``."""
    pieces = st.sampled_from(pieces) if isinstance(pieces, (tuple, list)) else pieces
    return st.tuples(st.integers(start, len(valid)), pieces).map(lambda t: valid[:t[0]] + t[1] + valid[t[0]:])


def _huge(valid, minimum=10000):
    return st.tuples(st.sampled_from(valid or "a"), st.integers(minimum, minimum + 2000)).map(lambda t: t[0] * t[1])


def _named(category, strategy):
    return strategy.map(lambda value: (category, value))


def wrong_types(secret=None):
    """A dictionary or a list where a scalar belongs (holding a secret when ``secret`` is set)."""
    inner = st.just(canary(secret)) if secret else st.sampled_from(["x", "../etc", 1])
    keys = st.sampled_from(["value", "id", "a"])
    return [
        _named("wrong type: dict", st.one_of(st.just({}), st.dictionaries(keys, inner, min_size=1, max_size=2))),
        _named("wrong type: list", st.one_of(st.just([]), st.lists(inner, min_size=1, max_size=2))),
    ]


# Categories refused by every provider id format (fixed characters, a length limit, no '/', no space).
STRICT = ("empty", "huge", "control", "path", "percent", "unicode", "space", "dots")
ID_KINDS = {
    # format name: (a valid value, the hostile categories its documented format refuses)
    "project_id": (HW_PROJECT, STRICT),
    "gaussdb_instance_id": (GDB, STRICT),
    "dcs_instance_id": (DCS, STRICT),
    "drs_job_id": (DRS_JOBS[0], STRICT),
    "dts_job_id": (DTS_JOB, STRICT),
    "region": ("cn-north-4", STRICT + ("host injection",)),
    "gaussdb_user": ("crdemo_report", STRICT),
    "credential_name": ("orders-db", STRICT),
    # '.' is allowed in these, so '..' alone is not refused (it never reaches a path)
    "access_key": (HW_AK, tuple(c for c in STRICT if c != "dots")),
    "db_user": ("crdemo_orders", tuple(c for c in STRICT if c != "dots")),
    "hostname": ("db.example.com", tuple(c for c in STRICT if c != "dots")),
    # a MySQL host pattern allows '%' and '.'
    "db_host": ("10.0.%", ("empty", "huge", "control", "path", "unicode", "space")),
    # IAM names: 1 to 64 characters, no control character, '/' or '\'
    "iam_name": ("demo-operator", ("empty", "huge", "control", "path", "backslash")),
    # free text: 1 to 255 characters, no control character
    "text": ("orders", ("empty", "huge", "control")),
}


def _category(category, valid):
    if category == "empty":
        return st.just("")
    if category == "huge":
        return _huge(valid)
    if category == "control":
        return _insert(valid, CONTROL)
    if category == "path":
        return st.one_of(_insert(valid, ("/", "/../", "../", "/..")),
                         st.sampled_from(["../instances/" + valid, valid + "/../../x", "a/b", "../" + valid]))
    if category == "percent":
        return st.one_of(st.sampled_from(["%2e%2e", "%2e%2e%2f" + valid, "%2F"]), _insert(valid, ("%2F", "%2e%2e")))
    if category == "unicode":
        return _insert(valid, UNICODE)
    if category == "space":
        return _insert(valid, (" ", "  "))
    if category == "dots":
        return st.sampled_from(["..", "."])
    if category == "backslash":
        return st.one_of(_insert(valid, ("\\", "\\..\\")), st.just("..\\" + valid))
    if category == "host injection":
        return st.sampled_from([valid + ".evil.example", valid + "/x", valid + "@evil.example", valid + ":443",
                                valid + "#", valid + "?x=1", "evil.example", valid.upper(), valid.replace("-", "_")])
    raise ValueError(category)


class Kind(object):
    """How to make hostile values for one option.

    ``branches(valid)`` is a list of strategies, one or more per category, each drawing
    ``(category, value)``; ``valid`` is the option's value in the baseline (None when unset there).
    """

    required = False
    secret = None  # the role of the canary a hostile value of this kind may carry
    context = {}  # other role variables the case sets (rotation_store for the cloud store rules)
    # Words of the rule our refusal must state: a string, a tuple of alternatives, or a dict by category ("wrong
    # type" for every "wrong type: ..." category; a category missing from it states no rule of its own).
    rule = None
    # With a rule, how much of the refused value the refusal may show: None, nothing (the value holds STORE_MARK);
    # "excerpt", a short escaped excerpt (the schedule parsers: at most 40 characters, repr-escaped).
    shows = None
    empty_hostile = False  # an empty value is hostile too (not "not set": a nested key such as a window's days)

    def branches(self, valid):
        raise NotImplementedError

    def rule_for(self, category):
        """The words the refusal of a ``category`` value must state (None: no rule of its own)."""
        if isinstance(self.rule, dict):
            return self.rule.get("wrong type" if category.startswith("wrong type") else category)
        return self.rule

    def with_missing(self, branches):
        return list(branches) + ([st.just(("missing (required)", DELETE))] if self.required else [])


class Id(Kind):
    """An identifier or name with a documented format (``ID_KINDS``).

    An empty string means "not set" for an optional option (AWX injects empty variables), so it is
    hostile only for a required option or an item of a list (``item``).
    """

    def __init__(self, fmt, required=False, item=False):
        self.fmt, self.required, self.item = fmt, required, item

    def branches(self, valid):
        sample, categories = ID_KINDS[self.fmt]
        valid = valid if isinstance(valid, str) and valid and "{" not in valid else sample
        if not (self.required or self.item):
            categories = [c for c in categories if c != "empty"]
        return self.with_missing([_named(c, _category(c, valid)) for c in categories] + wrong_types())


class Token(Kind):
    """A secret with no format but 1 to 16384 characters, no control character, not blank."""

    def __init__(self, role):
        self.secret = role

    def branches(self, valid):
        secret = canary(self.secret)
        return [
            # ('' is not here: an empty string means "not set")
            _named("blank", st.sampled_from([" ", "   ", "\t", " \t "])),
            # after the tag, so that a part of the secret shown anywhere is still found
            _named("control", _insert(secret, CONTROL, start=len(TAG))),
            _named("huge", st.integers(16385 - len(secret), 20000).map(lambda n: secret + "x" * n)),
        ] + wrong_types(self.secret)


class Opaque(Kind):
    """A string (or path) without a format: only a container where a scalar belongs is refused.

    A secret one (a password) gets the canary inside the container.
    """

    def __init__(self, secret=None, required=False):
        self.secret, self.required = secret, required

    def branches(self, valid):
        return self.with_missing(wrong_types(self.secret))


class Url(Kind):
    """endpoint_url / iam_endpoint_url: ``http(s)://host[:port]`` only; plain http to loopback only."""

    HOSTS = ("example.com", "127.0.0.1", "localhost", "api.cn-north-4.example.com")

    def branches(self, valid):
        host = st.sampled_from(self.HOSTS)
        scheme = st.sampled_from(["https", "http"])
        # the password may hold '/', '#', '?' or ':' (unencoded), as real ones do
        password = st.tuples(st.sampled_from(["", "/x", "#f", "?q", ":more"]), st.sampled_from(["url", "url2"])).map(
            lambda t: canary(t[1]) + t[0])
        userinfo = st.one_of(
            st.builds(lambda s, u, p, h: "%s://%s:%s@%s" % (s, u, p, h), scheme, st.sampled_from(["u", "admin", ""]),
                      password, host),
            st.builds(lambda s, p, h: "%s://%s@%s" % (s, p, h), scheme, password, host),
        )
        base = st.builds(lambda s, h: "%s://%s" % (s, h), st.just("https"), host)
        return [
            _named("user info", userinfo),
            _named("query", st.builds(lambda b, q: b + q, base, st.sampled_from(["?a=b", "/?x", "?", "/?next=/"]))),
            _named("fragment", st.builds(lambda b, f: b + f, base, st.sampled_from(["#frag", "/#", "#"]))),
            _named("scheme", st.sampled_from(["ftp://example.com", "file:///etc/passwd", "gopher://127.0.0.1:70",
                                              "javascript:alert(1)", "ldap://example.com", "//example.com",
                                              "https:example.com", "mailto:a@example.com"])),
            _named("plain http to a non-loopback host",
                   st.sampled_from(["http://example.com", "http://10.0.0.1", "http://192.168.1.1:8080",
                                    "http://169.254.169.254", "http://0.0.0.0:80", "http://127.0.0.1.nip.io",
                                    "http://localhost.evil.example", "http://[2001:db8::1]:8443"])),
            _named("path", st.builds(lambda b, p: b + p, base, st.sampled_from(["/v3", "/../x", "/a/b", "//"]))),
            _named("control", st.builds(lambda b, c: b + c, base, st.sampled_from(CONTROL))),
            _named("space", st.sampled_from(["https://exa mple.com", " https://example.com", "https://example.com "])),
            _named("port", st.sampled_from(["https://example.com:0", "https://example.com:65536",
                                            "https://example.com:99999", "https://example.com:-1",
                                            "https://example.com:abc"])),
            _named("huge", st.integers(10000, 12000).map(lambda n: "https://" + "a" * n + ".com")),
            _named("unicode", st.builds(lambda c: "https://ex%sample.com" % c, UNICODE)),
        ] + wrong_types()


class CaPath(Kind):
    """ca_path: an existing file."""

    def branches(self, valid):
        return [
            _named("missing file", st.sampled_from(["/nonexistent/ca.pem", "../instances/ca.pem", "%2e%2e/ca.pem",
                                                    "~/no-such-ca.pem", "ca\u00e9.pem"])),
            _named("directory", st.sampled_from(["/", "/etc", ".", ".."])),
            _named("control", st.sampled_from(["/etc/ssl/certs\x00/ca.pem", "/tmp/ca\n.pem", "ca.pem\r\n"])),
            _named("huge", st.integers(10000, 11000).map(lambda n: "/" + "a" * n)),
        ] + wrong_types()


class Int(Kind):
    """An integer between the documented bounds."""

    # ('1e3' is not here: ansible-core reads it as 1000)
    NON_NUMERIC = ("abc", "ten", "1.5", "0x10", "", " ", "5; rm -rf /", "\n", "--1", "NaN", "inf", "-Infinity")
    # numbers given as strings (ansible-core converts them), beyond Python's 4300-digit str/int limit too
    HUGE = ("9" * 5000, "1" + "0" * 10000, "-" + "9" * 4400, "99999999999999999999")

    def __init__(self, low, high, extra=()):
        self.low, self.high, self.extra = low, high, extra

    def branches(self, valid):
        return [
            _named("too small", st.one_of(st.integers(max_value=self.low - 1, min_value=-2 ** 64),
                                          st.sampled_from([self.low - 1, -1, -2 ** 63]))),
            _named("too large", st.one_of(st.integers(min_value=self.high + 1, max_value=2 ** 64),
                                          st.sampled_from([self.high + 1, 2 ** 63, 2 ** 64] + list(self.extra)))),
            _named("huge number", st.sampled_from(self.HUGE)),
            _named("not a number", st.sampled_from(self.NON_NUMERIC)),
            _named("float", st.sampled_from([1.5, -0.5, 0.25, float("inf"), float("nan")])),
        ] + wrong_types()


class Bool(Kind):
    def branches(self, valid):
        return [
            # (ansible-core strips blanks and ignores case: 'true\n' and ' YES' are booleans)
            _named("not a boolean", st.sampled_from(["maybe", "2", "yes please", "tru", "ja", "enabled", "-1", "on!",
                                                     "tr ue", "../true"])),
            _named("not a boolean", st.sampled_from([2, -1, 10, 0.5])),
        ] + wrong_types()


class Choice(Kind):
    def __init__(self, choices, required=False):
        self.choices, self.required = choices, required

    def branches(self, valid):
        choices = list(self.choices)
        words = st.text(alphabet=string.ascii_lowercase, min_size=1, max_size=12).filter(lambda w: w not in choices)
        if all(isinstance(c, int) for c in choices):
            other = st.integers(-2 ** 63, 2 ** 63).filter(lambda n: n not in choices)
            return [_named("not a choice", other), _named("not a number", words)] + wrong_types()
        near = st.tuples(st.sampled_from(choices), st.sampled_from([" ", "\n", "/..", "x", "\x00", "\u00e9"])).map(
            lambda t: t[0] + t[1])
        return self.with_missing([
            _named("not a choice", words),
            _named("not a choice", st.one_of(near, st.just(""), st.sampled_from(choices).map(lambda c: c.swapcase()),
                                             st.sampled_from(choices).map(lambda c: "../" + c))),
        ] + wrong_types())


class ChoiceList(Kind):
    """A list of strings, each one of ``choices`` (password_policy)."""

    def __init__(self, choices):
        self.choices = choices

    def branches(self, valid):
        bad = st.sampled_from(["bogus", "", "GAUSSDB_MYSQL", "dcs\n", "../dcs", "dcs,x"])
        return [
            _named("not a choice", st.lists(bad, min_size=1, max_size=2)),
            _named("not a choice", st.tuples(st.sampled_from(self.choices), bad).map(list)),
            _named("not a choice", bad.filter(bool)),
            _named("wrong type: dict", st.just({"policy": "dcs"})),
            _named("element of wrong type", st.sampled_from([[{"a": 1}], [["dcs"]]])),
        ]


class Dict(Kind):
    """A dictionary without suboptions (rotation_state error/details)."""

    def branches(self, valid):
        return [_named("wrong type", st.sampled_from(["a string", "k=v", "", "{broken"])),
                _named("wrong type", st.sampled_from([5, ["a"], []]))]


class StrList(Kind):
    """A list of strings (jobs of the info modules, request_ids) given as a dictionary."""

    def branches(self, valid):
        return [_named("wrong type: dict", st.sampled_from([{}, {"id": "x"}, {"jobs": ["a", "b"]}]))]


class ListOfDicts(Kind):
    """The whole list option (jobs/users/targets) given as something else."""

    def __init__(self, secret=None, required=False):
        self.secret, self.required = secret, required

    def branches(self, valid):
        element = copy.deepcopy(valid[0]) if isinstance(valid, list) and valid else {}
        if self.secret:
            element["password"] = canary(self.secret)
        text = canary(self.secret) if self.secret else "id=x,endpoint=source"
        return self.with_missing([
            _named("string", st.sampled_from([text, "[%s]" % text, "id=x,password=%s" % text])),
            _named("integer", st.sampled_from([5, 0, -1])),
            _named("dict", st.just(element)),
            _named("list of strings", st.just([text])),
        ])


class Element(Kind):
    """One item of a list of dictionaries given as something else."""

    def __init__(self, secret=None):
        self.secret = secret

    def branches(self, valid):
        text = canary(self.secret) if self.secret else "x"
        return [
            _named("string", st.sampled_from([text, "", "id=x"])),
            _named("integer", st.sampled_from([1, 0])),
            _named("list", st.just([text])),
            _named("null", st.just(None)),
        ]


class SubDict(Kind):
    """A dictionary with suboptions (jobs[].kerberos) given as something else."""

    def __init__(self, secret=None):
        self.secret = secret

    def branches(self, valid):
        text = canary(self.secret) if self.secret else "x"
        return [
            _named("string", st.sampled_from([text, "key_tab_file=%s" % text, "{'key_tab_file': '%s'}" % text])),
            _named("integer", st.just(7)),
            _named("list", st.just([text])),
        ]


def typo(name):
    """Misspellings of ``name``: a letter dropped, doubled, swapped or changed, '-' for '_', capitals."""
    n = len(name)
    return st.one_of(
        st.integers(0, n - 1).map(lambda i: name[:i] + name[i + 1:]),
        st.integers(0, n - 1).map(lambda i: name[:i] + name[i] + name[i:]),
        st.integers(0, n - 2).map(lambda i: name[:i] + name[i + 1] + name[i] + name[i + 2:]),
        st.tuples(st.integers(0, n - 1), st.sampled_from(string.ascii_lowercase)).map(
            lambda t: name[:t[0]] + t[1] + name[t[0] + 1:]),
        st.just(name.replace("_", "-")),
        st.just(name.replace("_", "")),
        st.just(name.capitalize()),
        st.just(name.upper()),
        st.just(name + "s"),
    )


class Typo(Kind):
    """An unknown key that is a misspelt secret option (``names``), holding a canary."""

    def __init__(self, names, known, secret="typo"):
        self.names, self.known, self.secret = tuple(names), frozenset(known), secret

    def key(self):
        return st.sampled_from(self.names).flatmap(typo).filter(
            lambda k: k and k not in self.known and not k.startswith("_ansible"))

    def branches(self, valid):
        secret = canary(self.secret)
        return [_named("misspelt secret key", st.just(secret)),
                _named("misspelt secret key", st.just({"value": secret})),
                _named("misspelt secret key", st.just([secret]))]


# --- the options of every module ------------------------------------------------------------------

SHARED = {
    "endpoint_url": Url(),
    "allow_plain_http": Bool(),
    "validate_certs": Bool(),
    "ca_path": CaPath(),
    "timeout": Int(1, 3600),
    "retries": Int(1, 20),
    "retry_deadline": Int(1, 86400),
}
HUAWEI = dict(SHARED, **{
    "cloud": Choice(["huaweicloud", "otc"]),
    "region": Id("region"),
    "project_id": Id("project_id"),
    "access_key": Id("access_key"),
    "secret_key": Token("secret_key"),
    "security_token": Token("security_token"),
    "auth_token": Token("auth_token"),
    "iam_user_name": Id("iam_name"),
    "iam_password": Opaque("iam_password"),
    "iam_domain_name": Id("iam_name"),
    "iam_endpoint_url": Url(),
})
ALIBABA = dict(SHARED, **{
    "region": Id("region"),
    "access_key": Id("access_key"),
    "secret_key": Token("secret_key"),
    "security_token": Token("security_token"),
})
HUAWEI_SECRETS = ("secret_key", "security_token", "auth_token", "iam_password")
ALIBABA_SECRETS = ("secret_key", "security_token")
PROBES = {
    "probe": Choice(["auto", "always", "never"]),
    "probe_host": Id("hostname"),
    "probe_port": Int(1, 65535, extra=(65536, 70000)),
    "probe_timeout": Int(1, 600),
    "ledger": Opaque(),
}

OWN = {
    "drs_job_password": {
        "jobs": ListOfDicts("jobs", required=True),
        "jobs[]": Element("jobs-element"),
        "jobs[].id": Id("drs_job_id", required=True),
        "jobs[].endpoint": Choice(["source", "target"], required=True),
        "jobs[].password": Opaque("jobs-password"),
        "jobs[].kerberos": SubDict("kerberos"),
        "jobs[].kerberos.domain_name": Opaque(),
        "jobs[].kerberos.key_tab_file": Opaque("key_tab_file"),
        "jobs[].kerberos.krb5_conf_file": Opaque(),
        "jobs[].kerberos.user_principal": Opaque(),
        "ledger": Opaque(),
        "password": Opaque("password"),
    },
    "drs_job_info": {
        "jobs": StrList(),
        "jobs[]": Id("drs_job_id", item=True),
        "db_use_type": Choice(["migration", "sync", "cloudDataGuard"]),
        "details": Bool(),
        "name": Id("text"),
        "status": Id("text"),
    },
    "dts_job_password": {
        "jobs": ListOfDicts("jobs", required=True),
        "jobs[]": Element("jobs-element"),
        "jobs[].id": Id("dts_job_id", required=True),
        "jobs[].endpoint": Choice(["source", "destination"], required=True),
        "jobs[].direction": Choice(["forward", "reverse"]),
        "jobs[].user": Id("db_user"),
        "jobs[].password": Opaque("jobs-password"),
        "concurrency": Int(1, 64),
        "ledger": Opaque(),
        "password": Opaque("password"),
        "password_policy": ChoiceList(["gaussdb_mysql", "dcs", "dcs_otc"]),
    },
    "dts_job_info": {
        "jobs": StrList(),
        "jobs[]": Id("dts_job_id", item=True),
        "job_type": Choice(["MIGRATION", "SYNC", "SUBSCRIBE"]),
        "page_size": Choice([10, 20, 30]),
        "status": Id("text"),
        "concurrency": Int(1, 64),
    },
    "dcs_instance_password": dict(PROBES, **{
        "instance_id": Id("dcs_instance_id", required=True),
        "old_password": Opaque("old_password", required=True),
        "new_password": Opaque("new_password", required=True),
    }),
    "gaussdb_mysql_instance_password": dict(PROBES, **{
        "instance_id": Id("gaussdb_instance_id", required=True),
        "password": Opaque("password", required=True),
    }),
    "gaussdb_mysql_user_password": dict(PROBES, **{
        "instance_id": Id("gaussdb_instance_id", required=True),
        "users": ListOfDicts("users", required=True),
        "users[]": Element("users-element"),
        "users[].name": Id("gaussdb_user", required=True),
        "users[].host": Id("db_host"),
        "users[].password": Opaque("users-password"),
        "password": Opaque("password"),
        "wait": Bool(),
        "wait_timeout": Int(1, 86400),
    }),
    "gaussdb_mysql_user_info": {
        "instance_id": Id("gaussdb_instance_id", required=True),
        "names": StrList(),
        "names[]": Id("gaussdb_user", item=True),
    },
    "gaussdb_mysql_instance_info": {"instance_id": Id("gaussdb_instance_id", required=True)},
    "dcs_instance_info": {"instance_id": Id("dcs_instance_id", required=True)},
    "rotation_state": {
        "state_dir": Opaque(required=True),
        "name": Id("credential_name", required=True),
        "action": Choice(["lock", "unlock", "record", "read", "resume"]),
        "rotation_id": Id("text"),
        "owner": Opaque(),
        "force": Bool(),
        "suspend_after": Int(0, 100),
        "step": Opaque(),
        "status": Choice(["in_progress", "completed", "rolled_back", "failed"]),
        "new_run": Bool(),
        "targets": ListOfDicts(),
        "targets[]": Element(),
        "targets[].key": Opaque(required=True),
        "targets[].action": Opaque(required=True),
        "targets[].target": Opaque(),
        "targets[].kind": Opaque(),
        "targets[].outcome": Opaque(),
        "targets[].status": Opaque(),
        "targets[].request_id": Opaque(),
        "targets[].error_code": Opaque(),
        "targets[].error_msg": Opaque(),
        "request_ids": StrList(),
        "request_ids[]": Opaque(),
        "error": Dict(),
        "clear_error": Bool(),
        "details": Dict(),
    },
}
OWN_SECRETS = {
    "drs_job_password": ("password",), "dts_job_password": ("password",),
    "dcs_instance_password": ("old_password", "new_password"), "gaussdb_mysql_instance_password": ("password",),
    "gaussdb_mysql_user_password": ("password",), "drs_job_info": (), "dts_job_info": (),
    "gaussdb_mysql_user_info": (), "gaussdb_mysql_instance_info": (), "dcs_instance_info": (),
    # rotation_state and rotation_report take no secret: a secret given to them anyway is an unknown option
    "rotation_state": ("password", "secret_key"),
    "rotation_report": ("password", "secret_key"),
}
# Nested keys that hold a secret, and where a misspelt one goes.
NESTED_SECRETS = {
    "drs_job_password": {"jobs[]": ("password",), "jobs[].kerberos": ("key_tab_file",)},
    "dts_job_password": {"jobs[]": ("password",)},
    "gaussdb_mysql_user_password": {"users[]": ("password",)},
    "rotation_state": {"targets[]": ("password", "secret")},
    "rotation_report": {"credentials[]": ("password",)},
}
SUBOPTION_DEFAULTS = {"kerberos": dict(KERBEROS, key_tab_file=canary("key_tab_file"))}


def options(module):
    """``{label: Kind}`` for every option of ``module``: ``jobs[].id`` is the key of each item of ``jobs``,
    ``jobs[]`` an item itself, ``~`` a misspelt secret key at that level."""
    shared = {"huawei": HUAWEI, "alibaba": ALIBABA, None: {}}[CLOUD[module]]
    table = dict(shared, **OWN[module])
    secrets = {"huawei": HUAWEI_SECRETS, "alibaba": ALIBABA_SECRETS, None: ()}[CLOUD[module]] + OWN_SECRETS[module]
    top = [label for label in table if "[" not in label and "." not in label]
    table["~"] = Typo(secrets, top)
    for where, names in NESTED_SECRETS.get(module, {}).items():
        known = [label[len(where) + 1:] for label in table if label.startswith(where + ".")]
        known = [k for k in known if "." not in k]
        table[where + ".~"] = Typo(names, known, secret="nested-typo")
    return table


def documented_labels(module):
    """The labels of ``options(module)`` that are options in the documentation (not items, not typos)."""
    return sorted(label for label in options(module) if not label.endswith("[]") and "~" not in label)


# --- cases and batches ----------------------------------------------------------------------------


class Case(object):
    def __init__(self, module, label, category, path, args, value):
        self.module, self.label, self.category, self.path, self.args, self.value = (
            module, label, category, path, args, value)

    def __repr__(self):
        return "<case %s>" % self.describe()

    def describe(self):
        value = "(key removed)" if self.value is DELETE else redact(repr(self.value))
        if len(value) > 160:
            value = value[:120] + "... (%d characters)" % len(value)
        return "%s %s [%s]: %s = %s" % (self.module, self.label, self.category, self.path, value)


def _join(path, name):
    return "%s.%s" % (path, name) if path else name


def _place(args, label, pick_index, pick_key):
    """``(container, key, path)`` of the option ``label`` in ``args`` (an item is made when missing)."""
    node, path, key = args, "", None
    parts = label.split(".")
    for n, part in enumerate(parts):
        last = n == len(parts) - 1
        if part.endswith("[]"):
            name = part[:-2]
            items = node[name]
            index = pick_index(len(items))
            while len(items) <= index:
                items.append(copy.deepcopy(items[0]))
            path = "%s[%d]" % (_join(path, name), index)
            node, key = (items, index) if last else (items[index], None)
        elif part == "~":
            key = pick_key()
            path = _join(path, key)
        else:
            path = _join(path, part)
            if last:
                key = part
            else:
                node = node[part] if part in node else node.setdefault(part, copy.deepcopy(SUBOPTION_DEFAULTS[part]))
    return node, key, path


def _replace(node, key, value):
    if value is DELETE:
        del node[key]
    else:
        node[key] = copy.deepcopy(value)


# Filters that the info modules refuse together with ``jobs`` (mutually exclusive): their cases drop ``jobs``.
WITHOUT_JOBS = {"drs_job_info": ("name", "status", "db_use_type"), "dts_job_info": ("job_type", "status")}


def _baseline_for(module, label):
    args = baseline(module)
    if label in WITHOUT_JOBS.get(module, ()):
        del args["jobs"]
    return args


@st.composite
def case(draw, module, label, kind=None):
    """One hostile case: the baseline of ``module`` with the option ``label`` replaced.

    The category is drawn as an index rotated by a fixed per-option offset: Hypothesis tries the simplest
    draws first, and this way its first batch still exercises different categories for different options.
    """
    kind = kind or options(module)[label]
    args = _baseline_for(module, label)
    node, key, path = _place(args, label, lambda n: draw(st.integers(0, n)), lambda: draw(kind.key()))
    valid = node[key] if isinstance(node, list) else node.get(key)
    branches = kind.branches(valid)
    offset = zlib.crc32(("%s %s" % (module, label)).encode("utf-8")) % len(branches)
    category, value = draw(branches[(draw(st.integers(0, len(branches) - 1)) + offset) % len(branches)])
    _replace(node, key, value)
    return _with_rule(Case(module, label, category, path, args, value), kind)


def _with_rule(item, kind):
    """``item`` with the rule its refusal must state and how much of the value it may show (``Kind.rule``)."""
    item.rule = kind.rule_for(item.category) if kind is not None else None
    item.shows = kind.shows if kind is not None else None
    return item


def batch_strategy(module):
    """One hostile case for every option of ``module``."""
    table = options(module)
    return st.tuples(*[case(module, label, table[label]) for label in sorted(table)]).map(list)


def explicit(module, label, value, category="explicit", index=0, key=None):
    """A fixed case: ``value`` at ``label`` (in item ``index`` of a list; ``key`` names a ``~`` key)."""
    args = _baseline_for(module, label)
    node, key, path = _place(args, label, lambda n: index, lambda: key)
    _replace(node, key, value)
    return _with_rule(Case(module, label, category, path, args, value), options(module).get(label))


# --- running a batch and checking it ---------------------------------------------------------------


def templated(data, play_vars):
    """``data`` with every string holding a secret replaced by a play variable: ansible-core prints the
    source lines of a failed task, so secrets are variables, as in any real playbook."""
    if isinstance(data, dict):
        return dict((k, templated(v, play_vars)) for k, v in data.items())
    if isinstance(data, list):
        return [templated(v, play_vars) for v in data]
    if isinstance(data, str) and TAG in data:
        name = "secret_%03d" % len(play_vars)
        play_vars[name] = data
        return "{{ %s }}" % name
    return data


def task_name(number, item):
    return "hostile %03d %s %s [%s]" % (number, item.module, item.label, item.category.replace("'", ""))


def run_batch(tmp_path, emu, cases, state_dir=None):
    """All ``cases`` as the tasks of one playbook; returns ``(run, names)``."""
    play_vars = {"state_dir": str(state_dir or tmp_path / "state")}
    if any(item.module == "rotation_report" for item in cases):
        play_vars.update(prepare_report_places(play_vars["state_dir"]))
    tasks, names = [], []
    for number, item in enumerate(cases):
        name = task_name(number, item)
        names.append(name)
        tasks.append({"name": name, "credrotate.cloud." + item.module: templated(item.args, play_vars),
                      "ignore_errors": True})
    clouds = set(CLOUD[c.module] for c in cases) - {None}
    env = {}
    for cloud in clouds:
        env.update(hostile_env(cloud))
    defaults = {}
    if emu is not None:
        defaults = {"group/credrotate.cloud.huaweicloud": {"endpoint_url": emu.base_url},
                    "group/credrotate.cloud.alicloud": {"endpoint_url": emu.base_url}}
    run = run_playbook(tmp_path, tasks, env=env, module_defaults=defaults, play_vars=play_vars)
    return run, names


# ansible-core's own argument errors (type, choices, required, elements); each names the option.
CORE_MESSAGES = ("argument '", "value of ", "missing required arguments:", "Unsupported parameters",
                 "elements value for option", "Elements value for option")


def _leaf(path):
    return path.split(".")[-1].split("[")[0]


def case_problem(item, record):
    """Why the result ``record`` of ``item`` breaks the contract, or None."""
    if record is None:
        return "did not report a result"
    result = record["result"]
    msg = "%s" % (result.get("msg") or "")
    shown = redact(msg if len(msg) < 400 else msg[:400] + "...")
    if record["status"] != "failed":
        return "was accepted (status %s): %s" % (record["status"], shown)
    if "MODULE FAILURE" in msg or "Traceback" in msg or "Traceback" in "%s" % result.get("module_stderr", ""):
        return "crashed: %s" % shown
    prefix = "Invalid input for credrotate.cloud.%s: " % item.module
    if msg.startswith(prefix):
        invalid = result.get("invalid")
        # the field itself, or a part of it (jobs given as a list of strings: jobs[0])
        named = [p for p in invalid or () if p == item.path or p.startswith((item.path + "[", item.path + "."))]
        if not named:
            return "invalid is %r, without %s: %s" % (invalid, item.path, shown)
        if not any(p in msg for p in named) and "(see invalid)" not in msg:
            return "the message does not name %s: %s" % (item.path, shown)
        return _rule_problem(item, msg, shown)
    if not any(m in msg for m in CORE_MESSAGES):
        return "failed, but not as invalid input: %s" % shown
    top = item.path.split(".")[0].split("[")[0]
    if _leaf(item.path) not in msg or top not in msg:
        return "ansible-core's message does not name %s: %s" % (item.path, shown)
    return None


def _rule_problem(item, msg, shown):
    """For a case whose kind has a rule (``Kind.rule``): the refusal must state it, and show the refused value only as
    the kind allows (``Kind.shows``: "excerpt", a short escaped excerpt; else nothing of it: a templated path's part
    after its play variable, or a literal path, of 8 characters or more, must not be in the message)."""
    rule = getattr(item, "rule", None)
    if not rule:
        return None
    rules = (rule,) if isinstance(rule, str) else rule
    if not any(r in msg for r in rules):
        return "the message does not state the rule (%s): %s" % (" or ".join(rules), shown)
    if getattr(item, "shows", None) == "excerpt":
        beyond = _beyond_excerpt(item.value, msg)
        if beyond:
            return "the message shows %s of the refused value: %s" % (beyond, shown)
    elif isinstance(item.value, str):
        tail = item.value.rsplit("}}", 1)[-1]
        if len(tail) >= 8 and tail in msg:
            return "the message shows the refused value: %s" % shown
    return None


# Defects found and reported, not fixed yet: ``(name, predicate(case, msg))``. A case whose own result
# shows such a symptom is counted as that known defect, not as a new problem (a request, a write or a
# leak is never excused); each should have a strict xfail reproducer in test_hostile_named_cases.py.
# The defects issue 8's property found first are all fixed (their reproducers are regression tests).
KNOWN_DEFECTS = ()


def known_defect(item, record):
    msg = "%s" % ((record or {}).get("result", {}).get("msg") or "")
    for name, matches in KNOWN_DEFECTS:
        if record is not None and matches(item, msg):
            return name
    return None


def batch_problems(run, emu, cases, names, state_dir=None, known=None):
    """Every way the batch broke the contract, as sentences naming the case (secrets redacted).

    With a list ``known``, a case's own problem that is a known defect goes there instead.
    """
    problems = []
    if run.rc != 0:
        problems.append("ansible-playbook exited %s: %s" % (run.rc, redact(run.stderr[-1500:])))
    by_name = dict((r["task"], r) for r in run.results)
    for name, item in zip(names, cases):
        problem = case_problem(item, by_name.get(name))
        if not problem:
            continue
        defect = known_defect(item, by_name.get(name)) if known is not None else None
        if defect:
            known.append("%s %s (known defect: %s)" % (item.describe(), problem, defect))
        else:
            problems.append("%s %s" % (item.describe(), problem))
    text = run.text()
    if "Traceback (most recent call last)" in text:
        start = text.index("Traceback (most recent call last)")
        problems.append("a traceback in the output: %s" % redact(text[start:start + 1500]))
    if emu is not None:
        entries = journal(emu)
        if entries:
            problems.append("the emulator received %d request(s), %d write(s): %s" % (
                len(entries), len([e for e in entries if e["write"]]),
                ", ".join("%s %s (%s)" % (e["method"], e["path"], e["action"]) for e in entries[:10])))
    if state_dir is not None and os.path.exists(str(state_dir)):
        problems.append("rotation_state (or rotation_report, a credential's) wrote to state_dir: %s"
                        % sorted(os.listdir(str(state_dir))))
    if state_dir is not None:
        problems.extend(report_places_problems(state_dir))
    haystacks = {"output": text, "results": json.dumps(run.results)}
    if emu is not None:
        haystacks["emulator journal"] = json.dumps(journal(emu))
        haystacks["emulator state"] = json.dumps(emu.summary())
    for where, haystack in haystacks.items():
        if TAG in haystack:
            at = haystack.index(TAG)
            excerpt = redact(haystack[max(0, at - 300):at + 80])
            problems.append("a secret leaked into the %s: ...%s..." % (where, excerpt))
    environment = [v for cloud in ("huawei", "alibaba") for v in hostile_env(cloud).values() if TAG in v]
    secrets = set(secrets_of(cases)) | set(environment)
    try:
        assert_no_secrets(run, emu, *sorted(secrets))
    except AssertionError as err:
        problems.append(redact(err))
    return problems


def secrets_of(cases):
    found = []

    def walk(data):
        if isinstance(data, dict):
            for value in data.values():
                walk(value)
        elif isinstance(data, list):
            for value in data:
                walk(value)
        elif isinstance(data, str) and TAG in data:
            found.append(data)

    for item in cases:
        walk(item.args)
    return found


def report(problems, cases, known=()):
    text = "%d problem(s) in a batch of %d hostile cases:\n  %s" % (len(problems), len(cases), "\n  ".join(problems))
    if known:
        text += "\nand %d known defect(s):\n  %s" % (len(known), "\n  ".join(known))
    return text


# --- the rotate action, through the rotation role ---------------------------------------------------
#
# credrotate.cloud.rotate is an action plugin that the role credrotate.cloud.rotation calls with every
# option taken from a rotation_* variable (option_prefix rotation_, so its messages name
# rotation_credential.owner.instance_id, rotation_verify_interval...). A role batch is one play of
# playbooks/rotate.yml over one inventory host per case, each host with its own rotation_* variables:
# ansible-core checks them against roles/rotation/meta/argument_specs.yml, then the action checks the rest.

ROLE_PLAYBOOK = os.path.join(REPO, "playbooks", "rotate.yml")
ROLE_INVALID = "Invalid input for credrotate.cloud.rotation: "
ROLE_SECRETS = ("current_password", "previous_password", "new_password", "vault_secret", "webhook_secret")


class DictOption(Kind):
    """A dictionary option (with or without suboptions) given as something else."""

    def __init__(self, secret=None, required=False):
        self.secret, self.required = secret, required

    def branches(self, valid):
        text = canary(self.secret) if self.secret else "x"
        return self.with_missing([
            _named("string", st.sampled_from([text, "name=%s" % text, "{broken"])),
            _named("integer", st.sampled_from([7, 0])),
            _named("list", st.just([text])),
        ])


class NewPassword(Opaque):
    """rotation_new_password: a supplied password that breaks a target's policy is refused (8 to 32 characters,
    upper and lower case, digits, a special character; no control character)."""

    def branches(self, valid):
        secret = canary(self.secret)
        return wrong_types(self.secret) + [
            _named("breaks the policy", st.sampled_from([TAG, TAG * 4, TAG.lower() + "-pw"])),
            _named("control", _insert(secret, CONTROL, start=len(TAG))),
        ]


class StateDir(Kind):
    """rotation_state_dir: not empty, no control character."""

    def branches(self, valid):
        return [_named("control", _insert(valid, CONTROL, start=1))] + wrong_types()


class RoleChoice(Choice):
    """A choice whose hostile values never happen to be one of the choices ('' is one of fail_after_step)."""

    def branches(self, valid):
        return [b.filter(lambda cv: not (isinstance(cv[1], str) and cv[1] in self.choices))
                for b in Choice.branches(self, valid)]


class RoleTypo(Typo):
    """A misspelt secret variable of the role: still rotation_* (in any case), so the role must refuse it."""

    def key(self):
        return st.sampled_from(self.names).flatmap(typo).map(lambda k: "rotation_" + k).filter(
            lambda k: k.isidentifier() and k not in self.known)


# In every hostile value of the cloud store cases (its characters are valid ones): a refusal message holding it
# shows the value. Not a secret, so not TAG (ansible-core may print such a variable at -vvvv).
STORE_MARK = "Sv%s" % uuid.uuid4().hex[:6]
STORE_RULES = {
    "csms": "1 to 64 letters, digits, '_' or '-'",
    "kms": "1 to 192 letters, digits or _ / + = . @ -",
    "file": "is for rotation_store csms or kms",
}


class StoreSecret(Kind):
    """rotation_store_secret with rotation_store ``store``: the provider's secret name rule (CSMS
    ``^[a-zA-Z0-9_-]{1,64}$``, KMS ``^[A-Za-z0-9_/+=.@-]{1,192}$``, docs/secret-stores.md); with the file store
    no name is accepted. Refused before any request, the message names the variable and the rule, not the value.
    ``only``: the categories to draw from (a case pinned to the values that tell the rules apart)."""

    def __init__(self, store, only=()):
        self.store, self.only = store, only
        self.context, self.rule = {"rotation_store": store}, STORE_RULES[store]

    def branches(self, valid):
        base = "orders-" + STORE_MARK
        if self.store == "file":
            return [_named("with the file store", st.sampled_from([base, "credrotate-" + base]))]
        pairs = [(c, _category(c, base)) for c in ("huge", "control", "percent", "unicode", "space")]
        if self.store == "csms":
            pairs += [
                ("too long", st.integers(65, 90).map(lambda n: (base + "x" * 90)[:n])),
                ("a KMS character", _insert(base, (".", "/", "+", "=", "@"))),  # a valid KMS name
                ("path", _category("path", base)),
                ("dots", _category("dots", base)),
            ]
        else:
            pairs += [
                ("too long", st.integers(193, 230).map(lambda n: (base + "x" * 230)[:n])),
                ("backslash", _category("backslash", base)),
                ("punctuation", _insert(base, ("!", "#", "*", ":", ";", ",", "~", "&", "'", "\"", "<", ">"))),
            ]
        return [_named(c, strategy) for c, strategy in pairs if not self.only or c in self.only]


class CloudStoreId(Kind):
    """rotation_id with rotation_store ``store`` (csms or kms): 1 to 48 letters, digits, '_' or '-', since it names
    the secret's pending version (a CSMS stage credrotate-<id>, a KMS VersionId <id>[.<n>]); with the file store any
    text of 1 to 255 characters. ``only`` as for :class:`StoreSecret`."""

    rule = "1 to 48 letters, digits, '_' or '-'"

    def __init__(self, store, only=()):
        self.store, self.only, self.context = store, only, {"rotation_store": store}

    def branches(self, valid):
        base = "r-" + STORE_MARK
        pairs = [
            ("too long", st.integers(49, 70).map(lambda n: (base + "7" * 70)[:n])),  # valid text, not an id
            ("punctuation", _insert(base, (".", "/", ":", "@", "+", "=", "%", "#", "~", "!", ",", ";", "*", "'", "\\",
                                           "$", "&", "(", "<"))),
            ("a version suffix", st.sampled_from([base + ".2", base + ".1", "%s.%s" % (base, base)])),
        ] + [(c, _category(c, base)) for c in ("space", "unicode", "control", "huge", "path", "percent")]
        return [_named(c, strategy) for c, strategy in pairs if not self.only or c in self.only]


# --- the schedule, the events and the webhook (docs/fleet.md) ------------------------------------------------------

# The base of the rotation_window.* cases: a valid window (every day, the whole day, a zone with DST), so that a hostile
# key that got through would start a rotation (and show as requests) rather than skip outside the window.
WINDOW = {"days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], "hours": "00:00-24:00",
          "timezone": "Europe/Berlin"}
SUBOPTION_DEFAULTS["rotation_window"] = WINDOW
DAY_WORDS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun", "monday", "tuesday", "wednesday", "thursday", "friday",
             "saturday", "sunday")
AGE_RULE = "a whole number followed by m (minutes), h (hours), d (days) or w (weeks)"
HOURS_RULE = "HH:MM-HH:MM"
ZONE_RULE = "an IANA time zone name"
DAYS_RULE = "use mon, tue, wed, thu, fri, sat or sun"
STRING_RULE = "must be a string"
# Hostile values that no rule refuses yet, a rule missing or not holding (reported, see the README): {variable:
# {category: why}}. These categories are not drawn, since the run would go ahead (requests, writes, which no known
# defect excuses); once the rule holds, the entry goes and the property draws them.
ROLE_MISSING_RULES = {}  # variable -> {case: why no rule refuses it yet}; empty: every rule holds


def _inside(valid, pieces):
    """``valid`` with one of ``pieces`` inserted strictly inside it: the schedule parsers trim blanks at either end (the
    day names any whitespace), so a tab or a newline there is no hostile value."""
    pieces = st.sampled_from(pieces) if isinstance(pieces, (tuple, list)) else pieces
    return st.tuples(st.integers(1, len(valid) - 1), pieces).map(lambda t: valid[:t[0]] + t[1] + valid[t[0]:])


def _without_missing(variable, pairs):
    """The branches of ``pairs`` (``(category, strategy)``) but for the categories no rule refuses yet."""
    missing = ROLE_MISSING_RULES.get(variable, {})
    return [_named(c, strategy) for c, strategy in pairs if c not in missing]


def _rules(words, categories, **more):
    rules = dict.fromkeys(categories, words)
    rules.update(more)
    return rules


class MaxAge(Kind):
    """rotation_max_age: a whole number with a unit s, m, h, d or w (lower case), or whole seconds; more than 0 and at
    most 3650 days. The refusal names the variable and the rule and shows at most a short escaped excerpt."""

    LIMIT = {"": 315360000, "s": 315360000, "m": 5256000, "h": 87600, "d": 3650, "w": 521}
    rule = _rules(AGE_RULE, ("zero", "too long", "negative", "fraction", "unit", "not a number", "control", "unicode",
                             "space", "huge"), **{"wrong type": STRING_RULE})
    shows = "excerpt"

    def branches(self, valid):
        unit = st.sampled_from(sorted(self.LIMIT))
        return [
            _named("zero", st.one_of(unit.map(lambda u: "0" + u), st.sampled_from(["00", "000000000000w"]))),
            _named("too long", unit.flatmap(lambda u: st.integers(self.LIMIT[u] + 1, 10 ** 12 - 1).map(
                lambda n: "%d%s" % (n, u)))),
            _named("negative", st.one_of(st.tuples(st.integers(-10 ** 6, -1), unit).map(lambda t: "%d%s" % t),
                                         st.integers(-2 ** 63, -1))),
            _named("fraction", st.one_of(st.tuples(st.integers(0, 99), st.integers(1, 9), unit).map(
                lambda t: "%d.%d%s" % t), st.sampled_from([0.5, 1.5, 90.25]))),
            # months and years are no units, units are lower case
            _named("unit", st.tuples(st.integers(1, 3650), st.sampled_from(
                ["D", "H", "W", "M", "S", "mo", "months", "y", "years", "days", "dd", "ms", "us", "min", "sec", "x",
                 "%"])).map(lambda t: "%d%s" % t)),
            _named("not a number", st.text(alphabet=string.ascii_letters + "-_/.:@*", min_size=1, max_size=12)),
            _named("control", _inside("90d", CONTROL)),
            _named("unicode", _inside("90d", UNICODE)),
            _named("space", st.sampled_from(["9 0d", "1 2h", "90 d d", "90d 5h", "9\u00a00d"])),
            _named("huge", st.one_of(_huge("9"), st.integers(13, 40).map(lambda n: "9" * n + "d"))),
        ] + wrong_types()


class WindowOption(DictOption):
    """rotation_window given as something else than a dictionary, or with an unknown key (ansible-core refuses those
    from the role's argument spec, naming the variable and the key)."""

    def branches(self, valid):
        keys = st.sampled_from(["day", "hour", "Days", "Hours", "time_zone", "tz", "zone", "weekdays", "start", "end",
                                "timezone "])
        unknown = st.tuples(keys, st.sampled_from(["mon", "01:00-05:00", "UTC"])).map(
            lambda t: dict(WINDOW, **{t[0]: t[1]}))
        return DictOption.branches(self, valid) + [_named("unknown key", unknown)]


class WindowDays(Kind):
    """rotation_window.days: a list of day names (mon ... sun, monday ... sunday, any case) or ranges (mon-fri), not
    empty. An empty list is hostile (the window would never open), not "not set"."""

    rule = _rules(DAYS_RULE, ("not a day", "bad range", "control", "unicode", "huge", "path"),
                  **{"no day": "name at least one day", "element of wrong type": STRING_RULE})
    shows = "excerpt"
    empty_hostile = True

    def branches(self, valid):
        day = st.sampled_from(DAY_WORDS)
        word = st.text(alphabet=string.ascii_lowercase + "_.", min_size=1, max_size=10).filter(
            lambda w: w not in DAY_WORDS)

        def listed(strategy):
            return strategy.map(lambda v: [v])
        return [
            _named("not a day", st.one_of(
                st.lists(word, min_size=1, max_size=3), st.tuples(day, word).map(list),
                word.map(lambda w: "mon," + w),  # a string: split at commas
                st.sampled_from([[""], [" "], ["mo"], ["mondays"], ["weekday"], ["*"], ["1"], ["0"]]))),
            _named("bad range", st.one_of(
                listed(st.tuples(day, word).map(lambda t: "%s-%s" % t)),
                listed(st.tuples(word, day).map(lambda t: "%s-%s" % t)),
                st.sampled_from([["mon-"], ["-fri"], ["mon-tue-wed"], ["mon--fri"], ["mon\u2013fri"], ["mon..fri"]]))),
            _named("no day", st.just([])),
            _named("control", listed(day.flatmap(lambda d: _inside(d, CONTROL)))),
            _named("unicode", listed(day.flatmap(lambda d: _inside(d, UNICODE)))),
            _named("huge", listed(_huge("m"))),
            _named("path", st.sampled_from([["../mon"], ["mon/.."], ["/etc/passwd"], ["mon/../tue"]])),
            _named("element of wrong type", st.sampled_from([[{"day": "mon"}], [["mon"]], [{}]])),
            _named("wrong type: dict", st.sampled_from([{"mon": True}, {"days": ["mon"]}])),
        ]


class WindowHours(Kind):
    """rotation_window.hours: HH:MM-HH:MM (24-hour clock, 00:00-24:00 the whole day), start and end not equal."""

    rule = _rules(HOURS_RULE, ("out of range", "empty window", "format", "control", "unicode", "huge"),
                  **{"wrong type": STRING_RULE})
    shows = "excerpt"

    def branches(self, valid):
        sample = "01:00-05:00"
        hour, minute = st.integers(0, 23), st.integers(0, 59)
        bad_hour, bad_minute = st.integers(24, 99), st.integers(60, 99)

        def clock(t):
            return "%02d:%02d-%02d:%02d" % t
        return [
            _named("out of range", st.one_of(
                st.tuples(bad_hour, minute, hour, minute), st.tuples(hour, bad_minute, hour, minute),
                st.tuples(hour, minute, st.integers(25, 99), minute), st.tuples(hour, minute, hour, bad_minute),
                st.tuples(hour, minute, st.just(24), st.integers(1, 59))).map(clock)),
            _named("empty window", st.tuples(hour, minute).map(lambda t: clock(t + t))),
            _named("format", st.one_of(
                _inside(sample, tuple("0123456789:-/.,;apmAPMT+x")),
                st.sampled_from(["1:00-5:00", "01:00", "01:00-", "-05:00", "01-05", "0100-0500", "01:00-05:00-06:00",
                                 "01.00-05.00", "01:00 to 05:00", "01:00\u201305:00", "1am-5am", "01:00:00-05:00:00",
                                 "always", "*", "01:00-05:00,07:00-09:00"]))),
            _named("control", _inside(sample, CONTROL)),
            _named("unicode", _inside(sample, UNICODE)),
            _named("huge", _huge("0")),
        ] + wrong_types()


class WindowTimezone(Kind):
    """rotation_window.timezone: an IANA time zone name the controller knows (no path, no '..', no control
    character)."""

    rule = _rules(ZONE_RULE, ("unknown zone", "path", "control", "unicode", "space", "percent", "huge"),
                  **{"wrong type": STRING_RULE})
    shows = "excerpt"

    def branches(self, valid):
        zone = WINDOW["timezone"]
        word = st.text(alphabet=string.ascii_letters, min_size=3, max_size=12)
        return [
            _named("unknown zone", st.one_of(word.map(lambda w: "Nowhere/" + w),
                                             st.sampled_from(["Mars/Olympus", "Europe/Atlantis", "Asia/Hogwarts"]))),
            _named("path", st.one_of(
                _insert(zone, ("/", "/../", "../", "/..", "//", "./")),
                st.sampled_from(["../../etc/passwd", "/etc/localtime", "/usr/share/zoneinfo/UTC",
                                 "Europe/../../etc/passwd", "./UTC", "Europe/Berlin/../Paris", "..", "."]))),
            _named("control", _insert(zone, CONTROL)),
            _named("unicode", _insert(zone, UNICODE)),
            _named("space", _insert(zone, (" ", "  "))),
            _named("percent", st.sampled_from(["%2e%2e/etc/passwd", "Europe%2FBerlin", "%2e%2e"])),
            _named("huge", _huge(zone)),
        ] + wrong_types()


class EventsFile(Kind):
    """rotation_events_file: a path on the controller. A container is refused; the rules a path should have (no
    control character, 1 to 4096 characters, as rotation_state_dir) do not exist yet (ROLE_MISSING_RULES)."""

    rule = {"wrong type": STRING_RULE}

    def branches(self, valid):
        sample = "/tmp/credrotate-hostile-events.jsonl"
        pairs = [("control", _insert(sample, CONTROL, start=1)),
                 ("huge", st.integers(4097, 6000).map(lambda n: "/tmp/" + "e" * n))]
        return _without_missing("rotation_events_file", pairs) + wrong_types()


# The webhook cases' values name this host (STORE_MARK in it): a refusal must not show the URL (it may hold a token).
WEBHOOK_HOST = "hooks-%s.example.com" % STORE_MARK
PRINTABLE_RULE = "must be printable ASCII"
HOST_RULE = "must name a host"


class WebhookUrl(Kind):
    """rotation_webhook_url: printable ASCII, http:// or https://, a host (a DNS name or an IP address, IPv6 in
    brackets; at most 253 characters) and a port from 1 to 65535, no user info (plugins/plugin_utils/_events.py
    check_url, called by the action before the engine runs). The refusal names the variable and the rule and never
    shows the URL. The case sets a webhook secret (a canary) too, which must not show either."""

    context = {"rotation_webhook_secret": canary("webhook_secret")}
    rule = _rules(PRINTABLE_RULE, ("control", "space", "unicode", "backslash", "a newline at the end"), **{
        # a password with '/', '#' or '?' ends the host part early: then the host part is what is wrong
        "user info": ("must not hold credentials", HOST_RULE),
        "scheme": "must start with https:// or http://",
        "no host": HOST_RULE,
        "huge": HOST_RULE,
        "port": "port out of range (1 to 65535)",
        "wrong type": STRING_RULE,
    })

    def branches(self, valid):
        host = WEBHOOK_HOST
        base = "https://%s/credrotate" % host
        scheme = st.sampled_from(["https", "http"])
        password = st.tuples(st.sampled_from(["", "/x", "#f", "?q", ":more"]), st.sampled_from(["url", "url2"])).map(
            lambda t: canary(t[1]) + t[0])
        userinfo = st.one_of(
            st.builds(lambda s, u, p: "%s://%s:%s@%s/hook" % (s, u, p, host), scheme,
                      st.sampled_from(["u", "admin", ""]), password),
            st.builds(lambda s, p: "%s://%s@%s/hook" % (s, p, host), scheme, password),
        )
        label = "a" * 60
        pairs = [
            ("user info", userinfo),
            ("scheme", st.sampled_from([
                "ftp://%s/x" % host, "file:///etc/%s" % STORE_MARK, "gopher://%s:70/" % host,
                "javascript:alert('%s')" % STORE_MARK, "//%s/hook" % host, "https:%s/hook" % host,
                "mailto:%s@example.com" % STORE_MARK, "%s/hook" % host, "wss://%s/hook" % host, "HTTPS//%s" % host])),
            # (a newline at the very end is its own category: ROLE_MISSING_RULES)
            ("control", _insert(base, CONTROL).filter(lambda v: v != base + "\n")),
            ("space", _insert(base, (" ", "  "))),
            ("unicode", _insert(base, UNICODE)),
            ("backslash", _insert(base, ("\\", "\\..\\"))),
            ("a newline at the end", st.sampled_from([base + "\n", "https://%s\n" % host])),
            ("no host", st.sampled_from([
                "https:///" + STORE_MARK, "https://:8443/" + STORE_MARK, "https://.%s" % host,
                "https://%s..example.com" % STORE_MARK, "https://-%s.example.com" % STORE_MARK,
                "https://[::zz]/" + STORE_MARK, "https://[%s]/" % STORE_MARK, "https://%s:/x" % host,
                "https://%s:abc/x" % host, "https://%s:123456/x" % host, "https://%s.example.com-/x" % STORE_MARK])),
            ("port", st.one_of(st.sampled_from(["0", "00000", "65536", "99999"]), st.integers(65536, 99999).map(
                str)).map(lambda p: "https://%s:%s/hook" % (host, p))),
            ("huge", st.one_of(
                st.integers(64, 200).map(lambda n: "https://%s%s.example.com/" % (STORE_MARK, "a" * n)),  # a label
                st.integers(5, 40).map(lambda n: "https://%s.%s.example.com/" % (STORE_MARK, ".".join([label] * n))),
                st.integers(10000, 12000).map(lambda n: "https://%s%s.com" % (STORE_MARK, "a" * n)))),
        ]
        return _without_missing("rotation_webhook_url", pairs) + wrong_types("url")


class WebhookSecret(Opaque):
    """rotation_webhook_secret (no_log): any text, but a container or a blank string is refused; never shown. The case
    sets rotation_webhook_url (a closed loopback port), so that the secret is the one a delivery would sign with."""

    context = {"rotation_webhook_url": "http://127.0.0.1:9/credrotate"}
    rule = {"blank": "must not be blank", "wrong type": STRING_RULE}

    def __init__(self):
        Opaque.__init__(self, "webhook_secret")

    def branches(self, valid):
        return wrong_types(self.secret) + [_named("blank", st.sampled_from([" ", "   ", "\t", " \t "]))]


class PropagateNewPassword(Kind):
    """rotation_new_password with rotation_mode propagate (the store's current password is propagated): any new
    password is refused, naming both variables, never showing the password."""

    context = {"rotation_mode": "propagate"}
    rule = "must not be set with rotation_mode=propagate"
    secret = "new_password"

    def branches(self, valid):
        return [_named("with rotation_mode=propagate", st.sampled_from([canary(self.secret),
                                                                        canary("propagate-password")]))]


# Cases of the cloud store rules that need another variable set besides their own (Kind.context), drawn in every
# role batch besides one case per variable (ROLE_OPTIONS' own rotation_store_secret case is the CSMS one). The
# pinned ones always draw a value that is valid by the other rule (free text, a KMS name) or names a KMS version.
ROLE_STORE_CASES = (
    ("rotation_store_secret", StoreSecret("kms")),
    ("rotation_store_secret", StoreSecret("file")),
    ("rotation_store_secret", StoreSecret("csms", only=("a KMS character",))),
    ("rotation_store_secret", StoreSecret("kms", only=("too long",))),
    ("rotation_id", CloudStoreId("csms")),
    ("rotation_id", CloudStoreId("kms")),
    ("rotation_id", CloudStoreId("csms", only=("too long",))),
    ("rotation_id", CloudStoreId("kms", only=("a version suffix", "too long"))),
)
# Every case that needs another variable set (Kind.context): the store ones, and a new password with
# rotation_mode=propagate (the webhook cases set a webhook secret or URL, but are the variables' own cases).
ROLE_CONTEXT_CASES = ROLE_STORE_CASES + (
    ("rotation_new_password", PropagateNewPassword()),
)


ROLE_OPTIONS = {
    "rotation_credential": DictOption(required=True),
    "rotation_credential.name": Id("credential_name", required=True),
    "rotation_credential.owner": DictOption(required=True),
    "rotation_credential.owner.type": RoleChoice(["gaussdb_mysql_user", "gaussdb_mysql_root", "dcs_instance"],
                                                 required=True),
    "rotation_credential.owner.instance_id": Id("gaussdb_instance_id", required=True),
    "rotation_credential.owner.user": Id("gaussdb_user", required=True),  # required for a gaussdb_mysql_user
    "rotation_credential.owner.host": Id("db_host"),
    "rotation_credential.owner.probe_host": Id("hostname"),
    "rotation_credential.owner.probe_port": Int(1, 65535, extra=(65536, 70000)),
    "rotation_credential.dependants": ListOfDicts(),
    "rotation_credential.dependants[]": Element(),
    "rotation_credential.dependants[].type": RoleChoice(["drs", "dts"], required=True),
    "rotation_credential.dependants[].job_id": Id("drs_job_id", required=True),
    "rotation_credential.dependants[].endpoint": RoleChoice(["source", "target", "destination"], required=True),
    "rotation_credential.dependants[].user": Id("db_user"),
    "rotation_credential.dependants[].direction": RoleChoice(["forward", "reverse"]),
    "rotation_current_password": Opaque("current_password"),
    "rotation_previous_password": Opaque("previous_password"),
    "rotation_new_password": NewPassword("new_password"),
    "rotation_password_length": Int(8, 32),
    "rotation_id": Id("text"),
    "rotation_state_dir": StateDir(),
    "rotation_vault_secret": Opaque("vault_secret"),
    "rotation_store": RoleChoice(["file", "csms", "kms"]),
    "rotation_store_secret": StoreSecret("csms"),
    "rotation_store_format": RoleChoice(["password", "json"]),
    "rotation_mode": RoleChoice(["rotate", "propagate"]),
    "rotation_max_age": MaxAge(),
    "rotation_window": WindowOption(),
    "rotation_window.days": WindowDays(),
    "rotation_window.hours": WindowHours(),
    "rotation_window.timezone": WindowTimezone(),
    "rotation_force": Bool(),
    "rotation_suspend_after": Int(0, 100),
    "rotation_events_file": EventsFile(),
    "rotation_webhook_url": WebhookUrl(),
    "rotation_webhook_secret": WebhookSecret(),
    "rotation_webhook_timeout": Int(1, 300),
    "rotation_cloud": RoleChoice(["huaweicloud", "otc"]),
    "rotation_probe": RoleChoice(["always", "never"]),
    "rotation_probe_timeout": Int(1, 600),
    "rotation_discover_dependants": Bool(),
    "rotation_discover_services": ChoiceList(["drs", "dts"]),
    "rotation_discover_ignore": StrList(),
    "rotation_discover_ignore[]": Id("drs_job_id", item=True),
    "rotation_verify_timeout": Int(0, 86400),
    "rotation_verify_interval": Int(1, 3600),
    "rotation_wait_timeout": Int(1, 86400),
    "rotation_dts_concurrency": Int(1, 64),
    "rotation_rollback": Bool(),
    "rotation_reconcile": Bool(),
    "rotation_no_log": Bool(),
    "rotation_fail_after_step": RoleChoice(["", "validate", "preflight", "pending", "set", "propagate", "verify",
                                            "promote_secret", "promote"]),
    "rotation_huaweicloud": Dict(),
    "rotation_alicloud": Dict(),
}
# Declared variables the property leaves out, and why (a hostile value of one of them is not refused: the
# role runs the rotation; see ROLE_DEFECTS in test_hostile_named_cases.py).
ROLE_UNCHECKED = {
    "rotation_hosts": "the host pattern of playbooks/rotate.yml, not a role option: any string is a pattern (a "
                      "list is refused before any request: test_role_defect_reproducers)",
}
# The action's own option names: the role variable without its rotation_ prefix (rotation_id is rotation_id).
ACTION_OPTION = {"rotation_id": "rotation_id"}
ROLE_ONLY = ("rotation_no_log", "rotation_hosts")  # role variables that are no option of the action
ACTION_ONLY = ("option_prefix",)  # set by the role, never by the user


def action_label(variable):
    """The action's option of a role variable's label: ``rotation_window.days`` is ``window.days``,
    ``rotation_credential.owner.type`` is ``credential.owner.type``, ``rotation_id`` is ``rotation_id``."""
    top, dot, rest = variable.partition(".")
    return ACTION_OPTION.get(top, top[len("rotation_"):]) + dot + rest


def role_options():
    """``{label: Kind}`` for every variable of the role (``~``: a misspelt secret variable, or key)."""
    table = dict(ROLE_OPTIONS)
    top = [label for label in table if "[" not in label and "." not in label]
    table["~"] = RoleTypo(ROLE_SECRETS, top, secret="typo")
    for where, names in (("rotation_credential", ("password",)), ("rotation_credential.owner", ("password",)),
                         ("rotation_credential.dependants[]", ("password",))):
        known = [label[len(where) + 1:] for label in table if label.startswith(where + ".")]
        table[where + ".~"] = Typo(names, [k for k in known if "." not in k], secret="nested-typo")
    return table


def role_documented_labels():
    labels = [label for label in role_options() if not label.endswith("[]") and "~" not in label]
    return sorted(labels + list(ROLE_UNCHECKED))


def role_baseline(state_dir, endpoint_url):
    """One host's valid variables (a GaussDB user and two dependants of the demo estate); the secrets are canaries."""
    return {
        "rotation_credential": {
            "name": "orders-db",
            "owner": {"type": "gaussdb_mysql_user", "instance_id": GDB, "user": "crdemo_orders", "host": "%",
                      "probe_host": "db.example.com", "probe_port": 3306},
            "dependants": [{"type": "drs", "job_id": DRS_JOBS[0], "endpoint": "source"},
                           {"type": "dts", "job_id": DTS_JOB, "endpoint": "source", "direction": "forward"}],
        },
        "rotation_current_password": canary("current_password"),
        "rotation_new_password": canary("new_password"),
        "rotation_vault_secret": canary("vault_secret"),
        "rotation_id": "r-0001",
        "rotation_state_dir": state_dir,
        "rotation_probe": "never",
        "rotation_discover_ignore": [DRS_JOBS[1]],
        "rotation_huaweicloud": {"endpoint_url": endpoint_url},
        "rotation_alicloud": {"endpoint_url": endpoint_url},
    }


@st.composite
def role_case(draw, label, kind, state_dir, endpoint_url):
    args = dict(role_baseline(state_dir, endpoint_url), **kind.context)
    node, key, path = _place(args, label, lambda n: draw(st.integers(0, n)), lambda: draw(kind.key()))
    valid = node[key] if isinstance(node, list) else node.get(key)
    branches = kind.branches(valid)
    if not (kind.required or label.endswith("[]") or kind.empty_hostile):
        # an empty value means "not set" for an optional variable (AWX injects empty variables; the role
        # reads them with default(omit, true)): not hostile, it would start a rotation
        branches = [b.filter(lambda cv: not (isinstance(cv[1], (str, list, dict)) and not cv[1])) for b in branches]
    # (the store cases of one variable differ; a canary in the context is random per run, so it is redacted)
    context = redact(" %r" % (sorted(kind.context.items()) + list(getattr(kind, "only", ())))) if kind.context else ""
    offset = zlib.crc32(("rotation %s%s" % (label, context)).encode("utf-8")) % len(branches)
    category, value = draw(branches[(draw(st.integers(0, len(branches) - 1)) + offset) % len(branches)])
    _replace(node, key, value)
    item = Case("rotation", label, category, path, args, value)
    item.rule, item.shows = kind.rule_for(category), kind.shows
    return item


def role_batch_strategy(state_dir, endpoint_url):
    """One hostile case for every variable of the role, and one for each of ``ROLE_CONTEXT_CASES`` (the paths of
    state_dir and the emulator are fixed per test, so that a case is a complete inventory host)."""
    table = role_options()
    cases = [role_case(label, table[label], state_dir, endpoint_url) for label in sorted(table)]
    cases += [role_case(label, kind, state_dir, endpoint_url) for label, kind in ROLE_CONTEXT_CASES]
    return st.tuples(*cases).map(list)


def role_explicit(label, value, state_dir, endpoint_url, category="explicit", index=0, key=None):
    args = role_baseline(state_dir, endpoint_url)
    node, key, path = _place(args, label, lambda n: index, lambda: key)
    _replace(node, key, value)
    return Case("rotation", label, category, path, args, value)


def run_role_batch(tmp_path, emu, cases):
    """Every case as one inventory host of one run of playbooks/rotate.yml; returns ``(run, hosts)``."""
    hosts = ["hostile-%03d" % n for n in range(len(cases))]
    inventory = {"credentials": {"hosts": dict((h, c.args) for h, c in zip(hosts, cases))}}
    path = tmp_path / "inventory.yml"
    path.write_text(yaml.safe_dump(inventory, sort_keys=False))
    # (a webhook secret from the environment too: the one a webhook_url case without its own would sign with)
    env = base_env(tmp_path, dict(hostile_env("huawei"), CREDROTATE_WEBHOOK_SECRET=canary("env-webhook_secret"),
                                  **hostile_env("alibaba")))
    proc = subprocess.run([os.path.join(BIN, "ansible-playbook"), "-i", str(path), ROLE_PLAYBOOK, "-vvvv", "--diff"],
                          env=env, cwd=REPO, capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=900,
                          check=False)
    return Run(proc, _read_results(env["CREDROTATE_RESULT_DUMP"])), hosts


def _beyond_excerpt(value, body):
    """What ``body`` shows of ``value`` (a string, or each string of a list) beyond a short escaped excerpt (the
    schedule parsers' ``repr`` of at most 40 characters): a raw unprintable character, or more than 40 characters."""
    for text in ([value] if isinstance(value, str) else [v for v in value if isinstance(v, str)]
                 if isinstance(value, list) else []):
        if any(not c.isprintable() and c in body for c in text):
            return "an unprintable character"
        if len(text) > 40 and text[:41] in body:
            return "more than 40 characters"
    return None


def role_case_problem(item, records):
    """Why the results of ``item``'s host break the contract, or None."""
    failed = [r for r in records if r["status"] == "failed"]
    if not failed:
        return "was accepted (%s)" % ", ".join("%s: %s" % (r["task"], r["status"]) for r in records[-3:])
    msgs = []
    for record in failed:
        msg = record["result"].get("msg") or ""
        msgs.append("\n".join("%s" % m for m in msg) if isinstance(msg, list) else "%s" % msg)
    msg = "\n".join(msgs)
    shown = redact(msg if len(msg) < 500 else msg[:500] + "...")
    stderr = " ".join("%s" % r["result"].get("module_stderr", "") for r in failed)
    if "MODULE FAILURE" in msg or "Traceback" in msg or "Traceback" in stderr:
        return "crashed: %s" % shown
    policy = "%s for " % item.path
    if policy in msg and "breaks the password policy" in msg and msg.rstrip().endswith("Nothing was changed."):
        return None  # the documented refusal of a supplied password, naming it and the rule
    if ROLE_INVALID in msg:
        body = msg[msg.index(ROLE_INVALID):]
        if item.path not in body and "(see invalid)" not in body:
            return "the message does not name %s: %s" % (item.path, shown)
        rule = getattr(item, "rule", None)
        rules = (rule,) if isinstance(rule, str) else rule
        if rules and not any(r in body for r in rules):
            return "the message does not state the rule (%s): %s" % (" or ".join(rules), shown)
        if rules and getattr(item, "shows", None) == "excerpt":
            beyond = _beyond_excerpt(item.value, body)
            if beyond:
                return "the message shows %s of the refused value: %s" % (beyond, shown)
        elif rules and isinstance(item.value, str) and (
                STORE_MARK in msg or (len(item.value) >= 4 and item.value in msg)):
            return "the message shows the refused value: %s" % shown
        return None
    if not any(m in msg for m in CORE_MESSAGES + ("Supported parameters include",)):
        return "failed, but not as invalid input: %s" % shown
    # ansible-core names the option, and for a nested one its parent
    parts = [p.split("[")[0] for p in item.path.split(".")]
    if parts[-1] not in msg or (len(parts) > 1 and parts[-2] not in msg):
        return "ansible-core's message does not name %s: %s" % (item.path, shown)
    return None


# Defects of the rotate action that this property found (reported, not fixed yet; plugins/** untouched here):
# ``(name, predicate(case, problem))``. A case whose own problem matches is listed as known (the property then
# xfails); a request, a write or a leak is never excused. Each has a strict xfail reproducer in
# test_hostile_named_cases.py (ROLE_DEFECTS).
ROLE_KNOWN_DEFECTS = (
    # (rotation_window too: ansible-core's role argument validation, for any dictionary with options)
    ("credential-not-a-dict-unnamed",
     lambda item, problem: item.path in ("rotation_credential", "rotation_credential.owner", "rotation_window")
     and "is not iterable" in problem),
    # ansible-core's check_type_int lets OverflowError out for inf, -inf, 'Infinity' (int(Decimal('Infinity'))), in the
    # role argument validation before any task of the role: 'Task failed: cannot convert Infinity to integer', no
    # variable named. Upstream (ansible/ansible#87253 catches ArithmeticError); any int variable of the role.
    ("integer-infinity-unnamed", lambda item, problem: "cannot convert Infinity to integer" in problem),
)


def role_batch_problems(run, emu, cases, hosts, tmp_path, state_dir, known=None):
    problems = []
    for host, item in zip(hosts, cases):
        records = [r for r in run.results if r.get("host") == host]
        problem = role_case_problem(item, records) if records else "did not report a result"
        if not problem:
            continue
        defect = [n for n, matches in ROLE_KNOWN_DEFECTS if matches(item, problem)] if known is not None else []
        if defect:
            known.append("%s %s %s (known defect: %s)" % (host, item.describe(), problem, defect[0]))
        else:
            problems.append("%s %s %s" % (host, item.describe(), problem))
    text = run.text()
    if "Traceback (most recent call last)" in text:
        start = text.index("Traceback (most recent call last)")
        problems.append("a traceback in the output: %s" % redact(text[start:start + 1500]))
    entries = journal(emu)
    if entries:
        problems.append("the emulator received %d request(s): %s" % (
            len(entries), ", ".join("%s %s (%s)" % (e["method"], e["path"], e["action"]) for e in entries[:10])))
    # the state dir, and a state dir with a character added (a hostile rotation_state_dir that was accepted)
    made = sorted(n for n in os.listdir(str(tmp_path)) if n.startswith(os.path.basename(state_dir)))
    if made:
        problems.append("state written: %r" % made)
    haystacks = {"output": text, "results": json.dumps(run.results), "emulator journal": json.dumps(entries),
                 "emulator state": json.dumps(emu.summary())}
    for where, haystack in haystacks.items():
        if TAG in haystack:
            at = haystack.index(TAG)
            problems.append("a secret leaked into the %s: ...%s..." % (
                where, redact(haystack[max(0, at - 300):at + 80])))
    return problems


# --- rotation_report: the fleet report (local; reads state records, writes only its two report files) ----------------
#
# The report's baseline reads a state directory that holds a record (report_state_dir, which must stay as it is) and
# one that does not exist (state_dir, which must not be created), and writes its files to report_dir, which a batch of
# refused cases leaves empty. These places are play variables beside state_dir (report_places), made by run_batch for a
# batch with a rotation_report case and checked by batch_problems.

REPORT_FILES = {"json_path": "{{ report_dir }}/report.json", "junit_path": "{{ report_dir }}/report.xml"}
REPORT_RECORD = {"version": 1, "name": "orders-db", "rotation_id": "r-0001", "status": "completed",
                 "started_at": "2026-01-01T00:00:00Z", "finished_at": "2026-01-01T00:05:00Z", "error": None,
                 "history": [], "lock": None}
REPORT_RECORD_TEXT = json.dumps(REPORT_RECORD, indent=2, sort_keys=True) + "\n"
PATH_RULE = "a path of 1 to 4096 characters without control characters"


def report_places(state_dir):
    """The play variables of the rotation_report cases, beside ``state_dir``: ``report_dir`` (where the report files
    go), ``report_state_dir`` (a state directory holding the record of orders-db) and ``report_fifo`` (a named pipe:
    reading it blocks, replacing it would replace it)."""
    base = os.path.dirname(str(state_dir))
    return {"report_dir": os.path.join(base, "reports"), "report_state_dir": os.path.join(base, "report-state"),
            "report_fifo": os.path.join(base, "report.fifo")}


def prepare_report_places(state_dir):
    places = report_places(state_dir)
    for name in ("report_dir", "report_state_dir"):
        if not os.path.isdir(places[name]):
            os.makedirs(places[name])
    record = os.path.join(places["report_state_dir"], "orders-db.json")
    if not os.path.exists(record):
        with open(record, "w") as handle:
            handle.write(REPORT_RECORD_TEXT)
    if not os.path.exists(places["report_fifo"]):
        os.mkfifo(places["report_fifo"])
    return places


def report_places_problems(state_dir, reports=()):
    """What the rotation_report cases of a batch changed: a report file (but ``reports``, names the run may write) or
    anything under the state directory; none when the places were not made."""
    places = report_places(state_dir)
    if not os.path.isdir(places["report_dir"]):
        return []
    problems = []
    written = sorted(set(os.listdir(places["report_dir"])) - set(reports))
    if written:
        problems.append("rotation_report wrote a report despite bad input: %s" % written)
    found = sorted(os.listdir(places["report_state_dir"]))
    if found != ["orders-db.json"]:
        problems.append("rotation_report changed its state directory: %s" % found)
    else:
        with open(os.path.join(places["report_state_dir"], "orders-db.json")) as handle:
            if handle.read() != REPORT_RECORD_TEXT:
                problems.append("rotation_report replaced the state record of orders-db")
    if not stat.S_ISFIFO(os.lstat(places["report_fifo"]).st_mode):
        problems.append("rotation_report replaced the named pipe report.fifo with a file")
    return problems


class ReportPath(Kind):
    """A path option of rotation_report: the path rule (1 to 4096 characters, no control character), and

    * ``other`` set (json_path, junit_path; ``other`` is the other report file's baseline): a regular file, or none
      yet, in an existing directory that is not a state directory (the report would replace a record), and not the
      other report file;
    * else (state_dir, ``credentials[].state_dir``): a directory when it exists (a missing one has no records).

    A traversal or a relative path is not hostile by itself (a state directory is only read; a report file goes where
    the operator says, relative to the controller's working directory): such values are drawn where they break one of
    these rules (into a missing directory or the state directory, onto a directory or the named pipe). An empty value is
    hostile in a list item (``item``), "not set" at the top. The refusal states the rule and never shows the path.
    """

    rule = {"control": PATH_RULE, "huge": PATH_RULE, "empty": PATH_RULE, "wrong type": STRING_RULE,
            "not a directory": "must name a directory", "a directory": "not a directory",
            "missing directory": "existing directory", "in a state directory": "state directory",
            "not a regular file": "regular file", "same file": "same file"}

    def __init__(self, other=None, item=False):
        self.other, self.item = other, item

    def branches(self, valid):
        if self.other:
            where, sample = "{{ report_dir }}", REPORT_FILES["json_path"]
        else:
            where, sample = "{{ report_state_dir }}", "{{ report_state_dir }}/state"
        start = len(where) + 1  # after the play variable and its '/': a control character strictly inside the name
        pairs = [
            ("control", st.tuples(st.integers(start, len(sample) - 1), st.sampled_from(CONTROL)).map(
                lambda t: sample[:t[0]] + t[1] + sample[t[0]:])),
            ("huge", st.integers(4097, 6000).map(lambda n: where + "/" + "r" * n)),
        ]
        if self.item:
            pairs.append(("empty", st.just("")))
        if self.other:
            pairs += [
                ("a directory", st.sampled_from(["{{ report_dir }}", "{{ report_dir }}/", "{{ report_dir }}/..",
                                                 "{{ report_state_dir }}/..", "/", "/tmp", ".", ".."])),
                ("missing directory", st.sampled_from([
                    "{{ report_dir }}/missing/report.json", "{{ report_dir }}/../no-such-directory/report.json",
                    "{{ report_dir }}/report.json/report.json", "{{ report_fifo }}/report.json",
                    "/nonexistent-credrotate/report.json", "/etc/passwd/report.json",
                    "no-such-directory-credrotate/report.json", "../no-such-directory-credrotate/report.json"])),
                ("in a state directory", st.sampled_from([
                    "{{ report_state_dir }}/orders-db.json", "{{ report_state_dir }}/orders-db.lock",
                    "{{ report_state_dir }}/report.json", "{{ report_dir }}/../report-state/orders-db.json",
                    "{{ report_state_dir }}/../report-state/sessions-cache.json"])),
                ("not a regular file", st.sampled_from(["{{ report_fifo }}", "{{ report_dir }}/../report.fifo"])),
                ("same file", st.just(self.other)),
            ]
        else:
            pairs.append(("not a directory", st.sampled_from([
                "{{ report_state_dir }}/orders-db.json", "{{ report_fifo }}", "/etc/passwd", "/dev/null"])))
        return [_named(c, strategy) for c, strategy in pairs] + wrong_types()


OWN["rotation_report"] = {
    "state_dir": ReportPath(),
    "names": StrList(),
    "names[]": Id("credential_name", item=True),
    "credentials": ListOfDicts(),
    "credentials[]": Element(),
    "credentials[].name": Id("credential_name", required=True),
    "credentials[].state_dir": ReportPath(item=True),
    # the schedule options: the parsers of the role's rotation_max_age and rotation_suspend_after (0 to 100)
    "max_age": MaxAge(),
    "suspend_after": Int(0, 100),
    "json_path": ReportPath(other=REPORT_FILES["junit_path"]),
    "junit_path": ReportPath(other=REPORT_FILES["json_path"]),
}
