"""Load benchmark: residents casting ballots under gunicorn with PostgreSQL (issue #4).

    python bench/ballots.py [--residents 500] [--clients 32] [--workers 3] [--rate 50]
                            [--seconds 20] [--rounds 5] [--conn-max-age 60] [--profile 100]

Run by hand or with `make bench`; not part of the test suite. It creates (and afterwards
drops) its own PostgreSQL database, migrates it, makes a knapsack pool in its voting phase
with 20 projects and N residents with sessions (made directly, as a sign-in leaves them, so
the login rate limits do not interfere), starts gunicorn on loopback with production-like
settings (DEBUG off, the production worker class, database health checks and the check that
staff use a second factor, Redis as broker so the receipt relay is only queued) and measures,
from C concurrent clients on loopback:

0. sign-in: every resident opens the ballot page, which gives the CSRF cookie and token;
1. ballots: every resident casts a valid ballot — the real `confirm` POST (session, CSRF,
   permission check, validation against the database, row locks, insert, the receipt's
   e-mail left in the ballot's outbox and a relay asked for it at most once a second per
   worker, receipt kept in a signed cookie, redirect); ballots/s and p50/p95/p99 latency;
2. bare: as many requests to an endpoint that does one upsert through the same Django stack
   and the same gunicorn — the baseline the ballots are a ratio of; and a second baseline,
   a signed-in resident's CSRF-checked POST doing the same one upsert (session and user
   loaded): no endpoint that knows who votes can do less; and a third, the same resident's
   POST running only a cast's own statements (locks, state, store, one transaction) with
   none of its Python: no cast with this data model and these locks can do better;
   1 and 2 take turns for --rounds rounds (in the first, each resident casts a ballot; in
   the rest, changes it), so each phase lasts long enough to measure and a drift of the
   machine's speed falls on all alike; the ratio is given for each round too;
3. fixed rate: ballots sent at --rate per second for --seconds (open loop, latency counted
   from the moment each was due, so a late send is not hidden); p99.

The whole machine's CPU is measured in each phase too (from /proc, on Linux): how busy all
CPUs were, and per request the CPU of every process and of PostgreSQL's; the clients, the
server and the database share the machine, so this is where each request's cost lands;
and the target's budget: the machine's CPU a ballot may use to reach half of bare's
throughput with the machine as busy as it was while ballots were cast.

Each gunicorn worker also measures every request (time in the worker, its CPU, SQL
statements, commits, connecting to PostgreSQL), printed after the figures, with the SQL of
one ballot cast and (--profile) where a cast's CPU and wall time go, by component.

Targets: ballots ≥ 50% of the bare endpoint's throughput; p99 < 300 ms at 50 ballots/s.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
PG = os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")
REDIS = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
WARMUP = 48
BALLOTS = "ballots (confirm POST)"
SIGNED_IN = "signed-in upsert"
BARE = "bare upsert"
CAST_SQL = "cast SQL only"
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@dataclass
class Job:
    method: str
    path: str
    body: str
    headers: dict
    expect: int
    session: str = ""


@dataclass
class Outcome:
    status: int
    seconds: float
    cookies: dict
    text: str


class Client:
    """One HTTP connection to the server (reopened when the server closes it)."""

    def __init__(self, port: int) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def send(self, job: Job, keep_text: bool = False) -> Outcome:
        started = time.perf_counter()
        try:
            self.connection.request(job.method, job.path, body=job.body, headers=job.headers)
            response = self.connection.getresponse()
            text = response.read()
        except (OSError, http.client.HTTPException):
            self.connection.close()
            return Outcome(0, time.perf_counter() - started, {}, "")
        seconds = time.perf_counter() - started
        cookies = {}
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            cookies[name.strip()] = rest.split(";", 1)[0]
        return Outcome(
            response.status, seconds, cookies, text.decode("utf-8", "replace") if keep_text else ""
        )


# Requests -------------------------------------------------------------------------------------


def form_headers(phase: str, cookie: str, referer: str) -> dict:
    return {
        "Content-Type": "application/x-www-form-urlencoded",
        "Cookie": cookie,
        "Referer": referer,
        "X-Bench-Phase": phase,
    }


def ballot_page_job(setup: dict, session: str) -> Job:
    headers = {"Cookie": f"sessionid={session}", "X-Bench-Phase": "sign-in: ballot page"}
    return Job("GET", f"/vote/{setup['pool']}/", "", headers, 200, session)


def ballot_job(setup: dict, signed_in: dict, rng: random.Random, port: int, phase: str) -> Job:
    """A valid knapsack ballot for one resident: projects in random order while they fit."""
    left = setup["amount"]
    chosen = []
    for pk, cost in rng.sample(setup["items"], len(setup["items"])):
        if cost <= left and len(chosen) < 6:
            chosen.append(pk)
            left -= cost
    fields = [("action", "confirm"), ("csrfmiddlewaretoken", signed_in["token"])]
    fields += [("choice", str(pk)) for pk in chosen]
    cookie = f"sessionid={signed_in['session']}; csrftoken={signed_in['csrf_cookie']}"
    path = f"/vote/{setup['pool']}/"
    headers = form_headers(phase, cookie, f"http://127.0.0.1:{port}{path}")
    return Job("POST", path, urllib.parse.urlencode(fields), headers, 302)


def signed_in_job(signed_in: dict, port: int, phase: str, path: str) -> Job:
    """A baseline: the same resident's CSRF-checked POST with no fields, answered by 204."""
    body = urllib.parse.urlencode([("csrfmiddlewaretoken", signed_in["token"])])
    cookie = f"sessionid={signed_in['session']}; csrftoken={signed_in['csrf_cookie']}"
    headers = form_headers(phase, cookie, f"http://127.0.0.1:{port}{path}")
    return Job("POST", path, body, headers, 204)


