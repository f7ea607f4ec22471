# -*- coding: utf-8 -*-
# Copyright (c) 2026, credrotate.cloud contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The AWX custom credential types in ``docs/awx/credential_types/``.

* They are valid AWX credential types: the field and injector shapes AWX accepts, every injector
  template renders with only the defined fields, no ``ANSIBLE_*`` or reserved variable.
* Secret inputs are ``secret: true``, and every environment variable that carries one has a name that
  AWX masks in the job's stored environment (``job_env``): it matches ``API|TOKEN|KEY|SECRET|PASS``.
* Every injected variable is one the modules read: an environment fallback of the shared argument
  spec (``plugins/module_utils/_module.py``) of that cloud, the first one (the ``HW_*`` /
  ``ALICLOUD_*`` name), for an option whose ``no_log`` matches the field's ``secret``; the one extra
  variable is a variable of the rotation role with the same choices as the modules' ``cloud``.
* Rendered as AWX renders them (a blank field becomes an empty string), the modules' clients pick
  the intended authentication.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import re

import pytest
import yaml
from jinja2 import StrictUndefined, meta
from jinja2.sandbox import ImmutableSandboxedEnvironment

from ansible_collections.credrotate.cloud.plugins.module_utils import _module
from ansible_collections.credrotate.cloud.plugins.module_utils._alibaba import AlibabaClient
from ansible_collections.credrotate.cloud.plugins.module_utils._huawei import HuaweiClient

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
TYPES_DIR = os.path.join(ROOT, "docs", "awx", "credential_types")
ROLE_SPECS = os.path.join(ROOT, "roles", "rotation", "meta", "argument_specs.yml")
PLAYBOOK = os.path.join(ROOT, "playbooks", "rotate.yml")

# What AWX masks when it stores a job's environment (awx.main.utils: build_safe_env).
AWX_MASKED = re.compile(r"API|TOKEN|KEY|SECRET|PASS", re.I)
# The shapes AWX's CredentialType validation accepts (awx.main.fields).
FIELD_KEYS = {"id", "label", "type", "format", "choices", "help_text", "multiline", "secret", "ask_at_runtime",
              "default"}
STRING_ONLY_KEYS = ("choices", "multiline", "format", "secret")
NAME = re.compile(r"^[a-zA-Z_]+[a-zA-Z0-9_]*$")
# Environment variables AWX refuses in a credential type (or sets itself for every job).
AWX_RESERVED_ENV = {"VIRTUAL_ENV", "PATH", "PYTHONPATH", "JOB_ID", "INVENTORY_ID", "INVENTORY_SOURCE_ID",
                    "INVENTORY_UPDATE_ID", "AD_HOC_COMMAND_ID", "REST_API_URL", "REST_API_TOKEN", "MAX_EVENT_RES",
                    "CALLBACK_QUEUE", "CALLBACK_CONNECTION", "CACHE", "JOB_CALLBACK_DEBUG", "INVENTORY_HOSTVARS",
                    "AWX_HOST", "PROJECT_REVISION", "SUPERVISOR_CONFIG_PATH"}

CLOUDS = {
    "huaweicloud": {"spec": _module.HUAWEI_ARGUMENT_SPEC, "prefix": "HW_"},
    "alicloud": {"spec": _module.ALIBABA_ARGUMENT_SPEC, "prefix": "ALICLOUD_"},
}
# Exactly these, and nothing else, are injected.
EXPECTED_ENV = {
    "huaweicloud": {"HW_ACCESS_KEY", "HW_SECRET_KEY", "HW_SECURITY_TOKEN", "HW_REGION_NAME", "HW_PROJECT_ID",
                    "HW_USER_NAME", "HW_PASSWORD", "HW_DOMAIN_NAME"},
    "alicloud": {"ALICLOUD_ACCESS_KEY", "ALICLOUD_SECRET_KEY", "ALICLOUD_SECURITY_TOKEN", "ALICLOUD_REGION"},
}
# Options with an environment fallback that the credential types leave out on purpose: an IAM token
# expires within 24 hours, so it is no input for a stored credential.
NOT_INJECTED = {"huaweicloud": {"auth_token"}, "alicloud": set()}

SANDBOX = ImmutableSandboxedEnvironment()
STRICT = ImmutableSandboxedEnvironment(undefined=StrictUndefined)


def load(cloud):
    with open(os.path.join(TYPES_DIR, cloud + ".yml")) as handle:
        return yaml.safe_load(handle)


