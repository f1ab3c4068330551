"""Won revenue per product on its own report page: what the deals won in the month sold, from
imported history's lines, each person seeing the deals they may see."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from salesop.core.testing import make_product
from salesop.leads.imports import import_execute
from salesop.leads.jobs import import_upload

pytestmark = pytest.mark.django_db

HISTORY = (
    "Company,Owner,Product,Outcome,Created,Closed,Amount\r\n"
    "甲公司,rep,WMS-LIC,won,2024-02-01,2024-03-05,300000\r\n"
    "乙公司,outsider,WMS-LIC,won,2024-02-01,2024-03-06,200000\r\n"
    "丙公司,outsider,TRAIN-DAY,won,2024-02-01,2024-03-07,8000\r\n"
    "丁公司,rep,TRAIN-DAY,lost,2024-02-01,2024-03-08,9000\r\n"
    "戊公司,rep,TRAIN-DAY,won,2024-02-01,2024-04-02,7000\r\n"
)


@pytest.fixture
def history(org):
    make_product()
    make_product("TRAIN-DAY", "培训服务 training day", family="service", list_price="8000")
    job = import_upload(
        by=org.ops, upload=SimpleUploadedFile("h.csv", HISTORY.encode()), channel=None,
        kind="deals",
    )  # fmt: skip
    assert import_execute(job).created_count == 5


def test_each_person_sees_what_their_won_deals_sold_in_the_month(client, org, history):
    client.force_login(org.ops)
    page = client.get("/insights/products/?month=2024-03").content.decode()
    table = page[page.index('data-testid="product-revenue"') :]
    assert table.index("WMS-LIC") < table.index("TRAIN-DAY")  # largest first
    assert "¥500,000.00" in table and "¥8,000.00" in table
    assert "¥9,000.00" not in table and "¥7,000.00" not in table  # lost; another month

    client.force_login(org.rep)  # the rep's own deals only
    table = client.get("/insights/products/?month=2024-03").content.decode()
    assert "¥300,000.00" in table and "TRAIN-DAY" not in table.split("product-revenue")[1]


def test_the_figures_download_as_a_workbook(client, org, history):
    client.force_login(org.ops)
    response = client.get("/insights/products/?month=2024-03&format=xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[1:] == [["WMS-LIC", "WMS 仓储管理系统 licence", 2, 500000],
                        ["TRAIN-DAY", "培训服务 training day", 1, 8000]]  # fmt: skip


def test_the_api_answers_the_same_figures(client, org, history):
    client.force_login(org.ops)
    answer = client.get("/api/v1/insights/products?month=2024-03").json()
    assert answer["currency"] == "CNY"
    assert [(p["code"], p["won"], p["revenue"]) for p in answer["products"]] == [
        ("WMS-LIC", 2, "500000.00"),
        ("TRAIN-DAY", 1, "8000.00"),
    ]
