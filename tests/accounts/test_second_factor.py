"""Staff and partner users sign in with a password and a second factor; candidates with a password.

Codes are computed as the phone would, from the app's key with django-otp's own TOTP.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import translation
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.accounts.factories import TEST_PASSWORD, PartnerUserFactory, StaffFactory, UserFactory
from tests.conftest import verified_login

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("second_factor_on")]


def en(name: str, *args) -> str:
    with translation.override("en"):
        return reverse(name, args=args)


def code_of(device: TOTPDevice, *, steps_ahead: int = 0) -> str:
    """The code the app shows (``steps_ahead`` periods later: a code not used yet)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift + steps_ahead)
    return f"{totp.token():0{device.digits}d}"


def log_in(client, email: str, *, where: str = "accounts:login", next_url: str | None = None):
    url = en(where) + (f"?next={next_url}" if next_url else "")
    response = client.post(url, {"username": email, "password": TEST_PASSWORD})
    assert response.status_code == 302, response.content.decode()[:2000]
    return response


def enrol(client) -> tuple[TOTPDevice, list[str]]:
    """Set up the app from the set-up page: scan (the key), confirm, read the recovery codes."""
    page = client.get(en("second_factor:setup"))
    assert page.status_code == 200
    html = page.content.decode()
    device = TOTPDevice.objects.get(confirmed=False)
    assert "<svg" in html and "otpauth" not in html.split("<svg", 1)[0]
    # The key as text, for apps that cannot scan, is the key behind the QR code.
    shown = re.search(r'<code class="secret">([A-Z2-7 ]+)</code>', html).group(1).replace(" ", "")
    from base64 import b32encode

    assert shown == b32encode(device.bin_key).decode().rstrip("=")
    assert 'autocomplete="one-time-code"' in html and 'inputmode="numeric"' in html
    response = client.post(en("second_factor:setup"), {"code": code_of(device)})
    assert response.status_code == 302 and response["Location"] == en("second_factor:new_codes")
    page = client.get(en("second_factor:new_codes"))
    html = page.content.decode()
    assert "shown only this once" in html
    codes = re.findall(r"<li><code>([a-z2-7]{4}-[a-z2-7]{4})</code></li>", html)
    assert len(codes) == 10
    # Shown once: the page does not show them again.
    again = client.get(en("second_factor:new_codes"))
    assert again.status_code == 302 and again["Location"] == en("second_factor:recovery_codes")
    device.refresh_from_db()
    return device, codes


def pass_throttle(device) -> None:
    """As if the wait after a wrong code were over (django-otp's throttling counts in seconds)."""
    type(device).objects.filter(pk=device.pk).update(
        throttling_failure_timestamp=device.throttling_failure_timestamp - timedelta(hours=1)
        if device.throttling_failure_timestamp
        else None
    )


def test_staff_enrols_on_first_log_in_then_reaches_the_admin(client):
    staff = StaffFactory(email="siti@kp2mi.go.id")
    response = log_in(client, staff.email, where="admin:login", next_url=en("admin:index"))
    # The password alone opens nothing: the admin sends the session to setting up an app.
    response = client.get(en("admin:index"))
    assert response.status_code == 302
    assert response["Location"].startswith(en("second_factor:setup"))
    assert client.get(en("dashboard:index"))["Location"].startswith(en("second_factor:setup"))

    device, _codes = enrol(client)
    assert device.confirmed and device.user == staff
    assert client.get(en("admin:index")).status_code == 200
    assert client.get(en("dashboard:index")).status_code == 200


def test_next_log_in_asks_for_the_code_and_refuses_a_wrong_one(client):
    staff = StaffFactory(email="siti@kp2mi.go.id")
    log_in(client, staff.email)
    device, _codes = enrol(client)
    client.post(en("accounts:logout"))

    response = log_in(client, staff.email, next_url=en("dashboard:index"))
    response = client.get(response["Location"])
    assert response.status_code == 302
    verify_url = response["Location"]
    assert verify_url.startswith(en("second_factor:verify"))
    page = client.get(verify_url)
    assert 'autocomplete="one-time-code"' in page.content.decode()

    wrong = f"{(int(code_of(device, steps_ahead=1)) + 1) % 1_000_000:06d}"
    response = client.post(verify_url, {"code": wrong, "next": en("dashboard:index")})
    assert response.status_code == 200
    assert "That code is not right" in response.content.decode()
    assert client.get(en("admin:index")).status_code == 302

    # Straight after a wrong code the next try waits (throttled), even with the right code.
    response = client.post(verify_url, {"code": code_of(device, steps_ahead=1)})
    assert response.status_code == 200
    assert "Too many wrong codes" in response.content.decode()

    device.refresh_from_db()
    pass_throttle(device)
    response = client.post(
        verify_url, {"code": code_of(device, steps_ahead=1), "next": en("dashboard:index")}
    )
    assert response.status_code == 302 and response["Location"] == en("dashboard:index")
    assert client.get(en("admin:index")).status_code == 200


