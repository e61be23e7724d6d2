"""Writes to accounts."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.contrib.auth.tokens import PasswordResetTokenGenerator, default_token_generator
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode
from django.utils.translation import gettext as _

from notifications.models import NotificationKind
from notifications.services import notification_queue, outbox
from p2mi_portal.errors import DomainError
from p2mi_portal.guards import require_ministry_staff

from .models import PartnerAPIKey, Role, User

if TYPE_CHECKING:
    from programs.models import Partner

STAFF_GROUP = "Ministry staff"
# Ministry staff manage everything in these apps; accounts they may only view.
STAFF_MANAGED_APPS = (
    "programs",
    "candidates",
    "placements",
    "notifications",
    "complaints",
    "django_celery_beat",
)
# Given to named people only, not to every staff member: exporting NIK and phone numbers in full,
# and reading the log of who read personal data (auditors).
STAFF_WITHHELD_PERMISSIONS = (
    "export_full_nik",
    *(f"{action}_personaldataaccess" for action in ("add", "change", "delete", "view")),
)


def staff_group_ensure() -> Group:
    """The group that gives ministry staff their admin permissions, kept up to date."""
    group, _created = Group.objects.get_or_create(name=STAFF_GROUP)
    permissions = (
        Permission.objects.filter(content_type__app_label__in=STAFF_MANAGED_APPS).exclude(
            codename__in=STAFF_WITHHELD_PERMISSIONS
        )
        | Permission.objects.filter(content_type__app_label="accounts", codename="view_user")
        # Staff issue and revoke partners' API keys; a key is revoked, never deleted.
        | Permission.objects.filter(
            content_type__app_label="accounts",
            codename__in=["add_partnerapikey", "change_partnerapikey", "view_partnerapikey"],
        )
    )
    group.permissions.set(permissions)
    return group


@transaction.atomic
def user_upsert(
    *,
    email: str,
    password: str,
    full_name: str,
    role: Role,
    partner: Partner | None = None,
) -> User:
    """Create or refresh an account (used for seeded accounts); staff get admin access."""
    is_staff = role == Role.STAFF
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        user = User.objects.create_user(
            email, password, full_name=full_name, role=role, partner=partner, is_staff=is_staff
        )
    else:
        user.full_name, user.role, user.partner, user.is_staff = full_name, role, partner, is_staff
        user.is_active = True
        user.set_password(password)
        user.full_clean(exclude=["password"])
        user.save()
    if is_staff:
        user.groups.add(staff_group_ensure())
    return user


# --- Candidate accounts ----------------------------------------------------------


class EmailVerificationTokenGenerator(PasswordResetTokenGenerator):
    """Links that verify an e-mail address; they stop working once it is verified."""

    key_salt = "accounts.EmailVerificationTokenGenerator"

    def _make_hash_value(self, user: User, timestamp: int) -> str:
        return f"{user.pk}{user.email}{user.email_verified_at}{user.is_active}{timestamp}"


email_verification_tokens = EmailVerificationTokenGenerator()


def verification_link(*, user: User, site_url: str) -> str:
    """A fresh link to verify the account's e-mail address, in the active language."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = email_verification_tokens.make_token(user)
    return site_url.rstrip("/") + reverse("accounts:verify", args=[uid, token])


def _send_verification_email(*, user: User, site_url: str) -> None:
    # Through the outbox; the link (a token that works for EMAIL_LINK_TIMEOUT_HOURS) is made
    # when the message is sent, so no token is ever stored.
    notification_queue(
        recipient=user, kind=NotificationKind.ACCOUNT_VERIFICATION, context={"site_url": site_url}
    )


@transaction.atomic
def candidate_register(
    *, email: str, full_name: str, phone: str, password: str, language: str, site_url: str
) -> User | None:
    """A new candidate account, inactive until the e-mail link is followed.

    An address that already has an account gets no second one, and the answer does not say
    so: its owner is told by e-mail instead (``None`` is returned). The same work is done
    either way (the password is hashed, one message is queued).
    """
    user = User(
        email=User.objects.normalize_email(email).lower(),
        full_name=full_name,
        phone=phone,
        role=Role.CANDIDATE,
        language=language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE,
        is_active=False,
    )
    user.set_password(password)
    existing = User.objects.filter(email__iexact=user.email).first()
    if existing is not None:
        _registration_of_existing(user=existing, site_url=site_url)
        return None
    try:
        user.full_clean(exclude=["password"])
        with transaction.atomic():
            user.save()
    except (ValidationError, IntegrityError) as exc:
        existing = User.objects.filter(email__iexact=user.email).first()
        if existing is None:
            raise DomainError(_("Check the form and try again."), code="invalid") from exc
        _registration_of_existing(user=existing, site_url=site_url)  # registered a moment ago
        return None
    _send_verification_email(user=user, site_url=site_url)
    return user


