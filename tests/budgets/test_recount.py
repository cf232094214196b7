"""The recount kit: the published ballots file is the one whose SHA-256 the page prints, and
pabutools, the reference implementation, selects the published winners from it.

pabutools is a test dependency; the pages never import it.
"""

import hashlib
import html
import re
import subprocess
import sys
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from budgets.models import Pool, Report, Tally
from budgets.services import ballot_cast, ballots_freeze, tally_run
from budgets.tally import reference
from tests.budgets.factories import make_voting_pool
from tests.factories import make_council, make_resident

pytestmark = pytest.mark.django_db

# Four residents want the two big projects, two want the small ones. With a pool of 49,382
# the greedy rule funds the two most voted (49,000), while equal shares gives the smaller
# group its share of the money: the two rules publish different winners.
COSTS = (30000, 19000, 15000, 10000, 5000)
BALLOTS = ((0, 1), (0, 1), (0, 1), (0, 1), (2, 3, 4), (2, 3, 4))


def published_pool(rule: str) -> tuple[Pool, Tally]:
    """A pool closed, frozen, counted with `rule` and its report approved by the council."""
    pool, items = make_voting_pool(costs=COSTS, share=Decimal("0.0040"), tally_rule=rule)
    for chosen in BALLOTS:
        ballot_cast(
            pool=pool,
            voter=make_resident(pool.district),
            choices={items[i].pk: 1 for i in chosen},
        )
    Pool.objects.filter(pk=pool.pk).update(
        voting_ends=pool.dates.voting_starts + timedelta(seconds=1)
    )
    pool.refresh_from_db()
    ballots_freeze(pool=pool)
    tally = tally_run(tally=Tally.objects.get(pool=pool, official=True))
    Report.objects.filter(tally=tally).update(
        state=Report.State.APPROVED, decided_by=make_council(), decided_at=timezone.now()
    )
    return pool, tally


def published_winners(body: str) -> list[str]:
    """The ballots-file numbers of the rows the page marks as selected."""
    rows = re.findall(r'<tr class="row-selected">(.*?)</tr>', body, flags=re.S)
    return sorted(re.search(r"\(no\. (\S+) in the ballots file\)", row).group(1) for row in rows)


@pytest.mark.parametrize("rule", ["greedy", "mes"])
def test_pabutools_on_the_downloaded_file_gives_the_published_winners(client, tmp_path, rule):
    pool, tally = published_pool(rule)
    page = client.get(f"/results/{pool.pk}/")
    assert page.status_code == 200
    body = page.content.decode()
    digest = re.search(r'id="ballots-sha256">([0-9a-f]{64})<', body).group(1)
    winners = published_winners(body)
    assert winners == sorted(tally.selected) and winners

    download = client.get(f"/results/{pool.pk}/ballots.pb")
    assert download.status_code == 200
    assert hashlib.sha256(download.content).hexdigest() == digest
    assert download["X-Content-SHA256"] == digest
    path = tmp_path / "ballots.pb"
    path.write_bytes(download.content)

    instance, profile = reference.load_file(str(path))
    assert reference.select(instance, profile, rule) == winners


def test_the_two_rules_publish_different_winners():
    """The data above tells the rules apart, so the test above checks each rule's call."""
    _pool, greedy = published_pool("greedy")
    _pool, mes = published_pool("mes")
    assert sorted(greedy.selected) != sorted(mes.selected)


@pytest.mark.parametrize("rule", ["greedy", "mes"])
def test_the_recount_program_on_the_page_prints_the_published_winners(client, tmp_path, rule):
    pool, tally = published_pool(rule)
    body = client.get(f"/results/{pool.pk}/").content.decode()
    program = html.unescape(
        re.search(r'<code id="recount-program">(.*?)</code>', body, flags=re.S).group(1)
    )
    expected = html.unescape(
        re.search(
            r"It prints the numbers of the funded projects[^<]*<code>(.*?)</code>", body
        ).group(1)
    )
    assert expected == repr(sorted(tally.selected))
    (tmp_path / "ballots.pb").write_bytes(client.get(f"/results/{pool.pk}/ballots.pb").content)

    run = subprocess.run(
        [sys.executable, "-c", program],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == expected
