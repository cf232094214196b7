from django.urls import path

from districts import views

app_name = "districts"

urlpatterns = [
    path("", views.home, name="home"),
    path("districts/<slug:slug>/", views.district_detail, name="detail"),
    path("residency/", views.residency_verify, name="residency_verify"),
    path("staff/", views.staff_dashboard, name="staff_dashboard"),
    path("staff/<slug:slug>/", views.staff_district, name="staff_district"),
]
