"""No counts or partial results are visible to anyone before voting closes.

A voting pool gets ballots with distinctive per-project counts (1,117 / 1,231 / 1,303
votes, 1,409 ballots). Every GET page of the project — public, resident, staff, council,
the JSON endpoints and every Django admin changelist and change page — is requested as
each role, and no response may contain any of those numbers in any locale's spelling.
"""

import re

import pytest
from django.contrib import admin
from django.urls import URLPattern, URLResolver, get_resolver

from budgets.models import Ballot, BallotLine, PaperEntry
from budgets.services import receipt_new
from proposals.models import Comment
from tests.budgets.factories import make_voting_pool
from tests.factories import make_city_admin, make_council, make_resident, make_staff

pytestmark = pytest.mark.django_db

COUNTS = (1117, 1231, 1303, 1409)
# 1117 written as 1117, 1,117, 1.117, 1 117 (space, no-break or narrow no-break space).
PATTERN = re.compile(
    r"(?<![\d.,])(?:"
    + "|".join(f"{n // 1000}[,.\u00a0\u202f ]?{n % 1000:03d}" for n in COUNTS)
    + r")(?![\d])"
)
SKIPPED_NAMES = {
    # POST-only or side-effect endpoints: a GET is refused before anything is rendered.
    "set_language",
    "set_reminders",
    "submit",
    "withdraw",
    "image_delete",
    "comment",
    "comment_flag",
    "support",
    "staff_hide",
    "staff_moderate_comment",
    "staff_paper_resolve",
    "validate",
}


def _leaks(body: str) -> list[str]:
    return PATTERN.findall(body)


def test_the_scanner_finds_counts_in_every_spelling():
    for text in ("1117 votes", "1,231", "1.303", "1\u00a0409", "1\u202f117", "<td>1117</td>"):
        assert _leaks(text), text
    for text in ("11170", "21117", "2026", "€30,000", "1,1170"):
        assert not _leaks(text), text


@pytest.fixture
def voting():
    pool, items = make_voting_pool(costs=(30000, 20000, 15000, 10000, 5000))
    per_project = dict(zip((items[0].pk, items[1].pk, items[2].pk), COUNTS[:3], strict=True))
    ballots = Ballot.objects.bulk_create(
        Ballot(pool=pool, channel="online", receipt=receipt_new(), age_band="30-44")
        for _ in range(COUNTS[3])
    )
    lines = [
        BallotLine(ballot=ballot, proposal_id=pid, weight=1)
        for pid, count in per_project.items()
        for ballot in ballots[:count]
    ]
    BallotLine.objects.bulk_create(lines, batch_size=5000)
    Comment.objects.create(proposal=items[0], author=items[0].author, body="Good idea")
    return pool, items


def _urls(pool, items) -> list[str]:
    kwargs = {
        "slug": pool.district.slug,
        "pool_id": pool.pk,
        "pk": items[0].pk,
        "comment_id": Comment.objects.first().pk,
        "image_id": 0,
        "filename": "none.jpg",
        "paper_id": 0,
        "report_id": 0,
        "language": "en",
        "year": pool.cycle.year,
    }
    urls = []

    def walk(patterns, prefix: str) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                if str(pattern.pattern) in ("admin/", "accounts/"):
                    continue
                walk(pattern.url_patterns, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern) and pattern.name not in SKIPPED_NAMES:
                path = prefix + str(pattern.pattern)
                for name, value in kwargs.items():
                    for converter in ("slug", "int", "id", "str"):
                        path = path.replace(f"<{converter}:{name}>", str(value))
                assert "<" not in path, f"no value for {path}"
                urls.append("/" + path)

    walk(get_resolver().url_patterns, "")
    for model, _model_admin in admin.site._registry.items():
        base = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        urls.append(base)
        first = model._default_manager.order_by("pk").first()
        if first is not None:
            urls.append(f"{base}{first.pk}/change/")
    return urls


@pytest.mark.parametrize("role", ["anonymous", "resident", "staff", "council", "admin"])
@pytest.mark.parametrize("language", ["en", "bg", "tr"])
def test_no_page_shows_a_count_while_voting(client, voting, role, language):
    pool, items = voting
    user = {
        "anonymous": lambda: None,
        "resident": lambda: make_resident(pool.district),
        "staff": lambda: make_staff(pool.district),
        "council": make_council,
        "admin": make_city_admin,
    }[role]()
    if user is not None:
        client.force_login(user)
    client.cookies["django_language"] = language
    checked = 0
    for url in _urls(pool, items):
        response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
        body = b"".join(response) if response.streaming else response.content
        leaks = _leaks(body.decode("utf-8", "replace"))
        assert not leaks, f"{role} {language} {url} shows {leaks}"
        checked += response.status_code == 200
    assert checked >= (6 if user is None else 10)  # it really read pages, not only refusals


def test_admin_does_not_register_ballots_or_paper_entries():
    registered = set(admin.site._registry)
    assert not {Ballot, BallotLine, PaperEntry} & registered
