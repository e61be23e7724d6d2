"""Browser fixtures for the end-to-end tests (marker ``e2e``).

Playwright drives the system Chromium (``/usr/bin/chromium``, or ``CHROMIUM_PATH``);
Playwright's own browser download is not used. ``tests/conftest.py`` skips these tests
with the reason when Chromium or Playwright is missing, and fails CI if they were
skipped. Playwright is imported inside the fixtures so that collecting this directory
never needs it.
"""

from __future__ import annotations

import os

import pytest

CHROMIUM_PATH = os.environ.get("CHROMIUM_PATH") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]

# A mid-range phone: most applicants use the portal on one.
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
    "locale": "id-ID",
    "timezone_id": "Asia/Jakarta",
}


@pytest.fixture(scope="package")
def browser():
    """Chromium, for the tests of this directory; stopped when they are done."""
    from playwright.sync_api import sync_playwright

    with pytest.MonkeyPatch.context() as patch:
        # Playwright's sync API keeps an asyncio event loop running in the main thread,
        # where the test and pytest-django's database set-up and teardown use the ORM;
        # Django refuses that unless told it is safe. It is: nothing else runs on that
        # loop. Only while Playwright runs: set for the whole session, it would reach
        # subprocesses too (``manage.py check --deploy`` fails on it, async.E001).
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        playwright = sync_playwright().start()
        try:
            chromium = playwright.chromium.launch(
                executable_path=CHROMIUM_PATH, args=CHROMIUM_ARGS, headless=True
            )
            try:
                yield chromium
            finally:
                chromium.close()
        finally:
            playwright.stop()


@pytest.fixture
def page(browser):
    """A fresh phone-sized tab with its own cookies, closed after the test."""
    context = browser.new_context(**PHONE)
    context.set_default_timeout(15_000)
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    """Uploaded documents go to the test's own directory, not the project's."""
    settings.MEDIA_ROOT = tmp_path / "private-media"
    return settings.MEDIA_ROOT
