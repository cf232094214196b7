"""District staff: the review queue, a proposal's review and its decisions, moderation.

Every view is scoped to one district by its slug: an unknown slug is 404, a user who is not
that district's staff (or a city admin) gets 403, and an object of another district under
this slug is 404.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseClientRedirect

from budgets.phases import Phase
from civic.http import HtmxHttpRequest
from districts.models import District
from proposals import selectors, services
from proposals.models import Proposal, Status
from proposals.staff_forms import (
    DECISION_FORMS,
    HideProposalForm,
    ModerateCommentForm,
    QueueFilterForm,
    add_service_errors,
)

REVIEW_PHASES = (Phase.SUBMISSION, Phase.REVIEW, Phase.SUPPORT)
QUEUE_TEMPLATE = "proposals/staff/queue.html"
REVIEW_TEMPLATE = "proposals/staff/review.html"
HIDE_TEMPLATE = "proposals/staff/hide.html"
MODERATION_TEMPLATE = "proposals/staff/moderation.html"


def _staff_district(request: HtmxHttpRequest, slug: str) -> District:
    """The district of the slug (404) whose staff area the user may open (403)."""
    district = District.objects.filter(slug=slug).first()
    if district is None:
        raise Http404
    if not request.user.has_perm("districts.view_staff_area", district):
        raise PermissionDenied
    return district


def _proposal_of(district: District, pk: int) -> Proposal:
    proposal = selectors.staff_proposal_for_review(district=district).filter(pk=pk).first()
    if proposal is None:
        raise Http404
    return proposal


def _decision_forms(proposal: Proposal, *, bound=None) -> dict:
    """The decisions open to the proposal now, each an unbound form unless it is `bound`."""
    if proposal.pool.phase not in REVIEW_PHASES:
        return {}
    forms = {}
    for action, form_class in DECISION_FORMS.items():
        if proposal.status not in services.STAFF_TRANSITIONS[action].sources:
            continue
        if bound is not None and bound.action == action:
            forms[action] = bound
            continue
        kwargs = {"proposal": proposal}
        if action == services.Action.MARK_DUPLICATE:
            kwargs["candidates"] = selectors.staff_duplicate_candidates(proposal=proposal)
        forms[action] = form_class(**kwargs)
    return forms


def _review_context(request, district, proposal, *, bound=None, hide_form=None, done=""):
    return {
        "district": district,
        "proposal": proposal,
        "pool": proposal.pool,
        "review_open": proposal.pool.phase in REVIEW_PHASES,
        "decision_forms": _decision_forms(proposal, bound=bound),
        "hide_form": hide_form or HideProposalForm(),
        "can_see_notes": request.user.has_perm("proposals.view_internal_notes", proposal),
        "done": done,
    }


@require_http_methods(["GET"])
@login_required
@vary_on_headers("HX-Request")
def review_queue(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """The district's submitted proposals: filter by cycle, status, category and age."""
    district = _staff_district(request, slug)
    pools = list(selectors.staff_pools(district=district))
    form = QueueFilterForm(request.GET or None, pools=pools)
    filters = form.cleaned_data if form.is_valid() else {}
    pool = next((p for p in pools if p.pk == filters.get("pool")), pools[0] if pools else None)
    proposals, counts = [], {}
    if pool is not None:
        proposals = selectors.staff_review_queue(
            pool=pool,
            status=filters.get("status") or "",
            category=filters.get("category"),
            submitted_before=form.submitted_before(),
        )
        counts = selectors.staff_status_counts(pool=pool)
    status_counts = [
        (value, label, counts.get(value, 0)) for value, label in Status.choices if value != "draft"
    ]
    context = {
        "district": district,
        "pool": pool,
        "form": form,
        "proposals": proposals,
        "status_counts": status_counts,
        "total": sum(counts.values()),
    }
    template = f"{QUEUE_TEMPLATE}#results" if request.htmx else QUEUE_TEMPLATE
    return render(request, template, context, status=200 if not form.errors else 400)


