# -*- coding: utf-8 -*-
# Copyright (c) 2026, credrotate.cloud contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""PRIVATE: Alibaba Cloud KMS 2016-01-20 Secrets Manager API adapter (the secret store of a rotation).

:class:`KmsApi` wraps an :class:`_alibaba.AlibabaClient` built with ``version=KMS_VERSION`` (host
``kms.{region}.aliyuncs.com``, :func:`_alibaba.kms_endpoint`); :func:`kms_client` builds one. It
returns plain data and raises the :mod:`_errors` hierarchy; it decides nothing. ``SecretData``
travels only in the signed form body (never in the URL). Every name is checked before any request:
a hostile name is refused with :class:`_errors.ConfigError` and nothing is sent.

Actions (SDK ``alibabacloud_kms20160120``; API reference alibabacloud.com/help/en/kms/
key-management-service/developer-reference/api-kms-2016-01-20-<action>): CreateSecret,
PutSecretValue, GetSecretValue, UpdateSecretVersionStage, ListSecretVersionIds, DescribeSecret,
ListSecrets. Answers are the API's, except that every ``VersionStages: {"VersionStage": [...]}`` is
flattened to a list, and the lists of ListSecretVersionIds / ListSecrets are returned whole.

Rules relied on: SecretName up to 192 letters, digits and ``_ / + = . @ -``
(``CreateSecretRequest.secret_name``); VersionId up to 64 characters (documented; this adapter
accepts only letters, digits and ``. _ -``, and the same for stage names, whose rules are not
documented); PutSecretValue and UpdateSecretVersionStage work on **generic** secrets only;
a generic secret keeps 10 versions (KMS deletes the earliest) and at most 8 stages.

**Idempotency.** VersionId is the caller's key: PutSecretValue with an existing VersionId and the
same data succeeds and changes nothing; with different data it is refused ("PutSecretValue"). So
:meth:`KmsApi.put_secret_value` is safe to repeat and is not marked a write for the retry layer;
:func:`is_version_conflict` recognises the refusal (a VersionId reused with another value).

Errors (API reference "CreateSecret", error codes): 404 ``Forbidden.ResourceNotFound`` (raised as
:class:`NotFoundError`; the shared classifier would call any ``Forbidden.*`` an auth error), 409
``Rejected.ResourceExist`` (:class:`ProviderError`), 409 ``Rejected.ResourceInDeleteWindow``
(:class:`PreconditionError`), 429 ``Rejected.Throttling`` (:class:`ThrottledError`).

Secret values: every ``SecretData`` sent or received is added to :attr:`KmsApi.secrets` (and given
to ``add_secret``), and redacted from every error this adapter raises.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import re

from ansible_collections.credrotate.cloud.plugins.module_utils._alibaba import KMS_VERSION, AlibabaClient
from ansible_collections.credrotate.cloud.plugins.module_utils._errors import (
    CloudError,
    ConfigError,
    NotFoundError,
    PreconditionError,
    ThrottledError,
    redact,
)

ACS_CURRENT, ACS_PREVIOUS = "ACSCurrent", "ACSPrevious"
MANAGED_TYPES = ("Rds", "Redis", "PolarDB")
MAX_DATA_BYTES = 30720
MAX_STAGES = 8
PAGE = 100
NOT_FOUND = "Forbidden.ResourceNotFound"
CONFLICT = "Rejected.ResourceExist"
_NAME = re.compile(r"[A-Za-z0-9_/+=.@-]{1,192}")
_TOKEN = re.compile(r"[A-Za-z0-9._-]{1,64}")
_RULES = {"secret name": (_NAME, "1 to 192 letters, digits or _ / + = . @ -"),
          "version id": (_TOKEN, "1 to 64 letters, digits or . _ -"),
          "stage name": (_TOKEN, "1 to 64 letters, digits or . _ -")}


def _problem(kind, value):
    pattern, text = _RULES[kind]
    if isinstance(value, str) and pattern.fullmatch(value):
        return None
    size = len(value) if isinstance(value, str) else 0
    return "%s must be %s (got %d character%s)" % (kind, text, size, "" if size == 1 else "s")


def secret_name_problem(value):
    """A message when ``value`` is not a valid KMS secret name, else None (the value is not shown)."""
    return _problem("secret name", value)


def token_problem(value, kind="version id"):
    """A message when ``value`` is not a version id (or ``kind="stage name"``) this adapter sends, else None."""
    return _problem(kind, value)


def _require(kind, value):
    problem = _problem(kind, value)
    if problem:
        raise ConfigError("InvalidParameter", problem)
    return value


