"""Reading a page's HTML in tests with the standard library's parser: the elements with their
attributes and text, so that a test checks what a browser would see (ids, labels, the element an
attribute belongs to) instead of searching the markup as a string."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track",
                  "wbr"})


@dataclass
class Element:
    tag: str
    attrs: dict[str, str | None]
    parents: tuple[Element, ...] = ()
    text: list[str] = field(default_factory=list)

    def inside(self, tag: str, **attrs: str) -> Element | None:
        """The nearest enclosing element ``tag`` whose attributes include ``attrs`` (class: one of its classes)."""
        for parent in reversed(self.parents):
            if parent.tag == tag and all(
                    (value in (parent.attrs.get("class") or "").split()) if name == "class_"
                    else parent.attrs.get(name) == value for name, value in attrs.items()):
                return parent
        return None

    @property
    def content(self) -> str:
        return "".join(self.text).strip()


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[Element] = []
        self.open: list[Element] = []

    def handle_starttag(self, tag, attrs):
        element = Element(tag, dict(attrs), tuple(self.open))
        self.elements.append(element)
        if tag not in VOID:
            self.open.append(element)

    def handle_endtag(self, tag):
        for i in range(len(self.open) - 1, -1, -1):
            if self.open[i].tag == tag:
                del self.open[i:]
                break

    def handle_data(self, data):
        for element in self.open:
            element.text.append(data)


def elements(html: str) -> list[Element]:
    """Every element of ``html`` in document order."""
    collector = _Collector()
    collector.feed(html)
    collector.close()
    return collector.elements


def by_id(html: str, element_id: str) -> Element:
    found = [e for e in elements(html) if e.attrs.get("id") == element_id]
    assert len(found) == 1, f"{len(found)} elements with id {element_id!r}"
    return found[0]
