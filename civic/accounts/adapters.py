from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from django.conf import settings
from django.contrib.sites.shortcuts import get_current_site
from django.http import HttpRequest
from django.utils import translation

from civic.accounts import services


class AccountAdapter(DefaultAccountAdapter):
    """Keeps the interface language with the account: a login switches to the user's choice.
    Account e-mails are rendered in the request and sent by a worker."""

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        # As allauth's own, but the rendered message goes to a worker (services).
        request = allauth_context.request
        full = {"request": request, "email": email, "current_site": get_current_site(request)}
        full.update(context)
        services.account_email_queue(message=self.render_mail(template_prefix, email, full))

    def post_login(self, request: HttpRequest, user, **kwargs):
        response = super().post_login(request, user, **kwargs)
        language = user.preferred_language
        translation.activate(language)
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            language,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
            secure=settings.LANGUAGE_COOKIE_SECURE,
        )
        return response

    def save_user(self, request: HttpRequest, user, form, commit=True):
        # A new account starts in the language the visitor was reading the site in.
        user.preferred_language = translation.get_language() or settings.LANGUAGE_CODE
        return super().save_user(request, user, form, commit=commit)
