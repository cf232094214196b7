"""Benchmark-only Django pieces for bench/ballots.py: the bare endpoint, the measurements taken
inside each gunicorn worker, and the set-up.

Never imported by the project: bench/ballots_settings.py makes this module the URLconf.
"""

import json
import os
import time
from collections import defaultdict

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.db.backends.postgresql.base import DatabaseWrapper
from django.http import HttpResponse
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST


@csrf_exempt
def bare_upsert(request, key: int) -> HttpResponse:
    """The baseline: one upsert through the same Django stack, nothing else."""
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO bench_upsert (id, n) VALUES (%s, 1) "
            "ON CONFLICT (id) DO UPDATE SET n = bench_upsert.n + 1",
            [key],
        )
    return HttpResponse(status=204)


@login_required
@require_POST
def signed_in_upsert(request) -> HttpResponse:
    """The least any ballot endpoint must do: a signed-in resident's CSRF-checked POST
    (session and user loaded) and one upsert keyed by that resident. A second baseline,
    because no endpoint that knows who is voting can do less than this."""
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO bench_upsert (id, n) VALUES (%s, 1) "
            "ON CONFLICT (id) DO UPDATE SET n = bench_upsert.n + 1",
            [request.user.pk],
        )
    return HttpResponse(status=204)


@login_required
@require_POST
def cast_sql_only(request, pool_id: int) -> HttpResponse:
    """A third baseline: the signed-in resident's POST running only a cast's own statements
    (lock, state, store, in one transaction), with fixed choices and none of the cast's
    Python (no pool read, form, rules, validation, receipt cookie or redirect). What this
    reaches is the most any cast with this data model and these locks could reach."""
    from django.db import transaction

    from budgets.models import Channel, PaperBallot
    from budgets.services import voting
    from proposals.models import Status

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(voting._VOTER_LOCK_SQL, [request.user.pk, pool_id])
        cursor.execute(
            voting._VOTER_STATE_SQL + voting._COSTS_SQL,
            {
                "pool": pool_id,
                "user": request.user.pk,
                "discarded": PaperBallot.State.DISCARDED,
                "on_ballot": Status.ON_BALLOT,
            },
        )
        state = cursor.fetchone()
        chosen = sorted(state[8][:3])
        cursor.execute(
            voting._STORE_SQL,
            {
                "pool": pool_id,
                "record": state[0],
                "channel": Channel.ONLINE,
                "receipt": voting.receipt_new(),
                "receipt_unsent": False,
                "receipt_queued_at": None,
                "neighbourhood_id": state[3],
                "age_band": "45-64",
                "held": False,
                "proposals": chosen,
                "weights": [1] * len(chosen),
            },
        )
    return HttpResponse(status=204)


urlpatterns = [
    path("bench/upsert/<int:key>/", bare_upsert),
    path("bench/signed-in-upsert/", signed_in_upsert),
    path("bench/cast-sql/<int:pool_id>/", cast_sql_only),
    path("", include("civic.urls")),
]


# Measurements inside the worker ------------------------------------------------------------
# gunicorn's sync workers serve one request at a time, so one set of counters per process is
# enough. Connecting and committing do not pass through Django's execute wrappers, so those
# two methods of the PostgreSQL backend are timed directly.

_NOW = {"connect": 0.0, "commit": 0.0, "commits": 0}
_STATS: dict[str, dict] = defaultdict(
    lambda: {
        "n": 0,
        "wall": [],
        "cpu": 0.0,
        "sql": 0.0,
        "statements": 0,
        "commit": 0.0,
        "commits": 0,
        "connect": 0.0,
    }
)


def _timed(name: str, method):
    def timed(self, *args, **kwargs):
        started = time.perf_counter()
        try:
            return method(self, *args, **kwargs)
        finally:
            _NOW[name] += time.perf_counter() - started
            if name == "commit":
                _NOW["commits"] += 1

    return timed


DatabaseWrapper.connect = _timed("connect", DatabaseWrapper.connect)
DatabaseWrapper._commit = _timed("commit", DatabaseWrapper._commit)