def bare_job(key: int, phase: str) -> Job:
    headers = {"Content-Length": "0", "X-Bench-Phase": phase}
    return Job("POST", f"/bench/upsert/{key}/", "", headers, 204)


# Load ---------------------------------------------------------------------------------------


def closed_loop(jobs: list[Job], clients: int, port: int, keep=None) -> dict:
    """Send every job from `clients` concurrent connections, each as soon as it can."""
    latencies: list[float] = []
    failures: list[int] = []
    lock = threading.Lock()
    pending = iter(jobs)

    def worker() -> None:
        client = Client(port)
        while True:
            with lock:
                job = next(pending, None)
            if job is None:
                return
            outcome = client.send(job, keep_text=keep is not None)
            with lock:
                latencies.append(outcome.seconds)
                if outcome.status != job.expect:
                    failures.append(outcome.status)
                elif keep is not None:
                    keep(job, outcome)

    return _run(worker, clients, latencies, failures)


def open_loop(jobs: list[Job], rate: float, clients: int, port: int) -> dict:
    """Job i is due at start + i/rate whatever the server's pace; latency counts from then."""
    latencies: list[float] = []
    failures: list[int] = []
    lock = threading.Lock()
    start = time.perf_counter() + 0.2
    pending = iter(range(len(jobs)))

    def worker() -> None:
        client = Client(port)
        while True:
            with lock:
                i = next(pending, None)
            if i is None:
                return
            due = start + i / rate
            if due > time.perf_counter():
                time.sleep(due - time.perf_counter())
            outcome = client.send(jobs[i])
            with lock:
                latencies.append(time.perf_counter() - due)
                if outcome.status != jobs[i].expect:
                    failures.append(outcome.status)

    return _run(worker, clients, latencies, failures)


def machine_cpu() -> tuple[float, float, float]:
    """CPU seconds since boot, from /proc (Linux; zeros elsewhere): all CPUs busy, all CPUs
    in all, and PostgreSQL's processes (this server's: the benchmark runs beside it)."""
    try:
        tick = os.sysconf("SC_CLK_TCK")
        fields = [int(value) for value in Path("/proc/stat").read_text().split()[1:11]]
    except (OSError, ValueError, AttributeError):
        return 0.0, 0.0, 0.0
    total = sum(fields[:8])  # guest time is already counted in user time
    busy = total - fields[3] - fields[4] - fields[7]  # less idle, I/O wait, stolen by the host
    postgres = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:  # the process ended meanwhile
            continue
        name, rest = text[text.index("(") + 1 : text.rindex(")")], text[text.rindex(")") + 2 :]
        if name.startswith("postgres"):
            values = rest.split()
            postgres += int(values[11]) + int(values[12])  # its user and system time
    return busy / tick, total / tick, postgres / tick


