"""From the close of voting to published results in the browser: the beat task closes the
pool, the worker (eager here) counts it and renders the report, the council approves it,
and a visitor then sees the results page and downloads the PDF."""

from datetime import timedelta

import pytest

from budgets.models import Pool, Report
from budgets.services import ballot_cast
from budgets.tasks import pools_close_voting
from tests.budgets.factories import make_voting_pool
from tests.e2e.test_smoke import _axe_violations
from tests.e2e.test_voting import _sign_in
from tests.factories import DistrictFactory, make_council, make_resident

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_close_count_approve_publish(live_server, page, browser):
    district = DistrictFactory(slug="results-e2e", name_en="Results district")
    pool, items = make_voting_pool(district=district, method="approval", tally_rule="greedy")
    for person, chosen in enumerate(((0, 1), (0, 2), (0, 1), (3,))):
        ballot_cast(
            pool=pool,
            voter=make_resident(district, email=f"voter{person}@example.org"),
            choices={items[i].pk: 1 for i in chosen},
        )
    Pool.objects.filter(pk=pool.pk).update(
        voting_ends=pool.dates.voting_starts + timedelta(seconds=1)
    )

    pools_close_voting()  # what Celery beat runs every minute
    report = Report.objects.get(pool=pool)
    assert report.state == Report.State.PENDING, (report.state, report.error)

    # Before the council's approval a visitor sees no results.
    visitor = browser.new_context().new_page()
    response = visitor.goto(f"{live_server.url}/results/{pool.pk}/")
    assert items[0].title not in visitor.content()
    assert visitor.request.get(f"{live_server.url}/reports/{report.pk}/en.pdf").status == 404

    council = make_council()
    _sign_in(page, live_server.url, council.email)
    page.get_by_role("link", name="Council").click()
    page.get_by_role("link", name="Read and decide: Results district").click()
    page.get_by_role("heading", level=1, name="Results report, version 1").wait_for()
    assert _axe_violations(page) == []
    page.get_by_role("button", name="Approve and publish").click()
    page.get_by_text("The report is approved and the results published.").wait_for()
    assert Report.objects.get(pk=report.pk).state == Report.State.APPROVED

    response = visitor.goto(f"{live_server.url}/results/{pool.pk}/")
    assert response.status == 200
    body = visitor.content()
    assert items[0].title in body and items[1].title in body
    assert _axe_violations(visitor) == []
    pdf = visitor.request.get(f"{live_server.url}/reports/{report.pk}/en.pdf")
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.body().startswith(b"%PDF")
    visitor.context.close()
