"""Logging in, lockout after repeated failures, passwords, language and time zone per user."""

from datetime import UTC, datetime

import pytest
import time_machine
from django.test import Client

from salesop.core.testing import PASSWORD, in_zone, make_account

pytestmark = pytest.mark.django_db


def login(client, username, password):
    return client.post("/login/", {"username": username, "password": password})


def test_right_password_logs_in(client, org):
    response = login(client, "rep", PASSWORD)
    assert response.status_code == 302 and response["Location"] == "/"
    assert "张伟" in client.get("/").content.decode()


def test_wrong_password_is_a_form_error(client, org):
    response = login(client, "rep", "nope")
    assert response.status_code == 200
    assert 'class="alert alert-danger"' in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_lockout_refuses_even_the_right_password(client, org, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login(client, "rep", "wrong")
    response = login(client, "rep", PASSWORD)
    assert response.status_code == 429
    assert 'data-testid="locked-out"' in response.content.decode()
    assert "_auth_user_id" not in client.session
    # Another user from the same address is not punished for it.
    assert login(Client(), "teammate", PASSWORD).status_code == 302


def test_logout_ends_the_session(client, org):
    login(client, "rep", PASSWORD)
    client.post("/logout/")
    assert client.get("/").status_code == 302


def test_password_change_validates_and_keeps_session(client, org):
    login(client, "rep", PASSWORD)
    weak = client.post(
        "/password/",
        {"old_password": PASSWORD, "new_password1": "12345678", "new_password2": "12345678"},
    )
    assert weak.status_code == 200 and "invalid-feedback" in weak.content.decode()
    # Django's own wording, in the product's voice: 您, never 你
    said = weak.content.decode() + client.get("/password/").content.decode()
    assert "您的密码不能全是数字" in said and "你" not in said
    ok = client.post(
        "/password/",
        {
            "old_password": PASSWORD,
            "new_password1": "A-much-better-one-42",
            "new_password2": "A-much-better-one-42",
        },
    )
    assert ok.status_code == 302
    assert client.get("/").status_code == 200
    org.rep.refresh_from_db()
    assert org.rep.check_password("A-much-better-one-42")


def test_a_password_change_ends_the_other_sessions_and_keeps_this_one(client, org):
    elsewhere = Client()
    login(elsewhere, "rep", PASSWORD)
    login(client, "rep", PASSWORD)
    new = "A-much-better-one-42"
    client.post(
        "/password/", {"old_password": PASSWORD, "new_password1": new, "new_password2": new}
    )
    assert client.get("/").status_code == 200
    assert elsewhere.get("/").status_code == 302  # back to the login page
    assert elsewhere.get("/api/v1/me").status_code == 401


def test_deactivation_ends_open_sessions(client, org):
    login(client, "rep", PASSWORD)
    assert client.get("/").status_code == 200
    org.rep.is_active = False
    org.rep.save(update_fields=["is_active"])
    assert client.get("/").status_code == 302
    assert client.get("/api/v1/me").status_code == 401
    assert login(Client(), "rep", PASSWORD).status_code == 200  # the form refuses them


def test_common_and_short_passwords_are_refused(client, org):
    login(client, "rep", PASSWORD)
    for weak in ("password123", "qwertyuiop", "Short1!"):
        page = client.post(
            "/password/",
            {"old_password": PASSWORD, "new_password1": weak, "new_password2": weak},
        )
        assert page.status_code == 200 and "invalid-feedback" in page.content.decode(), weak


def test_language_switch_is_remembered_on_the_user(client, org):
    client.force_login(org.rep)
    org.rep.language = "en"
    org.rep.save()
    assert "Companies" in client.get("/").content.decode()
    client.post("/language/", {"language": "zh-hans", "next": "/"})
    page = client.get("/").content.decode()
    assert '<html lang="zh-hans">' in page
    assert "客户公司" in page
    org.rep.refresh_from_db()
    assert org.rep.language == "zh-hans"
    client.post("/language/", {"language": "en", "next": "/customers/"})
    assert '<html lang="en">' in client.get("/customers/").content.decode()


def test_language_switch_refuses_foreign_redirects(client, org):
    response = client.post("/language/", {"language": "en", "next": "https://evil.example/"})
    assert response["Location"] == "/"


def test_anonymous_login_page_follows_the_cookie(client):
    client.post("/language/", {"language": "en", "next": "/login/"})
    assert "Log in to your account" in client.get("/login/").content.decode()
    client.post("/language/", {"language": "zh-hans", "next": "/login/"})
    assert "登录您的账户" in client.get("/login/").content.decode()


def test_times_show_in_the_users_zone(client, org):
    with time_machine.travel(datetime(2026, 3, 1, 18, 30, tzinfo=UTC)):
        account = make_account(org.rep)
    in_zone("", org.rep)
    client.force_login(org.rep)
    # Default zone Asia/Shanghai: 18:30 UTC is 02:30 the next day.
    assert "2026-03-02 02:30" in client.get(f"/customers/{account.pk}/").content.decode()
    org.rep.timezone = "Europe/London"
    org.rep.save()
    assert "2026-03-01 18:30" in client.get(f"/customers/{account.pk}/").content.decode()


def test_profile_refuses_unknown_time_zone(client, org):
    before = org.rep.timezone
    client.force_login(org.rep)
    response = client.post(
        "/profile/", {"full_name": "张伟", "email": "", "language": "en", "timezone": "Mars/Base"}
    )
    assert response.status_code == 200 and "invalid-feedback" in response.content.decode()
    org.rep.refresh_from_db()
    assert org.rep.timezone == before


def test_passwords_are_hashed_with_argon2_in_production():
    import salesop.settings as production

    assert production.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
