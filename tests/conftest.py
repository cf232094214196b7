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
def _empty_cache():
    """Rate limits and throttles live in the cache: every test starts with an empty one."""
    from django.core.cache import cache

    if hasattr(cache, "delete_pattern"):
        cache.delete_pattern("*")  # only this process's prefix, unlike FLUSHDB
    else:
        cache.clear()
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
