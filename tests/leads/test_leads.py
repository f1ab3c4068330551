"""Leads: duplicates refused, BANT grading from the playbook, first contact before
qualification, nurture, disqualification, conversion, assignment."""

from datetime import timedelta

import pytest
from django.utils import timezone

from salesop.activities.services import activity_log
from salesop.core.errors import DomainError
from salesop.core.testing import make_channel, make_lead, make_user, signed_in, timeline_of
from salesop.customers.models import Contact
from salesop.customers.services import account_create
from salesop.leads.models import Lead, LeadEvent
from salesop.leads.rules import bant_score
from salesop.leads.services import (
    lead_assign,
    lead_convert,
    lead_create,
    lead_disqualify,
    lead_qualify,
)
from salesop.playbook.loader import yaml_data, yaml_text
from salesop.playbook.selectors import active_playbook
from salesop.playbook.services import (
    default_playbook_text,
    playbook_activate,
    playbook_version_create,
)

pytestmark = pytest.mark.django_db


def contact(lead, by):
    return activity_log(
        by=by, account=None, lead=lead, kind="call", subject="首次电话", outcome="positive"
    )


@pytest.mark.parametrize(
    ("answers", "total", "grade"),
    [
        (
            {
                "budget": "confirmed",
                "authority": "decision_maker",
                "need": "urgent_pain",
                "timeline": "within_3m",
            },
            100,
            "A",
        ),
        (
            {
                "budget": "range",
                "authority": "decision_maker",
                "need": "clear_need",
                "timeline": "within_6m",
            },
            75,
            "A",
        ),  # 18 + 25 + 17.5 + 14 = 74.5 -> 75
        (
            {
                "budget": "range",
                "authority": "influencer",
                "need": "clear_need",
                "timeline": "within_6m",
            },
            65,
            "B",
        ),
        (
            {
                "budget": "unknown",
                "authority": "influencer",
                "need": "vague",
                "timeline": "within_12m",
            },
            31,
            "C",
        ),  # 0 + 15 + 7.5 + 8 = 30.5, half up
        ({}, 0, "C"),
    ],
)
def test_bant_grade_comes_from_the_playbook_weights(org, answers, total, grade):
    score = bant_score(answers, active_playbook().bant)
    assert (score.total, score.grade) == (total, grade)
    assert sum(f.weight for f in score.factors) == 100


def test_changing_the_weights_in_the_playbook_changes_the_grade(org):
    answers = {"budget": "confirmed", "authority": "user", "need": "vague", "timeline": "none"}
    assert bant_score(answers, active_playbook().bant).grade == "C"
    data = yaml_data(default_playbook_text())
    data["bant"]["grades"] = {"a": 80, "b": 35}
    version = playbook_version_create(text=yaml_text(data), by=org.ops)
    playbook_activate(version=version, by=org.ops)
    assert bant_score(answers, active_playbook().bant).grade == "B"  # 30+5+7.5 = 42.5


def test_duplicate_person_is_refused_with_the_field(org):
    make_lead(org.rep, email="Wang@Zhizao.cn", phone="138 1234 5678")
    with pytest.raises(DomainError) as refused:
        make_lead(org.teammate, company="别的公司", email="wang@zhizao.cn")
    assert set(refused.value.fields) == {"email"}
    with pytest.raises(DomainError) as refused:
        make_lead(org.teammate, company="别的公司", phone="+86 13812345678")
    assert set(refused.value.fields) == {"phone"}
    assert Lead.objects.count() == 1


def test_lead_matching_a_known_company_is_linked_to_it(org):
    account = account_create(by=org.rep, name="杭州智造科技股份有限公司")
    lead = make_lead(org.rep, company="杭州智造科技")
    assert lead.account == account


def test_qualification_needs_a_first_contact(org):
    lead = make_lead(org.rep)
    with pytest.raises(DomainError) as refused:
        lead_qualify(lead=lead, by=org.rep, bant={"budget": "confirmed"})
    assert refused.value.code == "not_contacted"
    contact(lead, org.rep)
    lead.refresh_from_db()
    assert lead.status == "contacted" and lead.first_contacted_at is not None


