"""What the tests that walk every screen share: every URL pattern of the project, concrete paths
for it, and the rules every page obeys (the visible text, the title, the ids; see
docs/subsystems/shell.md, "Screen rules")."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from django.urls import get_resolver
from django.urls.resolvers import URLPattern, URLResolver

TITLE_SUFFIX = " | 介護保険システム"


def all_url_patterns(resolver=None, prefix=""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            yield from all_url_patterns(entry, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry


def concrete_paths(resident_id: int) -> list[str]:
    """Every path with every id parameter set to ``resident_id`` (a path whose other parameters
    cannot be filled is left out)."""
    return filled_paths(dict.fromkeys(("resident_id", "run_id", "staff_id", "grant_id", "pk", "alert_id"),
                                      resident_id))


def filled_paths(values: dict[str, object]) -> list[str]:
    """Every path with its parameters (``<int:run_id>``, ``<slug:kind>``) taken from ``values``; a
    path with a parameter not in ``values`` is left out."""
    paths = []
    for pattern, _ in all_url_patterns():
        path = "/" + pattern.replace("^", "").replace("$", "")
        for match in re.findall(r"<(?:\w+:)?(\w+)>", path):
            if match in values and values[match] is not None:
                path = re.sub(rf"<(?:\w+:)?{match}>", str(values[match]), path)
        if "<" in path or "(?P" in path:
            continue  # parameters this walk cannot fill in
        paths.append(path)
    return sorted(set(paths))


# --- what a page shows ----------------------------------------------------------------------------

# Text a clerk may read in Latin letters, each with its reason. Anything else in Latin letters is
# English or an internal code.
ALLOWED_WORDS = {
    "PDF": "the format of the printed documents, as staff say it",
    "CSV": "the format of the pension insurers' files, as staff say it",
    "QR": "QRコード, the Japanese word",
    "TOTP": "the kind of authenticator app a staff member must choose (時間ベース)",
    "ID": "ID, the Japanese word for a sign-in name",
    "BPSD": "BPSD関連行為, a 行為区分 of the national primary assessment, as the certification staff say it",
}
INLINE_CODE = (
    (re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE), "an inline <script>"),
    (re.compile(r"<style\b", re.IGNORECASE), "an inline <style>"),
    (re.compile(r"\sstyle\s*=", re.IGNORECASE), "a style= attribute"),
    (re.compile(r"\son[a-z]+\s*=", re.IGNORECASE), "an on*= attribute"),
)
_FINDINGS = (
    (re.compile(r"\b[A-Za-z_][A-Za-z0-9_]*\.[A-Za-z_][A-Za-z0-9_]*\b"), "a dotted code"),
    (re.compile(r"\b[A-Za-z0-9]+_[A-Za-z0-9_]+\b"), "a snake_case code"),
    (re.compile(r"[{\[]\s*['\"]"), "a Python dict or list"),
    (re.compile(r"\+00:00|\bUTC\b|\d{2}:\d{2}:\d{2}\.\d+"), "a UTC or raw time"),
    (re.compile(r"\b(?:True|False|None)\b"), "a Python value"),
    (re.compile(r"[A-Za-z]{2,}"), "an English word"),
)


class _Page(HTMLParser):
    """The visible text of a page (text and the alt, placeholder, title and aria-label attributes;
    not scripts, styles, attribute values otherwise, nor elements marked translate="no": values
    such as a sign-in name or a file name that no language applies to), its title and its ids."""

    SKIP = frozenset({"script", "style", "template"})
    VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"})

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.title: str | None = None
        self.ids: list[str] = []
        self.references: list[tuple[str, str]] = []  # (attribute, id)
        self._stack: list[tuple[str, bool]] = []  # (tag, hidden from the text)
        self._in_title = False

    def _hidden(self) -> bool:
        return bool(self._stack) and self._stack[-1][1]

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id"):
            self.ids.append(attrs["id"])
        for name in ("aria-describedby", "aria-labelledby", "aria-controls"):
            for ref in (attrs.get(name) or "").split():
                self.references.append((name, ref))
        if tag == "label" and attrs.get("for"):
            self.references.append(("label for", attrs["for"]))
        if tag == "a" and (attrs.get("href") or "").startswith("#") and len(attrs["href"]) > 1:
            self.references.append(("href", attrs["href"][1:]))
        hidden = self._hidden() or tag in self.SKIP or attrs.get("translate") == "no"
        if not hidden:
            for name in ("alt", "placeholder", "title", "aria-label"):
                if attrs.get(name):
                    self.text.append(attrs[name])
            if tag == "input" and attrs.get("type") in {"submit", "button"} and attrs.get("value"):
                self.text.append(attrs["value"])
        if tag == "title":
            self._in_title = True
            self.title = ""
        if tag not in self.VOID:
            self._stack.append((tag, hidden))

    def handle_endtag(self, tag):
        if tag == "title":
            self._in_title = False
        for i in range(len(self._stack) - 1, -1, -1):
            if self._stack[i][0] == tag:
                del self._stack[i:]
                break

    def handle_data(self, data):
        if self._in_title:
            self.title += data
            return
        if not self._hidden() and data.strip():
            self.text.append(data)


def page_problems(html: str) -> list[str]:
    """What a staff page breaks of the screen rules: internal codes or English in its visible
    text, a title not 「画面名 | 介護保険システム」, a reference (aria-describedby, aria-labelledby,
    label for, an in-page link) to an id the page does not have, an id used twice, inline code."""
    page = _Page()
    page.feed(html)
    page.close()
    problems = []
    if not page.title or not page.title.endswith(TITLE_SUFFIX) or not page.title[: -len(TITLE_SUFFIX)].strip():
        problems.append(f"title {page.title!r} is not 「画面名 | 介護保険システム」")
    ids = set(page.ids)
    for attribute, ref in page.references:
        if ref not in ids and not (attribute == "href" and ref == "main"):
            problems.append(f"{attribute} names id {ref!r}, which the page does not have")
    seen: set[str] = set()
    for id_ in page.ids:
        if id_ in seen:
            problems.append(f"id {id_!r} used twice")
        seen.add(id_)
    for pattern, what in INLINE_CODE:
        if pattern.search(html):
            problems.append(f"{what} in the markup")
    for text in page.text:
        for pattern, what in _FINDINGS:
            for found in pattern.findall(text):
                if found in ALLOWED_WORDS:
                    continue
                problems.append(f"{what} in the visible text: {found!r} (in {text.strip()[:80]!r})")
                break
    return problems
