# -*- coding: utf-8 -*-
# Copyright (c) 2026, credrotate.cloud contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""PRIVATE: input checks that run before anything reaches a URL, a header, a log or a write.

Two passes, both pure (no I/O but ``os.path`` checks of ``ca_path``):

* :func:`structure_problems` runs on the *raw* parameters, before ``AnsibleModule`` parses them.
  A nested option of the wrong container type, or an unknown key inside a nested option, makes
  ansible-core stop collecting ``no_log`` values (ansible/ansible#81672) and print the raw
  ``module_args``; a URL with user info would be echoed as given. The caller masks every option
  this pass names before ansible-core sees it.
* :func:`value_problems` runs on the parsed parameters (defaults and environment fallbacks
  applied) and checks every identifier against the provider's format and every number against
  its bounds, following a per-module rule table ``{"jobs[].id": "drs_job_id", ...}``.

Each problem is ``(option, path, message)``: ``option`` is the top-level option to mask,
``path`` the full name (``jobs[2].endpoint``) and ``message`` a sentence naming the path and the
rule, never the value of anything that could be a secret.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import difflib
import ipaddress
import math
import os
import re

try:
    from urllib.parse import urlsplit
except ImportError:  # pragma: no cover - Python 2 is not supported
    from urlparse import urlsplit  # type: ignore

_UUID_SHAPE = r"[0-9a-z]{8}-[0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{12}"

# name -> (compiled pattern, the rule in words). Formats from reference/cloud-apis.md and the
# providers' API pages; the ids are matched whole (fullmatch), so no '/', '..', space or control
# character passes any of them.
FORMATS = {
    "project_id": (r"[0-9a-f]{32}", "32 lower-case hexadecimal characters"),
    "gaussdb_instance_id": (r"[0-9a-z]{32}in07", "32 lower-case letters or digits followed by 'in07'"),
    "dcs_instance_id": (_UUID_SHAPE, "a UUID (8-4-4-4-12 lower-case letters or digits)"),
    "drs_job_id": (_UUID_SHAPE, "a DRS job id (8-4-4-4-12 lower-case letters or digits, e.g. ...-...jb01)"),
    "dts_job_id": (r"[0-9a-z]{1,64}", "1 to 64 lower-case letters or digits"),
    "gaussdb_user": (r"[A-Za-z0-9_]{1,32}", "1 to 32 letters, digits or underscores"),
    "db_user": (r"[A-Za-z0-9_.@$#-]{1,64}", "1 to 64 letters, digits or _ . @ $ # -"),
    "db_host": (r"(?!.*\.\.)[A-Za-z0-9%_.:-]{1,255}", "1 to 255 letters, digits or % _ . : -, without '..'"),
    "hostname": (r"(?!.*\.\.)[A-Za-z0-9_.:-]{1,253}", "a host name or IP address (letters, digits, _ . : -, no '..')"),
    "region": (r"[a-z]{2,4}(-[a-z0-9]{1,20}){1,4}", "a region name such as cn-north-4 or eu-de"),
    "access_key": (r"[A-Za-z0-9._-]{1,128}", "1 to 128 letters, digits or . _ -"),
    "iam_name": (r"[^\x00-\x1f\x7f/\\]{1,64}", "1 to 64 characters, no control characters, '/' or '\\'"),
    "credential_name": (r"(?!.*\.\.)[A-Za-z0-9][A-Za-z0-9_.-]{0,127}", "1 to 128 letters, digits, '.', '_' or '-', "
                        "starting with a letter or digit, without '..' (it names files)"),
    "path": (r"[^\x00-\x1f\x7f]{1,4096}", "a path of 1 to 4096 characters without control characters"),
    "text": (r"[^\x00-\x1f\x7f]{1,255}", "1 to 255 characters without control characters"),
}
_COMPILED = dict((name, re.compile(pattern)) for name, (pattern, _rule) in FORMATS.items())

# name -> (minimum, maximum) for integer rules.
BOUNDS = {
    "timeout": (1, 3600),
    "retries": (1, 20),
    "retry_deadline": (1, 86400),
    "port": (1, 65535),
    "probe_timeout": (1, 600),
    "wait_timeout": (1, 86400),
    "concurrency": (1, 64),
    "password_length": (8, 32),
    "verify_timeout": (0, 86400),
    "verify_interval": (1, 3600),
    "suspend_after": (0, 100),
    "webhook_timeout": (1, 300),
}

# Rules every module of a cloud has (its shared connection options).
CONNECTION_RULES = {
    "endpoint_url": "url",
    "ca_path": "existing_file",
    "timeout": "timeout",
    "retries": "retries",
    "retry_deadline": "retry_deadline",
}
HUAWEI_RULES = dict(CONNECTION_RULES, **{
    "region": "region",
    "project_id": "project_id",
    "access_key": "access_key",
    "secret_key": "token",
    "security_token": "token",
    "auth_token": "token",
    "iam_user_name": "iam_name",
    "iam_domain_name": "iam_name",
    "iam_endpoint_url": "url",
})
ALIBABA_RULES = dict(CONNECTION_RULES, **{
    "region": "region",
    "access_key": "access_key",
    "secret_key": "token",
    "security_token": "token",
})
URL_OPTIONS = ("endpoint_url", "iam_endpoint_url")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_TYPE_NAMES = {"list": "a list", "dict": "a dictionary", "str": "a string", "int": "an integer", "bool": "a boolean"}


def _kind(value):
    """The YAML/JSON kind of ``value`` (not the class name: Ansible passes its own tagged subclasses)."""
    for kinds, name in (((bool,), "a boolean"), ((dict,), "a dictionary"), ((list, tuple), "a list"),
                        ((str,), "a string"), ((int,), "an integer"), ((float,), "a number")):
        if isinstance(value, kinds):
            return name
    return "a value of another type"


def _suggest(name, known):
    close = difflib.get_close_matches(name, sorted(known), n=1, cutoff=0.6)
    return "; did you mean %s?" % close[0] if close else ""


def _known(spec):
    names = set(spec)
    for option in spec.values():
        names.update(option.get("aliases") or ())
    return names


def _canonical(spec, name):
    """The option ``name`` is, or aliases; None when unknown."""
    if name in spec:
        return name
    for option, info in spec.items():
        if name in (info.get("aliases") or ()):
            return option
    return None


def _walk_options(spec, value, path, top, problems):
    """Problems in one suboptions dict ``value`` at ``path`` against ``spec``."""
    if not isinstance(value, dict):
        problems.append((top, path, "%s must be a dictionary, not %s" % (path, _kind(value))))
        return
    known = _known(spec)
    for key in value:
        if key not in known:
            problems.append((top, "%s.%s" % (path, key), "%s.%s is not an option of %s (supported: %s)%s" % (
                path, key, path, ", ".join(sorted(spec)), _suggest("%s" % key, known))))
            continue
        _walk(spec[_canonical(spec, key)], value[key], "%s.%s" % (path, key), top, problems)


def _walk(info, value, path, top, problems):
    """Problems in ``value`` of the option described by ``info`` (container types and nested keys)."""
    if value is None:
        return
    wanted = info.get("type", "str")
    suboptions = info.get("options")
    if wanted == "list":
        if not isinstance(value, list):
            if suboptions or info.get("no_log") or not isinstance(value, (str, int, float)):
                problems.append((top, path, "%s must be a list, not %s" % (path, _kind(value))))
            return
        elements = info.get("elements")
        for index, item in enumerate(value):
            where = "%s[%d]" % (path, index)
            if suboptions:
                _walk_options(suboptions, item, where, top, problems)
            elif elements in ("str", "int") and isinstance(item, (dict, list)):
                problems.append((top, where, "%s must be %s, not %s" % (where, _TYPE_NAMES[elements], _kind(item))))
    elif wanted == "dict":
        if suboptions:
            _walk_options(suboptions, value, path, top, problems)
        elif not isinstance(value, dict):
            problems.append((top, path, "%s must be a dictionary, not %s" % (path, _kind(value))))
    elif wanted in ("str", "path", "int", "bool") and isinstance(value, (dict, list)):
        expected = _TYPE_NAMES.get(wanted, "a string")
        problems.append((top, path, "%s must be %s, not %s" % (path, expected, _kind(value))))
    elif wanted == "int" and not _integer_like(value):
        problems.append((top, path, "%s must be an integer of at most 18 digits" % path))
    elif info.get("no_log") and isinstance(value, str) and value and not value.strip():
        # a blank secret would become a no_log value: ansible-core would then hide every space it prints
        problems.append((top, path, "%s must not be blank" % path))
    if top in URL_OPTIONS and path == top and isinstance(value, str) and "@" in value:
        problems.append((top, path, "%s must not contain user information (user:password@): give credentials "
                                    "through their own options" % path))


_INTEGER = re.compile(r"\s*[+-]?[0-9]{1,18}\s*")


def _integer_like(value):
    """What ansible-core can turn into an int without an exception or a number too large to print."""
    if isinstance(value, bool):
        return True
    if isinstance(value, int):
        return abs(value) < 10 ** 18
    if isinstance(value, float):
        return math.isfinite(value) and abs(value) < 10 ** 18 and value.is_integer()
    if isinstance(value, str):
        return bool(_INTEGER.fullmatch(value))
    return True  # other types: ansible-core's own type error names the option


def structure_problems(spec, raw):
    """Problems in the raw parameters ``raw`` that would make ansible-core print secrets.

    Unknown top-level options, nested options of the wrong container type, unknown keys in nested
    options and URLs with user info. Each names the top-level option to mask.
    """
    problems = []
    known = _known(spec)
    for name in sorted(raw or {}):
        if name.startswith("_ansible_"):
            continue
        if name not in known:
            problems.append((name, name, "%s is not an option of this module%s" % (name, _suggest(name, known))))
            continue
        _walk(spec[_canonical(spec, name)], raw[name], name, name, problems)
    return problems


# --- values ---------------------------------------------------------------------------------------


def format_problem(path, value, kind):
    """A message when ``value`` does not match the format ``kind``, else None (the value is not shown)."""
    text = "%s" % (value,)
    if not _COMPILED[kind].fullmatch(text):
        length = len(text)
        return "%s must be %s (got %d character%s%s)" % (
            path, FORMATS[kind][1], length, "" if length == 1 else "s",
            ", with a control character" if _CONTROL.search(text) else "")
    return None


def bounds_problem(path, value, kind):
    low, high = BOUNDS[kind]
    try:
        number = int(value)
    except (TypeError, ValueError):
        return "%s must be an integer" % path
    if not low <= number <= high:
        got = "%d" % number if abs(number) < 10 ** 18 else "a number of more than 18 digits"
        return "%s must be between %d and %d (got %s)" % (path, low, high, got)
    return None


def url_problem(path, value, allow_plain_http=False):
    """A message when ``value`` is not ``http(s)://host[:port]`` as the rules want, else None."""
    value = "%s" % (value,)
    if "://" not in value and value and "@" not in value:
        value = "https://" + value  # a bare host name means https, as the clients treat it
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError:
        return "%s is not a valid URL (scheme://host[:port])" % path
    if _CONTROL.search("%s" % (value,)) or " " in "%s" % (value,):
        return "%s must not contain spaces or control characters" % path
    if parts.scheme not in ("http", "https"):
        given = "%s://" % parts.scheme if parts.scheme else "a bare host name"
        return "%s must start with https:// (or http://), not %s" % (path, given)
    if "@" in parts.netloc:
        return ("%s must not contain user information (user:password@): give credentials through their own "
                "options" % path)
    if parts.query or parts.fragment or "?" in value or "#" in value:
        return "%s must not have a query string or a fragment" % path
    if parts.path not in ("", "/"):
        return "%s must be scheme://host[:port] without a path (got a path)" % path
    host = parts.hostname or ""
    if not host or format_problem(path, host, "hostname"):
        return "%s must name a host (letters, digits, '.', '-', or an IP address)" % path
    if port is not None and not 1 <= port <= 65535:
        return "%s has a port outside 1-65535" % path
    if parts.scheme == "http" and not allow_plain_http and not is_loopback(host):
        return ("%s uses plain http to %s, which is not a loopback address: the request carries passwords and "
                "keys. Use https://, or set allow_plain_http=true if the network path is trusted" % (path, host))
    return None


def is_loopback(host):
    if host.lower() in ("localhost", "localhost.localdomain"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _check(path, value, kind, params):
    if kind in FORMATS:
        return format_problem(path, value, kind)
    if kind in BOUNDS:
        return bounds_problem(path, value, kind)
    if kind == "url":
        return url_problem(path, value, allow_plain_http=bool(params.get("allow_plain_http")))
    if kind == "token":
        text = "%s" % (value,)
        if not text.strip() or _CONTROL.search(text) or len(text) > 16384:
            return "%s must be 1 to 16384 characters without control characters or blanks only" % path
        return None
    if kind == "existing_file":
        if not os.path.isfile("%s" % (value,)):
            return "%s must name an existing CA bundle file (none found at that path)" % path
        return None
    raise ValueError("unknown validation rule %r" % (kind,))


def _values_at(params, path):
    """``(concrete path, value)`` for a rule path such as ``jobs[].id`` (a list is entered at ``[]``)."""
    found = [("", params)]
    for part in path.split("."):
        is_list = part.endswith("[]")
        name = part[:-2] if is_list else part
        following = []
        for where, value in found:
            child = value.get(name) if isinstance(value, dict) else None
            if child is None:
                continue
            prefix = "%s.%s" % (where, name) if where else name
            if is_list:
                following.extend(("%s[%d]" % (prefix, i), item) for i, item in enumerate(child) if item is not None)
            else:
                following.append((prefix, child))
        found = following
    return found


def value_problems(params, rules, required=()):
    """Problems of ``params`` (parsed) against ``rules`` ``{path: kind}``; ``[]`` marks a list level.

    An empty string is "not set" for an optional top-level option (AWX injects empty environment
    variables), but not for a ``required`` one or inside a list or dict.
    """
    problems = []
    for rule_path in sorted(rules):
        for path, value in _values_at(params, rule_path):
            if value == "" and path == rule_path and path not in required:
                continue
            message = _check(path, value, rules[rule_path], params)
            if message:
                problems.append((re.split(r"[.\[]", path, maxsplit=1)[0], path, message))
    return problems


SUMMARY_LIMIT = 5


def summary(problems, module_name=None):
    """One message for the problems: ``Invalid input for <module>: a; b. Nothing was changed.``

    At most :data:`SUMMARY_LIMIT` are spelt out; the rest are counted (the result's ``invalid``
    lists every path).
    """
    what = "Invalid input%s" % (" for %s" % module_name if module_name else "")
    shown = [message for _top, _path, message in problems[:SUMMARY_LIMIT]]
    more = len(problems) - len(shown)
    text = "; ".join(shown) + ("; and %d more (see invalid)" % more if more > 0 else "")
    return "%s: %s%s Nothing was changed." % (what, text, "" if text.endswith(("?", ".")) else ".")
