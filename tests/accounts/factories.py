"""Factories for accounts: candidates, ministry staff, partners' users."""

from __future__ import annotations

import factory

from accounts.models import Role, User
from tests.programs.factories import PartnerFactory

TEST_PASSWORD = "Kata-Sandi-Uji-2026"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"pengguna{n}@contoh.id")
    full_name = factory.Sequence(lambda n: f"Pengguna {n}")
    role = Role.CANDIDATE
    password = factory.django.Password(TEST_PASSWORD)


class StaffFactory(UserFactory):
    role = Role.STAFF
    is_staff = True

    @factory.post_generation
    def staff_group(obj, create, extracted, **kwargs):
        if create:
            from accounts.services import staff_group_ensure

            obj.groups.add(staff_group_ensure())


class PartnerUserFactory(UserFactory):
    role = Role.PARTNER
    partner = factory.SubFactory(PartnerFactory)
