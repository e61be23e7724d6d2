"""Each person chooses the channels they get messages on; deliveries follow the choice."""

from __future__ import annotations

import datetime
import re

import pytest
from django.core import mail
from django.utils import timezone, translation
from django.utils.html import escape

from accounts.services import verification_email_resend
from notifications import services
from notifications.models import (
    Channel,
    Delivery,
    DeliveryStatus,
    Notification,
    NotificationKind,
    NotificationPreference,
)
from tests.accounts.factories import UserFactory
from tests.candidates.factories import CandidateFactory
from tests.programs.factories import ProgramFactory

from .provider import FakeProvider, unanswered_url

SETTINGS = "/en/me/notifications/settings/"
NUMBER = "+6281234567890"


@pytest.fixture
def user(db):
    return CandidateFactory(user__phone=NUMBER, user__language="en").user


def _choose(user, **channels) -> None:
    NotificationPreference.objects.update_or_create(user=user, defaults=channels)


def _queue(user, **context) -> Notification:
    program = ProgramFactory(title="SMK Go Global")
    return services.notification_queue(
        recipient=user,
        kind=NotificationKind.STAGE_CHANGED,
        context={"program_id": program.pk, "stage": "shortlisted", **context},
    )


def _ticked(page: str, name: str) -> bool:
    return re.search(rf'<input type="checkbox" name="{name}"[^>]*\bchecked\b', page) is not None


def _deliveries(notification: Notification) -> dict[str, str]:
    return dict(notification.deliveries.values_list("channel", "status"))


# --- Deliveries follow the choice --------------------------------------------------


def test_without_a_choice_messages_go_by_email_and_whatsapp(user):
    assert not NotificationPreference.objects.filter(user=user).exists()
    assert _deliveries(_queue(user)) == {
        Channel.EMAIL: DeliveryStatus.PENDING,
        Channel.WHATSAPP: DeliveryStatus.PENDING,
    }


@pytest.mark.parametrize(
    "chosen",
    [{"email": False, "sms": True, "whatsapp": False}, {"email": True, "sms": True, "whatsapp": False}],
    ids=["sms-only", "email-and-sms"],
)
def test_only_the_chosen_channels_get_a_delivery(user, chosen):
    _choose(user, **chosen)
    expected = {channel: DeliveryStatus.PENDING for channel, on in chosen.items() if on}
    assert _deliveries(_queue(user)) == expected


def test_the_chosen_channels_deliver_after_commit_each_in_its_own_form(
    user, django_capture_on_commit_callbacks, text_outbox
):
    _choose(user, email=True, sms=True, whatsapp=True)
    with django_capture_on_commit_callbacks(execute=True):
        notification = _queue(user, reason="Nilai tes belum cukup")
    assert set(_deliveries(notification).values()) == {DeliveryStatus.SENT}
    (email,) = mail.outbox
    assert email.subject == "Your application to SMK Go Global: Shortlisted"
    assert email.body.startswith("Hello")
    texts = {message["channel"]: message for message in text_outbox}
    assert set(texts) == {"sms", "whatsapp"}
    for message in texts.values():
        assert message["to"] == NUMBER
        assert message["text"].startswith(
            "KP2MI: Your application to SMK Go Global is now at the stage “Shortlisted”."
        )
        assert "Reason: Nilai tes belum cukup" in message["text"]
        assert message["text"].endswith("/en/me/")
    # The inbox still shows the message once.
    assert Notification.objects.filter(recipient=user).count() == 1


def test_without_a_phone_number_phone_channels_are_skipped_not_failed(db, django_capture_on_commit_callbacks):
    user = UserFactory(phone="")
    _choose(user, email=True, sms=True, whatsapp=True)
    with django_capture_on_commit_callbacks(execute=True):
        notification = _queue(user)
    assert _deliveries(notification) == {
        Channel.EMAIL: DeliveryStatus.SENT,
        Channel.SMS: DeliveryStatus.SKIPPED,
        Channel.WHATSAPP: DeliveryStatus.SKIPPED,
    }
    assert not Delivery.objects.filter(status=DeliveryStatus.SKIPPED, attempts__gt=0).exists()


def test_a_number_erased_before_sending_skips_the_delivery(user, text_outbox):
    _choose(user, email=False, sms=True, whatsapp=False)
    notification = _queue(user)  # in the test's transaction: not yet sent
    user.phone = ""
    user.save()
    sms = notification.deliveries.get()
    assert services.delivery_deliver(delivery_id=sms.pk) is False
    sms.refresh_from_db()
    assert (sms.status, sms.attempts) == (DeliveryStatus.SKIPPED, 0)
    assert text_outbox == []


def test_account_verification_goes_by_email_only_whatever_was_chosen(db, django_capture_on_commit_callbacks):
    user = UserFactory(phone=NUMBER, is_active=False, email_verified_at=None)
    _choose(user, email=False, sms=True, whatsapp=True)
    with django_capture_on_commit_callbacks(execute=True):
        verification_email_resend(email=user.email, site_url="https://p2mi.example.go.id")
    notification = Notification.objects.get(recipient=user, kind=NotificationKind.ACCOUNT_VERIFICATION)
    assert _deliveries(notification) == {Channel.EMAIL: DeliveryStatus.SENT}
    (email,) = mail.outbox
    assert email.to == [user.email]


# --- Sending SMS once ---------------------------------------------------------------


