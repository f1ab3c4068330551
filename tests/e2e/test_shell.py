"""A user logs in, finds their way around in both languages, and logs out."""

import re

from playwright.sync_api import expect

from salesop.core.testing import PASSWORD, make_account, make_org


def log_in(page, username):
    page.goto("/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()


def test_login_navigate_switch_language_logout(page, transactional_db):
    org = make_org()
    mine = make_account(org.rep, "上海云仓物流有限公司", industry="物流")
    make_account(org.outsider, "北京华信数据安全有限公司")

    log_in(page, "rep")
    expect(page.get_by_role("heading", name="欢迎,张伟")).to_be_visible()

    # The menu groups the areas: the companies are under "销售".
    page.get_by_test_id("nav-sales").get_by_role("button", name="销售").click()
    page.get_by_test_id("nav-sales").get_by_role("link", name="客户公司").click()
    expect(page).to_have_url(re.compile(r"/customers/$"))
    expect(page.get_by_role("link", name="上海云仓物流有限公司")).to_be_visible()
    expect(page.get_by_text("北京华信数据安全有限公司")).to_have_count(0)

    page.get_by_role("link", name="上海云仓物流有限公司").click()
    expect(page).to_have_url(re.compile(rf"/customers/{mine.pk}/$"))
    expect(page.get_by_role("heading", name="变更记录")).to_be_visible()

    page.get_by_role("button", name="EN").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", name="History")).to_be_visible()
    expect(page).to_have_url(re.compile(rf"/customers/{mine.pk}/$"))

    page.get_by_test_id("user-menu").click()
    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(re.compile(r"/login/"))
    # No CSP violation and no script error on any page visited.
    assert page.console_errors == []


def test_wrong_password_then_search_live(page, transactional_db):
    org = make_org()
    for name in (
        "杭州智造科技股份有限公司",
        "Contoso Retail Co., Ltd.",
        "苏州精工机械制造有限公司",
    ):
        make_account(org.rep, name)
    page.goto("/login/")
    page.get_by_label("用户名").fill("rep")
    page.get_by_label("密码").fill("wrong")
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("alert")).to_contain_text("用户名或密码错误")

    log_in(page, "rep")
    page.goto("/customers/")
    page.get_by_role("searchbox", name="搜索", exact=True).fill("Contoso")
    expect(page.locator("#account-rows tr")).to_have_count(1)
    expect(page.get_by_role("link", name="Contoso Retail Co., Ltd.")).to_be_visible()
    assert page.console_errors == []


def test_search_from_any_page_with_the_slash_key(page, transactional_db):
    from salesop.core.testing import make_deal, make_lead
    from salesop.customers.services import contact_create

    org = make_org()
    mine = make_account(org.rep, "上海云图教育科技有限公司", industry="教育")
    contact_create(account=mine, by=org.rep, name="陈静", phone="13800138000")
    deal = make_deal(org.rep, mine, name="云图教育 智慧校园二期")
    make_lead(org.rep, "Contoso Retail Co., Ltd.", contact_name="Emily Zhao")
    make_account(org.outsider, "北京云图教育集团")

    log_in(page, "rep")
    page.goto("/leads/")
    page.keyboard.press("/")
    box = page.get_by_role("searchbox", name="搜索客户公司、联系人、线索、商机、工单和合同")
    expect(box).to_be_focused()
    box.press_sequentially("云图教育")
    results = page.get_by_test_id("search-results")
    expect(results).to_be_visible()
    # The deal's name starts with the words, the company's only holds them: the deal first.
    expect(results.get_by_test_id("search-kind")).to_have_text(["商机", "客户公司"])
    expect(results.locator('[data-kind="company"]')).to_have_text(
        re.compile("上海云图教育科技有限公司")
    )
    expect(results.get_by_text("北京云图教育集团")).to_have_count(0)
    box.press("ArrowDown")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"/deals/{deal.pk}/$"))

    # A phone typed as people write it finds the person; Escape closes the list.
    box.fill("138-0013-8000")
    expect(results.get_by_role("link", name=re.compile("陈静"))).to_be_visible()
    results.get_by_role("link", name=re.compile("陈静")).focus()
    page.keyboard.press("Escape")
    expect(results).to_be_hidden()
    expect(box).to_have_value("138-0013-8000")  # closed, the words kept
    # Enter sends the search: the whole page of results.
    box.fill("contoso")
    box.press("Enter")
    expect(page).to_have_url(re.compile(r"/search/\?q=contoso"))
    expect(page.get_by_test_id("search-group-lead")).to_contain_text("Contoso Retail Co., Ltd.")
    assert page.console_errors == []
