# -*- coding: utf-8 -*-
# Copyright (c) 2026, credrotate.cloud contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""PRIVATE: Huawei Cloud DEW CSMS v1 API adapter: secrets, versions and stages (the secret store of a rotation).

:class:`CsmsApi` wraps a :class:`_huawei.HuaweiClient` (service ``kms``: host
``kms.{region}.myhuaweicloud.com``). It returns plain data and raises the :mod:`_errors` hierarchy;
it decides nothing. Every path is a template whose values go through ``path_params`` (percent-encoded
by ``_huawei.build_path``), and every name is checked against the API's documented rules *before*
any request, so a hostile name is refused with :class:`_errors.ConfigError` and nothing is sent.

Calls (SDK ``huaweicloudsdkcsms`` v1 ``CsmsClient``; API reference support.huaweicloud.com/api-dew):
``POST/GET /v1/{project_id}/secrets``, ``GET .../secrets/{secret_name}``, ``POST/GET
.../{secret_name}/versions``, ``GET .../versions/{version_id}`` (``latest`` = the newest version),
``GET/PUT/DELETE .../{secret_name}/stages/{stage_name}``.

Rules relied on: secret and stage names ``^[a-zA-Z0-9_-]{1,64}$`` (``CreateSecretRequestBody.name``;
"UpdateSecretStage" ``stage_name``); version ids ``v1``, ``v2``... (API definition ``^v[0-9]{0,63}``);
1 to 12 ``version_stages`` per new version, and a new version without them becomes ``SYSCURRENT``
(``CreateSecretVersionRequestBody``); at most 12 stages and 20 versions per secret; values up to
32 KiB. The error codes (API reference "Error Code"): ``CSMS.0005``/``CSMS.0106`` (does not exist;
seen with HTTP 400 in the table and 404 by the Terraform provider: both are :class:`NotFoundError`
here), ``CSMS.0109``/``CSMS.0103``/``CSMS.0107`` (secret not enabled / pending deletion:
:class:`PreconditionError`), ``CSMS.0203``/``CSMS.0204`` (stage quota: :class:`PreconditionError`),
``CSMS.0105`` (built-in stage cannot be deleted).

**Idempotency.** CreateSecretVersion has no client token and numbers versions itself, so it is
not repeated after an answer that may have been lost (``write=True``). Name a stage of your own in
``version_stages`` (e.g. ``rot-<rotation id>``, :func:`stage_problem` tells whether a name is valid):
:meth:`CsmsApi.show_stage` then tells whether that version exists and its id; moving ``SYSCURRENT``
with :meth:`CsmsApi.update_stage` is idempotent; delete the rotation's stage when done (it counts
towards the 12).