class StatsMiddleware:
    """Per phase (the X-Bench-Phase header): time in the worker, CPU, SQL, commits, connects."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        sql = [0.0, 0]

        def wrapper(execute, statement, params, many, context):
            started = time.perf_counter()
            try:
                return execute(statement, params, many, context)
            finally:
                sql[0] += time.perf_counter() - started
                sql[1] += 1

        before = dict(_NOW)
        wall, cpu = time.perf_counter(), time.process_time()
        with connection.execute_wrapper(wrapper):
            response = self.get_response(request)
        stats = _STATS[request.headers.get("X-Bench-Phase", "other")]
        stats["n"] += 1
        stats["wall"].append(time.perf_counter() - wall)
        stats["cpu"] += time.process_time() - cpu
        stats["sql"] += sql[0]
        stats["statements"] += sql[1]
        for name in ("connect", "commit", "commits"):
            stats[name] += _NOW[name] - before[name]
        return response


def stats_dump() -> None:
    """Write this worker's measurements where bench/ballots.py collects them."""
    directory = os.environ.get("BENCH_STATS_DIR")
    if directory:
        with open(os.path.join(directory, f"{os.getpid()}.json"), "w") as file:
            json.dump(_STATS, file)


# Set-up ---------------------------------------------------------------------------------------


def setup(residents: int, warmup: int) -> dict:
    """A knapsack pool in its voting phase with 20 projects, and signed-in residents.

    Sessions are made directly (as a sign-in would leave them), so the login rate limits do
    not get in the way. Also records the SQL of one ballot cast, first and changed.
    """
    import random
    from decimal import Decimal

    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from budgets.models import Cycle
    from budgets.services import district_budget_set, pool_create
    from civic.accounts.models import User
    from civic.accounts.sessions import SessionStore
    from districts.models import CensusRecord, District
    from districts.services import national_id_hmac
    from proposals.models import Category, Proposal, Status

    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE IF NOT EXISTS bench_upsert (id int PRIMARY KEY, n int)")
    now = timezone.now()
    day = timezone.timedelta(days=1)
    cycle = Cycle.objects.create(
        year=now.year,
        title_en="Bench",
        submission_starts=now - 30 * day,
        review_starts=now - 20 * day,
        voting_starts=now - day,
        voting_ends=now + 10 * day,
        results_starts=now + 20 * day,
    )
    district = District.objects.create(slug="bench", name_en="Bench", population=100000)
    district_budget_set(
        district=district, year=cycle.year, amount=Decimal(50_000_000), currency="EUR"
    )
    pool = pool_create(cycle=cycle, district=district, method="knapsack")
    category = Category.objects.order_by("pk").first()
    rng = random.Random(4)
    items = Proposal.objects.bulk_create(
        Proposal(
            pool=pool,
            title=f"Project {i}",
            summary="s",
            body="b",
            body_html="<p>b</p>",
            category=category,
            author_cost=Decimal(rng.randrange(20_000, 150_000, 1000)),
            status=Status.ON_BALLOT,
            submitted_at=now,
        )
        for i in range(20)
    )
    password = make_password("bench-password")
    total = residents + warmup + 1
    users = User.objects.bulk_create(
        User(email=f"voter{i}@bench.test", password=password) for i in range(total)
    )
    CensusRecord.objects.bulk_create(
        CensusRecord(
            id_hmac=national_id_hmac(f"77{i:08d}"),
            birth_year=1980,
            district=district,
            claimed_by=user,
            claimed_at=now,
        )
        for i, user in enumerate(users)
    )
    sessions = []
    for user in users:
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "civic.accounts.backends.AuthenticationBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        sessions.append(session.session_key)
    result = {
        "pool": pool.pk,
        "items": [[item.pk, int(item.author_cost)] for item in items],
        "amount": int(pool.amount),
        "sessions": sessions[:residents],
        "warmup": sessions[residents : residents + warmup],
    }
    result["statements"] = _statements_of_a_cast(pool.pk, sessions[-1], result["items"][:3])
    return result


def _statements_of_a_cast(pool_id: int, session_key: str, items) -> dict:
    """The SQL one confirm POST runs (a first cast, then a change), in the order it runs."""
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST="127.0.0.1")
    client.cookies["sessionid"] = session_key
    statements = {}
    for name, chosen in (("first cast", items[:2]), ("change", items[1:3])):
        with CaptureQueriesContext(connection) as queries:
            response = client.post(
                f"/vote/{pool_id}/",
                {"action": "confirm", "choice": [str(pk) for pk, _cost in chosen]},
            )
        assert response.status_code == 302, response.status_code
        statements[name] = [query["sql"] for query in queries.captured_queries]
    return statements


# Profile ----------------------------------------------------------------------------------------
# Where one ballot cast goes: the steps of the request are wrapped with timers (a few clock
# reads each, so the figures are not inflated the way a tracing profiler inflates them).


class _Stage:
    def __init__(self, label: str, depth: int) -> None:
        self.label, self.depth = label, depth
        self.calls = 0
        self.totals = [0.0, 0.0, 0.0, 0.0, 0.0]  # wall, CPU, statements, SQL, commit


_SQL = [0, 0.0]


def _snapshot() -> list[float]:
    return [time.perf_counter(), time.process_time(), _SQL[0], _SQL[1], _NOW["commit"]]


