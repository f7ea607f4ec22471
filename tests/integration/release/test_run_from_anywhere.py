# -*- coding: utf-8 -*-
# Copyright (c) 2026, credrotate.cloud contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The shipped playbooks run from any directory, as docs/running.md says.

Every run here starts in an empty temporary directory, with ``HOME`` there too, and with no
``ANSIBLE_*`` variable unless the case is about one (so no ``ANSIBLE_CONFIG`` and never this
checkout's ``ansible.cfg``), against an in-memory cloud emulator loaded with the demo estate
(``rotation_probe=never``: no real database to log in to).

* **Installed**: the tarball of ``ansible-galaxy collection build``, installed with a plain
  ``ansible-galaxy collection install`` (the default path under ``~/.ansible``):
  ``ansible-playbook credrotate.cloud.rotate --check`` prints the plan and changes nothing;
  ``credrotate.cloud.demo.demo`` (the rotation, then ``credrotate.cloud.demo.health``) rotates
  every credential (the ``COMPLETED`` summary line of each) and shows the jobs healthy. The state
  directory it leaves holds only files that the role README documents.
* **Checkout, no setting**: ``ansible-playbook <checkout>/playbooks/rotate.yml`` fails with the
  error the docs quote (the role is not found): only the checkout's ``ansible.cfg`` sets the
  collections path.
* **Checkout with ``ANSIBLE_COLLECTIONS_PATH=<checkout>/.collections``**: the same playbook by path
  rotates, and ``credrotate.cloud.rotate`` resolves to the checkout.
* The docs name every shipped playbook by its FQCN.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import fnmatch
import glob
import os
import re

import pytest

from harness import REPO, alibaba_env, huawei_env
from release_collection import BIN, build_tarball, clean_env, run

pytestmark = pytest.mark.integration

DEMO_FIXTURE = os.path.join(REPO, "tests", "emulator", "fixtures", "demo.yml")
CREDENTIALS = ("orders-replication", "orders-cache")
RUNNING = "docs/running.md"


def shipped_playbooks():
    """``{FQCN: path}`` of every playbook under playbooks/ (inventories excluded)."""
    found = {}
    for path in sorted(glob.glob(os.path.join(REPO, "playbooks", "**", "*.yml"), recursive=True)):
        relative = os.path.relpath(path, os.path.join(REPO, "playbooks"))
        if relative.startswith("inventory" + os.sep) or os.path.basename(relative) == "inventory.yml":
            continue
        found["credrotate.cloud." + relative[:-len(".yml")].replace(os.sep, ".")] = relative
    return found


@pytest.fixture(scope="module")
def installed_home(tmp_path_factory):
    """A HOME whose ``~/.ansible/collections`` has the collection, installed from the built tarball."""
    work = tmp_path_factory.mktemp("installed")
    tarball = build_tarball(work)
    home = work / "home"
    home.mkdir()
    done = run([os.path.join(BIN, "ansible-galaxy"), "collection", "install", tarball], work,
               clean_env(HOME=str(home)))
    assert done.returncode == 0, done.stdout
    installed = home / ".ansible" / "collections" / "ansible_collections" / "credrotate" / "cloud"
    assert (installed / "MANIFEST.json").is_file(), done.stdout
    return home


@pytest.fixture
def demo_cloud(emulator_factory):
    """An in-memory emulator loaded with the demo estate."""
    from emulator.core import load_fixture_file

    return emulator_factory(load_fixture_file(DEMO_FIXTURE))


def cloud_env(emu, home, **extra):
    env = clean_env(HOME=str(home), **huawei_env(emu))
    env.update(alibaba_env(emu))
    env.update(extra)
    return env


def playbook(target, inventory, emu, state_dir, *args):
    return [os.path.join(BIN, "ansible-playbook"), target, "-i", inventory,
            "-e", "credrotate_endpoint_url=%s" % emu.base_url, "-e", "rotation_state_dir=%s" % state_dir,
            "-e", "rotation_probe=never"] + list(args)


def assert_rotated(done, rotation_id):
    assert done.returncode == 0, done.stdout[-6000:]
    for name in CREDENTIALS:
        assert "rotation %s of %s: COMPLETED" % (rotation_id, name) in done.stdout, done.stdout[-6000:]


def documented_state_files():
    text = open(os.path.join(REPO, "roles", "rotation", "README.md")).read()
    section = text[text.index("## State on the controller"):]
    section = section[:section.index("\n## ", 1)]
    return re.findall(r"^\| `([^`]+)` \|", section, re.M)


def test_installed_collection_runs_from_any_directory(installed_home, demo_cloud, tmp_path):
    work = tmp_path / "anywhere"
    work.mkdir()
    inventory = str(installed_home / ".ansible" / "collections" / "ansible_collections" / "credrotate" / "cloud"
                    / "playbooks" / "demo" / "inventory.yml")
    state = tmp_path / "state"
    env = cloud_env(demo_cloud, installed_home)

    check = run(playbook("credrotate.cloud.rotate", inventory, demo_cloud, state, "--check",
                         "-e", "rotation_id=anywhere-1"), work, env)
    assert check.returncode == 0, check.stdout[-6000:]
    for name in CREDENTIALS:
        assert "rotation anywhere-1 of %s: PLAN" % name in check.stdout, check.stdout[-6000:]
    assert not [e for e in demo_cloud.journal.entries() if e["write"]], "check mode wrote to the cloud"

    done = run(playbook("credrotate.cloud.demo.demo", inventory, demo_cloud, state, "-e", "rotation_id=anywhere-1"),
               work, env)
    assert_rotated(done, "anywhere-1")
    assert "healthy: " in done.stdout, done.stdout[-3000:]
    # Nothing was written where the command ran.
    assert os.listdir(str(work)) == []

    patterns = [p.replace("<name>", "*").replace("<file>", "*").replace("<random>", "*")
                for p in documented_state_files()]
    undocumented = [f for f in sorted(os.listdir(str(state))) if not any(fnmatch.fnmatch(f, p) for p in patterns)]
    assert not undocumented, "roles/rotation/README.md does not document %s" % undocumented


def test_checkout_playbook_needs_the_collections_path(tmp_path):
    work = tmp_path / "anywhere"
    work.mkdir()
    env = clean_env(HOME=str(tmp_path))
    done = run([os.path.join(BIN, "ansible-playbook"), "--syntax-check", "-i", "localhost,",
                os.path.join(REPO, "playbooks", "rotate.yml")], work, env)
    assert done.returncode != 0, done.stdout
    assert "the role 'credrotate.cloud.rotation' was not found" in done.stdout, done.stdout
    with open(os.path.join(REPO, RUNNING)) as handle:
        assert "the role 'credrotate.cloud.rotation' was not found" in handle.read(), \
            "%s should quote the error a checkout run without the collections path gives" % RUNNING


@pytest.mark.parametrize("target", ["checkout path", "FQCN"])
def test_checkout_runs_from_any_directory_with_the_collections_path(demo_cloud, tmp_path, target):
    work = tmp_path / "anywhere"
    work.mkdir()
    env = cloud_env(demo_cloud, tmp_path, ANSIBLE_COLLECTIONS_PATH=os.path.join(REPO, ".collections"))
    which = os.path.join(REPO, "playbooks", "rotate.yml") if target == "checkout path" else "credrotate.cloud.rotate"
    done = run(playbook(which, os.path.join(REPO, "playbooks", "demo", "inventory.yml"), demo_cloud,
                        tmp_path / "state", "-e", "rotation_id=checkout-1"), work, env)
    assert_rotated(done, "checkout-1")
    assert os.listdir(str(work)) == []


def test_docs_name_every_shipped_playbook():
    playbooks = shipped_playbooks()
    assert {"credrotate.cloud.rotate", "credrotate.cloud.demo.demo", "credrotate.cloud.demo.health"} <= set(playbooks)
    with open(os.path.join(REPO, RUNNING)) as handle:
        running = handle.read()
    missing = ["%s (playbooks/%s)" % (fqcn, path) for fqcn, path in sorted(playbooks.items())
               if not re.search(r"`ansible-playbook %s[ `]" % re.escape(fqcn), running)
               or "`playbooks/%s`" % path not in running]
    assert not missing, "%s does not list %s" % (RUNNING, ", ".join(missing))
    with open(os.path.join(REPO, "README.md")) as handle:
        readme = handle.read()
    install = readme.find("ansible-galaxy collection install")
    fqcn_run = readme.find("ansible-playbook credrotate.cloud.rotate")
    checkout_run = readme.find("ANSIBLE_COLLECTIONS_PATH=")
    assert -1 < install < fqcn_run < checkout_run, \
        "README.md shows the installed collection first (install, then the FQCN run), then a checkout"
