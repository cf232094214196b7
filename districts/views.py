from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from budgets import selectors as budget_selectors
from budgets.open_data import published_by_pool
from civic.http import HtmxHttpRequest
from civic.i18n import collation_key
from districts import selectors, services
from districts.forms import ResidencyForm
from districts.models import District, VerificationAttempt
from proposals import selectors as proposal_selectors

# One message for "no such id" and "wrong year", so the form does not reveal who is registered.
NO_MATCH = gettext_lazy("No census record matches this id and year of birth.")
VERIFY_MESSAGES = {
    VerificationAttempt.Outcome.NO_MATCH: NO_MATCH,
    VerificationAttempt.Outcome.WRONG_YEAR: NO_MATCH,
    VerificationAttempt.Outcome.INVALID: NO_MATCH,
    VerificationAttempt.Outcome.CLAIMED: gettext_lazy(
        "This census record is already linked to another account. "
        "Please contact your district administration."
    ),
}


@require_GET
def home(request: HtmxHttpRequest) -> HttpResponse:
    """The current cycle and every district's pool with its phase."""
    cycle = budget_selectors.current_cycle()
    pools = []
    if cycle is not None:
        pools = sorted(
            budget_selectors.pools_of_cycle(cycle=cycle),
            key=lambda p: collation_key(p.district.name),
        )
    return render(request, "districts/home.html", {"cycle": cycle, "pools": pools})


@require_GET
def district_detail(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """A district's budget, its pool and how it was computed, and the phase timeline."""
    district = get_object_or_404(selectors.district_for_page(slug=slug))
    pools = list(district.pools.all())
    budgets = {budget.year: budget for budget in district.budgets.all()}
    pool = pools[0] if pools else None
    context = {
        "district": district,
        "pool": pool,
        "budget": budgets.get(pool.cycle.year) if pool else next(iter(budgets.values()), None),
        "timeline": pool.timeline() if pool else [],
        "past_pools": pools[1:],
        # Pools whose results the council has approved (one query).
        "published": set(published_by_pool([p.pk for p in pools])),
    }
    return render(request, "districts/district_detail.html", context)


@require_http_methods(["GET", "POST"])
@login_required
def residency_verify(request: HtmxHttpRequest) -> HttpResponse:
    """A signed-in user proves residency with national id and year of birth."""
    record = selectors.residency_of(user=request.user)
    if record is not None:
        return render(request, "districts/residency_done.html", {"record": record})
    locked_until = selectors.verification_locked_until(user=request.user)
    form = ResidencyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            attempt = services.residency_verify(
                user=request.user,
                national_id=form.cleaned_data["national_id"],
                birth_year=form.cleaned_data["birth_year"],
            )
        except ValidationError as error:
            messages.info(request, " ".join(error.messages))
            return redirect("districts:residency_verify")
        if attempt.outcome == VerificationAttempt.Outcome.MATCHED:
            messages.success(request, _("You are verified as a resident. Welcome!"))
            return redirect("districts:residency_verify")
        locked_until = selectors.verification_locked_until(user=request.user)
        if attempt.outcome != VerificationAttempt.Outcome.THROTTLED:
            form.add_error(None, VERIFY_MESSAGES[attempt.outcome])
    status = 429 if locked_until else (200 if not form.errors else 400)
    return render(
        request,
        "districts/residency_verify.html",
        {"form": form, "locked_until": locked_until},
        status=status,
    )


@require_GET
@login_required
def staff_dashboard(request: HtmxHttpRequest) -> HttpResponse:
    """The districts whose staff area the user may open."""
    districts = sorted(
        selectors.staff_districts(user=request.user), key=lambda d: collation_key(d.name)
    )
    if not districts:
        raise PermissionDenied
    if len(districts) == 1:
        return redirect("districts:staff_district", slug=districts[0].slug)
    return render(request, "districts/staff_dashboard.html", {"districts": districts})


@require_GET
@login_required
def staff_district(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """A district's staff area: its pools with their phases and the dates staff may override."""
    district = District.objects.filter(slug=slug).first()
    if district is None:
        raise Http404
    if not request.user.has_perm("districts.view_staff_area", district):
        raise PermissionDenied
    context = {
        "district": district,
        "pools": budget_selectors.pools_of_district(district=district),
        "work": proposal_selectors.staff_work_counts(district=district),
    }
    return render(request, "districts/staff_district.html", context)
