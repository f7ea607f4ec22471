# -*- coding: utf-8 -*-
# Copyright (c) 2026, credrotate.cloud contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The secret stores of :mod:`_stores` (CSMS, KMS, the codec, the input rules) on stateful in-memory clouds.

:class:`FakeCsmsApi` and :class:`FakeKmsApi` have the methods, signatures and return shapes of
:class:`_csms_api.CsmsApi` and :class:`_kms_api.KmsApi` and keep a secret's versions and stages
with the semantics documented in ``tests/emulator/csms.py`` and ``tests/emulator/kms.py``:

* CSMS: a stage marks one version; a new version gets the stages it names (``SYSCURRENT`` and the old
  one ``SYSPREVIOUS`` when it names none); at most 12 stages (``CSMS.0203``/``CSMS.0204``) and 20
  versions (the oldest version without a stage goes); moving ``SYSCURRENT`` moves ``SYSPREVIOUS``
  to the version it left, unless ``moves_previous=False`` (the emulator's
  ``csms_update_stage_moves_previous: false``); a missing secret, version or stage is ``CSMS.0005``.
* KMS: ``VersionId`` is the caller's key (the same data again changes nothing, other data is
  ``Rejected.ResourceExist``); ``PutSecretValue`` with ``VersionStages``; ``UpdateSecretVersionStage``
  moves or removes (``ACSCurrent``/``ACSPrevious`` only move, a removal names the version holding
  the stage); moving ``ACSCurrent`` gives the version it left ``ACSPrevious`` unless
  ``moves_previous=False``; 8 stages (``Rejected.LimitExceeded``), 10 versions (the earliest not
  holding ACSCurrent/ACSPrevious goes); a missing secret is ``Forbidden.ResourceNotFound``.

Like the adapters, a fake gives every value it receives or returns to ``add_secret`` and redacts the
values it has seen from its errors. Scripted faults (:meth:`_Fake.fail`) raise a :class:`CloudError`
before or after the change (a lost answer), optionally echoing a secret value as a hostile service
would.

