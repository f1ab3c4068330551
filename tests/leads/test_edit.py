"""Editing a lead: on the page and through the API, on the version the editor read; another
person's change meanwhile is refused, not overwritten; bad input names the field."""

import pytest

from salesop.core.testing import make_account, make_lead, signed_in
from salesop.leads.models import Lead
from salesop.playbook.selectors import active_version

pytestmark = pytest.mark.django_db


def form_of(lead: Lead, **changes) -> dict:
    data = {
        "company_name": lead.company_name,
        "contact_name": lead.contact_name,
        "title": lead.title,
        "phone": lead.phone,
        "email": lead.email,
        "wechat": lead.wechat,
        "industry": lead.industry,
        "region": lead.region,
        "employee_band": lead.employee_band,
        "notes": lead.notes,
        "budget": "" if lead.budget is None else str(lead.budget),
        "budget_currency": lead.budget_currency,
        "expected_version": lead.version,
    }
    data.update(changes)
    return data


def test_the_rep_edits_a_lead_and_only_what_changed_is_written(org):
    lead = make_lead(org.rep, phone="13800000000")
    client = signed_in(org.rep)
    page = client.get(f"/leads/{lead.pk}/")
    assert f'href="/leads/{lead.pk}/edit/"' in page.content.decode()
    form = client.get(f"/leads/{lead.pk}/edit/")
    assert 'name="expected_version"' in form.content.decode()
    saved = client.post(f"/leads/{lead.pk}/edit/", form_of(lead, title="采购总监", budget="300000"))
    assert saved.status_code == 302
    lead.refresh_from_db()
    assert lead.title == "采购总监" and str(lead.budget) == "300000.00"
    assert lead.version == 2 and lead.phone == "13800000000"


def test_an_edit_on_an_old_version_is_refused_and_changes_nothing(org):
    lead = make_lead(org.rep)
    client = signed_in(org.rep)
    read = form_of(lead, title="采购总监")
    signed_in(org.manager).patch(
        f"/api/v1/leads/{lead.pk}", {"notes": "经理补充"}, content_type="application/json"
    )
    refused = client.post(f"/leads/{lead.pk}/edit/", read)
    assert refused.status_code == 422 and "Someone else changed this lead" in (
        refused.content.decode()
    )
    lead.refresh_from_db()
    assert lead.title == "" and lead.notes == "经理补充"
    stale = client.patch(
        f"/api/v1/leads/{lead.pk}",
        {"title": "CEO", "expected_version": 1},
        content_type="application/json",
    )
    assert stale.status_code == 409


def test_bad_input_names_the_field_and_another_teams_lead_is_404(org):
    lead = make_lead(org.rep)
    client = signed_in(org.rep)
    bad = client.post(f"/leads/{lead.pk}/edit/", form_of(lead, email="not-an-email"))
    assert bad.status_code == 422 and "email" in bad.context["form"].errors
    empty = client.post(f"/leads/{lead.pk}/edit/", form_of(lead, company_name=""))
    assert empty.status_code == 422 and "company_name" in empty.context["form"].errors
    assert Lead.objects.get(pk=lead.pk).version == 1
    foreign = make_lead(org.outsider, "北京远方科技有限公司")
    assert client.get(f"/leads/{foreign.pk}/edit/").status_code == 404
    assert client.post(f"/leads/{foreign.pk}/edit/", form_of(foreign)).status_code == 404


def test_an_unchanged_save_writes_nothing_and_the_api_edits_the_band(org):
    lead = make_lead(org.rep)
    client = signed_in(org.rep)
    assert client.post(f"/leads/{lead.pk}/edit/", form_of(lead)).status_code == 302
    assert (
        client.patch(f"/api/v1/leads/{lead.pk}", {}, content_type="application/json").json()[
            "version"
        ]
        == 1
    )  # nothing changed: another editor's open form stays valid
    banded = client.patch(
        f"/api/v1/leads/{lead.pk}", {"employee_band": "50-199"}, content_type="application/json"
    )
    assert banded.status_code == 200, banded.content
    assert Lead.objects.get(pk=lead.pk).employee_band == "50-199"


def test_a_converted_lead_is_the_deals_now_and_no_longer_edited(org):
    from salesop.core.errors import DomainError
    from salesop.deals.models import Deal
    from salesop.leads.services import lead_update

    lead = make_lead(org.rep)
    lead.deal = Deal.objects.create(  # converted (how is the conversion tests' business)
        owner=org.rep,
        team=org.rep.team,
        name="MES",
        account=make_account(org.rep),
        playbook_version=active_version(),
    )
    lead.save(update_fields=["deal"])
    client = signed_in(org.rep)
    assert f"/leads/{lead.pk}/edit/" not in client.get(f"/leads/{lead.pk}/").content.decode()
    refused = client.post(f"/leads/{lead.pk}/edit/", form_of(lead, title="总监"), follow=True)
    assert "edit the deal or its company" in refused.content.decode()
    with pytest.raises(DomainError):
        lead_update(lead=lead, by=org.rep, title="总监")
    lead.refresh_from_db()
    assert lead.title != "总监"


def test_a_renamed_lead_follows_the_company_its_new_name_is(org):
    from salesop.leads.services import lead_update

    old = make_account(org.rep, "上海云仓物流有限公司")
    other = make_account(org.rep, "杭州智造科技股份有限公司")
    lead = make_lead(org.rep, company="上海云仓物流有限公司")
    assert lead.account == old
    lead_update(lead=lead, by=org.rep, company_name="杭州智造科技股份有限公司")
    lead.refresh_from_db()
    assert lead.account == other
    lead_update(lead=lead, by=org.rep, company_name="宁波新材料有限公司")  # not a customer yet
    lead.refresh_from_db()
    assert lead.account is None