def kms_client(params, transport, retry):
    """An :class:`_alibaba.AlibabaClient` for KMS 2016-01-20 (same options as the DTS modules)."""
    return AlibabaClient(params, transport, retry, version=KMS_VERSION)


def stages_of(entry):
    """The stage list of an answer's ``VersionStages`` (``{"VersionStage": [...]}`` or already a list)."""
    value = (entry or {}).get("VersionStages")
    if isinstance(value, dict):
        value = value.get("VersionStage")
    return list(value or [])


def extended_config(data):
    """The ``ExtendedConfig`` of a DescribeSecret/GetSecretValue answer as a dict ({} when absent or not JSON)."""
    value = (data or {}).get("ExtendedConfig")
    if isinstance(value, dict):
        return value
    try:
        parsed = json.loads(value) if value else {}
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {}


def is_missing(err):
    """True when ``err`` says the secret, version or stage does not exist."""
    return isinstance(err, NotFoundError) or getattr(err, "code", None) == NOT_FOUND


def is_version_conflict(err):
    """True when ``err`` is KMS refusing a VersionId already used (with another value, or a name already taken)."""
    return getattr(err, "code", None) == CONFLICT


def _retyped(err):
    kwargs = dict(http_status=err.http_status, request_id=err.request_id, target=err.target)
    if err.code == NOT_FOUND and not isinstance(err, NotFoundError):
        return NotFoundError(err.code, err.message, **kwargs)
    if err.code == "Rejected.ResourceInDeleteWindow" and not isinstance(err, PreconditionError):
        return PreconditionError(err.code, err.message, **kwargs)
    if err.code == "Rejected.Throttling" and not isinstance(err, ThrottledError):
        return ThrottledError(err.code, err.message, retry_after=getattr(err, "retry_after", None), **kwargs)
    return err


def _flatten(entry):
    if isinstance(entry, dict) and "VersionStages" in entry:
        entry = dict(entry, VersionStages=stages_of(entry))
    return entry


