from django.urls import path

from budgets import views

app_name = "budgets"

urlpatterns = [
    path(
        "staff/<slug:slug>/pools/<int:pool_id>/phases/",
        views.staff_pool_phases,
        name="staff_pool_phases",
    ),
]
