import rules
from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.contrib.sessions.base_session import AbstractBaseSession
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _


class CivicUserManager(UserManager):
    """Users are identified by e-mail; there is no username."""

    use_in_migrations = True

    def _create_user(self, username, email, password, **extra_fields):
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email=None, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(None, email, password, **extra_fields)

    def create_superuser(self, email=None, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(None, email, password, **extra_fields)


class User(AbstractUser):
    """A person with an account: resident, district staff, council member or city admin.

    Residency is the claimed `districts.CensusRecord`; district staff rights come from
    `districts.StaffMembership`; a city admin is a superuser.
    """

    username = None
    first_name = None
    last_name = None
    email = models.EmailField(_("e-mail address"), unique=True)
    display_name = models.CharField(_("display name"), max_length=80, blank=True)
    preferred_language = models.CharField(
        _("preferred language"), max_length=8, choices=settings.LANGUAGES, default="en"
    )
    is_council = models.BooleanField(
        _("council member"),
        default=False,
        help_text=_("Council members read and approve the generated reports."),
    )
    voting_reminders = models.BooleanField(
        _("voting reminders"),
        default=True,
        help_text=_("E-mail me two days before voting closes if I have not voted yet."),
    )

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = CivicUserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.UniqueConstraint(Lower("email"), name="accounts_user_email_ci_unique"),
        ]

    def __str__(self) -> str:
        return self.display_name or self.email

    def has_perm(self, perm, obj=None) -> bool:
        # Django lets active superusers skip every check; for the project's own rules a city
        # admin must still meet the object's conditions (phase, status), so ask the rules.
        if self.is_active and self.is_superuser and rules.perm_exists(perm):
            return rules.has_perm(perm, self, obj)
        return super().has_perm(perm, obj)

    def get_full_name(self) -> str:
        return self.display_name

    def get_short_name(self) -> str:
        return self.display_name or self.email.split("@")[0]


class Session(AbstractBaseSession):
    """A browser's session, with its signed-in user as a column (SESSION_ENGINE).

    Every signed-in request reads its session and then its user; with the user's id in a
    column, civic.accounts.sessions reads both in one SELECT. Deleting a user ends their
    sessions.
    """

    # No foreign key constraint in the database: a session saved for a user deleted meanwhile
    # would fail it, and Django's session store answers a failed insert by trying again with
    # a new key, for ever. Deleting a user still deletes their sessions (on_delete), and a
    # session naming no existing user reads as signed out.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("user"),
    )

    class Meta(AbstractBaseSession.Meta):
        pass

    @classmethod
    def get_session_store_class(cls):
        from civic.accounts.sessions import SessionStore

        return SessionStore
