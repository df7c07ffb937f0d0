"""Before and after, in one run: the same work with two checkouts of skate-ledger, alternating, on the
same machine state (the machine's speed drifts from hour to hour; ratios within one run do not).

    git worktree add /tmp/before 9a5818e
    python -m scripts.bench.before_after /tmp/before . --events 50000

Each measurement runs in a fresh subprocess with PYTHONPATH set to the checkout: a generated season
into a new SQLite file (import), read_log (read + decode), a fold into a LedgerState, 300 live
commands on one 5000 m race (append p50/p99), 200 as-of answers from checkpoints. One JSON line each.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

CHILD = r'''
import json, sys, time, gc, resource
from ledger.bootstrap import build_app
try:
    from scripts.demo.generate import generate
except ImportError:  # a checkout from before scripts/demo/ (issue 13)
    from scripts.generate import generate
from projections.state import LedgerState
db, n = sys.argv[1], int(sys.argv[2])
app = build_app(db)
done = generate(app, events=n, seed=3)
imp = done.events / done.seconds
t = time.perf_counter(); k = sum(1 for _ in app.read_log()); lim = k / (time.perf_counter() - t)
t = time.perf_counter()
try:
    from projections.reading import fold as fold_log
    st = fold_log(app.read_log())
except ImportError:  # a checkout from before projections/reading.py (issue 13)
    st = LedgerState()
    for p, e in app.read_log(): st.apply(p, e)
fold = k / (time.perf_counter() - t)
# live append: 300 commands on one race of the loaded ledger
from datetime import date
lat = []
def timed(f, *a):
    s = time.perf_counter(); f(*a); lat.append((time.perf_counter() - s) * 1000)
slug = app.schedule_competition("AB Live Cup", "Rink", date(2031, 1, 1))
key = app.schedule_race(slug, 5000, "men", date(2031, 1, 1))
names = [f"AB Skater {i}" for i in range(16)]
for nm in names: app.register_skater(nm, "NED"); timed(app.enter_starter, key, nm)
for p in range(1, 9): timed(app.draw_pair, key, p, names[2*p-2], names[2*p-1])
for p in range(1, 9):
    timed(app.start, key, p)
    for m in range(200, 5000, 400):
        for lane in (0, 1): timed(app.record_passing, key, names[2*p-2+lane], m, 1500 + 72*m + 300*lane)
    for lane in (0, 1): timed(app.record_finish, key, names[2*p-2+lane], 72*5000 + 300*lane)
lat.sort()
import random
try:  # the snapshots' name since issue 13; an older checkout calls them checkpoints
    from projections.snapshots import SnapshotStore as CheckpointStore
except ImportError:
    from projections.checkpoints import CheckpointStore
from projections.basis import Basis, state_as_of
from projections.leaderboard import leaderboard
try:
    from projections.reading import state_at
except ImportError:  # a checkout from before projections/reading.py (issue 13)
    state_at = state_as_of
store = CheckpointStore.build(app)
rng = random.Random(1); q = []
for i in range(200):
    pos = store.positions[rng.randrange(store.count)]
    t = time.perf_counter(); stt = state_at(app, Basis(position=pos), store)
    keys = list(stt.race_keys)
    if keys: leaderboard(stt, rng.choice(keys))
    q.append((time.perf_counter() - t) * 1000)
q.sort()
print(json.dumps({"asof_p50_ms": q[len(q)//2], "asof_p95_ms": q[int(len(q)*0.95)],
                  "import_eps": imp, "limit_eps": lim, "fold_eps": fold, "events": k,
                  "append_p50_ms": lat[len(lat)//2], "append_p99_ms": lat[int(len(lat)*0.99)],
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss/1024}))
'''
def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m scripts.bench.before_after")
    parser.add_argument("before")
    parser.add_argument("after")
    parser.add_argument("--events", type=int, default=50_000)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    n = args.events
    for rnd in range(args.rounds):
        for label, path in (("before", os.path.abspath(args.before)),
                            ("after", os.path.abspath(args.after))):
            with tempfile.TemporaryDirectory() as d:
                env = dict(os.environ, PYTHONPATH=path)
                out = subprocess.run([sys.executable, "-c", CHILD, os.path.join(d, "ab.db"), str(n)],
                                     env=env, capture_output=True, text=True, cwd=path)
                if out.returncode:
                    sys.exit(out.stderr[-2000:])
                print(json.dumps({"code": label, "round": rnd, **json.loads(out.stdout)}), flush=True)


if __name__ == "__main__":
    main()