def fields(ctype):
    return dict((field["id"], field) for field in ctype["inputs"]["fields"])


def secret_fields(ctype):
    return set(name for name, field in fields(ctype).items() if field.get("secret"))


def templates(ctype):
    """``(kind, variable, template)`` for every env and extra_vars injector."""
    for kind in ("env", "extra_vars"):
        for variable, template in (ctype["injectors"].get(kind) or {}).items():
            yield kind, variable, template


def referenced(template):
    return meta.find_undeclared_variables(SANDBOX.parse(template))


def env_fallbacks(spec):
    """``{environment variable: (option, position in its fallback list)}`` of an argument spec."""
    found = {}
    for option, settings in spec.items():
        fallback = settings.get("fallback")
        if fallback and fallback[0] is _module.env_fallback:
            for position, variable in enumerate(fallback[1]):
                found[variable] = (option, position)
    return found


def awx_render(ctype, inputs):
    """``(env, extra_vars)`` as AWX injects them: a blank or missing input is undefined and renders as ''."""
    namespace = dict((k, v) for k, v in inputs.items() if v not in (None, ""))
    env = dict((k, SANDBOX.from_string(t).render(**namespace)) for k, t in ctype["injectors"].get("env", {}).items())
    extra = dict((k, SANDBOX.from_string(t).render(**namespace))
                 for k, t in (ctype["injectors"].get("extra_vars") or {}).items())
    return env, extra


def module_params(cloud, env):
    """The shared options as ``AnsibleModule`` fills them from ``env`` (defaults, then env fallbacks)."""
    params = {}
    for option, settings in CLOUDS[cloud]["spec"].items():
        params[option] = settings.get("default")
        fallback = settings.get("fallback")
        if fallback and fallback[0] is _module.env_fallback:
            present = [name for name in fallback[1] if name in env]
            if present:
                params[option] = env[present[0]]
    return params


@pytest.fixture(params=sorted(CLOUDS))
def cloud(request):
    return request.param


def test_the_files_have_the_shape_awx_accepts(cloud):
    ctype = load(cloud)
    assert set(ctype) <= {"name", "description", "kind", "inputs", "injectors"}
    assert ctype["kind"] == "cloud" and ctype["name"] and ctype["description"]
    assert set(ctype["inputs"]) <= {"fields", "required"}
    ids = [field["id"] for field in ctype["inputs"]["fields"]]
    assert len(ids) == len(set(ids)), "field ids must be unique"
    for field in ctype["inputs"]["fields"]:
        assert set(field) <= FIELD_KEYS, field
        assert NAME.match(field["id"]) and field["id"] != "tower" and field["label"], field
        kind = field.get("type", "string")
        assert kind in ("string", "boolean"), field
        if kind != "string":
            assert not set(field) & set(STRING_ONLY_KEYS), field
        if "default" in field:
            assert isinstance(field["default"], str if kind == "string" else bool), field
        if "choices" in field:
            assert field["choices"] and len(set(field["choices"])) == len(field["choices"])
            assert all(isinstance(choice, str) for choice in field["choices"])
            assert field.get("default", field["choices"][0]) in field["choices"]
    assert set(ctype["inputs"].get("required", [])) <= set(ids)
    assert set(ctype["injectors"]) <= {"env", "extra_vars", "file"}
    assert "file" not in ctype["injectors"], "secrets go in the environment, never in files"
    for kind, variable, template in templates(ctype):
        assert NAME.match(variable) and isinstance(template, str), variable
        assert not variable.startswith("ANSIBLE_"), "AWX refuses ANSIBLE_* variables: %s" % variable
        assert variable not in AWX_RESERVED_ENV, variable
        assert all(ord(char) < 128 for char in template), variable


def test_every_template_renders_with_only_the_defined_fields(cloud):
    """AWX's own check: each template renders under StrictUndefined with every field defined."""
    ctype = load(cloud)
    namespace = dict((name, "EXAMPLE") for name in fields(ctype))
    for kind, variable, template in templates(ctype):
        rendered = STRICT.from_string(template).render(**namespace)
        assert rendered, "%s %s renders empty" % (kind, variable)


def test_every_field_is_injected(cloud):
    ctype = load(cloud)
    used = set()
    for _kind, _variable, template in templates(ctype):
        used |= referenced(template)
    assert set(fields(ctype)) == used, "inputs that nothing injects: %s" % (set(fields(ctype)) - used)


