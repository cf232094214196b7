"""Work whose task never reached the broker: requests still answer, beat sweeps queue it again."""

import logging

import pytest

from budgets import tasks
from budgets.models import Report, Tally
from civic.queue import enqueue_on_commit
from tests.budgets.test_tallies import ASSEN, _import, _staff_url
from tests.factories import make_staff

pytestmark = pytest.mark.django_db


def test_enqueue_logs_a_broker_error_instead_of_failing(
    broker_down, caplog, django_capture_on_commit_callbacks
):
    with (
        caplog.at_level(logging.WARNING, logger="civic.queue"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        enqueue_on_commit(tasks.tally_pool, tally_id=123)
    assert "budgets.tasks.tally_pool" in caplog.text and "not queued" in caplog.text


def test_enqueue_runs_the_task_at_once_in_eager_mode_and_its_errors_propagate(
    monkeypatch, django_capture_on_commit_callbacks
):
    calls = []

    def fails(*, tally_id):
        calls.append(tally_id)
        raise OSError("disk full")

    monkeypatch.setattr(tasks.tally_pool, "run", fails)
    with pytest.raises(OSError), django_capture_on_commit_callbacks(execute=True):
        enqueue_on_commit(tasks.tally_pool, tally_id=7)
    assert calls == [7]


def test_staff_what_if_stands_when_the_broker_is_down_and_the_sweep_counts_it(
    client, broker_down, django_capture_on_commit_callbacks, monkeypatch
):
    from budgets.services import tally_run

    pool, _freeze = _import(ASSEN)
    tally_run(tally=Tally.objects.get(pool=pool))  # the official tally, out of the way
    renders = []  # its report's render task (rendering PDFs is tested elsewhere)
    monkeypatch.setattr(tasks.render_report, "delay", lambda **kwargs: renders.append(kwargs))
    client.force_login(make_staff(pool.district))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            _staff_url(pool), {"rule": "greedy", "tie_break": "lexico", "min_votes": "0"}
        )
    assert response.status_code == 302
    what_if = Tally.objects.get(pool=pool, official=False)
    assert what_if.state == Tally.State.QUEUED
    broker_down.up()
    # The first sweep only notes it (its task might be on the way); the next queues it.
    assert tasks.work_sweep() == 0
    assert tasks.work_sweep() == 2  # the what-if (eager here: counted at once) and the report
    assert renders == [{"report_id": Report.objects.get(pool=pool).pk}]
    what_if.refresh_from_db()
    assert what_if.state == Tally.State.DONE and what_if.attempts == 1
    assert tasks.work_sweep() == 1  # only the report, still waiting for its (stubbed) render


def test_the_sweep_queues_a_report_left_rendering(monkeypatch):
    pool, _freeze = _import(ASSEN)
    tally = Tally.objects.get(pool=pool)
    from budgets.services import tally_run

    tally_run(tally=tally)  # asks for the report; its render task is lost (never committed)
    report = Report.objects.get(pool=pool)
    assert report.state == Report.State.RENDERING
    queued = []
    monkeypatch.setattr(tasks.render_report, "delay", lambda **kwargs: queued.append(kwargs))
    assert tasks.work_sweep() == 0 and queued == []
    assert tasks.work_sweep() == 1 and queued == [{"report_id": report.pk}]
