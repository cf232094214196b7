"""Celery tasks of the proposals app: ids in, safe to run twice."""

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.db import OperationalError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation


@shared_task(
    acks_late=True, autoretry_for=(OperationalError, OSError), retry_backoff=True, max_retries=5
)
def proposal_status_email(*, review_id: int) -> None:
    """E-mail the author about a status change, in the author's language; once per review."""
    from proposals.models import Review

    # The row lock makes a duplicate task wait and then find the e-mail sent; a failed send
    # rolls the mark back, so the retry sends it (at least once, never lost).
    with transaction.atomic():
        review = (
            Review.objects.select_for_update(of=("self",))
            .select_related("proposal", "proposal__author", "proposal__pool__district")
            .filter(pk=review_id, notice_due=True)
            .first()
        )
        if review is None or review.proposal.author is None:
            return
        author = review.proposal.author
        with translation.override(author.preferred_language):
            url = settings.CIVIC_SITE_URL + reverse("proposals:detail", args=[review.proposal_id])
            context = {"review": review, "proposal": review.proposal, "proposal_url": url}
            subject = render_to_string("proposals/email/status_subject.txt", context).strip()
            body = render_to_string("proposals/email/status_body.txt", context)
        send_mail(
            settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + subject,
            body,
            settings.DEFAULT_FROM_EMAIL,
            [author.email],
        )
        review.notified_at = timezone.now()
        review.notice_due = False
        review.save(update_fields=["notified_at", "notice_due"])


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def reviews_notice_sweep() -> int:
    """Beat: queue the authors' status e-mails whose task never reached the broker.

    Only reviews whose notice was due at the previous sweep too (minutes ago) are queued: a
    review made a moment ago has its own task on the way.
    """
    from civic.queue import seen_twice
    from proposals.models import Review

    due = [str(pk) for pk in Review.objects.filter(notice_due=True).values_list("pk", flat=True)]
    due = seen_twice("proposals:sweep:notices", due)
    for review_id in due:
        proposal_status_email.delay(review_id=int(review_id))
    return len(due)


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def pools_compose_ballots() -> int:
    """Beat: once voting opens, put each pool's chosen proposals on its ballot (idempotent)."""
    from budgets.models import Pool
    from budgets.phases import Phase
    from proposals import services

    moved = 0
    for pool in Pool.objects.select_related("cycle"):
        if pool.phase == Phase.VOTING:
            moved += len(services.pool_ballot_compose(pool=pool))
    return moved
