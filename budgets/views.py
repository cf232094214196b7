from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from budgets import selectors, services
from budgets.forms import ConflictResolveForm, PaperEntryForm, PoolPhasesForm, WhatIfForm
from budgets.methods import BallotSpec, ChoiceError, choices_from_form, summarise
from budgets.models import PaperBallot, Pool
from civic.http import HtmxHttpRequest, parse_id

RECEIPT_COOKIE = "civic_receipt"
RECEIPT_COOKIE_AGE = 600


@require_http_methods(["GET", "POST"])
@login_required
def staff_pool_phases(request: HtmxHttpRequest, slug: str, pool_id: int) -> HttpResponse:
    """District staff override the phase dates of their district's pool."""
    pool = get_object_or_404(
        Pool.objects.select_related("cycle", "district"), pk=pool_id, district__slug=slug
    )
    if not request.user.has_perm("budgets.change_pool_phases", pool):
        raise PermissionDenied
    form = PoolPhasesForm(request.POST or None, instance=pool)
    if request.method == "POST" and form.is_valid():
        try:
            services.pool_set_phase_dates(
                pool=pool, dates={name: form.cleaned_data[name] for name in form.changed_data}
            )
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for field, errors in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, error)
        else:
            messages.success(request, _("The phase dates were saved."))
            return redirect("districts:staff_district", slug=slug)
    status = 400 if form.errors else 200
    pool.refresh_from_db()
    return render(
        request, "budgets/staff_pool_phases.html", {"pool": pool, "form": form}, status=status
    )


def _error_messages(error: ValidationError) -> list[str]:
    return (
        [message for messages_ in error.message_dict.values() for message in messages_]
        if hasattr(error, "error_dict")
        else list(error.messages)
    )


def _ballot_context(pool: Pool, choices: dict[int, int], error: str = "") -> dict:
    items = list(selectors.ballot_items(pool=pool))
    spec = BallotSpec.of(pool)
    summary = summarise(spec, {item.pk: item.cost for item in items}, choices)
    rows = [
        {
            "proposal": item,
            "weight": choices.get(item.pk, 0),
            "problem": summary.line_problems.get(item.pk, ""),
            "note": summary.line_notes.get(item.pk, ""),
        }
        for item in items
    ]
    return {
        "pool": pool,
        "spec": spec,
        "rows": rows,
        "summary": summary,
        "choices": choices,
        "chosen_rows": [row for row in rows if row["weight"]],
        "error": error,
        "point_options": range(0, pool.points_per_project + 1),
    }


def _read_choices(request: HtmxHttpRequest, pool: Pool) -> tuple[dict[int, int], str]:
    # The point fields name their proposals; ids not on this ballot are refused later by
    # `summarise`, so no query is needed here.
    ids = [
        item_id
        for key in request.POST
        if key.startswith("points-") and (item_id := parse_id(key[7:])) is not None
    ]
    try:
        return choices_from_form(request.POST, spec=BallotSpec.of(pool), item_ids=ids), ""
    except ChoiceError as error:
        return {}, str(error)


@never_cache
@vary_on_headers("HX-Request")
@require_http_methods(["GET", "POST"])
@login_required
def ballot(request: HtmxHttpRequest, pool_id: int) -> HttpResponse:
    """A resident's ballot: choose, see what is left, review, confirm; change until close."""
    pool = _ballot_pool(pool_id)
    action = request.POST.get("action", "update") if request.method == "POST" else "show"
    # Casting skips the permission check here: the service makes the same check under its
    # locks and says why it refuses, which keeps the busiest request of an election lean.
    if action != "confirm" and not request.user.has_perm("budgets.cast_ballot", pool):
        return _ballot_refused(request, pool)
    status = 200
    if request.method == "GET":
        current = selectors.ballot_choices_of(pool=pool, user=request.user)
        choices = dict(current or {})
        add = parse_id(request.GET.get("add", ""))
        # Only a project on this ballot: a stale or forged link must not turn a fresh
        # ballot page into an error about a project the resident cannot see.
        if (
            add is not None
            and add not in choices
            and selectors.ballot_items(pool=pool).filter(pk=add).exists()
        ):
            choices[add] = 1
        error = ""
    else:
        choices, error = _read_choices(request, pool)
        if action == "confirm" and not error:
            # The service checks everything again under its locks; the page is built only
            # when it refuses, which keeps the common path to a handful of queries.
            try:
                cast = services.ballot_cast(pool=pool, voter=request.user, choices=choices)
            except ValidationError as refusal:
                if getattr(refusal, "code", None) in ("not_allowed", "closed"):
                    return _ballot_refused(request, pool)
                error = " ".join(_error_messages(refusal))
            else:
                receipt_page = _receipt_path(pool)
                response = HttpResponseRedirect(receipt_page)
                _receipt_keep(request, response, path=receipt_page, pool=pool, receipt=cast.receipt)
                return response
        elif action == "confirm" and not request.user.has_perm("budgets.cast_ballot", pool):
            # A confirm whose form could not be read skipped the check above.
            return _ballot_refused(request, pool)
        # The summary alone (htmx) does not say whether the resident has voted.
        current = (
            None if request.htmx else selectors.ballot_choices_of(pool=pool, user=request.user)
        )
    context = {**_ballot_context(pool, choices, error), "has_voted": current is not None}
    if request.method == "POST" and action in ("review", "confirm"):
        if error or not context["summary"].castable:
            status = 400
        elif action == "review":
            return render(request, "budgets/ballot_confirm.html", context)
    if request.htmx:
        return render(request, "budgets/ballot.html#summary", context, status=status)
    return render(request, "budgets/ballot.html", context, status=status)


