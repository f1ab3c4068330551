"""Merging two duplicate companies keeps everything that hung on either: every record of every
app that points at a company moves to the surviving one, or the merge is refused naming what
blocks it."""

from datetime import timedelta

import pytest
from auditlog.models import LogEntry
from django.utils import timezone

from salesop.accounts.models import Role
from salesop.activities.services import activity_log, task_create
from salesop.aftersales.growth import account_churn, stage_set
from salesop.aftersales.models import (
    AccountGrowth,
    DeliveryProject,
    Opportunity,
    OpportunitySource,
    Ticket,
)
from salesop.aftersales.revisits import revisits_plan
from salesop.aftersales.selectors import portal_account
from salesop.aftersales.surveys import survey_send
from salesop.aftersales.tickets import portal_link_create, ticket_open
from salesop.core.errors import DomainError
from salesop.core.testing import (
    make_account,
    make_deal,
    make_lead,
    make_user,
    sign_contract,
    tick_stage,
)
from salesop.customers import merging
from salesop.customers.models import Account, AccountMerge, Contact
from salesop.customers.services import account_merge
from salesop.deals.models import Deal
from salesop.deals.services import deal_move

pytestmark = pytest.mark.django_db


def test_merge_moves_deals_contacts_activities_and_is_recorded(client, org):
    keep = make_account(org.rep, "上海云仓物流有限公司")
    dup = make_account(org.teammate, "上海云仓", industry="物流", region="上海")
    deal = make_deal(org.teammate, account=dup)
    Contact.objects.create(account=dup, name="周经理")
    activity_log(by=org.teammate, account=dup, kind="call", subject="电话", outcome="neutral")
    with pytest.raises(DomainError):
        account_merge(keep=keep, merge=dup, by=org.rep)  # a rep may not merge
    client.force_login(org.manager)
    response = client.post(
        f"/api/v1/accounts/{keep.pk}/merge", {"other_id": dup.pk}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    assert not Account.objects.filter(pk=dup.pk).exists()
    deal.refresh_from_db()
    keep.refresh_from_db()
    assert deal.account == keep and keep.industry == "物流" and keep.contacts.count() == 1
    assert keep.activities.count() == 1
    record = AccountMerge.objects.get()
    assert record.merged_name == "上海云仓" and record.moved["deals"] == 1
    assert org.teammate in keep.shared_with.all()  # the duplicate's owner still sees it


def test_merge_of_a_foreign_company_is_404(client, org):
    keep = make_account(org.rep, "A 公司")
    foreign = make_account(org.outsider, "A 公司北方")
    client.force_login(org.manager)
    response = client.post(
        f"/api/v1/accounts/{keep.pk}/merge",
        {"other_id": foreign.pk},
        content_type="application/json",
    )
    assert response.status_code == 404
    assert Account.objects.filter(pk=foreign.pk).exists()


def test_company_import_matches_by_normalised_name(org, django_capture_on_commit_callbacks):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from salesop.leads.jobs import import_start, import_upload

    existing = make_account(org.rep, "上海云仓物流有限公司")
    existing.normalized_name = "上海云仓物流"
    existing.save()
    content = (
        "公司名称,行业,客户等级,负责人\r\n"
        "上海云仓物流,物流,重点客户,rep\r\n"
        "杭州智造科技股份有限公司,制造业,战略客户,rep\r\n"
        "坏数据公司,,白金,rep\r\n"
    ).encode()
    job = import_upload(
        by=org.ops, upload=SimpleUploadedFile("a.csv", content), channel=None, kind="accounts"
    )
    with django_capture_on_commit_callbacks(execute=True):
        import_start(
            job=job,
            by=org.ops,
            mapping=job.mapping,
            dedupe="merge",
            all_or_nothing=False,
            dry_run=False,
        )
    job.refresh_from_db()
    assert (job.created_count, job.merged_count, job.error_count) == (1, 1, 1)
    existing.refresh_from_db()
    assert existing.industry == "物流"
    assert Account.objects.get(name="杭州智造科技股份有限公司").tier == "strategic"


def test_every_relation_to_a_company_has_a_merge_policy():
    """A new model pointing at Account must say what a merge does with its rows (move them,
    keep the survivor's, or refuse): otherwise the merge deletes them with the duplicate, or
    answers 500 on a protected one."""
    relations = {merging.relation_key(r) for r in merging.account_relations()}
    assert relations - set(merging.POLICY) == set(), "add these to customers/merging.py POLICY"
    assert set(merging.POLICY) - relations == set(), "POLICY names relations that are gone"


def _in_delivery(org, account):
    """`account` with a record of every kind that points at a company: a won deal with its
    contract, hand-over and delivery project, a ticket, the customer link, a survey, revisits,
    a growth opportunity, a stage, a churn, a contact, a lead, an activity, a task, and an
    earlier merge of its own."""
    for username, role in (
        ("pm", Role.PROJECT_MANAGER),
        ("tech", Role.TECH_SUPPORT),
        ("csm", Role.CUSTOMER_SUCCESS),
    ):
        make_user(username, team=org.sales, roles=(role,))
    deal = make_deal(
        org.rep, account=account, expected_close_date=timezone.localdate() + timedelta(days=30)
    )
    for target in ("solution", "negotiation", "contracting"):
        tick_stage(deal, org.rep)
        deal_move(deal=deal, to_stage=target, by=org.rep)
    tick_stage(deal, org.rep, meet_criteria=False)
    sign_contract(deal, org.rep)
    project = DeliveryProject.objects.get(deal=deal)
    ticket = ticket_open(
        account=account, by=org.rep, channel="phone", severity="high", title="无法登录",
        description="仓库终端登录失败", project=project,
    )  # fmt: skip
    token = portal_link_create(account=account, by=org.rep)
    survey_send(by=org.rep, trigger="ticket", ticket=ticket)
    revisits_plan(account=account, by=org.rep)
    Opportunity.objects.create(
        account=account,
        source=OpportunitySource.RECOMMENDATION,
        reason="同行都买了",
        created_by=org.rep,
    )
    stage_set(account=account, by=org.manager, stage="at_risk", reason="工单超时")
    account_churn(account=account, by=org.rep, reason="price")
    Contact.objects.create(account=account, name="周经理")
    lead = make_lead(org.rep, company=f"{account.name} 分公司")
    lead.account = account
    lead.save(update_fields=["account"])
    activity_log(by=org.rep, account=account, kind="call", subject="回访", outcome="neutral")
    task_create(
        by=org.rep, title="寄送发票", due_at=timezone.now() + timedelta(days=2), account=account
    )
    earlier = make_account(org.rep, f"{account.name}(旧)")
    account_merge(keep=account, merge=earlier, by=org.manager)
    return token


def _counts(account) -> dict[str, int]:
    return {
        merging.relation_key(r): r.related_model._base_manager.filter(
            **{r.field.name: account}
        ).count()
        for r in merging.account_relations()
    }


@pytest.mark.parametrize("way", ["page", "api"])
def test_a_company_in_delivery_merges_with_every_record_moved_and_audited(client, org, way):
    keep = make_account(org.rep, "上海云仓物流有限公司")
    stage_set(account=keep, by=org.manager, stage="stable")
    keep_ticket = ticket_open(
        account=keep, by=org.rep, channel="email", severity="normal", title="发票抬头",
        description="请更正", project=None,
    )  # fmt: skip
    dup = make_account(org.teammate, "上海云仓", industry="物流")
    token = _in_delivery(org, dup)
    before_keep, before_dup = _counts(keep), _counts(dup)
    missing = [key for key, n in before_dup.items() if not n]
    assert missing == [], f"the duplicate holds no {missing}: build one in _in_delivery"
    read = {  # the versions forms opened on the duplicate's records hold
        model: dict(model.objects.filter(account=dup).values_list("pk", "version"))
        for model in (Deal, Ticket, DeliveryProject)
    }

    org.manager.language = "en"
    org.manager.save()
    client.force_login(org.manager)
    if way == "page":
        response = client.post(f"/customers/{keep.pk}/merge/", {"other": dup.pk}, follow=True)
        assert response.status_code == 200
        assert "上海云仓 was merged into this company." in response.content.decode()
    else:
        response = client.post(
            f"/api/v1/accounts/{keep.pk}/merge", {"other_id": dup.pk},
            content_type="application/json",
        )  # fmt: skip
        assert response.status_code == 200, response.content

    assert not Account.objects.filter(pk=dup.pk).exists()
    after = _counts(keep)
    growth = "aftersales.AccountGrowth.account"
    before_keep["customers.AccountMerge.kept"] += 1  # this merge's own record
    for key, policy in merging.POLICY.items():
        if policy == merging.MOVE:
            assert after[key] == before_keep[key] + before_dup[key], key
    assert after[growth] == 1 and AccountGrowth.objects.get(account=keep).stage == "stable"
    record = AccountMerge.objects.get(kept=keep, merged_id=dup.pk)
    assert record.moved["tickets"] == 1 and record.moved["projects"] == 1
    assert record.moved["surveys"] == 1 and record.moved["churns"] == 1
    dropped = record.moved["not_moved"]["growth"]  # kept in the record, not lost silently
    assert dropped["dropped"]["stage"] == "at_risk" and dropped["dropped"]["reason"] == "工单超时"
    # The delivery keeps running on the surviving company: its project, its customer link.
    project = DeliveryProject.objects.get(account=keep)
    assert project.deal.account == keep and project.handover.account == keep
    assert portal_account(token) == keep
    assert set(Ticket.objects.filter(account=keep)) >= {keep_ticket}
    # Each moved row's own trail says so, by the manager.
    moved_ticket = Ticket.objects.filter(account=keep).exclude(pk=keep_ticket.pk).get()
    entry = LogEntry.objects.get_for_object(moved_ticket).filter(changes__icontains="account")
    assert entry.exists() and entry.first().actor == org.manager
    # and each moved record's version moved: a form opened before the merge answers 409
    # instead of writing the old company back
    for model, versions in read.items():
        assert versions, model
        stored = dict(model.objects.filter(pk__in=versions).values_list("pk", "version"))
        assert stored == {pk: version + 1 for pk, version in versions.items()}, model


def test_a_record_that_cannot_move_refuses_the_merge_naming_it(client, org, monkeypatch):
    """A relation without a policy (a model added later) refuses, in the page and the API,
    naming the records, and nothing moves: not a 500, not a silent delete."""
    monkeypatch.delitem(merging.POLICY, "aftersales.Churn.account")
    keep = make_account(org.rep, "上海云仓物流有限公司")
    dup = make_account(org.teammate, "上海云仓")
    deal = make_deal(org.teammate, account=dup)
    account_churn(account=dup, by=org.rep, reason="price")
    org.manager.language = "en"
    org.manager.save()
    client.force_login(org.manager)
    response = client.post(
        f"/api/v1/accounts/{keep.pk}/merge", {"other_id": dup.pk}, content_type="application/json"
    )
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "merge_blocked"
    assert body["detail"] == (
        "上海云仓 cannot be merged: these of its records cannot be moved to another company: "
        "1 × churn."
    )
    page = client.post(f"/customers/{keep.pk}/merge/", {"other": dup.pk}, follow=True)
    assert "1 × churn." in page.content.decode()
    deal.refresh_from_db()
    assert deal.account == dup and dup.churns.count() == 1
    assert not AccountMerge.objects.exists()
