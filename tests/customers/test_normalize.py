"""Matching keys: the same company, phone or email written differently matches."""

import pytest

from salesop.core.errors import DomainError
from salesop.customers.rules import (
    employee_band,
    normalize_company,
    normalize_email,
    normalize_phone,
)
from salesop.customers.services import account_create


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("上海云仓物流有限公司", "上海云仓物流"),
        ("上海云仓物流股份有限公司", "上海云仓物流有限公司"),
        ("北京华信（集团）有限公司", "北京华信"),
        ("ＣＯＮＴＯＳＯ Co., Ltd.", "Contoso"),
        ("Contoso Group Co., Ltd.", "contoso company limited"),
        ("Acme, Inc.", "ACME INC"),
        ("Northwind Traders Ltd.", "northwind traders"),
        ("苏州 精工-机械", "苏州精工机械"),
    ],
)
def test_same_company_matches(a, b):
    assert normalize_company(a) == normalize_company(b) != ""


@pytest.mark.parametrize(
    ("a", "b"),
    [("Nico", "N"), ("华信", "华为"), ("上海云仓物流", "上海云仓科技"), ("Acme Labs", "Acme")],
)
def test_different_companies_do_not(a, b):
    assert normalize_company(a) != normalize_company(b)


@pytest.mark.parametrize(
    ("raw", "e164"),
    [
        ("13812345678", "+8613812345678"),
        ("+86 138 1234 5678", "+8613812345678"),
        ("138-1234-5678", "+8613812345678"),
        ("１３８１２３４５６７８", "+8613812345678"),
        ("0086 138 1234 5678", "+8613812345678"),
        ("(021) 6123 4567", "+862161234567"),
        ("+1 415 555 2671", "+14155552671"),
        ("12345", ""),
        ("not a phone", ""),
    ],
)
def test_phone_to_e164(raw, e164):
    assert normalize_phone(raw) == e164


def test_email_case_and_width():
    assert normalize_email(" Zhang.Wei@Example.CN ") == normalize_email("zhang.wei@example.cn")


def test_duplicate_company_is_refused_on_create(org):
    account_create(by=org.rep, name="上海云仓物流有限公司")
    with pytest.raises(DomainError) as refused:
        account_create(by=org.outsider, name="上海 云仓物流")
    assert refused.value.code == "duplicate" and "name" in refused.value.fields


@pytest.mark.parametrize(
    ("cell", "band"),
    [
        ("4,320", "1000-4999"),
        ("4320人", "1000-4999"),
        (4320.0, "1000-4999"),
        ("８５０", "200-999"),  # full-width digits, as a Chinese input method types them
        ("49", "1-49"),
        ("50 employees", "50-199"),
        ("5000+", "5000+"),
        ("120000", "5000+"),
        ("50-199", "50-199"),
        ("", ""),
        (None, ""),
        ("about fifty", None),
        ("0", None),
        ("-5", None),
    ],
)
def test_a_head_count_lands_in_its_band(cell, band):
    assert employee_band(cell) == band
