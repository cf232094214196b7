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


def personal_data(*, user: User) -> dict:
    """Everything kept about the user's account, for the user to download (GDPR art. 15, 20).

    Plain JSON-ready values, times in ISO 8601 (UTC). Not included, on purpose: the census
    id (kept only as a keyed hash), passwords and second-factor secrets, and what any
    ballot chose or its receipt code (a ballot must not be provable to anyone else).
    Ballots are listed only while voting is open: closing a vote removes the link.
    """
    from allauth.account.models import EmailAddress
    from allauth.mfa.models import Authenticator

    from budgets.models import Ballot
    from districts.models import CensusRecord, StaffMembership, VerificationAttempt
    from proposals.models import Comment, Flag, Proposal, Support

    record = (
        CensusRecord.objects.select_related("district", "neighbourhood")
        .filter(claimed_by=user)
        .first()
    )
    return {
        "account": {
            "email": user.email,
            "display_name": user.display_name,
            "preferred_language": user.preferred_language,
            "voting_reminders": user.voting_reminders,
            "joined": _when(user.date_joined),
            "last_sign_in": _when(user.last_login),
        },
        "email_addresses": [
            {"email": email, "verified": verified, "primary": primary}
            for email, verified, primary in EmailAddress.objects.filter(user=user)
            .order_by("pk")
            .values_list("email", "verified", "primary")
        ],
        "second_factors": sorted(
            Authenticator.objects.filter(user=user).values_list("type", flat=True)
        ),
        "signed_in_browsers": other_sessions_count(user=user, current=None),
        "residency": {
            "district": record.district.name,
            "neighbourhood": record.neighbourhood.name if record.neighbourhood else None,
            "birth_year": record.birth_year,
            "verified": _when(record.claimed_at),
        }
        if record
        else None,
        "residency_checks": [
            {"at": _when(at), "outcome": outcome}
            for at, outcome in VerificationAttempt.objects.filter(user=user)
            .order_by("attempted_at", "pk")
            .values_list("attempted_at", "outcome")
        ],
        "staff_of": [
            {
                "district": membership.district.name,
                "role": membership.role,
                "since": _when(membership.created_at),
            }
            for membership in StaffMembership.objects.filter(user=user)
            .select_related("district")
            .order_by("pk")
        ],
        "proposals": [
            {
                "id": proposal.pk,
                "pool": str(proposal.pool),
                "status": proposal.status,
                "title": proposal.title,
                "summary": proposal.summary,
                "description": proposal.body,
                "category": proposal.category.name,
                "address": proposal.address,
                "latitude": _number(proposal.latitude),
                "longitude": _number(proposal.longitude),
                "estimated_cost": _number(proposal.author_cost),
                "images": [
                    {"file": image.image.name, "description": image.alt_text}
                    for image in proposal.images.all()
                ],
                "created": _when(proposal.created_at),
                "submitted": _when(proposal.submitted_at),
            }
            for proposal in Proposal.objects.filter(author=user)
            .select_related("pool__district", "pool__cycle", "category")
            .prefetch_related("images")
            .order_by("pk")
        ],
        "comments": [
            {
                "proposal": proposal_id,
                "reply_to": parent_id,
                "text": body,
                "created": _when(created),
                "hidden": hidden_at is not None,
            }
            for proposal_id, parent_id, body, created, hidden_at in Comment.objects.filter(
                author=user
            )
            .order_by("pk")
            .values_list("proposal_id", "parent_id", "body", "created_at", "hidden_at")
        ],
        "supports": [
            {"proposal": proposal_id, "created": _when(created)}
            for proposal_id, created in Support.objects.filter(user=user)
            .order_by("pk")
            .values_list("proposal_id", "created_at")
        ],
        "comment_reports": [
            {"comment": comment_id, "reason": reason, "created": _when(created)}
            for comment_id, reason, created in Flag.objects.filter(user=user)
            .order_by("pk")
            .values_list("comment_id", "reason", "created_at")
        ],
        "ballots": [
            {"pool": str(ballot.pool), "channel": ballot.channel}
            for ballot in Ballot.objects.filter(census_record__claimed_by=user)
            .select_related("pool__district", "pool__cycle")
            .order_by("pool_id")
        ]
        if record
        else [],
    }


def _when(value) -> str | None:
    return value.isoformat() if value else None


def _number(value) -> str | None:
    return None if value is None else str(value)