def test_a_provider_failing_twice_then_succeeding_gives_exactly_one_sms(user, settings):
    _choose(user, email=False, sms=True, whatsapp=False)
    sms = _queue(user).deliveries.get()
    settings.SMS_BACKEND = "http"
    settings.SMS_HTTP_TOKEN = "t0ken"
    with FakeProvider(failures=2) as provider:
        settings.SMS_HTTP_URL = provider.url
        for attempt in (1, 2):
            with pytest.raises(services.DeliveryFailed, match="ProviderError: provider answered HTTP 500"):
                services.delivery_deliver(delivery_id=sms.pk)
            sms.refresh_from_db()
            assert (sms.status, sms.attempts) == (DeliveryStatus.PENDING, attempt)
        assert services.delivery_deliver(delivery_id=sms.pk) is True
        assert services.delivery_deliver(delivery_id=sms.pk) is False
    assert len(provider.requests) == 3
    assert len(provider.delivered) == 1
    sms.refresh_from_db()
    assert (sms.status, sms.attempts, sms.last_error, sms.provider_message_id) == (
        DeliveryStatus.SENT,
        3,
        "",
        "msg-3",
    )
    assert sms.sent_at is not None


def test_delivering_twice_sends_once(user, text_outbox):
    _choose(user, email=False, sms=False, whatsapp=True)
    whatsapp = _queue(user).deliveries.get()
    assert services.delivery_deliver(delivery_id=whatsapp.pk) is True
    assert services.delivery_deliver(delivery_id=whatsapp.pk) is False
    assert services.deliveries_deliver_batch(delivery_ids=[whatsapp.pk]) == 0
    assert len(text_outbox) == 1
    whatsapp.refresh_from_db()
    assert (whatsapp.status, whatsapp.attempts) == (DeliveryStatus.SENT, 1)
    assert whatsapp.provider_message_id == text_outbox[0]["id"]


def test_a_provider_error_is_stored_and_logged_without_the_number(user, settings, caplog):
    _choose(user, email=False, sms=True, whatsapp=False)
    sms = _queue(user).deliveries.get()
    settings.SMS_BACKEND = "http"
    settings.SMS_HTTP_URL = unanswered_url()
    with pytest.raises(services.DeliveryFailed):
        services.delivery_deliver(delivery_id=sms.pk)
    sms.refresh_from_db()
    assert sms.last_error.startswith("ProviderError: provider unreachable")
    digits = NUMBER.lstrip("+")
    assert digits not in sms.last_error
    assert not any(digits in record.getMessage() for record in caplog.records)


def test_the_sweep_resends_pending_sms_too(user, text_outbox):
    _choose(user, email=False, sms=True, whatsapp=False)
    sms = _queue(user).deliveries.get()
    Delivery.objects.filter(pk=sms.pk).update(created_at=timezone.now() - datetime.timedelta(minutes=30))
    assert services.deliveries_sweep() == 1
    sms.refresh_from_db()
    assert sms.status == DeliveryStatus.SENT
    assert [message["channel"] for message in text_outbox] == ["sms"]


# --- The page -----------------------------------------------------------------------


def test_the_page_needs_a_login(client, db):
    response = client.get(SETTINGS)
    assert response.status_code == 302
    assert "/account/login/" in response["Location"]
    response = client.post(SETTINGS, {"sms": "on"})
    assert response.status_code == 302
    assert "/account/login/" in response["Location"]
    assert not NotificationPreference.objects.exists()


def test_the_inbox_links_to_the_page_which_shows_the_defaults(client, user):
    client.force_login(user)
    assert 'href="/en/me/notifications/settings/"' in client.get("/en/me/notifications/").content.decode()
    page = client.get(SETTINGS).content.decode()
    assert "How you receive messages" in page
    assert _ticked(page, "email")
    assert _ticked(page, "whatsapp")
    assert not _ticked(page, "sms")
    assert f"To {NUMBER}." in page
    assert f"To {user.email}." in page


def test_saving_a_choice(client, user):
    client.force_login(user)
    response = client.post(SETTINGS, {"sms": "on", "whatsapp": "on"}, follow=True)
    assert response.redirect_chain == [(SETTINGS, 302)]
    page = response.content.decode()
    assert "Your choice is saved." in page
    assert not _ticked(page, "email")
    assert _ticked(page, "sms")
    preference = NotificationPreference.objects.get(user=user)
    assert (preference.email, preference.sms, preference.whatsapp) == (False, True, True)


ALL_OFF = "Choose at least one way to receive messages: e-mail, SMS or WhatsApp."


@pytest.mark.parametrize(("prefix", "language"), [("/en", "en"), ("", "id")], ids=["en", "id"])
def test_turning_every_channel_off_is_refused_with_a_translated_message(client, user, prefix, language):
    _choose(user, email=True, sms=False, whatsapp=True)
    client.force_login(user)
    response = client.post(f"{prefix}/me/notifications/settings/", {})
    assert response.status_code == 200
    with translation.override(language):
        message = translation.gettext(ALL_OFF)
    assert escape(message) in response.content.decode()
    if language == "en":
        assert message == ALL_OFF
    preference = NotificationPreference.objects.get(user=user)
    assert (preference.email, preference.sms, preference.whatsapp) == (True, False, True)


def test_phone_channels_only_without_a_phone_number_is_refused(client, db):
    user = CandidateFactory(user__phone="").user
    client.force_login(user)
    response = client.post(SETTINGS, {"whatsapp": "on"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "There is no phone number in your profile" in page
    assert not NotificationPreference.objects.filter(user=user).exists()
    assert 'href="/en/me/profile/"' in page


def test_the_database_refuses_a_choice_with_no_channel(user):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        NotificationPreference.objects.create(user=user, email=False, sms=False, whatsapp=False)
