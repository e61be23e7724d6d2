"""Register with e-mail and phone, confirm the e-mail, log in, lock out, reset the password."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import translation

from accounts.models import Role, User
from tests.accounts.factories import TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

STRONG = "Tanjung-Priok-2026"


def en(name: str, *args) -> str:
    with translation.override("en"):
        return reverse(name, args=args)


@pytest.fixture
def register(client, django_capture_on_commit_callbacks):
    """POST the registration form; the mail that goes out on commit is sent."""

    def post(language: str = "en", **overrides):
        with django_capture_on_commit_callbacks(execute=True):
            return _register(client, language, **overrides)

    return post


def _register(client, language: str, **overrides):
    data = {
        "full_name": "Siti Aminah",
        "email": "siti@contoh.id",
        "phone": "0812-3456-7890",
        "password1": STRONG,
        "password2": STRONG,
    }
    data.update(overrides)
    with translation.override(language):
        url = reverse("accounts:register")
    return client.post(url, data)


def link_in(message) -> str:
    return re.search(r"https?://\S+", message.body).group(0)


def test_registration_creates_an_inactive_candidate_and_sends_the_link(client, register):
    response = register()
    assert response.status_code == 302 and response["Location"] == en("accounts:register_sent")
    user = User.objects.get(email="siti@contoh.id")
    assert (user.role, user.is_active, user.email_verified_at) == (Role.CANDIDATE, False, None)
    assert user.phone == "+6281234567890"
    assert user.language == "en"
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["siti@contoh.id"]
    assert "/en/account/verify/" in link_in(mail.outbox[0])


def test_verification_e_mail_is_in_the_registrants_language(client, register):
    register(language="id")
    assert "Konfirmasi alamat e-mail" in mail.outbox[0].subject


def test_following_the_link_activates_and_logs_in(client, register):
    register()
    response = client.get(link_in(mail.outbox[0]))
    assert response.status_code == 302 and response["Location"] == en("candidates:profile")
    user = User.objects.get(email="siti@contoh.id")
    assert user.is_active and user.email_verified_at is not None
    assert client.get(en("candidates:home")).status_code == 200
    # The link works once only.
    client.logout()
    assert client.get(link_in(mail.outbox[0])).status_code == 400


def test_a_tampered_link_is_refused(client, register):
    register()
    link = link_in(mail.outbox[0])
    response = client.get(link[:-3] + "zzz/")
    assert response.status_code == 400
    assert "This link is wrong or has expired." in response.content.decode()
    assert not User.objects.get(email="siti@contoh.id").is_active
    assert client.get(en("accounts:verify", "garbage", "token")).status_code == 400


def test_an_unverified_account_is_told_to_confirm(client, register):
    register()
    response = client.post(en("accounts:login"), {"username": "siti@contoh.id", "password": STRONG})
    assert response.status_code == 200
    assert "Confirm your e-mail address first" in response.content.decode()
    response = client.post(en("accounts:login"), {"username": "siti@contoh.id", "password": "wrong-password"})
    assert "Confirm your e-mail address first" not in response.content.decode()
    assert "The e-mail address or password is wrong." in response.content.decode()


def test_resending_the_link_says_the_same_whoever_asks(client, register, django_capture_on_commit_callbacks):
    register()
    mail.outbox.clear()
    for address in ("siti@contoh.id", "nobody@contoh.id"):
        # The link goes out through the notification outbox, once the request commits.
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(en("accounts:register_sent"), {"email": address}, follow=True)
        assert "a new link is on its way" in response.content.decode()
    assert [m.to for m in mail.outbox] == [["siti@contoh.id"]]
    assert "/en/account/verify/" in mail.outbox[0].body


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"password1": "pendek1", "password2": "pendek1"}, "password1", "too short"),
        ({"password1": "password123", "password2": "password123"}, "password1", "too common"),
        ({"password1": "siti@contoh.id1", "password2": "siti@contoh.id1"}, "password1", "too similar"),
        ({"password2": "Lain-Sekali-2026"}, "password2", "The two passwords are not the same."),
        ({"phone": "12345"}, "phone", "This is not a valid phone number."),
        ({"email": "bukan-email"}, "email", "Enter a valid email address."),
        ({"full_name": "   "}, "full_name", "This field is required."),
    ],
)
def test_bad_registrations_are_refused_and_nothing_is_saved(client, overrides, field, message, register):
    response = register(**overrides)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors
    assert any(message in error for error in errors[field]), errors
    assert not User.objects.exists()
    assert mail.outbox == []


def test_a_second_account_with_the_same_e_mail_is_not_made_and_the_page_does_not_say_why(client, register):
    UserFactory(email="siti@contoh.id", email_verified_at="2026-01-01T00:00:00Z")
    response = register(email="SITI@contoh.id")
    # The same answer as for a new address; the owner hears of it by e-mail.
    assert response.status_code == 302 and response["Location"] == en("accounts:register_sent")
    assert User.objects.count() == 1
    assert [m.to for m in mail.outbox] == [["siti@contoh.id"]]
    assert "/verify/" not in mail.outbox[0].body


def test_registering_again_before_confirming_sends_the_link_again(client, register):
    register()
    register(password1="Lain-Sekali-2026", password2="Lain-Sekali-2026")
    assert User.objects.count() == 1
    assert [m.to for m in mail.outbox] == [["siti@contoh.id"]] * 2
    assert "/en/account/verify/" in link_in(mail.outbox[1])


@pytest.mark.parametrize(
    "phone", ["0812-3456-7890", "6281234567890", "+62 812 3456 7890", "(0812) 3456 7890"]
)
def test_every_way_of_writing_a_phone_number_is_the_same_number(client, phone, register):
    register(phone=phone)
    assert User.objects.get().phone == "+6281234567890"


def test_login_lockout_after_repeated_failures(client, settings):
    settings.AXES_FAILURE_LIMIT = 3
    UserFactory(email="budi@contoh.id", email_verified_at="2026-01-01T00:00:00Z")
    for _ in range(3):
        response = client.post(
            en("accounts:login"), {"username": "budi@contoh.id", "password": "salah-sekali"}
        )
    assert response.status_code == 429
    assert "Too many attempts" in response.content.decode()
    # Even the right password is refused while locked.
    response = client.post(en("accounts:login"), {"username": "budi@contoh.id", "password": TEST_PASSWORD})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_login_redirects_by_role(client):
    user = UserFactory(email="budi@contoh.id")
    response = client.post(en("accounts:login"), {"username": "BUDI@contoh.id", "password": TEST_PASSWORD})
    assert response.status_code == 302 and response["Location"] == en("candidates:home")
    assert client.session["_auth_user_id"] == str(user.pk)


def test_password_reset_flow(client, django_capture_on_commit_callbacks):
    UserFactory(email="budi@contoh.id")
    # The e-mail goes through the outbox, once the (here in-process) task commits.
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(en("accounts:password_reset"), {"email": "budi@contoh.id"})
    assert response.status_code == 302
    link = link_in(mail.outbox[0])
    response = client.get(link, follow=True)
    form_url = response.redirect_chain[-1][0]
    response = client.post(
        form_url, {"new_password1": "Pantai-Ancol-2027", "new_password2": "Pantai-Ancol-2027"}
    )
    assert response.status_code == 302
    response = client.post(
        en("accounts:login"), {"username": "budi@contoh.id", "password": "Pantai-Ancol-2027"}
    )
    assert response.status_code == 302


def test_logout_needs_post(client):
    client.force_login(UserFactory())
    assert client.get(en("accounts:logout")).status_code == 405
    assert client.post(en("accounts:logout")).status_code == 302
    assert "_auth_user_id" not in client.session