Each store test runs on the fake directly (``via="fake"``) and on the real adapter
(``via="adapter"``: :func:`_stores.open_store` builds ``CsmsApi``/``KmsApi`` on a client that
serves the adapter's requests from the same fake), so the adapters' checks, registration and
redaction are part of what is tested. The engine runs on ``world.py`` with a cloud store the same way.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ansible_collections.credrotate.cloud.plugins.module_utils import _csms_api, _kms_api
from ansible_collections.credrotate.cloud.plugins.module_utils._errors import (
    CloudError,
    ConfigError,
    NotFoundError,
    PreconditionError,
    ProviderError,
    redact,
)
from ansible_collections.credrotate.cloud.plugins.module_utils._transport import ApiResult
from ansible_collections.credrotate.cloud.plugins.plugin_utils import _engine, _stores
from ansible_collections.credrotate.cloud.plugins.plugin_utils._stores import (
    Codec,
    CsmsStore,
    KmsStore,
    StoreError,
    id_problem,
    open_store,
    secret_name_problem,
)
from ansible_collections.credrotate.cloud.tests.unit.plugins.plugin_utils.world import (
    GAUSSDB_INSTANCE,
    NEW,
    OLD,
    USER,
    Sim,
)

_EXAMPLES = os.environ.get("CREDROTATE_HYPOTHESIS_EXAMPLES", "").strip()
PROPERTY_SETTINGS = settings(max_examples=int(_EXAMPLES) * 100 if _EXAMPLES else 400, derandomize=not _EXAMPLES,
                             database=None, deadline=None, suppress_health_check=[HealthCheck.too_slow])

NAME = "orders"
SECRET = "credrotate-orders"
FIELDS = {"username": "crdemo_orders", "host": "db.example.com", "port": 3306}
PW = ["Rot-Passw0rd-%02d!x" % n for n in range(40)]  # the passwords of successive rotations
KINDS = ("csms", "kms")
VIAS = ("fake", "adapter")
CSMS_CURRENT, CSMS_PREVIOUS = _csms_api.SYSCURRENT, _csms_api.SYSPREVIOUS
KMS_CURRENT, KMS_PREVIOUS = _kms_api.ACS_CURRENT, _kms_api.ACS_PREVIOUS
KMS_PENDING = _stores.KMS_PENDING


def entry(rotation_id, password, source="generated"):
    """The engine's pending entry (``Engine.pending_entry``)."""
    return {"rotation_id": rotation_id, "password": password, "source": source, "created_at": "2026-01-01T00:00:00Z"}


# --- the fakes ------------------------------------------------------------------------------------------------------


class Fault(object):
    def __init__(self, method, error, times, after, echo, raw):
        self.method, self.error, self.times, self.after, self.echo, self.raw = method, error, times, after, echo, raw


class _Fake(object):
    """What both fakes share: registration, redaction, the call log, scripted faults, the limits' high marks."""

    not_found_code = ""

    def __init__(self, add_secret=None, moves_previous=True):
        self.moves_previous = moves_previous
        self.secrets = set()  # every value seen, as the adapters keep them
        self._add_secret = add_secret
        self.received, self.returned = [], []  # every value sent to / read from the fake
        self.calls = []  # (method, secret name)
        self.faults = []
        self.tick = 0
        self.high = {"stages": 0, "versions": 0}
        self.store = {}

    # -- the adapters' contract --

    def _register(self, value):
        if isinstance(value, str) and value:
            self.secrets.add(value)
            if self._add_secret is not None:
                self._add_secret(value)
        return value

    def _raise(self, err, raw=False):
        if not raw:
            err.message = redact(err.message, self.secrets)
            err.args = (err.__str__(),)
        raise err

    # -- scripted faults --

    def fail(self, method, code="Service.Unavailable", message="the service is unavailable", cls=ProviderError,
             times=1, after=False, echo=False, raw=False, http_status=503):
        """The next ``times`` calls of ``method`` raise ``cls(code, message)``; ``after``: once the change is made
        (its answer lost); ``echo``: the message holds the value involved (a hostile service); ``raw``: the fake
        does not redact it (the real adapter must)."""
        self.faults.append(Fault(method, lambda value: cls(code, message + (" (value %s)" % value if echo else ""),
                                                           http_status=http_status), times, after, echo, raw))

    def _run(self, method, name, action, value=None):
        """Log the call, apply a scripted fault around ``action()``, keep the high marks of the limits."""
        self.calls.append((method, name))
        fault = next((f for f in self.faults if f.method == method and f.times > 0), None)
        if fault is not None:
            fault.times -= 1
        if fault is not None and not fault.after:
            self._raise(fault.error(value if value is not None else self._echo_value(name)), fault.raw)
        try:
            result = action()
        except CloudError as err:
            self._raise(err)
        secret = self.store.get(name)
        if secret is not None:
            self.high["stages"] = max(self.high["stages"], len(secret["stages"]))
            self.high["versions"] = max(self.high["versions"], len(secret["versions"]))
        if fault is not None:
            self._raise(fault.error(value if value is not None else self._echo_value(name)), fault.raw)
        return result

    def _echo_value(self, name):
        secret = self.store.get(name)
        return secret["versions"][-1]["value"] if secret and secret["versions"] else "-"

    def _now(self):
        self.tick += 1
        return 1700000000000 + self.tick

    def writes(self):
        return [c for c in self.calls if c[0] in self.WRITES]

    # -- test helpers --

    def stages(self, name=SECRET):
        return dict(self.store[name]["stages"])

    def value_of(self, version_id, name=SECRET):
        return next(v["value"] for v in self.store[name]["versions"] if v["id"] == version_id)

    def version_ids(self, name=SECRET):
        return [v["id"] for v in self.store[name]["versions"]]


class FakeCsmsApi(_Fake):
    """:class:`_csms_api.CsmsApi` in memory (semantics: tests/emulator/csms.py)."""

    WRITES = ("create_secret", "create_version", "update_stage", "delete_stage")
    not_found_code = "CSMS.0005"

    def _missing(self, what):
        return NotFoundError("CSMS.0005", "The resource does not exist. %s." % what, http_status=404)

    @staticmethod
    def _check(kind, value):
        problem = {"secret name": _csms_api.secret_name_problem, "stage name": _csms_api.stage_problem}[kind](value)
        if problem:
            raise ConfigError("InvalidParameter", problem)

    @staticmethod
    def _text(value):
        if not isinstance(value, str) or not value or len(value.encode("utf-8")) > _csms_api.MAX_VALUE_BYTES:
            raise ConfigError("InvalidParameter", "secret_string must be a non-empty string of at most 32 KiB")
        return value

    def _secret(self, name):
        self._check("secret name", name)
        if name not in self.store:
            raise self._missing("secret")
        return self.store[name]

    def _usable(self, secret):
        if secret["state"] != "ENABLED":
            raise PreconditionError("CSMS.0109", "The secret state is not enabled.", http_status=403)

    def _view(self, secret):
        return {"name": secret["name"], "state": secret["state"], "secret_type": secret["secret_type"],
                "rotation_config": secret["rotation_config"], "description": secret["description"],
                "create_time": secret["create_time"]}

    def _metadata(self, secret, version):
        return {"id": version["id"], "create_time": version["create_time"], "secret_name": secret["name"],
                "version_stages": sorted(s for s, v in secret["stages"].items() if v == version["id"])}

    def _version(self, secret, version_id):
        if version_id == _csms_api.LATEST:
            return secret["versions"][-1]
        for version in secret["versions"]:
            if version["id"] == version_id:
                return version
        raise self._missing("version")

    def _set_stage(self, secret, stage, version_id, moves_previous=True, explicit=()):
        old = secret["stages"].get(stage)
        secret["stages"][stage] = version_id
        if (stage == CSMS_CURRENT and moves_previous and old is not None and old != version_id
                and CSMS_PREVIOUS not in explicit):
            secret["stages"][CSMS_PREVIOUS] = old

    def _trim(self, secret):
        while len(secret["versions"]) > 20:
            staged = set(secret["stages"].values())
            secret["versions"].remove(next(v for v in secret["versions"] if v["id"] not in staged))

    # -- secrets --

    def create_secret(self, name, secret_string, secret_type="COMMON", rotation_config=None, description=None):
        self._check("secret name", name)
        self.received.append(self._register(self._text(secret_string)))

        def action():
            if name in self.store:
                raise ProviderError("CSMS.0002", "The value of parameter is invalid. Parameter: name (a secret with "
                                    "this name already exists).", http_status=400)
            config = rotation_config if rotation_config is None or isinstance(rotation_config, str) else json.dumps(
                rotation_config, separators=(",", ":"), sort_keys=True)
            now = self._now()
            self.store[name] = {"name": name, "state": "ENABLED", "secret_type": secret_type,
                                "rotation_config": config, "description": description or "", "create_time": now,
                                "versions": [{"id": "v1", "value": secret_string, "create_time": now}],
                                "stages": {CSMS_CURRENT: "v1"}}
            return self._view(self.store[name])
        return self._run("create_secret", name, action, secret_string)

    def show_secret(self, name):
        return self._run("show_secret", name, lambda: self._view(self._secret(name)))

    def list_secrets(self):
        return self._run("list_secrets", None, lambda: [self._view(s) for _n, s in sorted(self.store.items())])

    def rotated_secrets(self):
        found = []
        for secret in self.list_secrets():
            instance = _csms_api.rotation_instance(secret)
            if instance:
                found.append((secret, instance[0], instance[1]))
        return found

    # -- versions --

    def create_version(self, name, secret_string, version_stages=None):
        self._check("secret name", name)
        self.received.append(self._register(self._text(secret_string)))
        if version_stages is not None:
            stages = list(version_stages)
            if not 1 <= len(stages) <= _csms_api.MAX_STAGES:
                raise ConfigError("InvalidParameter", "version_stages must name 1 to 12 stages")
            for stage in stages:
                self._check("stage name", stage)

        def action():
            secret = self._secret(name)
            self._usable(secret)
            stages = list(dict.fromkeys(version_stages if version_stages is not None else [CSMS_CURRENT]))
            if len(stages) > 12:
                raise PreconditionError("CSMS.0204", "The number of stage is greater than the quota limit.")
            if len(set(secret["stages"]) | set(stages)) > 12:
                raise PreconditionError("CSMS.0203", "The number of stage has reached the upper limit.")
            number = max(int(v["id"][1:]) for v in secret["versions"]) + 1
            version = {"id": "v%d" % number, "value": secret_string, "create_time": self._now()}
            secret["versions"].append(version)
            for stage in stages:
                self._set_stage(secret, stage, version["id"], explicit=stages)
            self._trim(secret)
            return self._metadata(secret, version)
        return self._run("create_version", name, action, secret_string)

    def show_version(self, name, version_id=None, stage=None):
        self._check("secret name", name)
        if version_id is None:
            version_id = self.show_stage(name, stage or CSMS_CURRENT).get("version_id")

        def action():
            secret = self._secret(name)
            self._usable(secret)
            version = self._version(secret, version_id)
            self.returned.append(self._register(version["value"]))
            return {"version_metadata": self._metadata(secret, version), "secret_string": version["value"]}
        return self._run("show_version", name, action)

    def list_versions(self, name):
        def action():
            secret = self._secret(name)
            return [self._metadata(secret, v) for v in secret["versions"]]
        return self._run("list_versions", name, action)

    # -- stages --

    def show_stage(self, name, stage):
        self._check("stage name", stage)

        def action():
            secret = self._secret(name)
            if stage not in secret["stages"]:
                raise self._missing("stage")
            return {"name": stage, "version_id": secret["stages"][stage], "secret_name": name,
                    "update_time": secret["create_time"]}
        return self._run("show_stage", name, action)

    def update_stage(self, name, stage, version_id):
        self._check("stage name", stage)
        if version_id == _csms_api.LATEST or not isinstance(version_id, str) or not re.fullmatch(
                r"v[0-9]{1,63}", version_id):
            raise ConfigError("InvalidParameter", "version id must be 'v' and 1 to 63 digits")

        def action():
            secret = self._secret(name)
            self._usable(secret)
            self._version(secret, version_id)
            if stage not in secret["stages"] and len(secret["stages"]) >= 12:
                raise PreconditionError("CSMS.0203", "The number of stage has reached the upper limit.")
            if secret["stages"].get(stage) != version_id:
                self._set_stage(secret, stage, version_id, moves_previous=self.moves_previous)
            return {"name": stage, "version_id": version_id, "secret_name": name, "update_time": self._now()}
        return self._run("update_stage", name, action)

    def delete_stage(self, name, stage):
        self._check("stage name", stage)
        if stage in (CSMS_CURRENT, CSMS_PREVIOUS):
            raise ConfigError("InvalidParameter", "%s is a built-in stage and cannot be deleted" % stage)

        def action():
            secret = self._secret(name)
            if stage not in secret["stages"]:
                raise self._missing("stage")
            del secret["stages"][stage]
        return self._run("delete_stage", name, action)


class FakeKmsApi(_Fake):
    """:class:`_kms_api.KmsApi` in memory (semantics: tests/emulator/kms.py)."""

    WRITES = ("create_secret", "put_secret_value", "update_version_stage")
    not_found_code = _kms_api.NOT_FOUND

    def _missing(self, what):
        return NotFoundError(_kms_api.NOT_FOUND, "The resource cannot be found (%s)." % what, http_status=404)

    @staticmethod
    def _check(kind, value):
        problem = _kms_api.secret_name_problem(value) if kind == "secret name" else _kms_api.token_problem(value, kind)
        if problem:
            raise ConfigError("InvalidParameter", problem)

    @staticmethod
    def _data(value):
        if not isinstance(value, str) or not value or len(value.encode("utf-8")) > _kms_api.MAX_DATA_BYTES:
            raise ConfigError("InvalidParameter", "secret_data must be a non-empty string of at most 30720 bytes")
        return value

    def _secret(self, name):
        self._check("secret name", name)
        if name not in self.store:
            raise self._missing("secret")
        return self.store[name]

    @staticmethod
    def _generic(secret, action):
        if secret["secret_type"] != "Generic":
            raise ProviderError("Rejected.UnsupportedOperation", "%s supports generic secrets only." % action,
                                http_status=400)

    def _version(self, secret, version_id):
        for version in secret["versions"]:
            if version["id"] == version_id:
                return version
        raise self._missing("version")

    @staticmethod
    def _stages_of(secret, version_id):
        return sorted(s for s, v in secret["stages"].items() if v == version_id)

    def _move(self, secret, stage, version_id, moves_previous=True, explicit=()):
        old = secret["stages"].get(stage)
        secret["stages"][stage] = version_id
        if stage == KMS_CURRENT and moves_previous and old is not None and old != version_id \
                and KMS_PREVIOUS not in explicit:
            secret["stages"][KMS_PREVIOUS] = old

    def _trim(self, secret):
        while len(secret["versions"]) > 10:
            keep = set(secret["stages"].get(s) for s in (KMS_CURRENT, KMS_PREVIOUS))
            oldest = next(v for v in secret["versions"] if v["id"] not in keep)
            secret["versions"].remove(oldest)
            for stage in [s for s, v in secret["stages"].items() if v == oldest["id"]]:
                del secret["stages"][stage]

    @staticmethod
    def _limit():
        return ProviderError("Rejected.LimitExceeded", "The total number of version stages cannot exceed 8.",
                             http_status=400)

    # -- actions --

    def create_secret(self, name, secret_data, version_id, secret_type="Generic", extended_config=None,
                      description=None):
        self._check("secret name", name)
        self._check("version id", version_id)
        self.received.append(self._register(self._data(secret_data)))

        def action():
            if name in self.store:
                raise ProviderError(_kms_api.CONFLICT, "The resource already exists.", http_status=409)
            config = extended_config if extended_config is None or isinstance(extended_config, str) else json.dumps(
                extended_config, separators=(",", ":"), sort_keys=True)
            self.store[name] = {"name": name, "secret_type": secret_type, "extended_config": config,
                                "description": description or "",
                                "versions": [{"id": version_id, "value": secret_data, "create_time": self._now()}],
                                "stages": {KMS_CURRENT: version_id}}
            return {"Arn": "acs:kms:cn-hangzhou:1234567890123456:secret/%s" % name, "SecretName": name,
                    "SecretType": secret_type, "VersionId": version_id}
        return self._run("create_secret", name, action, secret_data)

    def put_secret_value(self, name, secret_data, version_id, version_stages=None):
        self._check("secret name", name)
        self._check("version id", version_id)
        self.received.append(self._register(self._data(secret_data)))
        if version_stages is not None:
            if not 1 <= len(list(version_stages)) <= _kms_api.MAX_STAGES:
                raise ConfigError("InvalidParameter", "version_stages must name 1 to 8 stages")
            for stage in version_stages:
                self._check("stage name", stage)

        def action():
            secret = self._secret(name)
            self._generic(secret, "PutSecretValue")
            stages = list(dict.fromkeys(version_stages)) if version_stages is not None else [KMS_CURRENT]
            existing = next((v for v in secret["versions"] if v["id"] == version_id), None)
            if existing is not None:
                if existing["value"] != secret_data:
                    raise ProviderError(_kms_api.CONFLICT, "The resource already exists (VersionId with different "
                                        "SecretData).", http_status=409)
                return {"SecretName": name, "VersionId": version_id,
                        "VersionStages": self._stages_of(secret, version_id)}
            if len(set(secret["stages"]) | set(stages)) > _kms_api.MAX_STAGES:
                raise self._limit()
            secret["versions"].append({"id": version_id, "value": secret_data, "create_time": self._now()})
            for stage in stages:
                self._move(secret, stage, version_id, explicit=stages)
            self._trim(secret)
            return {"SecretName": name, "VersionId": version_id, "VersionStages": self._stages_of(secret, version_id)}
        return self._run("put_secret_value", name, action, secret_data)

    def get_secret_value(self, name, version_id=None, version_stage=None, fetch_extended_config=False):
        self._check("secret name", name)
        if version_id is not None:
            self._check("version id", version_id)
        if version_stage is not None:
            self._check("stage name", version_stage)

        def action():
            secret = self._secret(name)
            if version_id is not None and secret["secret_type"] == "Generic":
                version = self._version(secret, version_id)
                if version_stage and secret["stages"].get(version_stage) != version_id:
                    raise self._missing("version stage")
            else:
                target = secret["stages"].get(version_stage or KMS_CURRENT)
                if target is None:
                    raise self._missing("version stage")
                version = self._version(secret, target)
            self.returned.append(self._register(version["value"]))
            return {"SecretName": name, "SecretType": secret["secret_type"], "SecretData": version["value"],
                    "SecretDataType": "text", "VersionId": version["id"], "CreateTime": "2026-01-01T00:00:00Z",
                    "VersionStages": self._stages_of(secret, version["id"])}
        return self._run("get_secret_value", name, action)

    def update_version_stage(self, name, stage, move_to_version=None, remove_from_version=None):
        self._check("secret name", name)
        self._check("stage name", stage)
        if move_to_version is None and remove_from_version is None:
            raise ConfigError("InvalidParameter", "give move_to_version, remove_from_version or both")
        for value in (move_to_version, remove_from_version):
            if value is not None:
                self._check("version id", value)
        if stage in (KMS_CURRENT, KMS_PREVIOUS) and move_to_version is None:
            raise ConfigError("InvalidParameter", "%s can only be moved (give move_to_version)" % stage)

        def action():
            secret = self._secret(name)
            self._generic(secret, "UpdateSecretVersionStage")
            if remove_from_version is not None:
                self._version(secret, remove_from_version)
                if secret["stages"].get(stage) != remove_from_version:
                    raise ProviderError("InvalidParameter", "The specified parameter RemoveFromVersion is not valid.",
                                        http_status=400)
            if move_to_version is not None:
                self._version(secret, move_to_version)
                if stage not in secret["stages"] and len(secret["stages"]) >= _kms_api.MAX_STAGES:
                    raise self._limit()
                self._move(secret, stage, move_to_version, moves_previous=self.moves_previous)
            else:
                del secret["stages"][stage]
            return {"SecretName": name}
        return self._run("update_version_stage", name, action)

    def list_version_ids(self, name, include_deprecated=False):
        def action():
            secret = self._secret(name)
            return [{"VersionId": v["id"], "CreateTime": "2026-01-01T00:00:00Z",
                     "VersionStages": self._stages_of(secret, v["id"])}
                    for v in secret["versions"] if include_deprecated or self._stages_of(secret, v["id"])]
        return self._run("list_version_ids", name, action)

    def describe_secret(self, name):
        def action():
            secret = self._secret(name)
            out = {"SecretName": name, "SecretType": secret["secret_type"], "Description": secret["description"],
                   "Arn": "acs:kms:cn-hangzhou:1234567890123456:secret/%s" % name}
            if secret["secret_type"] != "Generic":
                out.update(ExtendedConfig=secret["extended_config"], AutomaticRotation="Enabled")
            return out
        return self._run("describe_secret", name, action)

    def list_secrets(self, secret_types=None):
        return self._run("list_secrets", None, lambda: [
            {"SecretName": s["name"], "SecretType": s["secret_type"]} for _n, s in sorted(self.store.items())
            if not secret_types or s["secret_type"] in secret_types])

    def managed_secrets(self, secret_types=_kms_api.MANAGED_TYPES):
        return [(e["SecretName"], e["SecretType"], _kms_api.extended_config(self.describe_secret(e["SecretName"])))
                for e in self.list_secrets(secret_types)]


# --- the real adapters on the fakes ---------------------------------------------------------------------------------


class CsmsBridge(object):
    """A ``HuaweiClient`` serving :class:`_csms_api.CsmsApi`'s requests from a :class:`FakeCsmsApi`."""

    secrets = ()
    BASE = "/v1/{project_id}/secrets"

    def __init__(self, fake):
        self.fake, self.count = fake, 0

    def request(self, service, method, path, query=None, body=None, write=False, target=None, path_params=None):
        assert service == "kms" and path.startswith(self.BASE), (service, path)
        assert write == (method in ("POST", "PUT", "DELETE")), (method, path, write)
        params, tail, fake = dict(path_params or {}), path[len(self.BASE):], self.fake
        name = params.get("secret_name")
        self.count += 1
        if (method, tail) == ("POST", ""):
            data = {"secret": fake.create_secret(body["name"], body["secret_string"], body.get("secret_type", "COMMON"),
                                                 body.get("rotation_config"), body.get("description"))}
        elif (method, tail) == ("GET", ""):
            data = {"secrets": fake.list_secrets() if not dict(query or ()).get("marker") else [],
                    "page_info": {"next_marker": None}}
        elif (method, tail) == ("GET", "/{secret_name}"):
            data = {"secret": fake.show_secret(name)}
        elif (method, tail) == ("POST", "/{secret_name}/versions"):
            data = {"version_metadata": fake.create_version(name, body["secret_string"], body.get("version_stages"))}
        elif (method, tail) == ("GET", "/{secret_name}/versions"):
            data = {"version_metadatas": fake.list_versions(name), "page_info": {"next_marker": None}}
        elif (method, tail) == ("GET", "/{secret_name}/versions/{version_id}"):
            version = fake.show_version(name, version_id=params["version_id"])
            data = {"version": version}
        elif (method, tail) == ("GET", "/{secret_name}/stages/{stage_name}"):
            data = {"stage": fake.show_stage(name, params["stage_name"])}
        elif (method, tail) == ("PUT", "/{secret_name}/stages/{stage_name}"):
            data = {"stage": fake.update_stage(name, params["stage_name"], body["version_id"])}
        elif (method, tail) == ("DELETE", "/{secret_name}/stages/{stage_name}"):
            fake.delete_stage(name, params["stage_name"])
            data = {}
        else:
            raise AssertionError("unexpected request %s %s" % (method, path))
        return ApiResult(data, "req-%d" % self.count, 200)


class KmsBridge(object):
    """An ``AlibabaClient`` serving :class:`_kms_api.KmsApi`'s actions from a :class:`FakeKmsApi` (stage lists in
    the API's ``{"VersionStage": [...]}`` form)."""

    secrets = ()
    WRITES = ("CreateSecret", "UpdateSecretVersionStage")

    def __init__(self, fake):
        self.fake, self.count = fake, 0

    @staticmethod
    def _wrap(item):
        if isinstance(item, dict) and isinstance(item.get("VersionStages"), list):
            item = dict(item, VersionStages={"VersionStage": item["VersionStages"]})
        return item

    def call(self, action, params=None, secret_params=None, write=False, target=None):
        assert write == (action in self.WRITES), (action, write)
        p = dict((k, v) for k, v in list(params or []) if v is not None)
        data = dict(secret_params or []).get("SecretData")
        assert "SecretData" not in p  # only in the form body
        fake, name = self.fake, p.get("SecretName")
        self.count += 1
        first = int(p.get("PageNumber", 1)) == 1
        if action == "CreateSecret":
            out = fake.create_secret(name, data, p["VersionId"], p.get("SecretType", "Generic"),
                                     p.get("ExtendedConfig"), p.get("Description"))
        elif action == "PutSecretValue":
            stages = json.loads(p["VersionStages"]) if "VersionStages" in p else None
            out = self._wrap(fake.put_secret_value(name, data, p["VersionId"], stages))
        elif action == "GetSecretValue":
            out = self._wrap(fake.get_secret_value(name, p.get("VersionId"), p.get("VersionStage")))
        elif action == "UpdateSecretVersionStage":
            out = fake.update_version_stage(name, p["VersionStage"], p.get("MoveToVersion"), p.get("RemoveFromVersion"))
        elif action == "ListSecretVersionIds":
            versions = fake.list_version_ids(name, bool(p.get("IncludeDeprecated"))) if first else []
            out = {"VersionIds": {"VersionId": [self._wrap(v) for v in versions]}, "TotalCount": len(versions)}
        elif action == "DescribeSecret":
            out = fake.describe_secret(name)
        elif action == "ListSecrets":
            types = json.loads(p["Filters"])[0]["Values"] if "Filters" in p else None
            found = fake.list_secrets(types) if first else []
            out = {"SecretList": {"Secret": found}, "TotalCount": len(found)}
        else:
            raise AssertionError("unexpected action %s" % action)
        return ApiResult(out, "req-%d" % self.count, 200)


class CloudServices(object):
    """What :func:`_stores.open_store` needs of :class:`_services.Services`: ``api_client`` and ``secrets``
    (everything else is the wrapped services', e.g. the world's)."""

    def __init__(self, cloud, secrets, inner=None):
        self.cloud, self.secrets, self.inner, self.clients = cloud, secrets, inner, []

    def api_client(self, name, factory=None):
        assert name == ("huaweicloud" if factory is None else "alicloud")
        assert factory in (None, _kms_api.kms_client)
        client = CsmsBridge(self.cloud.csms) if name == "huaweicloud" else KmsBridge(self.cloud.kms)
        self.clients.append(client)
        return client

    def __getattr__(self, attr):
        return getattr(self.inner, attr)


class Cloud(object):
    """A fake CSMS and a fake KMS, and stores on them: each :meth:`store` is a new store object (a new run)."""

    def __init__(self, moves_previous=True):
        self.csms = FakeCsmsApi(moves_previous=moves_previous)
        self.kms = FakeKmsApi(moves_previous=moves_previous)
        self.redaction = set()  # the run's redaction set: add_secret of the store's API

    def api(self, kind):
        return self.csms if kind == "csms" else self.kms

    def store(self, kind, via="fake", fmt="password", secret=SECRET, fields=None):
        fields = FIELDS if fields is None else fields
        if via == "fake":
            api = self.api(kind)
            api._add_secret = self.redaction.add
            return (CsmsStore if kind == "csms" else KmsStore)(api, secret, Codec(fmt, fields))
        self.csms._add_secret = self.kms._add_secret = None  # only the real adapter registers
        settings = {"store": kind, "store_secret": secret, "store_format": fmt, "state_dir": "/nonexistent"}
        store = open_store(settings, CloudServices(self, self.redaction), NAME, fields)
        assert isinstance(store.api, _csms_api.CsmsApi if kind == "csms" else _kms_api.KmsApi)
        return store

    def current_stage(self, kind):
        return CSMS_CURRENT if kind == "csms" else KMS_CURRENT

    def previous_stage(self, kind):
        return CSMS_PREVIOUS if kind == "csms" else KMS_PREVIOUS


def rotate(cloud, kind, via, rotation_id, new, fmt="password", fresh=True):
    """One rotation as the engine does it: read, put_pending, promote (each on a new store when ``fresh``)."""
    store = cloud.store(kind, via, fmt)
    document = store.read()
    current = document.get("current") or OLD
    store.put_pending(NAME, current, document.get("previous"), entry(rotation_id, new))
    if fresh:
        store = cloud.store(kind, via, fmt)
        store.read()
    return store.promote(NAME, rotation_id, new, current)


@pytest.fixture(params=KINDS)
def kind(request):
    return request.param


@pytest.fixture(params=VIAS)
def via(request):
    return request.param


@pytest.fixture
def cloud():
    return Cloud()


# --- the fakes keep the services' documented semantics -------------------------------------------------------------


@pytest.mark.parametrize("moves_previous", [True, False])
def test_fake_csms_stages_versions_and_limits(moves_previous):
    api = FakeCsmsApi(moves_previous=moves_previous)
    api.create_secret(SECRET, "value-1")
    api.create_version(SECRET, "value-2")  # no stages: SYSCURRENT, and the old one SYSPREVIOUS
    assert api.stages() == {CSMS_CURRENT: "v2", CSMS_PREVIOUS: "v1"}
    api.create_version(SECRET, "value-3", version_stages=["own"])
    assert api.stages()["own"] == "v3" and api.stages()[CSMS_CURRENT] == "v2"
    api.create_version(SECRET, "value-4", version_stages=["own"])  # a stage marks one version
    assert api.stages()["own"] == "v4"
    api.update_stage(SECRET, CSMS_CURRENT, "v4")
    assert api.stages()[CSMS_PREVIOUS] == ("v2" if moves_previous else "v1")
    assert api.show_version(SECRET)["secret_string"] == "value-4"
    assert api.show_version(SECRET, version_id="latest")["version_metadata"]["id"] == "v4"
    for n in range(9):  # 12 stages at most
        api.update_stage(SECRET, "s%d" % n, "v1")
    with pytest.raises(PreconditionError) as info:
        api.update_stage(SECRET, "s-13", "v1")
    assert info.value.code == "CSMS.0203"
    with pytest.raises(PreconditionError):
        api.create_version(SECRET, "value-5", version_stages=["another"])
    with pytest.raises(ConfigError):
        api.create_version(SECRET, "value-5", version_stages=["x%d" % n for n in range(13)])
    with pytest.raises(ConfigError):
        api.delete_stage(SECRET, CSMS_CURRENT)
    api.delete_stage(SECRET, "own")
    with pytest.raises(NotFoundError):
        api.show_stage(SECRET, "own")
    for n in range(30):  # 20 versions at most: the oldest without a stage goes
        api.create_version(SECRET, "more-%d" % n, version_stages=["s0"])
    assert len(api.version_ids()) == 20 and set(api.stages().values()) <= set(api.version_ids())
    assert ("v2" in api.version_ids()) == moves_previous  # v2 kept only as SYSPREVIOUS


@pytest.mark.parametrize("moves_previous", [True, False])
def test_fake_kms_version_ids_stages_and_limits(moves_previous):
    api = FakeKmsApi(moves_previous=moves_previous)
    api.create_secret(SECRET, "value-1", "a")
    assert api.put_secret_value(SECRET, "value-2", "b")["VersionStages"] == [KMS_CURRENT]
    assert api.stages() == {KMS_CURRENT: "b", KMS_PREVIOUS: "a"}
    api.put_secret_value(SECRET, "value-3", "c", version_stages=["Own"])
    assert api.put_secret_value(SECRET, "value-3", "c", version_stages=["Own"])["VersionStages"] == ["Own"]
    with pytest.raises(ProviderError) as info:
        api.put_secret_value(SECRET, "value-x", "c", version_stages=["Own"])
    assert info.value.code == "Rejected.ResourceExist"
    api.update_version_stage(SECRET, KMS_CURRENT, move_to_version="c", remove_from_version="b")
    assert api.stages()[KMS_PREVIOUS] == ("b" if moves_previous else "a")
    with pytest.raises(ConfigError):
        api.update_version_stage(SECRET, KMS_PREVIOUS, remove_from_version="a")  # only moved
    with pytest.raises(ProviderError) as info:
        api.update_version_stage(SECRET, "Own", remove_from_version="a")  # not on that version
    assert info.value.code == "InvalidParameter"
    api.update_version_stage(SECRET, "Own", remove_from_version="c")
    assert "Own" not in api.stages()
    for n in range(6):
        api.update_version_stage(SECRET, "S%d" % n, move_to_version="a")
    with pytest.raises(ProviderError) as info:  # 8 stages at most
        api.update_version_stage(SECRET, "S9", move_to_version="a")
    assert info.value.code == "Rejected.LimitExceeded"
    assert api.get_secret_value(SECRET)["SecretData"] == "value-3"
    assert [v["VersionId"] for v in api.list_version_ids(SECRET, include_deprecated=True)] == ["a", "b", "c"]
    assert [v["VersionId"] for v in api.list_version_ids(SECRET)] == (["a", "b", "c"] if moves_previous else ["a", "c"])
    for n in range(12):  # 10 versions at most: the earliest not current or previous goes
        api.put_secret_value(SECRET, "more-%d" % n, "m%d" % n, version_stages=["S0"])
    assert len(api.version_ids()) == 10 and "c" in api.version_ids()
    with pytest.raises(NotFoundError):
        api.describe_secret("another")


# --- reading and writing the document -------------------------------------------------------------------------------


def test_an_absent_secret_reads_as_an_empty_document(cloud, kind, via):
    store = cloud.store(kind, via)
    assert store.read() == {} and store.exists is False
    assert cloud.api(kind).writes() == [] and cloud.api(kind).store == {}


def test_put_pending_creates_the_secret_with_the_current_password_then_the_pending_version(cloud, kind, via):
    store = cloud.store(kind, via)
    store.read()
    document = store.put_pending(NAME, OLD, None, entry("r1", NEW))

    assert document["current"] == OLD and document["pending"]["password"] == NEW
    api = cloud.api(kind)
    assert [c[0] for c in api.writes()] == (["create_secret", "create_version"] if kind == "csms"
                                            else ["create_secret", "put_secret_value"])
    stages = api.stages()
    first, pending = api.version_ids()
    assert stages[cloud.current_stage(kind)] == first and api.value_of(first) == OLD
    assert api.value_of(pending) == NEW
    if kind == "csms":
        assert stages == {CSMS_CURRENT: first, "credrotate-r1": pending}
    else:
        assert pending == "r1" and first == _stores.KMS_INITIAL
        assert stages == {KMS_CURRENT: first, KMS_PENDING: "r1"}


def test_a_resumed_run_reads_the_same_pending_password_and_rotation_id(cloud, kind, via):
    first = cloud.store(kind, via)
    first.read()
    first.put_pending(NAME, OLD, None, entry("r1", NEW))

    again = cloud.store(kind, via).read()

    assert again["pending"] == {"rotation_id": "r1", "password": NEW, "source": "stored"}
    assert again["current"] == OLD and again["previous"] is None
    assert again["completed_rotation_id"] != "r1"


@pytest.mark.parametrize("moves_previous", [True, False], ids=["moves-previous", "previous-stays"])
@pytest.mark.parametrize("same_store", [False, True], ids=["resumed-store", "same-store"])
def test_promote_makes_new_current_and_old_previous_with_nothing_pending(kind, via, moves_previous, same_store):
    cloud = Cloud(moves_previous)
    rotate(cloud, kind, via, "r1", PW[1], fresh=False)  # the secret exists from here on
    document = rotate(cloud, kind, via, "r2", PW[2], fresh=not same_store)

    assert (document["current"], document["previous"], document["pending"]) == (PW[2], PW[1], None)
    assert document["completed_rotation_id"] == "r2"
    again = cloud.store(kind, via).read()
    assert (again["current"], again["previous"], again.get("pending")) == (PW[2], PW[1], None)
    assert again["completed_rotation_id"] == "r2"
    api = cloud.api(kind)
    if kind == "csms":  # the earlier rotation's stage is gone, the promoted one's stage stays on SYSCURRENT
        current = api.stages()[CSMS_CURRENT]
        assert dict((s, v) for s, v in api.stages().items() if s.startswith("credrotate-")) == {"credrotate-r2": current}
    else:
        assert set(api.stages()) == {KMS_CURRENT, KMS_PREVIOUS} and api.stages()[KMS_CURRENT] == "r2"


@pytest.mark.parametrize("moves_previous", [True, False], ids=["moves-previous", "previous-stays"])
def test_the_first_rotation_keeps_the_initial_password_as_previous(kind, via, moves_previous):
    cloud = Cloud(moves_previous)
    document = rotate(cloud, kind, via, "r1", NEW, fresh=False)  # one run: create, pending, promote

    assert (document["current"], document["previous"]) == (NEW, OLD)
    again = cloud.store(kind, via).read()
    assert (again["current"], again["previous"], again.get("pending")) == (NEW, OLD, None)


@pytest.mark.parametrize("moves_previous", [True, False], ids=["moves-previous", "previous-stays"])
def test_thirty_rotations_never_break_the_stage_and_version_limits(kind, via, moves_previous):
    """30 rotations, each a fresh run: current/previous follow, only the last rotation's own stage is left, and the
    secret never holds more stages or versions than the service allows (12/20 CSMS, 8/10 KMS)."""
    cloud = Cloud(moves_previous)
    api = cloud.api(kind)
    rotate(cloud, kind, via, "r0", PW[0], fresh=False)
    for n in range(1, 31):
        rotate(cloud, kind, via, "r%d" % n, PW[n])
        document = cloud.store(kind, via).read()
        assert (document["current"], document["previous"], document.get("pending")) == (PW[n], PW[n - 1], None), n
        assert document["completed_rotation_id"] == "r%d" % n
        stages = api.stages()
        if kind == "csms":
            assert sorted(s for s in stages if s.startswith("credrotate-")) == ["credrotate-r%d" % n]
            assert stages["credrotate-r%d" % n] == stages[CSMS_CURRENT]
            assert len(stages) <= 12 and len(api.version_ids()) <= 20
        else:
            assert set(stages) == {KMS_CURRENT, KMS_PREVIOUS}
            assert len(stages) <= 8 and len(api.version_ids()) <= 10
    limits = (4, 20) if kind == "csms" else (3, 10)  # SYSCURRENT, SYSPREVIOUS and at most two credrotate- stages
    assert api.high["stages"] <= limits[0] and api.high["versions"] <= limits[1], api.high
    assert api.high["versions"] == limits[1]  # the service's own trimming was exercised


def test_drop_pending_removes_the_pending_password(cloud, kind, via):
    rotate(cloud, kind, via, "r1", PW[1])
    store = cloud.store(kind, via)
    store.read()
    store.put_pending(NAME, PW[1], OLD, entry("r2", PW[2]))

    document = store.drop_pending("r2")

    assert document["pending"] is None
    again = cloud.store(kind, via).read()
    assert (again["current"], again["previous"], again.get("pending")) == (PW[1], OLD, None)
    assert again["completed_rotation_id"] == "r1"
    stages = cloud.api(kind).stages()
    assert "credrotate-r2" not in stages and KMS_PENDING not in stages
    # a drop after a run that already dropped it (a resumed rollback) is fine
    cloud.store(kind, via).drop_pending("r2")


def test_a_new_rotation_after_a_dropped_one_completes(cloud, kind, via):
    rotate(cloud, kind, via, "r1", PW[1])
    store = cloud.store(kind, via)
    store.read()
    store.put_pending(NAME, PW[1], OLD, entry("r2", PW[2]))
    store.drop_pending("r2")

    rotate(cloud, kind, via, "r3", PW[3])

    again = cloud.store(kind, via).read()
    assert (again["current"], again["previous"], again.get("pending"), again["completed_rotation_id"]) == (
        PW[3], PW[1], None, "r3")


@pytest.mark.parametrize("kind_", [
    "csms",
    "kms",
])
def test_a_rolled_back_rotation_retried_under_its_own_id_stores_its_new_password(cloud, via, kind_):
    rotate(cloud, kind_, via, "r1", PW[1])
    store = cloud.store(kind_, via)
    store.read()
    store.put_pending(NAME, PW[1], OLD, entry("r2", PW[2]))
    store.drop_pending("r2")

    retry = cloud.store(kind_, via)
    assert retry.read().get("pending") is None
    retry.put_pending(NAME, PW[1], OLD, entry("r2", PW[3]))

    again = cloud.store(kind_, via).read()
    assert again["pending"] == {"rotation_id": "r2", "password": PW[3], "source": "stored"}


def test_kms_regeneration_uses_a_version_of_its_own_under_the_same_rotation(cloud, via):
    store = cloud.store("kms", via)
    store.read()
    store.put_pending(NAME, OLD, None, entry("r1", PW[1]))
    store.put_pending(NAME, OLD, None, entry("r1", PW[2], "regenerated"))  # the policy refused PW[1]

    assert cloud.kms.version_ids() == [_stores.KMS_INITIAL, "r1", "r1.2"]
    assert cloud.kms.stages()[KMS_PENDING] == "r1.2"
    resumed = cloud.store("kms", via)
    document = resumed.read()
    assert document["pending"] == {"rotation_id": "r1", "password": PW[2], "source": "stored"}
    resumed.put_pending(NAME, OLD, None, entry("r1", PW[3], "regenerated"))  # regenerated again after a resume
    assert cloud.kms.version_ids()[-1] == "r1.3"

    final = cloud.store("kms", via)
    final.read()
    final.promote(NAME, "r1", PW[3], OLD)
    again = cloud.store("kms", via).read()
    assert (again["current"], again["previous"], again.get("pending")) == (PW[3], OLD, None)
    assert again["completed_rotation_id"] == "r1"


def test_csms_regeneration_moves_the_rotation_stage_to_the_new_version(cloud, via):
    store = cloud.store("csms", via)
    store.read()
    store.put_pending(NAME, OLD, None, entry("r1", PW[1]))
    store.put_pending(NAME, OLD, None, entry("r1", PW[2], "regenerated"))

    assert cloud.csms.stages()["credrotate-r1"] == "v3"
    document = cloud.store("csms", via).read()
    assert document["pending"] == {"rotation_id": "r1", "password": PW[2], "source": "stored"}


def test_kms_put_pending_again_with_the_same_password_changes_nothing(cloud, via):
    """A repeated PutSecretValue (same VersionId, same data) succeeds and changes nothing: the rotation id is the key."""
    store = cloud.store("kms", via)
    store.read()
    store.put_pending(NAME, OLD, None, entry("r1", PW[1]))
    before = (cloud.kms.version_ids(), cloud.kms.stages())
    cloud.kms.put_secret_value(SECRET, PW[1], "r1", version_stages=[KMS_PENDING])
    assert (cloud.kms.version_ids(), cloud.kms.stages()) == before
    with pytest.raises(ProviderError) as info:
        cloud.kms.put_secret_value(SECRET, PW[9], "r1", version_stages=[KMS_PENDING])
    assert info.value.code == "Rejected.ResourceExist" and PW[9] not in "%s" % info.value


def test_csms_with_two_pending_stages_refuses_naming_both(cloud, via):
    rotate(cloud, "csms", via, "r1", PW[1])
    cloud.csms.create_version(SECRET, PW[2], version_stages=["credrotate-a1"])
    cloud.csms.create_version(SECRET, PW[3], version_stages=["credrotate-b2"])

    with pytest.raises(StoreError) as info:
        cloud.store("csms", via).read()

    message = "%s" % info.value
    assert "credrotate-a1" in message and "credrotate-b2" in message and SECRET in message
    assert not any(p in message for p in (OLD, PW[1], PW[2], PW[3]))


def rotate_promote(cloud, kind, via, rotation_id, new, old):
    store = cloud.store(kind, via)
    store.read()
    return store.promote(NAME, rotation_id, new, old)


def crash_at(api, number, after):
    """The ``number``-th write call from now on fails: before it changes anything, or ``after`` it (answer lost)."""
    count = [0]

    def wrap(original):
        def wrapper(*args, **kwargs):
            count[0] += 1
            if count[0] == number:
                if after:
                    original(*args, **kwargs)
                raise ProviderError("Service.Unavailable", "the service is unavailable", http_status=503)
            return original(*args, **kwargs)
        return wrapper
    for method in api.WRITES:
        setattr(api, method, wrap(getattr(api, method)))


def promote_crash_cases():
    """(kind, moves_previous, write number, after) for every write a promote makes."""
    cases = []
    for kind_ in KINDS:
        for moves in (True, False):
            for number in (1, 2, 3):
                for after in (False, True):
                    cases.append(pytest.param(kind_, moves, number, after, id="%s-%s-write%d-%s" % (
                        kind_, "moves" if moves else "stays", number, "answer-lost" if after else "refused")))
    return cases


@pytest.mark.parametrize("kind_,moves_previous,number,after", promote_crash_cases())
def test_a_promote_stopped_at_any_write_is_finished_by_the_next_run(via, kind_, moves_previous, number, after):
    """Rotation r2 (after a completed r1) stops at the n-th write of its promote, before the change or after it (the
    answer lost); the next run reads the secret and, when r2 is still pending, promotes it again. The end is always
    current = r2's password, previous = r1's, nothing pending, completed r2."""
    cloud = Cloud(moves_previous)
    rotate(cloud, kind_, via, "r1", PW[1])
    store = cloud.store(kind_, via)
    store.read()
    store.put_pending(NAME, PW[1], OLD, entry("r2", PW[2]))
    crash_at(cloud.api(kind_), number, after)
    try:
        rotate_promote(cloud, kind_, via, "r2", PW[2], PW[1])
    except StoreError as err:
        assert "%s secret %s" % (kind_.upper(), SECRET) in "%s" % err
    again = cloud.store(kind_, via).read()
    if again.get("pending"):
        assert again["pending"]["rotation_id"] == "r2", "rotation %s came back as pending" % (
            again["pending"]["rotation_id"])
        rotate_promote(cloud, kind_, via, "r2", PW[2], PW[1])
        again = cloud.store(kind_, via).read()
    assert (again["current"], again["previous"], again.get("pending")) == (PW[2], PW[1], None)
    assert again["completed_rotation_id"] == "r2"


@pytest.mark.parametrize("moves_previous", [True, False], ids=["moves-previous", "previous-stays"])
def test_csms_a_failed_cleanup_of_the_earlier_stage_does_not_resurrect_that_rotation(via, moves_previous):
    cloud = Cloud(moves_previous)
    rotate(cloud, "csms", via, "r1", PW[1])
    store = cloud.store("csms", via)
    store.read()
    store.put_pending(NAME, PW[1], OLD, entry("r2", PW[2]))
    cloud.csms.fail("delete_stage", code="CSMS.0301", message="throttled")
    with pytest.raises(StoreError):
        rotate_promote(cloud, "csms", via, "r2", PW[2], PW[1])

    again = cloud.store("csms", via).read()

    assert (again.get("pending") or {}).get("rotation_id") in (None, "r2"), "rotation %s came back as pending" % (
        again["pending"]["rotation_id"])


def test_kms_promote_of_another_rotation_is_refused(cloud, via):
    store = cloud.store("kms", via)
    store.read()
    store.put_pending(NAME, OLD, None, entry("r1", PW[1]))
    with pytest.raises(StoreError) as info:
        cloud_store = cloud.store("kms", via)
        cloud_store.read()
        cloud_store.promote(NAME, "r9", PW[1], OLD)
    assert "r9" in "%s" % info.value and PW[1] not in "%s" % info.value


# --- errors: the secret named, no password --------------------------------------------------------------------------


OPERATIONS = {
    # operation: (failing method on CSMS, on KMS)
    "read": ("show_version", "get_secret_value"),
    "put_pending": ("create_version", "put_secret_value"),
    "promote": ("update_stage", "update_version_stage"),
    "drop_pending": ("delete_stage", "update_version_stage"),
}


@pytest.mark.parametrize("operation", sorted(OPERATIONS))
@pytest.mark.parametrize("echo", [False, True], ids=["plain", "echoing-the-value"])
def test_a_cloud_error_is_a_store_error_naming_the_secret_and_no_password(cloud, kind, via, operation, echo):
    canary = "Canary-Pw-%s-%s-1!" % (kind, operation)
    rotate(cloud, kind, via, "r1", PW[1])
    store = cloud.store(kind, via)
    store.read()
    if operation != "put_pending":
        store.put_pending(NAME, PW[1], OLD, entry("r2", canary))
    api = cloud.api(kind)
    # raw: the fake does not redact; on the adapter path the real adapter must
    api.fail(OPERATIONS[operation][kind == "kms"], code="Svc.Broken", message="broken", echo=echo,
             raw=via == "adapter")

    with pytest.raises(StoreError) as info:
        if operation == "read":
            store.read()
        elif operation == "put_pending":
            store.put_pending(NAME, PW[1], OLD, entry("r2", canary))
        elif operation == "promote":
            store.promote(NAME, "r2", canary, PW[1])
        else:
            store.drop_pending("r2")

    message = "%s" % info.value
    assert ("%s secret %s" % (kind.upper(), SECRET)) in message and "Svc.Broken" in message
    for password in (canary, OLD, PW[1]):
        assert password not in message, (password, message)
    if echo:  # the service echoed the value: it is masked
        assert "********" in message


def test_a_store_error_reads_as_a_sentence(cloud, kind):
    cloud.api(kind).fail("create_secret", code="Svc.Down", message="down")
    store = cloud.store(kind)
    store.read()
    with pytest.raises(StoreError) as info:
        store.put_pending(NAME, OLD, None, entry("r1", NEW))
    assert "%s" % info.value == ("Storing the pending password in the %s secret %s failed: Svc.Down: down (HTTP 503)"
                                 % (kind.upper(), SECRET))


def test_a_store_error_wraps_only_collection_errors(cloud, kind):
    """An unexpected exception (a defect) is not turned into a StoreError that would hide it."""
    store = cloud.store(kind)

    def broken(name):
        raise KeyError("a defect")
    setattr(cloud.api(kind), "show_secret" if kind == "csms" else "describe_secret", broken)
    with pytest.raises(KeyError):
        store.read()


def test_a_missing_secret_is_a_not_found_error_of_the_service(cloud):
    for api, method in ((cloud.csms, "show_secret"), (cloud.kms, "describe_secret")):
        with pytest.raises(NotFoundError) as info:
            getattr(api, method)(SECRET)
        assert info.value.code == api.not_found_code
        assert (_csms_api.is_missing if api is cloud.csms else _kms_api.is_missing)(info.value)


# --- redaction ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["password", "json"])
def test_every_value_sent_or_read_reaches_add_secret(kind, fmt):
    """On the real adapter: every value the store sends to the service or reads from it is in the run's redaction
    set (the adapter's add_secret, which open_store wires to services.secrets)."""
    cloud = Cloud()
    rotate(cloud, kind, "adapter", "r1", PW[1], fmt=fmt)
    rotate(cloud, kind, "adapter", "r2", PW[2], fmt=fmt)
    cloud.store(kind, "adapter", fmt).read()
    api = cloud.api(kind)
    values = set(api.received) | set(api.returned)
    assert values and values <= cloud.redaction, values - cloud.redaction
    if fmt == "json":
        assert all(json.loads(v)["password"] in (OLD, PW[1], PW[2]) for v in values)


def test_open_store_wires_the_adapters_add_secret_to_the_services_secrets(kind):
    cloud = Cloud()
    services = CloudServices(cloud, set())
    store = open_store({"store": kind, "state_dir": "/x"}, services, NAME, FIELDS)
    assert store.secret == SECRET and store.kind == kind
    store.api._register("a-value-1")
    assert services.secrets == {"a-value-1"}


def test_a_password_read_from_a_json_value_reaches_add_secret(kind):
    cloud = Cloud()
    rotate(cloud, kind, "adapter", "r1", PW[1], fmt="json")
    cloud.redaction.clear()
    document = cloud.store(kind, "adapter", "json").read()
    assert document["current"] == PW[1]
    assert {PW[1], OLD} <= cloud.redaction


# --- the codec ------------------------------------------------------------------------------------------------------


def test_codec_password_format_stores_the_password_alone():
    codec = Codec("password", FIELDS)
    assert codec.render(NEW) == NEW and codec.parse(NEW) == NEW


def test_codec_json_format_stores_user_host_port_and_password():
    codec = Codec("json", dict(FIELDS, host="", extra=None))
    value = codec.render(NEW)
    assert json.loads(value) == {"username": "crdemo_orders", "port": 3306, "password": NEW}
    assert value == json.dumps(json.loads(value), sort_keys=True, separators=(",", ":"))
    assert Codec("json", FIELDS).parse(Codec("json", FIELDS).render(NEW)) == NEW


@pytest.mark.parametrize("fmt", ["password", "json"])
def test_codec_keeps_the_other_keys_of_a_stored_json_document(fmt):
    stored = json.dumps({"password": OLD, "engine": "mysql", "dbname": "orders", "username": "app"})
    codec = Codec(fmt, FIELDS)
    assert codec.parse(stored) == OLD  # a JSON object with a password key is read as such whatever the format
    document = json.loads(codec.render(NEW))
    assert document == {"password": NEW, "engine": "mysql", "dbname": "orders", "username": "app",
                        "host": "db.example.com", "port": 3306}


@pytest.mark.parametrize("value", ["plain-Passw0rd!", "5", "null", "[1, 2]", '"quoted"', '{"pass": "x"}',
                                   '{"password": 5}', "{not json", ""])
@pytest.mark.parametrize("fmt", ["password", "json"])
def test_codec_reads_any_other_value_as_the_password(value, fmt):
    codec = Codec(fmt, FIELDS)
    assert codec.parse(value) == value and codec.template is None
    assert codec.parse(None) is None


def test_the_stores_keep_a_json_documents_keys_across_rotations(cloud, kind, via):
    api = cloud.api(kind)
    if kind == "csms":
        api.create_secret(SECRET, json.dumps({"password": OLD, "engine": "gaussdb", "username": "app"}))
    else:
        api.create_secret(SECRET, json.dumps({"password": OLD, "engine": "gaussdb", "username": "app"}), "v1")
    rotate(cloud, kind, via, "r1", PW[1], fmt="password")  # the format of the value wins: stays JSON

    document = cloud.store(kind, via).read()
    assert (document["current"], document["previous"]) == (PW[1], OLD)
    current = api.stages()[cloud.current_stage(kind)]
    assert json.loads(api.value_of(current)) == {"password": PW[1], "engine": "gaussdb", "username": "app",
                                                 "host": "db.example.com", "port": 3306}


@PROPERTY_SETTINGS
@given(password=st.text(alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x7e), min_size=1, max_size=64),
       fmt=st.sampled_from(["password", "json"]))
