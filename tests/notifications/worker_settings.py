"""Settings of the Celery worker that the worker tests start: the portal's, with a test provider."""

from p2mi_portal.settings import *  # noqa: F403

EMAIL_BACKEND = "tests.notifications.flaky_email.FlakyFileBackend"
NOTIFICATION_RETRY_BACKOFF = 1
