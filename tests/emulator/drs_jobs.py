"""Huawei DRS job lifecycle: statuses, a job's fixture form, the health of its stored passwords,
recovery after a password failure, the reconnect delay, and what ``batch-retry-task`` does.

:mod:`emulator.drs` serves the HTTP calls; this module decides what happens to a job.

**Health.** Each job endpoint with a ``database.ref`` is checked with
``emu.databases.check(ref, user, stored_password)`` when jobs are read (at most every
``drs_health_interval`` seconds) and right after ``batch-modify-pwd`` changed the job. Only
running jobs can fail: INCRE_TRANSFER_STARTED goes to INCRE_TRANSFER_FAILED and
FULL_TRANSFER_STARTED to FULL_TRANSFER_FAILED, with ``DRS.KE0002`` "The username or password is
incorrect". The job keeps ``health_failure: {from: <running state>, endpoints: [source|target]}``.

**Recovery** (setting ``job_recovery``, per job ``recovery``: ``auto`` | ``manual``, default
``auto``). Whether DRS resumes a job by itself once its password is right again is not
documented (DESIGN.md, "The emulator"); both behaviours are offered:

* ``auto`` (the emulator's behaviour before this setting existed): once every stored password
  logs in again, a job that failed for that reason returns to the state it had.
* ``manual``: the job stays failed (status, ``DRS.KE0002``) even after its passwords are right,
  until ``batch-retry-task`` names it; ``health_failure.endpoints`` is then ``[]`` (waiting for a
  retry).

**batch-retry-task** (``POST /v3/{project_id}/jobs/batch-retry-task``, SDK ``BatchRestoreTask``
with ``BatchRetryReq`` / ``RetryInfo {job_id, is_sync_re_edit}`` and ``BatchRestoreTaskResponse``
``{count, results: [RetryTaskResp {id, status, error_code, error_msg}]}``; reference Appendix;
Huawei/OTC API page drs_03_0132 "retry failed tasks", Huawei adds "resume a suspended task").
Jobs it takes: INCRE_TRANSFER_FAILED, FULL_TRANSFER_FAILED (either failure cause) and PAUSING
(resumed as INCRE_TRANSFER_STARTED). A retried job reconnects at once (no reconnect delay): every
stored password is checked; if all log in, the job returns to its running state (the one it
failed from, else INCRE/FULL_TRANSFER_STARTED) and its error is cleared; if one is still refused,
it is failed again at once (``DRS.KE0002``). The retry itself is answered ``success`` in both
cases: the new failure shows in the job's status, as a later failure would in the cloud.
``is_sync_re_edit`` is accepted (boolean) and has no effect: the emulator has no re-edit.

**Reconnect delay** (setting ``reconnect_delay``, per job ``reconnect_delay``, seconds, default
0). MySQL keeps existing sessions after ``ALTER USER``, so a running job keeps working for a while
after its database's password changes. With a delay, a running job whose stored password is
refused stays healthy until the refusal is ``reconnect_delay`` seconds old, and only then fails
(``update_time`` = the moment it became due). The emulator cannot see when a database password
changes: it learns it from the first health check that finds the stored password refused, and
counts the delay from that check (``refused_since`` per endpoint, emulator clock: the clock-skew
admin moves it). A side that logs in again is forgotten. An endpoint whose stored password was
just changed by ``batch-modify-pwd`` is checked without delay (DRS reconnects it with the new
password), as is every endpoint of a retried job.

State kept on a job (in the state file; optional in fixtures): ``error_code``,
``error_message``, ``health_failure``, ``refused_since`` (``{side: epoch s}``).
"""

import copy
import numbers
import uuid

STATUSES = (
    "CREATING", "CREATE_FAILED", "CONFIGURATION", "STARTJOBING", "WAITING_FOR_START", "START_JOB_FAILED",
    "PAUSING", "FULL_TRANSFER_STARTED", "FULL_TRANSFER_FAILED", "FULL_TRANSFER_COMPLETE",
    "INCRE_TRANSFER_STARTED", "INCRE_TRANSFER_FAILED", "RELEASE_RESOURCE_STARTED", "RELEASE_RESOURCE_FAILED",
    "RELEASE_RESOURCE_COMPLETE", "REBUILD_NODE_STARTED", "REBUILD_NODE_FAILED", "CHANGE_JOB_STARTED",
    "CHANGE_JOB_FAILED", "DELETED", "CHILD_TRANSFER_STARTING", "CHILD_TRANSFER_STARTED",
    "CHILD_TRANSFER_COMPLETE", "CHILD_TRANSFER_FAILED", "RELEASE_CHILD_TRANSFER_STARTED",
    "RELEASE_CHILD_TRANSFER_COMPLETE", "NODE_UPGRADE_START", "NODE_UPGRADE_COMPLETE", "NODE_UPGRADE_FAILED",
)
STATUS_ALIASES = {"STARTJOB_FAILED": "START_JOB_FAILED", "PAUSEING": "PAUSING"}
PASSWORD_CHANGE_ALLOWED = frozenset((
    "STARTJOBING", "START_JOB_FAILED", "FULL_TRANSFER_STARTED", "FULL_TRANSFER_FAILED",
    "FULL_TRANSFER_COMPLETE", "INCRE_TRANSFER_STARTED", "INCRE_TRANSFER_FAILED", "PAUSING",
))
# running state -> state a job falls into when a stored password stops logging in
HEALTH_FAILS_TO = {"INCRE_TRANSFER_STARTED": "INCRE_TRANSFER_FAILED", "FULL_TRANSFER_STARTED": "FULL_TRANSFER_FAILED"}
# states batch-retry-task takes -> the running state it resumes when the job failed for another reason
RETRY_RESUMES = {"INCRE_TRANSFER_FAILED": "INCRE_TRANSFER_STARTED", "FULL_TRANSFER_FAILED": "FULL_TRANSFER_STARTED",
                 "PAUSING": "INCRE_TRANSFER_STARTED"}
