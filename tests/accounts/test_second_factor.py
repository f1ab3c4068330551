"""The second factor: any user may turn on an authenticator app (TOTP); login then asks for its
code after the password; sales ops need it (verified in the session) for every admin page."""

from base64 import b32encode
from datetime import timedelta
from io import StringIO

import pytest
import time_machine
from auditlog.models import LogEntry
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from salesop.accounts.services import api_token_create
from salesop.core.testing import PASSWORD, admin_login, totp_code, totp_enrol

pytestmark = pytest.mark.django_db

ADMIN_PAGES = ["/admin/", "/admin/accounts/user/", "/admin/customers/account/", "/admin/jsi18n/"]


@pytest.fixture
def client(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # messages read in English
    return client


def wrong_code(device) -> str:
    """A well-formed code the device would not accept at any step it checks now."""
    valid = set()
    for offset in range(-device.tolerance - 1, device.tolerance + 2):
        totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
        totp.time = timezone.now().timestamp() + offset * device.step
        valid.add(f"{totp.token():06d}")
    return next(f"{n:06d}" for n in range(123456, 10**6) if f"{n:06d}" not in valid)


def password_step(client, username="rep", **extra):
    return client.post("/login/", {"username": username, "password": PASSWORD, **extra})


def code_step(client, code, **extra):
    return client.post("/login/code/", {"code": code, **extra})


@pytest.fixture
def clock():
    # Real time, movable: throttling waits 1, 2, 4 ... seconds after each wrong code.
    with time_machine.travel(timezone.now(), tick=True) as traveller:
        yield traveller


def test_turning_it_on_shows_the_secret_and_needs_a_first_code(client, org, clock):
    client.force_login(org.rep)
    page = client.get("/profile/two-factor/").content.decode()
    assert 'data-testid="otp-start"' in page and not TOTPDevice.objects.exists()
    assert client.post("/profile/two-factor/", {"action": "start"}).status_code == 302
    device = TOTPDevice.objects.get(user=org.rep)
    assert device.confirmed is False
    page = client.get("/profile/two-factor/").content.decode()
    secret = b32encode(device.bin_key).decode()
    shown = page.split('data-testid="otp-secret">')[1].split("<")[0]
    assert shown.replace(" ", "") == secret
    assert f"otpauth://totp/salesop%3Arep?secret={secret}" in page
    assert 'src="data:image/svg+xml' in page

    malformed = client.post("/profile/two-factor/", {"action": "confirm", "code": "12ab56"})
    assert "invalid-feedback" in malformed.content.decode()
    refused = client.post("/profile/two-factor/", {"action": "confirm", "code": wrong_code(device)})
    assert refused.status_code == 200
    assert "That code is not right, or was already used" in refused.content.decode()
    device.refresh_from_db()
    assert device.confirmed is False

    clock.shift(timedelta(seconds=2))
    code = totp_code(device)
    response = client.post("/profile/two-factor/", {"action": "confirm", "code": code})
    assert (
        response.status_code == 200 and 'data-testid="recovery-code"' in response.content.decode()
    )
    device.refresh_from_db()
    assert device.confirmed is True
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id  # this session counts
    assert 'data-testid="profile-otp">on' in client.get("/profile/").content.decode()


def test_turning_it_on_is_audited_without_the_secret(client, org):
    client.force_login(org.rep)
    client.post("/profile/two-factor/", {"action": "start"})
    device = TOTPDevice.objects.get()
    client.post("/profile/two-factor/", {"action": "confirm", "code": totp_code(device)})
    entries = LogEntry.objects.get_for_object(device)
    assert {e.actor for e in entries} == {org.rep}
    assert entries.filter(changes__icontains="confirmed").exists()
    assert not any(device.key in str(e.changes) for e in entries)


def test_login_asks_for_the_code_and_the_half_logged_in_reach_nothing(client, org):
    device = totp_enrol(org.rep)
    response = password_step(client, next="/customers/")
    assert response.status_code == 302 and response["Location"] == "/login/code/"
    assert "_auth_user_id" not in client.session
    assert client.get("/").status_code == 302
    assert client.get("/customers/").status_code == 302
    assert client.get("/profile/two-factor/").status_code == 302
    assert client.get("/api/v1/me").status_code == 401
    page = client.get("/login/code/")
    assert page.status_code == 200 and 'data-testid="code-form"' in page.content.decode()

    response = code_step(client, totp_code(device))
    assert response.status_code == 302 and response["Location"] == "/customers/"
    assert client.get("/customers/").status_code == 200
    assert client.get("/api/v1/me").json()["username"] == "rep"


def test_a_wrong_code_is_refused_and_the_next_waits(client, org, clock):
    device = totp_enrol(org.rep)
    password_step(client)
    refused = code_step(client, wrong_code(device))
    assert refused.status_code == 200
    assert "That code is not right, or was already used" in refused.content.decode()
    assert "_auth_user_id" not in client.session
    # Right away, even the right code is not checked: django-otp's throttling.
    throttled = code_step(client, totp_code(device))
    assert throttled.status_code == 200 and "wait 1 second" in throttled.content.decode()
    assert "_auth_user_id" not in client.session
    clock.shift(timedelta(seconds=2))
    assert code_step(client, totp_code(device)).status_code == 302
    assert client.get("/").status_code == 200


def test_a_used_code_cannot_be_replayed(client, org):
    device = totp_enrol(org.rep)
    password_step(client)
    code = totp_code(device)
    assert code_step(client, code).status_code == 302
    client.post("/logout/")
    password_step(client)
    replayed = code_step(client, code)
    assert replayed.status_code == 200
    assert "That code is not right, or was already used" in replayed.content.decode()
    assert "_auth_user_id" not in client.session
    # The same code stolen on the way is no use in another browser either.
    other = Client()
    password_step(other)
    assert code_step(other, code).status_code == 200


def test_the_code_step_expires(client, org, settings):
    device = totp_enrol(org.rep)
    password_step(client)
    later = timezone.now() + timedelta(seconds=settings.OTP_LOGIN_CODE_SECONDS + 1)
    with time_machine.travel(later):
        response = code_step(client, totp_code(device))
    assert response.status_code == 302 and response["Location"] == "/login/"
    assert "_auth_user_id" not in client.session
    assert client.get("/login/code/")["Location"] == "/login/"


def test_users_without_an_app_log_in_with_the_password_alone(client, org):
    response = password_step(client, "ops")
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/").status_code == 200
    assert client.get("/customers/").status_code == 200
    assert client.get("/login/code/")["Location"] == "/"


def test_wrong_codes_count_towards_the_lockout_with_wrong_passwords(client, org, settings, clock):
    device = totp_enrol(org.rep)
    assert settings.AXES_FAILURE_LIMIT == 5
    for _ in range(2):
        client.post("/login/", {"username": "rep", "password": "wrong"})
    password_step(client)
    for _ in range(2):
        assert code_step(client, wrong_code(device)).status_code == 200
        clock.shift(timedelta(seconds=5))
    locked = code_step(client, wrong_code(device))  # the fifth failure
    assert locked.status_code == 429
    assert 'data-testid="locked-out"' in locked.content.decode()
    assert "_auth_user_id" not in client.session
    clock.shift(timedelta(seconds=30))
    # The code step is gone, and the right password and code do not help either.
    assert client.get("/login/code/")["Location"] == "/login/"
    assert password_step(client).status_code == 429
    assert "_auth_user_id" not in client.session
    # Another user from the same address is not punished for it.
    assert password_step(Client(), "teammate").status_code == 302


def test_a_right_code_clears_earlier_failures(client, org, settings, clock):
    device = totp_enrol(org.rep)
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        client.post("/login/", {"username": "rep", "password": "wrong"})
    password_step(client)
    assert code_step(client, totp_code(device)).status_code == 302
    client.post("/logout/")
    password_step(client)
    assert code_step(client, wrong_code(device)).status_code == 200  # one failure, not five


def test_turning_it_off_needs_a_current_code(client, org, clock):
    device = admin_login(client, org.rep)
    refused = client.post("/profile/two-factor/", {"action": "disable", "code": wrong_code(device)})
    assert refused.status_code == 200
    assert "That code is not right, or was already used" in refused.content.decode()
    assert TOTPDevice.objects.filter(user=org.rep).exists()
    missing = client.post("/profile/two-factor/", {"action": "disable", "code": ""})
    assert "invalid-feedback" in missing.content.decode()
    clock.shift(timedelta(seconds=5))
    done = client.post("/profile/two-factor/", {"action": "disable", "code": totp_code(device)})
    assert done.status_code == 302
    assert not TOTPDevice.objects.filter(user=org.rep).exists()
    client.post("/logout/")
    assert password_step(client)["Location"] == "/"


def test_api_tokens_are_not_asked_for_a_code(client, org):
    totp_enrol(org.rep)
    _, raw = api_token_create(user=org.rep, name="script")
    response = client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 200 and response.json()["username"] == "rep"


def test_ops_without_an_app_are_sent_to_set_one_up_before_any_admin_page(client, org):
    client.force_login(org.ops)
    assert client.get("/").status_code == 200  # the app itself works with the password
    for url in ADMIN_PAGES:
        response = client.get(url, follow=True)
        assert response.redirect_chain[-1][0].startswith("/profile/two-factor/?next="), url
        assert 'data-testid="admin-needs-otp"' in response.content.decode()
    client.post("/profile/two-factor/", {"action": "start", "next": "/admin/accounts/user/"})
    device = TOTPDevice.objects.get(user=org.ops)
    response = client.post(
        "/profile/two-factor/",
        {"action": "confirm", "code": totp_code(device), "next": "/admin/accounts/user/"},
    )
    # The recovery codes first, then on to where they were going.
    assert 'href="/admin/accounts/user/" data-testid="recovery-codes-done"' in (
        response.content.decode()
    )
    for url in ADMIN_PAGES:
        assert client.get(url).status_code == 200, url


def test_ops_with_an_app_enter_its_code_before_the_admin(client, org):
    device = totp_enrol(org.ops)
    client.force_login(org.ops)  # a session opened with the password alone
    assert client.get("/customers/").status_code == 200
    response = client.get("/admin/accounts/user/", follow=True)
    assert response.redirect_chain[-1][0] == "/login/code/?next=%2Fadmin%2Faccounts%2Fuser%2F"
    assert 'data-testid="code-form"' in response.content.decode()
    refused = code_step(client, wrong_code(device), next="/admin/accounts/user/")
    assert refused.status_code == 200 and client.get("/admin/").status_code == 302
    assert "_auth_user_id" in client.session  # still logged in to the app
    with time_machine.travel(timezone.now() + timedelta(seconds=5)):
        passed = code_step(client, totp_code(device), next="/admin/accounts/user/")
    assert passed["Location"] == "/admin/accounts/user/"
    for url in ADMIN_PAGES:
        assert client.get(url).status_code == 200, url


def test_superusers_need_it_too(client, org):
    org.legal.is_superuser = True
    org.legal.save()
    client.force_login(org.legal)
    assert (
        client.get("/admin/", follow=True).redirect_chain[-1][0].startswith("/profile/two-factor/")
    )
    admin_login(client, org.legal)
    assert client.get("/admin/").status_code == 200


def test_the_setting_can_turn_the_requirement_off(client, org, settings):
    settings.OTP_REQUIRED_FOR_ADMIN = False
    client.force_login(org.ops)
    assert client.get("/admin/accounts/user/").status_code == 200


def test_the_admin_login_form_is_no_way_around_the_code(client, org):
    totp_enrol(org.ops)
    page = client.get("/admin/login/?next=/admin/accounts/user/")
    assert page["Location"] == "/login/?next=/admin/accounts/user/"
    posted = client.post("/admin/login/", {"username": "ops", "password": PASSWORD})
    assert posted.status_code == 302 and "_auth_user_id" not in client.session
    # Others signed in to the app are refused, not shown a login form.
    client.force_login(org.rep)
    assert client.get("/admin/login/?next=/admin/").status_code == 403


def test_a_lost_phone_is_reset_by_an_administrator(client, org):
    totp_enrol(org.rep)
    out = StringIO()
    call_command("twofactor_reset", "rep", stdout=out)
    assert "Removed 1" in out.getvalue()
    assert password_step(client)["Location"] == "/"
    with pytest.raises(CommandError):
        call_command("twofactor_reset", "nobody")


# --- recovery codes, and the other sessions ----------------------------------------------------


def turn_on(client, user) -> tuple[TOTPDevice, list[str]]:
    """Sets up the app on the profile page as the user would; returns it and the recovery
    codes the page showed."""
    client.post("/profile/two-factor/", {"action": "start"})
    device = TOTPDevice.objects.get(user=user)
    response = client.post("/profile/two-factor/", {"action": "confirm", "code": totp_code(device)})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]  # shown once: not kept by any cache
    return device, shown_codes(response)


