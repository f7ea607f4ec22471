# -*- coding: utf-8 -*-
# Copyright (c) 2026, credrotate.cloud contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The collection's Python requirements for execution environments are ranges that hold what the plugins import.

* ``meta/ee-requirements.txt`` parses as requirements; each has a lower (``>=``) and an upper (``<``)
  bound and no exact pin (``==``, ``===``), so an execution environment can combine the collection
  with others;
* every third-party module that a plugin imports (module, module_utils, action, lookup, filter,
  plugin_utils; a Python 2 fallback in an ``except ImportError`` is not an import) comes from a
  distribution listed there, or from one that ansible-core itself requires;
* the versions the tests run (``tests/constraints.txt``) and the developer pins (``requirements.txt``)
  are inside the ranges, and name the same packages;
* ``meta/execution-environment.yml`` points ansible-builder at that file, and ansible-builder's own
  introspection of the installed tarball finds exactly those ranges (and the system requirements of
  ``bindep.txt``: none).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ast
import glob
import importlib.metadata
import os
import sys

import pytest
import yaml
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from harness import REPO
from release_collection import build_tarball, install_tarball

pytestmark = pytest.mark.integration

EE_REQUIREMENTS = "meta/ee-requirements.txt"
EE_META = "meta/execution-environment.yml"
NOT_THIRD_PARTY = frozenset(("__future__", "ansible", "ansible_collections"))


def requirement_lines(path):
    with open(os.path.join(REPO, path)) as handle:
        return [line.split("#", 1)[0].strip() for line in handle if line.split("#", 1)[0].strip()]


def ee_requirements():
    parsed = []
    for line in requirement_lines(EE_REQUIREMENTS):
        try:
            parsed.append(Requirement(line))
        except InvalidRequirement as exc:
            pytest.fail("%s: %r is not a requirement: %s" % (EE_REQUIREMENTS, line, exc))
    return parsed


def exact_pins(path):
    """``{canonical name: version}`` of a pip freeze style file (``name==version`` lines)."""
    pins = {}
    for line in requirement_lines(path):
        if line.startswith("-"):
            continue
        requirement = Requirement(line)
        specs = list(requirement.specifier)
        assert len(specs) == 1 and specs[0].operator == "==", "%s: %r is not an exact pin" % (path, line)
        pins[canonicalize_name(requirement.name)] = specs[0].version
    return pins


def _in_import_error_handler(node, parents):
    """True when ``node`` sits in an ``except ImportError`` handler (a fallback, not a requirement)."""
    current = parents.get(node)
    while current is not None:
        if isinstance(current, ast.ExceptHandler) and current.type is not None:
            names = [current.type] if not isinstance(current.type, ast.Tuple) else list(current.type.elts)
            if any(isinstance(n, ast.Name) and n.id in ("ImportError", "ModuleNotFoundError") for n in names):
                return True
        current = parents.get(current)
    return False


def third_party_imports():
    """``{top-level module: [file, ...]}`` of every non-stdlib import in plugins/."""
    found = {}
    for path in sorted(glob.glob(os.path.join(REPO, "plugins", "**", "*.py"), recursive=True)):
        with open(path) as handle:
            tree = ast.parse(handle.read(), path)
        parents = {}
        for parent in ast.walk(tree):
            for child in ast.iter_child_nodes(parent):
                parents[child] = parent
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules = [node.module]
            else:
                continue
            if _in_import_error_handler(node, parents):
                continue
            for module in modules:
                top = module.split(".", 1)[0]
                if top in NOT_THIRD_PARTY or top in sys.stdlib_module_names:
                    continue
                found.setdefault(top, []).append(os.path.relpath(path, REPO))
    return found


def ansible_core_requirements():
    return set(canonicalize_name(Requirement(r).name) for r in importlib.metadata.requires("ansible-core") or [])


