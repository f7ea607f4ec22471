# -*- coding: utf-8 -*-
# Copyright (c) 2026, credrotate.cloud contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""PRIVATE: base module helpers: shared argument specs, client construction and the one failure path.

``HuaweiCloudModule`` and ``AlibabaCloudModule`` wrap ``AnsibleModule`` (in the style of
amazon.aws ``AnsibleAWSModule``): they merge the shared options (documented in the
``credrotate.cloud.huaweicloud`` / ``credrotate.cloud.alicloud`` doc fragments) with the
module's own, and build the transport, retry policy and provider client on first use.
Constructing one never runs anything; the module's ``main()`` does: it calls one service with
``module.params``, an API adapter on ``module.client`` (and ``module.prober(kind)``,
``module.ledger()``), catches :class:`_errors.CollectionError` once and fails with
``module.fail_from(err)``, or exits with ``module.finish(result)``.

:func:`fail` is the one place a module fails: the :func:`_errors.failure_result` of a collection
error, its ``warnings`` reported, every secret redacted. Service code never fails a module.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

from ansible.module_utils.basic import AnsibleModule, _load_params, env_fallback, missing_required_lib

from ansible_collections.credrotate.cloud.plugins.module_utils._alibaba import AlibabaClient
from ansible_collections.credrotate.cloud.plugins.module_utils._errors import (
    CloudError,
    TaskFailed,
    failure_result,
    redact_data,
)
from ansible_collections.credrotate.cloud.plugins.module_utils._huawei import HuaweiClient
from ansible_collections.credrotate.cloud.plugins.module_utils._ledger import open_ledger
from ansible_collections.credrotate.cloud.plugins.module_utils._probes import (
    HAS_PYMYSQL,
    HAS_REDIS,
    PYMYSQL_IMPORT_ERROR,
    REDIS_IMPORT_ERROR,
    MissingLibraryError,
    Prober,
)
from ansible_collections.credrotate.cloud.plugins.module_utils._retry import DEFAULT_ATTEMPTS, DEFAULT_DEADLINE, Retry
from ansible_collections.credrotate.cloud.plugins.module_utils._transport import (
    DEFAULT_POOL_SIZE,
    DEFAULT_TIMEOUT,
    HAS_REQUESTS,
    REQUESTS_IMPORT_ERROR,
    Transport,
)
from ansible_collections.credrotate.cloud.plugins.module_utils._validate import (
    ALIBABA_RULES,
    HUAWEI_RULES,
    structure_problems,
    summary,
    value_problems,
)


def _env(*names):
    return (env_fallback, list(names))


CONNECTION_SPEC = dict(
    endpoint_url=dict(type="str"),
    allow_plain_http=dict(type="bool", default=False),
    validate_certs=dict(type="bool", default=True),
    ca_path=dict(type="path"),
    timeout=dict(type="int", default=DEFAULT_TIMEOUT),
    retries=dict(type="int", default=DEFAULT_ATTEMPTS),
    retry_deadline=dict(type="int", default=int(DEFAULT_DEADLINE)),
)

HUAWEI_ARGUMENT_SPEC = dict(
    CONNECTION_SPEC,
    cloud=dict(type="str", default="huaweicloud", choices=["huaweicloud", "otc"]),
    region=dict(type="str", fallback=_env("HW_REGION_NAME", "OS_REGION_NAME")),
    project_id=dict(type="str", fallback=_env("HW_PROJECT_ID", "OS_PROJECT_ID")),
    access_key=dict(type="str", no_log=False, fallback=_env("HW_ACCESS_KEY", "OS_ACCESS_KEY")),
    secret_key=dict(type="str", no_log=True, fallback=_env("HW_SECRET_KEY", "OS_SECRET_KEY")),
    security_token=dict(type="str", no_log=True, fallback=_env("HW_SECURITY_TOKEN")),
    auth_token=dict(type="str", no_log=True, fallback=_env("HW_AUTH_TOKEN", "OS_AUTH_TOKEN")),
    iam_user_name=dict(type="str", fallback=_env("HW_USER_NAME")),
    iam_password=dict(type="str", no_log=True, fallback=_env("HW_PASSWORD")),
    iam_domain_name=dict(type="str", fallback=_env("HW_DOMAIN_NAME")),
    iam_endpoint_url=dict(type="str"),
)

