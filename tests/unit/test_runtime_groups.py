# -*- coding: utf-8 -*-
# Copyright (c) 2026, credrotate.cloud contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Action groups: every module is in the group of its cloud and documents it, and nothing else is listed.

Modules are discovered from ``plugins/modules``: a module that extends the
``credrotate.cloud.huaweicloud`` doc fragment belongs in ``action_groups.huaweicloud`` of
``meta/runtime.yml``, one that extends ``credrotate.cloud.alicloud`` in ``action_groups.alicloud``,
so that ``module_defaults: group/credrotate.cloud.<cloud>`` reaches it. Its documented
``attributes.action_group`` (from the ``credrotate.cloud.attributes.actiongroup_<cloud>``
fragment, or its own) must name that group.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ast
import os

import pytest
import yaml

from ansible_collections.credrotate.cloud.plugins.doc_fragments import attributes as attributes_fragment

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
MODULES_DIR = os.path.join(ROOT, "plugins", "modules")
RUNTIME = os.path.join(ROOT, "meta", "runtime.yml")
COLLECTION = "credrotate.cloud"
CLOUD_GROUPS = ("huaweicloud", "alicloud")


def module_names():
    if not os.path.isdir(MODULES_DIR):
        return []
    return sorted(name[:-3] for name in os.listdir(MODULES_DIR)
                  if name.endswith(".py") and not name.startswith("_") and name != "__init__.py")


def documentation(name):
    """The module's DOCUMENTATION, parsed without importing the module."""
    with open(os.path.join(MODULES_DIR, name + ".py")) as handle:
        tree = ast.parse(handle.read())
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "DOCUMENTATION" for t in node.targets):
            try:
                return yaml.safe_load(ast.literal_eval(node.value))
            except yaml.YAMLError as exc:
                raise AssertionError("the DOCUMENTATION of %s is not valid YAML: %s" % (name, exc))
    raise AssertionError("%s has no DOCUMENTATION" % name)


def fragments(doc):
    value = doc.get("extends_documentation_fragment") or []
    return [value] if isinstance(value, str) else list(value)


def cloud_of(doc):
    """The action group a module belongs to, from the cloud doc fragment it extends (None: not a cloud module)."""
    clouds = [g for g in CLOUD_GROUPS if "%s.%s" % (COLLECTION, g) in fragments(doc)]
    assert len(clouds) <= 1, "extends %s: a module takes the options of one cloud only" % (fragments(doc),)
    return clouds[0] if clouds else None


def documented_attributes(doc):
    """``attributes`` after merging this collection's attributes fragments (the module's own win)."""
    merged = {}
    for name in fragments(doc):
        parts = name.split(".")
        if parts[:3] != ["credrotate", "cloud", "attributes"]:
            continue
        variable = parts[3].upper() if len(parts) > 3 else "DOCUMENTATION"
        fragment = yaml.safe_load(getattr(attributes_fragment.ModuleDocFragment, variable))
        for key, value in (fragment.get("attributes") or {}).items():
            merged.setdefault(key, {}).update(value)
    for key, value in (doc.get("attributes") or {}).items():
        merged.setdefault(key, {}).update(value)
    return merged


def action_groups():
    with open(RUNTIME) as handle:
        runtime = yaml.safe_load(handle)
    groups = runtime.get("action_groups") or {}
    return dict((g, list(groups.get(g) or [])) for g in CLOUD_GROUPS)


MODULES = module_names()


def test_modules_are_discovered():
    """The test sees the modules directory (a renamed directory must not make every check vacuous)."""
    assert MODULES, "no modules found in %s" % MODULES_DIR


@pytest.mark.parametrize("name", MODULES)
def test_module_is_in_the_action_group_of_its_cloud(name):
    """A module extending the huaweicloud/alicloud fragment is listed in that group, and only there.

    A module that extends neither (a controller-side helper) is in no cloud group.
    """
    cloud = cloud_of(documentation(name))
    groups = action_groups()
    if cloud is not None:
        assert name in groups[cloud], "%s is missing from action_groups.%s in meta/runtime.yml" % (name, cloud)
    for other in CLOUD_GROUPS:
        if other != cloud:
            assert name not in groups[other], "%s is listed in action_groups.%s but does not extend %s.%s" % (
                name, other, COLLECTION, other)


@pytest.mark.parametrize("name", MODULES)
def test_module_documents_its_action_group(name):
    """attributes.action_group says: use group/credrotate.cloud.<cloud>, support full."""
    doc = documentation(name)
    cloud = cloud_of(doc)
    if cloud is None:
        pytest.skip("%s takes no cloud connection options: no action group" % name)
    attribute = documented_attributes(doc).get("action_group")
    assert attribute, "%s documents no attributes.action_group (extend %s.attributes.actiongroup_%s)" % (
        name, COLLECTION, cloud)
    assert attribute.get("support") == "full"
    assert "%s.%s" % (COLLECTION, cloud) in (attribute.get("membership") or []), attribute


@pytest.mark.parametrize("group", CLOUD_GROUPS)
def test_every_listed_module_exists_and_the_group_is_sorted(group):
    """Nothing in an action group lacks a module file; names are short (no FQCN), unique and sorted."""
    listed = action_groups()[group]
    missing = [name for name in listed if name not in MODULES]
    assert not missing, "action_groups.%s lists modules without a file in plugins/modules: %s" % (group, missing)
    assert len(set(listed)) == len(listed), "duplicates in action_groups.%s" % group
    assert listed == sorted(listed), "action_groups.%s is not sorted" % group


def test_documented_fragments_name_the_runtime_groups():
    """Each actiongroup_<cloud> fragment points at group <cloud>, which meta/runtime.yml defines."""
    with open(RUNTIME) as handle:
        defined = set((yaml.safe_load(handle).get("action_groups") or {}).keys())
    for cloud in CLOUD_GROUPS:
        fragment = yaml.safe_load(getattr(attributes_fragment.ModuleDocFragment, "ACTIONGROUP_%s" % cloud.upper()))
        assert fragment["attributes"]["action_group"]["membership"] == ["%s.%s" % (COLLECTION, cloud)]
        assert cloud in defined