class KmsApi(object):
    """The KMS 2016-01-20 secret actions. Every method returns the answer's data (a dict or list) and
    raises a :class:`_errors.CloudError` subclass (``target`` "KMS secret <name>").

    ``add_secret``: optional callable given every secret value this adapter sends or receives.
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

    def _call(self, action, params, secret_params=None, write=False, name=None):
        try:
            return self.client.call(action, params, secret_params=secret_params, write=write,
                                    target="KMS secret %s" % name if name else "KMS secrets").data or {}
        except CloudError as err:
            err = _retyped(err)
            err.message = redact(err.message, list(self.secrets) + list(getattr(self.client, "secrets", ())))
            err.args = (err.__str__(),)
            raise err

    def _data(self, secret_data):
        if not isinstance(secret_data, str) or not secret_data:
            raise ConfigError("InvalidParameter", "secret_data must be a non-empty string")
        if len(secret_data.encode("utf-8")) > MAX_DATA_BYTES:
            raise ConfigError("InvalidParameter", "secret_data must be at most %d bytes" % MAX_DATA_BYTES)
        return self._register(secret_data)

    def create_secret(self, name, secret_data, version_id, secret_type="Generic", extended_config=None,
                      description=None):
        """``CreateSecret`` (initial version = ACSCurrent): ``{Arn, SecretName, SecretType, VersionId, ...}``. A write."""
        _require("secret name", name)
        _require("version id", version_id)
        self._data(secret_data)
        params = [("SecretName", name), ("VersionId", version_id), ("SecretType", secret_type),
                  ("Description", description)]
        if extended_config is not None:
            params.append(("ExtendedConfig", extended_config if isinstance(extended_config, str)
                           else json.dumps(extended_config, separators=(",", ":"), sort_keys=True)))
        return self._call("CreateSecret", params, secret_params=[("SecretData", secret_data)], write=True, name=name)

    def put_secret_value(self, name, secret_data, version_id, version_stages=None):
        """``PutSecretValue`` of a generic secret: ``{SecretName, VersionId, VersionStages: [...]}``.

        ``version_stages`` None: the version becomes ACSCurrent (and the old one ACSPrevious). Safe to
        repeat with the same ``version_id`` and data (see the module doc), so not marked a write.
        """
        _require("secret name", name)
        _require("version id", version_id)
        self._data(secret_data)
        params = [("SecretName", name), ("VersionId", version_id)]
        if version_stages is not None:
            stages = list(version_stages)
            if not 1 <= len(stages) <= MAX_STAGES:
                raise ConfigError("InvalidParameter", "version_stages must name 1 to %d stages" % MAX_STAGES)
            for stage in stages:
                _require("stage name", stage)
            params.append(("VersionStages", json.dumps(stages, separators=(",", ":"))))
        return _flatten(self._call("PutSecretValue", params, secret_params=[("SecretData", secret_data)],
                                   write=False, name=name))

    def get_secret_value(self, name, version_id=None, version_stage=None, fetch_extended_config=False):
        """``GetSecretValue`` by ``version_id`` or ``version_stage`` (default ACSCurrent):
        ``{SecretName, SecretType, SecretData, VersionId, VersionStages: [...], CreateTime, ...}``."""
        _require("secret name", name)
        if version_id is not None:
            _require("version id", version_id)
        if version_stage is not None:
            _require("stage name", version_stage)
        params = [("SecretName", name), ("VersionId", version_id), ("VersionStage", version_stage)]
        if fetch_extended_config:
            params.append(("FetchExtendedConfig", True))
        data = _flatten(self._call("GetSecretValue", params, name=name))
        self._register(data.get("SecretData"))
        return data

    def update_version_stage(self, name, stage, move_to_version=None, remove_from_version=None):
        """``UpdateSecretVersionStage`` of a generic secret: ``{SecretName}``. A write.

        ``move_to_version`` puts ``stage`` on that version (ACSCurrent/ACSPrevious can only be moved);
        ``remove_from_version`` takes it off (custom stages only). At least one is required.
        """
        _require("secret name", name)
        _require("stage name", stage)
        if move_to_version is None and remove_from_version is None:
            raise ConfigError("InvalidParameter", "give move_to_version, remove_from_version or both")
        for value in (move_to_version, remove_from_version):
            if value is not None:
                _require("version id", value)
        if stage in (ACS_CURRENT, ACS_PREVIOUS) and move_to_version is None:
            raise ConfigError("InvalidParameter", "%s can only be moved (give move_to_version)" % stage)
        params = [("SecretName", name), ("VersionStage", stage), ("MoveToVersion", move_to_version),
                  ("RemoveFromVersion", remove_from_version)]
        return self._call("UpdateSecretVersionStage", params, write=True, name=name)

    def list_version_ids(self, name, include_deprecated=False):
        """Every version (``ListSecretVersionIds``, 100 a page, every page): ``[{VersionId, CreateTime,
        VersionStages: [...]}]``; versions without a stage only with ``include_deprecated``."""
        _require("secret name", name)
        versions, page = [], 1
        while True:
            data = self._call("ListSecretVersionIds", [
                ("SecretName", name), ("IncludeDeprecated", bool(include_deprecated)), ("PageNumber", page),
                ("PageSize", PAGE)], name=name)
            batch = (data.get("VersionIds") or {}).get("VersionId") or []
            versions.extend(_flatten(v) for v in batch)
            if not batch or len(versions) >= int(data.get("TotalCount") or 0):
                return versions
            page += 1

    def describe_secret(self, name):
        """``DescribeSecret``: ``{SecretName, SecretType, Arn, ExtendedConfig (JSON text), AutomaticRotation, ...}``
        (:func:`extended_config` parses the configuration)."""
        _require("secret name", name)
        return self._call("DescribeSecret", [("SecretName", name)], name=name)

    def list_secrets(self, secret_types=None):
        """Every secret (``ListSecrets``, 100 a page, every page), filtered by type when given:
        ``[{SecretName, SecretType, CreateTime, UpdateTime, ...}]``."""
        params = []
        if secret_types:
            params.append(("Filters", json.dumps([{"Key": "SecretType", "Values": list(secret_types)}],
                                                 separators=(",", ":"))))
        secrets, page = [], 1
        while True:
            data = self._call("ListSecrets", params + [("PageNumber", page), ("PageSize", PAGE)])
            batch = (data.get("SecretList") or {}).get("Secret") or []
            secrets.extend(batch)
            if not batch or len(secrets) >= int(data.get("TotalCount") or 0):
                return secrets
            page += 1

    def managed_secrets(self, secret_types=MANAGED_TYPES):
        """The managed (Rds/Redis/PolarDB) secrets with their configuration: ``[(name, type, extended_config dict)]``.

        One ListSecrets pass, then DescribeSecret per secret (ListSecrets does not return the
        configuration, which names the instance and, for Redis/PolarDB, the account).
        """
        found = []
        for entry in self.list_secrets(secret_types):
            name = entry.get("SecretName")
            if entry.get("SecretType") not in secret_types or secret_name_problem(name):
                continue
            found.append((name, entry["SecretType"], extended_config(self.describe_secret(name))))
        return found