ALIBABA_ARGUMENT_SPEC = dict(
    CONNECTION_SPEC,
    access_key=dict(type="str", no_log=False, fallback=_env("ALICLOUD_ACCESS_KEY", "ALIBABA_CLOUD_ACCESS_KEY_ID")),
    secret_key=dict(type="str", no_log=True, fallback=_env("ALICLOUD_SECRET_KEY", "ALIBABA_CLOUD_ACCESS_KEY_SECRET")),
    security_token=dict(type="str", no_log=True,
                        fallback=_env("ALICLOUD_SECURITY_TOKEN", "ALIBABA_CLOUD_SECURITY_TOKEN")),
    region=dict(type="str", fallback=_env("ALICLOUD_REGION", "ALIBABA_CLOUD_REGION_ID")),
)

_LIBRARIES = {
    "requests": (lambda: HAS_REQUESTS, lambda: REQUESTS_IMPORT_ERROR),
    "pymysql": (lambda: HAS_PYMYSQL, lambda: PYMYSQL_IMPORT_ERROR),
    "redis": (lambda: HAS_REDIS, lambda: REDIS_IMPORT_ERROR),
}
_LIBRARY_NAMES = {"requests": "requests", "pymysql": "PyMySQL", "redis": "redis"}


HIDDEN = "VALUE_HIDDEN_INVALID_INPUT"


def _masked(spec, problems):
    """``spec`` with every option named by ``problems`` replaced by a catch-all (see :class:`_Guarded`)."""
    spec = dict(spec)
    for top, _path, _message in problems:
        spec[top] = {"type": "raw", "no_log": False}  # the refused value is hidden already
    return spec


class _Guarded(AnsibleModule):
    """``AnsibleModule`` that never sees the values of the options in ``_hidden``: they read as :data:`HIDDEN`.

    A nested option of the wrong type or with a misspelt (secret) key makes ansible-core stop collecting
    ``no_log`` values and print ``module_args`` (ansible/ansible#81672); marking the option ``no_log``
    instead would make each of its scalars a value that ansible-core hides everywhere, mangling the
    message. So the value is replaced before ansible-core parses: it is neither printed nor a no_log value.
    """

    _hidden = ()

    def _load_params(self):
        super(_Guarded, self)._load_params()
        for name in self._hidden:
            if name in self.params:
                self.params[name] = HIDDEN


def fail(module, err, msg=None, secrets=(), **extra):
    """Fail ``module`` (an ``AnsibleModule``) with the structured failure of ``err``: the one failure path.

    ``err`` is a :class:`_errors.CollectionError` (anything else is a bug: ``TypeError``); ``msg``
    prefixes its message and ``extra`` adds result keys (see :func:`_errors.failure_result`). Every
    string of ``secrets`` and every ``no_log`` value is redacted; ``warnings`` in the result are
    reported with ``module.warn``.
    """
    values = set(secrets or ()) | set(v for v in module.no_log_values if isinstance(v, str))
    result = redact_data(failure_result(err, msg, **extra), values)
    for text in result.pop("warnings", None) or []:
        module.warn(text)
    module.fail_json(**result)


def invalid_input(module, problems):
    """Fail ``module`` (an ``AnsibleModule``) naming every problem; nothing was written."""
    fail(module, TaskFailed(summary(problems, module._name), {
        "error": {"code": "InvalidParameter", "message": summary(problems), "kind": "validation"},
        "invalid": sorted(set(path for _top, path, _message in problems))}))


def guarded_module(argument_spec, rules=None, **kwargs):
    """An ``AnsibleModule`` whose input passed :mod:`_validate`, or a failure naming each bad field.

    Structure problems (unknown options, nested type errors and typos, URLs with user info) are
    masked before ansible-core parses, so no secret is printed; value problems (formats, bounds)
    are checked on the parsed parameters. Used by every module of the collection.
    """
    problems = structure_problems(argument_spec, _load_params() or {})
    guarded = type("GuardedModule", (_Guarded,), {"_hidden": tuple(sorted(set(p[0] for p in problems)))})
    module = guarded(argument_spec=_masked(argument_spec, problems), **kwargs)
    if problems:
        invalid_input(module, problems)
    required = set(name for name, option in argument_spec.items() if option.get("required"))
    problems = value_problems(module.params, rules or {}, required)
    if problems:
        invalid_input(module, problems)
    return module


def transport_for(params):
    """The HTTP transport of the connection options; its pool fits ``concurrency`` calls in flight."""
    return Transport(timeout=params.get("timeout"), validate_certs=params.get("validate_certs", True),
                     ca_path=params.get("ca_path"), pool_size=max(DEFAULT_POOL_SIZE, params.get("concurrency") or 0))


