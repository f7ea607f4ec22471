# -*- coding: utf-8 -*-
# Copyright (c) 2026, credrotate.cloud contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""PRIVATE: the collection's services, called in process by the rotation engine.

:meth:`Services.call` does what a module's ``main()`` does, without a module: the module's
argument spec (defaults, environment fallbacks) and :mod:`_validate` rules over the options of one
cloud (``huaweicloud`` or ``alicloud`` dicts, like ``module_defaults`` of the action groups) merged
with the call's own; then the API adapter, prober and ledger, and the service function. It returns
the service's result, or on a :class:`_errors.CollectionError` the one structured failure
(:func:`_errors.failure_result`) with ``failed: true``; every secret redacted. HTTP connection pools
are shared between the calls of one engine run; IAM tokens are cached by the client for the process.
"""

import json
import os
import threading

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.credrotate.cloud.plugins.module_utils import _dcs, _drs, _dts, _dts_info, _gaussdb
from ansible_collections.credrotate.cloud.plugins.module_utils import _gaussdb_users
from ansible_collections.credrotate.cloud.plugins.module_utils._dcs_api import DcsApi
from ansible_collections.credrotate.cloud.plugins.module_utils._drs_api import DrsApi
from ansible_collections.credrotate.cloud.plugins.module_utils._dts_api import DtsApi
from ansible_collections.credrotate.cloud.plugins.module_utils._errors import (
    CollectionError,
    ConfigError,
    failure_result,
    redact_data,
)
from ansible_collections.credrotate.cloud.plugins.module_utils._gaussdb_api import GaussDbApi
from ansible_collections.credrotate.cloud.plugins.module_utils._ledger import open_ledger
from ansible_collections.credrotate.cloud.plugins.module_utils._module import (
    AlibabaCloudModule,
    HuaweiCloudModule,
    retry_for,
    transport_for,
)
from ansible_collections.credrotate.cloud.plugins.module_utils._probes import Prober
from ansible_collections.credrotate.cloud.plugins.module_utils._transport import DEFAULT_POOL_SIZE
from ansible_collections.credrotate.cloud.plugins.module_utils._validate import summary, value_problems
from ansible_collections.credrotate.cloud.plugins.modules import (
    dcs_instance_info,
    dcs_instance_password,
    drs_job_info,
    drs_job_password,
    dts_job_info,
    dts_job_password,
    gaussdb_mysql_instance_info,
    gaussdb_mysql_instance_password,
    gaussdb_mysql_user_password,
)


class Internal:
    """The options of a service the engine calls that has no module of its own (a heal call)."""

    def __init__(self, argument_spec, rules):
        self.ARGUMENT_SPEC, self.RULES = argument_spec, rules


DRS_RETRY = Internal({"jobs": dict(type="list", elements="str", required=True)}, {"jobs[]": "drs_job_id"})
DTS_START = Internal({"jobs": dict(type="list", elements="dict", required=True, options=dict(
    id=dict(type="str", required=True), direction=dict(type="str", default="forward", choices=["forward", "reverse"]))),
    "concurrency": dict(type="int", default=8)}, {"jobs[].id": "dts_job_id", "concurrency": "concurrency"})


def _drs_password(params, client, _prober, ledger, check_mode, preflight_done=False):
    return _drs.run_password(params, DrsApi(client), ledger=ledger, check_mode=check_mode,
                             preflight_done=preflight_done)


def _drs_info(params, client, _prober, _ledger, _check_mode):
    return _drs.run_info(params, DrsApi(client))


def _dts_password(params, client, _prober, ledger, check_mode, preflight_done=False):
    return _dts.run_job_password(params, DtsApi(client), ledger=ledger, check_mode=check_mode,
                                 preflight_done=preflight_done)


def _dts_info_call(params, client, _prober, _ledger, _check_mode):
    return _dts_info.run_job_info(params, DtsApi(client))


def _drs_retry(params, client, _prober, _ledger, _check_mode):
    return _drs.run_retry(params, DrsApi(client))


def _dts_start(params, client, _prober, _ledger, _check_mode):
    return _dts_info.run_start(params, DtsApi(client))


def _root_info(params, client, _prober, _ledger, _check_mode):
    return gaussdb_mysql_instance_info.run_info(params, GaussDbApi(client))


def _dcs_info(params, client, _prober, _ledger, _check_mode):
    return dcs_instance_info.run_info(params, DcsApi(client))


def _dcs_password(params, client, prober, ledger, check_mode):
    return _dcs.run(params, DcsApi(client), prober, ledger=ledger, check_mode=check_mode)


def _root_password(params, client, prober, ledger, check_mode):
    return _gaussdb.run_instance_password(params, GaussDbApi(client), prober, ledger=ledger, check_mode=check_mode)


def _user_password(params, client, prober, ledger, check_mode):
    return _gaussdb_users.run_user_password(params, GaussDbApi(client), prober, ledger=ledger, check_mode=check_mode)


# name -> (module class (shared spec and rules, client), the module (its ARGUMENT_SPEC, RULES), probe kind, call)
SERVICES = {
    "drs_job_password": (HuaweiCloudModule, drs_job_password, None, _drs_password),
    "drs_job_info": (HuaweiCloudModule, drs_job_info, None, _drs_info),
    "drs_job_retry": (HuaweiCloudModule, DRS_RETRY, None, _drs_retry),
    "gaussdb_mysql_instance_info": (HuaweiCloudModule, gaussdb_mysql_instance_info, None, _root_info),
    "dcs_instance_info": (HuaweiCloudModule, dcs_instance_info, None, _dcs_info),
    "dts_job_password": (AlibabaCloudModule, dts_job_password, None, _dts_password),
    "dts_job_info": (AlibabaCloudModule, dts_job_info, None, _dts_info_call),
    "dts_job_start": (AlibabaCloudModule, DTS_START, None, _dts_start),
    "dcs_instance_password": (HuaweiCloudModule, dcs_instance_password, "redis", _dcs_password),
    "gaussdb_mysql_instance_password": (HuaweiCloudModule, gaussdb_mysql_instance_password, "mysql", _root_password),
    "gaussdb_mysql_user_password": (HuaweiCloudModule, gaussdb_mysql_user_password, "mysql", _user_password),
}


class Services:
    """Calls the collection's services with the options of the two clouds."""

    def __init__(self, huaweicloud=None, alicloud=None):
        self.options = {HuaweiCloudModule: dict(huaweicloud or {}), AlibabaCloudModule: dict(alicloud or {})}
        self._transports = {}
        self._clients = []
        self._lock = threading.Lock()
        self.secrets = set()

    def call(self, name, args, check_mode=False, preflight_done=False):
        """The result dict of service ``name`` with ``args``; ``failed`` is true when it failed.

        ``preflight_done`` (DRS and DTS password services): the engine's preflight read these jobs
        in this run; the service does not read them again before writing.
        """
        module_class, module, probe_kind, run = SERVICES[name]
        shared = module_class.shared_spec
        params = dict((k, v) for k, v in self.options[module_class].items() if k in shared)
        params.update(args)
        validated = ArgumentSpecValidator(dict(shared, **module.ARGUMENT_SPEC)).validate(params)
        self.secrets.update(v for v in validated._no_log_values if isinstance(v, str) and v)
        if validated.error_messages:
            return self._invalid("%s" % validated.errors.msg, [])
        params = validated.validated_parameters
        required = set(k for k, v in module.ARGUMENT_SPEC.items() if v.get("required"))
        problems = value_problems(params, dict(module_class.shared_rules, **module.RULES), required)
        if problems:
            return self._invalid(summary(problems, "credrotate.cloud." + name), [p[1] for p in problems])
        client = None
        try:
            client = module_class.client_class(params, self._transport(params), retry_for(params))
            prober = Prober.from_params(params, probe_kind) if probe_kind else None
            extra = {"preflight_done": True} if preflight_done else {}
            result = run(params, client, prober, open_ledger(params.get("ledger")), check_mode, **extra)
            result["warnings"] = list(result.get("warnings") or []) + list(getattr(prober, "warnings", None) or [])
        except CollectionError as err:
            result = dict(failure_result(err), failed=True)
            result.setdefault("changed", False)
        if client is not None:
            self.secrets.update(v for v in client.secrets if v)
        return redact_data(result, self.secrets)

    @staticmethod
    def _invalid(msg, invalid):
        return {"failed": True, "changed": False, "msg": msg, "invalid": invalid,
                "error": {"code": "InvalidParameter", "message": msg, "kind": "validation"}}

    def api_client(self, cloud, factory=None):
        """A client of ``cloud`` (``huaweicloud`` or ``alicloud``) with its options, for the secret stores.

        ``factory(params, transport, retry)`` builds it (default: the cloud's client class). Raises
        :class:`_errors.ConfigError` naming the broken options.
        """
        module_class = HuaweiCloudModule if cloud == "huaweicloud" else AlibabaCloudModule
        shared = module_class.shared_spec
        params = dict((k, v) for k, v in self.options[module_class].items() if k in shared)
        validated = ArgumentSpecValidator(shared).validate(params)
        self.secrets.update(v for v in validated._no_log_values if isinstance(v, str) and v)
        if validated.error_messages:
            raise ConfigError("InvalidParameter", "%s" % validated.errors.msg)
        params = validated.validated_parameters
        problems = value_problems(params, module_class.shared_rules, set())
        if problems:
            raise ConfigError("InvalidParameter", summary(problems, cloud))
        client = (factory or module_class.client_class)(params, self._transport(params), retry_for(params))
        self._clients.append(client)
        return client

    def scope(self, name):
        """What identifies the data service ``name`` reads (or, for ``huaweicloud``/``alicloud``, that cloud's
        account): the cloud's non-secret connection options after the environment fallbacks (endpoint, region,
        project, access key...), as text; None when they are invalid."""
        clouds = {"huaweicloud": HuaweiCloudModule, "alicloud": AlibabaCloudModule}
        module_class = clouds[name] if name in clouds else SERVICES[name][0]
        shared = module_class.shared_spec
        params = dict((k, v) for k, v in self.options[module_class].items() if k in shared)
        validated = ArgumentSpecValidator(shared).validate(params)
        if validated.error_messages:
            return None
        public = dict((k, v) for k, v in validated.validated_parameters.items() if not shared[k].get("no_log"))
        return json.dumps([name, public], sort_keys=True, default=str)

    def configured(self, cloud):
        """True when an access key for ``cloud`` (``huaweicloud`` or ``alicloud``) is set, as an option or in
        the environment the modules read."""
        module_class = HuaweiCloudModule if cloud == "huaweicloud" else AlibabaCloudModule
        spec = module_class.shared_spec.get("access_key") or {}
        names = (spec.get("fallback") or (None, ()))[1]
        return bool(self.options[module_class].get("access_key") or any(os.environ.get(n) for n in names))

    def _transport(self, params):
        pool = max(DEFAULT_POOL_SIZE, params.get("concurrency") or 0)
        key = (params.get("timeout"), params.get("validate_certs", True), params.get("ca_path"), pool)
        with self._lock:
            if key not in self._transports:
                self._transports[key] = transport_for(params)
            return self._transports[key]

    def close(self):
        for client in self._clients:
            self.secrets.update(v for v in getattr(client, "secrets", ()) if v)
        for transport in self._transports.values():
            transport.close()
        self._transports = {}
