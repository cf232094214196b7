"""Residents' proposal pages: write, edit, submit, withdraw, images, comments, support."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from civic.http import HtmxHttpRequest
from districts.models import District
from proposals import selectors, services
from proposals.forms import (
    CommentForm,
    FlagForm,
    ImageForm,
    ProposalForm,
    WithdrawForm,
    add_service_errors,
)
from proposals.models import Proposal, ProposalImage, Status
from proposals.views.public import detail_context, get_visible_proposal, map_settings


def _pool_of(slug: str):
    district = get_object_or_404(District, slug=slug)
    pool = selectors.submission_pool(district=district)
    if pool is None:
        raise Http404
    return district, pool


def _own_proposal(request: HtmxHttpRequest, pk: int, perm: str) -> Proposal:
    """The proposal if the user may see it (else 404) and holds `perm` on it (else 403)."""
    proposal = get_object_or_404(selectors.proposal_for_author(), pk=pk)
    if not request.user.has_perm("proposals.view_proposal", proposal):
        raise Http404
    if not request.user.has_perm(perm, proposal):
        raise PermissionDenied
    return proposal


def _add_images(request: HtmxHttpRequest, proposal: Proposal, uploads, alt_text: str) -> bool:
    """Attach uploads one by one; a file the service refuses is reported, the rest kept."""
    ok = True
    for upload in uploads:
        try:
            services.proposal_image_add(proposal=proposal, upload=upload, alt_text=alt_text)
        except ValidationError as error:
            ok = False
            messages.error(
                request,
                _("“%(name)s” was not added: %(reason)s")
                % {"name": upload.name, "reason": " ".join(error.messages)},
            )
    return ok


def _form_status(form) -> int:
    return 400 if form.is_bound and form.errors else 200


@require_http_methods(["GET", "POST"])
@login_required
def proposal_create(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """A verified resident of the district writes a proposal: saved as a draft or submitted."""
    district, pool = _pool_of(slug)
    if not request.user.has_perm("proposals.add_proposal", pool):
        raise PermissionDenied
    form = ProposalForm(
        request.POST or None,
        request.FILES or None,
        pool=pool,
        district=district,
        with_images=True,
        validate_url=reverse("proposals:validate", args=[district.slug]),
    )
    if request.method == "POST" and form.is_valid():
        submit = request.POST.get("action") == "submit"
        try:
            proposal = services.proposal_create(
                pool=pool, author=request.user, submit=submit, **form.proposal_fields()
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            images_ok = _add_images(
                request,
                proposal,
                form.cleaned_data.get("images") or [],
                form.cleaned_data.get("images_alt") or "",
            )
            if submit:
                messages.success(
                    request, _("Your proposal was submitted. The district will review it.")
                )
            else:
                messages.success(request, _("Your draft was saved. Only you can see it."))
            if not images_ok:
                return redirect("proposals:images", pk=proposal.pk)
            return redirect("proposals:detail", pk=proposal.pk)
    context = {
        "form": form,
        "district": district,
        "pool": pool,
        "proposal": None,
        "bounds": form.bounds,
        **map_settings(),
    }
    return render(request, "proposals/form.html", context, status=_form_status(form))


@require_POST
@login_required
def proposal_validate(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """Inline validation: the form checked as a whole, one field's partial returned."""
    district, pool = _pool_of(slug)
    form = ProposalForm(
        request.POST,
        pool=pool,
        district=district,
        validate_url=reverse("proposals:validate", args=[district.slug]),
    )
    name = request.POST.get("_field", "")
    if name not in ProposalForm.INLINE_FIELDS:
        return HttpResponse(status=400)
    form.is_valid()
    return render(request, "proposals/form.html#field", {"field": form[name], "validating": True})


