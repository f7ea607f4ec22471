# -*- coding: utf-8 -*-
# Copyright (c) 2026, credrotate.cloud contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Action plugin of ``credrotate.cloud.rotate``: the rotation engine, on the controller, in process.

Documented in ``plugins/modules/rotate.py``. The arguments are checked against the same spec and
:mod:`_validate` rules; then :class:`_engine.Engine` runs the eight steps and prints one line per
step as it happens. The result carries the step log, the record and the summary, never a secret.

Then, whatever the outcome (in check mode only built, never sent), :mod:`_events` makes the run's event:
appended to ``events_file``, POSTed signed to ``webhook_url``; the result has it as ``event`` and where it
went as ``events`` (``written``: the file, ``posted``: the HTTP status). An event that cannot be written or
delivered is a warning; an unusable ``webhook_url`` is an input error found before anything is changed.
"""

import os
import time
import traceback
from collections.abc import Mapping

import yaml

from ansible.executor import module_common
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.plugins.action import ActionBase
from ansible.utils.display import Display

from ansible_collections.credrotate.cloud.plugins.module_utils._errors import redact_data
from ansible_collections.credrotate.cloud.plugins.module_utils._process import controller_process
from ansible_collections.credrotate.cloud.plugins.filter.unknown_variables import unknown_variables
from ansible_collections.credrotate.cloud.plugins.module_utils._rotate_spec import ARGUMENT_SPEC
from ansible_collections.credrotate.cloud.plugins.module_utils._validate import structure_problems, summary
from ansible_collections.credrotate.cloud.plugins.plugin_utils import _checks
from ansible_collections.credrotate.cloud.plugins.plugin_utils import _events
from ansible_collections.credrotate.cloud.plugins.plugin_utils._engine import Engine
from ansible_collections.credrotate.cloud.plugins.plugin_utils._services import Services

display = Display()
# A member of each action group: its module_defaults (group/credrotate.cloud.huaweicloud, ...) apply.
# Variables the role itself sets (its registered result), not options of its argument spec.
ROLE_OUTPUTS = ("rotation_result",)
# The engine's attributes that hold a password once it ran (the redaction set of the result and the event).
PASSWORD_ATTRIBUTES = ("pending", "current", "previous", "restore", "working_password")
GROUP_MEMBERS = {"huaweicloud": "credrotate.cloud.drs_job_password", "alicloud": "credrotate.cloud.dts_job_password"}


def _named(options, prefix):
    """``options`` (a spec or the arguments) keyed as the caller names them: the role's variables are
    ``rotation_`` + the option (``rotation_id`` is its own name)."""
    if not prefix:
        return options
    return dict((k if k.startswith("rotation_") or k == "option_prefix" else prefix + k, v) for k, v in options.items())


# libyaml's safe loader when PyYAML has it (ten times faster on the role's spec), the pure one otherwise
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _plain(value):
    """``value`` as plain Python data: dicts, lists, str, int, float, bool, None.

    Task arguments arrive as ansible-core's tagged types (``str``/``int`` subclasses carrying their
    origin); every deep copy and walk of those is several times slower than of plain values, and the
    engine copies and walks the dependants list on each call. The values themselves are unchanged.
    """
    if isinstance(value, Mapping):
        return dict((_plain(k), _plain(v)) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, bool) or value is None:
        return value
    for kind in (str, int, float):
        if isinstance(value, kind):
            return kind(value)  # the value itself when it is a plain one already
    return value


def _fleet_run(task_vars):
    """The name of this run when its play rotates more than one credential (its discovery listings are then
    shared, see plugin_utils/_listing.py), else None: the controlling Ansible process and its start time."""
    hosts = task_vars.get("ansible_play_hosts_all")
    if not isinstance(hosts, (list, tuple)) or len(hosts) < 2:
        return None
    pid, start, _program = controller_process()
    return "%s-%s" % (pid, start) if start else None  # without a start time a reused pid could look the same


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        try:
            return self._run(tmp, task_vars)
        except Exception as exc:  # a defect: say so without a value that might be a secret (-vvv shows where)
            display.vvv(traceback.format_exc())
            return {"failed": True, "changed": False, "exception": traceback.format_exc(),
                    "msg": "credrotate.cloud.rotate stopped on an unexpected %s (a bug; the state record says which "
                           "step ran)" % type(exc).__name__}

    def _run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        result["changed"] = False
        args = _plain(self._task.args)
        prefix = args.get("option_prefix") if isinstance(args.get("option_prefix"), str) else ""
        label = "credrotate.cloud.rotation" if prefix else "credrotate.cloud.rotate"
        problems = structure_problems(_named(ARGUMENT_SPEC, prefix), _named(args, prefix))
        if prefix and "rotation_hosts" in (task_vars or {}) and not isinstance(task_vars["rotation_hosts"], str):
            problems.append(("rotation_hosts", "rotation_hosts", "rotation_hosts must be a string (a host pattern)"))
        if problems:
            return dict(result, failed=True, msg=summary(problems, label), invalid=[p[1] for p in problems])
        validated = ArgumentSpecValidator(ARGUMENT_SPEC).validate(args)
        secrets = set(v for v in validated._no_log_values if isinstance(v, str) and v)
        if validated.error_messages:
            return dict(result, failed=True, msg=redact_data("%s" % validated.errors.msg, secrets))
        settings = validated.validated_parameters
        unknown = self._unknown_variables(prefix, task_vars or {})
        problems = [(u["name"], u["name"], u["msg"]) for u in unknown] + _checks.problems(settings, prefix)
        if problems:
            return dict(result, failed=True, invalid=[p[1] for p in problems], msg=summary(problems, label))
        if settings.get("webhook_url"):
            try:  # a webhook that can never be called is an input error: found before anything is changed
                _events.check_url(settings["webhook_url"], name=prefix + "webhook_url")
            except _events.EventError as err:
                name = prefix + "webhook_url"
                return dict(result, failed=True, invalid=[name], msg=summary([(name, name, "%s" % err)], label))
        settings["check_mode"] = bool(self._task.check_mode)
        settings["fleet_run"] = _fleet_run(task_vars or {})
        host = (task_vars or {}).get("inventory_hostname") or settings["credential"]["name"]
        clouds = dict((cloud, dict(_plain(self._group_defaults(member)), **settings[cloud]))
                      for cloud, member in GROUP_MEMBERS.items())
        services = Services(clouds["huaweicloud"], clouds["alicloud"])
        webhook_secret = _events.webhook_secret(settings)
        if webhook_secret:
            secrets.add(webhook_secret)
        engine = Engine(settings, services, say=display.display, host=host)
        started = time.time()
        try:
            outcome = engine.run()
        except Exception as exc:  # a defect: still say that this credential failed, then report it as before
            self._publish(settings, engine, services, secrets, webhook_secret, host, started, {
                "failed": True, "changed": engine.changed, "rotation_id": engine.rotation_id, "mode": engine.mode,
                "steps": engine.steps, "msg": "credrotate.cloud.rotate stopped on an unexpected %s (a bug)"
                                              % type(exc).__name__})
            raise
        event, events, warnings = self._publish(settings, engine, services, secrets, webhook_secret, host, started,
                                                outcome)
        result.update(outcome)
        result["event"] = event
        result["events"] = events
        if warnings:
            result["warnings"] = list(result.get("warnings") or []) + warnings
        return redact_data(result, secrets)

    @staticmethod
    def _publish(settings, engine, services, secrets, webhook_secret, host, started, outcome):
        """The event of this run, appended to events_file and posted to webhook_url (never in check mode).

        Returns ``(event, events, warnings)``. The rotation is over: no problem here changes its outcome.
        """
        secrets.update(services.secrets)
        stored = getattr(engine, "secrets", None)
        stored = stored if isinstance(stored, dict) else {}
        pending = stored.get("pending") if isinstance(stored.get("pending"), dict) else {}
        found = [getattr(engine, name, None) for name in PASSWORD_ATTRIBUTES] + [
            stored.get("current"), stored.get("previous"), pending.get("password")]
        secrets.update(v for v in found if isinstance(v, str) and v)
        try:
            event = _events.event_for(settings, outcome, host, started, time.time(), secrets=secrets,
                                      plan=engine.plan if settings["check_mode"] else None)
            events, warnings = _events.publish(settings, event, secret=webhook_secret)
        except Exception as exc:  # a defect in the events: the rotation's own result stands
            display.vvv(traceback.format_exc())
            return None, {"written": None, "posted": None}, [
                "The event of %s was not published: an unexpected %s (a bug)" % (settings["credential"]["name"],
                                                                                 type(exc).__name__)]
        return event, events, warnings

    def _group_defaults(self, action):
        """The module_defaults a module of the collection's action groups would get in this task."""
        apply = getattr(module_common, "_apply_action_arg_defaults", None)
        if apply is not None:  # ansible-core 2.19
            return apply(action, self._task, {}, self._templar)
        legacy = getattr(module_common, "get_action_args_with_defaults", None)
        if legacy is not None:  # ansible-core 2.17, 2.18
            return legacy(action, {}, self._task.module_defaults, self._templar,
                          action_groups=self._task._parent._play._action_groups)
        return {}

    def _unknown_variables(self, prefix, task_vars):
        """Variables starting with ``prefix`` that the task's role does not declare (names only, never values)."""
        role = getattr(self._task, "_role", None)
        if not prefix or role is None:
            return []
        path = os.path.join(role._role_path, "meta", "argument_specs.yml")
        try:
            with open(path) as handle:
                options = yaml.load(handle, Loader=SAFE_LOADER)["argument_specs"]["main"]["options"]  # nosec: safe
        except (OSError, KeyError, TypeError, yaml.YAMLError):
            return []
        names = [n for n in task_vars if n.lower().startswith(prefix.lower()) and n not in ROLE_OUTPUTS]
        return unknown_variables(names, options, prefix=prefix, role=role.get_name())
