"""Queueing Celery tasks after commit, so that a broker outage never fails a finished request."""

import logging
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


def _publish(task, kwargs: dict) -> None:
    if task.app.conf.task_always_eager:
        task.apply_async(kwargs=kwargs)
        return
    try:
        task.apply_async(kwargs=kwargs, retry=False)
    except (BrokerError, OSError):
        logger.warning("%s%s not queued (broker unreachable); a sweep queues it", task.name, kwargs)
