"""Sign-in behind the TLS proxy: the client's address, lock-outs that a stranger cannot use
against the owner, rate limits, a password reset that answers the same for every address and
sends through the outbox, registration that does not reveal accounts, and log-in records."""

from __future__ import annotations

import datetime
import re
import uuid

import pytest
from axes.models import AccessAttempt, AccessLog
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from accounts.models import User
from notifications.models import Delivery, Notification, NotificationKind
from tests.accounts.factories import TEST_PASSWORD, StaffFactory, UserFactory

pytestmark = pytest.mark.django_db

PROXY = "10.0.0.1"
OWNER = "203.0.113.7"
ATTACKER = "198.51.100.66"
NEW_PASSWORD = "Pantai-Ancol-2027"


def en(name: str, *args) -> str:
    with translation.override("en"):
        return reverse(name, args=args)


def through_proxy(client_address: str, forged: str = "") -> dict:
    """The request as the TLS proxy passes it on: the proxy's own address, the client appended."""
    header = f"{forged}, {client_address}" if forged else client_address
    return {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": header}


def log_in(client: Client, email: str, password: str, **meta):
    return client.post(en("accounts:login"), {"username": email, "password": password}, **meta)


def link_in(message) -> str:
    return re.search(r"https?://\S+", message.body).group(0)


@pytest.fixture
def behind_proxy(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.AXES_FAILURE_LIMIT = 3


@pytest.fixture
def staff_member(db):
    return StaffFactory(email="pejabat@kp2mi.go.id")


# --- The client's address behind the proxy --------------------------------------------------


def test_a_stranger_behind_the_proxy_cannot_lock_the_owner_out(behind_proxy, staff_member):
    attacker, owner = Client(), Client()
    for _ in range(3):
        response = log_in(attacker, staff_member.email, "salah-sekali", **through_proxy(ATTACKER))
    assert response.status_code == 429
    # Writing another address into X-Forwarded-For does not get the attacker out of the lock.
    for forged in (OWNER, "192.0.2.1", "garbage"):
        response = log_in(attacker, staff_member.email, TEST_PASSWORD, **through_proxy(ATTACKER, forged))
        assert response.status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {ATTACKER}
    # The owner, behind the same proxy, logs in.
    response = log_in(owner, staff_member.email, TEST_PASSWORD, **through_proxy(OWNER))
    assert response.status_code == 302 and response["Location"] == en("admin:index")
    assert AccessLog.objects.get(username=staff_member.email).ip_address == OWNER


def test_forwarded_addresses_from_anyone_but_the_proxy_are_ignored(behind_proxy, settings, staff_member):
    settings.TRUSTED_PROXY_ADDRESSES = [PROXY]
    attacker = Client()
    # Straight to the portal, claiming to be the owner's address.
    direct = {"REMOTE_ADDR": "192.0.2.50", "HTTP_X_FORWARDED_FOR": OWNER}
    for _ in range(3):
        response = log_in(attacker, staff_member.email, "salah-sekali", **direct)
    assert response.status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"192.0.2.50"}
    response = log_in(Client(), staff_member.email, TEST_PASSWORD, **through_proxy(OWNER))
    assert response.status_code == 302


def test_without_trusted_proxies_the_header_is_ignored(settings, staff_member):
    settings.AXES_FAILURE_LIMIT = 3
    for forged in ("192.0.2.1", "192.0.2.2", "192.0.2.3"):
        response = log_in(
            Client(), staff_member.email, "salah", REMOTE_ADDR=ATTACKER, HTTP_X_FORWARDED_FOR=forged
        )
    assert response.status_code == 429


# --- The slower limit per account -----------------------------------------------------------


def test_many_wrong_passwords_from_many_addresses_close_the_account_to_unknown_browsers_only(
    behind_proxy, settings, staff_member
):
    settings.LOGIN_ACCOUNT_FAILURE_LIMIT = 4
    owners_browser = Client()
    assert (
        log_in(owners_browser, staff_member.email, TEST_PASSWORD, **through_proxy(OWNER)).status_code == 302
    )
    owners_browser.post(en("accounts:logout"))
    # Two wrong passwords from each of many addresses: under the per-address lock every time.
    for number in range(1, 4):
        for _ in range(2):
            response = log_in(Client(), staff_member.email, "salah", **through_proxy(f"198.51.100.{number}"))
            assert response.status_code in (200, 429)
    response = log_in(Client(), staff_member.email, TEST_PASSWORD, **through_proxy("198.51.100.99"))
    assert response.status_code == 429
    assert "can be used only from a device that logged in to it before" in response.content.decode()
    assert "_auth_user_id" not in response.wsgi_request.session
    # The owner's browser gets in, from any address.
    response = log_in(owners_browser, staff_member.email, TEST_PASSWORD, **through_proxy("192.0.2.77"))
    assert response.status_code == 302
    assert owners_browser.session["_auth_user_id"] == str(staff_member.pk)


def test_a_browser_that_set_a_new_password_gets_into_a_closed_account(
    behind_proxy, settings, staff_member, reset_tasks, django_capture_on_commit_callbacks
):
    settings.LOGIN_ACCOUNT_FAILURE_LIMIT = 2
    for number in range(1, 3):
        log_in(Client(), staff_member.email, "salah", **through_proxy(f"198.51.100.{number}"))
    owner = Client()
    assert log_in(owner, staff_member.email, TEST_PASSWORD, **through_proxy(OWNER)).status_code == 429
    owner.post(en("accounts:password_reset"), {"email": staff_member.email}, **through_proxy(OWNER))
    with django_capture_on_commit_callbacks(execute=True):
        reset_tasks.run()
    _set_new_password(owner, link_in(mail.outbox[-1]))
    response = log_in(owner, staff_member.email, NEW_PASSWORD, **through_proxy(OWNER))
    assert response.status_code == 302


# --- Password reset through the outbox ------------------------------------------------------


class _Queued:
    """The password-reset tasks handed to the broker: kept here, run when the test says (as a
    worker would). Other tasks (the outbox's deliveries) run as usual."""

    def __init__(self, publish) -> None:
        self.calls: list[tuple] = []
        self.publish = publish

    def __call__(self, task, *args) -> bool:
        if not task.name.startswith("accounts."):
            return self.publish(task, *args)
        self.calls.append((task, args))
        return True

    def run(self) -> None:
        calls, self.calls = self.calls, []
        for task, args in calls:
            task(*args)


@pytest.fixture
def reset_tasks(monkeypatch):
    from notifications.services import outbox

    queued = _Queued(outbox.task_publish)
    monkeypatch.setattr(outbox, "task_publish", queued)
    return queued


def _set_new_password(client: Client, link: str) -> None:
    response = client.get(link, follow=True)
    form_url = response.redirect_chain[-1][0]
    response = client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    # The link is in the recipient's language.
    assert response.status_code == 302 and response["Location"].endswith("/account/password-reset/done/")


def test_reset_answers_the_same_for_known_and_unknown_addresses_and_sends_nothing_while_it_loads(
    client, reset_tasks, django_capture_on_commit_callbacks
):
    UserFactory(email="budi@contoh.id")
    answers = []
    for address in ("budi@contoh.id", "tidak-ada@contoh.id"):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(en("accounts:password_reset"), {"email": address}, follow=True)
        answers.append((response.status_code, response.redirect_chain, response.content))
    assert answers[0] == answers[1]
    assert b"a link to set a new password is on its way" in answers[0][2]
    # Nothing was looked up, written or sent during either request: both handed the same task over.
    assert mail.outbox == [] and not Notification.objects.exists()
    assert [(task.name, args[0]) for task, args in reset_tasks.calls] == [
        ("accounts.tasks.password_reset_send", "budi@contoh.id"),
        ("accounts.tasks.password_reset_send", "tidak-ada@contoh.id"),
    ]
    # The worker writes the known address's message into the outbox; it goes out from there.
    with django_capture_on_commit_callbacks(execute=True):
        reset_tasks.run()
    notice = Notification.objects.get()
    assert notice.kind == NotificationKind.PASSWORD_RESET and notice.recipient.email == "budi@contoh.id"
    assert Delivery.objects.get(notification=notice).status == "sent"
    assert [m.to for m in mail.outbox] == [["budi@contoh.id"]]


def test_reset_works_end_to_end_through_the_outbox(client, reset_tasks, django_capture_on_commit_callbacks):
    user = UserFactory(email="budi@contoh.id", language="en")
    client.post(en("accounts:password_reset"), {"email": "BUDI@contoh.id"})
    with django_capture_on_commit_callbacks(execute=True):
        reset_tasks.run()
    message = mail.outbox[0]
    assert message.subject == "Set a new password — P2MI Portal"
    assert "/en/account/password-reset/" in link_in(message)
    _set_new_password(client, link_in(message))
    assert log_in(Client(), user.email, NEW_PASSWORD).status_code == 302
    # The link worked once; the inbox never shows it.
    assert client.get(link_in(message), follow=True).context["validlink"] is False
    client.force_login(user)
    assert link_in(message) not in client.get(en("notifications:inbox")).content.decode()


def test_reset_of_an_account_made_by_an_import_sends_its_invitation(
    client, reset_tasks, django_capture_on_commit_callbacks
):
    invited = UserFactory(email="baru@contoh.id", is_active=False, password=None)
    invited.set_unusable_password()
    invited.save()
    client.post(en("accounts:password_reset"), {"email": "baru@contoh.id"})
    with django_capture_on_commit_callbacks(execute=True):
        reset_tasks.run()
    assert Notification.objects.get().kind == NotificationKind.ACCOUNT_INVITED


# --- Registration does not reveal accounts --------------------------------------------------


def _register(client: Client, email: str, **meta):
    data = {
        "full_name": "Siti Aminah",
        "email": email,
        "phone": "0812-3456-7890",
        "password1": "Tanjung-Priok-2026",
        "password2": "Tanjung-Priok-2026",
    }
    return client.post(en("accounts:register"), data, follow=True, **meta)


def test_registering_an_address_that_has_an_account_looks_the_same_and_tells_the_owner(
    django_capture_on_commit_callbacks,
):
    owner = UserFactory(email="siti@contoh.id", full_name="Siti", email_verified_at=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        taken = _register(Client(), "SITI@contoh.id")
    with django_capture_on_commit_callbacks(execute=True):
        new = _register(Client(), "lain@contoh.id")
    assert taken.status_code == new.status_code == 200
    assert taken.redirect_chain == new.redirect_chain == [(en("accounts:register_sent"), 302)]
    assert "already exists" not in taken.content.decode()
    assert User.objects.filter(email__iexact="siti@contoh.id").count() == 1
    notice = Notification.objects.get(recipient=owner)
    assert notice.kind == NotificationKind.ACCOUNT_EXISTS
    to_owner = next(m for m in mail.outbox if m.to == ["siti@contoh.id"])
    assert "tried to register" in to_owner.subject or "mendaftar" in to_owner.subject
    assert "/account/password-reset/" in to_owner.body


# --- Rate limits ------------------------------------------------------------------------------


def test_reset_requests_are_limited_per_e_mail_address_and_per_client_address(client, settings, reset_tasks):
    settings.AUTH_EMAIL_RATE_LIMIT = "2/hour"
    settings.AUTH_RATE_LIMIT = "4/hour"
    statuses = [
        client.post(en("accounts:password_reset"), {"email": "budi@contoh.id"}).status_code for _ in range(3)
    ]
    assert statuses == [302, 302, 429]
    # Other addresses from the same client, until its own limit.
    statuses = [
        client.post(en("accounts:password_reset"), {"email": f"lain{n}@contoh.id"}).status_code
        for n in range(2)
    ]
    assert statuses == [302, 429]
    response = Client(REMOTE_ADDR="192.0.2.9").post(en("accounts:password_reset"), {"email": "x@contoh.id"})
    assert response.status_code == 302
    page = client.post(en("accounts:password_reset"), {"email": "budi@contoh.id"})
    assert page.status_code == 429 and "Too many attempts" in page.content.decode()
    assert len(reset_tasks.calls) == 4


@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("accounts:register", "email"),
        ("accounts:register_sent", "email"),
        ("accounts:login", "username"),
        ("admin:login", "username"),
    ],
)
def test_registration_new_links_and_log_in_answer_429_beyond_the_address_limit(client, settings, url, field):
    settings.AUTH_RATE_LIMIT = "3/hour"
    statuses = [client.post(en(url), {field: f"orang{n}@contoh.id"}).status_code for n in range(4)]
    assert statuses[:3] != [429] * 3 and statuses[3] == 429
    # GET is never limited.
    assert client.get(en(url)).status_code == 200


