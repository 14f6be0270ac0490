"""Administration in a real browser (Debian's Chromium driven by Playwright) against a
real ``likeness serve``: an admin creates an account, which logs in from another browser;
creates an API key for it, shown once, which works on the API until the admin revokes it;
and disables the account, whose session ends and whose login is then refused."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from likeness.domain.account import Role
from tests.api_world import World, bearer
from tests.integration.test_portal_browser import browser, log_in, served  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def log_in_as(page: Any, base: str, username: str, password: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def test_an_admin_creates_an_account_and_a_key_then_disables_the_account(
    served: tuple[World, str],  # noqa: F811
    browser: Any,  # noqa: F811
) -> None:
    from playwright.sync_api import expect

    world, base = served
    admin = browser.new_context().new_page()
    log_in(admin, base, "admin")
    admin.get_by_role("link", name="Administration").first.click()
    admin.get_by_role("link", name="Accounts and API keys").click()
    admin.get_by_label(re.compile("^Name")).fill("Cy Casting")
    admin.get_by_label("Role", exact=True).select_option(label="Production")
    admin.get_by_label(re.compile("Production it belongs to")).select_option(
        label="The Long Night (Northlight)"
    )
    admin.get_by_label(re.compile("^Username")).fill("cy.casting")
    admin.get_by_role("button", name="Create the account").click()
    expect(admin.get_by_role("heading", name="Account created")).to_be_visible()
    password = admin.locator("#new-password").inner_text()
    assert len(password) >= 12

    # The new account logs in from a browser of its own and sees its production.
    theirs = browser.new_context().new_page()
    log_in_as(theirs, base, "cy.casting", password)
    theirs.wait_for_url(re.compile(r".*/portal$"))
    expect(theirs.locator("main")).to_contain_text("The Long Night")

    admin.get_by_role("link", name=re.compile("Cy Casting: role, API keys")).click()
    expect(admin.locator("#account-role")).to_have_text("Production")
    admin.get_by_label(re.compile("What the new key is for")).fill("render farm")
    admin.get_by_role("button", name="Create an API key").click()
    expect(admin.get_by_text("This is the only time it is shown.")).to_be_visible()
    token = admin.get_by_label("The new API key").input_value()
    assert token.startswith("llk_")
    assert token not in admin.url

    api = httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"})
    me = api.get("/v1/me")
    assert me.status_code == 200
    assert (me.json()["name"], me.json()["role"]) == ("Cy Casting", Role.PRODUCTION.value)

    admin.get_by_role("link", name="Back to Cy Casting").click()
    assert token not in admin.content()  # shown once only
    keys = admin.locator("#keys")
    expect(keys).to_contain_text("render farm")
    keys.get_by_role("button", name=re.compile("Revoke the key render farm")).click()
    expect(admin.locator(".flash")).to_contain_text("revoked")
    expect(keys).to_contain_text("revoked")
    refused = api.get("/v1/me")
    assert refused.status_code == 401
    assert "was revoked" in refused.text

    # Revoking a key signed the account out too; it logs in again, then is disabled.
    log_in_as(theirs, base, "cy.casting", password)
    theirs.wait_for_url(re.compile(r".*/portal$"))
    admin.get_by_role("button", name="Disable the account").click()
    expect(admin.locator(".flash")).to_contain_text("signed out everywhere")
    expect(admin.locator("#account-state")).to_contain_text("disabled since")

    theirs.reload()
    theirs.wait_for_url(re.compile(r".*/login\?ended=account_disabled$"))
    expect(theirs.locator("main")).to_contain_text("the account was disabled")
    log_in_as(theirs, base, "cy.casting", password)
    expect(theirs.locator(".flash.error")).to_contain_text("this account is disabled")
    assert "/login" in theirs.url
    listed = httpx.get(f"{base}/v1/accounts", headers=bearer(world.tokens["admin"])).json()
    [cy] = [a for a in listed if a["name"] == "Cy Casting"]
    assert cy["disabled_at"] is not None


def test_an_admin_sets_a_role_and_revokes_a_key_with_the_keyboard_alone(
    served: tuple[World, str],  # noqa: F811
    browser: Any,  # noqa: F811
) -> None:
    from playwright.sync_api import expect

    world, base = served
    page = browser.new_page()
    log_in(page, base, "admin")
    page.goto(f"{base}/portal/admin/accounts/{world.accounts['auditor']}")
    page.focus("#new-role")
    page.keyboard.press("End")  # the last role: Administrator
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")  # past the performer picker to the production one
    assert page.evaluate("document.activeElement.id") == "new-production_id"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "set-role"
    page.keyboard.press("Enter")
    expect(page.locator("#account-role")).to_have_text("Administrator")
    expect(page.locator(".flash")).to_contain_text("auditor is now: Administrator")

    # Tab from the label field reaches the button that creates the key.
    page.focus("#label")
    page.keyboard.type("nightly export")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "create-key"
    page.keyboard.press("Enter")
    expect(page.get_by_text("This is the only time it is shown.")).to_be_visible()
    page.goto(f"{base}/portal/admin/accounts/{world.accounts['auditor']}")
    revoke = page.get_by_role("button", name=re.compile("Revoke the key nightly export"))
    revoke.focus()
    page.keyboard.press("Enter")
    expect(page.locator(".flash")).to_contain_text("API key 'nightly export'")
    expect(page.locator("#keys")).to_contain_text("revoked")
