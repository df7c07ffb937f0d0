"""What the rink needs on the board (issue 16, item 2; docs/decisions/0027-what-the-rink-sees.md).

The race page: the start list (every pair, its lanes, both skaters of a lane in a quartet start),
the pair on the ice and the next pair marked, pushed live when a pair is drawn; the passing times
of each skater in the results (200 m and 600 m of a 1000 m, lap times of a 5000 m); the pair panel
at the top while the pair skates. The day page: each race's status and podium (its leader while it
runs), start lists behind a <details>, a withdrawn skater marked WDR. The skater page: nation and
club as registered (nothing when not known) and a progression chart with axes, dates and times.

Real data: the OKT 2017 demo day (scripts/demo/okt2017.py) and Emando Vantage's recording of the
ladies' 1000 m, pair 4, at the 2020 European Single Distances Championships (see test_board.py).
"""

from __future__ import annotations

import re
from datetime import timedelta

import httpx
import pytest
from starlette.testclient import TestClient

from ledger.application import Ledger
from tests.adapters.test_board import LADIES, SMEDING, WOJCIK, WOMEN_1000, client_of, vantage_laps
from tests.adapters.test_board import ladies as ladies  # the fixtures: the demo day, the ladies' 1000 m
from tests.adapters.test_board import okt as okt
from tests.adapters.test_board_live import READ_TIMEOUT, events
from tests.adapters.test_board_live import live as live  # the fixture: a server and a pair on ice
from tests.helpers import RACE_DAY, draw, race_day


def start_list_rows(page: str) -> list[tuple[str, str, str]]:
    """(pair, skater, lane) of each row of the race page's start list, in order."""
    section = page[page.index('id="start-list"'):]
    section = section[:section.index("</section>")]
    found = []
    pair = ""
    for body in re.finditer(r'<tbody class="([^"]*)" data-pair="(\d*)">(.*?)</tbody>', section, re.S):
        pair = body.group(2)
        for row in re.finditer(r'<tr data-skater="([^"]+)".*?class="lane lane-(\w+)"', body.group(3), re.S):
            found.append((pair, row.group(1), row.group(2)))
    return found


def classes_of_pair(page: str, pair: int) -> str:
    found = re.search(rf'<tbody class="([^"]*)" data-pair="{pair}">', page)
    assert found is not None, f"pair {pair} is not in the start list"
    return found.group(1)


@pytest.fixture
def quartets(memory_app: Ledger) -> tuple[TestClient, str]:
    """A Division B 1000 m: pair 1 a quartet start (two skaters a lane), pair 2 an ordinary pair."""
    names = ["Skater A", "Skater B", "Skater C", "Skater D", "Skater E", "Skater F"]
    key = race_day(memory_app, 1000, names)
    memory_app.draw_quartet(key, 1, ["Skater A", "Skater B"], ["Skater C", "Skater D"])
    memory_app.draw_pair(key, 2, "Skater E", "Skater F")
    return client_of(memory_app), key


# -- the race page: the start list --------------------------------------------------------------
def test_the_start_list_shows_every_pair_with_both_skaters_of_each_lane_of_a_quartet(
        quartets: tuple[TestClient, str]) -> None:
    client, key = quartets
    page = client.get(f"/races/{key}").text
    assert start_list_rows(page) == [
        ("1", "Skater A", "inner"), ("1", "Skater B", "inner"), ("1", "Skater C", "outer"),
        ("1", "Skater D", "outer"), ("2", "Skater E", "inner"), ("2", "Skater F", "outer")]
    assert "next" in classes_of_pair(page, 1).split() and 'id="next-pair" data-pair="1"' in page


def test_the_pair_on_the_ice_and_the_next_pair_are_marked(memory_app: Ledger) -> None:
    key = race_day(memory_app, 1000, ["Skater A", "Skater B", "Skater C", "Skater D"])
    draw(memory_app, key, ("Skater A", "Skater B"), ("Skater C", "Skater D"))
    memory_app.start(key, 1)
    page = client_of(memory_app).get(f"/races/{key}").text
    assert classes_of_pair(page, 1).split() == ["pair", "on-ice"]
    assert classes_of_pair(page, 2).split() == ["pair", "next"]
    assert 'id="next-pair" data-pair="2"' in page
    memory_app.record_finish(key, "Skater A", 76_000)
    memory_app.record_finish(key, "Skater B", 77_000)
    memory_app.start(key, 2)
    memory_app.record_finish(key, "Skater C", 76_500)
    memory_app.record_finish(key, "Skater D", 77_500)
    done = client_of(memory_app).get(f"/races/{key}").text
    assert classes_of_pair(done, 1).split() == classes_of_pair(done, 2).split() == ["pair"]
    assert 'id="next-pair"' not in done  # no pair is left


