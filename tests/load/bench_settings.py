"""The portal's settings for the benchmark: its URLs plus the comparison points, no throttling."""

from p2mi_portal.settings import *  # noqa: F403

ROOT_URLCONF = "tests.load.bench_urls"
REST_FRAMEWORK = {**REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"partner_key": "1000000/second"}}  # noqa: F405
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