AUTH_FAILURE_CODE = "DRS.KE0002"
AUTH_FAILURE_MESSAGE = "The username or password is incorrect"
RECOVERY_MODES = ("auto", "manual")
SIDES = ("source", "target")


def ms(epoch):
    return str(int(epoch * 1000))


def normalise_status(value):
    value = str(value or "INCRE_TRANSFER_STARTED").upper()
    return STATUS_ALIASES.get(value, value)


def normalise_endpoint(raw):
    ep = copy.deepcopy(raw or {})
    database = dict(ep.get("database") or {})
    for alias in ("user", "db_user"):
        if alias in ep:
            database.setdefault("user", ep.pop(alias))
    ep["database"] = database
    ref = database.get("ref")
    if ref and str(ref).startswith("external:"):
        parts = str(ref).split(":")
        if len(parts) >= 3:
            ep.setdefault("ip", ":".join(parts[1:-1]))
            ep.setdefault("db_port", parts[-1])
    elif ref:
        ep.setdefault("inst_id", ref)
    if ep.get("db_port") not in (None, ""):
        ep["db_port"] = int(ep["db_port"])
    return ep


def recovery_value(value, where):
    """``auto``/``manual`` or None (not set); anything else is a fixture error naming ``where``."""
    if value is None or value in RECOVERY_MODES:
        return value
    raise ValueError("drs: %s must be auto or manual, not %r" % (where, value))


