# -*- coding: utf-8 -*-
# Copyright (c) 2026, credrotate.cloud contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The unknown_variables filter: which ``rotation_*`` names the role does not know, and what was meant."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

import pytest
import yaml

from ansible.errors import AnsibleFilterError

from ansible_collections.credrotate.cloud.plugins.filter import unknown_variables as plugin

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", ".."))
ROLE = "credrotate.cloud.rotation"


@pytest.fixture(scope="module")
def options():
    """The rotation role's real argument spec, as the role reads it."""
    with open(os.path.join(REPO, "roles", "rotation", "meta", "argument_specs.yml")) as handle:
        return yaml.safe_load(handle)["argument_specs"]["main"]["options"]


def _msgs(names, options, **kwargs):
    return [e["msg"] for e in plugin.unknown_variables(names, options, **kwargs)]


def test_known_names_and_other_prefixes_pass(options):
    names = list(options) + ["_rotation_pending", "ansible_check_mode", "rotationx", "vault_orders_password"]
    assert plugin.unknown_variables(names, options) == []


@pytest.mark.parametrize("typo, meant", [
    ("rotation_new_pasword", "rotation_new_password"),
    ("rotation_current_pasword", "rotation_current_password"),
    ("rotation_verify_timout", "rotation_verify_timeout"),
    ("rotation_verify_intervall", "rotation_verify_interval"),
    ("rotation_credentials", "rotation_credential"),
    ("rotation_dts_concurency", "rotation_dts_concurrency"),
    ("rotation_vault_secrets", "rotation_vault_secret"),
    ("ROTATION_ID", "rotation_id"),
    ("Rotation_Probe", "rotation_probe"),
])
def test_a_typo_names_the_intended_variable(options, typo, meant):
    entry, = plugin.unknown_variables([typo, "rotation_id"], options)
    assert entry == {"name": typo, "suggestion": meant,
                     "msg": "%s is not a variable of %s; did you mean %s?" % (typo, ROLE, meant)}


@pytest.mark.parametrize("name, path", [
    ("rotation_dependants", "rotation_credential.dependants"),
    ("rotation_owner", "rotation_credential.owner"),
    ("rotation_instance_id", "rotation_credential.owner.instance_id"),
    ("rotation_probe_port", "rotation_credential.owner.probe_port"),
    ("rotation_job_id", "rotation_credential.dependants[].job_id"),
    ("rotation_direction", "rotation_credential.dependants[].direction"),
])
def test_a_sub_option_set_at_the_top_names_its_path(options, name, path):
    assert plugin.unknown_variables([name], options)[0]["suggestion"] == path


def test_a_name_far_from_every_option_gets_no_guess(options):
    assert _msgs(["rotation_zzz_frobnicate"], options) == [
        "rotation_zzz_frobnicate is not a variable of %s (ansible-doc -t role %s lists them)" % (ROLE, ROLE)]


def test_sorted_unique_and_the_lookup_string_form(options):
    names = "rotation_b_unknown, rotation_id,rotation_a_unknown,rotation_b_unknown"
    assert [e["name"] for e in plugin.unknown_variables(names, options)] == ["rotation_a_unknown", "rotation_b_unknown"]


def test_unprintable_names_are_escaped():
    entry, = plugin.unknown_variables(["rotation_x\x1b[31m\n"], ["rotation_id"])
    assert entry["name"] == "rotation_x\\x1b[31m\\n"
    assert "\x1b" not in entry["msg"] and "\n" not in entry["msg"]


def test_a_list_of_names_prefix_role_and_cutoff():
    assert _msgs(["app_passwrd", "rotation_x"], ["app_password"], prefix="app_", role="my.role") == [
        "app_passwrd is not a variable of my.role; did you mean app_password?"]
    assert plugin.unknown_variables(["app_pw"], ["app_password"], prefix="app_", cutoff=0.3)[0]["suggestion"] \
        == "app_password"
    assert plugin.unknown_variables(["app_pw"], ["app_password"], prefix="app_")[0]["suggestion"] is None


@pytest.mark.parametrize("names, opts", [(42, ["rotation_id"]), (["rotation_x"], 42)])
def test_bad_arguments_fail_clearly(names, opts):
    with pytest.raises(AnsibleFilterError, match="unknown_variables"):
        plugin.unknown_variables(names, opts)


def test_bad_cutoff_fails_clearly():
    with pytest.raises(AnsibleFilterError, match="cutoff"):
        plugin.unknown_variables(["rotation_x"], ["rotation_id"], cutoff="near")


def test_registered_as_a_filter():
    assert plugin.FilterModule().filters()["unknown_variables"] is plugin.unknown_variables
