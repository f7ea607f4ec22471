# -*- coding: utf-8 -*-
# Copyright (c) 2026, credrotate.cloud contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""PRIVATE: where a rotation keeps its passwords: the secret file, a CSMS secret or a KMS secret.

Every store reads and writes the same document, the secret file's (:mod:`_secretfile`)::

    {"current", "previous", "pending": {"rotation_id", "password", "source"} | None,
     "completed_rotation_id", "completed_at"}

and has four operations, each durable before it returns: :meth:`read`, :meth:`put_pending` (the
new password of a rotation, before any target is written), :meth:`promote` (pending becomes
current, current previous) and :meth:`drop_pending` (after a rollback).

Cloud stores map the document onto a secret's versions and stages, so that everything a resume
needs is in the secret and applications read the password where they already look:

============  ===============================================  ==========================================
Document      CSMS (Huawei Cloud / OTC DEW)                    KMS (Alibaba Cloud Secrets Manager)
============  ===============================================  ==========================================
current       version staged ``SYSCURRENT``                    version staged ``ACSCurrent``
previous      version staged ``SYSPREVIOUS``                   version staged ``ACSPrevious``
pending       version staged ``credrotate-<rotation id>``,     version whose ``VersionId`` is the rotation
              not ``SYSCURRENT``                               id (``<id>.<n>`` when regenerated), staged
                                                               ``CRPending``
completed id  the ``credrotate-<id>`` stage on ``SYSCURRENT``  the ``VersionId`` of ``ACSCurrent``
============  ===============================================  ==========================================

Idempotency: KMS ``PutSecretValue`` with the same ``VersionId`` and value is a no-op (the rotation
id is the key). CSMS numbers versions itself and has no client token, so the version of a rotation
is found by its stage: a run that died after creating it finds it again; the stage follows the
version when it is promoted and is deleted when a later rotation promotes (at most two
``credrotate-`` stages exist, of the 12 CSMS allows; KMS allows 8 and the store uses one custom
stage). Promotion moves the current stage first and previous second; both moves are idempotent.

The password's format in the secret (``store_format``): the password alone, or a JSON document
``{"username", "host", "port", "password"}``. A stored JSON object with a ``password`` key is read
as such whatever the format, and a new version keeps the other keys of the current one.

