"""The discovery workspace (SOP part 2): question bank, needs, keywords, the recap the customer
confirms, talk ratio; and the decision chain (part 3) with its coverage criteria."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from salesop.core.errors import DomainError
from salesop.core.testing import confirm_recap, make_account, make_deal, tick_stage
from salesop.customers.models import Contact
from salesop.deals.discovery import services as discovery
from salesop.deals.discovery.rules import (
    RecapNeed,
    TranscriptError,
    extract_keywords,
    is_closed_question,
    recap,
    talk_ratio,
    transcript_turns,
)
from salesop.deals.models import CallTranscript, Discovery, Need, RecapLink, RecapStatus
from salesop.deals.services import GateRefused, deal_mark_lost, deal_move
from salesop.monitor.models import Notification

pytestmark = pytest.mark.django_db

ZH_NOTE = (
    "我们仓库的库存周转太慢,每月盘点要三天。旺季发货经常错发漏发,客户投诉很多。"
    "老板希望明年库存周转天数降到 30 天,库存周转是最大的问题。"
)
EN_NOTE = (
    "Our inventory turnover is slow. Stock counts take three days, and in peak season "
    "shipping errors cost us customers. Inventory turnover is the main issue for the board."
)

VTT = """WEBVTT

1
00:00:01.000 --> 00:00:05.000
<v 张伟>您目前的库存是怎么管理的?

2
00:00:05.000 --> 00:00:30.000
<v 王经理>主要用 Excel,每周盘点一次,很耗时间,
而且旺季经常出错,客户投诉也多。

NOTE this block is not speech