def test_codec_round_trip(password, fmt):
    """A generated password (printable ASCII) comes back as it was, in either format."""
    try:
        looks_like_a_document = isinstance(json.loads(password), dict)
    except ValueError:
        looks_like_a_document = False
    if looks_like_a_document and fmt == "password":
        return  # a password that is itself a JSON object is read as a document (documented)
    codec = Codec(fmt, FIELDS)
    assert Codec(fmt, FIELDS).parse(codec.render(password)) == password


# --- the input rules ------------------------------------------------------------------------------------------------

ID_ORACLE = re.compile(r"[A-Za-z0-9_-]{1,48}")
NAME_ORACLES = {"csms": re.compile(r"[a-zA-Z0-9_-]{1,64}"), "kms": re.compile(r"[A-Za-z0-9_/+=.@-]{1,192}")}
NEAR = st.sampled_from(list("aZ09_-./+=@ %:\\\n\t\x00\u00e9\u0663\u202e\uff21") + ["\U0001d7d8"])
STRINGS = st.one_of(
    st.text(max_size=200),
    st.text(alphabet=NEAR, max_size=70),
    st.tuples(st.sampled_from([47, 48, 49, 63, 64, 65, 191, 192, 193]), st.sampled_from(list("aZ9_-.@"))).map(
        lambda t: t[1] * t[0]),
    st.tuples(st.integers(0, 200), st.text(alphabet=NEAR, min_size=1, max_size=2)).map(lambda t: "a" * t[0] + t[1]),
)
OTHERS = st.one_of(st.none(), st.integers(), st.floats(), st.booleans(), st.binary(), st.lists(st.text(), max_size=2),
                   st.dictionaries(st.text(max_size=3), st.text(max_size=3), max_size=2))