def shown_codes(response) -> list[str]:
    page = response.content.decode()
    return [part.split("<")[0] for part in page.split('data-testid="recovery-code">')[1:]]


def codes_left(client) -> str:
    page = client.get("/profile/").content.decode()
    return page.split('data-testid="recovery-codes-left">')[1].split("<")[0]


def test_turning_it_on_shows_ten_recovery_codes_once_and_stores_none_of_them(client, org):
    client.force_login(org.rep)
    device, codes = turn_on(client, org.rep)
    assert len(codes) == len(set(codes)) == 10
    assert all(len(code) == 11 and code[5] == "-" for code in codes)
    stored = set(StaticToken.objects.filter(device__user=org.rep).values_list("token", flat=True))
    assert len(stored) == 10
    assert not stored & {c.replace("-", "") for c in codes} and not stored & set(codes)
    page = client.get("/profile/two-factor/").content.decode()
    assert 'data-testid="recovery-code"' not in page and codes[0] not in page
    assert codes_left(client) == "10 recovery codes left"


def test_a_recovery_code_logs_in_once_in_place_of_the_apps_code(client, org):
    client.force_login(org.rep)
    _, codes = turn_on(client, org.rep)
    client.post("/logout/")
    password_step(client, next="/customers/")
    # Typed as people do: upper case, spaces for the dash.
    response = code_step(client, codes[3].upper().replace("-", " "))
    assert response.status_code == 302 and response["Location"] == "/customers/"
    assert client.get("/api/v1/me").json()["username"] == "rep"
    assert codes_left(client) == "9 recovery codes left"
    client.post("/logout/")
    password_step(client)
    again = code_step(client, codes[3])
    assert again.status_code == 200 and "_auth_user_id" not in client.session
    assert "That recovery code is not right, or was already used" in again.content.decode()


