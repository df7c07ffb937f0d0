"""The merged board on a Dutch phone (issue 16 finish; decision 0027, its last part): a team
pursuit's page and a member's page, whose Dutch words are long ("ploegenachtervolging dames
(2400 m)"), leave a 390 px phone without horizontal scroll. Invented skaters and teams.

Marked ``browser``, as tests/adapters/test_board_browser.py (whose fixtures these use).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext

from ledger.bootstrap import build_app
from tests.adapters.test_board_browser import browser as browser  # the fixtures
from tests.adapters.test_board_live import Server
from tests.adapters.test_board_rink_browser import phone as phone
from tests.helpers import RACE_DAY

pytestmark = pytest.mark.browser


def test_a_team_pursuit_and_its_members_page_leave_a_dutch_phone_without_horizontal_scroll(
        phone: BrowserContext, tmp_path: Path) -> None:
    """Dutch's long words ("ploegenachtervolging dames (2400 m)") in the skater's results and the
    pair panel's "2400 m" on one line: still 390 px wide."""
    path = str(tmp_path / "team.db")
    loader = build_app(path)
    comp = loader.schedule_competition("Team Cup", "Team Rink", RACE_DAY)
    key = loader.schedule_race(comp, None, "women", RACE_DAY, discipline="team-pursuit")
    names = ["Skater A", "Skater B", "Skater C", "Skater D", "Skater E", "Skater F"]
    for name in names:
        loader.register_skater(name, "NED")
    loader.name_team(key, "NED", names[:3], nation="NED")
    loader.name_team(key, "CAN", names[3:], nation="CAN")
    loader.draw_pair(key, 1, "NED", "CAN")
    loader.start(key, 1)
    loader.record_finish(key, "NED", 175_870)
    loader.record_finish(key, "CAN", 177_020)
    loader.close()
    app = build_app(path)
    try:
        with Server(app) as url:
            tab = phone.new_page()
            for where in (f"/races/{key}?lang=nl", "/skaters/Skater A?lang=nl"):
                tab.goto(url + where)
                width = tab.evaluate("document.documentElement.scrollWidth")
                assert width <= 390, (where, width)
            assert "(ploeg NED)" in tab.locator("td.race").first.inner_text()
    finally:
        app.close()
