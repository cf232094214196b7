"""Reports: their PDFs, the council's queue and decisions, the audit log, and the district
staff's view of their report while it renders."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from budgets import selectors, services
from budgets.forms import ReportReturnForm, RetallyForm
from budgets.models import AuditEvent, CycleSummary, Pool, Report, ReportFile
from civic.http import HtmxHttpRequest, parse_id
from civic.i18n import LANGUAGE_CODES

State = Report.State


@require_GET
def report_file(request: HtmxHttpRequest, report_id: int, language: str) -> HttpResponse:
    """A report's PDF: public once approved; before that, only for who may see drafts."""
    if language not in LANGUAGE_CODES:
        raise Http404
    row = get_object_or_404(
        ReportFile.objects.select_related("report__pool__district"),
        report_id=report_id,
        language=language,
    )
    report = row.report
    if report.state != State.APPROVED and not request.user.has_perm(
        "budgets.view_report_draft", report.pool
    ):
        raise Http404
    response = FileResponse(
        row.file.open("rb"),
        content_type="application/pdf",
        filename=f"civic-{report.pool.district.slug}-{report.pool_id}-v{report.version}-"
        f"{language}.pdf",
        as_attachment="download" in request.GET,
    )
    response["X-Content-SHA256"] = row.sha256
    if report.state != State.APPROVED:
        response["Cache-Control"] = "private, no-store"
        response["X-Robots-Tag"] = "noindex"
    return response


@require_GET
def cycle_summary_file(request: HtmxHttpRequest, year: int, language: str) -> HttpResponse:
    """The council's summary of a cycle: public, as it restates only approved reports."""
    if language not in LANGUAGE_CODES:
        raise Http404
    row = get_object_or_404(CycleSummary, cycle__year=year, language=language)
    response = FileResponse(
        row.file.open("rb"),
        content_type="application/pdf",
        filename=f"civic-{year}-summary-{language}.pdf",
        as_attachment="download" in request.GET,
    )
    response["X-Content-SHA256"] = row.sha256
    return response


@never_cache
@require_GET
@login_required
def council_reports(request: HtmxHttpRequest) -> HttpResponse:
    """The council's queue: reports awaiting approval, then the latest decisions."""
    if not request.user.has_perm("budgets.view_council_area"):
        raise PermissionDenied
    decided = (
        Report.objects.filter(state__in=(State.APPROVED, State.RETURNED))
        .select_related("pool__district", "pool__cycle", "decided_by")
        .order_by("-decided_at")[:20]
    )
    return render(
        request,
        "budgets/council_reports.html",
        {
            "waiting": selectors.reports_awaiting_approval(),
            "decided": decided,
            "summaries": CycleSummary.objects.select_related("cycle").order_by(
                "-cycle__year", "language"
            ),
        },
    )


@never_cache
@require_http_methods(["GET", "POST"])
@login_required
def council_report(request: HtmxHttpRequest, report_id: int) -> HttpResponse:
    """One report version: read it, then approve it or send it back with a comment."""
    if not request.user.has_perm("budgets.view_council_area"):
        raise PermissionDenied
    report = get_object_or_404(
        Report.objects.select_related("pool__district", "pool__cycle", "tally", "decided_by"),
        pk=report_id,
    )
    form = ReportReturnForm(request.POST if request.POST.get("action") == "return" else None)
    if request.method == "POST":
        if not request.user.has_perm("budgets.decide_report", report):
            raise PermissionDenied
        action = request.POST.get("action")
        try:
            if action == "approve":
                services.report_approve(report=report, user=request.user)
                messages.success(request, _("The report is approved and the results published."))
                return redirect("budgets:council_report", report_id=report.pk)
            if action == "return" and form.is_valid():
                services.report_return(
                    report=report, user=request.user, comment=form.cleaned_data["comment"]
                )
                messages.success(request, _("The report was sent back to the district."))
                return redirect("budgets:council_report", report_id=report.pk)
        except ValidationError as refusal:
            form.add_error(None, refusal)
        if action not in ("approve", "return"):
            form.add_error(None, _("Choose to approve the report or to send it back."))
    status = 400 if form.errors else 200
    context = {
        "report": report,
        "pool": report.pool,
        "files": list(report.files.order_by("language")),
        "events": report.events.select_related("actor").order_by("at", "id"),
        "form": form,
        "can_decide": request.user.has_perm("budgets.decide_report", report)
        and report.state == State.PENDING,
        "newer": Report.objects.filter(pool=report.pool, version__gt=report.version).exists(),
    }
    return render(request, "budgets/council_report.html", context, status=status)


@never_cache
@require_GET
@login_required
def audit_log(request: HtmxHttpRequest) -> HttpResponse:
    """Who did what to which tally or report, newest first."""
    if not request.user.has_perm("budgets.view_audit_log"):
        raise PermissionDenied
    events = AuditEvent.objects.select_related(
        "actor", "pool__district", "pool__cycle", "report", "tally"
    ).order_by("-at", "-id")
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    return render(request, "budgets/audit_log.html", {"page": page})


@never_cache
@require_http_methods(["GET", "POST"])
@login_required
def staff_pool_report(request: HtmxHttpRequest, slug: str, pool_id: int) -> HttpResponse:
    """The district's report: its versions and their state; render a version again; a city
    admin can have the ballots counted again after an approval."""
    pool = get_object_or_404(
        Pool.objects.select_related("cycle", "district"), pk=pool_id, district__slug=slug
    )
    if not request.user.has_perm("budgets.view_report_draft", pool) or not (
        request.user.has_perm("budgets.render_report", pool)
    ):
        raise PermissionDenied
    retally_form = RetallyForm(request.POST if request.POST.get("action") == "retally" else None)
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "render":
                report_id = parse_id(request.POST.get("report", ""))
                if report_id is None:
                    raise Http404
                report = get_object_or_404(Report, pk=report_id, pool=pool)
                services.report_render_again(report=report, user=request.user)
                messages.success(request, _("The report is being rendered again."))
                return redirect("budgets:staff_pool_report", slug=slug, pool_id=pool.pk)
            if action == "retally":
                if not request.user.has_perm("budgets.retally", pool):
                    raise PermissionDenied
                if retally_form.is_valid():
                    services.retally_request(
                        pool=pool, user=request.user, reason=retally_form.cleaned_data["reason"]
                    )
                    messages.success(request, _("The ballots are being counted again."))
                    return redirect("budgets:staff_pool_report", slug=slug, pool_id=pool.pk)
        except ValidationError as refusal:
            if retally_form.is_bound:  # a refused render has no form to show it on
                retally_form.add_error(None, refusal)
            messages.error(request, " ".join(refusal.messages))
    reports = list(
        Report.objects.filter(pool=pool)
        .select_related("decided_by")
        .prefetch_related("files")
        .order_by("-version")
    )
    context = {
        "pool": pool,
        "district": pool.district,
        "reports": reports,
        "rendering": any(r.state == State.RENDERING for r in reports),
        "retally_form": retally_form if request.user.has_perm("budgets.retally", pool) else None,
        "has_approved": any(r.state == State.APPROVED for r in reports),
    }
    if request.htmx and request.method == "GET":
        return render(request, "budgets/staff_pool_report.html#versions", context)
    status = 400 if retally_form.errors else 200
    return render(request, "budgets/staff_pool_report.html", context, status=status)