def test_a_recovery_code_opens_the_admin_for_ops_who_lost_their_phone(client, org, clock):
    client.force_login(org.ops)
    _, codes = turn_on(client, org.ops)
    client.post("/logout/")
    password_step(client, "ops")
    assert code_step(client, codes[0])["Location"] == "/"
    assert client.get("/admin/accounts/user/").status_code == 200


def test_wrong_recovery_codes_count_towards_the_lockout(client, org, settings, clock):
    client.force_login(org.rep)
    turn_on(client, org.rep)
    client.post("/logout/")
    for _ in range(2):
        client.post("/login/", {"username": "rep", "password": "wrong"})
    password_step(client)
    for _ in range(2):
        refused = code_step(client, "abcde-fghjk")
        assert refused.status_code == 200
        assert "That recovery code is not right" in refused.content.decode()
        clock.shift(timedelta(seconds=5))
    locked = code_step(client, "abcde-fghjk")  # the fifth failure
    assert locked.status_code == 429 and "_auth_user_id" not in client.session


def test_a_new_set_needs_a_current_code_and_voids_the_old_one(client, org, clock):
    client.force_login(org.rep)
    device, old = turn_on(client, org.rep)
    clock.shift(timedelta(seconds=31))
    refused = client.post(
        "/profile/two-factor/", {"action": "regenerate", "code": wrong_code(device)}
    )
    assert refused.status_code == 200 and shown_codes(refused) == []
    assert "That code is not right, or was already used" in refused.content.decode()
    clock.shift(timedelta(seconds=5))
    response = client.post(
        "/profile/two-factor/", {"action": "regenerate", "code": totp_code(device)}
    )
    new = shown_codes(response)
    assert len(new) == 10 and not set(new) & set(old)
    assert codes_left(client) == "10 recovery codes left"
    client.post("/logout/")
    password_step(client)
    assert code_step(client, old[0]).status_code == 200
    clock.shift(timedelta(seconds=5))
    assert code_step(client, new[0]).status_code == 302