def test_the_demo_lists_its_withdrawn_skater_as_wdr_and_its_unknown_lanes_as_unknown(
        okt: TestClient) -> None:
    page = okt.get("/races/okt-2017/women-5000m").text
    assert re.search(r'<tr data-skater="Ireen Wüst" data-status="WDR">.*?<abbr class="status status-wdr" '
                     r'title="withdrawn">WDR</abbr>', page, re.S)
    assert ">Laps</th>" not in page  # results from a list: no passing, no column of nothing
    assert 'class="points"' not in page  # nor links to standings at a point nobody was timed at
    at_600 = okt.get("/races/okt-2017/women-1000m", params={"at": "600"}).text
    assert "The ledger holds no passing at 600 m." in at_600 and "No results yet." not in at_600
    women = okt.get("/races/okt-2017/women-1000m").text
    # the reports give the pairs of ter Mors and of Leenstra and Wüst, never their lanes
    assert ("8", "Jorien ter Mors", "unknown") in start_list_rows(women)
    assert ("10", "Ireen Wüst", "unknown") in start_list_rows(women)


def test_drawing_a_pair_pushes_the_race_page_with_the_new_start_list(
        live: tuple[Ledger, Ledger, str, str]) -> None:
    _, recorder, key, url = live
    recorder.register_skater("Skater C")
    recorder.register_skater("Skater D")
    recorder.enter_starter(key, "Skater C")
    recorder.enter_starter(key, "Skater D")
    # whole boards (?mode=whole), to read the start list pushed; patches carry the same change
    # (tests/adapters/test_board_live.py applies them)
    with httpx.Client(timeout=READ_TIMEOUT) as client, \
            client.stream("GET", f"{url}/races/{key}/events?mode=whole") as r:
        stream = events(r)
        first = next(stream)
        assert 'data-pair="2"' not in first["json"]["html"]
        drawn = recorder.draw_pair(key, 2, "Skater C", "Skater D")
        update = next(stream)
        assert update["event"] == "board" and int(update["id"]) == drawn
        assert 'id="next-pair" data-pair="2"' in update["json"]["html"]
        assert '<tbody class="pair next" data-pair="2">' in update["json"]["html"]


def test_a_mass_start_lists_its_starters_in_one_start_without_lanes(memory_app: Ledger) -> None:
    comp = memory_app.schedule_competition("Test Cup", "Thialf", RACE_DAY)
    key = memory_app.schedule_mass_start(comp, 16, "men", RACE_DAY)
    names = ["Skater A", "Skater B", "Skater C"]
    for name in names:
        memory_app.register_skater(name)
    memory_app.enter_starters(key, names)
    memory_app.start(key, 1)
    page = client_of(memory_app).get(f"/races/{key}").text
    section = page[page.index('id="start-list"'):page.index("</section>", page.index('id="start-list"'))]
    assert re.findall(r'<tr data-skater="([^"]+)"', section) == names
    assert '<tbody class="pair on-ice" data-pair="">' in section and "mass start" in section
    assert 'class="lane' not in section and 'id="next-pair"' not in page
    day = client_of(memory_app).get(f"/competitions/{comp}").text
    assert 'race-status running">running' in day


# -- the race page: passing times, the pair panel ------------------------------------------------
def test_the_results_carry_each_skaters_200_and_600_m_times_as_the_stream_presented_them(
        ladies: TestClient) -> None:
    page = ladies.get(f"/races/{WOMEN_1000}").text
    laps = vantage_laps(LADIES)
    heads = re.findall(r'<th scope="col" class="wide time split">([^<]+)</th>', page)
    assert heads == ["200 m", "600 m"]
    for name in (SMEDING, WOJCIK):
        row = page[page.index(f'data-skater="{name}" data-rank'):]
        row = row[:row.index("</tr>")]
        for metres in (200, 600):
            cell = re.search(rf'<td class="wide time split" data-at="{metres}">([\d:.]+)', row)
            assert cell is not None, (name, metres)
            hundredths = laps[(name, metres)]["time"] // 100_000  # ticks of 100 ns, truncated
            assert cell.group(1) == f"{hundredths // 100}.{hundredths % 100:02d}", (name, metres)
    smeding = page[page.index(f'data-skater="{SMEDING}" data-rank'):]
    assert '<span class="split-lap">28.62</span>' in smeding[:smeding.index("</tr>")]  # 47.87 - 19.25


