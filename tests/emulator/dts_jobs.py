"""DTS jobs: state, fixtures, views, health against the databases, recovery and ``StartDtsJob``.

A job has a ``forward`` direction and, for a two-way synchronization, a ``reverse`` one; each
direction has its own status, error message and source/destination endpoints (with the stored
``password``). :class:`DtsJobs` keeps them for :class:`emulator.alibaba.DtsService`.

**Health.** When jobs are read (detail, list) and after a write (``ModifyDtsJobPassword``,
``StartDtsJob``), each endpoint's stored credentials are checked through
``emu.databases.check(ref, user, password)`` (``database.user``, defaulting to the endpoint's
``user``), at most every ``dts_health_interval`` seconds (default 0 = every read; a write always
checks). Only running directions (Initializing, Synchronizing, Migrating, Retrying, Normal) are
checked, plus directions that failed *for that reason*. A login failure turns a direction
``Failed`` (SYNC) / ``MigrationFailed`` (MIGRATION) / ``Abnormal`` (SUBSCRIBE) with an
``ErrorMessage`` naming the endpoint, the database ref and the user ("DTS-070010 ... Access
denied ..."). A direction failed for another reason (admin-set) is left alone. Unknown refs count
as healthy; a checker that raises (backend unreachable) leaves the job unchanged.

**Recovery** (global setting ``job_recovery``, per job ``recovery``; the job's value wins):

* ``auto`` (default, the behaviour before these settings existed): once the stored passwords log
  in again (database restored, or ``ModifyDtsJobPassword`` with the right one), the next check
  puts the direction back in the status it had (Retrying becomes Synchronizing / Migrating /
  Normal), error message cleared. This is DTS still inside its reconnect-retry window.
* ``manual``: a direction failed by the health check stays failed after the password is
  corrected; reads and ``ModifyDtsJobPassword`` do not revive it. ``StartDtsJob`` re-checks its
  stored passwords: right -> back to the status it had; wrong -> failed again (fresh message).
  This is DTS past its retry window (see the reference note in ``emulator/alibaba.py``).

**Reconnect delay** (global setting ``reconnect_delay``, per job ``reconnect_delay``, seconds,
default 0): a running direction whose stored password the database starts refusing keeps
working that many seconds, as MySQL keeps the sessions it already authenticated after
``ALTER USER``; only then the health check fails it. The emulator cannot see when a database
password changed, so the delay runs from the first health check that saw the refusal, per
endpoint (``denied_since``: ``{source|destination: epoch s}``, emulator clock: ``POST
/_emulator/clock`` moves it). An endpoint that logs in again is forgotten. The endpoint whose
password ``ModifyDtsJobPassword`` just changed reconnects with it, so it is checked without delay
(the job's other endpoint keeps its own); ``StartDtsJob`` reconnects both. The DRS emulator
(``emulator/drs_jobs.py``) reads the same settings the same way.

**StartDtsJob** is accepted in NotStarted, PreCheckPass, Suspending, Failed, MigrationFailed,
InitializeFailed and Abnormal (see the reference note for which of these are documented);
Modifying gives ``DTS.Msg.OperationDenied.JobStatusModifying``, every other status (a running
job, NotConfigured, Prechecking, PrecheckFailed, Upgrade, Downgrade, Locked, Finished, Starting)
``DTS.Msg.OperationDenied.JobStatus``. The start takes effect at once: a direction failed by the
health check goes through the re-check above; any other accepted status becomes the type's
running status (Synchronizing / Migrating / Normal), error message cleared, and is then checked.

Fixture keys of a job (section ``dts.jobs[]``)::

    - id: l3m1213ye7l1234            # DtsJobId
      name: orders-sync              # DtsJobName (default: id)
      instance_id: dtsl3m1213ye7l    # DtsInstanceID (default: "dts" + id)
      region: cn-hangzhou
      job_type: SYNC                 # SYNC | MIGRATION | SUBSCRIBE
      status: Synchronizing          # default: Synchronizing / Migrating / Normal by type
      error_message: ""
      recovery: manual               # auto | manual (default: settings.job_recovery, else auto)
      reconnect_delay: 30            # seconds (default: settings.reconnect_delay, else 0)
      reverse: false                 # true = two-way sync: a Reverse direction whose endpoints are
                                     # copies of these, swapped; or a mapping {status, source,
                                     # destination, ...} like the job's
      source:
        user: dtstest
        password: "..."
        database: {ref: <gaussdb or dcs instance id or external:host:port>, user: dtstest}
        engine: MySQL                # EngineName
        instance_id: pxc-xxxx        # InstanceID
        instance_type: RDS           # InstanceType
        ip: 10.0.0.1
        port: 3306
        region: cn-hangzhou
        database_name: orders
        can_modify_password: true
      destination: {...same keys...}

``dump()`` writes the same keys (``reverse`` always as a mapping, or ``false``) plus per endpoint
``password_changes`` and, for a direction failed by the health check, ``auth_failed`` and
``running_status``, and ``denied_since`` while a reconnect delay runs.
"""

