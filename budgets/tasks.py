"""Celery tasks of the budgets app: ids in, safe to run twice."""

from celery import shared_task
from django.conf import settings
from django.core.mail import get_connection, send_mail
from django.db import OperationalError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

# What each sweep found last time (cache keys).
SWEEP_TALLIES = "budgets:sweep:tallies"
SWEEP_REPORTS = "budgets:sweep:reports"
RELAY_BATCHES = 50  # batches per relay run; the next run takes the rest
RETRY = {
    "acks_late": True,
    "autoretry_for": (OperationalError, OSError),
    "retry_backoff": True,
    "max_retries": 5,
}


def _send(*, user, template: str, context: dict, connection=None) -> None:
    with translation.override(user.preferred_language):
        subject = render_to_string(f"budgets/email/{template}_subject.txt", context).strip()
        body = render_to_string(f"budgets/email/{template}_body.txt", context)
    send_mail(
        settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + subject,
        body,
        settings.DEFAULT_FROM_EMAIL,
        [user.email],
        connection=connection,
    )


@shared_task(**RETRY)
def ballot_receipts_email(*, items: list[list]) -> int:
    """E-mail a batch of receipts, [[ballot id, receipt], ...], over one SMTP connection.

    A receipt sent or replaced since it was claimed is skipped. Each ballot is marked sent
    only after its e-mail went out: a failure leaves the rest to a retry of the batch, or to
    the relay once the claim's lease runs out (at least once; a rare duplicate repeats the
    same receipt). Returns how many e-mails went out.
    """
    from budgets import services
    from budgets.models import Ballot

    wanted = {int(ballot_id): receipt for ballot_id, receipt in items}
    ballots = (
        Ballot.objects.select_related("pool__district", "pool__cycle", "census_record__claimed_by")
        .filter(pk__in=wanted, receipt_unsent=True, census_record__claimed_by__isnull=False)
        .order_by("pk")
    )
    sent = 0
    with get_connection() as smtp:
        for ballot in ballots:
            if ballot.receipt != wanted[ballot.pk]:
                continue  # replaced since the claim: the new receipt has its own claim
            url = settings.CIVIC_SITE_URL + reverse("budgets:ballot", args=[ballot.pool_id])
            _send(
                user=ballot.census_record.claimed_by,
                template="receipt",
                context={"pool": ballot.pool, "receipt": ballot.receipt, "ballot_url": url},
                connection=smtp,
            )
            services.receipt_mark_sent(ballot_id=ballot.pk, receipt=ballot.receipt)
            sent += 1
    return sent


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def ballot_receipts_relay() -> int:
    """Hand the receipts waiting for their e-mail to the workers, in batches; returns how many.

    Asked for by the casts (at most once a second per web process) and run by beat every
    minute as a sweep: that also picks up what a broker outage kept from the queue and
    claims whose worker was lost. Safe to run twice at once: each run claims other rows.
    """
    from budgets import services

    queued = 0
    for _batch in range(RELAY_BATCHES):
        with transaction.atomic():
            items = services.receipts_claim()
        # After the claim commits, so the batch never waits for the claim's row locks. Should
        # the broker refuse it, the claim's lease runs out and a later run claims them again.
        if items:
            ballot_receipts_email.apply_async(kwargs={"items": items})
        queued += len(items)
        if len(items) < services.RECEIPT_BATCH:
            break
    return queued


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def work_sweep() -> int:
    """Beat: queue again the tallies still queued and the reports still being rendered since
    the previous sweep (minutes ago): their task was lost, most likely to a broker outage.

    Both tasks are safe to run twice, so a task that was merely slow costs a repeat, no harm.
    """
    from budgets import selectors
    from civic.queue import seen_twice

    tallies = seen_twice(SWEEP_TALLIES, [str(pk) for pk in selectors.tallies_queued()])
    for tally_id in tallies:
        tally_pool.delay(tally_id=int(tally_id))
    reports = seen_twice(SWEEP_REPORTS, [str(pk) for pk in selectors.reports_rendering()])
    for report_id in reports:
        render_report.delay(report_id=int(report_id))
    return len(tallies) + len(reports)


@shared_task(**RETRY)
def pool_close_voting(*, pool_id: int) -> None:
    """Freeze a pool whose voting has ended; a second run finds the freeze and stops."""
    from budgets import services
    from budgets.models import Pool

    pool = Pool.objects.filter(pk=pool_id).first()
    if pool is not None:
        services.ballots_freeze(pool=pool)


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def pools_close_voting() -> int:
    """Beat: close every pool whose voting has ended (freeze + digest), once each."""
    from budgets import selectors

    pools = selectors.pools_to_close()
    for pool in pools:
        pool_close_voting.delay(pool_id=pool.pk)
    return len(pools)


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def pools_send_reminders() -> int:
    """Beat: start the reminder round of pools closing within two days (once per pool)."""
    from budgets import selectors, services

    started = 0
    for pool in selectors.pools_voting():
        if services.reminder_due(pool=pool) and services.voting_reminder_start(pool=pool):
            started += 1
    return started


@shared_task(**RETRY)
def voting_reminder_email(*, pool_id: int, user_id: int) -> None:
    """Remind one resident to vote, unless they voted or opted out in the meantime."""
    from budgets import services
    from budgets.models import Pool

    pool = Pool.objects.select_related("district", "cycle").filter(pk=pool_id).first()
    if pool is None:
        return
    user = services.voting_reminder_recipients(pool=pool).filter(pk=user_id).first()
    if user is None:
        return
    url = settings.CIVIC_SITE_URL + reverse("budgets:ballot", args=[pool.pk])
    _send(
        user=user,
        template="reminder",
        context={"pool": pool, "ballot_url": url, "closes": pool.dates.voting_ends},
    )


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=3,
    soft_time_limit=540,
    time_limit=600,
)
def tally_pool(*, tally_id: int) -> None:
    """Count a queued tally; a redelivered or duplicate task finds the result and stops.

    `acks_late` + `reject_on_worker_lost`: a worker killed mid-count leaves the message
    to another worker, which counts again from the frozen ballots.
    """
    from celery.exceptions import SoftTimeLimitExceeded

    from budgets.models import Tally
    from budgets.services import tallies

    tally = Tally.objects.filter(pk=tally_id).first()
    if tally is None:
        return
    try:
        tallies.tally_run(tally=tally)
    except SoftTimeLimitExceeded:
        tallies.tally_fail(tally=tally, error="time limit exceeded")


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=3,
    soft_time_limit=300,
    time_limit=360,
)
def render_report(*, report_id: int) -> None:
    """Render a report version's PDFs; a duplicate finds it rendered and stops."""
    from celery.exceptions import SoftTimeLimitExceeded

    from budgets.models import Report
    from budgets.services import reports

    report = Report.objects.filter(pk=report_id).first()
    if report is None:
        return
    try:
        reports.report_render(report=report)
    except SoftTimeLimitExceeded:
        reports.report_fail(report=report, error="time limit exceeded")
    except OperationalError:
        raise
    except Exception as error:
        reports.report_fail(report=report, error=f"{type(error).__name__}: {error}")
        raise


@shared_task(
    acks_late=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=3,
    soft_time_limit=300,
    time_limit=360,
)
def render_cycle_summary(*, cycle_id: int) -> None:
    """Render the council's summary of a cycle again (after an approval)."""
    from budgets.models import Cycle
    from budgets.services import reports

    cycle = Cycle.objects.filter(pk=cycle_id).first()
    if cycle is not None:
        reports.cycle_summary_render(cycle=cycle)
