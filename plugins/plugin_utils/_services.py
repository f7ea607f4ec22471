# -*- coding: utf-8 -*-
# Copyright (c) 2026, credrotate.cloud contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""PRIVATE: the collection's service logic, called in process by the rotation engine.

:meth:`Services.call` runs what a module runs (same argument spec, defaults, environment
fallbacks and :mod:`_validate` rules, same service code) with the options of one cloud
(``huaweicloud`` or ``alicloud`` dicts, like ``module_defaults`` of the action groups) merged
with the call's own, and returns the module's result dict (``failed: true`` on failure) instead
of printing it. Transports (HTTP connection pools) are shared between calls of one engine run.
"""

import threading

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.credrotate.cloud.plugins.module_utils import _dcs, _drs, _dts, _gaussdb
from ansible_collections.credrotate.cloud.plugins.module_utils._module import HuaweiCloudModule
from ansible_collections.credrotate.cloud.plugins.module_utils._transport import DEFAULT_POOL_SIZE, Transport
from ansible_collections.credrotate.cloud.plugins.module_utils._validate import summary, value_problems

# name -> (module class, argument spec, validation rules, service entry point)
SERVICES = {
    "drs_job_password": (HuaweiCloudModule, _drs.PASSWORD_ARGUMENT_SPEC, _drs.PASSWORD_RULES, _drs.run_password),
    "drs_job_info": (HuaweiCloudModule, _drs.INFO_ARGUMENT_SPEC, _drs.INFO_RULES, _drs.run_info),
    "dts_job_password": (_dts.DtsModule, _dts.JOB_PASSWORD_SPEC, _dts.JOB_PASSWORD_RULES, _dts.run_job_password),
    "dts_job_info": (_dts.DtsModule, _dts.JOB_INFO_SPEC, _dts.JOB_INFO_RULES, _dts.run_job_info),
    "dcs_instance_password": (HuaweiCloudModule, _dcs.ARGUMENT_SPEC, _dcs.RULES, _dcs.run),
    "gaussdb_mysql_instance_password": (HuaweiCloudModule, _gaussdb.INSTANCE_ARGUMENT_SPEC, _gaussdb.INSTANCE_RULES,
                                        _gaussdb.run_instance_password),
    "gaussdb_mysql_user_password": (HuaweiCloudModule, _gaussdb.USER_ARGUMENT_SPEC, _gaussdb.USER_RULES,
                                    _gaussdb.run_user_password),
}


class _Exit(Exception):
    def __init__(self, result):
        super().__init__("module exit")
        self.result = result


class _Recorder:
    """Stands in for ``AnsibleModule`` under the module base: keeps the result instead of printing it."""

    def __init__(self, name, params, check_mode, no_log_values):
        self._name = "credrotate.cloud." + name
        self.params = params
        self.check_mode = check_mode
        self.no_log_values = set(no_log_values)
        self.warnings = []
        self._diff = False

    def warn(self, warning):
        self.warnings.append(warning)

    def exit_json(self, **result):
        result.setdefault("changed", False)
        raise _Exit(result)

    def fail_json(self, **result):
        result["failed"] = True
        raise _Exit(result)


class Services:
    """Calls the collection's services with the options of the two clouds."""

    def __init__(self, huaweicloud=None, alicloud=None):
        self.options = {"huaweicloud": dict(huaweicloud or {}), "alicloud": dict(alicloud or {})}
        self._transports = {}
        self._lock = threading.Lock()
        self.secrets = set()

    def call(self, name, args, check_mode=False):
        """The result dict of service ``name`` with ``args``; ``failed`` is true when it failed."""
        module_class, spec, rules, entry = SERVICES[name]
        cloud = "alicloud" if name.startswith("dts") else "huaweicloud"
        shared = module_class.shared_spec
        params = dict((k, v) for k, v in self.options[cloud].items() if k in shared)
        params.update(args)
        full_spec = dict(shared, **spec)
        validated = ArgumentSpecValidator(full_spec).validate(params)
        self.secrets.update(v for v in validated._no_log_values if isinstance(v, str) and v)
        if validated.error_messages:
            return self._invalid(name, "%s" % validated.errors.msg, [])
        problems = value_problems(validated.validated_parameters, dict(module_class.shared_rules, **rules))
        if problems:
            return self._invalid(name, summary(problems, "credrotate.cloud." + name), [p[1] for p in problems])
        recorder = _Recorder(name, validated.validated_parameters, check_mode, validated._no_log_values)
        module = module_class.__new__(module_class)
        module._module, module._client, module._secrets = recorder, None, set()
        module.transport = lambda: self._transport(validated.validated_parameters, name)
        try:
            result = entry(module)
            if result is not None:  # entry points that return their result instead of exiting
                recorder.exit_json(**result)
            result = {"changed": False}
        except _Exit as done:
            result = done.result
        self.secrets.update(module.secrets())
        if recorder.warnings:
            result.setdefault("warnings", []).extend(recorder.warnings)
        return module.redact(result)

    def _invalid(self, name, msg, invalid):
        return {"failed": True, "changed": False, "msg": msg, "invalid": invalid,
                "error": {"code": "InvalidParameter", "message": msg, "kind": "validation"}}

    def _transport(self, params, name):
        pool = max(DEFAULT_POOL_SIZE, params.get("concurrency") or 0)
        key = (params.get("timeout"), params.get("validate_certs", True), params.get("ca_path"), pool)
        with self._lock:
            if key not in self._transports:
                self._transports[key] = Transport(timeout=params.get("timeout"),
                                                  validate_certs=params.get("validate_certs", True),
                                                  ca_path=params.get("ca_path"), pool_size=pool)
            return self._transports[key]

    def close(self):
        for transport in self._transports.values():
            transport.close()
        self._transports = {}
