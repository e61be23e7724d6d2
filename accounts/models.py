from __future__ import annotations

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework_api_key.models import AbstractAPIKey, BaseAPIKeyManager


class Role(models.TextChoices):
    STAFF = "staff", _("Ministry staff")
    CANDIDATE = "candidate", _("Candidate")
    PARTNER = "partner", _("Partner user")


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **fields) -> User:
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.full_clean(exclude=["password"])
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **fields) -> User:
        fields.setdefault("role", Role.CANDIDATE)
        fields.setdefault("is_staff", False)
        fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **fields)

    def create_superuser(self, email: str, password: str | None = None, **fields) -> User:
        fields.setdefault("role", Role.STAFF)
        fields.setdefault("is_staff", True)
        fields.setdefault("is_superuser", True)
        if fields["role"] != Role.STAFF or not fields["is_staff"]:
            raise ValueError("A superuser must be ministry staff.")
        return self._create_user(email, password, **fields)

    def get_by_natural_key(self, username: str) -> User:
        # E-mail addresses are matched without regard to case.
        return self.get(email__iexact=username)


class User(AbstractBaseUser, PermissionsMixin):
    """Anyone who logs in: ministry staff, a candidate, or a partner's user.

    Log-in is by e-mail. A partner user always belongs to one partner
    organisation, and only partner users do.
    """

    email = models.EmailField(
        _("e-mail address"),
        max_length=254,
        unique=True,
        error_messages={"unique": _("An account with this e-mail address already exists.")},
    )
    full_name = models.CharField(_("full name"), max_length=150, blank=True)
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.CANDIDATE)
    partner = models.ForeignKey(
        "programs.Partner",
        verbose_name=_("partner organisation"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
    )
    phone = models.CharField(
        _("phone number"), max_length=20, blank=True, help_text=_("International form, e.g. +6281234567890.")
    )
    email_verified_at = models.DateTimeField(_("e-mail verified at"), null=True, blank=True)
    # Phone verification (SMS/WhatsApp code) comes later; the field keeps room for it.
    phone_verified_at = models.DateTimeField(_("phone verified at"), null=True, blank=True)
    language = models.CharField(
        _("preferred language"), max_length=8, choices=settings.LANGUAGES, default="id"
    )
    is_staff = models.BooleanField(
        _("admin access"),
        default=False,
        help_text=_("Whether the user can log in to the ministry's admin site."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)

    objects = UserManager()

    EMAIL_FIELD = "email"
    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                name="user_email_unique_ci",
                violation_error_message=_("An account with this e-mail address already exists."),
            ),
            models.CheckConstraint(
                condition=(models.Q(role=Role.PARTNER, partner__isnull=False))
                | (~models.Q(role=Role.PARTNER) & models.Q(partner__isnull=True)),
                name="user_partner_iff_partner_role",
                violation_error_message=_(
                    "A partner user must belong to a partner organisation; other users cannot."
                ),
            ),
            models.CheckConstraint(
                condition=models.Q(role=Role.STAFF) | models.Q(is_staff=False, is_superuser=False),
                name="user_admin_access_only_for_staff",
                violation_error_message=_("Only ministry staff may have access to the admin site."),
            ),
        ]

    def __str__(self) -> str:
        return self.full_name or self.email

    def clean(self) -> None:
        super().clean()
        self.email = self.__class__.objects.normalize_email(self.email).lower()

    def get_full_name(self) -> str:
        return self.full_name or self.email

    def get_short_name(self) -> str:
        return self.get_full_name()

    @property
    def is_ministry_staff(self) -> bool:
        return self.is_active and self.role == Role.STAFF and self.is_staff


class PartnerAPIKey(AbstractAPIKey):
    """A partner organisation's key for the REST API, acting in the name of one of its users.

    Only a prefix and a hash are stored; the key itself is shown once, when staff create it.
    """

    user = models.ForeignKey(
        User,
        verbose_name=_("acts as"),
        on_delete=models.CASCADE,
        related_name="api_keys",
        limit_choices_to={"role": Role.PARTNER, "is_active": True},
        help_text=_("The partner user recorded as the actor of every change made with this key."),
    )

    objects = BaseAPIKeyManager()

    class Meta(AbstractAPIKey.Meta):
        verbose_name = _("partner API key")
        verbose_name_plural = _("partner API keys")

    @property
    def partner_id(self) -> int | None:
        return self.user.partner_id
