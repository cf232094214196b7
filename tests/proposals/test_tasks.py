"""The status e-mail: once per transition, after commit, in the author's language."""

from decimal import Decimal

import pytest
from django.conf import settings
from django.core import mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from proposals import services, tasks
from proposals.models import Review, Status
from tests.factories import UserFactory, make_pool, make_resident, make_staff
from tests.proposals.factories import ProposalFactory

pytestmark = pytest.mark.django_db

Action = Review.Action


@pytest.fixture
def pool():
    return make_pool(phase="review")


@pytest.fixture
def staff(pool):
    return make_staff(pool.district)


def make_proposal(pool, *, language="en", **fields):
    author = make_resident(pool.district, preferred_language=language)
    return ProposalFactory(pool=pool, author=author, **fields)


def test_email_sent_once_per_transition_after_commit(
    pool, staff, django_capture_on_commit_callbacks
):
    proposal = make_proposal(pool)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.proposal_review(proposal=proposal, actor=staff, action=Action.START_REVIEW)
    # Nothing is sent while the transaction is open; the task waits for the commit.
    assert mail.outbox == []
    assert len(callbacks) == 1
    for callback in callbacks:
        callback()
    assert len(mail.outbox) == 1
    review = Review.objects.get(proposal=proposal, action=Action.START_REVIEW)
    assert review.notified_at is not None

    # A second run of the same task (a retry, a duplicate delivery) sends nothing.
    tasks.proposal_status_email(review_id=review.pk)
    assert len(mail.outbox) == 1

    with django_capture_on_commit_callbacks(execute=True):
        services.proposal_review(
            proposal=proposal,
            actor=staff,
            action=Action.MARK_FEASIBLE,
            staff_cost=Decimal("9000"),
            public_reason="Includes VAT.",
        )
    assert len(mail.outbox) == 2
    message = mail.outbox[1]
    assert message.to == [proposal.author.email]
    assert "Feasible" in message.subject
    assert "Includes VAT." in message.body


def test_email_has_absolute_link_and_reason(pool, staff, django_capture_on_commit_callbacks):
    proposal = make_proposal(pool)
    with django_capture_on_commit_callbacks(execute=True):
        services.proposal_review(
            proposal=proposal,
            actor=staff,
            action=Action.MARK_INFEASIBLE,
            public_reason="The land belongs to the state.",
        )
    (message,) = mail.outbox
    url = settings.CIVIC_SITE_URL + reverse("proposals:detail", args=[proposal.pk])
    assert url.startswith("http")
    assert url in message.body
    assert "The land belongs to the state." in message.body
    assert message.subject.startswith(settings.ACCOUNT_EMAIL_SUBJECT_PREFIX)
    assert "\n" not in message.subject


def test_email_is_rendered_in_the_authors_language(
    pool, staff, django_capture_on_commit_callbacks, monkeypatch
):
    seen = []

    def recording_render(template_name, context=None, *args, **kwargs):
        seen.append((template_name, translation.get_language()))
        return render_to_string(template_name, context, *args, **kwargs)

    monkeypatch.setattr(tasks, "render_to_string", recording_render)
    bg = make_proposal(pool, language="bg", title="Пейки в парка")
    tr = make_proposal(pool, language="tr", title="Parka banklar")
    with django_capture_on_commit_callbacks(execute=True):
        services.proposal_review(proposal=bg, actor=staff, action=Action.START_REVIEW)
        services.proposal_review(proposal=tr, actor=staff, action=Action.START_REVIEW)
    assert {language for _name, language in seen[:2]} == {"bg"}
    assert {language for _name, language in seen[2:]} == {"tr"}
    # The active language of the request (here English) is restored afterwards.
    assert translation.get_language() == "en"

    bg_message = mail.outbox[0]
    with translation.override("bg"):
        expected = render_to_string(
            "proposals/email/status_subject.txt",
            {"proposal": bg, "review": bg.reviews.get(action=Action.START_REVIEW)},
        ).strip()
        status_bg = str(Status.UNDER_REVIEW.label)
    assert bg_message.subject == settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + expected
    assert "Пейки в парка" in bg_message.subject
    if status_bg != "Under review":  # once the Bulgarian catalogue has the string
        assert status_bg in bg_message.subject


def test_email_subject_is_plain_text_not_html_escaped(
    pool, staff, django_capture_on_commit_callbacks
):
    proposal = make_proposal(pool, title='Kids\' corner & "quiet" zone')
    with django_capture_on_commit_callbacks(execute=True):
        services.proposal_review(proposal=proposal, actor=staff, action=Action.START_REVIEW)
    (message,) = mail.outbox
    assert 'Kids\' corner & "quiet" zone' in message.subject
    assert "&amp;" not in message.body and "&#x27;" not in message.subject


