"""Sales ops open the admin, are sent to set up an authenticator app, scan its QR code (here:
read its secret, as the app would), and from then on log in with a code after the password."""

import re
import time
from base64 import b32decode

from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from salesop.core.testing import PASSWORD, make_org, totp_code


def app_code(secret: str, steps_ahead: int = 0) -> str:
    """What the phone's authenticator app shows for the secret the page gave it."""
    totp = TOTP(b32decode(secret.replace(" ", "")))
    totp.time = time.time() + 30 * steps_ahead
    return f"{totp.token():06d}"


def password_step(page, username):
    page.goto("/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()


def test_ops_set_up_an_app_for_the_admin_then_log_in_with_a_code(page, transactional_db):
    org = make_org()
    # Django's admin pages link no icon, so the browser asks for /favicon.ico (a 404 otherwise).
    page.route("**/favicon.ico", lambda route: route.fulfill(status=204))
    password_step(page, "ops")
    expect(page).to_have_url(re.compile(r"/$"))

    page.goto("/admin/")
    expect(page).to_have_url(re.compile(r"/profile/two-factor/\?next="))
    expect(page.get_by_test_id("admin-needs-otp")).to_be_visible()
    page.get_by_test_id("otp-start").click()
    qr = page.get_by_test_id("otp-qr")
    expect(qr).to_be_visible()
    # The QR code is an SVG data URI image: drawn, and allowed by the CSP.
    assert qr.evaluate("img => img.complete && img.naturalWidth > 0")
    secret = page.get_by_test_id("otp-secret").inner_text()
    page.locator("input[name=code]").fill(app_code(secret))
    page.locator("[data-testid=otp-confirm] button[type=submit]").click()
    # The recovery codes, shown this once, then on to the admin.
    expect(page.get_by_role("heading", name="您的恢复码")).to_be_visible()
    expect(page.get_by_test_id("recovery-codes-once")).to_contain_text("只显示这一次")
    expect(page.get_by_test_id("recovery-code")).to_have_count(10)
    page.get_by_test_id("recovery-codes-done").click()
    expect(page).to_have_url(re.compile(r"/admin/$"))
    expect(page.locator("#site-name")).to_be_visible()

    page.context.clear_cookies()
    password_step(page, "ops")
    expect(page).to_have_url(re.compile(r"/login/code/$"))
    page.goto("/admin/")  # not logged in until the code
    expect(page).to_have_url(re.compile(r"/login/"))
    page.goto("/login/code/")
    accepted = {app_code(secret, steps) for steps in range(-2, 3)}
    wrong = next(code for code in ("000000", "111111") if code not in accepted)
    page.locator("input[name=code]").fill(wrong)
    page.get_by_test_id("code-form").locator("button[type=submit]").click()
    expect(page.locator(".invalid-feedback")).to_be_visible()
    page.wait_for_timeout(1500)  # django-otp checks no code for a second after a wrong one
    device = TOTPDevice.objects.get(user=org.ops)
    page.locator("input[name=code]").fill(totp_code(device))
    page.get_by_test_id("code-form").locator("button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/$"))
    page.goto("/admin/")
    expect(page.locator("#site-name")).to_be_visible()
    assert page.console_errors == []


def test_a_user_keeps_recovery_codes_in_english_and_logs_in_with_one(page, transactional_db):
    org = make_org()
    org.rep.language = "en"
    org.rep.save()
    password_step(page, "rep")  # the login page still speaks the browser's Chinese
    expect(page).to_have_url(re.compile(r"/$"))
    page.goto("/profile/two-factor/")
    page.get_by_test_id("otp-start").click()
    secret = page.get_by_test_id("otp-secret").inner_text()
    page.locator("input[name=code]").fill(app_code(secret))
    page.locator("[data-testid=otp-confirm] button[type=submit]").click()
    expect(page.get_by_role("heading", name="Your recovery codes")).to_be_visible()
    expect(page.get_by_test_id("recovery-codes-once")).to_contain_text("shown only this once")
    codes = page.get_by_test_id("recovery-code").all_inner_texts()
    assert len(codes) == 10 and all(re.fullmatch(r"[a-z2-9]{5}-[a-z2-9]{5}", c) for c in codes)
    page.get_by_test_id("recovery-codes-done").click()
    expect(page.get_by_test_id("recovery-codes-status")).to_contain_text("10 recovery codes left")

    page.context.clear_cookies()
    password_step(page, "rep")
    expect(page).to_have_url(re.compile(r"/login/code/$"))
    page.locator("input[name=code]").fill(codes[0])
    page.get_by_test_id("code-form").locator("button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/$"))
    page.goto("/profile/")
    expect(page.get_by_test_id("recovery-codes-left")).to_have_text("9 recovery codes left")
    assert page.console_errors == []
