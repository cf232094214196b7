"""Reads for the accounts app's pages."""

from django.utils import timezone

from civic.accounts.models import Session, User


def other_sessions_count(*, user: User, current: str | None) -> int:
    """How many browsers or devices besides the current one are signed in as the user."""
    return (
        Session.objects.filter(user=user, expire_date__gt=timezone.now())
        .exclude(pk=current or "")
        .count()
    )