def test_no_email_on_edit_or_own_submission(django_capture_on_commit_callbacks):
    pool = make_pool(phase="submission")
    author = make_resident(pool.district)
    proposal = ProposalFactory(pool=pool, author=author, status=Status.DRAFT)
    with django_capture_on_commit_callbacks(execute=True):
        services.proposal_submit(proposal=proposal, actor=author)
        services.proposal_update(proposal=proposal, actor=author, title="A better title")
    assert Review.objects.filter(proposal=proposal, action=Action.EDIT).exists()
    assert mail.outbox == []


def test_no_email_when_the_decision_is_refused(pool, staff, django_capture_on_commit_callbacks):
    proposal = make_proposal(pool)
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(Exception, match="reason"),
    ):
        services.proposal_review(proposal=proposal, actor=staff, action=Action.MARK_INFEASIBLE)
    assert callbacks == [] and mail.outbox == []
    assert not Review.objects.exists()


def test_no_email_for_hiding(pool, staff, django_capture_on_commit_callbacks):
    proposal = make_proposal(pool)
    with django_capture_on_commit_callbacks(execute=True):
        services.proposal_hide(proposal=proposal, actor=staff, reason="Spam")
    assert mail.outbox == []


def test_task_with_unknown_review_or_deleted_author_does_nothing(pool, staff):
    # An author without a census record: deleting a verified resident trips a districts
    # constraint (see the report), which is not what this test is about.
    proposal = ProposalFactory(pool=pool, author=UserFactory())
    tasks.proposal_status_email(review_id=999_999)
    review = Review.objects.create(
        proposal=proposal,
        actor=staff,
        action=Action.START_REVIEW,
        from_status=Status.SUBMITTED,
        to_status=Status.UNDER_REVIEW,
        notice_due=True,  # as proposal_review writes it
    )
    proposal.author.delete()
    tasks.proposal_status_email(review_id=review.pk)
    assert mail.outbox == []


def test_email_failed_send_is_sent_on_retry(pool, staff, monkeypatch):
    proposal = make_proposal(pool)
    review = Review.objects.create(
        proposal=proposal,
        actor=staff,
        action=Action.START_REVIEW,
        from_status=Status.SUBMITTED,
        to_status=Status.UNDER_REVIEW,
        notice_due=True,  # as proposal_review writes it
    )
    real_send = tasks.send_mail
    calls = []

    def flaky_send(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise OSError("SMTP server down")
        return real_send(*args, **kwargs)

    monkeypatch.setattr(tasks, "send_mail", flaky_send)
    with pytest.raises(OSError):
        tasks.proposal_status_email(review_id=review.pk)
    tasks.proposal_status_email(review_id=review.pk)  # what Celery's autoretry does
    assert len(mail.outbox) == 1


def test_status_change_stands_when_the_broker_is_down_and_the_sweep_sends_the_email(
    pool, staff, broker_down, django_capture_on_commit_callbacks
):
    proposal = make_proposal(pool)
    with django_capture_on_commit_callbacks(execute=True):
        services.proposal_review(proposal=proposal, actor=staff, action=Action.START_REVIEW)
    broker_down.up()
    review = Review.objects.get(proposal=proposal, action=Action.START_REVIEW)
    assert review.notice_due and mail.outbox == []
    assert tasks.reviews_notice_sweep() == 0  # it might still be on its way
    assert tasks.reviews_notice_sweep() == 1
    assert [message.to for message in mail.outbox] == [[proposal.author.email]]
    review.refresh_from_db()
    assert not review.notice_due and review.notified_at is not None
    assert tasks.reviews_notice_sweep() == 0 and len(mail.outbox) == 1


def test_changes_that_tell_nobody_are_never_swept(pool, django_capture_on_commit_callbacks):
    proposal = make_proposal(pool)  # submitted
    with django_capture_on_commit_callbacks(execute=True):
        services.proposal_withdraw(proposal=proposal, actor=proposal.author, reason="Moved away")
    review = Review.objects.get(proposal=proposal, action=Action.WITHDRAW)
    assert review.from_status != review.to_status  # a status change, but the author made it
    assert not review.notice_due
    assert tasks.reviews_notice_sweep() == 0 and tasks.reviews_notice_sweep() == 0
    assert mail.outbox == []
