"""What changed between two renderings of a live fragment, as a few edits a page applies in place
(decision 0028).

A fragment is read as a tree of elements (only what the board's templates write: quoted attributes,
no comments or scripts). Two renderings are compared element by element, siblings matched by their
key (``id``, else the ``data-`` attributes that name what an element shows: a skater, a passing
point, a pair, a race, a lap, an act; else their order among the unnamed ones). The edits
(:func:`edits`) are, in the order they must be applied:

- ``["a", path, tag, {name: value or null}]``: set (or, null, remove) attributes of an element;
- ``["h", path, tag, html]``: replace an element with this HTML (its ``outerHTML``);
- ``["c", path, tag, [old index or html, ...]]``: the element's children, in their new order: a
  number is the child it had at that index (kept, with its own edits after), a string new HTML.

A ``path`` is the element's index among its parent's element children at each level, from the
fragment's container (``[]``: the container itself; its tag is then ``""``); ``tag`` is the element's
name, so that a page whose document is not the fragment it was sent can tell and read the whole
board again. Applied to the old rendering's DOM, the edits give the new rendering's DOM (the tests
check it in the browser).
"""

from __future__ import annotations

import re
from typing import Any

import attrs

TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)((?:[^>\"']|\"[^\"]*\"|'[^']*')*)>")
ATTRIBUTE = re.compile(r"([^\s=/>]+)(?:\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s>]+)))?")
VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
                  "source", "track", "wbr"})
#: The attributes that name what an element shows, in the order they key it among its siblings.
KEYS = ("id", "data-skater", "data-at", "data-pair", "data-race", "data-lap", "data-act")
#: An edit bigger than this share of the whole fragment is not worth it: the whole board is sent.
WHOLE_SHARE = 0.5


@attrs.define(eq=False)
class Node:
    """An element of a fragment: its name, where its text starts and ends (``open_end``: after its
    start tag; ``close_start``: where its end tag starts), its attributes and its element children."""

    tag: str
    start: int
    open_end: int
    close_start: int = -1
    end: int = -1
    raw: str = ""  # the start tag's attributes, read when they are asked for
    children: list[Node] = attrs.Factory(list)
    read: dict[str, str | None] | None = None

    @property
    def attributes(self) -> dict[str, str | None]:
        if self.read is None:
            self.read = attributes_of(self.raw)
        return self.read


class Unreadable(ValueError):
    """The fragment is not the well-formed HTML the templates write."""


def tree(html: str) -> Node:
    """The fragment as a tree under a nameless root spanning all of it."""
    root = Node("", 0, 0)
    open_: list[Node] = [root]
    for match in TAG.finditer(html):
        closing, name = match.group(1) == "/", match.group(2).lower()
        if closing:
            node = open_.pop() if len(open_) > 1 else None
            if node is None or node.tag != name:
                raise Unreadable(f"</{name}> at {match.start()} closes {node.tag if node else 'nothing'}")
            node.close_start, node.end = match.start(), match.end()
            continue
        node = Node(name, match.start(), match.end(), raw=match.group(3))
        open_[-1].children.append(node)
        if name in VOID or match.group(3).rstrip().endswith("/"):
            node.close_start = node.end = match.end()
        else:
            open_.append(node)
    if len(open_) > 1:
        raise Unreadable(f"<{open_[-1].tag}> at {open_[-1].start} is never closed")
    root.close_start = root.end = len(html)
    return root


def attributes_of(text: str) -> dict[str, str | None]:
    found: dict[str, str | None] = {}
    for m in ATTRIBUTE.finditer(text.rstrip("/")):
        value = m.group(2) if m.group(2) is not None else m.group(3) if m.group(3) is not None else m.group(4)
        found[m.group(1).lower()] = value
    return found


def key_of(node: Node) -> tuple[str, ...] | None:
    for name in KEYS:
        if node.attributes.get(name) is not None:
            return (node.tag, name, str(node.attributes[name]))
    return None


def keys(children: list[Node]) -> list[tuple[str, ...]] | None:
    """The siblings' keys; None when two share one (they cannot be told apart)."""
    counts: dict[str, int] = {}
    found = []
    for child in children:
        key = key_of(child)
        if key is None:
            counts[child.tag] = counts.get(child.tag, 0) + 1
            key = (child.tag, "#", str(counts[child.tag]))
        found.append(key)
    return found if len(set(found)) == len(found) else None


def only_elements(html: str, node: Node) -> bool:
    """Whether ``node`` holds elements and, between them, only white space."""
    if not node.children:
        return False
    at = node.open_end
    for child in node.children:
        if html[at:child.start].strip():
            return False
        at = child.end
    return not html[at:node.close_start].strip()


