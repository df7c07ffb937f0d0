"""The law of the board's patches (scripts/board/wire.py, decision 0028): the edits from one rendering
of a live fragment to another, applied to the first, give the second, whatever changed between them
(rows added, dropped, moved, changed; attributes; text; sections appearing and going), and a page
whose document is not the rendering they start from is told so instead of being edited wrongly.
The browser tests check that board.js applies them as :func:`scripts.board.wire.applied` does."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger.bootstrap import build_app
from scripts.board import wire
from scripts.board.app import create_app
from tests.adapters.test_board_live import a_pair_on_ice

WORDS = st.sampled_from(["Skater A", "1:07.54", "+0.05", "16.80", "DNF", "lap 3", "é & ü"])


@st.composite
def element(draw: st.DrawFn, depth: int = 0) -> str:
    """An element as the board's templates write them: some keyed by id or data-skater, some not."""
    tag = draw(st.sampled_from(["section", "div", "tr", "p", "span", "td"]))
    attributes = ""
    keyed = draw(st.sampled_from(["", "id", "data-skater", "data-at"]))
    if keyed:
        attributes += f' {keyed}="{draw(st.sampled_from(["a", "b", "c", "d"]))}"'
    if draw(st.booleans()):
        attributes += f' data-place="{draw(st.integers(1, 3))}"'
    if depth < 2 and draw(st.booleans()):
        children = draw(st.lists(element(depth + 1), max_size=4))
        inner = "\n  ".join(children)
        if draw(st.integers(0, 4)) == 0:
            inner = draw(WORDS) + " " + inner  # text beside elements: replaced whole
    else:
        inner = draw(WORDS)
    return f"<{tag}{attributes}>{inner}</{tag}>"


fragments = st.lists(element(), min_size=1, max_size=4).map("\n".join)


def unique_keys(html: str) -> bool:
    try:
        return wire.keys(wire.tree(html).children) is not None
    except wire.Unreadable:
        return False


@given(fragments.filter(unique_keys), fragments.filter(unique_keys))
def test_the_edits_applied_to_the_old_rendering_give_the_new(old: str, new: str) -> None:
    edits = wire.edits(old, new)
    assert wire.applied(old, edits) == wire.canonical(new)
    if wire.canonical(old) == wire.canonical(new) and old == new:
        assert edits == []


def renderings() -> list[str]:
    """The live fragment of a race after each fact of a pair skating it and a correction."""
    app = build_app("memory")
    key = a_pair_on_ice(app)
    board = create_app(app).state.board
    topic = f"race:sb:{key}"
    shown = [board.render_topic(topic).html]
    facts: list[Any] = [
        lambda: app.record_passing(key, "Skater A", 200, 16_800),
        lambda: app.record_passing(key, "Skater B", 200, 16_700),
        lambda: app.record_passing(key, "Skater A", 600, 42_000),
        lambda: app.record_finish(key, "Skater B", 67_600),
        lambda: app.record_finish(key, "Skater A", 67_541),
        lambda: app.declare_official(key, "Referee R")]
    for fact in facts:
        fact()
        board.ledgers.refresh()
        shown.append(board.render_topic(topic).html)
    return shown


def test_on_real_boards_the_patches_give_the_board_and_are_a_fraction_of_it() -> None:
    shown = renderings()
    for old, new in itertools.pairwise(shown):
        edits = wire.edits(old, new)
        assert wire.applied(old, edits) == wire.canonical(new)
        assert len(wire.edits(new, new)) == 0
    # rows keyed by skater: the finish that moves A above B moves B's row, it does not redraw it
    moved = wire.edits(shown[4], shown[5])
    assert any(op == "c" and 0 in value for op, _, _, value in moved)


def test_an_edit_naming_an_element_the_page_does_not_hold_is_refused() -> None:
    old, new = "<p id=\"a\">1</p><p id=\"b\">2</p>", "<p id=\"a\">1</p><p id=\"b\">3</p>"
    edits = wire.edits(old, new)
    assert edits == [["h", [1], "p", '<p id="b">3</p>']]
    with pytest.raises(LookupError):
        wire.applied("<p id=\"a\">1</p><div id=\"b\">2</div>", edits)
    with pytest.raises(wire.Unreadable):
        wire.tree("<section><p>never closed</section>")