Secret values: every ``secret_string`` sent or received is added to :attr:`CsmsApi.secrets` (and
passed to ``add_secret``, e.g. the module's ``add_secret``), and every error this adapter raises
has them redacted from its message.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import re

from ansible_collections.credrotate.cloud.plugins.module_utils._errors import (
    CloudError,
    ConfigError,
    NotFoundError,
    PreconditionError,
    redact,
)

SERVICE = "kms"
TARGET = "CSMS secrets"
SYSCURRENT, SYSPREVIOUS = "SYSCURRENT", "SYSPREVIOUS"
LATEST = "latest"
ROTATED_TYPES = ("RDS-FG", "GaussDB-FG")
MAX_STAGES = 12
MAX_VALUE_BYTES = 32768
PAGE = 50
NOT_FOUND_CODES = frozenset(("CSMS.0005", "CSMS.0106"))
PRECONDITION_CODES = frozenset(("CSMS.0103", "CSMS.0107", "CSMS.0109", "CSMS.0203", "CSMS.0204", "CSMS.0105"))
_NAME = re.compile(r"[a-zA-Z0-9_-]{1,64}")
_VERSION = re.compile(r"v[0-9]{1,63}")
_RULES = {"secret name": (_NAME, "1 to 64 letters, digits, '_' or '-'"),
          "stage name": (_NAME, "1 to 64 letters, digits, '_' or '-'"),
          "version id": (_VERSION, "'v' and 1 to 63 digits, or 'latest'")}


def _problem(kind, value):
    pattern, text = _RULES[kind]
    if isinstance(value, str) and (pattern.fullmatch(value) or (kind == "version id" and value == LATEST)):
        return None
    size = len(value) if isinstance(value, str) else 0
    return "%s must be %s (got %d character%s)" % (kind, text, size, "" if size == 1 else "s")


def secret_name_problem(value):
    """A message when ``value`` is not a valid CSMS secret name, else None (the value is not shown)."""
    return _problem("secret name", value)


def stage_problem(value):
    """A message when ``value`` is not a valid CSMS stage name, else None."""
    return _problem("stage name", value)


def _require(kind, value):
    problem = _problem(kind, value)
    if problem:
        raise ConfigError("InvalidParameter", problem)
    return value


def rotation_instance(secret):
    """``(InstanceId, SecretSubType)`` of a ``RDS-FG``/``GaussDB-FG`` secret's ``rotation_config``, else None."""
    if (secret or {}).get("secret_type") not in ROTATED_TYPES:
        return None
    config = secret.get("rotation_config")
    if isinstance(config, str):
        try:
            config = json.loads(config)
        except ValueError:
            return None
    if not isinstance(config, dict) or not config.get("InstanceId"):
        return None
    return config["InstanceId"], config.get("SecretSubType")


def is_missing(err):
    """True when ``err`` says the secret, version or stage does not exist."""
    return isinstance(err, NotFoundError) or getattr(err, "code", None) in NOT_FOUND_CODES


def _retyped(err):
    """``err`` as the class its CSMS code means (the Huawei tables do not list CSMS codes)."""
    cls = NotFoundError if err.code in NOT_FOUND_CODES else (
        PreconditionError if err.code in PRECONDITION_CODES else None)
    if cls is None or isinstance(err, cls):
        return err
    return cls(err.code, err.message, http_status=err.http_status, request_id=err.request_id, target=err.target)


class CsmsApi(object):
    """The CSMS v1 calls. Reads return dicts/lists; writes return the answer's object.

    ``add_secret``: optional callable given every secret value this adapter sends or receives.
    Every method raises a :class:`_errors.CloudError` subclass (``target`` "CSMS secrets").
    """

    def __init__(self, client, add_secret=None):
        self.client = client
        self.secrets = set()
        self._add_secret = add_secret

    def _register(self, value):
        if isinstance(value, str) and value:
            self.secrets.add(value)
            if self._add_secret is not None:
                self._add_secret(value)
        return value

    def _call(self, method, path, path_params=None, query=None, body=None, write=False):
        try:
            return self.client.request(SERVICE, method, path, query=query, body=body, write=write, target=TARGET,
                                       path_params=path_params)
        except CloudError as err:
            err = _retyped(err)
            err.message = redact(err.message, list(self.secrets) + list(getattr(self.client, "secrets", ())))
            err.args = (err.__str__(),)
            raise err

    @staticmethod
    def _value(secret_string):
        if not isinstance(secret_string, str) or not secret_string:
            raise ConfigError("InvalidParameter", "secret_string must be a non-empty string")
        if len(secret_string.encode("utf-8")) > MAX_VALUE_BYTES:
            raise ConfigError("InvalidParameter", "secret_string must be at most %d bytes" % MAX_VALUE_BYTES)
        return secret_string

    # -- secrets --

    def create_secret(self, name, secret_string, secret_type="COMMON", rotation_config=None, description=None):
        """``POST /v1/{project_id}/secrets``: the new secret (``data["secret"]``), version ``v1`` = SYSCURRENT.

        ``rotation_config`` (required for ``RDS-FG``/``GaussDB-FG``): a dict ``{"InstanceId",
        "SecretSubType": "SingleUser"|"MultiUser"}`` or its JSON text. A write.
        """
        _require("secret name", name)
        self._register(self._value(secret_string))
        body = {"name": name, "secret_string": secret_string, "secret_type": secret_type}
        if rotation_config is not None:
            body["rotation_config"] = (rotation_config if isinstance(rotation_config, str)
                                       else json.dumps(rotation_config, separators=(",", ":"), sort_keys=True))
        if description is not None:
            body["description"] = description
        return self._call("POST", "/v1/{project_id}/secrets", body=body, write=True).data.get("secret") or {}

    def show_secret(self, name):
        """``GET /v1/{project_id}/secrets/{secret_name}``: the secret's metadata (type, state, rotation_config)."""
        _require("secret name", name)
        return self._call("GET", "/v1/{project_id}/secrets/{secret_name}",
                          path_params={"secret_name": name}).data.get("secret") or {}

    def list_secrets(self):
        """Every secret of the project (``GET /v1/{project_id}/secrets``, 50 a page, every page): a list."""
        secrets, marker = [], None
        while True:
            query = [("limit", PAGE)] + ([("marker", marker)] if marker else [])
            data = self._call("GET", "/v1/{project_id}/secrets", query=query).data or {}
            secrets.extend(data.get("secrets") or [])
            marker = (data.get("page_info") or {}).get("next_marker")
            if not marker or not data.get("secrets"):
                return secrets

    def rotated_secrets(self):
        """The project's ``RDS-FG``/``GaussDB-FG`` secrets: ``[(secret, InstanceId, SecretSubType)]``."""
        found = []
        for secret in self.list_secrets():
            instance = rotation_instance(secret)
            if instance:
                found.append((secret, instance[0], instance[1]))
        return found

    # -- versions --

    def create_version(self, name, secret_string, version_stages=None):
        """``POST .../secrets/{secret_name}/versions``: the new version's ``version_metadata``
        ``{id, create_time, version_stages, ...}``.

        ``version_stages`` None: the version becomes SYSCURRENT (and the old one SYSPREVIOUS). Give
        ``[own stage]`` to create a pending version that a later :meth:`update_stage` promotes. A
        write: never repeated after an answer that may have been lost (see the module doc).
        """
        _require("secret name", name)
        self._register(self._value(secret_string))
        body = {"secret_string": secret_string}
        if version_stages is not None:
            stages = list(version_stages)
            if not 1 <= len(stages) <= MAX_STAGES:
                raise ConfigError("InvalidParameter", "version_stages must name 1 to %d stages" % MAX_STAGES)
            for stage in stages:
                _require("stage name", stage)
            body["version_stages"] = stages
        return self._call("POST", "/v1/{project_id}/secrets/{secret_name}/versions", path_params={"secret_name": name},
                          body=body, write=True).data.get("version_metadata") or {}

    def show_version(self, name, version_id=None, stage=None):
        """The version (``{"version_metadata": {...}, "secret_string": ...}``) by id, ``latest``, or stage.

        With ``stage`` (and no ``version_id``) the stage is read first (:meth:`show_stage`), then
        ``GET .../versions/{version_id}``. Default: the SYSCURRENT version.
        """
        _require("secret name", name)
        if version_id is None:
            version_id = self.show_stage(name, stage or SYSCURRENT).get("version_id")
        _require("version id", version_id)
        version = self._call("GET", "/v1/{project_id}/secrets/{secret_name}/versions/{version_id}",
                             path_params={"secret_name": name, "version_id": version_id}).data.get("version") or {}
        self._register(version.get("secret_string"))
        self._register(version.get("secret_binary"))
        return version

    def list_versions(self, name):
        """Every version's metadata (``GET .../versions``, 50 a page, every page): a list."""
        _require("secret name", name)
        versions, marker = [], None
        while True:
            query = [("limit", PAGE)] + ([("marker", marker)] if marker else [])
            data = self._call("GET", "/v1/{project_id}/secrets/{secret_name}/versions",
                              path_params={"secret_name": name}, query=query).data or {}
            versions.extend(data.get("version_metadatas") or [])
            marker = (data.get("page_info") or {}).get("next_marker")
            if not marker or not data.get("version_metadatas"):
                return versions

    # -- stages --

    def show_stage(self, name, stage):
        """``GET .../stages/{stage_name}``: ``{name, version_id, secret_name, update_time}``."""
        _require("secret name", name)
        _require("stage name", stage)
        return self._call("GET", "/v1/{project_id}/secrets/{secret_name}/stages/{stage_name}",
                          path_params={"secret_name": name, "stage_name": stage}).data.get("stage") or {}

    def update_stage(self, name, stage, version_id):
        """``PUT .../stages/{stage_name}`` ``{"version_id"}``: put ``stage`` on that version; the stage.

        Idempotent (a stage already on the version stays), but a write: not repeated blindly.
        """
        _require("secret name", name)
        _require("stage name", stage)
        if version_id == LATEST:
            raise ConfigError("InvalidParameter", "version id must be a version's id, not 'latest'")
        _require("version id", version_id)
        return self._call("PUT", "/v1/{project_id}/secrets/{secret_name}/stages/{stage_name}",
                          path_params={"secret_name": name, "stage_name": stage}, body={"version_id": version_id},
                          write=True).data.get("stage") or {}

    def delete_stage(self, name, stage):
        """``DELETE .../stages/{stage_name}`` (HTTP 204); SYSCURRENT and SYSPREVIOUS cannot be deleted."""
        _require("secret name", name)
        _require("stage name", stage)
        if stage in (SYSCURRENT, SYSPREVIOUS):
            raise ConfigError("InvalidParameter", "%s is a built-in stage and cannot be deleted" % stage)
        self._call("DELETE", "/v1/{project_id}/secrets/{secret_name}/stages/{stage_name}",
                   path_params={"secret_name": name, "stage_name": stage}, write=True)
