"""Benchmark the emulator: signed DRS calls from K client threads on loopback.

    python tests/emulator/bench.py [--requests N] [--threads K] [--tls] [--url URL]

Starts an emulator (IAM + DRS; in a child process so the clients do not share its GIL), then
runs two phases of N requests each, every request freshly signed with AK/SK
(``SDK-HMAC-SHA256``) over keep-alive connections:

* ``batch-status``      POST /v3/{project}/jobs/batch-status (a cheap read), and
* ``batch-modify-pwd``  PUT  /v3/{project}/jobs/batch-modify-pwd (a one-item password write),

and prints requests/second and p50/p95/p99/max latency per phase. ``--url`` benchmarks an
emulator that is already running with this script's fixtures (``--print-fixtures``).
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

PROJECT = "0123456789abcdef0123456789abcdef"
AK, SK = "HPUABENCHMARK0000001", "benchmarkSecretKey0123456789abcdefghijKL"
JOBS = 16


def job_id(n):
    return "bbbbbbbb-0000-4000-8000-%08djb%02d" % (n, n % 100)


def fixtures():
    return {
        "iam": {"domains": [{
            "id": "d00000000000000000000000000000be", "name": "bench-domain",
            "users": [{"id": "ub", "name": "bench-user", "password": "Bench-Passw0rd!"}],
            "projects": [{"id": PROJECT, "name": "cn-north-4"}],
            "access_keys": [{"access": AK, "secret": SK, "user": "bench-user"}]}]},
        "drs": {"jobs": [{
            "id": job_id(n), "name": "bench-%02d" % n, "project_id": PROJECT, "status": "INCRE_TRANSFER_STARTED",
            "db_use_type": "sync", "source": {"database": {"user": "repl"}, "password": "Old-Src-Passw0rd!",
                                              "ip": "10.0.0.%d" % (n + 1), "db_port": 3306},
            "target": {"database": {"user": "repl"}, "password": "Old-Tgt-Passw0rd!"}} for n in range(JOBS)]},
    }


def serve(fixture_file, ready_file, tls_dir):
    """Child process: run IAM + DRS until killed."""
    from emulator.core import Emulator, load_fixture_file
    from emulator.drs import DrsService
    from emulator.huawei import IamService

    emu = Emulator(load_fixture_file(fixture_file), tls_dir=tls_dir, service_classes=[IamService, DrsService])
    url = emu.start()
    with open(ready_file + ".tmp", "w") as handle:
        handle.write(json.dumps({"url": url, "ca_file": emu.ca_file}))
    os.replace(ready_file + ".tmp", ready_file)
    threading.Event().wait()


def start_child(tls):
    workdir = tempfile.mkdtemp(prefix="emu-bench-")
    fixture_file = os.path.join(workdir, "fixtures.json")
    ready_file = os.path.join(workdir, "ready.json")
    with open(fixture_file, "w") as handle:
        json.dump(fixtures(), handle)
    args = [sys.executable, os.path.abspath(__file__), "--serve", fixture_file, ready_file]
    if tls:
        args.append(os.path.join(workdir, "tls"))
    child = subprocess.Popen(args)
    deadline = time.time() + 30
    while not os.path.exists(ready_file):
        if child.poll() is not None or time.time() > deadline:
            child.kill()
            raise SystemExit("the emulator did not start (exit code %s)" % child.poll())
        time.sleep(0.05)
    with open(ready_file) as handle:
        info = json.load(handle)
    return child, info["url"], info["ca_file"]


def percentile(sorted_values, pct):
    if not sorted_values:
        return float("nan")
    rank = max(1, int(round(pct / 100.0 * len(sorted_values) + 0.4999)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


def run_phase(name, base_url, verify, total, threads, make_request):
    import requests

    from emulator.signing import signing

    counter = {"next": 0}
    lock = threading.Lock()
    latencies, errors = [], []

    def worker(index):
        session = requests.Session()
        mine, failed = [], []
        while True:
            with lock:
                n = counter["next"]
                if n >= total:
                    break
                counter["next"] = n + 1
            method, path, body = make_request(n, index)
            url = base_url + path
            data = json.dumps(body).encode("utf-8")
            started = time.perf_counter()
            headers = signing.huawei_sign(method, url, {"Content-Type": "application/json", "X-Project-Id": PROJECT},
                                          data, AK, SK)
            try:
                # verify per request: a session-level value loses to REQUESTS_CA_BUNDLE
                resp = session.request(method, url, data=data, headers=headers, timeout=30, verify=verify)
                ok = resp.status_code == 200
                if ok and "results" in resp.json():
                    ok = all(r.get("status") != "failed" for r in resp.json()["results"])
                if not ok:
                    failed.append(resp.status_code)
            except requests.RequestException as exc:
                failed.append(type(exc).__name__)
            mine.append((time.perf_counter() - started) * 1000.0)
        session.close()
        with lock:
            latencies.extend(mine)
            errors.extend(failed)

    workers = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
    started = time.perf_counter()
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join()
    elapsed = time.perf_counter() - started
    latencies.sort()
    return {"phase": name, "requests": len(latencies), "errors": len(errors), "seconds": elapsed,
            "rps": len(latencies) / elapsed if elapsed else float("nan"),
            "p50": percentile(latencies, 50), "p95": percentile(latencies, 95),
            "p99": percentile(latencies, 99), "max": latencies[-1] if latencies else float("nan"),
            "error_kinds": sorted(set(str(e) for e in errors))}


def read_request(n, thread):
    ids = [job_id((n + k) % JOBS) for k in range(2)]
    return "POST", "/v3/%s/jobs/batch-status" % PROJECT, {"jobs": ids}


def write_request(n, thread):
    job = job_id(n % JOBS)
    return "PUT", "/v3/%s/jobs/batch-modify-pwd" % PROJECT, {"jobs": [
        {"job_id": job, "end_point_type": "so" if n % 2 else "ta", "db_password": "Bench-N3w-Pass!%06d" % n}]}


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python tests/emulator/bench.py", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=2000, help="requests per phase (default 2000)")
    parser.add_argument("--threads", type=int, default=8, help="client threads (default 8)")
    parser.add_argument("--tls", action="store_true", help="serve HTTPS with a generated CA")
    parser.add_argument("--url", help="benchmark a running emulator loaded with --print-fixtures")
    parser.add_argument("--print-fixtures", action="store_true", help="print the fixtures (JSON) and exit")
    parser.add_argument("--serve", nargs="+", metavar="ARG", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.serve:
        serve(args.serve[0], args.serve[1], args.serve[2] if len(args.serve) > 2 else None)
        return 0
    if args.print_fixtures:
        print(json.dumps(fixtures(), indent=1))
        return 0

    child, verify = None, True
    if args.url:
        base_url = args.url.rstrip("/")
    else:
        child, base_url, ca_file = start_child(args.tls)
        verify = ca_file or True
    try:
        run_phase("warm-up", base_url, verify, min(50, args.requests), args.threads, read_request)
        results = [run_phase("batch-status", base_url, verify, args.requests, args.threads, read_request),
                   run_phase("batch-modify-pwd", base_url, verify, args.requests, args.threads, write_request)]
    finally:
        if child is not None:
            child.terminate()
            child.wait(10)
    print("emulator %s; %d requests per phase; %d client threads; python %s" % (
        base_url, args.requests, args.threads, sys.version.split()[0]))
    print("%-18s %8s %7s %9s %8s %8s %8s %8s" % ("phase", "requests", "errors", "req/s", "p50 ms", "p95 ms",
                                                 "p99 ms", "max ms"))
    for r in results:
        print("%-18s %8d %7d %9.1f %8.2f %8.2f %8.2f %8.2f" % (
            r["phase"], r["requests"], r["errors"], r["rps"], r["p50"], r["p95"], r["p99"], r["max"]))
        if r["error_kinds"]:
            print("  errors: %s" % ", ".join(r["error_kinds"]))
    return 1 if any(r["errors"] for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
