# -*- coding: utf-8 -*-
# Copyright (c) 2026, credrotate.cloud contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""PRIVATE: the owner of a password (where it lives), one class per type, behind :func:`owner_for`.

An owner knows which service changes its password, how to read the service's answer, and how a
check-mode call with a login probe tells which known password it uses. Adding an owner type is
one new class here and one line in :data:`OWNER_TYPES`.
"""


def outcome_of(result, item=None):
    """The owner outcome the engine works with (no secret): failed, msg, code, kind, outcome, ..."""
    item = item if item is not None else result
    error = result.get("error") or {}
    failed = bool(result.get("failed"))
    return {
        "failed": failed,
        "msg": result.get("msg") or "" if failed else "",
        "code": error.get("code") or "",
        "kind": error.get("kind") or "",
        "outcome": item.get("outcome") or ("failed" if failed else "unknown"),
        "evidence": item.get("evidence") or "",
        "request_id": item.get("request_id") or result.get("request_id") or "",
        "status": item.get("status") or "",
        "changed": bool(result.get("changed")),
    }


class Owner:
    """Base: ``credential_owner`` is the ``owner`` dict of the credential; ``settings`` the engine's."""

    type = None
    service = None
    policy = "gaussdb_mysql"
    first_candidate = 0  # index of the first known password a preflight probe tries (0 = pending)
    discover_user_default = ""
    info_service = "gaussdb_mysql_instance_info"  # the read that gives the owner's addresses and port
    address_fields = ("private_write_ips", "private_dns_names", "public_ips", "address")

    def __init__(self, credential_owner, settings):
        self.spec = credential_owner
        self.settings = settings
        self.instance_id = credential_owner["instance_id"]

    @property
    def user(self):
        return ""

    def probe_args(self):
        args = {"probe_timeout": self.settings["probe_timeout"]}
        for name in ("probe_host", "probe_port"):
            if self.spec.get(name):
                args[name] = self.spec[name]
        return args

    def args(self, password, old_password, probe):
        raise NotImplementedError

    def call(self, services, password, old_password, check, probe):
        """One call of the owner's service: set ``password`` (or, with ``check``, see whether it would)."""
        result = services.call(self.service, self.args(password, old_password, probe), check_mode=check)
        return outcome_of(result)

    def probe_password(self, pending, candidate):
        """The password a preflight call gives when it asks about ``candidate``."""
        return pending if self.settings["probe"] == "never" else candidate

    def found(self, outcome, index):
        """Index of the known password the owner uses after a preflight call about candidate ``index``, or -1."""
        if outcome["failed"]:
            return -1
        if self.settings["probe"] == "never":
            return 1
        return index if outcome["outcome"] == "unchanged" else -1


class GaussDbUser(Owner):
    type = "gaussdb_mysql_user"
    service = "gaussdb_mysql_user_password"

    @property
    def user(self):
        return self.spec.get("user") or ""

    @property
    def label(self):
        return "GaussDB user %s@%s on %s" % (self.user, self.spec.get("host") or "%", self.instance_id)

    def args(self, password, old_password, probe):
        return dict(self.probe_args(), instance_id=self.instance_id, password=password, probe=probe,
                    wait_timeout=self.settings["wait_timeout"],
                    users=[{"name": self.user, "host": self.spec.get("host") or "%"}])

    def call(self, services, password, old_password, check, probe):
        result = services.call(self.service, self.args(password, old_password, probe), check_mode=check)
        items = result.get("results") or [{}]
        return outcome_of(result, items[0] or {})


class GaussDbRoot(Owner):
    type = "gaussdb_mysql_root"
    service = "gaussdb_mysql_instance_password"

    @property
    def label(self):
        return "GaussDB root account of %s" % self.instance_id

    @property
    def discover_user(self):
        return self.spec.get("user") or "root"

    def args(self, password, old_password, probe):
        return dict(self.probe_args(), instance_id=self.instance_id, password=password, probe=probe)


class DcsInstance(Owner):
    type = "dcs_instance"
    service = "dcs_instance_password"
    info_service = "dcs_instance_info"
    address_fields = ("ips", "ip", "domain_name", "publicip_address")
    first_candidate = 1  # DCS takes the old password: the preflight asks about each known one as "old"

    @property
    def policy(self):
        return "dcs_otc" if self.settings["cloud"] == "otc" else "dcs"

    @property
    def label(self):
        return "DCS instance %s" % self.instance_id

    def args(self, password, old_password, probe):
        return dict(self.probe_args(), instance_id=self.instance_id, old_password=old_password,
                    new_password=password, probe=probe)

    def probe_password(self, pending, candidate):
        return pending

    def found(self, outcome, index):
        if outcome["failed"]:
            return -1
        if self.settings["probe"] == "never":
            return 1
        return 0 if outcome["outcome"] == "unchanged" else index


OWNER_TYPES = dict((cls.type, cls) for cls in (GaussDbUser, GaussDbRoot, DcsInstance))


def owner_for(credential_owner, settings):
    """The :class:`Owner` of ``credential_owner`` (its ``type`` selects the class)."""
    return OWNER_TYPES[credential_owner["type"]](credential_owner, settings)


def discover_user(owner):
    """The account name whose jobs discovery looks for ('' for DCS: any user on the instance)."""
    if owner.type == "gaussdb_mysql_user":
        return owner.user
    if owner.type == "gaussdb_mysql_root":
        return owner.discover_user
    return ""
