# -*- coding: utf-8 -*-
# Copyright (c) 2026, credrotate.cloud contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Hostile and careless input to the rotation role (issue 8): a misspelt ``rotation_*`` variable, an id that
is not in its provider's format, a number out of its bounds, a dependant that cannot be, all fail the host in
step 1 with one message per broken rule, naming the option by its path and the rule, before any request to
the cloud (the emulator's journal stays empty) and before the lock or any state file, and with no value of
a text option (canaries) anywhere in the ``-vvvv`` output.

Each run checks a group of rules at once; the messages a host gets must be exactly the expected ones, so a
rule that fires when it should not fails too. The static tests tie ``meta/argument_specs.yml`` to the
bounds in ``tasks/validate.yml`` and to the variables the shipped playbooks, inventories and AWX files set.
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
TASK = "Validate | Check the input, one message per broken rule"
NOT_A_VARIABLE = "%s is not a variable of credrotate.cloud.rotation; did you mean %s?"


@pytest.fixture
def rot(emulator_factory, tmp_path):
    """A :class:`Rotation` on an emulator without real backends: nothing here may reach them."""
    fixtures, names = estate()
    return Rotation(emulator_factory(copy.deepcopy(fixtures), real=False), tmp_path, names)


def _messages(run, host):
    """The messages of the broken rules ``host`` got from the validation task."""
    found = [r for r in run.results if r["task"] == TASK and r["host"] == host]
    assert found, "the validation task did not report for %s:\n%s\n%s" % (host, run.stdout[-3000:], run.stderr[-3000:])
    result = found[-1]["result"]
    return sorted(item["msg"] for item in result.get("results", []) if item.get("failed"))


def _refused(rot, run, expected, *canaries):
    """Every host failed in step 1 with exactly its ``expected`` messages; nothing was called or stored."""
    assert run.rc != 0
    for host, messages in expected.items():
        assert _messages(run, host) == sorted(messages)
        for message in messages:
            assert message in run.stderr + run.stdout
    text = run.text()
    assert "Invalid rotation_credential" not in text
    assert "AnsibleUndefinedVariable" not in text and "has no attribute" not in text
    assert journal(rot.emu) == [], "a request reached the cloud"
    assert not os.path.exists(rot.state_dir), "the lock or a state file was written"
    assert_no_secrets(run, rot.emu, *canaries)


def _host(rot, credential=None, **extra):
    host = {"rotation_credential": credential or orders_credential(rot.names),
            "rotation_current_password": rot.names["current"]}
    host.update(extra)
    return host


def test_misspelt_variables_are_refused_naming_the_intended_one(rot):
    """Unknown ``rotation_*`` variables (any case) fail the host, each naming the likely intended option, and the
    message never shows the value (here a password given under a misspelt name). The variables of
    playbooks/rotate.yml (rotation_hosts, rotation_huaweicloud, rotation_alicloud) are accepted."""
    new = canary("new")
    hosts = {"orders-db": _host(rot, rotation_new_pasword=new, rotation_verify_timout=30, ROTATION_PROBE="never",
                                rotation_dependants=[], rotation_frobnicate=canary("frob"))}
    run = rot.run(hosts, extra_vars={"rotation_hosts": "credentials", "rotation_alicloud": {}})
    _refused(rot, run, {"orders-db": [
        NOT_A_VARIABLE % ("rotation_new_pasword", "rotation_new_password"),
        NOT_A_VARIABLE % ("rotation_verify_timout", "rotation_verify_timeout"),
        NOT_A_VARIABLE % ("ROTATION_PROBE", "rotation_probe"),
        NOT_A_VARIABLE % ("rotation_dependants", "rotation_credential.dependants"),
        "rotation_frobnicate is not a variable of credrotate.cloud.rotation "
        "(ansible-doc -t role credrotate.cloud.rotation lists them)",
    ]}, new, rot.names["current"], hosts["orders-db"]["rotation_frobnicate"])


def test_owner_ids_and_the_gaussdb_user_rules(rot):
    """GaussDB user owner without a user (no template error anywhere), ids and host names with '/', '..', control
    characters or a password pasted into the wrong field; a DCS owner with a user and an id of another kind."""
    pasted = canary("pasted")
    gauss = {"name": "orders/../../etc", "dependants": [],
             "owner": {"type": "gaussdb_mysql_user", "instance_id": GAUSS.upper(), "host": "10.0..1",
                       "probe_host": "db/x", "probe_port": 70000}}
    dcs = {"name": "cache", "owner": {"type": "dcs_instance", "instance_id": GAUSS, "user": pasted}}
    root = {"name": "root", "owner": {"type": "gaussdb_mysql_root", "instance_id": GAUSS, "user": pasted,
                                      "probe_host": "db\x1b[2J"}}
    run = rot.run({"orders-db": _host(rot, gauss, rotation_id="2026-05\n"),
                   "cache-db": _host(rot, dcs),
                   "root-db": _host(rot, root, rotation_state_dir=rot.state_dir + "\x07")})
    _refused(rot, run, {
        "orders-db": [
            "rotation_credential.owner.user is required when rotation_credential.owner.type is gaussdb_mysql_user",
            "rotation_credential.name must be usable as a file name: a letter or digit, then up to 127 letters, "
            "digits or _ . -, without '..' (^(?!.*\\.\\.)[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$; got 16 characters)",
            "rotation_credential.owner.instance_id must be a GaussDB(for MySQL) instance id: 32 lower-case letters "
            "or digits, then in07 (^[0-9a-z]{32}in07$; got 36 characters)",
            "rotation_credential.owner.host must be 1 to 255 letters, digits or % _ . : -, without '..' "
            "(^(?!.*\\.\\.)[A-Za-z0-9%_.:-]{1,255}$; got 7 characters)",
            "rotation_credential.owner.probe_host must be a host name or IP address: 1 to 253 letters, digits or "
            "_ . : -, without '..' (^(?!.*\\.\\.)[A-Za-z0-9_.:-]{1,253}$; got 4 characters)",
            "rotation_credential.owner.probe_port must be <= 65535 (got 70000)",
            "rotation_id must be 1 to 255 characters without control characters (^[^\\x00-\\x1f\\x7f]{1,255}$; "
            "got 8 characters, with a control character)",
        ],
        "cache-db": [
            "rotation_credential.owner.user must not be set when rotation_credential.owner.type is dcs_instance "
            "(a DCS instance has no user)",
            "rotation_credential.owner.instance_id must be a DCS instance id: 8-4-4-4-12 lower-case letters or "
            "digits (^[0-9a-z]{8}-[0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{12}$; got 36 characters)",
            "rotation_credential.owner.user must be 1 to 32 letters, digits or _ (^[A-Za-z0-9_]{1,32}$; "
            "got %d characters)" % len(pasted),
        ],
        "root-db": [
            "rotation_credential.owner.user must be 1 to 32 letters, digits or _ (^[A-Za-z0-9_]{1,32}$; "
            "got %d characters)" % len(pasted),
            "rotation_credential.owner.probe_host must be a host name or IP address: 1 to 253 letters, digits or "
            "_ . : -, without '..' (^(?!.*\\.\\.)[A-Za-z0-9_.:-]{1,253}$; got 6 characters, with a control "
            "character)",
            "rotation_state_dir must be a path of 1 to 4096 characters without control characters "
            "(^[^\\x00-\\x1f\\x7f]{1,4096}$; got %d characters, with a control character)" % (len(rot.state_dir) + 1),
        ],
    }, pasted, rot.names["current"])


def test_dependant_rules_name_the_dependant_by_index(rot):
    """Endpoints that the job type does not have, DTS-only fields on a DRS job, a job endpoint listed twice,
    job ids of the wrong kind or with '/' and '..', a DTS user with a space, a bad id in rotation_discover_ignore."""
    dependants = [
        {"type": "drs", "job_id": DRS1, "endpoint": "destination", "user": "repl", "direction": "reverse"},
        {"type": "dts", "job_id": DTS1, "endpoint": "target"},
        {"type": "drs", "job_id": DRS2, "endpoint": "source"},
        {"type": "drs", "job_id": DRS2, "endpoint": "source"},
        {"type": "drs", "job_id": DTS1, "endpoint": "source"},
        {"type": "dts", "job_id": "../" + DTS1, "endpoint": "source", "user": "app orders"},
        {"type": "dts", "job_id": DTS1, "endpoint": "source", "direction": "reverse"},
    ]
    run = rot.run({"orders-db": _host(rot, orders_credential(rot.names, dependants=dependants),
                                      rotation_discover_ignore=[DRS1, DTS1, "x/..\n"])})
    drs_id = ("a DRS job id: 8-4-4-4-12 lower-case letters or digits "
              "(^[0-9a-z]{8}-[0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{12}$; got %d characters)")
    _refused(rot, run, {"orders-db": [
        "rotation_credential.dependants[0].endpoint must be source or target for a drs dependant",
        "rotation_credential.dependants[0].user is for dts dependants only, not for a drs dependant",
        "rotation_credential.dependants[0].direction is for dts dependants only, not for a drs dependant",
        "rotation_credential.dependants[1].endpoint must be source or destination for a dts dependant",
        "rotation_credential.dependants[3] lists the same job endpoint as rotation_credential.dependants[2]",
        "rotation_credential.dependants[4].job_id must be " + drs_id % len(DTS1),
        "rotation_credential.dependants[5].job_id must be a DTS job id: 1 to 64 lower-case letters or digits "
        "(^[0-9a-z]{1,64}$; got %d characters)" % (len(DTS1) + 3),
        "rotation_credential.dependants[5].user must be 1 to 64 letters, digits or _ . @ $ # - "
        "(^[A-Za-z0-9_.@$#-]{1,64}$; got 10 characters)",
        "rotation_discover_ignore[2] must be a DRS or DTS job id "
        "(^([0-9a-z]{8}-[0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{12}|[0-9a-z]{1,64})$; got 5 characters, "
        "with a control character)",
    ]}, rot.names["current"])


def test_every_number_has_bounds(rot):
    """Below and above every bound, a number given as a string (as -e gives it) or as a boolean (which Ansible's
    own check lets through as an int); on another host a rotation_verify_timeout of 0 (read the jobs once, do not
    wait) and a number as a string within its bounds are accepted, and only the broken rules show."""
    numbers = {"rotation_password_length": 7, "rotation_probe_timeout": 601, "rotation_wait_timeout": 0,
               "rotation_verify_timeout": -1, "rotation_dts_concurrency": 65}
    credential = orders_credential(rot.names)
    credential["owner"]["probe_port"] = 0
    run = rot.run({"orders-db": _host(rot, credential, **numbers),
                   "other-db": _host(rot, orders_credential(rot.names, name="other"), rotation_verify_timeout=0,
                                     rotation_probe_timeout=True, rotation_dts_concurrency="64")},
                  extra_vars={"rotation_verify_interval": "0"})
    _refused(rot, run, {
        "orders-db": [
            "rotation_password_length must be >= 8 (got 7)",
            "rotation_probe_timeout must be <= 600 (got 601)",
            "rotation_wait_timeout must be >= 1 (got 0)",
            "rotation_verify_timeout must be >= 0 (got -1)",
            "rotation_verify_interval must be >= 1 (got 0)",
            "rotation_dts_concurrency must be <= 64 (got 65)",
            "rotation_credential.owner.probe_port must be >= 1 (got 0)",
        ],
        "other-db": [
            "rotation_verify_interval must be >= 1 (got 0)",
            "rotation_probe_timeout must be an integer from 1 to 600",
        ],
    }, rot.names["current"])


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


def test_every_int_option_has_documented_and_enforced_bounds():
    """A new int option cannot be added without a bounds row in validate.yml and its bounds in its description."""
    with open(os.path.join(ROLE, "tasks", "validate.yml")) as handle:
        tasks = yaml.safe_load(handle)
    rows = dict((row[0], (row[2], row[3])) for row in tasks[0]["vars"]["_rotation_numbers"])
    ints = dict(_int_options(_spec()))
    assert sorted(rows) == sorted(ints)
    for name, (low, high) in rows.items():
        description = " ".join(ints[name]["description"]) if isinstance(ints[name]["description"], list) \
            else ints[name]["description"]
        assert "%d to %d" % (low, high) in description, name


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