def test_a_code_from_the_app_works_once(client):
    staff = StaffFactory()
    log_in(client, staff.email)
    device, _codes = enrol(client)
    client.post(en("accounts:logout"))
    log_in(client, staff.email)
    code = code_of(device, steps_ahead=1)
    assert client.post(en("second_factor:verify"), {"code": code}).status_code == 302
    client.post(en("accounts:logout"))

    log_in(client, staff.email)
    response = client.post(en("second_factor:verify"), {"code": code})
    assert response.status_code == 200
    assert "That code is not right" in response.content.decode()


def test_a_recovery_code_works_once(client):
    staff = StaffFactory()
    log_in(client, staff.email)
    _device, codes = enrol(client)
    client.post(en("accounts:logout"))

    log_in(client, staff.email)
    page = client.get(en("second_factor:verify") + "?recovery=1")
    assert 'inputmode="text"' in page.content.decode()
    response = client.post(en("second_factor:verify"), {"code": codes[0].upper()}, follow=True)
    assert response.redirect_chain[0] == (en("admin:index"), 302)
    assert "9 recovery codes are left" in response.content.decode()
    client.post(en("accounts:logout"))

    log_in(client, staff.email)
    response = client.post(en("second_factor:verify"), {"code": codes[0]})
    assert response.status_code == 200
    assert "That code is not right" in response.content.decode()
    assert StaticToken.objects.filter(device__user=staff).count() == 9


def test_partner_user_passes_the_same_steps(client):
    partner = PartnerUserFactory()
    response = log_in(client, partner.email)
    landing = response["Location"]
    assert landing == en("programs:list")
    # Even the public page the partner lands on waits for the second step.
    response = client.get(landing)
    assert response.status_code == 302 and response["Location"].startswith(en("second_factor:setup"))
    device, _codes = enrol(client)
    assert client.get(landing).status_code == 200
    client.post(en("accounts:logout"))

    log_in(client, partner.email)
    assert client.get(landing)["Location"].startswith(en("second_factor:verify"))
    response = client.post(en("second_factor:verify"), {"code": code_of(device, steps_ahead=1)})
    assert response.status_code == 302 and response["Location"] == en("programs:list")
    assert client.get(landing).status_code == 200


def test_candidate_signs_in_with_the_password_alone(client):
    candidate = UserFactory()
    response = log_in(client, candidate.email)
    assert response["Location"] == en("candidates:home")
    assert client.get(en("candidates:home")).status_code == 200
    assert client.get(en("second_factor:verify"))["Location"] == en("programs:list")
    assert not TOTPDevice.objects.exists()


def test_a_stolen_password_cannot_set_up_another_app(client):
    staff = StaffFactory()
    log_in(client, staff.email)
    enrol(client)
    client.post(en("accounts:logout"))

    log_in(client, staff.email)
    response = client.get(en("second_factor:setup"))
    assert response.status_code == 302 and response["Location"].startswith(en("second_factor:verify"))
    assert client.post(en("second_factor:setup"), {"code": "123456"}).status_code == 302
    assert TOTPDevice.objects.filter(user=staff).count() == 1
    assert client.get(en("second_factor:recovery_codes"))["Location"].startswith(en("second_factor:verify"))


def test_force_login_without_the_second_step_does_not_open_the_admin(client):
    staff = StaffFactory(is_superuser=True)
    TOTPDevice.objects.create(user=staff, name="app", confirmed=True)
    client.force_login(staff)
    urls = (
        en("admin:index"),
        en("dashboard:index"),
        en("admin:accounts_user_changelist"),
        en("admin:login"),
        en("notifications:inbox"),
        en("second_factor:recovery_codes"),
    )
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(en("second_factor:verify"))


def test_verified_staff_client_reaches_the_admin(verified_staff_client):
    assert verified_staff_client.get(en("admin:index")).status_code == 200
    assert verified_staff_client.get(en("dashboard:index")).status_code == 200


def test_the_admin_site_itself_requires_a_verified_session(rf, settings):
    """Not only the middleware: the admin site's permission check asks for the second step too."""
    from django.contrib import admin
    from django.contrib.sessions.backends.db import SessionStore

    staff = StaffFactory(is_superuser=True)
    request = rf.get("/admin/")
    request.session = SessionStore()
    staff.is_verified = lambda: False
    request.user = staff
    assert admin.site.has_permission(request) is False
    staff.is_verified = lambda: True
    assert admin.site.has_permission(request) is True
    settings.TWO_FACTOR_REQUIRED = False
    staff.is_verified = lambda: False
    assert admin.site.has_permission(request) is True


