"""Fixtures for the partner REST API: RUSAL's programme, its reviewer, keys of every kind, a client.

Shared by every test module of ``tests/api``.
"""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import PartnerAPIKey
from candidates.models import Stage
from programs.models import ProgramStatus
from tests.accounts.factories import PartnerUserFactory
from tests.candidates.factories import application_at
from tests.programs.factories import PartnerFactory, rusal_program


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    """Uploaded documents go to a directory of the test's own."""
    settings.MEDIA_ROOT = tmp_path / "private-media"
    return settings.MEDIA_ROOT


@pytest.fixture
def rusal(db):
    return PartnerFactory(name="RUSAL")


@pytest.fixture
def program(rusal):
    return rusal_program(employer=rusal, status=ProgramStatus.SELECTION)


@pytest.fixture
def partner_user(rusal):
    return PartnerUserFactory(partner=rusal, email="hr@rusal.example", full_name="HR RUSAL")


@pytest.fixture
def _api_key_pair(partner_user):
    return PartnerAPIKey.objects.create_key(name="HRIS RUSAL", user=partner_user)


@pytest.fixture
def api_key_obj(_api_key_pair) -> PartnerAPIKey:
    return _api_key_pair[0]


@pytest.fixture
def api_key(_api_key_pair) -> str:
    """The plaintext key, as the partner's system sends it."""
    return _api_key_pair[1]


@pytest.fixture
def other_partner_key(db) -> str:
    """The key of another employer's reviewer."""
    other_user = PartnerUserFactory(partner=PartnerFactory(name="Mitra Lain"), email="hr@lain.example")
    _obj, key = PartnerAPIKey.objects.create_key(name="HRIS Lain", user=other_user)
    return key


@pytest.fixture
def revoked_key(partner_user) -> str:
    obj, key = PartnerAPIKey.objects.create_key(name="Kunci lama", user=partner_user)
    obj.revoked = True
    obj.save()
    return key


@pytest.fixture
def expired_key(partner_user) -> str:
    _obj, key = PartnerAPIKey.objects.create_key(
        name="Kunci kedaluwarsa",
        user=partner_user,
        expiry_date=timezone.now() - datetime.timedelta(days=1),
    )
    return key


def key_client(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
    return client


@pytest.fixture
def api_client(api_key) -> APIClient:
    return key_client(api_key)


@pytest.fixture
def visible_application(program):
    """An application the partner may see: documents verified by the ministry."""
    return application_at(Stage.DOCUMENTS_VERIFIED, program=program)
