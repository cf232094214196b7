"""Every write in the accounts app."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction

from civic.accounts.models import User


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
