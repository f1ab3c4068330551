"""Objections: the library sales ops keep, and what customers raised on a deal."""

import pytest

from salesop.core.errors import DomainError
from salesop.core.testing import admin_login, make_account, make_deal
from salesop.deals.models import ObjectionEntry
from salesop.deals.objections import objection_raise, objection_resolve
from salesop.deals.proposals.selectors import anticipated_objections, objection_library
from salesop.deals.rules import GateContext
from salesop.deals.selectors import playbook_of
from salesop.playbook.registry import CRITERIA

pytestmark = pytest.mark.django_db


def _entry(category="price", industry="", objection="太贵了", **fields):
    fields.setdefault("acknowledge", "理解您对成本的关注")
    fields.setdefault("answer", "订阅制降低初始投入")
    return ObjectionEntry.objects.create(
        category=category, industry=industry, objection=objection, **fields
    )


def test_library_for_an_industry_includes_the_all_industry_answers(org):
    general = _entry()
    logistics = _entry("implementation_time", "物流", "实施太久")
    _entry("risk", "医药", "合规风险")
    _entry("timing", "", "明年再说", active=False)
    assert set(objection_library("物流")) == {general, logistics}


def test_anticipated_objections_put_the_industry_s_frequent_categories_first(org):
    account = make_account(org.rep, industry="物流")
    deal = make_deal(org.rep, account)
    _entry("price", "", "太贵了")
    _entry("implementation_time", "物流", "实施太久")
    past = make_deal(org.rep, account, name="旧商机")
    for _ in range(2):
        objection_raise(
            deal=past, by=org.rep, category="implementation_time", customer_words="上线太慢"
        )
    groups = anticipated_objections(deal)
    assert [g.category for g in groups] == ["implementation_time", "price"]
    assert groups[0].raised_in_industry == 2


def test_raise_takes_the_category_from_the_library_answer(org):
    deal = make_deal(org.rep)
    entry = _entry("competitor", objection="竞品更便宜")
    objection = objection_raise(deal=deal, by=org.rep, entry=entry, customer_words="X 家报价低")
    assert objection.category == "competitor" and not objection.resolved


def test_raise_refuses_without_words_or_category(org):
    deal = make_deal(org.rep)
    with pytest.raises(DomainError) as refused:
        objection_raise(deal=deal, by=org.rep, customer_words=" ")
    assert {"customer_words", "category"} <= set(refused.value.fields)
    assert not deal.objections.exists()


def test_resolved_needs_the_answer_used(org):
    deal = make_deal(org.rep)
    objection = objection_raise(deal=deal, by=org.rep, category="price", customer_words="贵")
    with pytest.raises(DomainError) as refused:
        objection_resolve(objection=objection, by=org.rep)
    assert "answer_used" in refused.value.fields
    objection_resolve(objection=objection, by=org.rep, answer_used="先认同,再讲三年 ROI")
    objection.refresh_from_db()
    assert objection.resolved and objection.resolved_at is not None


def test_criterion_objections_resolved_refuses_then_passes(org):
    deal = make_deal(org.rep)
    check = CRITERIA["objections.resolved"].check
    context = GateContext(deal=deal, stage=playbook_of(deal).stage("solution"))
    assert check(context) is None  # nothing raised, nothing open
    objection = objection_raise(deal=deal, by=org.rep, category="timing", customer_words="明年")
    assert "1" in check(context)
    objection_resolve(objection=objection, by=org.rep, answer_used="本月签约培训免费")
    assert check(context) is None


def test_sales_ops_maintain_the_library_in_the_admin(client, org):
    _entry()
    admin_login(client, org.ops)
    assert client.get("/admin/deals/objectionentry/").status_code == 200
    added = client.post(
        "/admin/deals/objectionentry/add/",
        {
            "category": "risk",
            "industry": "",
            "objection": "担心系统不稳定",
            "acknowledge": "稳定性确实关键",
            "answer": "99.9% 可用性承诺",
            "evidence": "",
            "active": "on",
        },
    )
    assert added.status_code == 302 and ObjectionEntry.objects.filter(category="risk").exists()
    client.force_login(org.rep)
    assert client.get("/admin/deals/objectionentry/").status_code == 302  # to the admin login