def test_recovery_codes_are_shown_and_renewed_after_a_code(client):
    staff = StaffFactory()
    device = verified_login(client, staff)
    client.post(en("accounts:logout"))
    log_in(client, staff.email)
    client.post(en("second_factor:verify"), {"code": code_of(device)})
    # No recovery codes were made by the helper: renew makes ten.
    page = client.get(en("second_factor:recovery_codes"))
    assert page.status_code == 200
    response = client.post(en("second_factor:recovery_codes"), {"code": "abcd-efgh", "action": "renew"})
    assert "Enter the 6-digit code" in response.content.decode()
    device.refresh_from_db()
    response = client.post(
        en("second_factor:recovery_codes"), {"code": code_of(device, steps_ahead=1), "action": "renew"}
    )
    assert response.status_code == 302
    codes = re.findall(
        r"<code>([a-z2-7]{4}-[a-z2-7]{4})</code>", client.get(response["Location"]).content.decode()
    )
    assert len(codes) == 10
    device.refresh_from_db()
    response = client.post(
        en("second_factor:recovery_codes"), {"code": code_of(device, steps_ahead=1), "action": "show"}
    )
    shown = re.findall(r"<code>([a-z2-7]{4}-[a-z2-7]{4})</code>", response.content.decode())
    assert shown == codes


def test_staff_with_the_permission_reset_someone_elses_second_factor(client):
    person = StaffFactory()
    TOTPDevice.objects.create(user=person, name="app", confirmed=True)
    admin_user = StaffFactory(is_superuser=True)
    verified_login(client, admin_user)
    changelist = en("admin:accounts_user_changelist")
    response = client.post(changelist, {"action": "reset_second_factor", "_selected_action": [person.pk]})
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=person).exists()

    # The person sets up a new app when next signing in.
    other = type(client)()
    log_in(other, person.email)
    assert other.get(en("admin:index"))["Location"].startswith(en("second_factor:setup"))


def test_staff_without_the_permission_cannot_reset(client):
    person = StaffFactory()
    TOTPDevice.objects.create(user=person, name="app", confirmed=True)
    staff = StaffFactory()  # the ministry staff group: may view accounts, not reset devices
    verified_login(client, staff)
    changelist = en("admin:accounts_user_changelist")
    page = client.get(changelist)
    assert page.status_code == 200
    assert "reset_second_factor" not in page.content.decode()
    client.post(changelist, {"action": "reset_second_factor", "_selected_action": [person.pk]})
    assert TOTPDevice.objects.filter(user=person).exists()


def test_no_device_admin_pages_to_add_a_device_for_someone(verified_staff_client):
    response = verified_staff_client.get("/en/admin/otp_totp/totpdevice/add/")
    assert response.status_code == 404


def test_indonesian_pages_and_messages(client):
    staff = StaffFactory()
    with translation.override("id"):
        login_url, setup_url = reverse("accounts:login"), reverse("second_factor:setup")
    client.post(login_url, {"username": staff.email, "password": TEST_PASSWORD})
    page = client.get(setup_url)
    assert page.status_code == 200
    assert "Siapkan aplikasi autentikator" in page.content.decode()
    response = client.post(setup_url, {"code": "000000x"})
    assert "Kode itu salah" in response.content.decode()


@pytest.mark.parametrize("code", ["", " ", "x" * 500, "\x00", "12345", "1234567", "<script>"])
def test_malformed_codes_are_refused_without_error(client, code):
    staff = StaffFactory()
    log_in(client, staff.email)
    response = client.post(en("second_factor:setup"), {"code": code})
    assert response.status_code == 200
    verified_login(type(client)(), staff)
    response = client.post(en("second_factor:verify"), {"code": code})
    assert response.status_code == 200


def test_half_signed_in_staff_cannot_download_a_document_but_health_probe_answers(client):
    staff = StaffFactory(is_superuser=True)
    client.force_login(staff)
    response = client.get(en("candidates:document_download", 1))
    assert response.status_code == 302 and response["Location"].startswith(en("second_factor:setup"))
    assert client.get("/healthz").status_code in (200, 503)


def test_demo_staff_sets_up_an_app_at_first_log_in(client, capsys):
    from django.core.management import call_command

    from demo.data import DEMO_PASSWORD, STAFF_EMAIL

    call_command("load_demo")
    assert "set up an authenticator app at their first log-in" in capsys.readouterr().out
    client.post(en("accounts:login"), {"username": STAFF_EMAIL, "password": DEMO_PASSWORD})
    response = client.get(en("admin:index"))
    assert response.status_code == 302 and response["Location"].startswith(en("second_factor:setup"))
