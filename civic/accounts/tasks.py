"""Background work of the accounts app."""

from celery import shared_task

from civic.accounts import services


@shared_task(
    acks_late=True,
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=5,
    soft_time_limit=60,
    time_limit=90,
)
def account_email_send(*, parts: dict) -> None:
    """Send one rendered account e-mail; SMTP errors are retried with backoff."""
    services.account_email_send(parts=parts)


@shared_task(acks_late=True, soft_time_limit=600, time_limit=720)
def sessions_clear_expired() -> int:
    """Delete expired sessions (beat, daily); safe to run twice."""
    return services.sessions_clear_expired()
