"""The merged board looked at as a person would (issue 16 finish; decision 0027, its last part).

A member's team races on the skater page say they are the team's and stay out of the chart; the
day page keeps each race's podium per race and position (the board's memo); a Dutch page writes
every time in Dutch notation (the laps, the day page's podiums, also as its stream pushes them);
the chart's date labels do not lie on each other. Invented skaters ("Skater A" …) and the OKT
2017 demo day (scripts/demo/okt2017.py).
"""

from __future__ import annotations

import json
import re
from datetime import timedelta

from starlette.testclient import TestClient

from ledger.application import Ledger
from projections.basis import Basis
from scripts.board import views
from scripts.board.app import BoardApp
from tests.adapters.test_board import client_of
from tests.adapters.test_board import okt as okt  # the fixture: the demo day
from tests.adapters.test_board_rink import race_block
from tests.helpers import RACE_DAY, draw, race_day


def test_a_members_team_pursuit_is_labelled_the_teams_and_kept_out_of_the_progression(
        memory_app: Ledger) -> None:
    """A team's time is not the member's own (decision 0025): her row says whose it is, in both
    languages, and her chart holds her own 3000 m only."""
    comp = memory_app.schedule_competition("Team Cup", "Team Rink", RACE_DAY)
    team_race = memory_app.schedule_race(comp, None, "women", RACE_DAY, discipline="team-pursuit")
    solo = memory_app.schedule_race(comp, 3000, "women", RACE_DAY)
    names = ["Skater A", "Skater B", "Skater C", "Skater D", "Skater E", "Skater F"]
    for name in names:
        memory_app.register_skater(name, "NED")
    memory_app.name_team(team_race, "NED", names[:3], nation="NED")
    memory_app.name_team(team_race, "CAN", names[3:], nation="CAN")
    memory_app.draw_pair(team_race, 1, "NED", "CAN")
    memory_app.start(team_race, 1)
    memory_app.record_finish(team_race, "NED", 175_870)
    memory_app.record_finish(team_race, "CAN", 177_020)
    memory_app.draw_pair(solo, 1, "Skater A", None, enter=True)
    memory_app.start(solo, 1)
    memory_app.record_finish(solo, "Skater A", 238_500)
    client = client_of(memory_app)
    page = client.get("/skaters/Skater A").text
    [team_row] = re.findall(r'<tr data-race="[^"]*team-pursuit[^"]*" class="team" data-team="NED">.*?</tr>',
                            page, re.S)
    assert "team pursuit women" in team_row and '<span class="team-of">(team NED)</span>' in team_row
    assert ">2:55.87<" in team_row  # the team's time, as the list prints it beside each member
    own = re.findall(r'<tr data-race="[^"]*3000m">(.*?)</tr>', page, re.S)
    assert len(own) == 1 and "team-of" not in own[0]
    charts = re.findall(r'<figure class="chart" id="chart-(\d+)">', page)
    assert charts == ["3000"]
    assert "2:55.87" not in page[page.index('id="progression-heading"'):page.index('id="results-heading"')]
    assert 'id="team-note"' in page
    dutch = client.get("/skaters/Skater A?lang=nl").text
    assert "(ploeg NED)" in dutch and "team NED" not in dutch
    race = client.get(f"/races/{team_race}").text  # a team race's page: teams, not skaters
    assert '<th scope="col">Team</th>' in race and "NED (NED)" not in race
    assert '<th scope="col">Ploeg</th>' in client.get(f"/races/{team_race}?lang=nl").text
    member = client.get("/skaters/Skater D").text  # her one race is the team's
    assert '<span class="team-of">(team CAN)</span>' in member
    assert '<dd data-field="nation">NED</dd>' in member  # as registered, though no entrant of it