@PROPERTY_SETTINGS
@given(value=STRINGS)
def test_id_problem_accepts_exactly_1_to_48_letters_digits_underscores_and_dashes(value):
    problem = id_problem(value)
    assert (problem is None) == bool(ID_ORACLE.fullmatch(value)), (value, problem)
    if problem is not None:
        assert problem == "must be %s with a cloud store (it names the secret's pending version)" % _stores.ID_RULE


@PROPERTY_SETTINGS
@given(value=STRINGS, store=st.sampled_from(["csms", "kms", "file", None, "other"]))
def test_secret_name_problem_accepts_exactly_the_providers_names(value, store):
    problem = secret_name_problem(store, value)
    if store not in NAME_ORACLES:
        assert problem is None
        return
    assert (problem is None) == bool(NAME_ORACLES[store].fullmatch(value)), (store, value, problem)
    if problem is not None:  # the rule and a length, never the value
        assert re.fullmatch(r"secret name must be 1 to (64 letters, digits, '_' or '-'|192 letters, digits or "
                            r"_ / \+ = \. @ -) \(got \d+ characters?\)", problem), problem


@PROPERTY_SETTINGS
@given(value=OTHERS, store=st.sampled_from(["csms", "kms"]))
def test_the_rules_never_raise_on_other_types(value, store):
    assert id_problem(value) is None or isinstance(id_problem(value), str)
    assert secret_name_problem(store, value) is not None  # not a string: never a name


