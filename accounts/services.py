"""Writes to accounts."""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission
from django.db import transaction

from programs.models import Partner

from .models import Role, User

STAFF_GROUP = "Ministry staff"
# Ministry staff manage everything in these apps; accounts they may only view.
STAFF_MANAGED_APPS = ("programs", "candidates", "placements", "notifications", "django_celery_beat")


def staff_group_ensure() -> Group:
    """The group that gives ministry staff their admin permissions, kept up to date."""
    group, _ = Group.objects.get_or_create(name=STAFF_GROUP)
    permissions = Permission.objects.filter(
        content_type__app_label__in=STAFF_MANAGED_APPS
    ) | Permission.objects.filter(content_type__app_label="accounts", codename="view_user")
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
