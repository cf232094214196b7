"""Proposal pages for everyone: the list, the map and its data, and a proposal's page."""

import mimetypes
import re

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from civic.formatting import money
from civic.http import HtmxHttpRequest
from districts.models import District
from proposals import selectors
from proposals.forms import CommentForm, FilterForm
from proposals.models import Proposal, ProposalImage, Status


def map_settings() -> dict:
    """The tile server and its attribution, for the templates that draw a map."""
    return {
        "map_tiles_url": settings.CIVIC_MAP_TILES_URL,
        "map_attribution": settings.CIVIC_MAP_ATTRIBUTION,
    }


def _filter_form(request: HtmxHttpRequest, slug: str | None, *, with_sort: bool = True):
    district = get_object_or_404(District, slug=slug) if slug else None
    form = FilterForm(request.GET or None, fixed_district=district, with_sort=with_sort)
    return district, form


def _wants_partial(request: HtmxHttpRequest) -> bool:
    """An htmx swap of the results; a history restore after a cache miss needs the whole page."""
    return bool(request.htmx) and not request.htmx.history_restore_request


def _query_without_page(request: HtmxHttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


@require_GET
@vary_on_headers("HX-Request")
def proposal_list(request: HtmxHttpRequest, slug: str | None = None) -> HttpResponse:
    """Public proposals, city-wide or of one district: filters, search, sort, 20 a page."""
    district, form = _filter_form(request, slug)
    filters = form.filters()
    page = Paginator(selectors.proposal_list(filters), selectors.PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    pool = selectors.submission_pool(district=district) if district else None
    context = {
        "district": district,
        "show_district": district is None,
        "pool": pool,
        "form": form,
        "page": page,
        "query": _query_without_page(request),
    }
    template = "proposals/list.html#results" if _wants_partial(request) else "proposals/list.html"
    return render(request, template, context)


@require_GET
@vary_on_headers("HX-Request")
def proposal_map(request: HtmxHttpRequest) -> HttpResponse:
    """The proposals on a map, with the list's filters; a plain list below works without JS."""
    form = FilterForm(request.GET or None, with_sort=False)
    filters = form.filters()
    # The form's district: a value that names none (or is no slug at all) shows every one.
    district = filters.district
    page = Paginator(selectors.proposal_list(filters), selectors.PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    query = _query_without_page(request)
    context = {
        "form": form,
        "page": page,
        "query": query,
        "district": district,
        "bounds": selectors.map_bounds(district=district) if district else None,
        "map_data_url": reverse("proposals:map_data") + (f"?{query}" if query else ""),
        **map_settings(),
    }
    template = "proposals/map.html#results" if _wants_partial(request) else "proposals/map.html"
    return render(request, template, context)


@require_GET
def proposal_map_data(request: HtmxHttpRequest) -> JsonResponse:
    """JSON markers for the map: id, title, lat, lon, url, status label and formatted cost."""
    form = FilterForm(request.GET or None, with_sort=False)
    points = [
        {
            "id": point["id"],
            "title": point["title"],
            "lat": float(point["latitude"]),
            "lon": float(point["longitude"]),
            "url": reverse("proposals:detail", args=[point["id"]]),
            "status": str(Status(point["status"]).label),
            "cost": money(point["cost_value"], point["pool__currency"]),
        }
        for point in selectors.map_points(form.filters())
    ]
    return JsonResponse(points, safe=False)


def detail_context(request: HtmxHttpRequest, proposal: Proposal, **extra) -> dict:
    """What the proposal page and its partials (support, comments) render from."""
    user = request.user
    context = {
        "proposal": proposal,
        "pool": proposal.pool,
        "district": proposal.pool.district,
        "images": list(proposal.images.all()),
        "reviews": list(selectors.reviews_of(proposal=proposal)),
        "comments": list(selectors.comments_of(proposal=proposal, user=user)),
        "supported": selectors.supports(proposal=proposal, user=user),
        "bounds": selectors.map_bounds(district=proposal.pool.district),
        "can_see_notes": user.has_perm("proposals.view_internal_notes", proposal),
        "can_comment": user.has_perm("proposals.comment_proposal", proposal),
        "can_support": user.has_perm("proposals.support_proposal", proposal),
        "can_edit": user.has_perm("proposals.change_proposal", proposal),
        "can_withdraw": user.has_perm("proposals.withdraw_proposal", proposal),
        "comment_form": CommentForm(),
        "reply_form": None,
        "reply_to": None,
        **map_settings(),
    }
    context.update(extra)
    return context


def get_visible_proposal(request: HtmxHttpRequest, pk: int) -> Proposal:
    """The proposal for its page, or 404 when this user may not see it (drafts, hidden)."""
    proposal = get_object_or_404(selectors.proposal_for_detail(), pk=pk)
    if not request.user.has_perm("proposals.view_proposal", proposal):
        raise Http404
    return proposal


@require_GET
def proposal_detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """A proposal: text, images, place, costs, status, public history, comments, supports."""
    proposal = get_visible_proposal(request, pk)
    return render(request, "proposals/detail.html", detail_context(request, proposal))


# What the service names files, with the suffix storage adds on a clash ("_AbC12xY").
_STORED_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,80}\.[a-z]{2,5}")


@require_GET
def proposal_image_file(request: HtmxHttpRequest, pk: int, filename: str) -> HttpResponse:
    """A proposal's image or thumbnail, to whoever may see the proposal (drafts stay private).

    Served here rather than by the web server, which could not tell a draft's image from a
    public one. With `CIVIC_MEDIA_ACCEL_REDIRECT` set, the proxy sends the file itself.
    """
    if not _STORED_NAME.fullmatch(filename):  # names the service gives; never NUL or ".."
        raise Http404
    proposal = get_visible_proposal(request, pk)
    name = f"proposals/{proposal.pk}/{filename}"
    if not ProposalImage.objects.filter(
        Q(image=name) | Q(thumbnail=name), proposal=proposal
    ).exists():
        raise Http404
    content_type = mimetypes.guess_type(filename)[0] or "application/octet-stream"
    if settings.CIVIC_MEDIA_ACCEL_REDIRECT:
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = settings.CIVIC_MEDIA_ACCEL_REDIRECT + name
    else:
        try:
            response = FileResponse(default_storage.open(name, "rb"), content_type=content_type)
        except FileNotFoundError as missing:
            raise Http404 from missing
    if AnonymousUser().has_perm("proposals.view_proposal", proposal):
        response["Cache-Control"] = "public, max-age=3600"
    else:
        response["Cache-Control"] = "private, no-store"
    return response