def test_id_problem_never_raises_on_a_tuple():
    assert id_problem(("r1",)) is not None
    assert id_problem(("r1", "r2")) is not None


def test_the_default_secret_name_is_credrotate_and_the_credential_name():
    assert _stores.default_secret_name("orders-db") == "credrotate-orders-db"
    assert secret_name_problem("csms", "credrotate-" + "x" * 53) is None
    assert secret_name_problem("csms", "credrotate-" + "x" * 54) is not None
    # the longest rotation id names a valid CSMS stage and a KMS VersionId with its generation suffix
    assert _csms_api.stage_problem(_stores.CSMS_PREFIX + "x" * _stores.ID_MAX) is None
    assert _kms_api.token_problem("x" * _stores.ID_MAX + ".99") is None


# --- the engine with a cloud store ----------------------------------------------------------------------------------


def cloud_engine(monkeypatch, cloud):
    """Make the engine open its store on ``cloud`` (the real open_store and adapters, on the fakes)."""
    def opened(settings, services, name, fields):
        return open_store(settings, CloudServices(cloud, services.secrets, inner=services), name, fields)
    monkeypatch.setattr(_engine, "open_store", opened)


@pytest.mark.parametrize("step", ["pending", "set", "propagate", "verify"])
def test_an_interrupted_run_is_resumed_by_a_run_with_an_empty_state_dir(monkeypatch, tmp_path, sim, kind, step):
    """An AWX job without a volume: the second run has an empty state directory and finds the pending password and
    the rotation id in the secret alone; it finishes with that password, each target written once."""
    cloud = Cloud()
    cloud_engine(monkeypatch, cloud)
    first = sim.run(store=kind, rotation_id="r1", fail_after_step=step)
    assert first["failed"] and first["msg"].startswith("Interrupted after the %s step" % step)
    stored = cloud.store(kind).read()["pending"]
    assert stored["rotation_id"] == "r1"

    fresh = Sim(tmp_path / "empty-state")
    fresh.world, fresh.dependants = sim.world, sim.dependants
    again = fresh.run(store=kind)  # no rotation_id: the store says which rotation is unfinished

    assert not again.get("failed"), again.get("msg")
    assert again["mode"] == "resume" and again["rotation_id"] == "r1"
    document = cloud.store(kind).read()
    assert (document["current"], document["previous"], document.get("pending")) == (stored["password"], OLD, None)
    assert document["completed_rotation_id"] == "r1"
    assert sim.world.password == stored["password"]
    for target in dict(sim.world.all_stored(), owner=1):
        assert len([a for a in sim.world.applied if a[0] == target]) == 1, target
    assert fresh.leaked(again) == [] and sim.leaked(first) == []


