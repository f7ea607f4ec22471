"""A misspelt option that holds a secret is refused without echoing its value.

ansible-core reports an unsupported option's value in the failure's ``module_args``; the shared
module base masks unknown options before failing, so a typo never prints a password at -vvvv.
"""

import pytest

from harness import assert_no_secrets, run_playbook

CANARY = "Canary-Typo-Secret-7!"


@pytest.mark.parametrize("module,args", [
    ("credrotate.cloud.gaussdb_mysql_instance_password", {"instance_id": "x", "password": "Other-Pass-1!"}),
    ("credrotate.cloud.dts_job_password", {"jobs": [{"id": "j", "endpoint": "source"}], "password": "Other-Pass-1!"}),
])
def test_misspelt_secret_option_fails_naming_it_without_its_value(tmp_path, module, args):
    task = dict(args, pasword="{{ typo_secret }}")
    run = run_playbook(tmp_path, [{"name": "typo", module: task}], play_vars={"typo_secret": CANARY})
    assert run.rc != 0
    result = run.result("typo")
    assert "pasword is not an option" in result["msg"] and "did you mean password?" in result["msg"]
    assert_no_secrets(run, None, CANARY)
