"""Fixtures of the budgets tests."""

import pytest
from kombu.exceptions import OperationalError as BrokerError

from budgets import tasks
from civic.celery import app


def _broker_down(*args, **kwargs):
    raise BrokerError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")


class Broker:
    """Takes the broker down (no eager shortcut; every publish fails as kombu's does) and up."""

    def __init__(self) -> None:
        self.saved = app.conf.task_always_eager
        self.patch = pytest.MonkeyPatch()

    def down(self) -> None:
        app.conf.task_always_eager = False
        for task in (tasks.tally_pool, tasks.render_report, tasks.ballot_receipt_email):
            self.patch.setattr(task, "apply_async", _broker_down)

    def up(self) -> None:
        self.patch.undo()
        app.conf.task_always_eager = self.saved


@pytest.fixture
def broker_down():
    broker = Broker()
    broker.down()
    yield broker
    broker.up()