def test_a_full_rotation_with_a_json_csms_store(monkeypatch, sim):
    cloud = Cloud()
    cloud_engine(monkeypatch, cloud)
    result = sim.run(store="csms", store_format="json", rotation_id="r1")

    assert not result.get("failed"), result.get("msg")
    current = cloud.csms.stages()[CSMS_CURRENT]
    assert json.loads(cloud.csms.value_of(current)) == {"username": USER, "password": sim.world.password}
    assert json.loads(cloud.csms.value_of(cloud.csms.stages()[CSMS_PREVIOUS])) == {"username": USER, "password": OLD}
    assert sim.leaked(result) == []


def rotated_secret(cloud, instance, user, name="gaussdb-rotated"):
    cloud.csms.create_secret(name, json.dumps({"username": user, "password": "Cloud-Rotated-1!"}),
                             secret_type="GaussDB-FG", rotation_config={"InstanceId": instance,
                                                                        "SecretSubType": "SingleUser"})


@pytest.mark.parametrize("instance,user,refused", [
    (GAUSSDB_INSTANCE, USER, True),
    (GAUSSDB_INSTANCE, "someone_else", False),
    ("fedcba9876543210fedcba9876543210in07", USER, False),
], ids=["same-instance-and-user", "another-user", "another-instance"])
def test_check_store_refuses_an_account_a_csms_rotated_secret_manages(monkeypatch, sim, instance, user, refused):
    cloud = Cloud()
    cloud_engine(monkeypatch, cloud)
    rotated_secret(cloud, instance, user)

    result = sim.run(store="csms", rotation_id="r1")

    if refused:
        assert result["failed"] and "Preflight of orders failed, nothing was changed" in result["msg"]
        assert "gaussdb-rotated" in result["msg"] and "rotation_mode=propagate" in result["msg"]
        assert sim.world.writes() == [] and cloud.csms.writes() == [("create_secret", "gaussdb-rotated")]
        assert SECRET not in cloud.csms.store
    else:
        assert not result.get("failed"), result.get("msg")
        assert cloud.store("csms").read()["completed_rotation_id"] == "r1"
    assert sim.leaked(result) == []