def edits(old: str, new: str, old_tree: Node | None = None, new_tree: Node | None = None) -> list[Any]:
    """The edits that turn the DOM of fragment ``old`` into that of ``new`` (module docstring);
    their trees (:func:`tree`), when they were read already."""
    found: list[Any] = []
    diff(old, old_tree or tree(old), new, new_tree or tree(new), [], found)
    return found


def diff(old: str, a: Node, new: str, b: Node, path: list[int], found: list[Any]) -> None:
    if old[a.start:a.end] == new[b.start:b.end]:
        return
    root = not path
    if not root and (a.tag != b.tag or not only_elements(old, a) or not only_elements(new, b)):
        found.append(["h", path, b.tag, new[b.start:b.end]])
        return
    if not root and a.attributes != b.attributes:
        changed = {n: v for n, v in b.attributes.items() if a.attributes.get(n, "\0") != v}
        changed.update({n: None for n in a.attributes if n not in b.attributes})
        found.append(["a", path, b.tag, changed])
    if old[a.open_end:a.close_start] == new[b.open_end:b.close_start]:
        return
    before, after = keys(a.children), keys(b.children)
    if before is None or after is None:
        if root:
            raise Unreadable("the fragment's top elements cannot be told apart")
        found.append(["h", path, b.tag, new[b.start:b.end]])
        return
    index = {k: i for i, k in enumerate(before)}
    order: list[int | str] = [index[k] if k in index else new[c.start:c.end]
                              for k, c in zip(after, b.children, strict=True)]
    if order != list(range(len(a.children))):
        found.append(["c", path, b.tag, order])
    for i, (kept, child) in enumerate(zip(order, b.children, strict=True)):
        if isinstance(kept, int):
            diff(old, a.children[kept], new, child, [*path, i], found)


def worth_it(size: int, whole: int) -> bool:
    """Whether edits of ``size`` bytes are worth sending instead of the whole fragment's ``whole``."""
    return size <= WHOLE_SHARE * whole


# -- the edits applied, as a page applies them (for the tests, and for the curious) --------------
@attrs.define(eq=False)
class Element:
    """A mutable element: its name, attributes and content (text and elements)."""

    tag: str
    attributes: dict[str, str | None]
    content: list[Element | str]
    void: bool = False

    def elements(self) -> list[Element]:
        return [c for c in self.content if isinstance(c, Element)]

    def html(self) -> str:
        """Serialised canonically: attributes sorted, white space between elements dropped."""
        if not self.tag:
            return "".join(c if isinstance(c, str) else c.html() for c in self.content if not (
                isinstance(c, str) and not c.strip()))
        attributes = "".join(f' {n}="{v}"' if v is not None else f" {n}"
                             for n, v in sorted(self.attributes.items()))
        if self.void:
            return f"<{self.tag}{attributes}>"
        inner = [c for c in self.content if not (isinstance(c, str) and not c.strip() and self.elements())]
        return f"<{self.tag}{attributes}>" + "".join(
            c if isinstance(c, str) else c.html() for c in inner) + f"</{self.tag}>"


def element(html: str, node: Node | None = None) -> Element:
    node = tree(html) if node is None else node
    made = Element(node.tag, dict(node.attributes), [], void=node.close_start == node.open_end == node.end
                   and node.tag in VOID)
    at = node.open_end
    for child in node.children:
        if child.start > at:
            made.content.append(html[at:child.start])
        made.content.append(element(html, child))
        at = child.end
    if node.close_start > at:
        made.content.append(html[at:node.close_start])
    return made


def canonical(html: str) -> str:
    """The fragment as a DOM holds it, written one way (to compare two)."""
    return element(html).html()


def applied(old: str, found: list[Any]) -> str:
    """The fragment ``old`` with the edits ``found`` applied, canonically written; a LookupError
    when one names an element ``old`` does not have."""
    root = element(old)
    for op, path, tag, value in found:
        parent, at, target = None, -1, root
        for index in path:
            parent, at = target, index
            target = target.elements()[index]
        if path and target.tag != tag:
            raise LookupError(f"edit {op} at {path}: a <{target.tag}>, not a <{tag}>")
        if op == "a":
            for name, v in value.items():
                if v is None:
                    target.attributes.pop(name, None)
                else:
                    target.attributes[name] = v
        elif op == "h":
            assert parent is not None
            made = element(value).elements()[0]
            parent.content[parent.content.index(parent.elements()[at])] = made
        elif op == "c":
            kept = target.elements()
            target.content = [kept[v] if isinstance(v, int) else element(v).elements()[0] for v in value]
        else:
            raise LookupError(f"edit {op!r} is not one of a, h, c")
    return root.html()
