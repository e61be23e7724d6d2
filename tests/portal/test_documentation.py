"""Every environment variable the portal reads is documented."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def variables_read() -> set[str]:
    settings_source = (ROOT / "p2mi_portal" / "settings.py").read_text()
    names = set(re.findall(r'env(?:\.\w+)?\(\s*"([A-Z_]+)"', settings_source))
    names |= set(re.findall(r"\$\{([A-Z_]+)", (ROOT / "Procfile").read_text()))
    return names


def test_settings_read_the_expected_variables():
    assert {"DATABASE_URL", "CELERY_BROKER_URL", "SECRET_KEY", "DJANGO_ENV"} <= variables_read()


def test_every_variable_is_in_env_example_and_readme():
    example = (ROOT / ".env.example").read_text()
    readme = (ROOT / "README.md").read_text()
    for name in sorted(variables_read()):
        assert re.search(rf"\b{name}=", example), f"{name} is missing from .env.example"
        assert f"`{name}`" in readme, f"{name} is missing from the README"