def test_a_fleet_run_lists_the_csms_rotated_secrets_once(tmp_path):
    """With the run's listing cache, the project's rotated secrets are listed by the first credential only;
    every credential still finds exactly the secrets of its own instance and user."""
    from ansible_collections.credrotate.cloud.plugins.plugin_utils._listing import ListingCache

    cloud = Cloud()
    other = "fedcba9876543210fedcba9876543210in07"
    rotated_secret(cloud, GAUSSDB_INSTANCE, USER)
    rotated_secret(cloud, other, USER, name="other-rotated")
    store = cloud.store("csms")
    plain = store.managed_by_cloud(GAUSSDB_INSTANCE, USER)
    assert plain == ["gaussdb-rotated"]
    listed = len([c for c in cloud.csms.calls if c[0] == "list_secrets"])
    cache = ListingCache(str(tmp_path), "run-1")
    for _credential in range(3):
        assert store.managed_by_cloud(GAUSSDB_INSTANCE, USER, cache=cache, scope="account") == plain
    assert store.managed_by_cloud(other, USER, cache=cache, scope="account") == ["other-rotated"]
    assert store.managed_by_cloud(other, "someone_else", cache=cache, scope="account") == []
    assert len([c for c in cloud.csms.calls if c[0] == "list_secrets"]) == listed + 1