def test_registration_is_limited_per_e_mail_address(settings, django_capture_on_commit_callbacks):
    settings.AUTH_EMAIL_RATE_LIMIT = "2/hour"
    owner = UserFactory(email="siti@contoh.id")
    for number in range(4):
        with django_capture_on_commit_callbacks(execute=True):
            response = _register(Client(REMOTE_ADDR=f"192.0.2.{number}"), "siti@contoh.id")
    assert response.status_code == 429
    # The owner's mailbox is not flooded.
    assert Notification.objects.filter(recipient=owner).count() == 2


@pytest.fixture(params=["locmem", "redis"])
def any_cache(request, settings):
    """The limits on the local cache, and on Redis (as in production: every worker counts)."""
    if request.param == "redis":
        import redis

        url = (
            re.sub(r"/\d+$", "/15", settings.CELERY_BROKER_URL)
            if "redis" in settings.CELERY_BROKER_URL
            else ""
        )
        try:
            if not url:
                raise redis.ConnectionError("no Redis configured")
            redis.Redis.from_url(url, socket_connect_timeout=1).ping()
        except redis.RedisError as exc:
            pytest.skip(f"needs Redis (CELERY_BROKER_URL=redis://…): {exc}")
        settings.CACHES = {
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": url,
                "KEY_PREFIX": f"test-{uuid.uuid4().hex}",
            }
        }
    return request.param


