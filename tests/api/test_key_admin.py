"""Staff make and revoke partner API keys in the admin; the key is shown once and works at once."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils import translation
from rest_framework.test import APIClient

from accounts.models import PartnerAPIKey
from tests.accounts.factories import PartnerUserFactory, StaffFactory

pytestmark = pytest.mark.django_db


def test_a_key_made_in_the_admin_works_until_staff_revoke_it(client):
    partner_user = PartnerUserFactory()
    client.force_login(StaffFactory())
    with translation.override("en"):
        add_url = reverse("admin:accounts_partnerapikey_add")
    response = client.post(
        add_url, {"name": "Mitra uji", "user": partner_user.pk, "expiry_date": ""}, follow=True
    )
    assert response.status_code == 200
    shown = re.search(r"The API key for Mitra uji is: (\S+) —", response.content.decode())
    assert shown is not None
    api_key = PartnerAPIKey.objects.get(name="Mitra uji")
    assert api_key.user == partner_user and not api_key.revoked

    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Api-Key {shown.group(1)}")
    assert api.get("/api/v1/programs/").status_code == 200

    with translation.override("en"):
        change_url = reverse("admin:accounts_partnerapikey_change", args=[api_key.pk])
    assert (
        client.post(change_url, {"name": "Mitra uji", "expiry_date": "", "revoked": "on"}).status_code == 302
    )
    api_key.refresh_from_db()
    assert api_key.revoked
    assert api.get("/api/v1/programs/").status_code == 401