import collections

JOB_TYPES = {"SYNC": "SYNC", "SYNCHRONIZATION": "SYNC", "MIGRATION": "MIGRATION", "ONLINE": "MIGRATION",
             "SUBSCRIBE": "SUBSCRIBE", "SUBSCRIPTION": "SUBSCRIBE"}
ACCEPTS_PASSWORD = frozenset(s.lower() for s in (
    "NotStarted", "Initializing", "Synchronizing", "Migrating", "Failed", "InitializeFailed", "MigrationFailed",
    "Suspending", "Retrying", "Normal", "Abnormal"))
ACCEPTS_START = frozenset(s.lower() for s in (
    "NotStarted", "PreCheckPass", "Suspending", "Failed", "MigrationFailed", "InitializeFailed", "Abnormal"))
RUNNING = frozenset(s.lower() for s in ("Initializing", "Synchronizing", "Migrating", "Retrying", "Normal"))
FAILED_STATUS = {"SYNC": "Failed", "MIGRATION": "MigrationFailed", "SUBSCRIBE": "Abnormal"}
RUNNING_STATUS = {"SYNC": "Synchronizing", "MIGRATION": "Migrating", "SUBSCRIBE": "Normal"}
ENDPOINT_KEYS = {"src": "source", "dest": "destination"}
RECOVERY_MODES = ("auto", "manual")
INVALID_PARAMETER_MESSAGE = "The Value of Input Parameter %s is not valid."
STATUS_DENIED_MESSAGE = "The operation is not supported when the job status is %s."


class BusinessError(Exception):
    """A DTS ``Success:false`` answer."""

    def __init__(self, code, message, dynamic, http_status):
        super().__init__(code)
        self.code, self.message, self.dynamic, self.http_status = code, message, dynamic, http_status


def invalid(name):
    return BusinessError("InvalidParameter", INVALID_PARAMETER_MESSAGE, name, 400)


def status_denied(status):
    """The business error for an action the job's status does not allow."""
    if status.lower() == "modifying":
        return BusinessError("DTS.Msg.OperationDenied.JobStatusModifying", STATUS_DENIED_MESSAGE, status, 403)
    return BusinessError("DTS.Msg.OperationDenied.JobStatus", STATUS_DENIED_MESSAGE, status, 403)


def recovery_mode(value, where):
    """``auto``/``manual`` (None stays None); anything else is a fixture error naming ``where``."""
    if value is None:
        return None
    if value not in RECOVERY_MODES:
        raise ValueError("%s must be auto or manual, not %r" % (where, value))
    return value