def test_a_and_b_qualify_c_is_nurtured_and_grade_history_is_kept(org):
    lead = make_lead(org.rep)
    contact(lead, org.rep)
    lead.refresh_from_db()
    score = lead_qualify(
        lead=lead, by=org.rep, bant={"budget": "unknown", "authority": "user", "need": "vague"}
    )
    assert (score.grade, lead.status) == ("C", "nurturing")
    assert lead.next_touch_at > timezone.now() + timedelta(days=29)
    lead_qualify(
        lead=lead,
        by=org.rep,
        bant={
            "budget": "confirmed",
            "authority": "decision_maker",
            "need": "urgent_pain",
            "timeline": "within_3m",
        },
    )
    assert (lead.grade, lead.status, lead.next_touch_at) == ("A", "qualified", None)
    grades = list(
        LeadEvent.objects.filter(lead=lead, kind="graded").values_list("from_value", "to_value")
    )
    assert grades == [("", "C"), ("C", "A")]


def test_unknown_bant_answers_are_refused(org):
    lead = make_lead(org.rep)
    contact(lead, org.rep)
    lead.refresh_from_db()
    with pytest.raises(DomainError) as refused:
        lead_qualify(lead=lead, by=org.rep, bant={"budget": "infinite", "karma": "good"})
    assert set(refused.value.fields) == {"bant.budget", "bant.karma"}


def test_disqualify_needs_a_reason_from_the_list(org):
    lead = make_lead(org.rep)
    with pytest.raises(DomainError):
        lead_disqualify(lead=lead, by=org.rep, reason="vibes")
    lead_disqualify(lead=lead, by=org.rep, reason="unreachable")
    assert lead.status == "disqualified" and lead.followup_due_at is None


def test_qualified_lead_converts_into_a_deal_with_company_and_contact(org):
    lead = make_lead(org.rep, email="wang@zhizao.cn", industry="制造业", region="浙江")
    contact(lead, org.rep)
    lead.refresh_from_db()
    with pytest.raises(DomainError):
        lead_convert(lead=lead, by=org.rep, deal_name="MES")
    lead_qualify(
        lead=lead,
        by=org.rep,
        bant={
            "budget": "confirmed",
            "authority": "decision_maker",
            "need": "urgent_pain",
            "timeline": "within_3m",
        },
    )
    deal = lead_convert(lead=lead, by=org.rep, deal_name="MES 一期")
    assert deal.stage == "discovery" and deal.owner == org.rep
    assert deal.account.name == "杭州智造科技股份有限公司" and deal.account.industry == "制造业"
    assert Contact.objects.get(account=deal.account).email == "wang@zhizao.cn"
    assert lead.status == "converted" and deal.source_lead == lead


def test_converting_onto_another_teams_company_shows_it_to_the_rep_and_manager(org):
    """The company is known to the north team: the east rep's deal on it opens it for the rep
    and the rep's manager, and the company's trail credits the rep with the sharing."""
    from salesop.core.audit import audit_entries_for

    known = account_create(by=org.outsider, owner=org.outsider, name="杭州智造科技股份有限公司")
    lead = make_lead(org.rep)
    contact(lead, org.rep)
    lead.refresh_from_db()
    lead_qualify(lead=lead, by=org.rep, bant={"budget": "confirmed", "authority": "decision_maker"})
    deal = lead_convert(lead=lead, by=org.rep, deal_name="MES 一期")
    assert deal.account == known
    for user in (org.rep, org.manager):
        assert signed_in(user).get(f"/customers/{known.pk}/").status_code == 200
    assert signed_in(org.teammate).get(f"/customers/{known.pk}/").status_code == 404
    assert audit_entries_for(known)[0].actor == org.rep


def test_a_lead_names_a_company_its_reader_cannot_open_without_linking_it(org):
    known = account_create(by=org.outsider, owner=org.outsider, name="杭州智造科技股份有限公司")
    lead = make_lead(org.teammate)
    assert lead.account == known
    page = signed_in(org.teammate).get(f"/leads/{lead.pk}/").content.decode()
    assert known.name in page and f"/customers/{known.pk}/" not in page
    page = signed_in(org.ops).get(f"/leads/{lead.pk}/").content.decode()
    assert f"/customers/{known.pk}/" in page


