# -*- coding: utf-8 -*-
# Copyright (c) 2026, credrotate.cloud contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The owner classes: dispatch by type, service arguments, labels, and how a probe answer is read."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.credrotate.cloud.plugins.module_utils._rotate_spec import OWNER_TYPES as SPEC_OWNER_TYPES
from ansible_collections.credrotate.cloud.plugins.plugin_utils._owners import (
    OWNER_TYPES,
    DcsInstance,
    GaussDbRoot,
    GaussDbUser,
    discover_user,
    outcome_of,
    owner_for,
)

GAUSSDB = "0123456789abcdef0123456789abcdefin07"
DCS = "3f2504e0-4f89-41d3-9a0c-0305e82c3301"
SETTINGS = {"probe": "always", "probe_timeout": 5, "wait_timeout": 600, "cloud": "huaweicloud"}


def make(kind, settings=None, **spec):
    spec.setdefault("instance_id", DCS if kind == "dcs_instance" else GAUSSDB)
    return owner_for(dict(spec, type=kind), dict(SETTINGS, **(settings or {})))


def ok(outcome):
    return {"failed": False, "outcome": outcome, "code": "", "msg": ""}


def failed(code):
    return {"failed": True, "outcome": "failed", "code": code, "msg": "no"}


@pytest.mark.parametrize("kind, cls", [
    ("gaussdb_mysql_user", GaussDbUser), ("gaussdb_mysql_root", GaussDbRoot), ("dcs_instance", DcsInstance),
])
def test_owner_for_selects_the_class_of_the_type(kind, cls):
    """owner_for: the owner's type selects its class, which names the type and its service."""
    owner = make(kind, user="crdemo_orders" if kind == "gaussdb_mysql_user" else None)
    assert isinstance(owner, cls) and owner.type == kind
    assert owner.service == {"gaussdb_mysql_user": "gaussdb_mysql_user_password",
                             "gaussdb_mysql_root": "gaussdb_mysql_instance_password",
                             "dcs_instance": "dcs_instance_password"}[kind]


def test_every_owner_type_of_the_spec_has_a_class():
    """The action's owner type choices and the classes are the same set."""
    assert sorted(OWNER_TYPES) == sorted(SPEC_OWNER_TYPES)


def test_an_unknown_owner_type_is_a_key_error():
    """No silent default: an unknown type fails loudly (the spec's choices stop it before)."""
    with pytest.raises(KeyError):
        owner_for({"type": "rds_instance", "instance_id": "x"}, SETTINGS)


@pytest.mark.parametrize("kind, spec, label", [
    ("gaussdb_mysql_user", {"user": "crdemo_orders"}, "GaussDB user crdemo_orders@% on " + GAUSSDB),
    ("gaussdb_mysql_user", {"user": "crdemo_orders", "host": "10.0.0.%"}, "GaussDB user crdemo_orders@10.0.0.% on " + GAUSSDB),
    ("gaussdb_mysql_root", {}, "GaussDB root account of " + GAUSSDB),
    ("dcs_instance", {}, "DCS instance " + DCS),
])
def test_labels_name_the_account_and_instance(kind, spec, label):
    """Labels: what the log, record and messages call the owner."""
    assert make(kind, **spec).label == label


def test_gaussdb_user_args_carry_the_user_and_the_password_only():
    """GaussDB user: one user (host defaults to %), the password, probe options; never an old password."""
    owner = make("gaussdb_mysql_user", user="crdemo_orders", probe_host="db.internal", probe_port=3307)
    args = owner.args("new-one", "old-one", "always")
    assert args == {"instance_id": GAUSSDB, "password": "new-one", "probe": "always", "wait_timeout": 600,
                    "users": [{"name": "crdemo_orders", "host": "%"}], "probe_timeout": 5,
                    "probe_host": "db.internal", "probe_port": 3307}
    assert owner.user == "crdemo_orders" and discover_user(owner) == "crdemo_orders"


def test_gaussdb_root_args_and_discovery_user():
    """GaussDB root: instance and password; discovery looks for 'root' unless a user is named."""
    owner = make("gaussdb_mysql_root")
    assert owner.args("new-one", "old-one", "never") == {
        "instance_id": GAUSSDB, "password": "new-one", "probe": "never", "probe_timeout": 5}
    assert owner.user == "" and discover_user(owner) == "root"
    assert discover_user(make("gaussdb_mysql_root", user="admin")) == "admin"