def delay_value(value, where):
    """Seconds (>= 0) or None (not set); anything else is a fixture error naming ``where``."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not value >= 0:  # NaN too
        raise ValueError("drs: %s must be a number of seconds >= 0, not %r" % (where, value))
    return value


def parse_job(raw, now):
    """One job of the fixture ``drs.jobs`` list, with its defaults, or ValueError."""
    job = copy.deepcopy(raw)
    job.setdefault("id", "%sjb01" % str(uuid.uuid4())[:-4])
    job["id"] = str(job["id"])
    job.setdefault("name", job["id"])
    job["status"] = normalise_status(job.get("status"))
    if job["status"] not in STATUSES:
        raise ValueError("drs: job %s has an unknown status %r" % (job["id"], raw.get("status")))
    for key, default in (("db_use_type", "migration"), ("engine_type", "mysql"), ("task_type", "FULL_INCR_TRANS"),
                         ("job_direction", "up"), ("net_type", "eip"), ("description", ""),
                         ("create_time", ms(now))):
        job.setdefault(key, default)
    job["create_time"] = str(job["create_time"])
    job.setdefault("update_time", job["create_time"])
    job["source"] = normalise_endpoint(job.get("source"))
    job["target"] = normalise_endpoint(job.get("target"))
    recovery_value(job.get("recovery"), "job %s recovery" % job["id"])
    delay_value(job.get("reconnect_delay"), "job %s reconnect_delay" % job["id"])
    refused = job.get("refused_since")
    if refused is not None:
        if not isinstance(refused, dict) or not set(refused) <= set(SIDES):
            raise ValueError("drs: job %s refused_since must map source/target to epoch seconds" % job["id"])
        for side, since in refused.items():
            delay_value(since, "job %s refused_since.%s" % (job["id"], side))
    return job


class JobHealth:
    """Health checks, recovery and retry of the jobs of one :class:`emulator.drs.DrsService`.

    Logins run outside ``emu.lock`` (a real database may be slow); job state changes under it.
    """

    def __init__(self, emu):
        self.emu = emu
        self.checked_at = {}  # job id -> emulator time of the last health check

    def validate_settings(self):
        recovery_value(self.emu.setting("job_recovery", None), "settings.job_recovery")
        delay_value(self.emu.setting("reconnect_delay", None), "settings.reconnect_delay")

    def recovery(self, job):
        return job.get("recovery") or self.emu.setting("job_recovery", None) or "auto"

    def reconnect_delay(self, job):
        value = job.get("reconnect_delay")
        if value is None:
            value = self.emu.setting("reconnect_delay", None)
        return float(value or 0)

    # -- probing -------------------------------------------------------------------------
    @staticmethod
    def _sides(job):
        return [(side, job[side]["database"]["ref"], job[side]["database"].get("user"), job[side].get("password"))
                for side in SIDES if job[side]["database"].get("ref")]

    def login(self, ref, user, password):
        """True/False from the database, None when unknown or unreachable."""
        try:
            return self.emu.databases.check(ref, user, password)
        except Exception:  # noqa: BLE001 - an unreachable database says nothing about the password
            return None

    def _refused(self, sides):
        return [side for side, ref, user, password in sides if self.login(ref, user, password) is False]

    @staticmethod
    def _changed_meanwhile(job, sides):
        return any(job[side].get("password") != password for side, dummy, dummy, password in sides)

    def check(self, jobs, force=False, immediate=None):
        """Check the stored passwords of ``jobs`` and apply the result.

        ``force`` ignores ``drs_health_interval``; ``immediate`` maps a job id to the sides whose
        stored password was just changed (checked without reconnect delay).
        """
        interval = float(self.emu.setting("drs_health_interval", 0) or 0)
        now = self.emu.now()
        probes = []
        with self.emu.lock:
            for job in jobs:
                if job["status"] not in HEALTH_FAILS_TO and not job.get("health_failure"):
                    continue  # nothing a login result could change
                last = self.checked_at.get(job["id"])
                if not force and interval > 0 and last is not None and now - last < interval:
                    continue
                sides = self._sides(job)
                if sides:
                    self.checked_at[job["id"]] = now
                    probes.append((job, sides))
        results = [(job, sides, self._refused(sides)) for job, sides in probes]
        with self.emu.lock:
            for job, sides, bad in results:
                if self._changed_meanwhile(job, sides):
                    continue  # changed meanwhile; that change ran its own check
                self._apply(job, bad, now, (immediate or {}).get(job["id"], ()))

    # -- state changes (under emu.lock) --------------------------------------------------
    def _apply(self, job, bad, now, immediate):
        failure = job.get("health_failure")
        status = job["status"]
        if status in HEALTH_FAILS_TO:
            job.pop("health_failure", None)
            failed_at = self._due(job, bad, now, immediate)
            if failed_at is not None:
                self._fail(job, status, bad, failed_at)
        elif failure and status == HEALTH_FAILS_TO.get(failure.get("from")):
            job.pop("refused_since", None)
            if bad:
                failure["endpoints"] = bad
            elif self.recovery(job) == "auto":
                self._resume(job, failure["from"], now)
            else:
                failure["endpoints"] = []  # passwords right again; waits for batch-retry-task
        elif failure:
            job.pop("health_failure", None)  # its status was changed by other means

    def _due(self, job, bad, now, immediate):
        """When a running job with refused ``bad`` sides fails: an emulator time, or None (not yet)."""
        delay = self.reconnect_delay(job)
        pending = dict((side, since) for side, since in (job.get("refused_since") or {}).items() if side in bad)
        due = []
        for side in bad:
            if delay <= 0 or side in immediate:
                due.append(now)
            else:
                since = pending.setdefault(side, now)
                if now - since >= delay:
                    due.append(since + delay)
        if pending and not due:
            job["refused_since"] = pending
        else:
            job.pop("refused_since", None)
        return min(due) if due else None

    def _fail(self, job, running, bad, when):
        job["health_failure"] = {"from": running, "endpoints": list(bad)}
        job["status"] = HEALTH_FAILS_TO[running]
        job["error_code"] = AUTH_FAILURE_CODE
        job["error_message"] = AUTH_FAILURE_MESSAGE
        job["update_time"] = ms(when)
        job.pop("refused_since", None)

    @staticmethod
    def _resume(job, running, now):
        job["status"] = running
        for key in ("error_code", "error_message", "health_failure", "refused_since"):
            job.pop(key, None)
        job["update_time"] = ms(now)

    # -- batch-retry-task ----------------------------------------------------------------
    @staticmethod
    def retryable(job):
        return job["status"] in RETRY_RESUMES

    def retry(self, jobs):
        """Resume each job (already found :meth:`retryable`): reconnect every side now, then run or fail."""
        with self.emu.lock:
            probes = [(job, self._sides(job)) for job in jobs]
        results = [(job, sides, self._refused(sides)) for job, sides in probes]
        now = self.emu.now()
        with self.emu.lock:
            for job, sides, bad in results:
                failure = job.get("health_failure") or {}
                if failure and job["status"] == HEALTH_FAILS_TO.get(failure.get("from")):
                    running = failure["from"]
                else:
                    running = RETRY_RESUMES.get(job["status"])
                if running is None or self._changed_meanwhile(job, sides):
                    continue  # its state or passwords changed meanwhile; that change decides
                self.checked_at[job["id"]] = now
                if bad:
                    self._fail(job, running, bad, now)
                else:
                    self._resume(job, running, now)
