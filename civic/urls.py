from django.contrib import admin
from django.urls import include, path

from civic import views

urlpatterns = [
    path("", include("districts.urls")),
    path("", include("budgets.urls")),
    path("", include("proposals.urls")),
    path("", include("civic.accounts.urls")),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("healthz", views.healthz, name="healthz"),
    path("api/v1/", include("civic.api.urls")),
]