def test_turning_it_off_takes_the_recovery_codes_with_it(client, org, clock):
    client.force_login(org.rep)
    device, codes = turn_on(client, org.rep)
    clock.shift(timedelta(seconds=31))
    client.post("/profile/two-factor/", {"action": "disable", "code": totp_code(device)})
    assert not StaticDevice.objects.filter(user=org.rep).exists()
    assert 'data-testid="recovery-codes-left"' not in client.get("/profile/").content.decode()


def test_a_recovery_code_may_also_turn_it_off(client, org):
    client.force_login(org.rep)
    _, codes = turn_on(client, org.rep)
    done = client.post("/profile/two-factor/", {"action": "disable", "code": codes[0]})
    assert done.status_code == 302
    assert not TOTPDevice.objects.filter(user=org.rep).exists()


def signed_in(client) -> bool:
    return client.get("/customers/").status_code == 200 and (
        client.get("/api/v1/me").status_code == 200
    )


@pytest.mark.parametrize("change", ["on", "new codes", "off"])
def test_changing_the_second_factor_ends_the_other_sessions_and_keeps_this_one(
    client, org, clock, change
):
    client.force_login(org.rep)
    if change != "on":
        device, _ = turn_on(client, org.rep)
        clock.shift(timedelta(seconds=31))
    elsewhere, other_browser = Client(), Client()
    org.rep.refresh_from_db()
    elsewhere.force_login(org.rep)  # e.g. a browser left signed in with the password alone
    other_browser.force_login(org.teammate)
    _, raw = api_token_create(user=org.rep, name="script")
    assert signed_in(elsewhere) and signed_in(client)

    if change == "on":
        turn_on(client, org.rep)
    else:
        action = "regenerate" if change == "new codes" else "disable"
        response = client.post(
            "/profile/two-factor/", {"action": action, "code": totp_code(device)}
        )
        assert response.status_code in {200, 302}

    assert client.get("/customers/").status_code == 200
    assert client.get("/api/v1/me").status_code == 200
    assert elsewhere.get("/customers/").status_code == 302
    assert elsewhere.get("/api/v1/me").status_code == 401
    assert "_auth_user_id" not in elsewhere.session
    assert signed_in(other_browser)  # someone else's sessions are theirs
    # A token is a separate credential, revoked on its own page.
    assert Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 200


