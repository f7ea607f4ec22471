# -*- coding: utf-8 -*-
# Copyright (c) 2026, credrotate.cloud contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""``playbooks/rotate.yml`` run the way AWX runs a job: through ``ansible_runner.run()`` on a private
data directory laid out as AWX lays it out, with the credentials of ``docs/awx/credential_types/``.

Each job gets its own private data directory:

* ``env/envvars``: exactly what the two credential types inject, their ``injectors.env`` rendered as
  AWX renders them (a blank field becomes an empty string);
* ``env/tmp...`` (mode 0400, passed as ``-e @file``): the credential types' ``injectors.extra_vars``;
* ``env/extravars``: the job template's extra variables and the survey's answers
  (``docs/awx/job_template.yml``, ``docs/awx/survey.json``), here with the emulator's endpoint in
  ``rotation_huaweicloud`` / ``rotation_alicloud``;
* ``inventory/hosts``: one host per credential; ``project/``: the repository's ``playbooks/`` and
  ``ansible.cfg``.

AWX's own job environment (``ANSIBLE_COLLECTIONS_PATH`` to this checkout, ``PATH``, ``JOB_ID``...)
goes in the ``envvars`` argument with ``suppress_env_files=True``, as AWX does
(``AWX_RUNNER_OMIT_ENV_FILES``). After each job, no secret (database passwords, secret keys, token,
IAM password) may appear in what ansible-runner wrote: the stdout, every job event, every other
file under ``artifacts/`` and every file under ``env/`` but the injected ``env/envvars``. The one
artifact that holds the job's environment, ``artifacts/<ident>/command`` (ansible-runner always
writes it), must be 0600 and hold nothing but that environment: no database password.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import importlib.util
import json
import os
import re
import shutil
import stat
import tempfile

import pytest
import yaml
from jinja2.sandbox import ImmutableSandboxedEnvironment

from harness import ALI_AK, ALI_SK, BIN, HW_AK, HW_PROJECT, HW_SK, REPO, journal

ansible_runner = pytest.importorskip("ansible_runner")

pytestmark = pytest.mark.integration

HERE = os.path.dirname(os.path.abspath(__file__))
AWX_DOCS = os.path.join(REPO, "docs", "awx")
AWX_MASKED = re.compile(r"API|TOKEN|KEY|SECRET|PASS", re.I)
CLEAN_PREFIXES = ("HW_", "OS_", "ALICLOUD_", "ALIBABA_CLOUD_", "ANSIBLE_")

# Credentials of the demo estate (tests/emulator/fixtures/demo.yml).
HUAWEI_AKSK = {"cloud": "huaweicloud", "access_key": HW_AK, "secret_key": HW_SK, "region": "cn-north-4",
               "project_id": HW_PROJECT}
HUAWEI_TEMPORARY = {"cloud": "huaweicloud", "access_key": "HPUATMPEXAMPLEAK0002",
                    "secret_key": "exampleTemporarySecretKey000000000000002",
                    "security_token": "exampleSecurityToken0002", "region": "cn-north-4"}
HUAWEI_IAM_USER = {"cloud": "huaweicloud", "user_name": "demo-operator", "password": "Demo-Operator-Pass1!",
                   "domain_name": "credrotate-demo", "region": "cn-north-4"}
ALIBABA = {"access_key": ALI_AK, "secret_key": ALI_SK, "region": "cn-hangzhou"}
CREDENTIAL_SECRETS = tuple(sorted(set(
    value for inputs in (HUAWEI_AKSK, HUAWEI_TEMPORARY, HUAWEI_IAM_USER, ALIBABA)
    for key, value in inputs.items() if key in ("secret_key", "security_token", "password"))))