@never_cache
@require_GET
@login_required
def ballot_receipt(request: HtmxHttpRequest, pool_id: int) -> HttpResponse:
    """The receipt, shown once after casting (it was also e-mailed); then only a reminder."""
    pool = _ballot_pool(pool_id)
    current = selectors.ballot_of(pool=pool, user=request.user)
    if current is None:
        return redirect("budgets:ballot", pool_id=pool.pk)
    shown = _receipt_shown(request, pool=pool)
    receipt = current.receipt if shown == current.receipt else None
    context = {
        "pool": pool,
        "receipt": receipt,
        "receipt_groups": [receipt[i : i + 4] for i in range(0, len(receipt), 4)]
        if receipt
        else [],
        "chosen": current.lines.select_related("proposal").order_by("proposal__title"),
        "can_change": request.user.has_perm("budgets.cast_ballot", pool),
    }
    response = render(request, "budgets/ballot_receipt.html", context)
    response.delete_cookie(RECEIPT_COOKIE, path=_receipt_path(pool))
    return response


def _ballot_pool(pool_id: int) -> Pool:
    pool = selectors.ballot_pool(pool_id=pool_id)
    if pool is None:
        raise Http404
    return pool


def _ballot_refused(request: HtmxHttpRequest, pool: Pool) -> HttpResponse:
    problem = services.voter_problem(pool=pool, record=selectors.voter_record(user=request.user))
    return render(
        request, "budgets/ballot_refused.html", {"pool": pool, "problem": problem}, status=403
    )


# The receipt travels from the cast to the receipt page in a signed cookie that only that
# page receives and that lives ten minutes: never in a URL (logs, history), and no session
# write, which would cost the cast a second transaction. It is bound to the user and pool.


def _receipt_path(pool: Pool) -> str:
    return reverse("budgets:ballot_receipt", kwargs={"pool_id": pool.pk})