def test_check_store_refuses_a_kms_secret_that_kms_rotates(monkeypatch, sim):
    cloud = Cloud()
    cloud_engine(monkeypatch, cloud)
    cloud.kms.create_secret(SECRET, OLD, "v1", secret_type="Rds",
                            extended_config={"SecretSubType": "SingleUser", "DBInstanceId": "rm-1"})

    result = sim.run(store="kms", rotation_id="r1")

    assert result["failed"] and "is a Rds secret that KMS rotates itself" in result["msg"]
    assert "KMS secret %s" % SECRET in result["msg"]
    assert sim.world.writes() == [] and cloud.kms.writes() == [("create_secret", SECRET)]
    assert sim.leaked(result) == []


@pytest.mark.parametrize("kind_", [
    "csms",
    "kms",
])
def test_the_engine_retries_a_rolled_back_rotation_under_its_own_id(monkeypatch, sim, kind_):
    cloud = Cloud()
    cloud_engine(monkeypatch, cloud)
    sim.world.fail(sim.world.owner_service(), msg="the instance is busy", code="DBS.200019")
    failed = sim.run(store=kind_, rotation_id="r1")
    assert failed["failed"] and "Rolled back" in failed["msg"]
    assert cloud.store(kind_).read().get("pending") is None  # the rollback dropped it

    again = sim.run(store=kind_, rotation_id="r1")

    assert not again.get("failed"), again.get("msg")
    assert cloud.store(kind_).read()["completed_rotation_id"] == "r1"
    assert sim.world.password == cloud.store(kind_).read()["current"] != OLD


def test_the_engine_after_a_csms_promote_that_failed_to_clean_up(monkeypatch, sim):
    cloud = Cloud()
    cloud_engine(monkeypatch, cloud)
    assert not sim.run(store="csms", rotation_id="r1").get("failed")
    after_r1 = sim.world.password
    cloud.csms.fail("delete_stage", code="CSMS.0301", message="throttled")
    second = sim.run(store="csms", rotation_id="r2")
    assert second["failed"] and SECRET in second["msg"]
    after_r2 = sim.world.password
    assert after_r2 != after_r1

    again = sim.run(store="csms", rotation_id="r2")

    assert not again.get("failed"), again.get("msg")
    assert sim.world.password == after_r2
    assert cloud.store("csms").read()["current"] == after_r2


def test_the_engine_never_sets_a_retired_password_back_after_a_failed_csms_cleanup(monkeypatch, sim):
    cloud = Cloud()
    cloud_engine(monkeypatch, cloud)
    assert not sim.run(store="csms", rotation_id="r1").get("failed")
    after_r1 = sim.world.password
    cloud.csms.fail("delete_stage", code="CSMS.0301", message="throttled")
    assert sim.run(store="csms", rotation_id="r2")["failed"]

    sim.run(store="csms")  # no rotation_id: finish whatever the store says is unfinished

    assert sim.world.password != after_r1, "rotation r1's password was set back"
    assert after_r1 not in sim.world.all_stored().values()


def test_a_cloud_store_write_failure_fails_the_run_naming_the_secret_without_a_password(monkeypatch, sim, kind):
    cloud = Cloud()
    cloud_engine(monkeypatch, cloud)
    cloud.api(kind).fail("create_secret", code="Svc.Down", message="down", echo=True, raw=True)

    result = sim.run(store=kind, rotation_id="r1", new_password=NEW)

    assert result["failed"] and "%s secret %s" % (kind.upper(), SECRET) in result["msg"]
    assert "Svc.Down" in result["msg"] and NEW not in result["msg"] and OLD not in result["msg"]
    assert sim.world.writes() == []  # the pending password is stored before any target is written
    assert sim.leaked(result) == []
