"""Queueing Celery tasks after commit, so that a broker outage never fails a finished request."""

import logging
import time
from functools import partial

from django.db import transaction
from kombu.exceptions import OperationalError as BrokerError

logger = logging.getLogger(__name__)


def enqueue_on_commit(task, **kwargs) -> None:
    """Queue task(**kwargs) once the current transaction commits; log a broker error.

    The work stays recorded in the database (a queued tally, a report still rendering, a
    receipt not e-mailed yet) and a beat sweep queues it again, so a request whose writes
    have committed answers normally even when Redis cannot be reached. In eager mode (no
    broker: the demo and most tests) the task runs at once and its errors propagate.
    """
    transaction.on_commit(partial(_publish, task, kwargs))


def enqueue_or_do(task, **kwargs) -> None:
    """Queue task(**kwargs) now, for work that needs nothing the current transaction writes
    and that no sweep would find again: if the broker is unreachable, run it here instead.
    In eager mode the task runs at once."""
    _publish(task, kwargs, here=True)


def _publish(task, kwargs: dict, here: bool = False) -> None:
    if task.app.conf.task_always_eager:
        task.apply_async(kwargs=kwargs)
        return
    try:
        task.apply_async(kwargs=kwargs, retry=False)
    except (BrokerError, OSError):
        if not here:
            logger.warning(
                "%s%s not queued (broker unreachable); a sweep queues it", task.name, kwargs
            )
            return
        logger.warning("%s not queued (broker unreachable); run in the request", task.name)
        task.run(**kwargs)


_KICKED: dict[str, float] = {}


def kick_on_commit(task, *, every: float) -> None:
    """After commit, have `task` (no arguments: it drains an outbox in the database) run soon.

    However many commits ask, this process sends at most one message per `every` seconds,
    each due `2 × every` seconds after it is sent. A commit whose message was skipped came
    less than `every` seconds after one that was sent, so that task starts after this commit,
    with `every` seconds to spare for clocks that differ between machines. In eager mode the
    task runs at once. A broker error is logged and the next commit tries again; the task's
    beat sweep drains what is left.
    """
    transaction.on_commit(partial(_kick, task, every))


def _kick(task, every: float) -> None:
    if task.app.conf.task_always_eager:
        task.apply_async()
        return
    now = time.monotonic()
    if now - _KICKED.get(task.name, float("-inf")) < every:
        return
    _KICKED[task.name] = now
    try:
        task.apply_async(countdown=2 * every, retry=False)
    except (BrokerError, OSError):
        del _KICKED[task.name]
        logger.warning("%s not queued (broker unreachable); its sweep runs it", task.name)


def seen_twice(key: str, entries: list[str]) -> list[str]:
    """For a beat sweep: the entries its previous run found too (so their own task, if it was
    merely on its way, had minutes to arrive); remembers these entries for the next run."""
    from django.core.cache import cache

    earlier = set(cache.get(key) or ())
    cache.set(key, entries, timeout=24 * 3600)
    return [entry for entry in entries if entry in earlier]