def _run(worker, clients: int, latencies: list[float], failures: list[int]) -> dict:
    machine = machine_cpu()
    started, cpu = time.perf_counter(), time.process_time()
    threads = [threading.Thread(target=worker) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    figures = summary(latencies, elapsed, failures)
    figures["client_cpu"] = (time.process_time() - cpu) / elapsed
    busy, total, postgres = (
        after - before for after, before in zip(machine_cpu(), machine, strict=True)
    )
    figures.update(latencies=latencies, elapsed=elapsed, failed=failures)
    figures.update(machine_busy=busy, machine_total=total, postgres_cpu=postgres)
    return figures


def combined(runs: list[dict]) -> dict:
    """One phase's figures over several rounds: all requests over the time they took."""
    elapsed = sum(run["elapsed"] for run in runs)
    figures = summary(
        [seconds for run in runs for seconds in run["latencies"]],
        elapsed,
        [status for run in runs for status in run["failed"]],
    )
    figures["client_cpu"] = sum(run["client_cpu"] * run["elapsed"] for run in runs) / elapsed
    for key in ("machine_busy", "machine_total", "postgres_cpu"):
        figures[key] = sum(run[key] for run in runs)
    return figures


def percentile(ordered: list[float], p: float) -> float:
    return ordered[min(len(ordered) - 1, int(p * len(ordered)))] if ordered else float("nan")


def summary(latencies: list[float], elapsed: float, failures: list[int]) -> dict:
    ordered = sorted(latencies)
    return {
        "requests": len(latencies),
        "per_second": len(latencies) / elapsed,
        "p50": 1000 * percentile(ordered, 0.50),
        "p95": 1000 * percentile(ordered, 0.95),
        "p99": 1000 * percentile(ordered, 0.99),
        "failures": len(failures),
        "statuses": sorted(set(failures)),
    }


# Server and database ----------------------------------------------------------------------------


def admin_sql(statement: str) -> None:
    import psycopg

    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(statement)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def redis_cleanup(url: str) -> None:
    """Remove what the benchmark put in Redis: its queue and its cache keys, nothing else."""
    try:
        import redis

        client = redis.Redis.from_url(url)
        for key in client.scan_iter(match="*civic-bench*"):
            client.delete(key)
    except Exception as error:  # noqa: BLE001 - a cleanup problem must not hide the figures
        print(f"(Redis clean-up skipped: {error})", file=sys.stderr)


def start_server(env: dict, port: int, workers: int) -> subprocess.Popen:
    gunicorn = str(Path(PY).with_name("gunicorn"))
    server = subprocess.Popen(
        [
            gunicorn,
            "civic.wsgi",
            "--config",
            str(ROOT / "bench" / "ballots_gunicorn.py"),
            "--workers",
            str(workers),
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ],
        env=env,
        cwd=ROOT,
    )
    for _ in range(150):
        if server.poll() is not None:
            raise SystemExit("gunicorn did not start")
        if Client(port).send(bare_job(0, "start")).status == 204:
            return server
        time.sleep(0.2)
    raise SystemExit("gunicorn did not answer")


def worker_stats(directory: str) -> dict[str, dict]:
    """The measurements of all workers, merged per phase."""
    merged: dict[str, dict] = {}
    for name in os.listdir(directory):
        with open(os.path.join(directory, name)) as file:
            for phase, stats in json.load(file).items():
                into = merged.setdefault(phase, {"wall": []})
                into["wall"] += stats.pop("wall")
                for key, value in stats.items():
                    into[key] = into.get(key, 0) + value
    return merged


# Report -----------------------------------------------------------------------------------------


def line(name: str, figures: dict) -> str:
    failures = str(figures["failures"])
    if figures["statuses"]:
        failures += " " + ",".join(str(status) for status in figures["statuses"])
    return (
        f"{name:<26} {figures['requests']:>8} {figures['per_second']:>8.1f} "
        f"{figures['p50']:>8.1f} {figures['p95']:>8.1f} {figures['p99']:>8.1f} "
        f"{figures['client_cpu']:>7.0%} {failures:>8}"
    )


def machine_line(name: str, figures: dict) -> str:
    """Where the whole machine's CPU went in a phase: busy share, and per request the CPU of
    all processes and of PostgreSQL's."""
    n, total = figures["requests"], figures["machine_total"]
    busy = figures["machine_busy"] / total if total else float("nan")
    return (
        f"{name:<26} {busy:>7.0%} {cpu_per_request(figures):>9.2f} "
        f"{1000 * figures['postgres_cpu'] / n:>9.2f}"
    )


def cpu_per_request(figures: dict) -> float:
    """Milliseconds of the whole machine's busy CPU per request in a phase."""
    return 1000 * figures["machine_busy"] / figures["requests"]


def inside_line(name: str, stats: dict) -> str:
    n = stats["n"]
    ordered = sorted(stats["wall"])
    return (
        f"{name:<26} {n:>6} {1000 * statistics.fmean(ordered):>8.1f} "
        f"{1000 * percentile(ordered, 0.99):>8.1f} {1000 * stats['cpu'] / n:>7.1f} "
        f"{stats['statements'] / n:>6.1f} {1000 * stats['sql'] / n:>7.1f} "
        f"{stats['commits'] / n:>7.1f} {1000 * stats['commit'] / n:>7.1f} "
        f"{1000 * stats['connect'] / n:>8.1f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--residents", type=int, default=500)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--workers", type=int, default=3, help="gunicorn sync workers")
    parser.add_argument("--rate", type=float, default=50.0)
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument(
        "--rounds",
        type=int,
        default=5,
        help="closed-loop rounds of ballots, bare and signed-in upserts, in turn (default 5; "
        "after the first, each resident's ballot is a change)",
    )
    parser.add_argument(
        "--conn-max-age",
        type=int,
        default=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
        help="DATABASE_CONN_MAX_AGE for the server (default 60, as civic.settings.production; "
        "0 opens a new connection per request)",
    )
    parser.add_argument(
        "--database",
        default=f"civic_bench_{os.getpid()}",
        help="the PostgreSQL database to create and drop (default: civic_bench_<pid>, so two "
        "runs on one server never drop each other's)",
    )
    parser.add_argument("--statements", action="store_true", help="print the SQL in full")
    parser.add_argument(
        "--profile",
        type=int,
        default=100,
        metavar="CASTS",
        help="afterwards, profile this many casts in one process (0: skip)",
    )
    options = parser.parse_args()
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", options.database):
        parser.error("--database: lower-case letters, digits and _ only")

    port = free_port()
    stats_dir = tempfile.mkdtemp(prefix="civic-bench-")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.ballots_settings",
        "DATABASE_URL": f"{PG}/{options.database}",
        "DATABASE_CONN_MAX_AGE": str(options.conn_max_age),
        "REDIS_URL": REDIS,
        "PYTHONPATH": str(ROOT),
        "PYTHONWARNINGS": "ignore",
        "BENCH_STATS_DIR": stats_dir,
    }
    admin_sql(f"DROP DATABASE IF EXISTS {options.database} WITH (FORCE)")
    admin_sql(f"CREATE DATABASE {options.database}")
    server = None
    try:
        subprocess.run(
            [PY, "manage.py", "migrate", "--no-input", "-v", "0"], env=env, cwd=ROOT, check=True
        )
        setup_file = os.path.join(stats_dir, "setup.json")
        code = (
            "import django, json, sys; django.setup(); from bench.ballots_app import setup; "
            f"json.dump(setup({options.residents}, {WARMUP}), open(sys.argv[1], 'w'))"
        )
        subprocess.run([PY, "-c", code, setup_file], env=env, cwd=ROOT, check=True)
        with open(setup_file) as file:
            setup = json.load(file)
        os.remove(setup_file)
        load_before = os.getloadavg()
        server = start_server(env, port, options.workers)
        results: dict[str, dict] = {}

        # 0. Sign-in: each resident opens the ballot page and keeps the CSRF cookie and token.
        signed_in: dict[str, dict] = {}

        def keep(job: Job, outcome: Outcome) -> None:
            token = CSRF_INPUT.search(outcome.text)
            if token and "csrftoken" in outcome.cookies:
                signed_in[job.session] = {
                    "session": job.session,
                    "token": token.group(1),
                    "csrf_cookie": outcome.cookies["csrftoken"],
                }

        everyone = setup["warmup"] + setup["sessions"]
        results["sign-in: ballot page"] = closed_loop(
            [ballot_page_job(setup, session) for session in everyone],
            options.clients,
            port,
            keep=keep,
        )
        missing = len(everyone) - len(signed_in)
        if missing:
            raise SystemExit(f"{missing} residents got no ballot page with a CSRF token")

        rng = random.Random(7)
        residents = [signed_in[session] for session in setup["sessions"]]
        # The phases, each a job per resident: 1. ballots (round 1: each resident's first;
        # later rounds: each changes it); 2. the bare upsert, the signed-in upsert and the
        # cast's SQL alone, as many requests each.
        cast_sql_path = f"/bench/cast-sql/{setup['pool']}/"
        phases = {
            BALLOTS: lambda resident, phase: ballot_job(setup, resident, rng, port, phase),
            BARE: lambda _resident, phase: bare_job(rng.randrange(len(residents)), phase),
            SIGNED_IN: lambda resident, phase: signed_in_job(
                resident, port, phase, "/bench/signed-in-upsert/"
            ),
            CAST_SQL: lambda resident, phase: signed_in_job(resident, port, phase, cast_sql_path),
        }
        # Warm every worker's code paths and caches with residents of their own.
        for job in phases.values():
            warm = [job(signed_in[session], "warm-up") for session in setup["warmup"]]
            closed_loop(warm, options.clients, port)
        # In turn, round after round, so that a drift of the machine's speed falls on all alike.
        rounds: dict[str, list[dict]] = {name: [] for name in phases}
        for _round in range(options.rounds):
            for name, job in phases.items():
                jobs = [job(resident, name) for resident in residents]
                rounds[name].append(closed_loop(jobs, options.clients, port))
        for name, runs in rounds.items():
            results[name] = combined(runs)
        per_round = [
            ballots["per_second"] / bare["per_second"]
            for ballots, bare in zip(rounds[BALLOTS], rounds[BARE], strict=True)
        ]

        # 3. Fixed rate: residents cast again (a change replaces the ballot), then new ones.
        fixed_name = f"ballots at {options.rate:g}/s"
        count = int(options.rate * options.seconds)
        fixed = [
            ballot_job(setup, residents[i % len(residents)], rng, port, fixed_name)
            for i in range(count)
        ]
        results[fixed_name] = open_loop(fixed, options.rate, max(64, options.clients), port)
        load_after = os.getloadavg()
        server.terminate()
        server.wait(timeout=60)
        server = None

        print(
            f"civic ballot benchmark: {options.residents} residents, {options.clients} "
            f"clients, gunicorn {options.workers} sync workers, PostgreSQL, "
            f"CONN_MAX_AGE={options.conn_max_age}, Redis broker, {os.cpu_count()} CPUs; "
            f"load average {load_before[0]:.1f} before, {load_after[0]:.1f} after"
        )
        print()
        print("at the clients (latency ms; client CPU = the load generator's own share of a core)")
        print(
            f"{'':<26} {'requests':>8} {'per s':>8} {'p50':>8} {'p95':>8} {'p99':>8} "
            f"{'client':>7} {'failures':>8}"
        )
        for name, figures in results.items():
            print(line(name, figures))
        ratio = results[BALLOTS]["per_second"] / (results[BARE]["per_second"])
        rounds_text = " ".join(f"{value:.0%}" for value in per_round)
        fixed_p99 = results[fixed_name]["p99"]
        fixed_rate = results[fixed_name]["per_second"]
        print()
        print(
            f"ballots / bare throughput: {ratio:.0%} (target ≥ 50%: "
            f"{'met' if ratio >= 0.5 else 'MISSED'}); by round: {rounds_text}, "
            f"median {statistics.median(per_round):.0%}"
        )
        floor = results[SIGNED_IN]["per_second"] / results[BARE]["per_second"]
        signed_ratio = results[BALLOTS]["per_second"] / results[SIGNED_IN]["per_second"]
        print(
            f"signed-in upsert / bare throughput: {floor:.0%} (the ceiling for any endpoint "
            "that knows its voter)"
        )
        print(
            f"ballots / signed-in upsert throughput: {signed_ratio:.0%} "
            f"({'≥' if signed_ratio >= 0.5 else '<'} 50%)"
        )
        sql_floor = results[CAST_SQL]["per_second"] / results[BARE]["per_second"]
        print(
            f"cast SQL only / bare throughput: {sql_floor:.0%} (the ceiling for any cast that "
            "takes these locks and writes these rows)"
        )
        print(
            f"p99 at {options.rate:g} ballots/s: {fixed_p99:.0f} ms, {fixed_rate:.1f}/s served "
            f"(target < 300 ms: {'met' if fixed_p99 < 300 else 'MISSED'})"
        )

        print()
        print("the whole machine (busy = share of all CPUs in use; CPU ms per request)")
        print(f"{'':<26} {'busy':>7} {'all CPU':>9} {'Postgres':>9}")
        for name, figures in results.items():
            print(machine_line(name, figures))
        if all(results[name]["machine_total"] for name in (BALLOTS, BARE, CAST_SQL, SIGNED_IN)):
            # Half of bare's rate with the machine as busy as in the ballots phase.
            used = cpu_per_request(results[BALLOTS])
            budget = used * results[BALLOTS]["per_second"] / (0.5 * results[BARE]["per_second"])
            print(
                f"the target's budget: at half of bare's rate, as busy, a ballot may use "
                f"{budget:.2f} ms of the machine's CPU; it uses {used:.2f}; the cast's SQL "
                f"alone {cpu_per_request(results[CAST_SQL]):.2f}, a signed-in upsert "
                f"{cpu_per_request(results[SIGNED_IN]):.2f}"
            )

        print()
        print("inside the gunicorn workers (per request, ms unless counted)")
        print(
            f"{'':<26} {'n':>6} {'mean':>8} {'p99':>8} {'CPU':>7} {'stmts':>6} {'SQL':>7} "
            f"{'commits':>7} {'commit':>7} {'connect':>8}"
        )
        inside = worker_stats(stats_dir)
        for name in [*results, "warm-up"]:
            if name in inside:
                print(inside_line(name, inside[name]))

        print()
        for name, statements in setup["statements"].items():
            print(f"SQL of one ballot cast ({name}): {len(statements)} statements")
            for statement in statements:
                text = " ".join(statement.split())
                print("   ", text if options.statements else text[:110])
        if options.profile:
            print(flush=True)
            code = (
                "import django, json, sys; django.setup(); "
                "from bench.ballots_app import profile_casts; "
                "profile_casts(json.loads(sys.stdin.read()), int(sys.argv[1]))"
            )
            subprocess.run(
                [PY, "-c", code, str(options.profile)],
                input=json.dumps(setup),
                text=True,
                env=env,
                cwd=ROOT,
                check=True,
            )
        failed = sum(figures["failures"] for figures in results.values())
        if failed:
            raise SystemExit(f"{failed} requests failed: the figures are not valid")
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=60)
        admin_sql(f"DROP DATABASE IF EXISTS {options.database} WITH (FORCE)")
        redis_cleanup(REDIS)
        for name in os.listdir(stats_dir):
            os.remove(os.path.join(stats_dir, name))
        os.rmdir(stats_dir)


if __name__ == "__main__":
    main()
