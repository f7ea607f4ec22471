# -*- coding: utf-8 -*-
# Copyright (c) 2026, credrotate.cloud contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""docs/ad-hoc.md: every ad hoc command on the page is well formed, and runs.

* each ``sh`` block with ``ansible localhost -m credrotate.cloud.<module>`` is one command whose
  ``-a`` is a JSON object; every module of the collection (and the info modules) has one; no
  password is written in any of them (each comes from ``lookup("env", ...)``);
* the commands run in the page's order, from a temporary directory with
  ``ANSIBLE_COLLECTIONS_PATH`` (no ansible.cfg), against an in-memory emulator loaded with the
  demo estate, the passwords in the environment. The test adds only the emulator's
  ``endpoint_url``, a temporary ``state_dir`` and ``probe: never`` for ``rotate``. Each exits 0;
  the DCS change is followed by a rotation of that instance that must present the password set
  before (DCS checks the old password), which proves the lookup was rendered. No password is in
  any output;
* the ``key=value`` command fails, with the message the page quotes.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import re
import secrets
import shlex

import pytest

from harness import REPO, alibaba_env, huawei_env
from release_collection import BIN, clean_env, run

pytestmark = pytest.mark.integration

PAGE = "docs/ad-hoc.md"
DEMO_FIXTURE = os.path.join(REPO, "tests", "emulator", "fixtures", "demo.yml")
FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.S | re.M)
COMMAND = "ansible localhost -m credrotate.cloud."
MODULES = ("drs_job_password", "drs_job_info", "dts_job_password", "dts_job_info", "dcs_instance_password",
           "gaussdb_mysql_instance_password", "gaussdb_mysql_user_password", "rotation_state", "rotate",
           "gaussdb_mysql_user_info", "gaussdb_mysql_instance_info", "dcs_instance_info")
SECRET_OPTIONS = ("password", "old_password", "new_password", "current_password", "previous_password")
LOOKUP = re.compile(r'^\{\{ lookup\("env", "([A-Z_]+)"\) \}\}$')


def page():
    with open(os.path.join(REPO, PAGE)) as handle:
        return handle.read()


def commands():
    """``[(fails, module, args or raw -a text)]`` of the page's ad hoc commands, in order."""
    found = []
    for language, body in FENCE.findall(page()):
        if language != "sh" or COMMAND not in body:
            continue
        lines = body.splitlines()
        fails = any(line.startswith("# fails") for line in lines)
        argv = shlex.split("\n".join(line for line in lines if not line.startswith("#")))
        assert argv[:3] == ["ansible", "localhost", "-m"] and argv[4] == "-a" and len(argv) == 6, \
            "one command per block, `ansible localhost -m MODULE -a ARGS`: %r" % argv
        module = argv[3].split("credrotate.cloud.", 1)[1]
        found.append((fails, module, argv[5] if fails else json.loads(argv[5])))
    return found


def secret_values(args):
    """Every value of a secret option, at any depth."""
    out = []
    if isinstance(args, dict):
        for key, value in args.items():
            if key in SECRET_OPTIONS:
                out.append(value)
            else:
                out.extend(secret_values(value))
    elif isinstance(args, list):
        for item in args:
            out.extend(secret_values(item))
    return out


def test_one_json_example_per_module_and_no_password_in_them():
    examples = commands()
    modules = [module for fails, module, _args in examples if not fails]
    assert sorted(set(modules)) == sorted(MODULES), modules
    assert len(modules) == len(MODULES), "one example per module: %s" % modules
    for fails, module, args in examples:
        if fails:
            continue
        for value in secret_values(args):
            assert LOOKUP.match(value), "%s: a password must come from lookup(\"env\", ...), not %r" % (module, value)
    assert [module for fails, module, _args in examples if fails] == ["drs_job_password"]


def with_emulator(module, args, emu, state_dir):
    args = json.loads(json.dumps(args))
    if module == "rotate":
        for group in ("huaweicloud", "alicloud"):
            args[group] = dict(args.get(group) or {}, endpoint_url=emu.base_url)
        args.update(state_dir=state_dir, probe="never")
    elif module == "rotation_state":
        args["state_dir"] = state_dir
    else:
        args["endpoint_url"] = emu.base_url
    return args


# The page's commands run as a user without an inventory runs them (implicit localhost, no ansible.cfg, so not
# the repository's inventory_unparsed_warning = False): Ansible says so on each run.
@pytest.mark.allow_warnings(r"^\[WARNING\]: No inventory was parsed, only implicit localhost is available$")
def test_every_example_runs_against_the_emulator(emulator_factory, tmp_path):
    from emulator.core import load_fixture_file

    emu = emulator_factory(load_fixture_file(DEMO_FIXTURE))
    work = tmp_path / "anywhere"
    work.mkdir()
    new_pw = "Adhoc-%s-Pw2!" % secrets.token_hex(4)
    passwords = {"NEW_PW": new_pw, "NEW_ROOT_PW": "Adhoc-%s-Rt2!" % secrets.token_hex(4),
                 "OLD_PW": "Cache-Demo-Pass1!",  # the demo estate's DCS password
                 "CURRENT_PW": new_pw}  # what the DCS example sets, before rotate rotates it
    env = clean_env(HOME=str(tmp_path), ANSIBLE_COLLECTIONS_PATH=os.path.join(REPO, ".collections"),
                    **passwords)
    env.update(huawei_env(emu))
    env.update(alibaba_env(emu))
    state_dir = str(tmp_path / "state")

    ran = []
    for fails, module, args in commands():
        if fails:
            done = run([os.path.join(BIN, "ansible"), "localhost", "-m", "credrotate.cloud." + module, "-a", args],
                       work, env)
            assert done.returncode != 0, done.stdout
            message = "Invalid input for credrotate.cloud.%s: jobs must be a list, not a string. Nothing was changed." \
                % module
            assert message in done.stdout and message in page(), done.stdout
            continue
        done = run([os.path.join(BIN, "ansible"), "localhost", "-m", "credrotate.cloud." + module, "-a",
                    json.dumps(with_emulator(module, args, emu, state_dir))], work, env)
        assert done.returncode == 0, "%s:\n%s" % (module, done.stdout[-6000:])
        for name, value in passwords.items():
            assert value not in done.stdout, "%s printed %s" % (module, name)
        ran.append(module)
        if module == "rotate":
            assert '"status": "completed"' in done.stdout, done.stdout[-6000:]
        if module == "rotation_state":
            assert '"rotation_id": "2026-05"' in done.stdout, done.stdout[-6000:]
    assert sorted(ran) == sorted(MODULES)
    assert ran.index("dcs_instance_password") < ran.index("rotate") < ran.index("rotation_state")
    assert os.listdir(str(work)) == []
