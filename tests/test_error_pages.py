"""Error pages speak the reader's language in the site's own style, not Django's bare English."""

import pytest
from django.test import Client

from salesop.core.testing import make_deal, signed_in

pytestmark = pytest.mark.django_db


def test_another_teams_record_answers_a_translated_404(org):
    deal = make_deal(org.rep)
    chinese = Client()
    chinese.force_login(org.outsider)
    response = chinese.get(f"/deals/{deal.pk}/")
    assert response.status_code == 404
    page = response.content.decode()
    assert 'data-testid="error-page"' in page and "页面不存在" in page
    assert "Not Found" not in page and "salesop" in page
    english = signed_in(org.outsider).get(f"/deals/{deal.pk}/").content.decode()
    assert "This page does not exist" in english
    anonymous = Client().get("/no/such/page/")
    assert anonymous.status_code == 404 and "页面不存在" in anonymous.content.decode()


def test_a_form_refused_by_the_csrf_check_says_so_in_the_site_style(org):
    # a customer who left the recap page open overnight, then answered: Django's technical
    # English page said "CSRF verification failed"
    client = Client(enforce_csrf_checks=True)
    response = client.post("/login/", {"username": "x"}, HTTP_REFERER="http://testserver/login/")
    assert response.status_code == 403
    page = response.content.decode()
    assert 'data-testid="error-page"' in page and "CSRF verification failed" not in page
    assert "未保存" in page and 'href="http://testserver/login/"' in page
    elsewhere = client.post("/login/", {}, HTTP_REFERER="https://evil.example/")
    assert "evil.example" not in elsewhere.content.decode()


def test_an_expired_htmx_or_board_request_is_told_in_place(org):
    # htmx swaps no 403 (clicking "log activity" did nothing), and the board put the whole
    # error page, navigation and all, into its refusal panel
    client = Client(enforce_csrf_checks=True)
    client.force_login(org.rep)
    deal = make_deal(org.rep)
    htmx = client.post(f"/activities/deal/{deal.pk}/log/", {}, HTTP_HX_REQUEST="true")
    assert htmx.status_code == 403 and htmx["HX-Refresh"] == "true"
    page = client.get(f"/deals/{deal.pk}/").content.decode()
    assert "未保存" in page  # said once the page is loaded again
    board = client.post(f"/deals/{deal.pk}/move/", {}, HTTP_X_REQUESTED_WITH="fetch")
    fragment = board.content.decode()
    assert board.status_code == 403 and "未保存" in fragment and "<nav" not in fragment
    assert "navbar" not in fragment
