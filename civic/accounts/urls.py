from django.urls import path

from civic.accounts import views

app_name = "accounts"

urlpatterns = [
    path("i18n/setlang/", views.set_language, name="set_language"),
    path("me/", views.profile, name="profile"),
    path("me/data/", views.data, name="data"),
    path("me/delete/", views.delete, name="delete"),
    path("me/reminders/", views.set_reminders, name="set_reminders"),
    path("me/sessions/end-others/", views.sessions_end_others, name="sessions_end_others"),
]
