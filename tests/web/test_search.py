"""The search box on every page finds companies, contacts, leads, deals, tickets and contracts
by name, phone in any format, email, WeChat id and number: only what the user may see, the
best match first, in a fixed number of queries."""

from typing import get_args

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from salesop.aftersales.tickets import ticket_open
from salesop.core.testing import (
    cleared_contract,
    make_account,
    make_deal,
    make_lead,
    make_user,
    signed_in,
)
from salesop.customers.services import contact_create
from salesop.web.api import Kind
from salesop.web.search import KINDS, search

pytestmark = pytest.mark.django_db


def found(user, q, **kw) -> list[tuple[str, str]]:
    return [(h.kind, h.title) for g in search(user, q, **kw).groups for h in g.hits]


@pytest.fixture
def records(org):
    account = make_account(org.rep, "上海云图教育科技有限公司", industry="教育")
    contact_create(
        account=account,
        by=org.rep,
        name="陈静",
        phone="138 0013 8000",
        email="Chen.Jing@YunTu.example.cn",
        wechat="chenjing_yt",
    )
    make_lead(
        org.rep,
        "Contoso Retail Co., Ltd.",
        contact_name="Emily Zhao",
        phone="+86 139-1234-5678",
        email="emily@contoso.example.com",
        wechat="EmilyZ88",
    )
    deal = make_deal(org.rep, account, name="云图教育 智慧校园二期")
    ticket = ticket_open(
        account=account,
        by=org.rep,
        channel="phone",
        severity="high",
        title="校园网登录异常",
        description="客户反馈无法登录",
    )
    # Another team's company of the same name words: never shown to the rep.
    other = make_account(org.outsider, "北京云图教育集团")
    contact_create(account=other, by=org.outsider, name="陈静怡", phone="13900139000")
    return {"account": account, "deal": deal, "ticket": ticket}


def test_names_find_every_kind_the_user_may_see(org, records):
    hits = found(org.rep, "云图教育")
    assert ("company", "上海云图教育科技有限公司") in hits
    assert ("deal", "云图教育 智慧校园二期") in hits
    assert all("北京" not in title for _kind, title in hits)  # another team's company
    assert ("contact", "陈静") in found(org.rep, "陈静")
    assert ("contact", "陈静怡") not in found(org.rep, "陈静")
    assert found(org.rep, "contoso") == [("lead", "Contoso Retail Co., Ltd.")]
    assert found(org.rep, "emily zhao") == [("lead", "Contoso Retail Co., Ltd.")]
    # The outsider's manager-less view: only their own company, not the rep's.
    assert found(org.outsider, "云图教育") == [("company", "北京云图教育集团")]
    # Sales ops see everything; the exact company first among the companies.
    ops = found(org.ops, "上海云图教育科技有限公司")
    assert ops[0] == ("company", "上海云图教育科技有限公司")


@pytest.mark.parametrize(
    "typed",
    ["138 0013 8000", "13800138000", "+86 138-0013-8000", "0086 138 0013 8000", "(138) 0013"],
)
def test_a_phone_in_any_format_finds_the_contact(org, records, typed):
    assert found(org.rep, typed) == [("contact", "陈静")]


def test_phone_email_wechat_and_numbers(org, records):
    assert found(org.rep, "139 1234 5678") == [("lead", "Contoso Retail Co., Ltd.")]
    assert found(org.rep, "EMILY@contoso.example.com") == [("lead", "Contoso Retail Co., Ltd.")]
    assert found(org.rep, "chen.jing@") == [("contact", "陈静")]
    assert found(org.rep, "emilyz88") == [("lead", "Contoso Retail Co., Ltd.")]
    assert found(org.rep, "chenjing_yt") == [("contact", "陈静")]
    ticket = records["ticket"]
    assert found(org.rep, ticket.number.lower()) == [("ticket", f"{ticket.number} 校园网登录异常")]
    # Another team's person by their number: nothing.
    assert found(org.rep, "139 0013 9000") == []


def test_contracts_by_number_for_the_seller_and_legal_not_for_others(org, records):
    contract = cleared_contract(records["deal"], org.rep)
    assert found(org.rep, contract.number, kinds=["contract"]) == [("contract", contract.number)]
    assert found(org.legal, contract.number) == [("contract", contract.number)]
    assert found(org.outsider, contract.number) == []
    assert found(org.rep, contract.number[:6], kinds=["contract"]) == [
        ("contract", contract.number)
    ]


def test_the_best_match_comes_first(org):
    for name in ("杭州远航物流有限公司", "远航", "远航科技有限公司"):
        make_account(org.rep, name)
    titles = [title for _kind, title in found(org.rep, "远航")]
    assert titles[:2] == ["远航", "远航科技有限公司"]


def test_short_or_empty_words_search_nothing(org, records):
    assert search(org.rep, " 云 ").too_short
    assert search(org.rep, "").groups == []


