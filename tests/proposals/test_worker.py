"""The status e-mail through Redis and a real worker, as in production."""

import pytest
from django.core import mail

from proposals import tasks
from proposals.models import Review, Status
from tests.factories import make_pool, make_resident, make_staff
from tests.proposals.factories import ProposalFactory

pytestmark = pytest.mark.worker


def test_status_email_task_runs_on_a_real_worker_once(celery_worker):
    pool = make_pool(phase="review")
    author = make_resident(pool.district, preferred_language="bg")
    proposal = ProposalFactory(pool=pool, author=author)
    review = Review.objects.create(
        proposal=proposal,
        actor=make_staff(pool.district),
        action=Review.Action.START_REVIEW,
        from_status=Status.SUBMITTED,
        to_status=Status.UNDER_REVIEW,
        notice_due=True,  # as proposal_review writes it
    )

    first = tasks.proposal_status_email.delay(review_id=review.pk)
    first.get(timeout=30)
    again = tasks.proposal_status_email.delay(review_id=review.pk)
    again.get(timeout=30)

    review.refresh_from_db()
    assert review.notified_at is not None
    assert [m.to for m in mail.outbox] == [[author.email]]
