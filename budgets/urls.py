from django.urls import include, path

from budgets import report_views, views

app_name = "budgets"

urlpatterns = [
    path("vote/<id:pool_id>/", views.ballot, name="ballot"),
    path("vote/<id:pool_id>/receipt/", views.ballot_receipt, name="ballot_receipt"),
    path(
        "staff/<slug:slug>/pools/<id:pool_id>/phases/",
        views.staff_pool_phases,
        name="staff_pool_phases",
    ),
    path(
        "staff/<slug:slug>/pools/<id:pool_id>/tallies/",
        views.staff_pool_tallies,
        name="staff_pool_tallies",
    ),
    path(
        "staff/<slug:slug>/pools/<id:pool_id>/paper/",
        views.staff_paper_entry,
        name="staff_paper_entry",
    ),
    path(
        "staff/<slug:slug>/pools/<id:pool_id>/paper/reconcile/",
        views.staff_paper_reconcile,
        name="staff_paper_reconcile",
    ),
    path(
        "staff/<slug:slug>/pools/<id:pool_id>/paper/<id:paper_id>/resolve/",
        views.staff_paper_resolve,
        name="staff_paper_resolve",
    ),
    path(
        "staff/<slug:slug>/pools/<id:pool_id>/report/",
        report_views.staff_pool_report,
        name="staff_pool_report",
    ),
    path(
        "reports/<id:report_id>/<str:language>.pdf",
        report_views.report_file,
        name="report_file",
    ),
    path(
        "reports/summary/<id:year>/<str:language>.pdf",
        report_views.cycle_summary_file,
        name="cycle_summary_file",
    ),
    path("council/reports/", report_views.council_reports, name="council_reports"),
    path("council/reports/<id:report_id>/", report_views.council_report, name="council_report"),
    path("council/audit/", report_views.audit_log, name="audit_log"),
    path("", include("budgets.results_urls")),
]