def retry_for(params):
    """The retry policy of the ``retries`` and ``retry_deadline`` options."""
    return Retry(attempts=params.get("retries"), deadline=params.get("retry_deadline"))


class _CloudModule(object):
    """Shared behaviour; subclasses set ``shared_spec`` and ``client_class``."""

    shared_spec = {}
    shared_rules = {}
    client_class = None

    def __init__(self, argument_spec=None, rules=None, **kwargs):
        """``rules``: the module's own :mod:`_validate` rules ``{"jobs[].id": "drs_job_id", ...}``."""
        spec = copy.deepcopy(self.shared_spec)
        spec.update(argument_spec or {})
        self._module = guarded_module(spec, dict(self.shared_rules, **(rules or {})), **kwargs)
        self._client = None
        self._secrets = set()
        self.require_lib("requests")

    def __getattr__(self, name):
        # exit_json, warn, deprecate, boolean, ... come from AnsibleModule.
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self._module, name)

    @property
    def module(self):
        return self._module

    @property
    def params(self):
        return self._module.params

    @property
    def check_mode(self):
        return self._module.check_mode

    @property
    def client(self):
        """The provider client, built on first use (a configuration error fails the module)."""
        if self._client is None:
            try:
                self._client = self.client_class(self.params, self.transport(), self.retry())
            except CloudError as err:
                self.fail_from(err)
        return self._client

    def transport(self):
        return transport_for(self.params)

    def retry(self):
        return retry_for(self.params)

    def require_lib(self, name):
        """Fail with ``missing_required_lib`` unless ``requests``, ``pymysql`` or ``redis`` imported."""
        present, error = _LIBRARIES[name]
        if not present():
            text = missing_required_lib(_LIBRARY_NAMES[name])
            self.fail_from(TaskFailed(text, {"error": {"code": "MissingLibrary", "message": text, "kind": "config"},
                                             "exception": error()}))

    def prober(self, kind):
        """The :class:`_probes.Prober` (``mysql`` or ``redis``) of the ``probe*`` options.

        ``probe=always`` without the library fails the module; ``auto`` without it warns and skips.
        """
        try:
            prober = Prober.from_params(self.params, kind)
        except MissingLibraryError as err:
            self.require_lib(err.library)
            raise  # not reached: require_lib failed the module
        for text in prober.warnings:
            self.warn(text)
        return prober

    def ledger(self):
        """The :class:`_ledger.Ledger` of the ``ledger`` option, or None."""
        return open_ledger(self.params.get("ledger"))

    def add_secret(self, value):
        """Mask ``value`` (e.g. a password read or generated at run time) in every output."""
        if value:
            self._secrets.add(value)
            self._module.no_log_values.add(value)

    def secrets(self):
        values = set(self._secrets) | set(v for v in self._module.no_log_values if isinstance(v, str))
        if self._client is not None:
            values.update(self._client.secrets)
        return values

    def redact(self, data):
        """``data`` with every secret string replaced by ``********``."""
        return redact_data(data, self.secrets())

    def fail_from(self, err, msg=None, **extra):
        """Fail with the structured shape ``{msg, error: {code, message, kind}, http_status, request_id}``.

        ``err``: any :class:`_errors.CollectionError` (:class:`_errors.TaskFailed` carries its whole
        result); ``msg`` prefixes its message; ``extra`` adds result keys (e.g. ``results``). See :func:`fail`.
        """
        fail(self._module, err, msg, self.secrets(), **extra)

    def finish(self, result):
        """A service's ``result`` ready for ``exit_json``: its ``warnings`` reported, every secret redacted."""
        result = self.redact(result)
        for text in result.pop("warnings", None) or []:
            self.warn(text)
        return result


class HuaweiCloudModule(_CloudModule):
    """``AnsibleModule`` plus the Huawei Cloud/OTC options and a :class:`HuaweiClient` (``.client``)."""

    shared_spec = HUAWEI_ARGUMENT_SPEC
    shared_rules = HUAWEI_RULES
    client_class = HuaweiClient


class AlibabaCloudModule(_CloudModule):
    """``AnsibleModule`` plus the Alibaba Cloud options and an :class:`AlibabaClient` (``.client``)."""

    shared_spec = ALIBABA_ARGUMENT_SPEC
    shared_rules = ALIBABA_RULES
    client_class = AlibabaClient