def test_recovery_codes_and_ended_sessions_are_audited_without_the_codes(client, org, clock):
    client.force_login(org.rep)
    device, codes = turn_on(client, org.rep)
    clock.shift(timedelta(seconds=31))
    client.post("/profile/two-factor/", {"action": "regenerate", "code": totp_code(device)})
    static = StaticDevice.objects.get(user=org.rep)
    made = LogEntry.objects.get_for_object(static)
    assert {e.actor for e in made} == {org.rep} and made.count() == 2  # made, then renewed
    ended = LogEntry.objects.get_for_object(org.rep).filter(
        action=LogEntry.Action.UPDATE, changes__icontains="session"
    )
    assert ended.count() == 2 and {e.actor for e in ended} == {org.rep}
    everything = str(list(LogEntry.objects.values_list("changes", flat=True)))
    tokens = StaticToken.objects.values_list("token", flat=True)
    assert not any(c in everything or c.replace("-", "") in everything for c in codes)
    assert not any(t in everything for t in tokens)


def test_the_reset_command_removes_the_recovery_codes_too(client, org):
    client.force_login(org.rep)
    _, codes = turn_on(client, org.rep)
    call_command("twofactor_reset", "rep", stdout=StringIO())
    assert not StaticDevice.objects.filter(user=org.rep).exists()
    client.post("/logout/")
    assert password_step(client)["Location"] == "/"