def seconds(value, where):
    """A non-negative number of seconds (None stays None); anything else is a fixture error."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value >= 0:
        raise ValueError("%s must be a number of seconds >= 0, not %r" % (where, value))
    return float(value)


def _load_endpoint(spec):
    if spec is None:
        return None
    spec = dict(spec)
    return {
        "user": spec.get("user", ""), "password": spec.get("password", ""),
        "database": dict(spec["database"]) if spec.get("database") else None,
        "engine": spec.get("engine", "MySQL"), "instance_id": spec.get("instance_id", ""),
        "instance_type": spec.get("instance_type", "RDS"), "ip": spec.get("ip", ""),
        "port": str(spec.get("port", "3306")), "region": spec.get("region", ""),
        "database_name": spec.get("database_name", ""),
        "can_modify_password": bool(spec.get("can_modify_password", True)),
        "password_changes": int(spec.get("password_changes", 0)),
    }


def _load_direction(spec, job_type):
    return {
        "status": spec.get("status") or RUNNING_STATUS[job_type],
        "error_message": spec.get("error_message", ""),
        "auth_failed": bool(spec.get("auth_failed", False)),
        "running_status": spec.get("running_status"),
        "denied_since": dict(spec.get("denied_since") or {}),
        "source": _load_endpoint(spec.get("source")),
        "destination": _load_endpoint(spec.get("destination")),
        "checked_at": None,
    }


def load_job(spec):
    job_type = JOB_TYPES.get(str(spec.get("job_type", "SYNC")).upper())
    if job_type is None:
        raise ValueError("dts job %s: job_type must be SYNC, MIGRATION or SUBSCRIBE" % spec.get("id"))
    job_id = str(spec["id"])
    job = {"id": job_id, "name": spec.get("name", job_id), "instance_id": spec.get("instance_id", "dts" + job_id),
           "region": spec.get("region", ""), "job_type": job_type,
           "recovery": recovery_mode(spec.get("recovery"), "dts job %s: recovery" % job_id),
           "reconnect_delay": seconds(spec.get("reconnect_delay"), "dts job %s: reconnect_delay" % job_id),
           "forward": _load_direction(spec, job_type), "reverse": None}
    reverse = spec.get("reverse")
    if reverse:
        if reverse is True:
            reverse = {}
        reverse = dict(reverse)
        reverse.setdefault("source", spec.get("destination"))
        reverse.setdefault("destination", spec.get("source"))
        reverse.setdefault("status", job["forward"]["status"])
        job["reverse"] = _load_direction(reverse, job_type)
    return job


def _dump_endpoint(endpoint):
    if endpoint is None:
        return None
    out = dict(endpoint)
    out["database"] = dict(endpoint["database"]) if endpoint["database"] else None
    if out["database"] is None:
        del out["database"]
    return out


def _dump_direction(direction):
    out = {"status": direction["status"], "error_message": direction["error_message"],
           "source": _dump_endpoint(direction["source"]), "destination": _dump_endpoint(direction["destination"])}
    for key in ("auth_failed", "running_status", "denied_since"):
        if direction[key]:
            out[key] = dict(direction[key]) if key == "denied_since" else direction[key]
    return out


def dump_job(job):
    out = {"id": job["id"], "name": job["name"], "instance_id": job["instance_id"], "region": job["region"],
           "job_type": job["job_type"]}
    for key in ("recovery", "reconnect_delay"):
        if job[key] is not None:
            out[key] = job[key]
    out.update(_dump_direction(job["forward"]))
    out["reverse"] = _dump_direction(job["reverse"]) if job["reverse"] else False
    return out


def _summary_endpoint(endpoint):
    if endpoint is None:
        return None
    return {"user": endpoint["user"], "engine": endpoint["engine"], "instance_id": endpoint["instance_id"],
            "database": (endpoint["database"] or {}).get("ref"), "can_modify_password": endpoint["can_modify_password"],
            "password_changes": endpoint["password_changes"]}


def summary_direction(direction):
    """The secret-free view of one direction (admin ``state`` and ``status`` routes)."""
    return {"status": direction["status"], "error_message": direction["error_message"],
            "auth_failed": direction["auth_failed"],
            "source": _summary_endpoint(direction["source"]),
            "destination": _summary_endpoint(direction["destination"])}


def direction_of(job, name):
    """The job's ``Forward`` (default) or ``Reverse`` direction; None when it has no such direction."""
    if name in (None, "", "Forward"):
        return job["forward"]
    if name == "Reverse":
        return job["reverse"]
    return None


