# -*- coding: utf-8 -*-
# Copyright (c) 2026, credrotate.cloud contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""``execution-environment.yml``: ``ansible-builder create`` makes a build context (no container
engine needed) that holds the Containerfile, the collection's pinned Python requirements, its
bindep file and the collection tarball, and ansible-builder's own introspection of the installed
collection finds the same requirements.

ansible-builder is not in the test requirements: when the running Python does not have it, the
test installs the pinned ``BUILDER_PINS`` into its own virtualenv under
``tests/output/ansible-builder/`` (kept between runs), and skips only when the package index cannot
be reached. The definition's files are copied, with a freshly built collection tarball, into a
staging directory, so the test writes nothing into the checkout but ``tests/output``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tarfile

import pytest
import yaml

from harness import BIN, REPO

pytestmark = pytest.mark.integration

EE_FILE = "execution-environment.yml"
# ansible-builder and every package it pulls in, pinned (Python 3.11).
BUILDER_PINS = (
    "ansible-builder==3.2.0", "attrs==26.1.0", "bindep==2.14.0", "distro==1.9.0", "jsonschema==4.26.0",
    "jsonschema-specifications==2025.9.1", "packaging==26.4", "Parsley==1.3", "pbr==7.1.3", "PyYAML==6.0.4",
    "referencing==0.37.0", "rpds-py==2026.9.1", "typing_extensions==4.16.0",
)
BUILDER_HOME = os.path.join(REPO, "tests", "output", "ansible-builder")


def _pins(path):
    """``{lower-case name: 'name==version'}`` of a requirements file's exact pins."""
    found = {}
    with open(path) as handle:
        for line in handle:
            line = line.split("#", 1)[0].strip()
            if "==" in line and not line.startswith("-"):
                found[line.split("==", 1)[0].strip().lower()] = line
    return found


def _index_url():
    """The package index pip uses here (PIP_INDEX_URL, pip config, or PyPI)."""
    url = os.environ.get("PIP_INDEX_URL")
    if not url:
        proc = subprocess.run([sys.executable, "-m", "pip", "config", "get", "global.index-url"], capture_output=True,
                              text=True, check=False)
        url = proc.stdout.strip() if proc.returncode == 0 else ""
    return (url or "https://pypi.org/simple").rstrip("/") + "/"


def _index_unreachable():
    """The reason the package index cannot be reached, or None when it answers."""
    import urllib.error
    import urllib.request
    url = _index_url() + "ansible-builder/"
    try:
        with urllib.request.urlopen(url, timeout=20) as response:  # nosec - a fixed https index URL
            response.read(1)
    except (urllib.error.URLError, OSError) as exc:
        return "%s: %s" % (url, exc)
    return None