def _wrap(owner, name: str, stage: _Stage) -> None:
    original = getattr(owner, name)

    def timed(*args, **kwargs):
        before = _snapshot()
        try:
            return original(*args, **kwargs)
        finally:
            stage.calls += 1
            for i, value in enumerate(_snapshot()):
                stage.totals[i] += value - before[i]

    setattr(owner, name, timed)


def profile_casts(setup: dict, casts: int) -> None:
    """Replay ballot casts in this process and print where each one's time goes, by step.

    Django's test client keeps the database connection open between requests, so this is
    the persistent-connection picture; connecting is measured by the load run instead.
    """
    import random

    from celery.app.task import Task
    from django.contrib import auth
    from django.test import Client

    import budgets.selectors
    import budgets.services
    import budgets.services.voting
    import budgets.views
    from civic.accounts.models import User
    from civic.accounts.sessions import SessionStore

    def sql_timer(execute, statement, params, many, context):
        started = time.perf_counter()
        try:
            return execute(statement, params, many, context)
        finally:
            _SQL[0] += 1
            _SQL[1] += time.perf_counter() - started

    stages = {
        "request": _Stage("whole request (Django handler)", 0),
        "user": _Stage("session and user load (1 SELECT)", 1),
        "pool": _Stage("pool (SELECT)", 1),
        "perm": _Stage("permission check, rules (SELECT census record)", 1),
        "cast": _Stage("ballot_cast service (BEGIN ... COMMIT)", 1),
        "check": _Stage("choices check (SELECT costs, validate)", 2),
        "store": _Stage("store (INSERT/UPDATE ballot, lines)", 2),
        "mail": _Stage("receipt relay asked (Celery -> Redis, <= 1/s)", 2),
        "save": _Stage("session save (BEGIN, UPDATE, COMMIT)", 1),
    }
    client = Client(HTTP_HOST="127.0.0.1")
    _wrap(client.handler, "get_response", stages["request"])
    _wrap(auth, "get_user", stages["user"])
    _wrap(budgets.selectors, "ballot_pool", stages["pool"])
    _wrap(User, "has_perm", stages["perm"])
    _wrap(budgets.services, "ballot_cast", stages["cast"])
    _wrap(budgets.services.voting, "_choices_check", stages["check"])
    _wrap(budgets.services.voting, "_store", stages["store"])
    _wrap(Task, "apply_async", stages["mail"])
    _wrap(SessionStore, "save", stages["save"])

    rng = random.Random(11)
    sessions = setup["sessions"]

    def cast(i: int) -> None:
        client.cookies["sessionid"] = sessions[i % len(sessions)]
        left, chosen = setup["amount"], []
        for pk, cost in rng.sample(setup["items"], len(setup["items"])):
            if cost <= left and len(chosen) < 6:
                chosen.append(str(pk))
                left -= cost
        response = client.post(f"/vote/{setup['pool']}/", {"action": "confirm", "choice": chosen})
        assert response.status_code == 302, response.status_code

    with connection.execute_wrapper(sql_timer):
        for i in range(20):
            cast(i)
        for stage in stages.values():
            stage.calls, stage.totals = 0, [0.0] * 5
        for i in range(casts):
            cast(i)

    def row(label: str, calls: float, totals: list[float]) -> str:
        wall, cpu, statements, sql, commit = (value / casts for value in totals)
        return (
            f"{label:<52} {calls / casts:>5.1f} {1000 * wall:>7.2f} {1000 * cpu:>7.2f} "
            f"{statements:>6.1f} {1000 * sql:>7.2f} {1000 * commit:>7.2f}"
        )

    print(f"one ballot cast in one process, by step (mean of {casts}; ms per cast)")
    print(f"{'':<52} {'calls':>5} {'wall':>7} {'CPU':>7} {'stmts':>6} {'SQL':>7} {'commit':>7}")
    order = ["request", "user", "pool", "perm", "cast", "check", "store", "mail", "save"]
    for key in order:
        stage = stages[key]
        print(row("  " * stage.depth + stage.label, stage.calls, stage.totals))
        if key == "mail":
            inner = [stages[k].totals for k in ("check", "store", "mail")]
            rest = [c - sum(t[i] for t in inner) for i, c in enumerate(stages["cast"].totals)]
            print(row("    locks and checks, COMMIT (rest of the service)", casts, rest))
    outer = [stages[k].totals for k in ("user", "pool", "perm", "cast", "save")]
    rest = [c - sum(t[i] for t in outer) for i, c in enumerate(stages["request"].totals)]
    print(row("  middleware, routing, form, redirect (rest)", casts, rest))