def test_the_leads_first_call_and_notes_carry_over_to_the_deal_and_company(org):
    from salesop.activities.services import task_create
    from salesop.deals.selectors import prep_brief

    lead = make_lead(org.rep)
    contact(lead, org.rep)
    task_create(by=org.rep, title="寄送案例集", due_at=timezone.now(), lead=lead)
    lead.refresh_from_db()
    lead_qualify(lead=lead, by=org.rep, bant={"budget": "confirmed", "authority": "decision_maker"})
    deal = lead_convert(lead=lead, by=org.rep, deal_name="MES 一期")
    first_call = lead.activities.get()
    client = signed_in(org.rep)
    for record in (deal, deal.account):
        assert first_call.subject in timeline_of(client, record), record
    assert first_call in prep_brief(org.rep, deal).activities
    assert deal.tasks.get().title == "寄送案例集" and deal.account.tasks.count() == 1
    assert lead.activities.count() == 1  # the lead keeps its story


def test_round_robin_and_territory_assignment(org):
    channel = make_channel()
    owners = [
        lead_create(by=None, channel=channel, company_name=f"公司{i}").owner for i in range(4)
    ]
    reps = sorted([org.rep, org.teammate, org.outsider], key=lambda u: u.pk)
    assert owners == [*reps, reps[0]]
    data = yaml_data(default_playbook_text())
    data["assignment"]["territories"] = [
        {"key": "north", "team": "North China", "regions": ["北京", "天津"]}
    ]
    playbook_activate(
        version=playbook_version_create(text=yaml_text(data), by=org.ops),
        by=org.ops,
    )
    lead = lead_create(by=None, channel=channel, company_name="北京某公司", region="北京")
    assert lead.owner == org.outsider


def test_reassignment_is_for_managers_and_recorded(org):
    lead = make_lead(org.rep)
    with pytest.raises(DomainError):
        lead_assign(lead=lead, to=org.teammate, by=org.rep)
    lead_assign(lead=lead, to=org.teammate, by=org.manager)
    event = LeadEvent.objects.filter(lead=lead, kind="assigned").last()
    assert (event.from_value, event.to_value, event.by) == ("rep", "teammate", org.manager)


def test_a_manager_hands_leads_only_to_people_they_manage(org):
    """The page offered only the manager's team, the API took anyone: now both are refused
    alike, and like an id nobody has."""
    lead = make_lead(org.rep)
    for to in (org.outsider, None):
        with pytest.raises(DomainError) as refused:
            lead_assign(lead=lead, to=to, by=org.manager)
        assert refused.value.code == "owner"
    lead.refresh_from_db()
    assert lead.owner == org.rep
    lead_assign(lead=lead, to=org.outsider, by=org.ops)  # sales ops reach everyone
    lead.refresh_from_db()
    assert lead.owner == org.outsider


def test_intake_without_any_rep_goes_to_sales_ops(db):
    from salesop.accounts.models import Role
    from salesop.playbook.services import playbook_install_default

    playbook_install_default()
    ops = make_user("ops", roles=(Role.OPS,))
    lead = lead_create(by=None, channel=make_channel(), company_name="无人认领公司")
    assert lead.owner == ops


def test_editing_a_stale_lead_keeps_a_grade_given_meanwhile(org):
    from salesop.leads.services import lead_update

    lead = make_lead(org.rep)
    contact(lead, org.rep)
    stale = Lead.objects.get(pk=lead.pk)
    fresh = Lead.objects.get(pk=lead.pk)
    lead_qualify(
        lead=fresh,
        by=org.rep,
        bant={
            "budget": "confirmed",
            "authority": "decision_maker",
            "need": "urgent_pain",
            "timeline": "within_3m",
        },
    )
    lead_update(lead=stale, by=org.rep, notes="客户下周出差")
    lead.refresh_from_db()
    assert (lead.grade, lead.status, lead.notes) == ("A", "qualified", "客户下周出差")