def test_secret_fields_are_secret_and_only_masked_variables_carry_them(cloud):
    ctype = load(cloud)
    secrets = secret_fields(ctype)
    assert {"secret_key", "security_token"} <= secrets
    if cloud == "huaweicloud":
        assert "password" in secrets
    for kind, variable, template in templates(ctype):
        carried = referenced(template) & secrets
        if carried:
            assert kind == "env", "secret %s would reach the extra variables (%s)" % (carried, variable)
            assert AWX_MASKED.search(variable), "AWX would store %s (holds %s) unmasked in job_env" % (variable, carried)


def test_injected_variables_are_the_ones_the_modules_read(cloud):
    """Each env injector is the first environment fallback of one of the cloud's shared options, and the
    option hides its value (no_log) exactly when the field is secret."""
    ctype = load(cloud)
    spec = CLOUDS[cloud]["spec"]
    fallbacks = env_fallbacks(spec)
    secrets = secret_fields(ctype)
    env = ctype["injectors"]["env"]
    assert set(env) == EXPECTED_ENV[cloud]
    covered = set()
    for variable, template in env.items():
        assert variable in fallbacks, "the modules do not read %s" % variable
        option, position = fallbacks[variable]
        assert position == 0, "%s is a later fallback of %s" % (variable, option)
        assert variable.startswith(CLOUDS[cloud]["prefix"])
        names = referenced(template)
        assert len(names) == 1, template
        assert bool(spec[option].get("no_log")) == bool(names & secrets), (variable, option)
        covered.add(option)
    with_env = set(option for option, _position in fallbacks.values())
    assert with_env - covered == NOT_INJECTED[cloud]


def test_the_cloud_choice_reaches_the_modules_and_the_role():
    """``cloud`` is injected as the extra variable ``rotation_cloud``: a role variable with the same
    choices as the modules' ``cloud`` option, which playbooks/rotate.yml hands to the modules."""
    ctype = load("huaweicloud")
    assert set(ctype["injectors"]["extra_vars"]) == {"rotation_cloud"}
    choices = fields(ctype)["cloud"]["choices"]
    assert choices == _module.HUAWEI_ARGUMENT_SPEC["cloud"]["choices"]
    with open(ROLE_SPECS) as handle:
        role = yaml.safe_load(handle)["argument_specs"]["main"]["options"]
    assert role["rotation_cloud"]["choices"] == choices
    with open(PLAYBOOK) as handle:
        play = yaml.safe_load(handle)[0]
    assert "rotation_cloud" in play["module_defaults"]["group/credrotate.cloud.huaweicloud"]
    assert "extra_vars" not in load("alicloud")["injectors"]
    for given, expected in (({"cloud": "otc"}, "otc"), ({}, "huaweicloud")):
        assert awx_render(ctype, given)[1] == {"rotation_cloud": expected}


@pytest.mark.parametrize("inputs, mode", [
    ({"cloud": "huaweicloud", "access_key": "AK1", "secret_key": "SK1", "region": "cn-north-4"}, "aksk"),
    ({"cloud": "huaweicloud", "access_key": "AK1", "secret_key": "SK1", "security_token": "TOKEN"}, "aksk"),
    ({"cloud": "otc", "user_name": "ops", "password": "PW", "domain_name": "acme", "region": "eu-de"}, "password"),
])
def test_blank_fields_are_injected_empty_and_ignored_by_the_huawei_client(inputs, mode):
    ctype = load("huaweicloud")
    env, _extra = awx_render(ctype, inputs)
    assert set(env) == EXPECTED_ENV["huaweicloud"]
    assert [name for name, value in env.items() if value == ""], "some field was left blank"
    client = HuaweiClient(module_params("huaweicloud", env), None, None)
    assert client.auth_mode == mode
    assert client.region == (inputs.get("region") or "")
    assert sorted(client.secrets) == sorted(v for k, v in inputs.items() if k in secret_fields(ctype))


def test_blank_fields_are_injected_empty_and_ignored_by_the_alibaba_client():
    ctype = load("alicloud")
    env, extra = awx_render(ctype, {"access_key": "LTAI1", "secret_key": "SECRET1"})
    assert env["ALICLOUD_SECURITY_TOKEN"] == "" and env["ALICLOUD_REGION"] == "" and extra == {}
    client = AlibabaClient(module_params("alicloud", env), None, None)
    assert client.secrets == ["SECRET1"]