def builder_python():
    """A Python with ansible-builder: the running one if it has it, else a pinned virtualenv."""
    try:
        import ansible_builder  # noqa: F401 pylint: disable=unused-import,import-outside-toplevel
    except ImportError:
        pass
    else:
        return sys.executable
    digest = hashlib.sha256("\n".join(BUILDER_PINS).encode("utf-8")).hexdigest()[:12]
    venv = os.path.join(BUILDER_HOME, "venv-" + digest)
    python = os.path.join(venv, "bin", "python")
    done = os.path.join(venv, ".installed")
    os.makedirs(BUILDER_HOME, exist_ok=True)
    with open(os.path.join(BUILDER_HOME, ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # pytest-xdist workers build it once
        if not os.path.exists(done):
            shutil.rmtree(venv, ignore_errors=True)
            subprocess.run([sys.executable, "-m", "venv", venv], check=True, capture_output=True)
            proc = subprocess.run([python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-input"]
                                  + list(BUILDER_PINS), capture_output=True, text=True, timeout=900, check=False)
            if proc.returncode != 0:
                reason = _index_unreachable()
                if reason:
                    pytest.skip("ansible-builder cannot be installed, the package index is unreachable (%s)" % reason)
                pytest.fail("pip install %s failed:\n%s\n%s" % (" ".join(BUILDER_PINS), proc.stdout, proc.stderr))
            with open(done, "w") as handle:
                handle.write("\n".join(BUILDER_PINS) + "\n")
    return python


@pytest.fixture(scope="module")
def ee_context(tmp_path_factory):
    """``(definition, staging dir, context dir, builder python)`` after ``ansible-builder create``."""
    python = builder_python()
    work = tmp_path_factory.mktemp("ee")
    staging, context = work / "staging", work / "context"
    with open(os.path.join(REPO, EE_FILE)) as handle:
        definition = yaml.safe_load(handle)
    # The definition and the files it names, relative to it, as in the checkout.
    os.makedirs(str(staging / "build"))
    shutil.copy(os.path.join(REPO, EE_FILE), str(staging))
    for kind in ("galaxy", "python", "system"):
        shutil.copy(os.path.join(REPO, definition["dependencies"][kind]), str(staging))
    env = dict((k, v) for k, v in os.environ.items() if not k.startswith("ANSIBLE_"))
    env.update(ANSIBLE_HOME=str(work / "ansible-home"), ANSIBLE_NOCOLOR="1")
    subprocess.run([os.path.join(BIN, "ansible-galaxy"), "collection", "build", "--output-path", str(staging / "build"),
                    REPO], check=True, capture_output=True, env=env, cwd=REPO)
    proc = subprocess.run([python, "-m", "ansible_builder", "create", "--file", EE_FILE, "--context", str(context),
                           "--output-filename", "Containerfile", "-v3"],
                          capture_output=True, text=True, cwd=str(staging), env=env, timeout=300, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "WARNING" not in proc.stdout + proc.stderr, "ansible-builder warned (a missing build file?):\n" + proc.stdout
    return {"definition": definition, "staging": staging, "context": context, "python": python, "env": env,
            "work": work}


def _galaxy_version():
    with open(os.path.join(REPO, "galaxy.yml")) as handle:
        return yaml.safe_load(handle)["version"]


def test_the_definition_pins_what_the_tests_run():
    """ansible-core and ansible-runner as tests/requirements.txt pins them; the tarball of galaxy.yml's version."""
    with open(os.path.join(REPO, EE_FILE)) as handle:
        definition = yaml.safe_load(handle)
    assert definition["version"] == 3
    tested = _pins(os.path.join(REPO, "tests", "requirements.txt"))
    deps = definition["dependencies"]
    assert deps["ansible_core"]["package_pip"] == tested["ansible-core"]
    assert deps["ansible_runner"]["package_pip"] == tested["ansible-runner"]
    assert (deps["galaxy"], deps["python"], deps["system"]) == ("requirements-ee.yml", "requirements.txt", "bindep.txt")
    tarball = "credrotate-cloud-%s.tar.gz" % _galaxy_version()
    assert definition["additional_build_files"] == [{"src": "build/" + tarball, "dest": "collections"}]
    with open(os.path.join(REPO, deps["galaxy"])) as handle:
        galaxy = yaml.safe_load(handle)
    assert galaxy == {"collections": [{"name": "collections/" + tarball, "type": "file"}]}


def test_ansible_builder_create_makes_a_complete_context(ee_context):
    context, definition = ee_context["context"], ee_context["definition"]
    containerfile = (context / "Containerfile").read_text()
    build = context / "_build"
    assert 'ARG EE_BASE_IMAGE="%s"' % definition["images"]["base_image"]["name"] in containerfile
    assert 'ARG PYCMD="%s"' % definition["dependencies"]["python_interpreter"]["python_path"] in containerfile
    assert 'ARG ANSIBLE_INSTALL_REFS="ansible-core==2.19.14 ansible-runner==2.4.3"' in containerfile
    assert 'ARG ANSIBLE_GALAXY_CLI_COLLECTION_OPTS="--offline"' in containerfile
    assert "ansible-galaxy collection install $ANSIBLE_GALAXY_CLI_COLLECTION_OPTS -r requirements.yml" in containerfile
    assert "introspect.py introspect --user-pip=requirements.txt --user-bindep=bindep.txt" in containerfile

    runtime = _pins(os.path.join(REPO, "requirements.txt"))
    assert set(runtime) >= {"requests", "pymysql", "redis"}
    context_pins = _pins(str(build / "requirements.txt"))
    for name in ("requests", "pymysql", "redis"):
        assert context_pins[name] == runtime[name]
    with open(os.path.join(REPO, "bindep.txt")) as handle:
        assert (build / "bindep.txt").read_text() == handle.read()
    with open(os.path.join(REPO, "requirements-ee.yml")) as handle:
        assert (build / "requirements.yml").read_text() == handle.read()

    # The collection itself, where the galaxy stage's requirements.yml points (WORKDIR /build = _build).
    tarball = build / "collections" / ("credrotate-cloud-%s.tar.gz" % _galaxy_version())
    with tarfile.open(str(tarball)) as archive:
        names = set(archive.getnames())
        manifest = json.load(archive.extractfile("MANIFEST.json"))
    info = manifest["collection_info"]
    assert (info["namespace"], info["name"], info["version"]) == ("credrotate", "cloud", _galaxy_version())
    assert {"requirements.txt", "bindep.txt", "meta/runtime.yml", "roles/rotation/tasks/main.yml",
            "playbooks/rotate.yml", "plugins/modules/drs_job_password.py"} <= names
    assert not [n for n in names if n.startswith(("tests/output", ".venv", "build/"))]


# The tarball is installed into a directory of the test's own (-p, as the EE's galaxy stage does), which on
# purpose is not a configured collections path: ansible-galaxy says it will not be picked up by an Ansible run.
@pytest.mark.allow_warnings(r"^\[WARNING\]: The specified collections path '[^']*/collections' is not part of the "
                            r"configured Ansible collections paths")
def test_ansible_builder_introspection_finds_the_collection_requirements(ee_context):
    """What the builder stage runs (introspect.py on the installed collections), run here on the tarball
    installed as the galaxy stage installs it: the collection's ranges (meta/ee-requirements.txt) and the image's own
    pins (requirements.txt) come out, and no system package."""
    work, build = ee_context["work"], ee_context["context"] / "_build"
    collections = work / "collections"
    tarball = build / "collections" / ("credrotate-cloud-%s.tar.gz" % _galaxy_version())
    # Away from the checkout, whose ansible.cfg would make ansible-galaxy find the collection installed already.
    subprocess.run([os.path.join(BIN, "ansible-galaxy"), "collection", "install", "--offline", "--force", "-p",
                    str(collections), str(tarball)], check=True, capture_output=True, env=ee_context["env"], cwd=str(work))
    assert (collections / "ansible_collections" / "credrotate" / "cloud" / "MANIFEST.json").exists()
    pip_out, bindep_out = work / "pip.txt", work / "bindep.txt"
    proc = subprocess.run([ee_context["python"], str(build / "scripts" / "introspect.py"), "introspect",
                           "--user-pip=%s" % (build / "requirements.txt"), "--user-bindep=%s" % (build / "bindep.txt"),
                           "--write-pip=%s" % pip_out, "--write-bindep=%s" % bindep_out, str(collections)],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    lines = [line.strip() for line in pip_out.read_text().splitlines() if line.strip()]
    runtime = _pins(os.path.join(REPO, "requirements.txt"))
    with open(os.path.join(REPO, "meta", "ee-requirements.txt")) as handle:
        ranges = [line.split("#", 1)[0].strip() for line in handle if line.split("#", 1)[0].strip()]
    for line in ranges:  # the collection's ranges, through meta/execution-environment.yml
        assert "%s  # from collection credrotate.cloud" % line in lines, lines
    for name in ("requests", "pymysql", "redis", "psutil"):  # the image's own exact pins, its user requirements
        assert "%s  # from collection user" % runtime[name] in lines, lines
    assert not bindep_out.exists(), "bindep.txt lists no system package"