def test_standings_at_200_m_show_no_later_passing(ladies: TestClient) -> None:
    page = ladies.get(f"/races/{WOMEN_1000}", params={"at": "200"}).text
    assert 'class="wide time split">200 m</th>' in page and ">600 m</th>" not in page
    assert '<nav class="points"' in page and '<nav class="points"' in ladies.get(f"/races/{WOMEN_1000}").text


def lap_cells(page: str, skater: str) -> list[tuple[str, str]]:
    row = page[page.index(f'data-skater="{skater}" data-rank'):]
    cell = re.search(r'<td class="wide laps">(.*?)</td>', row[:row.index("</tr>")], re.S)
    assert cell is not None, skater
    return re.findall(r'data-at="(\d+)" title="[^"]*">([\d:.?]+)</span>', cell.group(1))


def test_a_long_race_shows_lap_times_in_one_column_the_last_lap_to_the_finish_included(
        memory_app: Ledger) -> None:
    key = race_day(memory_app, 5000, ["Skater A", "Skater B"])
    draw(memory_app, key, ("Skater A", "Skater B"))
    memory_app.start(key, 1)
    for metres, ms in ((200, 19_500), (600, 49_100), (1000, 79_000)):
        memory_app.record_passing(key, "Skater A", metres, ms)
    for metres in range(200, 5000, 400):  # 200 m in 19.00, then 30.00 a lap: 4600 m at 5:49.00
        memory_app.record_passing(key, "Skater B", metres, 19_000 + 30_000 * (metres // 400))
    memory_app.record_finish(key, "Skater A", 390_000)
    memory_app.record_finish(key, "Skater B", 380_000)
    page = client_of(memory_app).get(f"/races/{key}").text
    assert '<th scope="col" class="wide laps">Laps</th>' in page and "split" not in page
    # A fell short of 1400 m's passing: no last lap is known for A
    assert lap_cells(page, "Skater A") == [("200", "19.50"), ("600", "29.60"), ("1000", "29.90")]
    b = lap_cells(page, "Skater B")
    assert b[0] == ("200", "19.00") and {lap for _, lap in b[1:-1]} == {"30.00"}
    assert len(b) == 13 and b[-1] == ("5000", "31.00")  # 6:20.00 - 5:49.00


def test_the_pair_panel_is_at_the_top_while_the_pair_skates_and_below_the_results_after(
        memory_app: Ledger) -> None:
    key = race_day(memory_app, 500, ["Skater A", "Skater B"])
    draw(memory_app, key, ("Skater A", "Skater B"))
    memory_app.start(key, 1)
    memory_app.record_passing(key, "Skater A", 100, 10_200)
    racing = client_of(memory_app).get(f"/races/{key}").text
    assert racing.index('id="pair"') < racing.index('id="board"')
    memory_app.record_finish(key, "Skater A", 38_000)
    memory_app.record_finish(key, "Skater B", 38_500)
    after = client_of(memory_app).get(f"/races/{key}").text
    assert after.index('id="board"') < after.index('id="pair"')


# -- the day page -------------------------------------------------------------------------------
def race_block(page: str, key: str) -> str:
    start = page.index(f'data-race="{key}"')
    end = page.find('<article class="race"', start)
    return page[start:end if end > 0 else len(page)]


def test_the_day_page_shows_each_races_status_and_podium_with_start_lists_on_demand(
        okt: TestClient) -> None:
    day = okt.get("/competitions/okt-2017").text
    women = race_block(day, "okt-2017/women-1000m")
    assert '<span class="tag race-status provisional">provisional</span>' in women
    podium = re.findall(r'<li data-rank="(\d)">.*?>([^<]+)</a>.*?<span class="time">([\d:.]+)</span>', women)
    assert podium == [("1", "Jorien ter Mors", "1:15.38"), ("2", "Marrit Leenstra", "1:16.03"),
                      ("3", "Ireen Wüst", "1:16.29")]
    assert re.search(r'<details class="start-list"[^>]*>\s*<summary>Start list · 19 starters</summary>',
                     women)
    assert "<details open" not in day  # on demand: closed until asked
    third = race_block(day, "okt-2017/men-10000m")  # the reports name no third: no time either
    assert re.search(r'<li data-rank="3">.*?Unknown skater \(men 10000 m, place 3\)</a>'
                     r' <span class="unknown">time unknown</span></li>', third)
    wust = race_block(day, "okt-2017/women-5000m")
    assert re.search(r'data-skater="Ireen Wüst" data-status="WDR">.*?>WDR</abbr>', wust, re.S)


def test_a_running_race_shows_its_leader_and_a_race_not_begun_is_scheduled(memory_app: Ledger) -> None:
    key = race_day(memory_app, 500, ["Skater A", "Skater B", "Skater C", "Skater D"])
    draw(memory_app, key, ("Skater A", "Skater B"), ("Skater C", "Skater D"))
    client = client_of(memory_app)
    slug = key.split("/")[0]
    assert 'race-status scheduled">scheduled' in client.get(f"/competitions/{slug}").text
    assert "<ol class=\"podium\"" not in client.get(f"/competitions/{slug}").text
    memory_app.start(key, 1)
    memory_app.record_finish(key, "Skater A", 38_400)
    memory_app.record_finish(key, "Skater B", 38_100)
    day = client_of(memory_app).get(f"/competitions/{slug}").text
    assert 'race-status running">running' in day
    assert re.findall(r'<li data-rank="(\d)">', day) == ["1"]  # the leader only
    assert "Skater B" in day[day.index('<ol class="podium"'):day.index("</ol>")]
    assert 'class="next-pair" data-pair="2"' in day


# -- the skater page ------------------------------------------------------------------------------
def test_the_skater_page_has_nation_and_club_when_registered_and_nothing_invented(
        memory_app: Ledger) -> None:
    key = race_day(memory_app, 500)
    memory_app.register_skater("Skater A", "NED", club="IJsclub Thialf")
    memory_app.register_skater("Skater B")
    for name, ms in (("Skater A", 38_400), ("Skater B", 38_600)):
        memory_app.enter_starter(key, name)
        memory_app.record_finish(key, name, ms)
    client = client_of(memory_app)
    a = client.get("/skaters/Skater A").text
    assert '<dd data-field="nation">NED</dd>' in a and '<dd data-field="club">IJsclub Thialf</dd>' in a
    b = client.get("/skaters/Skater B").text
    assert 'class="about"' not in b and "Club" not in b


def test_the_progression_chart_has_axes_with_dates_and_times_and_a_table_of_them(
        memory_app: Ledger) -> None:
    for offset, ms in ((0, 38_400), (7, 38_100), (21, 38_900)):
        key = race_day(memory_app, 500, ["Skater A"], competition=f"Cup {offset}",
                       day=RACE_DAY + timedelta(days=offset))
        memory_app.record_finish(key, "Skater A", ms)
    page = client_of(memory_app).get("/skaters/Skater A").text
    chart = page[page.index('<figure class="chart" id="chart-500">'):page.index("</figure>")]
    dates = [RACE_DAY + timedelta(days=d) for d in (0, 7, 21)]
    x_labels = re.findall(r'<g class="axis x-axis">.*?</g>', chart, re.S)[0]
    assert re.findall(r">(\d{4}-\d\d-\d\d)</text>", x_labels) == [d.isoformat() for d in dates]
    y_labels = re.findall(r'<g class="axis y-axis">.*?</g>', chart, re.S)[0]
    assert re.findall(r">([\d.:]+)</text>", y_labels) == ["38.10", "38.50", "38.90"]
    dots = re.findall(r'<circle cx="([\d.]+)" cy="([\d.]+)"', chart)
    xs, ys = [float(x) for x, _ in dots], [float(y) for _, y in dots]
    assert xs == sorted(xs) and ys[1] < ys[0] < ys[2]  # later is right; faster is higher
    table = re.findall(r"<tr><td>([\d-]+)</td><td class=\"time\">([\d.]+)</td></tr>", chart)
    assert table == [(dates[0].isoformat(), "38.40"), (dates[1].isoformat(), "38.10"),
                     (dates[2].isoformat(), "38.90")]
    assert 'role="img" aria-labelledby="chart-500-title"' in chart