def _receipt_keep(request, response: HttpResponse, *, path: str, pool: Pool, receipt: str) -> None:
    response.set_signed_cookie(
        RECEIPT_COOKIE,
        receipt,
        salt=f"civic.receipt:{request.user.pk}:{pool.pk}",
        max_age=RECEIPT_COOKIE_AGE,
        path=path,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


def _receipt_shown(request, *, pool: Pool) -> str | None:
    return request.get_signed_cookie(
        RECEIPT_COOKIE,
        default=None,
        salt=f"civic.receipt:{request.user.pk}:{pool.pk}",
        max_age=RECEIPT_COOKIE_AGE,
    )


def _staff_pool(request: HtmxHttpRequest, slug: str, pool_id: int, perm: str) -> Pool:
    pool = get_object_or_404(
        Pool.objects.select_related("cycle", "district"), pk=pool_id, district__slug=slug
    )
    if not request.user.has_perm(perm, pool):
        raise PermissionDenied
    return pool


@never_cache
@require_http_methods(["GET", "POST"])
@login_required
def staff_paper_entry(request: HtmxHttpRequest, slug: str, pool_id: int) -> HttpResponse:
    """Staff type in a paper ballot, blind: nothing of an earlier entry is shown."""
    pool = _staff_pool(request, slug, pool_id, "budgets.enter_paper_ballot")
    form = PaperEntryForm(request.POST or None, pool=pool)
    choices, error = ({}, "")
    if request.method == "POST":
        choices, error = _read_choices(request, pool)
        if form.is_valid() and not error:
            try:
                paper = services.paper_entry_record(
                    pool=pool,
                    staff=request.user,
                    national_id=form.cleaned_data["national_id"],
                    choices=choices,
                    assembly=form.cleaned_data["assembly"],
                    booth=form.cleaned_data["booth"],
                )
            except ValidationError as refusal:
                if hasattr(refusal, "error_dict"):
                    for field, errors in refusal.message_dict.items():
                        form.add_error(field if field in form.fields else None, errors)
                else:
                    error = " ".join(refusal.messages)
            else:
                messages.success(request, PAPER_OUTCOME[paper.state])
                return redirect("budgets:staff_paper_entry", slug=slug, pool_id=pool.pk)
    context = {**_ballot_context(pool, choices, error), "form": form, "district": pool.district}
    status = 400 if request.method == "POST" else 200
    return render(request, "budgets/staff_paper_entry.html", context, status=status)


PAPER_OUTCOME = {
    PaperBallot.State.AWAITING_SECOND: gettext_lazy(
        "Entry saved. A different staff member must now type in the same ballot."
    ),
    PaperBallot.State.MISMATCH: gettext_lazy(
        "The two entries differ. The ballot is listed for a third check and is not counted yet."
    ),
    PaperBallot.State.CONFLICT: gettext_lazy(
        "The entries match, but this resident also voted online. Neither ballot counts until "
        "the conflict is resolved on the reconciliation page."
    ),
    PaperBallot.State.COUNTED: gettext_lazy("The entries match: the paper ballot is counted."),
}


@never_cache
@require_GET
@login_required
def staff_paper_reconcile(request: HtmxHttpRequest, slug: str, pool_id: int) -> HttpResponse:
    """Paper ballots by state and by assembly or booth; mismatches and conflicts to settle."""
    pool = _staff_pool(request, slug, pool_id, "budgets.view_paper_ballots")
    context = {
        "pool": pool,
        "district": pool.district,
        "reconciliation": selectors.paper_reconciliation(pool=pool),
        "mismatches": selectors.paper_queue(pool=pool, state=PaperBallot.State.MISMATCH),
        "conflicts": selectors.paper_queue(pool=pool, state=PaperBallot.State.CONFLICT),
        "can_resolve": request.user.has_perm("budgets.resolve_paper_conflict", pool),
        "can_enter": request.user.has_perm("budgets.enter_paper_ballot", pool),
        "resolve_form": ConflictResolveForm(),
    }
    return render(request, "budgets/staff_paper_reconcile.html", context)


@require_POST
@login_required
def staff_paper_resolve(
    request: HtmxHttpRequest, slug: str, pool_id: int, paper_id: int
) -> HttpResponse:
    """Decide which ballot of a resident with both a paper and an online ballot counts."""
    pool = _staff_pool(request, slug, pool_id, "budgets.resolve_paper_conflict")
    paper = get_object_or_404(PaperBallot, pk=paper_id, pool=pool)
    form = ConflictResolveForm(request.POST)
    if form.is_valid():
        try:
            services.paper_conflict_resolve(
                paper=paper,
                staff=request.user,
                keep=form.cleaned_data["keep"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as refusal:
            messages.error(request, " ".join(_error_messages(refusal)))
        else:
            messages.success(request, _("The conflict is resolved."))
    else:
        messages.error(request, _("Choose which ballot counts and give a reason."))
    return redirect("budgets:staff_paper_reconcile", slug=slug, pool_id=pool.pk)


@never_cache
@vary_on_headers("HX-Request")
@require_http_methods(["GET", "POST"])
@login_required
def staff_pool_tallies(request: HtmxHttpRequest, slug: str, pool_id: int) -> HttpResponse:
    """The pool's tallies after voting closed: the official one and staff what-ifs.

    While one is counting, the list refreshes itself (htmx polling; without JavaScript
    the page offers a reload link).
    """
    pool = _staff_pool(request, slug, pool_id, "budgets.view_tallies")
    form = WhatIfForm(request.POST or None)
    if request.method == "POST":
        if not request.user.has_perm("budgets.request_what_if", pool):
            raise PermissionDenied
        if form.is_valid():
            try:
                services.tally_request(
                    pool=pool,
                    rule=form.cleaned_data["rule"],
                    options=form.options(pool),
                    requested_by=request.user,
                )
            except ValidationError as refusal:
                form.add_error(None, refusal)
            else:
                messages.success(request, _("The what-if tally is queued."))
                return redirect("budgets:staff_pool_tallies", slug=slug, pool_id=pool.pk)
    context = {
        "pool": pool,
        "district": pool.district,
        "form": form,
        **selectors.pool_tallies(pool=pool),
    }
    if request.htmx and request.method == "GET":
        return render(request, "budgets/staff_pool_tallies.html#tallies", context)
    status = 400 if form.errors else 200
    return render(request, "budgets/staff_pool_tallies.html", context, status=status)