3
00:00:30.000 --> 00:00:33.000
<v 张伟>你们考虑过扫码枪吗?
"""


@pytest.mark.parametrize(
    ("question", "closed"),
    [
        ("您目前的库存是怎么管理的?", False),
        ("你们现在用的是 Excel 吗?", True),
        ("是否已有预算?", True),
        ("旺季哪些环节最容易出错?", False),
        ("How do you track stock today?", False),
        ("Do you have a budget?", True),
        ("Is the CFO involved?", True),
        ("What would change if nothing changed this year?", False),
    ],
)
def test_closed_questions_are_told_apart(question, closed):
    assert is_closed_question(question) is closed


def test_keywords_from_a_chinese_note_drop_stop_words():
    terms = [term for term, _weight in extract_keywords(ZH_NOTE)]
    assert "周转" in terms or "库存周转" in terms
    assert "盘点" in terms and "发货" in terms
    assert not {"我们", "希望", "的", "是"} & set(terms)


def test_keywords_from_an_english_note_keep_repeated_phrases():
    keywords = extract_keywords(EN_NOTE, limit=20)
    terms = [term for term, _weight in keywords]
    assert terms[0] == "inventory turnover"
    assert "shipping" in terms and "peak" in terms and "stock" in terms
    assert not {"our", "the", "is", "us", "and"} & set(terms)
    assert all(0 < weight <= 1 for _term, weight in keywords)


NEEDS = [
    RecapNeed("feature", "扫码出入库"),
    RecapNeed("budget", "", Decimal(300000), Decimal(500000)),
    RecapNeed("strategic_goal", "明年周转天数降到 30 天"),
    RecapNeed("hidden_pain", "旺季错发漏发"),
]


def test_recap_in_chinese():
    text = recap(NEEDS, "zh-hans")
    assert text.startswith("您的意思是")
    assert "扫码出入库" in text and "¥300,000.00" in text and "¥500,000.00" in text
    assert "旺季错发漏发" in text and text.rstrip().endswith("?")


def test_recap_in_english():
    text = recap(NEEDS, "en")
    assert text.startswith("So you want")
    assert "1. you need 扫码出入库" in text
    assert "the budget is CN¥300,000.00 to CN¥500,000.00" in text  # the yuan, as English writes it
    assert text.rstrip().endswith("?")


def test_talk_ratio_on_a_webvtt_transcript():
    ratio = talk_ratio(transcript_turns(VTT), "张伟")
    assert set(ratio.speakers) == {"张伟", "王经理"}
    assert ratio.rep_share_pct == Decimal("38.3")  # 23 of 60 characters
    assert (ratio.open_questions, ratio.closed_questions) == (1, 1)


def test_plain_transcript_with_full_width_colons():
    turns = transcript_turns("Emily: How do you ship today?\nBob： By truck, mostly.\n\n")
    assert turns == [("Emily", "How do you ship today?"), ("Bob", "By truck, mostly.")]


def test_transcript_without_speaker_labels_says_which_line():
    with pytest.raises(TranscriptError) as refused:
        transcript_turns("Emily: Hello\njust some words\n")
    assert refused.value.line == 2 and "第 2 行" in str(refused.value)


def test_transcript_upload_keeps_figures_and_refuses_without_labels(org):
    deal = make_deal(org.rep)
    stored = discovery.transcript_upload(
        deal=deal, by=org.rep, filename="call.vtt", content=VTT.encode(), rep_speaker="张伟"
    )
    assert stored.rep_share_pct == Decimal("38.3") and stored.open_questions == 1
    with pytest.raises(DomainError) as refused:
        discovery.transcript_upload(
            deal=deal, by=org.rep, filename="x.txt", content=b"no labels here", rep_speaker="me"
        )
    assert "file" in refused.value.fields and "说话人标签" in refused.value.message
    with pytest.raises(DomainError) as wrong_rep:
        discovery.transcript_upload(
            deal=deal, by=org.rep, filename="c.vtt", content=VTT.encode(), rep_speaker="李四"
        )
    assert "rep_speaker" in wrong_rep.value.fields and "王经理" in wrong_rep.value.message
    assert CallTranscript.objects.count() == 1


def test_budget_need_is_a_range_low_to_high(org):
    deal = make_deal(org.rep)
    with pytest.raises(DomainError) as no_bounds:
        discovery.need_add(deal=deal, by=org.rep, kind="budget", summary="预算")
    assert "budget_min" in no_bounds.value.fields
    with pytest.raises(DomainError) as reversed_range:
        discovery.need_add(
            deal=deal, by=org.rep, kind="budget", summary="", budget_min=Decimal(9), budget_max=1
        )
    assert "budget_max" in reversed_range.value.fields
    with pytest.raises(DomainError) as no_words:
        discovery.need_add(deal=deal, by=org.rep, kind="hidden_pain", summary="错发")
    assert "customer_words" in no_words.value.fields
    assert not Need.objects.exists()
    need = discovery.need_add(
        deal=deal, by=org.rep, kind="strategic_goal", summary="开二仓", customer_words="明年开二仓"
    )
    assert need.layer == "deep"


def test_recap_criterion_refuses_then_passes(org):
    deal = make_deal(org.rep)
    tick_stage(deal, org.rep, meet_criteria=False)
    with pytest.raises(GateRefused) as refused:
        deal_move(deal=deal, to_stage="solution", by=org.rep)
    assert [f.criterion for f in refused.value.failures] == [
        "discovery.recap_confirmed_by_customer"
    ]
    with pytest.raises(DomainError):  # nothing to recap yet
        discovery.recap_generate(deal=make_deal(org.rep, name="还没有需求"), by=org.rep)
    discovery.recap_generate(deal=deal, by=org.rep, language="zh-hans")
    with pytest.raises(GateRefused):  # written, not yet confirmed by the customer
        deal_move(deal=deal, to_stage="solution", by=org.rep)
    discovery.recap_confirm(deal=deal, by=org.rep, note="客户回邮件确认")
    with pytest.raises(GateRefused) as marked:  # the default playbook wants the customer's word
        deal_move(deal=deal, to_stage="solution", by=org.rep)
    assert "销售自行标记不算数" in marked.value.failures[0].message
    contact = Contact.objects.create(account=deal.account, name="周总")
    _link, token = discovery.recap_send(deal=deal, by=org.rep, contact=contact)
    discovery.recap_answer(token=token, confirmed=True)
    assert deal_move(deal=deal, to_stage="solution", by=org.rep).stage == "solution"


def test_a_playbook_may_accept_the_reps_mark(org):
    from salesop.playbook.services import (
        default_playbook_text,
        playbook_activate,
        playbook_version_create,
    )

    text = default_playbook_text().replace(
        "discovery.recap_confirmed_by_customer", "discovery.recap_confirmed"
    )
    version = playbook_version_create(text=text, by=org.ops, comment="the rep's mark will do")
    playbook_activate(version=version, by=org.ops)
    deal = make_deal(org.rep)
    tick_stage(deal, org.rep, meet_criteria=False)
    confirm_recap(deal, org.rep)
    assert deal_move(deal=deal, to_stage="solution", by=org.rep).stage == "solution"


def test_a_changed_recap_needs_confirming_again(org):
    deal = make_deal(org.rep)
    discovery.need_add(
        deal=deal, by=org.rep, kind="feature", summary="扫码入库", customer_words="要能扫码"
    )
    discovery.recap_generate(deal=deal, by=org.rep)
    discovery.recap_confirm(deal=deal, by=org.rep)
    unchanged = discovery.recap_generate(deal=deal, by=org.rep)
    assert unchanged.recap_status == RecapStatus.MARKED
    contact = Contact.objects.create(account=deal.account, name="周总")
    _link, token = discovery.recap_send(deal=deal, by=org.rep, contact=contact)
    edited = discovery.recap_save(
        deal=deal, by=org.rep, text=unchanged.recap_text + "\n另:需对接 ERP"
    )
    assert edited.recap_status == RecapStatus.DRAFT and edited.recap_confirmed_at is None
    with pytest.raises(DomainError) as stale:  # the link answers for the text it was sent with
        discovery.recap_answer(token=token, confirmed=True)
    assert "已有修改" in stale.value.message
    assert Discovery.objects.get(deal=deal).recap_status == RecapStatus.DRAFT
    # putting the old text back does not open the old link again: a new one must be sent
    discovery.recap_save(deal=deal, by=org.rep, text=unchanged.recap_text)
    with pytest.raises(DomainError) as closed:
        discovery.recap_answer(token=token, confirmed=True)
    assert "已过期" in closed.value.message
    assert Discovery.objects.get(deal=deal).recap_status == RecapStatus.DRAFT


def test_recap_is_emailed_and_logged(org, django_capture_on_commit_callbacks):
    deal = make_deal(org.rep)
    contact = Contact.objects.create(
        account=deal.account, name="王经理", email="wang@yc.example.cn"
    )
    discovery.need_add(
        deal=deal, by=org.rep, kind="feature", summary="扫码入库", customer_words="要能扫码"
    )
    recap = discovery.recap_generate(deal=deal, by=org.rep)
    with django_capture_on_commit_callbacks(execute=True):
        _link, token = discovery.recap_send(deal=deal, by=org.rep, contact=contact)
    assert Discovery.objects.get(deal=deal).recap_status == RecapStatus.SENT
    assert mail.outbox[0].to == ["wang@yc.example.cn"] and "扫码入库" in mail.outbox[0].body
    assert f"/support/recap/{token}/" in mail.outbox[0].body  # the link to answer it
    assert deal.activities.get(kind="email").notes == recap.recap_text
    chat_only = Contact.objects.create(account=deal.account, name="周总")  # no email: by chat
    discovery.recap_send(deal=deal, by=org.rep, contact=chat_only)
    assert len(mail.outbox) == 1 and deal.activities.filter(kind="message").count() == 1
    with pytest.raises(DomainError) as elsewhere:
        discovery.recap_send(
            deal=deal,
            by=org.rep,
            contact=Contact.objects.create(account=make_account(org.rep, "别家"), name="X"),
        )
    assert "contact" in elsewhere.value.fields and deal.recap_links.count() == 2


def test_the_customer_confirms_or_corrects_once_through_the_link(org, client):
    deal = make_deal(org.rep)
    contact = Contact.objects.create(account=deal.account, name="周总")
    discovery.need_add(
        deal=deal, by=org.rep, kind="feature", summary="扫码入库", customer_words="要能扫码"
    )
    discovery.recap_generate(deal=deal, by=org.rep, language="zh-hans")
    _link, token = discovery.recap_send(deal=deal, by=org.rep, contact=contact)
    page = client.get(f"/support/recap/{token}/")
    assert page.status_code == 200 and "扫码入库" in page.content.decode()
    empty = client.post(f"/support/recap/{token}/", {"answer": "correct", "words": "  "})
    assert empty.status_code == 422 and "用您自己的话" in empty.content.decode()
    corrected = client.post(
        f"/support/recap/{token}/", {"answer": "correct", "words": "还要对接用友 ERP"}
    )
    assert (
        corrected.status_code == 200 and 'data-testid="recap-thanks"' in corrected.content.decode()
    )
    record = Discovery.objects.get(deal=deal)
    assert record.recap_status == RecapStatus.CORRECTED
    assert record.recap_correction == "还要对接用友 ERP"
    told = Notification.objects.get(user=org.rep, kind="recap.answered")
    assert "还要对接用友 ERP" in told.title and told.url.endswith("/discovery/#recap")
    again = client.post(f"/support/recap/{token}/", {"answer": "confirm"})
    assert "已经" in again.content.decode()  # used once: the second answer changes nothing
    assert Discovery.objects.get(deal=deal).recap_status == RecapStatus.CORRECTED
    assert client.get("/support/recap/not-a-token/").status_code == 404

    discovery.recap_save(deal=deal, by=org.rep, text=record.recap_text + "\n需对接用友 ERP")
    _link, token = discovery.recap_send(deal=deal, by=org.rep, contact=contact)
    client.post(f"/support/recap/{token}/", {"answer": "confirm", "words": "对,就是这样"})
    record = Discovery.objects.get(deal=deal)
    assert record.recap_status == RecapStatus.CONFIRMED
    assert record.recap_confirmed_note == "对,就是这样" and record.recap_correction == ""
    discovery.recap_confirm(deal=deal, by=org.rep)  # the rep's mark does not replace theirs
    assert Discovery.objects.get(deal=deal).recap_status == RecapStatus.CONFIRMED


def test_an_expired_link_or_a_closed_deal_refuses_the_answer(org):
    deal = make_deal(org.rep)
    contact = Contact.objects.create(account=deal.account, name="周总")
    confirm_recap(deal, org.rep)
    link, token = discovery.recap_send(deal=deal, by=org.rep, contact=contact)
    RecapLink.objects.filter(pk=link.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    with pytest.raises(DomainError) as expired:
        discovery.recap_answer(token=token, confirmed=True)
    assert "已过期" in expired.value.message
    _link, token = discovery.recap_send(deal=deal, by=org.rep, contact=contact)
    deal_mark_lost(deal=deal, by=org.rep, reason="no_budget", note="")
    with pytest.raises(DomainError):
        discovery.recap_answer(token=token, confirmed=True)
    assert Discovery.objects.get(deal=deal).recap_status == RecapStatus.MARKED
    assert not RecapLink.objects.filter(answered_at__isnull=False).exists()


def test_keywords_keep_what_the_rep_confirmed(org):
    deal = make_deal(org.rep)
    discovery.need_add(
        deal=deal, by=org.rep, kind="hidden_pain", summary="旺季发货出错", customer_words=ZH_NOTE
    )
    tags = discovery.keywords_extract(deal=deal, by=org.rep)
    assert tags and not any(t.confirmed for t in tags)
    pain = next(t for t in tags if t.term == "发货")
    discovery.keyword_confirm(tag=pain, by=org.rep, confirmed=True, is_pain=True)
    Need.objects.filter(deal=deal).delete()
    after = discovery.keywords_extract(deal=deal, by=org.rep)
    assert [(t.term, t.is_pain) for t in after] == [("发货", True)]


def test_pain_tags_count_deals_and_wins(org):
    from salesop.deals.selectors import pain_tags

    for name in ("A", "B"):
        deal = make_deal(org.rep, name=name)
        discovery.keyword_add(deal=deal, by=org.rep, term="错发漏发", is_pain=True)
    outsider_deal = make_deal(org.outsider, account=make_account(org.outsider, "北方"))
    discovery.keyword_add(deal=outsider_deal, by=org.outsider, term="错发漏发", is_pain=True)
    assert pain_tags(org.rep) == [{"term": "错发漏发", "deals": 2, "won": 0}]


def test_question_bank_is_kept_by_sales_ops(org):
    with pytest.raises(DomainError) as refused:
        discovery.question_create(by=org.rep, text="您的目标是什么?", layer="deep")
    assert refused.value.code == "forbidden"
    closed = discovery.question_create(by=org.ops, text="你们有预算吗?", layer="surface")
    assert closed.is_open is False


def test_decision_chain_criteria_refuse_then_pass(org):
    deal = make_deal(org.rep)
    context = _context(deal)
    from salesop.playbook.registry import CRITERIA

    def unmet(name):
        return CRITERIA[name].check(context)

    assert unmet("stakeholders.decision_maker_identified")
    person = discovery.stakeholder_add(
        deal=deal,
        by=org.rep,
        role="decision_maker",
        new_contact_name="周总",
        new_contact_title="CEO",
    )
    assert not unmet("stakeholders.decision_maker_identified")
    assert unmet("stakeholders.decision_maker_engaged")
    discovery.stakeholder_engaged(stakeholder=person, by=org.rep)
    assert not unmet("stakeholders.decision_maker_engaged")
    assert unmet("stakeholders.finance_engaged")
    finance = discovery.stakeholder_add(
        deal=deal, by=org.rep, role="finance", new_contact_name="郑会计", attitude="neutral"
    )
    assert unmet("stakeholders.finance_engaged")
    discovery.stakeholder_engaged(stakeholder=finance, by=org.rep)
    assert not unmet("stakeholders.finance_engaged")


def _context(deal):
    from salesop.deals.rules import GateContext
    from salesop.deals.selectors import playbook_of

    return GateContext(deal=deal, stage=playbook_of(deal).stage(deal.stage))


def test_stakeholder_of_another_company_or_twice_is_refused(org):
    deal = make_deal(org.rep)
    stranger = Contact.objects.create(account=make_account(org.rep, "别家公司"), name="路人")
    with pytest.raises(DomainError) as other:
        discovery.stakeholder_add(deal=deal, by=org.rep, role="influencer", contact=stranger)
    assert "contact" in other.value.fields
    person = discovery.stakeholder_add(
        deal=deal, by=org.rep, role="technical", new_contact_name="吴工"
    )
    with pytest.raises(DomainError) as twice:
        discovery.stakeholder_add(deal=deal, by=org.rep, role="champion", contact=person.contact)
    assert twice.value.code == "duplicate" and deal.stakeholders.count() == 1


# --- pages -----------------------------------------------------------------------------------


@pytest.fixture
def rep(client, org):
    client.force_login(org.rep)
    return client


def test_workspace_page_and_its_forms(rep, org):
    deal = make_deal(org.rep)
    discovery.question_create(by=org.ops, text="您希望新系统首先解决什么问题?", layer="surface")
    discovery.question_create(by=org.ops, text="你们有预算吗?", layer="surface")
    page = rep.get(f"/deals/{deal.pk}/discovery/").content.decode()
    assert "您希望新系统首先解决什么问题" in page and 'data-testid="prep-brief"' in page
    assert page.count("封闭式问题") == 1  # only the yes/no question is flagged
    refused = rep.post(f"/deals/{deal.pk}/discovery/needs/", {"kind": "budget", "summary": "预算"})
    assert refused.status_code == 422 and "Need" not in refused.content.decode()[:0]
    assert not Need.objects.exists()
    saved = rep.post(
        f"/deals/{deal.pk}/discovery/needs/",
        {"kind": "hidden_pain", "summary": "旺季错发", "customer_words": "双十一就乱"},
    )
    assert saved.status_code == 302
    generated = rep.post(f"/deals/{deal.pk}/discovery/recap/generate/", {"language": "zh-hans"})
    assert generated.status_code == 302
    confirmed = rep.post(f"/deals/{deal.pk}/discovery/recap/confirm/", {"note": "会上确认"})
    assert confirmed.status_code == 302, confirmed.content.decode()
    assert Discovery.objects.get(deal=deal).recap_status == RecapStatus.MARKED
    contact = Contact.objects.create(account=deal.account, name="周总")
    sent = rep.post(f"/deals/{deal.pk}/discovery/recap/send/", {"contact": contact.pk}, follow=True)
    page = sent.content.decode()
    assert "/support/recap/" in page and "周总" in page  # the link, to pass on by chat
    assert 'data-testid="recap-links"' in page and "等待客户" in page


def test_transcript_upload_page_says_which_line(rep, org):
    from django.core.files.uploadedfile import SimpleUploadedFile

    deal = make_deal(org.rep)
    response = rep.post(
        f"/deals/{deal.pk}/discovery/transcripts/",
        {
            "file": SimpleUploadedFile("call.txt", "张伟:您好\n没有标签的一行".encode()),
            "rep_speaker": "张伟",
        },
    )
    assert response.status_code == 422
    assert "第 2 行" in response.content.decode()


def test_another_team_gets_404_everywhere(client, org):
    deal = make_deal(org.rep)
    person = discovery.stakeholder_add(
        deal=deal, by=org.rep, role="decision_maker", new_contact_name="周总"
    )
    client.force_login(org.outsider)
    assert client.get(f"/deals/{deal.pk}/discovery/").status_code == 404
    for url in (
        f"/deals/{deal.pk}/discovery/needs/",
        f"/deals/{deal.pk}/discovery/recap/confirm/",
        f"/deals/{deal.pk}/stakeholders/",
        f"/deals/{deal.pk}/stakeholders/{person.pk}/engaged/",
    ):
        assert client.post(url, {"kind": "feature"}).status_code == 404, url
    assert person.__class__.objects.get(pk=person.pk).last_engaged_at is None


def test_the_deal_audit_trail_lists_its_own_fields_not_its_related_records(rep, org):
    deal = make_deal(org.rep)
    discovery.need_add(deal=deal, by=org.rep, kind="feature", summary="扫码", customer_words="扫码")
    discovery.stakeholder_add(deal=deal, by=org.rep, role="technical", new_contact_name="吴工")
    html = rep.get(f"/deals/{deal.pk}/").content.decode()
    assert "deals.Need" not in html and "deals.Stakeholder" not in html
    assert "pricing.Quote" not in html and "stage due" not in html


def test_deal_page_shows_the_role_map_without_extra_queries_per_person(
    rep, org, django_assert_max_num_queries
):
    deal = make_deal(org.rep)
    discovery.stakeholder_add(deal=deal, by=org.rep, role="decision_maker", new_contact_name="周总")
    html = rep.get(f"/deals/{deal.pk}/").content.decode()
    assert "周总" in html and "ROI" in html  # the playbook's emphasis for decision makers
    for i in range(6):
        discovery.stakeholder_add(
            deal=deal, by=org.rep, role="user_department", new_contact_name=f"用户 {i}"
        )
    with django_assert_max_num_queries(32):  # + evidence read once each, whom an activity is
        # with, the timeline (one read per kind of event)
        rep.get(f"/deals/{deal.pk}/")


def test_workspace_query_count_does_not_grow_with_records(rep, org, django_assert_max_num_queries):
    deal = make_deal(org.rep)
    for i in range(5):
        q = discovery.question_create(by=org.ops, text=f"问题 {i} 是什么?", layer="deep")
        discovery.call_plan_add(deal=deal, by=org.rep, questions=[q])
        discovery.need_add(
            deal=deal, by=org.rep, kind="feature", summary=f"需求 {i}", customer_words="原话"
        )
        discovery.keyword_add(deal=deal, by=org.rep, term=f"词 {i}")
    with django_assert_max_num_queries(16):
        rep.get(f"/deals/{deal.pk}/discovery/")


def test_api_refuses_bad_input_with_the_field_and_hides_other_teams(client, org):
    deal = make_deal(org.rep)
    client.force_login(org.rep)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"

    def post(url, body):
        return client.post(f"/api/v1{url}", body, content_type="application/json")

    no_labels = post(
        f"/deals/{deal.pk}/transcripts", {"text": "hello there\nno labels", "rep_speaker": "me"}
    )
    assert no_labels.status_code == 422 and "Line 1" in no_labels.content.decode()
    reversed_budget = post(
        f"/deals/{deal.pk}/needs", {"kind": "budget", "budget_min": "9", "budget_max": "1"}
    )
    assert reversed_budget.status_code == 422 and "budget_max" in reversed_budget.content.decode()
    unknown_role = post(f"/deals/{deal.pk}/stakeholders", {"role": "astrologer"})
    assert unknown_role.status_code == 422
    assert not deal.stakeholders.exists() and not deal.needs.exists()
    client.force_login(org.outsider)
    assert client.get(f"/api/v1/deals/{deal.pk}/discovery").status_code == 404
    assert client.get(f"/api/v1/deals/{deal.pk}/stakeholders").status_code == 404
    hidden = post(f"/deals/{deal.pk}/needs", {"kind": "feature", "customer_words": "x"})
    assert hidden.status_code == 404


def test_confirmed_pain_tags_and_the_decision_chain_feed_the_ideal_customer_profile(org):
    from salesop.customers.profiling import _closed_deals, deal_attributes
    from salesop.deals.services import deal_mark_lost

    deal = make_deal(org.rep)
    discovery.keyword_add(deal=deal, by=org.rep, term="错发漏发", is_pain=True)
    discovery.keyword_add(deal=deal, by=org.rep, term="erp", is_pain=False)
    for role, name in (("decision_maker", "周总"), ("finance", "郑会计")):
        discovery.stakeholder_add(deal=deal, by=org.rep, role=role, new_contact_name=name)
    deal_mark_lost(deal=deal, by=org.rep, reason="price")
    (closed,) = list(_closed_deals())
    attributes = deal_attributes(closed)
    assert attributes["pain"] == ("错发漏发",)
    assert attributes["decision_chain"] == ("multi-level",)


def test_prep_brief_lists_the_companys_open_tickets(org):
    from salesop.aftersales.tickets import ticket_open
    from salesop.deals.selectors import prep_brief

    account = make_account(org.rep, "上海云仓物流有限公司")
    ticket = ticket_open(
        account=account,
        by=org.rep,
        channel="phone",
        severity="normal",
        title="扫码枪离线",
        description="3 号仓",
    )
    deal = make_deal(org.rep, account=account, name="二期扩容")
    assert prep_brief(org.rep, deal).open_tickets == [ticket]
    assert prep_brief(org.outsider, deal).open_tickets == []


def test_a_correction_holds_every_open_link_and_the_reps_mark_until_revised(org, client):
    deal = make_deal(org.rep)
    confirm_recap(deal, org.rep)
    text = Discovery.objects.get(deal=deal).recap_text
    first = Contact.objects.create(account=deal.account, name="周总")
    second = Contact.objects.create(account=deal.account, name="吴工")
    _a, token_a = discovery.recap_send(deal=deal, by=org.rep, contact=first)
    _b, token_b = discovery.recap_send(deal=deal, by=org.rep, contact=second)
    no_answer = client.post(f"/support/recap/{token_a}/", {"words": "嗯"})
    assert no_answer.status_code == 422 and Discovery.objects.get(deal=deal).recap_status == (
        RecapStatus.MARKED
    )
    discovery.recap_answer(token=token_a, confirmed=False, words="预算写错了")
    with pytest.raises(DomainError) as held:  # the other link cannot paper over it
        discovery.recap_answer(token=token_b, confirmed=True)
    assert "更正" in held.value.message
    with pytest.raises(DomainError):
        discovery.recap_confirm(deal=deal, by=org.rep)
    record = Discovery.objects.get(deal=deal)
    assert record.recap_status == RecapStatus.CORRECTED and record.recap_correction
    # A browser sends the textarea back with CRLF: the same text is no change.
    discovery.recap_save(deal=deal, by=org.rep, text=text.replace("\n", "\r\n"))
    assert Discovery.objects.get(deal=deal).recap_status == RecapStatus.CORRECTED