No password leaves this module except in :meth:`read`'s document; every value read or written is
given to ``add_secret`` (the run's redaction set) first, and errors name the secret, never a value.
"""

import datetime
import json
import os

from ansible_collections.credrotate.cloud.plugins.module_utils import _csms_api, _kms_api
from ansible_collections.credrotate.cloud.plugins.module_utils._errors import CollectionError
from ansible_collections.credrotate.cloud.plugins.module_utils._state import iso, utc_now
from ansible_collections.credrotate.cloud.plugins.plugin_utils._listing import CacheError
from ansible_collections.credrotate.cloud.plugins.plugin_utils._secretfile import SecretFile, SecretFileError

STORES = ("file", "csms", "kms")
CSMS_PREFIX = "credrotate-"
KMS_PENDING = "CRPending"
KMS_INITIAL = "credrotate-initial"
# rotation ids a cloud store can carry (CSMS stage names: 64 characters of [a-zA-Z0-9_-], minus the prefix)
ID_RULE = "1 to 48 letters, digits, '_' or '-'"
ID_MAX = 48


class StoreError(Exception):
    """The store cannot be read or written; the message names the store, never a value."""


def default_secret_name(name):
    return "credrotate-" + name


def id_problem(rotation_id):
    """Why ``rotation_id`` cannot name a cloud store's version or stage, or None."""
    text = "%s" % ("" if rotation_id is None else rotation_id,)
    if not 1 <= len(text) <= ID_MAX or any(not (c.isascii() and (c.isalnum() or c in "_-")) for c in text):
        return "must be %s with a cloud store (it names the secret's pending version)" % ID_RULE
    return None


def secret_name_problem(store, value):
    """Why ``value`` is not a usable secret name for ``store`` (csms or kms), or None."""
    if store == "csms":
        return _csms_api.secret_name_problem(value)
    if store == "kms":
        return _kms_api.secret_name_problem(value)
    return None


class Codec:
    """The password's form inside a cloud secret's value (see the module doc)."""

    def __init__(self, fmt, fields):
        self.fmt, self.fields, self.template = fmt, dict((k, v) for k, v in fields.items() if v not in (None, "")), None

    def parse(self, value):
        if value is None:
            return None
        try:
            document = json.loads(value)
        except ValueError:
            document = None
        if isinstance(document, dict) and isinstance(document.get("password"), str):
            self.template = self.template or document
            return document["password"]
        return value

    def render(self, password):
        if self.fmt != "json" and self.template is None:
            return password
        document = dict(self.fields)
        document.update(self.template or {})
        document["password"] = password
        return json.dumps(document, sort_keys=True, separators=(",", ":"))


class FileStore:
    """The secret file under ``state_dir`` (:class:`_secretfile.SecretFile`)."""

    kind = "file"

    def __init__(self, path, vault_secret=None):
        self.file = SecretFile(path, vault_secret)
        self.where = path
        self.document = {}

    def read(self):
        try:
            self.document = self.file.read()
        except SecretFileError as err:
            raise StoreError("%s" % err)
        return self.document

    def _write(self, document):
        try:
            self.file.write(document)
        except SecretFileError as err:
            raise StoreError("%s" % err)
        self.document = document
        return document

    def put_pending(self, name, current, previous, entry):
        return self._write({"format": 1, "name": name, "current": current, "previous": previous or None,
                            "pending": entry, "completed_rotation_id": self.document.get("completed_rotation_id")})

    def promote(self, name, rotation_id, new, old):
        return self._write({"format": 1, "name": name, "current": new, "previous": old, "pending": None,
                            "completed_rotation_id": rotation_id, "completed_at": iso(utc_now())})

    def drop_pending(self, rotation_id):
        """The file keeps a rolled-back pending password: the record says it was rolled back."""
        return self.document


class _CloudStore:
    """What CSMS and KMS share: the codec, the error wrapping, the cached layout of the last read."""

    label = ""

    def __init__(self, api, secret, codec):
        self.api, self.secret, self.codec = api, secret, codec
        self.where = "%s secret %s" % (self.label, secret)
        self.exists, self.secret_type, self.document = False, None, {}
        self.layout = {}  # role -> version id: current, previous, pending

    def _fail(self, doing, err):
        return StoreError("%s the %s failed: %s" % (doing, self.where, err))

    def _secret(self, password):
        """A password parsed out of a value joins the redaction set too (the whole value already has)."""
        if isinstance(password, str) and password:
            self.api._register(password)
        return password

    def value(self, version):
        raise NotImplementedError

    def read(self):
        try:
            return self._read()
        except CollectionError as err:
            raise self._fail("Reading", err)

    def put_pending(self, name, current, previous, entry):
        try:
            self._put_pending(current, entry)
        except CollectionError as err:
            raise self._fail("Storing the pending password in", err)
        self.document = dict(self.document, current=current, pending=entry)
        return self.document

    def promote(self, name, rotation_id, new, old):
        try:
            self._promote(rotation_id)
        except CollectionError as err:
            raise self._fail("Promoting the new password in", err)
        self.document = {"current": new, "previous": old, "pending": None, "completed_rotation_id": rotation_id,
                         "completed_at": iso(utc_now())}
        return self.document

    def drop_pending(self, rotation_id):
        try:
            self._drop_pending(rotation_id)
        except CollectionError as err:
            raise self._fail("Removing the rolled-back pending password from", err)
        self.document = dict(self.document, pending=None)
        return self.document


class CsmsStore(_CloudStore):
    """A Huawei Cloud / OTC DEW CSMS secret (:class:`_csms_api.CsmsApi`)."""

    kind, label = "csms", "CSMS"

    def _read(self):
        try:
            meta = self.api.show_secret(self.secret)
        except CollectionError as err:
            if not _csms_api.is_missing(err):
                raise
            self.exists, self.layout, self.document = False, {}, {}
            return {}
        self.exists, self.secret_type = True, meta.get("secret_type")
        staged, created = {}, {}
        for version in self.api.list_versions(self.secret):
            created[version.get("id")] = version.get("create_time")
            for stage in version.get("version_stages") or ():
                staged[stage] = version.get("id")
        current, previous = staged.get(_csms_api.SYSCURRENT), staged.get(_csms_api.SYSPREVIOUS)
        ours = dict((stage[len(CSMS_PREFIX):], vid) for stage, vid in staged.items() if stage.startswith(CSMS_PREFIX))
        pending = sorted((rid, vid) for rid, vid in ours.items() if vid != current)
        if len(pending) > 1:
            raise StoreError("the %s has %d pending rotations (stages %s): finish or delete all but one"
                             % (self.where, len(pending), ", ".join(CSMS_PREFIX + rid for rid, _v in pending)))
        completed = [rid for rid, vid in ours.items() if vid == current]
        self.layout = {"current": current, "previous": previous, "pending": pending[0] if pending else None,
                       "ours": ours}
        document = {"current": self._value(current), "previous": self._value(previous),
                    "completed_rotation_id": completed[0] if completed else None,
                    "completed_at": _epoch_ms(created.get(current))}
        if pending:
            document["pending"] = {"rotation_id": pending[0][0], "password": self._value(pending[0][1]),
                                   "source": "stored"}
        self.document = document
        return document

    def _value(self, version_id):
        if not version_id:
            return None
        return self._secret(self.codec.parse(
            self.api.show_version(self.secret, version_id=version_id).get("secret_string")))

    def _put_pending(self, current, entry):
        if not self.exists:
            self.api.create_secret(self.secret, self.codec.render(current),
                                   description="credrotate.cloud: current password (SYSCURRENT)")
            self.exists = True
        stage = CSMS_PREFIX + entry["rotation_id"]
        created = self.api.create_version(self.secret, self.codec.render(entry["password"]), version_stages=[stage])
        self.layout["pending"] = (entry["rotation_id"], created.get("id"))

    def _promote(self, rotation_id):
        stage = CSMS_PREFIX + rotation_id
        staged = {}
        for version in self.api.list_versions(self.secret):
            for name in version.get("version_stages") or ():
                staged[name] = version.get("id")
        new, old = staged.get(stage), staged.get(_csms_api.SYSCURRENT)
        others = sorted(name for name, vid in staged.items()
                        if name.startswith(CSMS_PREFIX) and name != stage and vid != old)
        if not new or others:  # another rotation started meanwhile (two jobs at once): promote neither
            raise StoreError("the %s %s: not promoted, the owner and the dependants keep rotation %s's password; "
                             "re-run when the other rotation has finished"
                             % (self.where, "holds another pending rotation (%s)" % ", ".join(others) if others
                                else "has lost the pending version of rotation %s" % rotation_id, rotation_id))
        # In this order, so that a run that stops between two calls never leaves an earlier rotation looking
        # pending (its stage would mark a version that is no longer current): earlier stages, previous, current.
        for name in sorted(staged):
            if name.startswith(CSMS_PREFIX) and name != stage:
                self._delete_stage(name)
        if old != new:
            if old:
                self.api.update_stage(self.secret, _csms_api.SYSPREVIOUS, old)
            self.api.update_stage(self.secret, _csms_api.SYSCURRENT, new)
        self.layout = {"current": new, "previous": old, "pending": None, "ours": {rotation_id: new}}
        self.layout["ours"].update((name[len(CSMS_PREFIX):], vid) for name, vid in staged.items()
                                   if name.startswith(CSMS_PREFIX) and vid == new)

    def _drop_pending(self, rotation_id):
        self._delete_stage(CSMS_PREFIX + rotation_id)
        self.layout["pending"] = None

    def _delete_stage(self, stage):
        try:
            self.api.delete_stage(self.secret, stage)
        except CollectionError as err:
            if not _csms_api.is_missing(err):
                raise

    def managed_by_cloud(self, instance_id, user, cache=None, scope=None):
        """The CSMS rotated secrets (``RDS-FG``/``GaussDB-FG``) that rotate ``user`` of ``instance_id``: names.

        With a fleet run's ``cache`` (:class:`_listing.ListingCache`) and the account's ``scope``, the
        project's secrets are listed once per run and each credential reads only its instance's.
        """
        def listing():
            return {"jobs": [{"id": secret.get("name"), "secret": secret, "instance": instance}
                             for secret, instance, _subtype in self.api.rotated_secrets()]}

        rows = None
        if cache is not None and scope:
            try:
                rows = cache.jobs("csms", scope, {"inst:%s" % instance_id}, listing,
                                  lambda row: {"inst:%s" % row["instance"]})[1]
            except CacheError:
                rows = None
        names = []
        for row in listing()["jobs"] if rows is None else rows:
            secret, instance = row["secret"], row["instance"]
            if instance != instance_id:
                continue
            stored = None
            try:
                value = self.api.show_version(secret.get("name"), stage=_csms_api.SYSCURRENT).get("secret_string")
                document = json.loads(value or "")
                if isinstance(document, dict):
                    stored = next((document[k] for k in ("username", "userName", "user", "UserName", "AccountName")
                                   if isinstance(document.get(k), str)), None)
            except (CollectionError, ValueError):
                stored = None  # cannot tell the user: count it as managing the account
            if stored is None or user is None or stored == user:
                names.append(secret.get("name"))
        return names


class KmsStore(_CloudStore):
    """An Alibaba Cloud KMS generic secret (:class:`_kms_api.KmsApi`)."""

    kind, label = "kms", "KMS"

    def _read(self):
        try:
            meta = self.api.describe_secret(self.secret)
        except CollectionError as err:
            if not _kms_api.is_missing(err):
                raise
            self.exists, self.layout, self.document = False, {}, {}
            return {}
        self.exists, self.secret_type = True, meta.get("SecretType")
        staged, created = {}, {}
        for version in self.api.list_version_ids(self.secret):
            created[version.get("VersionId")] = version.get("CreateTime")
            for stage in version.get("VersionStages") or ():
                staged[stage] = version.get("VersionId")
        current, previous = staged.get(_kms_api.ACS_CURRENT), staged.get(_kms_api.ACS_PREVIOUS)
        pending = staged.get(KMS_PENDING)
        if pending == current:
            pending = None
        self.layout = {"current": current, "previous": previous, "pending": pending}
        document = {"current": self._value(current), "previous": self._value(previous),
                    "completed_rotation_id": _rotation_of(current) if current else None,
                    "completed_at": created.get(current) if isinstance(created.get(current), str) else None}
        if pending:
            document["pending"] = {"rotation_id": _rotation_of(pending), "password": self._value(pending),
                                   "source": "stored"}
        self.document = document
        return document

    def _value(self, version_id):
        if not version_id:
            return None
        return self._secret(self.codec.parse(
            self.api.get_secret_value(self.secret, version_id=version_id).get("SecretData")))

    def _put_pending(self, current, entry):
        if not self.exists:
            try:
                self.api.create_secret(self.secret, self.codec.render(current), KMS_INITIAL,
                                       description="credrotate.cloud: current password (ACSCurrent)")
            except CollectionError as err:
                if not _kms_api.is_version_conflict(err):  # an earlier answer was lost: it exists
                    raise
            self.exists = True
        version = entry["rotation_id"]
        pending = self.layout.get("pending")
        if pending and _rotation_of(pending) == version:  # regenerated: a version of its own, same rotation
            version = "%s.%d" % (version, _generation(pending) + 1)
        value = self.codec.render(entry["password"])
        try:
            self.api.put_secret_value(self.secret, value, version, version_stages=[KMS_PENDING])
        except CollectionError as err:
            if not _kms_api.is_version_conflict(err):
                raise
            # a rolled-back attempt of this rotation id left its (unstaged) version: the next free <id>.<n>
            taken = set(v.get("VersionId") for v in self.api.list_version_ids(self.secret, include_deprecated=True))
            number = 2
            while "%s.%d" % (entry["rotation_id"], number) in taken:
                number += 1
            version = "%s.%d" % (entry["rotation_id"], number)
            self.api.put_secret_value(self.secret, value, version, version_stages=[KMS_PENDING])
        self.layout["pending"] = version

    def _promote(self, rotation_id):
        staged = {}
        for version in self.api.list_version_ids(self.secret):
            for name in version.get("VersionStages") or ():
                staged[name] = version.get("VersionId")
        new, old = staged.get(KMS_PENDING), staged.get(_kms_api.ACS_CURRENT)
        if not new or _rotation_of(new) != rotation_id:  # another rotation took the stage (two jobs at once)
            raise StoreError("the %s does not hold rotation %s as its pending version (%s): not promoted, the owner "
                             "and the dependants keep its password; re-run when the other rotation has finished"
                             % (self.where, rotation_id, "it holds %s" % new if new else "none is pending"))
        if old != new:
            # previous first: a run that stops between the calls leaves it right whether or not KMS moves it
            # along with ACSCurrent
            holder = staged.get(_kms_api.ACS_PREVIOUS)
            if old and holder != old:
                self.api.update_version_stage(self.secret, _kms_api.ACS_PREVIOUS, move_to_version=old,
                                              remove_from_version=holder)
            self.api.update_version_stage(self.secret, _kms_api.ACS_CURRENT, move_to_version=new, remove_from_version=old)
        self.api.update_version_stage(self.secret, KMS_PENDING, remove_from_version=new)
        self.layout = {"current": new, "previous": old, "pending": None}

    def _drop_pending(self, rotation_id):
        pending = self.layout.get("pending")
        if pending and _rotation_of(pending) == rotation_id:
            self.api.update_version_stage(self.secret, KMS_PENDING, remove_from_version=pending)
        self.layout["pending"] = None


def _epoch_ms(value):
    """An ISO time of CSMS's epoch milliseconds (None when absent or not a number)."""
    try:
        return iso(datetime.datetime.fromtimestamp(int(value) / 1000.0, datetime.timezone.utc))
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def _rotation_of(version_id):
    return ("%s" % version_id).split(".", 1)[0]


def _generation(version_id):
    tail = ("%s" % version_id).partition(".")[2]
    return int(tail) if tail.isdigit() else 1


def open_store(settings, services, name, fields):
    """The store the settings choose. ``fields``: ``{"username", "host", "port"}`` for a JSON value."""
    kind = settings.get("store") or "file"
    if kind == "file":
        return FileStore(os.path.join(settings["state_dir"], name + ".secrets"), settings.get("vault_secret"))
    secret = settings.get("store_secret") or default_secret_name(name)
    codec = Codec(settings.get("store_format") or "password", fields)
    if kind == "csms":
        return CsmsStore(_csms_api.CsmsApi(services.api_client("huaweicloud"), add_secret=services.secrets.add),
                         secret, codec)
    return KmsStore(_kms_api.KmsApi(services.api_client("alicloud", _kms_api.kms_client),
                                    add_secret=services.secrets.add), secret, codec)