@require_http_methods(["GET", "POST"])
@login_required
def review_proposal(request: HtmxHttpRequest, slug: str, pk: int) -> HttpResponse:
    """Everything about one proposal, and the staff decisions open to it (POST `action`)."""
    district = _staff_district(request, slug)
    proposal = _proposal_of(district, pk)
    if not request.user.has_perm("proposals.review_proposal", proposal):
        raise PermissionDenied
    if request.method == "GET":
        return render(request, REVIEW_TEMPLATE, _review_context(request, district, proposal))

    action = request.POST.get("action", "")
    available = _decision_forms(proposal)
    if action not in available:
        message = (
            _("This decision is not possible for this proposal now.")
            if action in DECISION_FORMS
            else _("Unknown action.")
        )
        context = _review_context(request, district, proposal)
        context["error"] = message
        template = f"{REVIEW_TEMPLATE}#decision" if request.htmx else REVIEW_TEMPLATE
        return render(request, template, context, status=400)
    form_class = DECISION_FORMS[action]
    kwargs = {"proposal": proposal}
    if action == services.Action.MARK_DUPLICATE:
        kwargs["candidates"] = selectors.staff_duplicate_candidates(proposal=proposal)
    form = form_class(request.POST, **kwargs)
    if form.is_valid():
        try:
            services.proposal_review(
                proposal=proposal, actor=request.user, **form.service_arguments()
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            done = _("Saved: the proposal is now “%(status)s”.")
            proposal = _proposal_of(district, pk)
            done = done % {"status": proposal.get_status_display()}
            if not request.htmx:
                messages.success(request, done)
                return redirect("proposals:staff_review", slug=slug, pk=pk)
            context = _review_context(request, district, proposal, done=done)
            return render(request, f"{REVIEW_TEMPLATE}#decision", context)
    context = _review_context(request, district, proposal, bound=form)
    template = f"{REVIEW_TEMPLATE}#decision" if request.htmx else REVIEW_TEMPLATE
    return render(request, template, context, status=400)


@require_http_methods(["GET", "POST"])
@login_required
def hide_proposal(request: HtmxHttpRequest, slug: str, pk: int) -> HttpResponse:
    """Hide an abusive proposal from the public, with a reason its author sees."""
    district = _staff_district(request, slug)
    proposal = _proposal_of(district, pk)
    if not request.user.has_perm("proposals.review_proposal", proposal):
        raise PermissionDenied
    form = HideProposalForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.proposal_hide(
                proposal=proposal, actor=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The proposal is hidden from the public."))
            url = reverse("proposals:staff_review", kwargs={"slug": slug, "pk": pk})
            return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
    status = 400 if form.errors else 200
    context = {"district": district, "proposal": proposal, "hide_form": form}
    template = f"{HIDE_TEMPLATE}#hide-form" if request.htmx else HIDE_TEMPLATE
    return render(request, template, context, status=status)


def _moderation_context(district, *, bound=None, bound_id=None, done=""):
    comments = list(selectors.staff_flagged_comments(district=district))
    for comment in comments:
        if bound is not None and comment.pk == bound_id:
            comment.form = bound
        else:
            comment.form = ModerateCommentForm(comment_id=comment.pk)
    error = ""
    if bound is not None and bound_id not in {comment.pk for comment in comments}:
        # The comment has no open report any more (another moderator was quicker).
        error = " ".join(message for messages_ in bound.errors.values() for message in messages_)
    return {"district": district, "comments": comments, "done": done, "error": error}


@require_http_methods(["GET"])
@login_required
def moderation_queue(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """Comments on the district's proposals that readers flagged, with the flags' reasons."""
    district = _staff_district(request, slug)
    return render(request, MODERATION_TEMPLATE, _moderation_context(district))


@require_http_methods(["POST"])
@login_required
def moderate_comment(request: HtmxHttpRequest, slug: str, comment_id: int) -> HttpResponse:
    """Hide a flagged comment with a reason, or keep it (its open flags are resolved)."""
    district = _staff_district(request, slug)
    comment = (
        selectors.staff_comment_for_moderation(district=district).filter(pk=comment_id).first()
    )
    if comment is None:
        raise Http404
    if not request.user.has_perm("proposals.moderate_comment", comment):
        raise PermissionDenied
    form = ModerateCommentForm(request.POST, comment_id=comment.pk)
    if form.is_valid():
        try:
            if form.cleaned_data["action"] == ModerateCommentForm.HIDE:
                services.comment_hide(
                    comment=comment, actor=request.user, reason=form.cleaned_data["reason"]
                )
                done = _("The comment is hidden; its author sees your reason.")
            else:
                services.comment_flags_dismiss(comment=comment)
                done = _("The comment stays; its reports are closed.")
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if not request.htmx:
                messages.success(request, done)
                return redirect("proposals:staff_moderation", slug=slug)
            context = _moderation_context(district, done=done)
            return render(request, f"{MODERATION_TEMPLATE}#queue", context)
    context = _moderation_context(district, bound=form, bound_id=comment.pk)
    template = f"{MODERATION_TEMPLATE}#queue" if request.htmx else MODERATION_TEMPLATE
    return render(request, template, context, status=400)