def _registration_of_existing(*, user: User, site_url: str) -> None:
    """Someone registered with the address of an account: what its owner gets by e-mail.

    An account still waiting for its confirmation gets its link again (and one made by an
    import its invitation); any other is told that someone tried, and how to log in.
    """
    if _invited(user):
        invitation_send(user=user)
    elif user.role == Role.CANDIDATE and not user.is_active and user.email_verified_at is None:
        _send_verification_email(user=user, site_url=site_url)
    else:
        notification_queue(
            recipient=user, kind=NotificationKind.ACCOUNT_EXISTS, context={"site_url": site_url}
        )


def verification_email_resend(*, email: str, site_url: str) -> None:
    """Send a new link to an unverified account; say nothing about whether one exists.

    An account made by an import (no password yet) gets a new invitation instead.
    """
    user = User.objects.filter(
        email__iexact=email, is_active=False, email_verified_at__isnull=True, role=Role.CANDIDATE
    ).first()
    if user is None:
        return
    if user.has_usable_password():
        _send_verification_email(user=user, site_url=site_url)
    else:
        invitation_send(user=user)


# --- Accounts made for candidates (imports from BKK spreadsheets) --------------------------------


class InvitationTokenGenerator(PasswordResetTokenGenerator):
    """Links with which an invited person sets a password; they stop working once one is set.

    The hash covers the (unusable, random) password, so setting a password ends the link.
    They work for ``EMAIL_LINK_TIMEOUT_HOURS``, like the other e-mail links.
    """

    key_salt = "accounts.InvitationTokenGenerator"

    def _make_hash_value(self, user: User, timestamp: int) -> str:
        return f"{user.pk}{user.password}{user.email}{user.is_active}{timestamp}"


invitation_tokens = InvitationTokenGenerator()


