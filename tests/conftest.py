"""Test set-up shared by every test.

Tests marked ``postgres`` need PostgreSQL (row locks, concurrency), tests
marked ``broker`` a real Celery broker, ``gettext`` the GNU gettext tools and ``e2e``
a Chromium (``/usr/bin/chromium`` or ``CHROMIUM_PATH``) driven by Playwright. On a laptop
with the embedded defaults they are skipped with the reason; in CI (``CI=true``) a skip
of any of these kinds fails the run, so they can never silently stop running.
"""

from __future__ import annotations

import os
import shutil
import tempfile

import pytest
from django.conf import settings

# Hypothesis (under schemathesis) keeps its files out of the working tree.
os.environ.setdefault("HYPOTHESIS_STORAGE_DIRECTORY", os.path.join(tempfile.gettempdir(), "p2mi-hypothesis"))

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
REQUIRED_IN_CI = ("postgres", "broker", "gettext", "e2e")
CHROMIUM_PATH = os.environ.get("CHROMIUM_PATH") or "/usr/bin/chromium"


def _database_is_postgres() -> bool:
    return settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"


def _real_broker() -> bool:
    return not settings.CELERY_TASK_ALWAYS_EAGER


def _e2e_missing() -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    if not (os.path.isfile(CHROMIUM_PATH) and os.access(CHROMIUM_PATH, os.X_OK)):
        return f"needs Chromium at {CHROMIUM_PATH}: install Debian's chromium or set CHROMIUM_PATH"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError as exc:
        return f"needs the playwright package (pip install -r requirements-dev.txt): {exc}"
    return None


def pytest_collection_modifyitems(config, items):
    reasons = {
        "gettext": None if shutil.which("xgettext") else "needs GNU gettext (xgettext) to extract strings",
        "postgres": None if _database_is_postgres() else "needs PostgreSQL: set DATABASE_URL=postgres://…",
        "broker": None if _real_broker() else "needs a Celery broker: set CELERY_BROKER_URL=redis://…",
        "e2e": _e2e_missing() if any(item.get_closest_marker("e2e") for item in items) else None,
    }
    for item in items:
        for marker, reason in reasons.items():
            if reason and item.get_closest_marker(marker):
                item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Factories create hundreds of accounts; production's slow hash adds nothing to these tests."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def second_factor_off(settings):
    """Staff and partner sessions need no second step here (``client.force_login`` is enough).

    Tests of the second factor itself use ``second_factor_on``, or ``verified_staff_client``.
    """
    settings.TWO_FACTOR_REQUIRED = False


@pytest.fixture
def second_factor_on(settings):
    """Staff and partner users must pass the second step, as in production."""
    settings.TWO_FACTOR_REQUIRED = True


def verified_login(client, user):
    """Like ``client.force_login``, with the second step passed: an app is set up if needed.

    Returns the user's authenticator app (a django-otp ``TOTPDevice``).
    """
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or TOTPDevice.objects.create(
        user=user, name="Authenticator app", confirmed=True
    )
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return device


@pytest.fixture
def verified_staff_client(client, second_factor_on):
    """A client signed in as ministry staff (a superuser) who passed the second step.

    ``verified_staff_client.user`` is the staff account.
    """
    from tests.accounts.factories import StaffFactory

    staff = StaffFactory(is_superuser=True)
    verified_login(client, staff)
    client.user = staff
    return client


@pytest.fixture(autouse=True)
def text_outbox(settings):
    """SMS and WhatsApp messages are kept in memory, as Django keeps test e-mail in ``mail.outbox``."""
    from notifications.channels import LocmemBackend

    settings.SMS_BACKEND = settings.WHATSAPP_BACKEND = "locmem"
    LocmemBackend.outbox.clear()
    yield LocmemBackend.outbox
    LocmemBackend.outbox.clear()


@pytest.fixture(autouse=True)
def empty_cache():
    """Each test starts with an empty cache (remembered API keys, throttle counts)."""
    from django.core.cache import cache

    from p2mi_portal.cache import cache_pause_reset

    cache_pause_reset()  # a Redis outage in another test pauses nothing here
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def tasks_in_process(request):
    """Tasks run in the test's process, as on a laptop, unless the test is about the broker.

    Tests marked ``broker`` start a real worker and keep the configured broker.
    """
    from notifications.services.outbox import broker_pause_reset

    broker_pause_reset()  # a broker failure in another test pauses nothing here
    if request.node.get_closest_marker("broker"):
        yield
        broker_pause_reset()
        return
    from p2mi_portal.celery import app

    eager, app.conf.task_always_eager = app.conf.task_always_eager, True
    yield
    app.conf.task_always_eager = eager
    broker_pause_reset()


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch):
    """The outbox's clock, moved by hand: the broker pause ends when the test says so."""
    from notifications.services import outbox

    clock = Clock()
    monkeypatch.setattr(outbox, "_clock", clock)
    return clock


@pytest.fixture
def broker(monkeypatch, settings):
    """Tasks go to the broker (not run in-process), and every publish is refused and counted."""
    from kombu.exceptions import OperationalError
    from kombu.messaging import Producer

    from p2mi_portal.celery import app

    settings.NOTIFICATION_BROKER_PAUSE = 30
    # Set and restored here, inside the in-process fixture's own set-up and tear-down.
    eager, app.conf.task_always_eager = app.conf.task_always_eager, False

    class Broker:
        up = False
        published: list[tuple] = []

    def publish(producer, body, *args, **kwargs):
        Broker.published.append(tuple(body[0]))  # the task's arguments
        if not Broker.up:
            raise OperationalError("Error 111 connecting to 127.0.0.1:6390. Connection refused.")

    monkeypatch.setattr(Producer, "publish", publish)
    yield Broker
    app.conf.task_always_eager = eager


_required_skips: list[str] = []


def pytest_runtest_logreport(report):
    if report.skipped and any(m in report.keywords for m in REQUIRED_IN_CI):
        _required_skips.append(report.nodeid)


def pytest_sessionfinish(session, exitstatus):
    if IN_CI and _required_skips:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        if reporter:
            reporter.write_line(
                f"CI: {len(_required_skips)} PostgreSQL/broker/gettext/e2e test(s) were skipped; "
                "they must run in CI: " + ", ".join(_required_skips[:10]),
                red=True,
            )
        session.exitstatus = 1