def test_dcs_args_carry_the_old_password():
    """DCS: old_password and new_password (the API needs the old one); discovery matches any user."""
    owner = make("dcs_instance")
    assert owner.args("new-one", "old-one", "always") == {
        "instance_id": DCS, "old_password": "old-one", "new_password": "new-one", "probe": "always", "probe_timeout": 5}
    assert discover_user(owner) == ""


@pytest.mark.parametrize("kind, cloud, policy", [
    ("gaussdb_mysql_user", "huaweicloud", "gaussdb_mysql"),
    ("gaussdb_mysql_root", "otc", "gaussdb_mysql"),
    ("dcs_instance", "huaweicloud", "dcs"),
    ("dcs_instance", "otc", "dcs_otc"),
])
def test_the_policy_follows_the_type_and_the_cloud(kind, cloud, policy):
    """Password policy: GaussDB everywhere, DCS per cloud (OTC has other specials)."""
    assert make(kind, settings={"cloud": cloud}, user="u").policy == policy


def test_a_gaussdb_probe_asks_about_each_candidate_and_unchanged_means_in_use():
    """GaussDB preflight: the candidate itself is sent; "unchanged" means the owner uses it; else not found."""
    owner = make("gaussdb_mysql_user", user="u")
    assert owner.first_candidate == 0
    assert owner.probe_password("pending", "candidate") == "candidate"
    assert owner.found(ok("unchanged"), 2) == 2
    assert owner.found(ok("updated"), 2) == -1
    assert owner.found(failed("PasswordPolicy"), 2) == -1


def test_a_dcs_probe_sends_the_pending_password_with_the_candidate_as_old():
    """DCS preflight: starts at current; "unchanged" means it already uses pending, "updated" that the candidate works."""
    owner = make("dcs_instance")
    assert owner.first_candidate == 1
    assert owner.probe_password("pending", "candidate") == "pending"
    assert owner.found(ok("unchanged"), 2) == 0
    assert owner.found(ok("updated"), 2) == 2
    assert owner.found(failed("OldPasswordRejected"), 2) == -1


@pytest.mark.parametrize("kind", ["gaussdb_mysql_user", "dcs_instance"])
def test_with_probe_never_the_owner_is_taken_to_use_the_current_password(kind):
    """probe=never: the preflight sends the pending password and assumes the current one is in use."""
    owner = make(kind, settings={"probe": "never"}, user="u" if kind != "dcs_instance" else None)
    assert owner.probe_password("pending", "candidate") == "pending"
    assert owner.found(ok("updated"), 1) == 1
    assert owner.found(failed("X"), 1) == -1


def test_outcome_of_a_success_and_of_a_failure():
    """outcome_of: the fields the engine reads, from a module result (and a per-user item)."""
    assert outcome_of({"changed": True, "outcome": "updated", "request_id": "r-1"}) == {
        "failed": False, "msg": "", "code": "", "kind": "", "outcome": "updated", "evidence": "",
        "request_id": "r-1", "status": "", "changed": True}
    result = {"failed": True, "msg": "policy says no", "error": {"code": "DBS.280203", "kind": "provider"},
              "request_id": "r-2", "results": [{"outcome": "failed", "status": "Failed"}]}
    out = outcome_of(result, result["results"][0])
    assert (out["failed"], out["msg"], out["code"], out["kind"], out["outcome"], out["status"], out["request_id"]) == (
        True, "policy says no", "DBS.280203", "provider", "failed", "Failed", "r-2")
    assert outcome_of({"failed": True})["outcome"] == "failed"
    assert outcome_of({})["outcome"] == "unknown"


def test_a_gaussdb_user_call_reads_the_users_item():
    """GaussDB user: the outcome comes from results[0] (the one user), the failure from the top level."""
    calls = []

    class Services:
        def call(self, name, args, check_mode=False):
            calls.append((name, check_mode))
            return {"changed": False, "results": [{"name": "u", "outcome": "unchanged", "evidence": "probe"}]}

    out = make("gaussdb_mysql_user", user="u").call(Services(), "p", "o", check=True, probe="always")
    assert calls == [("gaussdb_mysql_user_password", True)]
    assert out["outcome"] == "unchanged" and out["evidence"] == "probe" and not out["failed"]
