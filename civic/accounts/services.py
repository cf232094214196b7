"""Every write in the accounts app."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.db import transaction
from django.utils import timezone

from civic.accounts.models import Session, User
from civic.queue import enqueue_or_do


@transaction.atomic
def user_set_language(*, user: User, language: str) -> User:
    """Store the user's interface language (also used for e-mails and PDFs sent to them)."""
    if language not in dict(settings.LANGUAGES):
        raise ValidationError("unknown language", code="language")
    User.objects.filter(pk=user.pk).update(preferred_language=language)
    user.preferred_language = language
    return user


@transaction.atomic
def user_set_voting_reminders(*, user: User, enabled: bool) -> User:
    """Opt in to or out of the e-mail reminding residents to vote before voting closes."""
    User.objects.filter(pk=user.pk).update(voting_reminders=enabled)
    user.voting_reminders = enabled
    return user


def sessions_clear_expired(*, now=None, batch: int = 10_000) -> int:
    """Delete the sessions past their expiry, `batch` at a time; return how many.

    A session names its user, so expired ones are not kept: visitors who never signed out
    leave one each, and an election brings many. Batches keep each delete short.
    """
    now = now or timezone.now()
    deleted = 0
    while True:
        keys = list(
            Session.objects.filter(expire_date__lt=now).values_list("pk", flat=True)[:batch]
        )
        if not keys:
            return deleted
        deleted += Session.objects.filter(pk__in=keys).delete()[0]


@transaction.atomic
def sessions_end_others(*, user: User, keep: str | None) -> int:
    """Sign the user out everywhere but the session `keep` (the browser asking): delete their
    other sessions, live or expired; return how many were live.

    A browser left signed in (a library computer, a lost phone) reads as signed out on its
    next request. Other users' sessions are not touched.
    """
    others = Session.objects.filter(user=user).exclude(pk=keep or "")
    ended = others.filter(expire_date__gt=timezone.now()).delete()[0]
    others.delete()  # the expired ones too: nothing needs them
    return ended


def account_email_queue(*, message: EmailMessage) -> None:
    """Have a worker send an account e-mail (confirmation, password reset, security notice),
    already rendered in the reader's language.

    A slow or unreachable mail server then never holds up sign-up, sign-in or a password
    reset; the worker retries. If the broker is unreachable the request sends it itself.
    Queued at once, as allauth sends it: the message carries everything it needs.
    """
    from civic.accounts import tasks

    parts = {
        "subject": message.subject,
        "body": message.body,
        "from_email": message.from_email,
        "to": list(message.to),
        "cc": list(message.cc),
        "bcc": list(message.bcc),
        "reply_to": list(message.reply_to),
        "headers": dict(message.extra_headers),
        "alternatives": [
            [content, mimetype] for content, mimetype in getattr(message, "alternatives", [])
        ],
    }
    enqueue_or_do(tasks.account_email_send, parts=parts)


def account_email_send(*, parts: dict) -> None:
    """Send an account e-mail queued by `account_email_queue`."""
    message = EmailMultiAlternatives(
        subject=parts["subject"],
        body=parts["body"],
        from_email=parts["from_email"],
        to=parts["to"],
        cc=parts["cc"],
        bcc=parts["bcc"],
        reply_to=parts["reply_to"],
        headers=parts["headers"],
    )
    for content, mimetype in parts["alternatives"]:
        message.attach_alternative(content, mimetype)
    message.send()
