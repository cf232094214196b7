"""Every write in the accounts app."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.db import transaction
from django.db.models import ProtectedError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from civic.accounts.models import Session, User
from civic.accounts.predicates import may_close_own_account
from civic.queue import enqueue_or_do

_PRIVILEGED_ACCOUNT = _(
    "Accounts of district staff, council members and administrators are closed by the city's "
    "administrators, because their decisions are part of the public record."
)


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
def user_delete(*, user: User) -> None:
    """Close a resident's own account for good; refuse staff, council and administrators.

    With it go their sessions, e-mail addresses, second factors, supports, flags and drafts.
    Submitted proposals and comments stay, under "Former user". Their census record is
    freed for a new claim; a ballot cast with it stays counted, since a ballot belongs to
    the register entry and never names an account. Raises ValidationError with a sentence.
    """
    from proposals.services import proposal_drafts_delete

    locked = User.objects.select_for_update().filter(pk=user.pk).first()
    if locked is None:  # deleted meanwhile: nothing left to do
        return
    if not may_close_own_account(locked):
        raise ValidationError(_PRIVILEGED_ACCOUNT, code="privileged")
    proposal_drafts_delete(author=locked)
    try:
        locked.delete()
    except ProtectedError as error:  # a record that must keep its author (a paper entry)
        raise ValidationError(_PRIVILEGED_ACCOUNT, code="privileged") from error


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
