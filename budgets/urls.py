from django.urls import path

from budgets import views

app_name = "budgets"

urlpatterns = [
    path("vote/<int:pool_id>/", views.ballot, name="ballot"),
    path("vote/<int:pool_id>/receipt/", views.ballot_receipt, name="ballot_receipt"),
    path(
        "staff/<slug:slug>/pools/<int:pool_id>/phases/",
        views.staff_pool_phases,
        name="staff_pool_phases",
    ),
    path(
        "staff/<slug:slug>/pools/<int:pool_id>/tallies/",
        views.staff_pool_tallies,
        name="staff_pool_tallies",
    ),
    path(
        "staff/<slug:slug>/pools/<int:pool_id>/paper/",
        views.staff_paper_entry,
        name="staff_paper_entry",
    ),
    path(
        "staff/<slug:slug>/pools/<int:pool_id>/paper/reconcile/",
        views.staff_paper_reconcile,
        name="staff_paper_reconcile",
    ),
    path(
        "staff/<slug:slug>/pools/<int:pool_id>/paper/<int:paper_id>/resolve/",
        views.staff_paper_resolve,
        name="staff_paper_resolve",
    ),
]