@require_http_methods(["GET", "POST"])
@login_required
def proposal_edit(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """The author edits a proposal while the rules allow; a draft may be submitted from here."""
    proposal = _own_proposal(request, pk, "proposals.change_proposal")
    district, pool = proposal.pool.district, proposal.pool
    form = ProposalForm(
        request.POST or None,
        pool=pool,
        district=district,
        initial=ProposalForm.initial_from(proposal),
        validate_url=reverse("proposals:validate", args=[district.slug]),
    )
    if request.method == "POST" and form.is_valid():
        submit = request.POST.get("action") == "submit" and proposal.status in (
            Status.DRAFT,
            Status.CHANGES_REQUESTED,
        )
        try:
            proposal = services.proposal_update(
                proposal=proposal, actor=request.user, **form.proposal_fields()
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if not submit:
                messages.success(request, _("Your changes were saved."))
                return redirect("proposals:detail", pk=proposal.pk)
            try:
                services.proposal_submit(proposal=proposal, actor=request.user)
            except ValidationError as error:
                messages.warning(
                    request,
                    _("Your changes were saved, but the proposal was not submitted: %(reason)s")
                    % {"reason": " ".join(error.messages)},
                )
            else:
                messages.success(
                    request, _("Your proposal was submitted. The district will review it.")
                )
            return redirect("proposals:detail", pk=proposal.pk)
    context = {
        "form": form,
        "district": district,
        "pool": pool,
        "proposal": proposal,
        "bounds": form.bounds,
        **map_settings(),
    }
    return render(request, "proposals/form.html", context, status=_form_status(form))


@require_POST
@login_required
def proposal_submit(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Submit a draft, or resubmit after the district asked for changes."""
    proposal = _own_proposal(request, pk, "proposals.change_proposal")
    try:
        services.proposal_submit(proposal=proposal, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Your proposal was submitted. The district will review it."))
    return redirect("proposals:detail", pk=proposal.pk)


@require_http_methods(["GET", "POST"])
@login_required
def proposal_withdraw(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Ask for confirmation, then withdraw (a draft is deleted)."""
    proposal = _own_proposal(request, pk, "proposals.withdraw_proposal")
    form = WithdrawForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        was_draft = proposal.status == Status.DRAFT
        try:
            services.proposal_withdraw(
                proposal=proposal, actor=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("proposals:detail", pk=pk)
        if was_draft:
            messages.success(request, _("Your draft was deleted."))
        else:
            messages.success(request, _("Your proposal was withdrawn."))
        return redirect("proposals:mine")
    return render(
        request,
        "proposals/withdraw.html",
        {"proposal": proposal, "form": form},
        status=_form_status(form),
    )


@require_http_methods(["GET", "POST"])
@login_required
def proposal_images(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """The author adds images (up to five) or removes them while the proposal is editable."""
    proposal = _own_proposal(request, pk, "proposals.change_proposal")
    images = list(proposal.images.order_by("position", "id"))
    posted = request.method == "POST"
    form = ImageForm(request.POST if posted else None, request.FILES if posted else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.proposal_image_add(
                proposal=proposal,
                upload=form.cleaned_data["image"],
                alt_text=form.cleaned_data["alt_text"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The image was added."))
            return redirect("proposals:images", pk=pk)
    context = {
        "proposal": proposal,
        "images": images,
        "form": form,
        "slots": services.MAX_IMAGES - len(images),
    }
    return render(request, "proposals/images.html", context, status=_form_status(form))


@require_POST
@login_required
def proposal_image_delete(request: HtmxHttpRequest, pk: int, image_id: int) -> HttpResponse:
    """Remove one of the proposal's images."""
    proposal = _own_proposal(request, pk, "proposals.change_proposal")
    image = get_object_or_404(ProposalImage, pk=image_id, proposal=proposal)
    services.proposal_image_remove(image=image)
    messages.success(request, _("The image was removed."))
    return redirect("proposals:images", pk=pk)


def _comments_response(request: HtmxHttpRequest, proposal: Proposal, status: int = 200, **extra):
    """The comments partial (htmx) or, after an error without htmx, the whole page again."""
    template = "proposals/detail.html#comments" if request.htmx else "proposals/detail.html"
    return render(request, template, detail_context(request, proposal, **extra), status=status)


@require_POST
@login_required
def comment_post(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Post a comment or a reply; the service enforces the rate limit."""
    proposal = get_visible_proposal(request, pk)
    if not request.user.has_perm("proposals.comment_proposal", proposal):
        raise PermissionDenied
    form = CommentForm(request.POST)
    parent = None
    if form.is_valid() and form.cleaned_data["parent"]:
        parent = proposal.comments.filter(pk=form.cleaned_data["parent"]).first()
        if parent is None:
            form.add_error(None, _("You can only reply to a comment on this proposal."))
    if form.is_valid():
        try:
            services.comment_post(
                proposal=proposal,
                author=request.user,
                body=form.cleaned_data["body"],
                parent=parent,
            )
        except ValidationError as error:
            add_service_errors(form, error)
    if form.errors:
        reply_to = form.cleaned_data.get("parent") if hasattr(form, "cleaned_data") else None
        extra = {"reply_form": form, "reply_to": reply_to} if reply_to else {"comment_form": form}
        return _comments_response(request, proposal, status=400, **extra)
    if request.htmx:
        return _comments_response(
            request,
            proposal,
            posted=_("Your reply was posted.") if parent else _("Your comment was posted."),
        )
    messages.success(
        request, _("Your reply was posted.") if parent else _("Your comment was posted.")
    )
    return redirect(reverse("proposals:detail", args=[pk]) + "#comments")


@require_POST
@login_required
def comment_flag(request: HtmxHttpRequest, comment_id: int) -> HttpResponse:
    """Report a comment to the district's moderators."""
    comment = get_object_or_404(selectors.comment_for_action(), pk=comment_id)
    proposal = get_visible_proposal(request, comment.proposal_id)
    if not request.user.has_perm("proposals.flag_comment", comment):
        raise PermissionDenied
    form = FlagForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        services.comment_flag(comment=comment, user=request.user, reason=reason)
    except ValidationError as error:
        # Hidden by a moderator since the page was loaded.
        return _comments_response(request, proposal, status=400, problem=" ".join(error.messages))
    text = _("Thank you. The moderators will look at the comment.")
    if request.htmx:
        return _comments_response(request, proposal, posted=text)
    messages.success(request, text)
    return redirect(reverse("proposals:detail", args=[proposal.pk]) + f"#comment-{comment.pk}")


@require_POST
@login_required
def support_toggle(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Support a proposal in the support phase, or take the support back."""
    proposal = get_visible_proposal(request, pk)
    if not request.user.has_perm("proposals.support_proposal", proposal):
        raise PermissionDenied
    if selectors.supports(proposal=proposal, user=request.user):
        services.support_remove(proposal=proposal, user=request.user)
        text = _("You no longer support this proposal.")
    else:
        services.support_add(proposal=proposal, user=request.user)
        text = _("You support this proposal.")
    if not request.htmx:
        messages.success(request, text)
        return redirect("proposals:detail", pk=pk)
    proposal.n_supports = selectors.support_count(proposal=proposal)
    context = {
        "proposal": proposal,
        "pool": proposal.pool,
        "supported": selectors.supports(proposal=proposal, user=request.user),
        "can_support": True,
        "support_message": text,
    }
    return render(request, "proposals/detail.html#support", context)


@require_http_methods(["GET"])
@login_required
def my_proposals(request: HtmxHttpRequest) -> HttpResponse:
    """The user's own proposals, drafts and hidden ones included, with what they may do next."""
    proposals = list(selectors.proposals_of_author(user=request.user))
    return render(request, "proposals/mine.html", {"proposals": proposals})
