from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "civic.accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from django.core.signals import request_started

        from civic.accounts.sessions import forget_loaded_user

        # A user read with one request's session is never handed out in a later request.
        request_started.connect(forget_loaded_user, dispatch_uid="civic.accounts.sessions")
