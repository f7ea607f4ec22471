# -*- coding: utf-8 -*-
# Copyright (c) 2026, credrotate.cloud contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Hostile and careless input to the rotation role (issue 8): a misspelt ``rotation_*`` variable, an id that
is not in its provider's format, a number out of its bounds, a dependant that cannot be, all fail the host in
step 1 with one message per broken rule, naming the option by its path and the rule, before any request to
the cloud (the emulator's journal stays empty) and before the lock or any state file, and with no value of
a text option (canaries) anywhere in the ``-vvvv`` output.

Each run checks a group of rules at once, several hosts per run, at most five broken rules per host (so
every message is spelt out); the rules a host is refused for must be exactly the expected ones, so a rule
that fires when it should not fails too. The bounds tested are the ones ``meta/argument_specs.yml``
documents, and a static test checks that the shipped playbooks, inventories and AWX files set only
declared variables.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import glob
import json
import os
import re

import pytest
import yaml

from conftest import DRS1, DRS2, DTS1, GAUSS, Rotation, canary, estate, orders_credential
from harness import REPO, assert_no_secrets, journal

pytestmark = pytest.mark.integration

ROLE = os.path.join(REPO, "roles", "rotation")
REPORT = "Report | Summary of the rotation"
INVALID = "Invalid input for credrotate.cloud.rotation: "
NOT_A_VARIABLE = "%s is not a variable of credrotate.cloud.rotation; did you mean %s?"


@pytest.fixture
def rot(emulator_factory, tmp_path):
    """A :class:`Rotation` on an emulator without real backends: nothing here may reach them."""
    fixtures, names = estate()
    return Rotation(emulator_factory(copy.deepcopy(fixtures), real=False), tmp_path, names)


def _problems(run, host):
    """The broken rules ``host`` was refused for, one message each, from the failure the role printed."""
    found = [r for r in run.results if r["task"] == REPORT and r["host"] == host and r["status"] == "failed"]
    assert found, "no failure reported for %s:\n%s\n%s" % (host, run.stdout[-3000:], run.stderr[-3000:])
    msg = found[-1]["result"]["msg"]
    msg = msg if isinstance(msg, str) else "\n".join(msg)
    assert msg.startswith(INVALID) and msg.endswith("Nothing was changed."), msg
    assert "more (see invalid)" not in msg, "every problem must be spelt out (at most five per host): %s" % msg
    body = msg[len(INVALID):-len("Nothing was changed.")].rstrip(". ")
    return re.split(r"; (?!did you mean )", body)


def _refused(rot, run, expected, *canaries):
    """Every host of ``expected`` ({host: [(option path, [fragments of its message]), ...]}) failed with one
    message per broken rule, each starting with its option path and holding its fragments, and no other; nothing
    was called or stored, and no canary shows anywhere."""
    assert run.rc != 0
    for host, rules in expected.items():
        problems = _problems(run, host)
        assert sorted(p.split(" ", 1)[0] for p in problems) == sorted(path for path, _f in rules), problems
        left = list(problems)
        for path, fragments in rules:
            match = [p for p in left if p.split(" ", 1)[0] == path and all(f in p for f in fragments)]
            assert match, "no message for %s with %s among %s" % (path, fragments, left)
            left.remove(match[0])
    text = run.text()
    assert "AnsibleUndefinedVariable" not in text and "has no attribute" not in text
    assert journal(rot.emu) == [], "a request reached the cloud"
    assert not os.path.exists(rot.state_dir), "the lock or a state file was written"
    assert_no_secrets(run, rot.emu, *canaries)


def _host(rot, credential=None, **extra):
    host = {"rotation_credential": credential or orders_credential(rot.names),
            "rotation_current_password": rot.names["current"]}
    host.update(extra)
    return host


def _gauss(rot, name="orders", **owner):
    credential = orders_credential(rot.names, name=name, dependants=[])
    credential["owner"].update(owner)
    return credential


def test_misspelt_variables_are_refused_naming_the_intended_one(rot):
    """Unknown ``rotation_*`` variables (any case) fail the host, each naming the likely intended option, and the
    message never shows the value (here a password given under a misspelt name). The variables of
    playbooks/rotate.yml (rotation_hosts, rotation_huaweicloud, rotation_alicloud) are accepted."""
    new = canary("new")
    hosts = {"orders-db": _host(rot, rotation_new_pasword=new, rotation_verify_timout=30, ROTATION_PROBE="never",
                                rotation_dependants=[], rotation_frobnicate=canary("frob"))}
    run = rot.run(hosts, extra_vars={"rotation_hosts": "credentials", "rotation_alicloud": {}})
    _refused(rot, run, {"orders-db": [
        ("rotation_new_pasword", [NOT_A_VARIABLE % ("rotation_new_pasword", "rotation_new_password")]),
        ("rotation_verify_timout", [NOT_A_VARIABLE % ("rotation_verify_timout", "rotation_verify_timeout")]),
        ("ROTATION_PROBE", [NOT_A_VARIABLE % ("ROTATION_PROBE", "rotation_probe")]),
        ("rotation_dependants", [NOT_A_VARIABLE % ("rotation_dependants", "rotation_credential.dependants")]),
        ("rotation_frobnicate", ["rotation_frobnicate is not a variable of credrotate.cloud.rotation "
                                 "(ansible-doc -t role credrotate.cloud.rotation lists them)"]),
    ]}, new, rot.names["current"], hosts["orders-db"]["rotation_frobnicate"])


def test_owner_ids_and_the_gaussdb_user_rules(rot):
    """A GaussDB user owner without a user (no template error anywhere); ids, host names and paths with '/',
    control characters or a password pasted into the wrong field; a DCS owner with a user and an id of another
    kind. Messages give lengths, never the values."""
    pasted = canary("pasted")
    dcs = {"name": "cache", "owner": {"type": "dcs_instance", "instance_id": GAUSS, "user": pasted}}
    root = {"name": "root", "owner": {"type": "gaussdb_mysql_root", "instance_id": GAUSS, "user": pasted,
                                      "probe_host": "db\x1b[2J"}}
    no_user = _gauss(rot, name="orders/../../etc", instance_id=GAUSS.upper(), probe_port=70000)
    del no_user["owner"]["user"]
    run = rot.run({
        "orders-db": _host(rot, no_user),
        "hosts-db": _host(rot, _gauss(rot, host="10.0/1", probe_host="db/x"), rotation_id="2026-05\n"),
        "cache-db": _host(rot, dcs),
        "root-db": _host(rot, root, rotation_state_dir=rot.state_dir + "\x07"),
    })
    user = "rotation_credential.owner.user"
    _refused(rot, run, {
        "orders-db": [
            (user, ["is required when rotation_credential.owner.type is gaussdb_mysql_user"]),
            ("rotation_credential.name", ["(got 16 characters)"]),
            ("rotation_credential.owner.instance_id", ["in07", "(got 36 characters)"]),
            ("rotation_credential.owner.probe_port", ["1", "65535", "(got 70000)"]),
        ],
        "hosts-db": [
            ("rotation_credential.owner.host", ["(got 6 characters)"]),
            ("rotation_credential.owner.probe_host", ["host name", "(got 4 characters)"]),
            ("rotation_id", ["control characters", "(got 8 characters, with a control character)"]),
        ],
        "cache-db": [
            (user, ["must not be set when rotation_credential.owner.type is dcs_instance"]),
            (user, ["1 to 32", "(got %d characters)" % len(pasted)]),
            ("rotation_credential.owner.instance_id", ["8-4-4-4-12", "(got 36 characters)"]),
        ],
        "root-db": [
            (user, ["1 to 32", "(got %d characters)" % len(pasted)]),
            ("rotation_credential.owner.probe_host", ["(got 6 characters, with a control character)"]),
            ("rotation_state_dir", ["(got %d characters, with a control character)" % (len(rot.state_dir) + 1)]),
        ],
    }, pasted, rot.names["current"])


def test_dependant_rules_name_the_dependant_by_index(rot):
    """Endpoints that the job type does not have, a DTS-only field on a DRS job, a job endpoint listed twice, job
    ids of the other kind or with '/' and '..', a DTS user with a space, a bad id in rotation_discover_ignore; a
    DTS job in both directions is fine."""
    first = [
        {"type": "drs", "job_id": DRS1, "endpoint": "destination", "user": "repl"},
        {"type": "dts", "job_id": DTS1, "endpoint": "target"},
        {"type": "drs", "job_id": DRS2, "endpoint": "source"},
        {"type": "drs", "job_id": DRS2, "endpoint": "source"},
    ]
    second = [
        {"type": "drs", "job_id": DTS1, "endpoint": "source"},
        {"type": "dts", "job_id": "../" + DTS1, "endpoint": "source", "user": "app orders"},
        {"type": "dts", "job_id": DTS1, "endpoint": "source"},
        {"type": "dts", "job_id": DTS1, "endpoint": "source", "direction": "reverse"},
    ]
    run = rot.run({
        "first-db": _host(rot, orders_credential(rot.names, dependants=first)),
        "second-db": _host(rot, orders_credential(rot.names, name="second", dependants=second),
                           rotation_discover_ignore=[DRS1, DTS1, "x/..\n"]),
    })
    dependant = "rotation_credential.dependants[%d]"
    _refused(rot, run, {
        "first-db": [
            (dependant % 0 + ".endpoint", ["must be source or target for a drs dependant"]),
            (dependant % 0 + ".user", ["is for dts dependants only"]),
            (dependant % 1 + ".endpoint", ["must be source or destination for a dts dependant"]),
            (dependant % 3, ["lists the same job endpoint as rotation_credential.dependants[2]"]),
        ],
        "second-db": [
            (dependant % 0 + ".job_id", ["DRS job id", "(got %d characters)" % len(DTS1)]),
            (dependant % 1 + ".job_id", ["(got %d characters)" % (len(DTS1) + 3)]),
            (dependant % 1 + ".user", ["(got 10 characters)"]),
            ("rotation_discover_ignore[2]", ["must be a DRS or DTS job id"]),
        ],
    }, rot.names["current"])


def _bounds():
    """{option path: (minimum, maximum)} of every int option, read from its description ("... 1 to 600 ...")."""
    out = {}
    for path, spec in _int_options(_spec()):
        description = spec["description"] if isinstance(spec["description"], list) else [spec["description"]]
        found = re.findall(r"\b(\d+) to (\d+)\b", " ".join(description))
        assert len(found) == 1, "%s must document its bounds once as 'MIN to MAX': %s" % (path, description)
        out[path] = tuple(int(n) for n in found[0])
    return out


def _with_numbers(rot, name, numbers, **extra):
    """A host whose int options are ``numbers`` ({option path: value}); probe_port goes into the owner."""
    credential = _gauss(rot, name=name)
    top = dict((k, v) for k, v in numbers.items() if not k.startswith("rotation_credential."))
    if "rotation_credential.owner.probe_port" in numbers:
        credential["owner"]["probe_port"] = numbers["rotation_credential.owner.probe_port"]
    return _host(rot, credential, **dict(top, **extra))


def test_every_number_is_refused_outside_its_documented_bounds(rot):
    """Each int option of the argument spec, one below its documented minimum (as a string, as -e gives it) and
    one above its maximum, is refused naming the bounds; at exactly its bounds (for
    rotation_verify_timeout, 0 means: read the jobs once, do not wait) it is accepted, so those hosts show only
    the one broken rule they were given (a name with '/') that stops them before any call."""
    bounds = _bounds()
    paths = sorted(bounds)
    groups = [paths[i:i + 4] for i in range(0, len(paths), 4)]  # at most five problems are spelt out
    hosts, expected = {}, {}
    for side, delta, index in (("low", -1, 0), ("high", 1, 1)):
        for number, group in enumerate(groups):
            host = "%s-%d" % (side, number)
            values = dict((p, bounds[p][index] + delta) for p in group)
            if side == "low":
                values = dict((p, str(v)) for p, v in values.items())
            hosts[host] = _with_numbers(rot, host, values)
            expected[host] = [(p, ["%d" % bounds[p][0], "%d" % bounds[p][1], "(got %s)" % values[p]])
                              for p in group]
    for side, index in (("min", 0), ("max", 1)):
        hosts["at-" + side] = _with_numbers(rot, "bad/" + side, dict((p, bounds[p][index]) for p in paths))
        expected["at-" + side] = [("rotation_credential.name", ["(got %d characters)" % len("bad/" + side)])]
    assert bounds["rotation_verify_timeout"][0] == 0
    _refused(rot, rot.run(hosts), expected, rot.names["current"])


# --- static: the spec, the bounds and the variables the repository sets ---------------------------------


def _spec():
    with open(os.path.join(ROLE, "meta", "argument_specs.yml")) as handle:
        return yaml.safe_load(handle)["argument_specs"]["main"]["options"]


def _int_options(options, path=""):
    for name, spec in options.items():
        here = "%s.%s" % (path, name) if path else name
        if spec.get("type") == "int":
            yield here, spec
        if isinstance(spec.get("options"), dict):
            yield from _int_options(spec["options"], here)


def _names_set(data):
    """Every ``rotation_*`` key of a YAML/JSON document, and every AWX survey ``variable``."""
    if isinstance(data, dict):
        for key, value in data.items():
            if isinstance(key, str) and key.startswith("rotation_"):
                yield key
            if key == "variable" and isinstance(value, str):
                yield value
            if key == "extra_vars" and isinstance(value, str):
                yield from re.findall(r"\b(rotation_\w+)", value)
            yield from _names_set(value)
    elif isinstance(data, list):
        for item in data:
            yield from _names_set(item)


def test_every_variable_the_repository_sets_is_declared():
    """playbooks/, molecule/ and docs/awx/ set only declared rotation_* variables (the role would refuse others)."""
    options = _spec()
    found = {}
    for pattern in ("playbooks/**/*.yml", "molecule/**/*.yml", "docs/awx/**/*.yml", "docs/awx/**/*.json"):
        for path in glob.glob(os.path.join(REPO, pattern), recursive=True):
            with open(path) as handle:
                text = handle.read()
            docs = [json.loads(text)] if path.endswith(".json") else list(yaml.safe_load_all(text))
            for name in _names_set(docs):
                if name.startswith("rotation_"):
                    found.setdefault(name, os.path.relpath(path, REPO))
    assert {"rotation_credential", "rotation_hosts", "rotation_huaweicloud", "rotation_cloud"} <= set(found)
    undeclared = dict((name, where) for name, where in found.items() if name not in options)
    assert undeclared == {}