def test_the_limits_count_on_the_local_cache_and_on_redis(any_cache, settings, reset_tasks):
    settings.AUTH_EMAIL_RATE_LIMIT = "2/hour"
    email = f"{uuid.uuid4().hex}@contoh.id"
    statuses = [
        Client(REMOTE_ADDR=f"192.0.2.{n}").post(en("accounts:password_reset"), {"email": email}).status_code
        for n in range(3)
    ]
    assert statuses == [302, 302, 429]


def test_a_cache_that_fails_does_not_stop_sign_in(settings, staff_member):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        }
    }
    assert log_in(Client(), staff_member.email, TEST_PASSWORD).status_code == 302


# --- Log-in records are kept for a while only -----------------------------------------------


def test_log_in_records_older_than_the_keep_days_are_deleted_daily(settings, staff_member):
    from celery.schedules import crontab

    from p2mi_portal.celery import app

    settings.LOGIN_LOG_KEEP_DAYS = 30
    log_in(Client(), staff_member.email, TEST_PASSWORD)
    log_in(Client(), "lain@contoh.id", "salah")
    old = AccessLog.objects.create(username="lama@contoh.id", ip_address=OWNER, user_agent="x")
    old_attempt = AccessAttempt.objects.create(
        username="lama@contoh.id", ip_address=OWNER, user_agent="x", failures_since_start=1
    )
    AccessLog.objects.filter(pk=old.pk).update(attempt_time=timezone.now() - datetime.timedelta(days=31))
    AccessAttempt.objects.filter(pk=old_attempt.pk).update(
        attempt_time=timezone.now() - datetime.timedelta(days=31)
    )

    entry = settings.CELERY_BEAT_SCHEDULE["forget-old-login-records"]
    assert entry["schedule"] == crontab(hour=3, minute=15)
    assert app.tasks[entry["task"]].delay().get() == 2

    assert list(AccessLog.objects.values_list("username", flat=True)) == [staff_member.email]
    assert list(AccessAttempt.objects.values_list("username", flat=True)) == ["lain@contoh.id"]


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("AUTH_RATE_LIMIT", "lots"),
        ("AUTH_EMAIL_RATE_LIMIT", "5 per hour"),
        ("TRUSTED_PROXY_COUNT", "-1"),
        ("TRUSTED_PROXY_ADDRESSES", "10.0.0.0/8,proxy.internal"),
    ],
)
def test_a_setting_that_cannot_be_read_stops_the_start(variable, value):
    from tests.portal.test_settings import run_django

    result = run_django("print('started')", {variable: value})
    assert result.returncode != 0 and "started" not in result.stdout
    assert variable in result.stderr
