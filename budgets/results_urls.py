"""The public results pages; included from budgets/urls.py (namespace "budgets")."""

from django.urls import path

from budgets import results_views

urlpatterns = [
    path("results/", results_views.results_index, name="results_index"),
    path("results/<id:pool_id>/", results_views.pool_results_page, name="pool_results"),
    path("results/<id:pool_id>/ballots.pb", results_views.ballots_file, name="pool_ballots"),
    path("results/<id:pool_id>/receipt/", results_views.receipt_lookup, name="receipt_lookup"),
]