def _role_helpers():
    """tests/integration/role/conftest.py (estate, orders_credential, Rotation), under its own module name."""
    spec = importlib.util.spec_from_file_location("credrotate_role_helpers", os.path.join(HERE, "role", "conftest.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


ROLE = _role_helpers()


def _load(*parts):
    with open(os.path.join(AWX_DOCS, *parts)) as handle:
        return json.load(handle) if parts[-1].endswith(".json") else yaml.safe_load(handle)


def inject(credential_type, inputs):
    """``(env, extra_vars)`` as AWX injects a credential of ``credential_type``: the injector templates
    rendered in a Jinja sandbox with the inputs given; a blank or missing input renders as ''."""
    sandbox = ImmutableSandboxedEnvironment()
    namespace = dict((k, v) for k, v in inputs.items() if v not in (None, ""))
    injectors = credential_type["injectors"]
    env = dict((k, sandbox.from_string(t).render(**namespace)) for k, t in injectors.get("env", {}).items())
    extra = dict((k, sandbox.from_string(t).render(**namespace)) for k, t in (injectors.get("extra_vars") or {}).items())
    return env, extra


def survey_answers(**answers):
    """Extra variables from ``docs/awx/survey.json`` answered with ``answers`` (keyed by variable)."""
    spec = _load("survey.json")["spec"]
    known = dict((question["variable"], question) for question in spec)
    assert set(answers) <= set(known), "no such survey question: %s" % (set(answers) - set(known))
    for variable, question in known.items():
        if question.get("required"):
            assert answers.get(variable), "the survey requires %s" % variable
        if variable in answers:
            assert question["min"] <= len(answers[variable]) <= question["max"], variable
    return answers


@pytest.fixture
def clean_environ(monkeypatch):
    """ansible-runner starts from os.environ: no cloud key or Ansible setting of the caller leaks in."""
    for name in list(os.environ):
        if name.startswith(CLEAN_PREFIXES):
            monkeypatch.delenv(name)


class AwxJob:
    """One AWX job: its private data directory and the ansible-runner call on it."""

    def __init__(self, base, job_id, credentials, hosts_file, extra_vars, check=False):
        """``credentials``: ``[(credential type file name, inputs)]``; ``hosts_file``: the inventory (a dict)."""
        self.job_id = job_id
        self.dir = str(base / ("job-%d" % job_id))
        env_dir = os.path.join(self.dir, "env")
        for sub in ("env", "inventory", "project"):
            os.makedirs(os.path.join(self.dir, sub))
        self.injected, credential_vars = {}, {}
        for type_file, inputs in credentials:
            env, extra = inject(_load("credential_types", type_file), inputs)
            assert not set(env) & set(self.injected), "two credentials of one type"
            self.injected.update(env)
            credential_vars.update(extra)
        self._write(os.path.join(env_dir, "envvars"), yaml.safe_dump(self.injected))
        self.cmdline = ["--check"] if check else []
        if credential_vars:
            handle, path = tempfile.mkstemp(dir=env_dir)
            with os.fdopen(handle, "w") as out:
                out.write(yaml.safe_dump(credential_vars))
            os.chmod(path, stat.S_IRUSR)
            self.cmdline.extend(["-e", "@%s" % path])
        self._write(os.path.join(env_dir, "extravars"), json.dumps(extra_vars))
        self._write(os.path.join(self.dir, "inventory", "hosts"), yaml.safe_dump(hosts_file, sort_keys=False))
        shutil.copytree(os.path.join(REPO, "playbooks"), os.path.join(self.dir, "project", "playbooks"))
        shutil.copy(os.path.join(REPO, "ansible.cfg"), os.path.join(self.dir, "project", "ansible.cfg"))
        self.runner = None

    @staticmethod
    def _write(path, text):
        with open(path, "w") as handle:
            handle.write(text)
        os.chmod(path, stat.S_IRUSR | stat.S_IWUSR)

    def awx_env(self):
        """What AWX itself puts in every job's environment (the parts that matter here)."""
        home = os.path.join(self.dir, "home")
        return {"JOB_ID": str(self.job_id), "AWX_HOST": "https://awx.example.com", "MAX_EVENT_RES": "700000",
                "ANSIBLE_RETRY_FILES_ENABLED": "False", "ANSIBLE_INVENTORY_UNPARSED_FAILED": "True",
                "ANSIBLE_COLLECTIONS_PATH": os.path.join(REPO, ".collections"), "ANSIBLE_HOME": home,
                "ANSIBLE_LOCAL_TEMP": os.path.join(home, "tmp"), "ANSIBLE_NOCOLOR": "1",
                "PATH": BIN + os.pathsep + os.environ.get("PATH", "")}

    def run(self, verbosity=0, **kwargs):
        """``ansible_runner.run()`` as AWX calls it; ``kwargs``: playbook=... or module=..., module_args=..."""
        self.runner = ansible_runner.run(
            private_data_dir=self.dir, ident=str(self.job_id), envvars=self.awx_env(), suppress_env_files=True,
            cmdline=" ".join(self.cmdline) or None, quiet=True, timeout=600, verbosity=verbosity or None, **kwargs)
        return self.runner

    def stdout(self):
        with open(os.path.join(self.dir, "artifacts", str(self.job_id), "stdout")) as handle:
            return handle.read()

    def events(self):
        return list(self.runner.events)

    def describe(self):
        return "status %s rc %s\n%s" % (self.runner.status, self.runner.rc, self.stdout()[-6000:])

    def outputs(self):
        """``{where: text}``: every output the secrets must stay out of."""
        texts = {"Runner.stdout": self.runner.stdout.read(), "Runner.events": json.dumps(self.events())}
        artifacts = os.path.join(self.dir, "artifacts")
        for root, _dirs, files in os.walk(artifacts):
            for name in files:
                path = os.path.join(root, name)
                if path != self.command_file():
                    texts[os.path.relpath(path, self.dir)] = _read(path)
        for name in os.listdir(os.path.join(self.dir, "env")):
            if name != "envvars":
                texts["env/" + name] = _read(os.path.join(self.dir, "env", name))
        return texts

    def command_file(self):
        return os.path.join(self.dir, "artifacts", str(self.job_id), "command")

    def assert_no_secrets(self, *canaries):
        canaries = canaries + CREDENTIAL_SECRETS
        outputs = self.outputs()
        event_files = [k for k in outputs if "/job_events/" in k]
        assert len(event_files) >= 3 and "artifacts/%d/stdout" % self.job_id in outputs
        assert all(canaries), "empty canary"
        # Only the first characters of a leaked value are named, so a failure does not print it.
        leaks = [(value[:4] + "...", where) for value in canaries for where, text in outputs.items() if value in text]
        assert leaks == [], "secrets leaked: %s" % leaks
        # The one artifact with the job's environment: private, and no secret but the injected ones in it.
        assert stat.S_IMODE(os.stat(self.command_file()).st_mode) == 0o600
        command = _read(self.command_file())
        injected = set(v for k, v in self.injected.items() if v and AWX_MASKED.search(k))
        leaks = [value[:4] + "..." for value in canaries if value in command and value not in injected]
        assert leaks == [], "secrets in the runner's command file: %s" % leaks
        # What AWX stores as the job's environment (job_env) masks every injected secret by its name.
        safe_env = json.dumps(dict((k, "**********" if AWX_MASKED.search(k) else v) for k, v in self.injected.items()))
        assert [value[:4] for value in canaries if value in safe_env] == []


def _read(path):
    with open(path, "rb") as handle:
        return handle.read().decode("utf-8", "replace")


def inventory(rot, hosts):
    """The AWX inventory: one host per credential under ``credentials``, the ones with DTS dependants
    also in ``alicloud`` (the layout of playbooks/inventory/example.yml)."""
    return {"all": {"children": {"credentials": {
        "vars": {"rotation_state_dir": rot.state_dir, "ansible_connection": "local",
                 "ansible_python_interpreter": "{{ ansible_playbook_python }}",
                 "rotation_verify_timeout": 8, "rotation_verify_interval": 1, "rotation_probe_timeout": 2},
        "children": {"huaweicloud": {"hosts": hosts}, "alicloud": {"hosts": {"orders": {}}}}}}}}


def job_template_vars(emu, **answers):
    """The job template's extra variables, the survey's answers, and the emulator as the endpoint."""
    template = _load("job_template.yml")
    extra = dict(template.get("extra_vars") or {})
    extra.update(survey_answers(**answers))
    extra.update({"rotation_huaweicloud": {"endpoint_url": emu.base_url},
                  "rotation_alicloud": {"endpoint_url": emu.base_url}})
    return extra


@pytest.mark.real_backend
def test_rotation_through_ansible_runner_as_awx_runs_it(emulator_factory, tmp_path, clean_environ):
    """A Check job prints the plan and writes nothing; a Run job rotates the survey's one credential (a
    GaussDB user stored by two DRS jobs and a DTS job) and nothing else; an ad hoc command with the same
    credential reads the DRS jobs healthy. No secret in any artifact of the three jobs."""
    fixtures, names = ROLE.estate()
    emu = emulator_factory(fixtures, real=True)
    rot = ROLE.Rotation(emu, tmp_path, names)
    old = names["current"]
    hosts = {
        "orders": {"rotation_credential": ROLE.orders_credential(names), "rotation_current_password": old},
        "reports": {"rotation_credential": {"name": "reports", "owner": {
            "type": "gaussdb_mysql_user", "instance_id": ROLE.GAUSS, "user": names["report"], "host": "%"}},
            "rotation_current_password": names["report_password"]},
    }
    template = _load("job_template.yml")
    credentials = [("huaweicloud.yml", HUAWEI_AKSK), ("alicloud.yml", ALIBABA)]
    playbook = template["playbook"]
    assert playbook == "playbooks/rotate.yml" and template["job_type"] == "check"

    # The template's default job type, Check: the plan, no write, nothing stored.
    plan_vars = job_template_vars(emu, rotation_hosts="orders", rotation_id="")
    plan = AwxJob(tmp_path, 41, credentials, inventory(rot, hosts), plan_vars, check=True)
    assert plan.run(playbook=playbook).status == "successful", plan.describe()
    assert rot.writes() == []
    assert "PLAN (check mode" in plan.stdout()
    assert not os.path.exists(os.path.join(rot.state_dir, "orders.secrets"))
    plan.assert_no_secrets(old, names["report_password"])

    # Job type Run: the rotation.
    run = AwxJob(tmp_path, 42, credentials, inventory(rot, hosts),
                 job_template_vars(emu, rotation_hosts="orders", rotation_id="awx-42"))
    assert set(run.injected) == {"HW_ACCESS_KEY", "HW_SECRET_KEY", "HW_SECURITY_TOKEN", "HW_USER_NAME", "HW_PASSWORD",
                                 "HW_DOMAIN_NAME", "HW_REGION_NAME", "HW_PROJECT_ID", "ALICLOUD_ACCESS_KEY",
                                 "ALICLOUD_SECRET_KEY", "ALICLOUD_SECURITY_TOKEN", "ALICLOUD_REGION"}
    assert run.injected["HW_SECURITY_TOKEN"] == "" and run.injected["HW_PASSWORD"] == ""
    # At verbosity 4 (Connection Debug, the highest a job template offers but WinRM's): every result printed.
    assert run.run(playbook=playbook, verbosity=4).status == "successful", run.describe()
    assert run.runner.rc == 0
    stored = rot.secrets("orders")
    new = stored["current"]
    assert new != old and stored["previous"] == old and stored["completed_rotation_id"] == "awx-42"
    assert rot.login(new) and not rot.login(old)
    rot.assert_jobs_healthy()
    writes = [(w["service"], w["method"], w["action"]) for w in journal(emu, writes_only=True)]
    assert writes == [("gaussdb", "PUT", "ResetGaussMySqlDatabasePassword"), ("drs", "PUT", "BatchResetPassword"),
                      ("dts", "POST", "ModifyDtsJobPassword")]
    assert all(w["status"] < 300 for w in journal(emu, writes_only=True))
    assert rot.record("orders")["status"] == "completed"
    # The survey's credential is the only one the job touched.
    assert not os.path.exists(os.path.join(rot.state_dir, "reports.secrets"))
    assert rot.login(names["report_password"], user=names["report"])
    hosts_seen = set(e["event_data"].get("host") for e in run.events() if e["event"] == "runner_on_ok")
    assert hosts_seen == {"orders"}
    # The rotation ran as one rotate task on the survey's host (its result is no_log), and its Huawei calls,
    # signed with the injected credential, reached the endpoint of the group variables.
    rotated = [e for e in run.events() if e["event"] == "runner_on_ok"
               and e["event_data"].get("task_action", "").endswith("rotate")]
    assert [e["event_data"]["host"] for e in rotated] == ["orders"]
    assert {e["service"] for e in emu.journal.entries() if e["cloud"] == "huawei"} >= {"gaussdb", "drs"}
    run.assert_no_secrets(old, new, names["report_password"])

    # The same credential, ad hoc (AWX "Run Command" on the inventory host): one module of the rotation.
    adhoc = AwxJob(tmp_path, 43, credentials, inventory(rot, hosts), {})
    result = adhoc.run(module="credrotate.cloud.drs_job_info", host_pattern="orders",
                       module_args="jobs=%s,%s endpoint_url=%s" % (ROLE.DRS1, ROLE.DRS2, emu.base_url))
    assert result.status == "successful", adhoc.describe()
    jobs = [(j["id"], j["status"]) for j in _adhoc_result(adhoc)["jobs"]]
    assert jobs == [(ROLE.DRS1, "INCRE_TRANSFER_STARTED"), (ROLE.DRS2, "INCRE_TRANSFER_STARTED")]
    adhoc.assert_no_secrets(old, new, names["report_password"])


def _adhoc_result(job):
    results = [e["event_data"]["res"] for e in job.events() if e["event"] == "runner_on_ok"]
    assert len(results) == 1, job.describe()
    return results[0]


@pytest.mark.parametrize("inputs, auth", [(HUAWEI_AKSK, "aksk"), (HUAWEI_TEMPORARY, "aksk"), (HUAWEI_IAM_USER, "token")],
                         ids=["ak-sk", "temporary-ak-sk", "iam-user"])
def test_each_way_of_filling_the_huawei_credential_works_ad_hoc(emulator_factory, tmp_path, clean_environ, inputs,
                                                                auth):
    """AK/SK, temporary AK/SK with its security token, and IAM user/password/domain each authenticate an ad
    hoc DRS read; the other fields stay blank (injected empty); nothing secret reaches the artifacts."""
    emu = emulator_factory(ROLE.estate()[0])
    hosts = {"orders": {"ansible_connection": "local", "ansible_python_interpreter": "{{ ansible_playbook_python }}"}}
    job = AwxJob(tmp_path, 7, [("huaweicloud.yml", inputs)], {"all": {"hosts": hosts}}, {})
    assert [k for k, v in job.injected.items() if v == ""], "some field is blank"
    job.run(module="credrotate.cloud.drs_job_info", host_pattern="orders",
            module_args="jobs=%s endpoint_url=%s" % (ROLE.DRS1, emu.base_url))
    assert job.runner.status == "successful", job.describe()
    assert [j["id"] for j in _adhoc_result(job)["jobs"]] == [ROLE.DRS1]
    assert set(e["auth"] for e in journal(emu) if e["service"] == "drs") == {auth}
    job.assert_no_secrets()


def test_the_alibaba_credential_works_ad_hoc(emulator_factory, tmp_path, clean_environ):
    emu = emulator_factory(ROLE.estate()[0])
    hosts = {"orders": {"ansible_connection": "local", "ansible_python_interpreter": "{{ ansible_playbook_python }}"}}
    job = AwxJob(tmp_path, 8, [("alicloud.yml", dict(ALIBABA, region=""))], {"all": {"hosts": hosts}}, {})
    assert job.injected["ALICLOUD_SECURITY_TOKEN"] == "" and job.injected["ALICLOUD_REGION"] == ""
    job.run(module="credrotate.cloud.dts_job_info", host_pattern="orders",
            module_args="jobs=%s region=cn-hangzhou endpoint_url=%s" % (ROLE.DTS1, emu.base_url))
    assert job.runner.status == "successful", job.describe()
    assert [j["id"] for j in _adhoc_result(job)["jobs"]] == [ROLE.DTS1]
    job.assert_no_secrets()