def test_the_day_pages_podiums_are_kept_per_race_and_position_and_follow_a_new_result(
        memory_app: Ledger) -> None:
    """The day page draws each race's podium from a leaderboard once per position (the board's
    memo); a new result is a new position, and its podium is drawn again."""
    key = race_day(memory_app, 500, ["Skater A", "Skater B", "Skater C", "Skater D"])
    draw(memory_app, key, ("Skater A", "Skater B"), ("Skater C", "Skater D"))
    memory_app.start(key, 1)
    memory_app.record_finish(key, "Skater A", 38_400)
    board = BoardApp(memory_app)
    slug = key.split("/")[0]

    def podium() -> list[str]:
        state = board.ledgers.competition(slug, Basis()).state
        [race] = views.day_view(state, slug, memo=board.memo)["days"].popitem()[1]
        return [p["skater"] for p in race["podium"]]
    assert podium() == ["Skater A"]
    kept = [name for name in board.memory if name.startswith(f"podium:{key}@")]
    assert len(kept) == 1
    assert podium() == ["Skater A"] and len(board.memory) == len(set(board.memory))
    memory_app.record_finish(key, "Skater B", 38_100)
    assert podium() == ["Skater B"]  # the leader while the race runs: the new position's
    assert len([name for name in board.memory if name.startswith(f"podium:{key}@")]) == 2


def test_a_dutch_page_writes_its_lap_times_in_dutch_notation_as_its_other_times(
        memory_app: Ledger) -> None:
    key = race_day(memory_app, 1000, ["Skater A", "Skater B", "Skater C", "Skater D"])
    draw(memory_app, key, ("Skater A", "Skater B"), ("Skater C", "Skater D"))
    memory_app.start(key, 1)
    memory_app.record_passing(key, "Skater A", 200, 18_000)
    memory_app.record_passing(key, "Skater A", 600, 44_900)
    memory_app.record_finish(key, "Skater A", 75_800)
    memory_app.start(key, 2)
    memory_app.record_passing(key, "Skater C", 200, 17_900)
    memory_app.record_passing(key, "Skater C", 600, 45_100)
    client = client_of(memory_app)
    dutch = client.get(f"/races/{key}?lang=nl").text
    assert '<span class="split-lap">26,90</span>' in dutch  # Skater A's lap from 200 to 600 m
    panel = dutch[dutch.index('id="pair"'):dutch.index("</section>", dutch.index('id="pair"'))]
    assert "<td>27,20</td>" in panel and "27.20" not in panel  # Skater C's lap, on the ice
    english = client.get(f"/races/{key}?lang=en").text
    assert '<span class="split-lap">26.90</span>' in english


def test_the_day_pushed_in_dutch_writes_its_podium_times_in_dutch_notation(okt: TestClient,
                                                                          memory_app: Ledger) -> None:
    """What the day page's stream sends (the hub renders the topic ``nl|day:SLUG``) has the
    times of the page it replaces: 1.15,38, not 1:15.38."""
    board = BoardApp(memory_app)
    dutch = json.loads(board.render_topic("nl|day:okt-2017").data)["html"]
    women = race_block(dutch, "okt-2017/women-1000m")
    assert '<span class="time">1.15,38</span>' in women and "1:15.38" not in dutch
    english = json.loads(board.render_topic("|day:okt-2017").data)["html"]
    assert '<span class="time">1:15.38</span>' in race_block(english, "okt-2017/women-1000m")
    page = okt.get("/competitions/okt-2017?lang=nl").text
    assert '<span class="time">1.15,38</span>' in race_block(page, "okt-2017/women-1000m")


def test_dates_a_few_days_apart_share_one_label_on_the_charts_axis(memory_app: Ledger) -> None:
    """Races on days 0, 1, 2 and 60: the labels of days 1 and 2 would lie on the first one's; the
    axis shows the first and the last date, every point is still drawn and in the table."""
    for offset, ms in ((0, 38_400), (1, 38_300), (2, 38_500), (60, 38_100)):
        key = race_day(memory_app, 500, ["Skater A"], competition=f"Cup {offset}",
                       day=RACE_DAY + timedelta(days=offset))
        memory_app.record_finish(key, "Skater A", ms)
    page = client_of(memory_app).get("/skaters/Skater A").text
    chart = page[page.index('<figure class="chart" id="chart-500">'):page.index("</figure>")]
    x_axis = re.findall(r'<g class="axis x-axis">.*?</g>', chart, re.S)[0]
    labels = re.findall(r'<text x="([\d.]+)"[^>]*>(\d{4}-\d\d-\d\d)</text>', x_axis)
    assert [d for _, d in labels] == [RACE_DAY.isoformat(), (RACE_DAY + timedelta(days=60)).isoformat()]
    assert len(re.findall(r"<circle ", chart)) == 4 and len(re.findall(r'<td class="time">', chart)) == 4
