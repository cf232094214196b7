"""Account e-mails (allauth's confirmations, password resets, notices) are sent by a worker."""

import re

import pytest
from django.core import mail

from civic.accounts import tasks
from civic.accounts.models import User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

SIGNUP = {"email": "new.resident@example.test", "password1": "a-long-pass-42"}
SIGNUP["password2"] = SIGNUP["password1"]


@pytest.fixture
def queued(monkeypatch):
    """A broker that keeps what is published (the tasks do not run until a test runs them)."""
    from civic.celery import app

    saved = app.conf.task_always_eager
    app.conf.task_always_eager = False
    sent = []
    monkeypatch.setattr(
        tasks.account_email_send, "apply_async", lambda **options: sent.append(options)
    )
    yield sent
    app.conf.task_always_eager = saved


def test_signup_e_mail_is_queued_rendered_not_sent_in_the_request(client, queued):
    client.cookies["django_language"] = "tr"
    response = client.post("/accounts/signup/", SIGNUP)
    assert response.status_code == 302
    assert mail.outbox == []
    assert len(queued) == 1 and queued[0]["retry"] is False
    parts = queued[0]["kwargs"]["parts"]
    assert parts["to"] == ["new.resident@example.test"]
    assert parts["subject"] == "[civic] Lütfen E-posta Adresinizi Onaylayın"
    assert re.search(r"/accounts/confirm-email/[^/\s]+/", parts["body"])
    # Rendered in the request, in the language the visitor was reading.
    tasks.account_email_send.run(**queued[0]["kwargs"])
    (message,) = mail.outbox
    assert message.subject == parts["subject"] and message.body == parts["body"]
    assert message.to == ["new.resident@example.test"]
    assert message.from_email == parts["from_email"]
    user = User.objects.get(email="new.resident@example.test")
    assert user.preferred_language == "tr"


def test_password_reset_e_mail_keeps_its_html_part(client, queued, monkeypatch):
    """Whatever allauth renders (an HTML alternative too) arrives as rendered."""
    from allauth.account.adapter import DefaultAccountAdapter

    render = DefaultAccountAdapter.render_mail

    def with_html(self, template_prefix, email, context, headers=None):
        message = render(self, template_prefix, email, context, headers)
        message.attach_alternative("<p>reset</p>", "text/html")
        message.extra_headers["X-Civic"] = "1"
        return message

    monkeypatch.setattr(DefaultAccountAdapter, "render_mail", with_html)
    user = UserFactory(email="reset@example.test")
    response = client.post("/accounts/password/reset/", {"email": user.email})
    assert response.status_code == 302
    assert mail.outbox == []
    tasks.account_email_send.run(**queued[0]["kwargs"])
    (message,) = mail.outbox
    assert message.alternatives == [("<p>reset</p>", "text/html")]
    assert message.extra_headers["X-Civic"] == "1"
    assert "/accounts/password/reset/key/" in message.body


def test_broker_down_the_request_sends_the_e_mail_itself(client, broker_down):
    response = client.post("/accounts/signup/", SIGNUP)
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["new.resident@example.test"]


def test_mail_server_errors_are_retried(monkeypatch):
    import smtplib

    from django.core.mail.backends.locmem import EmailBackend

    deliver, attempts = EmailBackend.send_messages, []

    def flaky(self, messages):
        attempts.append(len(messages))
        if len(attempts) == 1:
            raise smtplib.SMTPServerDisconnected("gone")
        return deliver(self, messages)

    monkeypatch.setattr(EmailBackend, "send_messages", flaky)
    parts = {
        "subject": "s",
        "body": "b",
        "from_email": "civic@example.test",
        "to": ["a@example.test"],
        "cc": [],
        "bcc": [],
        "reply_to": [],
        "headers": {},
        "alternatives": [],
    }
    # As a worker would (eagerly here): the failed attempt is retried.
    tasks.account_email_send.apply(kwargs={"parts": parts}, throw=False).get()
    assert attempts == [1, 1]
    assert [message.to for message in mail.outbox] == [["a@example.test"]]


@pytest.mark.worker
def test_signup_e_mail_reaches_the_resident_through_a_real_worker(client, celery_worker):
    import time

    response = client.post("/accounts/signup/", SIGNUP)
    assert response.status_code == 302
    deadline = time.monotonic() + 30
    while not mail.outbox and time.monotonic() < deadline:
        time.sleep(0.1)
    (message,) = mail.outbox
    link = re.search(r"/accounts/confirm-email/[^/\s]+/", message.body).group(0)
    assert client.post(link).status_code == 302
    assert client.session["_auth_user_id"] == str(User.objects.get(email=SIGNUP["email"]).pk)


def test_sessions_clear_expired_deletes_only_expired_sessions_in_batches():
    from datetime import timedelta

    from django.utils import timezone

    from civic.accounts import services
    from civic.accounts.models import Session
    from civic.accounts.sessions import SessionStore

    keys = []
    for _ in range(5):
        store = SessionStore()
        store["answer"] = 42
        store.create()
        keys.append(store.session_key)
    user = UserFactory()
    signed_in = SessionStore()
    signed_in["_auth_user_id"] = str(user.pk)
    signed_in.create()
    Session.objects.filter(pk__in=keys[:3] + [signed_in.session_key]).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    assert services.sessions_clear_expired(batch=2) == 4
    assert set(Session.objects.values_list("pk", flat=True)) == set(keys[3:])
    assert tasks.sessions_clear_expired.apply().get() == 0


def test_sessions_are_cleared_daily_by_beat():
    from django.conf import settings

    schedule = {
        entry["task"]: entry["schedule"] for entry in settings.CELERY_BEAT_SCHEDULE.values()
    }
    assert schedule["civic.accounts.tasks.sessions_clear_expired"] == 86400.0