def test_ee_requirements_are_ranges():
    requirements = ee_requirements()
    assert requirements, "%s lists nothing" % EE_REQUIREMENTS
    problems = []
    for requirement in requirements:
        operators = [spec.operator for spec in requirement.specifier]
        if set(operators) & {"==", "==="}:
            problems.append("%s is an exact pin" % requirement)
        if ">=" not in operators and ">" not in operators:
            problems.append("%s has no lower bound" % requirement)
        if "<" not in operators:
            problems.append("%s has no upper bound" % requirement)
        if requirement.marker or requirement.url:
            problems.append("%s: no markers or URLs (ansible-builder passes lines through)" % requirement)
    names = [canonicalize_name(r.name) for r in requirements]
    assert len(names) == len(set(names)), "a package is listed twice: %s" % names
    assert not problems, "; ".join(problems)


def test_every_third_party_import_of_the_plugins_is_covered():
    imports = third_party_imports()
    # What the plugins import today; if this shrinks, the scan above no longer sees the imports.
    assert {"requests", "pymysql", "redis"} <= set(imports), imports
    listed = set(canonicalize_name(r.name) for r in ee_requirements())
    from_core = ansible_core_requirements()
    distributions = importlib.metadata.packages_distributions()
    uncovered = []
    for module, files in sorted(imports.items()):
        dists = set(canonicalize_name(d) for d in distributions.get(module, []))
        if not dists:
            uncovered.append("%s (imported by %s) is not installed here: which package provides it?"
                             % (module, ", ".join(sorted(set(files)))))
        elif not dists & (listed | from_core):
            uncovered.append("%s (package %s, imported by %s) is not in %s" % (
                module, "/".join(sorted(dists)), ", ".join(sorted(set(files))), EE_REQUIREMENTS))
    assert not uncovered, "\n".join(uncovered)


@pytest.mark.parametrize("pinned", ["tests/constraints.txt", "requirements.txt"])
def test_pinned_versions_satisfy_the_ranges(pinned):
    pins = exact_pins(pinned)
    outside = []
    for requirement in ee_requirements():
        version = pins.get(canonicalize_name(requirement.name))
        if version is None:
            outside.append("%s is not pinned in %s" % (requirement.name, pinned))
        elif not requirement.specifier.contains(version, prereleases=True):
            outside.append("%s==%s is outside %s" % (requirement.name, version, requirement))
    assert not outside, "; ".join(outside)


def test_requirements_txt_pins_the_same_packages():
    """requirements.txt (make venv, the repository's own image) pins exactly what the ranges list."""
    pinned = set(exact_pins("requirements.txt"))
    ranged = set(canonicalize_name(r.name) for r in ee_requirements())
    assert pinned == ranged


def test_execution_environment_metadata_points_at_the_ranges():
    with open(os.path.join(REPO, EE_META)) as handle:
        meta = yaml.safe_load(handle)
    assert meta["version"] == 1
    assert meta["dependencies"] == {"python": EE_REQUIREMENTS, "system": "bindep.txt"}
    for path in meta["dependencies"].values():
        assert not os.path.isabs(path) and os.path.isfile(os.path.join(REPO, path)), path


# The tarball is installed into a directory of the test's own (-p), which on purpose is not a configured
# collections path: ansible-galaxy says it will not be picked up by an Ansible run.
@pytest.mark.allow_warnings(r"^\[WARNING\]: The specified collections path '[^']*/collections' is not part of the "
                            r"configured Ansible collections paths")
def test_ansible_builder_introspection_of_the_installed_collection(tmp_path):
    """ansible-builder's introspection (what its builder stage runs) on the tarball, installed."""
    introspect = pytest.importorskip("ansible_builder._target_scripts.introspect")
    tarball = build_tarball(tmp_path)
    installed = install_tarball(tarball, tmp_path / "collections", tmp_path)
    for path in (EE_META, EE_REQUIREMENTS, "bindep.txt"):
        assert os.path.isfile(os.path.join(installed, path)), "%s is not in the tarball" % path
    pip_lines, bindep_lines = introspect.process_collection(installed)
    assert pip_lines == requirement_lines(EE_REQUIREMENTS)
    assert not [line for line in pip_lines if "==" in line]
    assert bindep_lines == [], "bindep.txt lists no system package"
