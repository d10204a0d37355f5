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
    """Every path about this resident: ``<int:resident_id>`` is them, every other id parameter a
    row found by its name (``parameter_row``: the resident's own row where the model names a
    resident); a path whose parameters cannot be filled is left out."""
    return filled_paths({"resident_id": resident_id})


# --- the rows a URL's parameters name ---------------------------------------------------------------
#
# The crawls find a record for each integer parameter of a URL pattern by the parameter's name,
# rather than from a list kept by hand: ``<int:case_id>`` names a ``Case``, ``<int:session_id>`` a
# board ``...Session``, ``<int:issue_id>`` a ``CardIssue`` (the model whose name, in snake case, is
# the parameter's stem or ends with ``_<stem>``). Where several models match, the one of the
# view's own sub-domain package wins, then its app's, then the project's (a project model over
# one of Django's); a tie left is an error naming the candidates (rename the parameter, or give
# its value). A new screen needs no entry here: only a record of its model in the crawl's world.

PROJECT_PACKAGES = ("kaigo", "audit", "eligibility", "premiums", "certification", "benefits", "linkage", "synthetic")
PARAMETER = re.compile(r"<(?:(\w+):)?(\w+)>")


def _snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()


def _candidate_models() -> list:
    from django.apps import apps

    # the change trail's event tables (django-pghistory) copy their model's rows: never a screen's record
    return [m for m in apps.get_models() if not any(f.name == "pgh_obj" for f in m._meta.get_fields())]


def parameter_model(name: str, view_module: str = ""):
    """The model an integer URL parameter names (``case_id`` -> ``Case``), judged against the
    module of the view that takes it; None when no model matches."""
    stem = name[:-3] if name.endswith("_id") else name
    package = view_module.rpartition(".")[0]  # "certification.board" of "certification.board.views"
    app = view_module.split(".")[0]

    def rank(model) -> tuple[int, int]:
        module = model.__module__
        tier = (0 if package and module.startswith(package + ".") else 1 if app and module.split(".")[0] == app
                else 2 if module.split(".")[0] in PROJECT_PACKAGES else 3)
        return tier, 0 if _snake(model.__name__) == stem else 1

    found = sorted(((rank(m), m) for m in _candidate_models()
                    if _snake(m.__name__) == stem or _snake(m.__name__).endswith("_" + stem)),
                   key=lambda item: item[0])
    if not found:
        return None
    best = [m for r, m in found if r == found[0][0]]
    if len(best) > 1:
        raise LookupError(f"<{name}> of {view_module}: several models match ({', '.join(m.__name__ for m in best)}); "
                          "give its value to the crawl or rename the parameter")
    return best[0]


def parameter_row(model, resident_id: int | None = None, *, resident_model=None):
    """The primary key a crawl puts in a URL for ``model``: with ``resident_id``, the resident
    themself (the resident model) or their newest row (a model with a foreign key to residents);
    else, or when they have none, the newest row of the model; None when it has no row."""
    rows = model._default_manager.order_by("-pk").values_list("pk", flat=True)
    if resident_id is not None and resident_model is not None:
        if model is resident_model:
            return resident_id
        key = next((f for f in model._meta.concrete_fields if f.is_relation and f.related_model is resident_model), None)
        if key is not None:
            own = rows.filter(**{key.attname: resident_id}).first()
            if own is not None:
                return own
    return rows.first()


def fill_pattern(pattern: str, view_module: str, values: dict[str, object], rows: dict) -> str:
    """The path of ``pattern`` with each parameter from ``values`` when it is there, else an integer
    parameter from ``parameter_row`` (memoised in ``rows``); a parameter it cannot fill stays as
    it is (``<slug:code>``)."""
    path = "/" + pattern.replace("^", "").replace("$", "")
    resident_model = parameter_model("resident_id")

    def fill(match: re.Match) -> str:
        converter, name = match.group(1), match.group(2)
        if values.get(name) is not None:
            return str(values[name])
        if converter != "int":
            return match.group(0)
        model = parameter_model(name, view_module)
        if model is None:
            return match.group(0)
        if model not in rows:
            rows[model] = parameter_row(model, values.get("resident_id"), resident_model=resident_model)
        return match.group(0) if rows[model] is None else str(rows[model])

    return PARAMETER.sub(fill, path)


def view_module(entry: URLPattern) -> str:
    callback = entry.callback
    return getattr(callback, "view_class", callback).__module__


def filled_paths(values: dict[str, object] | None = None) -> list[str]:
    """Every path with its parameters filled: from ``values`` (a slug such as ``kind``, or an id a
    test chooses; ``resident_id`` also picks the rows of that resident), else each integer
    parameter with an existing row of the model it names (``parameter_model``,
    ``parameter_row``). A path with a parameter left unfilled is left out."""
    values, rows, paths = values or {}, {}, []
    for pattern, entry in all_url_patterns():
        path = fill_pattern(pattern, view_module(entry), values, rows)
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
    "BMI": "the 基本チェックリスト's 問12 (BMI＝体重÷身長÷身長), as the MHLW's form prints it",
    "cm": "身長（cm）, the unit on the 基本チェックリスト",
    "kg": "体重（kg）and 問11's 「2～3kg以上」, the unit on the 基本チェックリスト",
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