def _endpoint_view(endpoint, detail):
    if endpoint is None:
        return None
    view = {"UserName": endpoint["user"], "EngineName": endpoint["engine"], "InstanceID": endpoint["instance_id"],
            "InstanceType": endpoint["instance_type"], "Ip": endpoint["ip"], "Port": endpoint["port"],
            "Region": endpoint["region"], "DatabaseName": endpoint["database_name"]}
    if detail:
        view["CanModifyPassword"] = endpoint["can_modify_password"]
    return view


def job_view(job, direction, direction_name, detail):
    """One direction as ``DescribeDtsJobDetail`` (``detail``) or a ``DescribeDtsJobs`` item shows it."""
    view = {"DtsJobId": job["id"], "DtsInstanceID": job["instance_id"], "DtsJobName": job["name"],
            "JobType": job["job_type"], "Status": direction["status"], "ErrorMessage": direction["error_message"],
            "SourceEndpoint": _endpoint_view(direction["source"], detail),
            "DestinationEndpoint": _endpoint_view(direction["destination"], detail)}
    if job["reverse"]:
        view["DtsJobDirection"] = direction_name
        if detail:
            view["SynchronizationDirection"] = direction_name
    return dict((k, v) for k, v in view.items() if v is not None)


class DtsJobs:
    """The jobs of the DTS service, their health checks and ``StartDtsJob``."""

    def __init__(self, emu):
        self.emu = emu
        self.jobs = collections.OrderedDict()

    def load(self, specs):
        recovery_mode(self.emu.setting("job_recovery", None), "settings.job_recovery")
        seconds(self.emu.setting("reconnect_delay", None), "settings.reconnect_delay")
        self.jobs = collections.OrderedDict()
        for spec in specs or []:
            job = load_job(spec)
            self.jobs[job["id"]] = job

    def dump(self):
        return [dump_job(job) for job in self.jobs.values()]

    def summary(self):
        jobs = []
        for job in self.jobs.values():
            out = {"id": job["id"], "name": job["name"], "instance_id": job["instance_id"],
                   "region": job["region"], "job_type": job["job_type"], "recovery": self.recovery(job),
                   "reconnect_delay": self.reconnect_delay(job)}
            out.update(summary_direction(job["forward"]))
            out["reverse"] = summary_direction(job["reverse"]) if job["reverse"] else None
            jobs.append(out)
        return jobs

    # -- settings ----------------------------------------------------------------------------
    def recovery(self, job):
        return job["recovery"] or self.emu.setting("job_recovery", None) or "auto"

    def reconnect_delay(self, job):
        if job["reconnect_delay"] is not None:
            return job["reconnect_delay"]
        return float(self.emu.setting("reconnect_delay", None) or 0)

    # -- lookup ------------------------------------------------------------------------------
    def find(self, params):
        """The job named by DtsJobId (or DtsInstanceID alone), within RegionId when given."""
        job_id = params.get("DtsJobId")
        instance = params.get("DtsInstanceID") or params.get("DtsInstanceId")
        if job_id:
            job = self.jobs.get(job_id)
            if job is not None and instance and job["instance_id"] != instance:
                job = None
        elif instance:
            job = next((j for j in self.jobs.values() if j["instance_id"] == instance), None)
        else:
            job = None
        region = params.get("RegionId")
        if job is not None and region and job["region"] and job["region"] != region:
            job = None
        if job is None:
            raise invalid("DtsJobId")
        return job

    # -- StartDtsJob -------------------------------------------------------------------------
    def start(self, job, direction):
        """``StartDtsJob`` of one direction (see the module doc); raises :class:`BusinessError` when refused."""
        with self.emu.lock:
            status = direction["status"]
            if status.lower() not in ACCEPTS_START:
                raise status_denied(status)
            if not direction["auth_failed"]:
                direction["status"] = RUNNING_STATUS[job["job_type"]]
                direction["error_message"] = ""
                direction["running_status"] = None
            direction["denied_since"] = {}
        self.check_health(job, force=True, reconnect=[(direction, "source"), (direction, "destination")],
                          restart=direction)

    # -- health ------------------------------------------------------------------------------
    def check_health(self, job, force=False, reconnect=(), restart=None):
        """Check each direction's stored credentials against the databases (see the module doc).

        ``force`` (a write): ignore ``dts_health_interval``. ``reconnect``: ``(direction, endpoint
        name)`` pairs that connect again now, so no reconnect delay applies to them. ``restart``:
        the direction ``StartDtsJob`` restarts, which recovers even under ``manual`` recovery.
        """
        interval = float(self.emu.setting("dts_health_interval", 0))
        now = self.emu.now()
        manual = self.recovery(job) == "manual"
        plans = []
        with self.emu.lock:
            for direction in (job["forward"], job["reverse"]):
                if direction is None:
                    continue
                if direction["auth_failed"]:
                    if manual and direction is not restart:
                        continue
                elif direction["status"].lower() not in RUNNING:
                    continue
                if not force and direction["checked_at"] is not None and now - direction["checked_at"] < interval:
                    continue
                direction["checked_at"] = now
                plans.append((direction, self._credentials(direction)))
        for direction, creds in plans:
            refused = []
            try:
                for name, ref, user, password in creds:
                    if self.emu.databases.check(ref, user, password) is False:
                        refused.append((name, ref, user))
            except Exception:  # noqa: BLE001 - a backend outage is not an authentication verdict
                continue
            now_names = set(name for d, name in reconnect if d is direction)
            with self.emu.lock:
                if self._credentials(direction) != creds:
                    continue  # a password changed meanwhile; the next read decides
                self._apply(job, direction, refused, now, now_names)

    @staticmethod
    def _credentials(direction):
        creds = []
        for name in ("source", "destination"):
            endpoint = direction[name]
            if endpoint is None or not endpoint["database"] or not endpoint["database"].get("ref"):
                continue
            database = endpoint["database"]
            creds.append((name, database["ref"], database.get("user") or endpoint["user"], endpoint["password"]))
        return creds

    def _apply(self, job, direction, refused, now, reconnected):
        """Turn one check's refusals into the direction's status (delay, failure, recovery)."""
        since = direction["denied_since"]
        refused_names = set(failure[0] for failure in refused)
        for name in list(since):
            if name not in refused_names:
                del since[name]  # that side logs in again
        if not refused:
            if direction["auth_failed"]:
                previous = direction["running_status"] or ""
                if previous.lower() in ("", "retrying"):
                    previous = RUNNING_STATUS[job["job_type"]]
                direction["status"] = previous
                direction["running_status"] = None
                direction["auth_failed"] = False
                direction["error_message"] = ""
            return
        due = refused
        if not direction["auth_failed"]:
            delay = self.reconnect_delay(job)
            due = []
            for failure in refused:
                started = since.setdefault(failure[0], now)
                if failure[0] in reconnected or now - started >= delay:
                    due.append(failure)
            if not due:
                return  # the sessions it already has keep working
            direction["running_status"] = direction["status"]
        name, ref, user = due[0]
        direction["status"] = FAILED_STATUS[job["job_type"]]
        direction["auth_failed"] = True
        since.clear()
        direction["error_message"] = (
            "DTS-070010: %s database %s: Access denied for user '%s' (using password: YES); "
            "authentication failed, please check the account and password of the job." % (name, ref, user))