def invitation_link(*, user: User, site_url: str) -> str:
    """A fresh link to set the password of an account made for its owner, in the active language."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = invitation_tokens.make_token(user)
    return site_url.rstrip("/") + reverse("accounts:invitation", args=[uid, token])


def _invited(user: User | None) -> bool:
    return (
        user is not None
        and user.role == Role.CANDIDATE
        and not user.is_active
        and user.email_verified_at is None
        and not user.has_usable_password()
    )


def invitation_send(*, user: User, context: dict | None = None) -> None:
    """(Again) the invitation to an account nobody has claimed yet; its link is made when it is sent."""
    if _invited(user):
        notification_queue(recipient=user, kind=NotificationKind.ACCOUNT_INVITED, context=context or {})


def invitation_user(*, uidb64: str, token: str) -> User:
    """The invited account the link is for, or a refusal for a wrong, used or expired link."""
    try:
        pk = int(urlsafe_base64_decode(uidb64).decode())
    except (ValueError, UnicodeDecodeError, OverflowError):
        pk = None
    user = User.objects.filter(pk=pk).first() if pk else None
    if not _invited(user) or not invitation_tokens.check_token(user, token):
        raise DomainError(
            _("This link is wrong, already used or expired. Ask for a new one below."), code="invalid_link"
        )
    return user


@transaction.atomic
def invitation_accept(*, uidb64: str, token: str, password: str) -> User:
    """Claim the account: set the password; following the link also confirms the e-mail address."""
    user = invitation_user(uidb64=uidb64, token=token)
    user = User.objects.select_for_update().get(pk=user.pk)
    if not _invited(user) or not invitation_tokens.check_token(user, token):
        raise DomainError(
            _("This link has just been used. Log in with your new password."), code="invalid_link"
        )
    user.set_password(password)
    user.is_active = True
    user.email_verified_at = timezone.now()
    user.save(update_fields=["password", "is_active", "email_verified_at"])
    return user


@transaction.atomic
def email_verify(*, uidb64: str, token: str) -> User:
    """Activate the account whose link this is, or refuse a wrong or expired link."""
    try:
        pk = int(urlsafe_base64_decode(uidb64).decode())
    except (ValueError, UnicodeDecodeError, OverflowError):
        pk = None
    user = User.objects.select_for_update().filter(pk=pk).first() if pk else None
    if user is None or not email_verification_tokens.check_token(user, token):
        raise DomainError(
            _("This link is wrong or has expired. Ask for a new one below."), code="invalid_link"
        )
    user.email_verified_at = timezone.now()
    user.is_active = True
    user.save(update_fields=["email_verified_at", "is_active"])
    return user


# --- Password reset --------------------------------------------------------------------------


def password_reset_link(*, user: User, site_url: str) -> str:
    """A fresh link to set a new password (Django's reset token), in the active language."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return site_url.rstrip("/") + reverse("accounts:password_reset_confirm", args=[uid, token])


def password_reset_request(*, email: str, site_url: str) -> int:
    """Queue the new-password e-mail for the accounts of ``email``; how many were queued.

    Run by a worker (``accounts.tasks.password_reset_send``): the request that asked does the
    same for every address, whether an account uses it or not. Like Django's own reset, only
    active accounts with a password get a link; an account made by an import that was never
    claimed gets its invitation again.
    """
    queued = 0
    with transaction.atomic():
        for user in User.objects.filter(email__iexact=email):
            if user.is_active and user.has_usable_password():
                notification_queue(
                    recipient=user, kind=NotificationKind.PASSWORD_RESET, context={"site_url": site_url}
                )
                queued += 1
            elif _invited(user):
                invitation_send(user=user)
                queued += 1
    return queued


def password_reset_ask(*, email: str, site_url: str) -> None:
    """Hand the reset to a worker; nothing about the address is looked up while the page waits."""
    from .tasks import password_reset_send

    # Not queued (the broker is down): nothing is sent; the page says the same, and the
    # person can ask again.
    outbox.task_publish(password_reset_send, email, site_url)


# --- Log-in records (django-axes) ----------------------------------------------------------


@transaction.atomic
def login_history_forget(*, emails: list[str]) -> int:
    """Delete every log-in record (tries, lock-outs, log-ins) made with these e-mail addresses."""
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    names = models.Q()
    for email in filter(None, emails):
        names |= models.Q(username__iexact=email)
    if not names:
        return 0
    return sum(
        model.objects.filter(names).delete()[0] for model in (AccessAttempt, AccessLog, AccessFailureLog)
    )


@transaction.atomic
def login_records_forget(*, keep_days: int | None = None) -> int:
    """Delete log-in records older than ``LOGIN_LOG_KEEP_DAYS``; how many went."""
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    days = settings.LOGIN_LOG_KEEP_DAYS if keep_days is None else keep_days
    cutoff = timezone.now() - datetime.timedelta(days=days)
    return sum(
        model.objects.filter(attempt_time__lt=cutoff).delete()[0]
        for model in (AccessAttempt, AccessLog, AccessFailureLog)
    )


# --- Partner API keys --------------------------------------------------------------------------


@transaction.atomic
def partner_api_key_create(
    *,
    actor: User,
    user: User,
    name: str,
    expiry_date: datetime.datetime | None = None,
    revoked: bool = False,
) -> tuple[PartnerAPIKey, str]:
    """A key acting in the name of ``user`` (a partner user), and the key itself.

    Only a prefix and a hash are stored: the key returned is shown to staff once.
    """
    require_ministry_staff(actor, superuser=True)
    api_key = PartnerAPIKey(user=user, name=name, expiry_date=expiry_date, revoked=revoked)
    key = PartnerAPIKey.objects.assign_key(api_key)
    api_key.save()
    return api_key, key


@transaction.atomic
def partner_api_key_update(
    *,
    actor: User,
    api_key: PartnerAPIKey,
    name: str,
    expiry_date: datetime.datetime | None,
    revoked: bool,
) -> PartnerAPIKey:
    """Rename a key, change its expiry or revoke it; saving drops it from the key cache."""
    require_ministry_staff(actor, superuser=True)
    api_key.name, api_key.expiry_date, api_key.revoked = name, expiry_date, revoked
    api_key.save(update_fields=["name", "expiry_date", "revoked"])
    return api_key
