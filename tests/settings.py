"""Test settings: production settings with only what speed and isolation need changed."""

import os
import tempfile

os.environ.setdefault("SALESOP_SECRET_KEY", "test-only-secret-" + "k3y" * 20)
os.environ.setdefault("SALESOP_HTTPS", "false")
os.environ.setdefault("SALESOP_EMAIL_URL", "locmem://")
os.environ.setdefault("SALESOP_HUEY_IMMEDIATE", "1")
os.environ.setdefault(
    "SALESOP_WEBHOOK_ALLOW_PRIVATE", "1"
)  # receivers in tests listen on 127.0.0.1
os.environ["SALESOP_DATA_DIR"] = tempfile.mkdtemp(prefix="salesop-test-")

from salesop.settings import *  # noqa: E402, F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed only
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405
