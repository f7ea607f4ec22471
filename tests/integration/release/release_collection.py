# -*- coding: utf-8 -*-
# Copyright (c) 2026, credrotate.cloud contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The collection as a consumer gets it: the tarball ``ansible-galaxy collection build`` makes of this
checkout, installed with ``ansible-galaxy collection install`` into a collections path of the test's own.

Everything runs away from the checkout (its ``ansible.cfg`` sets ``collections_path = ./.collections``)
with no ``ANSIBLE_*`` variable from the caller, so what works here works for a user who never saw the
repository.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import glob
import os
import subprocess
import sys

from harness import REPO

BIN = os.path.dirname(sys.executable)


def clean_env(**extra):
    """The caller's environment minus whatever points Ansible at this checkout; the venv's tools first."""
    env = dict((k, v) for k, v in os.environ.items()
               if not k.startswith(("ANSIBLE_", "HW_", "OS_", "ALICLOUD_", "ALIBABA_CLOUD_"))
               and k not in ("VIRTUAL_ENV", "PYTHONPATH"))
    env.update(PATH=BIN + os.pathsep + os.environ.get("PATH", ""), NO_COLOR="1",
               PIP_DISABLE_PIP_VERSION_CHECK="1")
    env.update(extra)
    return env


def run(command, cwd, env, timeout=600):
    return subprocess.run(command, cwd=str(cwd), env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          stdin=subprocess.DEVNULL, universal_newlines=True, timeout=timeout, check=False)


def build_tarball(out_dir):
    """``ansible-galaxy collection build`` of this checkout into ``out_dir``: the tarball's path."""
    env = clean_env(ANSIBLE_HOME=os.path.join(str(out_dir), "ansible-home"))
    done = run([os.path.join(BIN, "ansible-galaxy"), "collection", "build", "--output-path", str(out_dir), REPO],
               out_dir, env, timeout=300)
    assert done.returncode == 0, done.stdout
    tarballs = glob.glob(os.path.join(str(out_dir), "*.tar.gz"))
    assert len(tarballs) == 1, done.stdout
    return tarballs[0]


def install_tarball(tarball, collections_dir, work_dir):
    """``ansible-galaxy collection install --offline -p collections_dir tarball`` from ``work_dir``.

    Returns the installed collection's directory (``.../ansible_collections/credrotate/cloud``).
    """
    env = clean_env(ANSIBLE_HOME=os.path.join(str(work_dir), "ansible-home"))
    done = run([os.path.join(BIN, "ansible-galaxy"), "collection", "install", "--offline", "--force", "-p",
                str(collections_dir), tarball], work_dir, env, timeout=300)
    assert done.returncode == 0, done.stdout
    installed = os.path.join(str(collections_dir), "ansible_collections", "credrotate", "cloud")
    assert os.path.isfile(os.path.join(installed, "MANIFEST.json")), done.stdout
    return installed
