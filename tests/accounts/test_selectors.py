import json

import pytest
from django.core.serializers.json import DjangoJSONEncoder

from budgets.services import ballot_cast
from civic.accounts.selectors import personal_data
from districts.models import CensusRecord, StaffMembership, VerificationAttempt
from proposals.models import Status, Support
from tests.budgets.factories import make_voting_pool
from tests.factories import UserFactory, make_resident
from tests.proposals.factories import CommentFactory, FlagFactory, ProposalFactory

pytestmark = pytest.mark.django_db


def test_personal_data_holds_what_is_kept_about_the_user_and_nothing_of_others():
    pool, items = make_voting_pool()
    resident = make_resident(pool.district, display_name="Mira")
    neighbour = make_resident(pool.district)
    VerificationAttempt.objects.create(user=resident, outcome=VerificationAttempt.Outcome.MATCHED)
    StaffMembership.objects.create(user=resident, district=pool.district)
    ballot = ballot_cast(pool=pool, voter=resident, choices={items[0].pk: 1})
    ballot_cast(pool=pool, voter=neighbour, choices={items[1].pk: 1})
    draft = ProposalFactory(
        author=resident, pool=items[0].pool, status=Status.DRAFT, title="Swings at No. 12"
    )
    comment = CommentFactory(author=resident, proposal=items[1], body="Yes, please.")
    CommentFactory(author=neighbour, proposal=items[1], body="Neighbour's words")
    FlagFactory(user=resident, comment=CommentFactory(proposal=items[1]), reason="Rude")
    Support.objects.create(user=resident, proposal=items[2])
    Support.objects.create(user=neighbour, proposal=items[3])

    data = personal_data(user=resident)

    text = json.dumps(data, cls=DjangoJSONEncoder)  # plain JSON values only
    assert json.loads(text) == data
    assert data["account"]["email"] == resident.email
    assert data["account"]["display_name"] == "Mira"
    assert data["email_addresses"] == [{"email": resident.email, "verified": True, "primary": True}]
    record = CensusRecord.objects.get(claimed_by=resident)
    assert data["residency"]["district"] == pool.district.name
    assert data["residency"]["birth_year"] == record.birth_year
    assert [attempt["outcome"] for attempt in data["residency_checks"]] == ["matched"]
    assert data["staff_of"][0]["district"] == pool.district.name
    assert [proposal["title"] for proposal in data["proposals"]] == ["Swings at No. 12"]
    assert data["proposals"][0]["id"] == draft.pk and data["proposals"][0]["status"] == "draft"
    assert data["comments"] == [
        {
            "proposal": items[1].pk,
            "reply_to": None,
            "text": "Yes, please.",
            "created": comment.created_at.isoformat(),
            "hidden": False,
        }
    ]
    assert data["supports"] == [
        {"proposal": items[2].pk, "created": data["supports"][0]["created"]}
    ]
    assert [flag["reason"] for flag in data["comment_reports"]] == ["Rude"]
    assert data["ballots"] == [{"pool": str(pool), "channel": "online"}]
    # Never the census id's hash, the ballot's choices or its receipt, nor anyone else's data.
    assert record.id_hmac not in text
    assert ballot.receipt not in text
    assert "weight" not in text and str(items[0].title) not in text
    assert "Neighbour's words" not in text and neighbour.email not in text


def test_personal_data_of_an_account_without_residency_or_activity():
    user = UserFactory(email="someone@example.org")
    data = personal_data(user=user)
    assert data["residency"] is None
    assert data["ballots"] == [] and data["proposals"] == [] and data["comments"] == []
    assert data["account"]["last_sign_in"] is None
