"""The frame of every page (base.html) rendered in Python, where the template engine is the cost.

The header and the menu are on every screen: through the template engine (a URL reversal per
link, a look-up and an escape per menu entry) they cost about 1 ms of each page on the
development machine; joined here from URLs reversed once per process, a tenth of that. The same
approach as the person screens' tables (eligibility/templatetags/person_screens.py). Every text is
escaped here.
"""

from __future__ import annotations

from django import template
from django.middleware.csrf import get_token
from django.utils.safestring import SafeString

from kaigo.shell.html import escape_text as escape
from kaigo.shell.menu import fixed_url

register = template.Library()


@register.simple_tag(takes_context=True)
def site_who(context) -> SafeString:
    """The signed-in staff member, the account links and the logout form (a POST with the page's token)."""
    user = context["user"]
    # the page's token (the csrf context processor's, masked once per page; the <body> sends it too)
    token = escape(context.get("csrf_token") or get_token(context["request"]))
    return SafeString(
        '<div class="who">\n'
        f"      <span>{escape(user.display_name)}（{escape(user.get_organisation_display())}）</span>\n"
        f'      <a href="{escape(fixed_url("staff:password_change"))}">パスワード変更</a> '
        f'<a href="{escape(fixed_url("staff:otp_setup"))}">二要素認証</a>\n'
        f'      <form method="post" action="{escape(fixed_url("logout"))}" class="inline">'
        f'<input type="hidden" name="csrfmiddlewaretoken" value="{token}">'
        '<button type="submit" accesskey="q">ログアウト</button></form>\n'
        "    </div>")


@register.simple_tag(takes_context=True)
def site_menu(context) -> SafeString:
    """The <li> entries of the main menu (kaigo.shell.menu.menu_for), the current page marked."""
    path = context["request"].path
    return SafeString("".join(
        f'      <li><a href="{escape(item["url"])}"'
        + (f' accesskey="{escape(item["entry"].accesskey)}"' if item["entry"].accesskey else "")
        + (' aria-current="page"' if path == item["url"] else "")
        + f'>{escape(item["entry"].label)}</a></li>\n'
        for item in context.get("kaigo_menu", ())))
