"""What the keyboard-only browser tests share: signing in as a clerk does, by typing."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.factories import TEST_PASSWORD


def sign_in(page, live_server, username: str, password: str = TEST_PASSWORD) -> None:
    """Open the sign-in page and type the user name, Tab, the password and Enter. The user name
    field's autofocus comes after the page's load: typing before it would lose the first keys."""
    page.goto(f"{live_server.url}/login/")
    expect(page.get_by_label("ユーザー名")).to_be_focused()
    page.keyboard.type(username)
    page.keyboard.press("Tab")
    page.keyboard.type(password)
    page.keyboard.press("Enter")