def test_queries_do_not_grow_with_the_hits(org, records):
    for i in range(30):
        make_lead(org.rep, f"云图教育分校{i}")
    search(org.rep, "云图教育")  # the playbook read once
    with CaptureQueriesContext(connection) as few:
        search(org.rep, "云图教育")
    for i in range(30):
        make_account(org.rep, f"云图教育分部{i}")
        make_deal(org.rep, None, name=f"云图教育 项目{i}")
    with CaptureQueriesContext(connection) as many:
        results = search(org.rep, "云图教育")
    # per kind at most: the matches by index and which of them the user sees, for the keys
    # and for the names, then the records shown
    assert len(many) <= len(few) <= 5 * 6
    assert all(len(g.hits) == 5 for g in results.groups if g.kind in ("company", "lead", "deal"))
    assert all(g.more for g in results.groups if g.kind in ("company", "lead", "deal"))


def test_page_dropdown_and_api(org, records):
    client = signed_in(org.rep)
    page = client.get("/search/", {"q": "云图教育"}).content.decode()
    assert 'data-testid="search-group-company"' in page
    assert "上海云图教育科技有限公司" in page and "北京云图教育集团" not in page
    dropdown = client.get("/search/", {"q": "陈静"}, HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in dropdown
    assert f"/customers/{records['account'].pk}/#contact-" in dropdown
    nothing = client.get("/search/", {"q": "不存在的公司"}).content.decode()
    assert 'data-testid="search-nothing"' in nothing

    api = client.get("/api/v1/search", {"q": "138-0013-8000"}).json()
    assert [(i["kind"], i["title"]) for i in api["items"]] == [("contact", "陈静")]
    refused = client.get("/api/v1/search", {"q": "x"})
    assert refused.status_code == 422
    assert "q" in refused.content.decode()
    only = client.get("/api/v1/search", {"q": "云图教育", "kind": "deal"}).json()
    assert {i["kind"] for i in only["items"]} == {"deal"}


def test_the_box_is_on_every_page_for_signed_in_people_only(org, client):
    assert 'id="global-search"' in signed_in(org.rep).get("/leads/").content.decode()
    assert signed_in(make_user("nobody-search")).get("/search/", {"q": "云图"}).status_code == 200
    assert client.get("/search/", {"q": "云图"}, secure=True).status_code == 302


@pytest.mark.parametrize("typed", ["a\U0010ffff", "a\ud7ff", "WMS\x00", "\x00abc", "13805\x00"])
def test_odd_characters_are_no_error(org, records, typed):
    """Found by an outside break-test: the last code point, one before the surrogates and a
    NUL failed the prefix bounds or the database (500)."""
    client = signed_in(org.rep)
    assert client.get("/search/", {"q": typed}).status_code == 200
    assert client.get("/search/", {"q": typed}, HTTP_HX_REQUEST="true").status_code == 200
    assert client.get("/api/v1/search", {"q": typed}).status_code in (200, 422)
    search(org.rep, typed)


def test_the_newest_and_the_exact_name_are_found_among_many(org):
    account = make_account(org.rep, "宁波港物流有限公司")
    for i in range(30):
        make_deal(org.outsider, None, name=f"WMS-LIC 许可续费 {i}")
    newest = make_deal(org.rep, account, name="WMS 智能仓储升级")
    assert ("deal", "WMS 智能仓储升级") in found(org.rep, "WMS")
    assert found(org.ops, "WMS", kinds=["deal"])[0] == ("deal", "WMS 智能仓储升级")
    assert newest.pk
    page = signed_in(org.ops).get("/search/", {"q": "WMS"}).content.decode()
    assert "More match than are shown" in page or "匹配的记录多于所显示的" in page
    api = signed_in(org.ops).get("/api/v1/search", {"q": "WMS", "kind": "deal"}).json()
    assert api["more"] == ["deal"]


def test_two_characters_in_any_case_and_numbers_by_their_digits(org, records):
    assert found(org.rep, "co") == [("lead", "Contoso Retail Co., Ltd.")]
    assert found(org.rep, "EM") == [("lead", "Contoso Retail Co., Ltd.")]
    ticket = records["ticket"]
    digits = ticket.number.removeprefix("T")
    assert ("ticket", f"{ticket.number} 校园网登录异常") in found(org.rep, digits)
    short = digits.lstrip("0").rjust(2, "0")  # 000001 typed as 01
    assert ("ticket", f"{ticket.number} 校园网登录异常") in found(org.rep, short)
    contract = cleared_contract(records["deal"], org.rep)
    assert ("contract", contract.number) in found(org.rep, contract.number.removeprefix("HT"))


def test_blank_words_find_nothing_and_the_schema_names_every_kind(org):
    blank = signed_in(org.rep).get("/api/v1/search", {"q": "  \u200b "})
    assert blank.status_code == 200
    assert blank.json() == {"q": "", "items": [], "more": []}
    assert set(get_args(Kind)) == set(KINDS)
