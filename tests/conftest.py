"""Fixtures shared by the whole suite.

Services (PostgreSQL, Redis, Chromium) are used when present. Locally a test that needs a
missing one is skipped; in CI (`CIVIC_REQUIRE_SERVICES=1`) it fails instead, so a green CI
run means every test really ran against the real services.
"""

import os
import shutil

import pytest
from django.conf import settings
from django.db import connection

REQUIRE_SERVICES = os.environ.get("CIVIC_REQUIRE_SERVICES") == "1"


def service_missing(reason: str) -> None:
    """Skip the test locally; fail it in CI where every service must be there."""
    if REQUIRE_SERVICES:
        pytest.fail(f"required service missing: {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture
def require_postgres(db) -> None:
    if connection.vendor != "postgresql":
        service_missing("needs PostgreSQL (set DATABASE_URL)")


@pytest.fixture
def require_redis() -> str:
    if not settings.REDIS_URL:
        service_missing("needs Redis (set REDIS_URL)")
    return settings.REDIS_URL


@pytest.fixture(scope="session")
def chromium_path() -> str:
    path = os.environ.get("CIVIC_CHROMIUM", "/usr/bin/chromium")
    if not shutil.which(path):
        service_missing(f"needs Debian's chromium at {path}")
    return path


@pytest.fixture(autouse=True)
def _sqlite_flush_past_the_locks(request):
    """Empty the database after a transactional test on SQLite, triggers set aside.

    Django empties the database after such a test by deleting every row. On PostgreSQL it
    truncates, which fires no row trigger; on SQLite the triggers that keep approved
    reports, frozen ballots and the audit log unchanged refuse the deletes. So the
    triggers are dropped, the rows deleted and the triggers created again, before Django's
    own flush (which then finds the tables empty).
    """
    marker = request.node.get_closest_marker("django_db")
    transactional = (marker is not None and marker.kwargs.get("transaction")) or (
        "transactional_db" in request.fixturenames or "live_server" in request.fixturenames
    )
    if not transactional or connection.vendor != "sqlite":
        yield
        return
    request.getfixturevalue("_django_db_helper")  # set up first, so torn down after this
    yield
    from django.core.management import call_command

    with connection.cursor() as cursor:
        cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")
        triggers = cursor.fetchall()
        for name, _sql in triggers:
            cursor.execute(f'DROP TRIGGER "{name}"')
    try:
        call_command("flush", verbosity=0, interactive=False, inhibit_post_migrate=True)
    finally:
        with connection.cursor() as cursor:
            for _name, sql in triggers:
                cursor.execute(sql)


@pytest.fixture(autouse=True)
def _empty_cache():
    """Rate limits and throttles live in the cache: every test starts with an empty one."""
    from django.core.cache import cache

    from civic import queue

    if hasattr(cache, "delete_pattern"):
        cache.delete_pattern("*")  # only this process's prefix, unlike FLUSHDB
    else:
        cache.clear()
    queue._KICKED.clear()  # and the relay requests this process has sent
    yield


@pytest.fixture
def celery_worker(require_redis, transactional_db):
    """A real Celery worker consuming from Redis, on a queue of this test's own.

    It runs in a thread of this process (Celery's own test worker), so it shares the test
    database; tasks reach it only through the broker.
    """
    import uuid

    from celery.contrib.testing.worker import start_worker

    from civic.celery import app

    queue = f"test-{uuid.uuid4().hex}"
    saved = (app.conf.task_always_eager, app.conf.task_default_queue)
    app.conf.task_always_eager = False
    app.conf.task_default_queue = queue
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, queues=[queue]):
            yield app
    finally:
        app.conf.task_always_eager, app.conf.task_default_queue = saved


@pytest.fixture
def worker_process(require_redis, require_postgres, transactional_db, tmp_path):
    """A real `celery worker` process (prefork, one child) on a queue of this test's own.

    Unlike `celery_worker` it runs apart from the test process, so a test can kill its child
    mid-task. It reaches the test's database through DATABASE_URL; tasks reach it only through
    Redis. Yields the worker's main process; its output is in tmp_path / "worker.log".
    """
    import subprocess
    import sys
    import uuid

    from civic.celery import app

    db = connection.settings_dict
    queue = f"test-{uuid.uuid4().hex}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "civic.settings.test",
        "CIVIC_TEST_CELERY_EAGER": "0",
        "DATABASE_URL": (
            f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
        ),
        "REDIS_URL": settings.REDIS_URL,
    }
    command = [sys.executable, "-m", "celery", "-A", "civic", "worker", "--pool", "prefork"]
    command += ["--concurrency", "1", "-Q", queue, "--loglevel", "INFO", "--without-gossip"]
    command += ["--without-mingle", "--without-heartbeat"]
    log = (tmp_path / "worker.log").open("w")
    worker = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    saved = (app.conf.task_always_eager, app.conf.task_default_queue)
    app.conf.task_always_eager = False
    app.conf.task_default_queue = queue
    try:
        yield worker
    finally:
        app.conf.task_always_eager, app.conf.task_default_queue = saved
        worker.terminate()
        try:
            worker.wait(20)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
        log.close()


def _broker_down(*args, **kwargs):
    from kombu.exceptions import OperationalError as BrokerError

    raise BrokerError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")


class Broker:
    """Takes the broker down (no eager shortcut; every publish fails as kombu's does) and up."""

    def __init__(self) -> None:
        from civic.celery import app

        self.app = app
        self.saved = app.conf.task_always_eager
        self.patch = pytest.MonkeyPatch()

    def down(self) -> None:
        self.app.conf.task_always_eager = False
        from budgets import tasks
        from civic.accounts.tasks import account_email_send
        from proposals.tasks import proposal_status_email

        lost = (tasks.tally_pool, tasks.render_report, tasks.ballot_receipts_relay)
        lost += (tasks.ballot_receipts_email, account_email_send)
        for task in (*lost, proposal_status_email):
            self.patch.setattr(task, "apply_async", _broker_down)

    def up(self) -> None:
        self.patch.undo()
        self.app.conf.task_always_eager = self.saved


@pytest.fixture
def broker_down():
    """Redis out of reach for the tasks the services queue after commit; `.up()` ends it."""
    broker = Broker()
    broker.down()
    yield broker
    broker.up()
