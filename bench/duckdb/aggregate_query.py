#!/usr/bin/env python3
"""DuckDB reference for `gamebench bench aggregator` (docs/benchmarks.md, "The stats aggregator").

Loads the raw events the bench wrote (CSV, one row per event) into an in-memory DuckDB table,
then times the bench's two queries over the raw events -- game_end events grouped by game and
hour -- with the same number of runs as gamebench's cube queries (after the same warm-up), and
checks DuckDB's answers against gamebench's (the CSV files gb_query_result_write wrote):

  q1  count, sum(coins_delta)                        rows, counts and sums must be equal
  q2  count, distinct players, p99 of coins_delta    rows and counts equal; distinct players
                                                     equal where gamebench is exact (up to its
                                                     threshold), else within 5 standard errors
                                                     of its HyperLogLog; p99 within the sketch's
                                                     relative accuracy of the exact lower
                                                     quantile (rank floor(0.99 (n - 1)))

q2 is timed with DuckDB's own sketches (approx_count_distinct, approx_quantile), the
like-for-like of the cube's; the exact answers used by the check are computed once, untimed.

Output, one line each, for the bench to parse:
  duckdb VERSION threads=N load_ms=X rows=N
  result q1 runs=N rows=N p50_ms=X p99_ms=X check=ok|FAIL:reason
  result q2 ...
Exit status: 0 (a failed check is reported in its line, not by the status), 2 bad arguments,
3 the duckdb module is missing (after trying the venv ~/.cache/gamebench/duckdb-venv).
"""
import argparse
import csv
import math
import os
import sys
import time
from datetime import timezone
from decimal import Decimal

VENV = os.path.expanduser("~/.cache/gamebench/duckdb-venv")

try:
    import duckdb
except ImportError:
    # Debian's python3 refuses `pip install` outside a venv: the documented venv is the fallback
    # (its python3 is a link to the system's, so it is told apart by its prefix).
    venv_python = os.path.join(VENV, "bin", "python3")
    if (os.path.exists(venv_python) and os.path.realpath(sys.prefix) != os.path.realpath(VENV)
            and not os.environ.get("GB_DUCKDB_REEXEC")):
        os.environ["GB_DUCKDB_REEXEC"] = "1"  # once: a venv without duckdb must not loop
        os.execv(venv_python, [venv_python] + sys.argv)
    print("duckdb-missing: the Python module duckdb is not installed for %s" % sys.executable)
    sys.exit(3)

HOUR = "date_trunc('hour', ts)"
QUERIES = {
    "q1": "SELECT game, " + HOUR + " AS hour, count(*) AS count, sum(coins_delta) AS sum "
          "FROM events WHERE type = 'game_end' GROUP BY ALL",
    "q2": "SELECT game, " + HOUR + " AS hour, count(*) AS count, "
          "approx_count_distinct(player_id) AS distinct_players, "
          "approx_quantile(coins_delta, 0.99) AS p99 "
          "FROM events WHERE type = 'game_end' GROUP BY ALL",
}
# The exact answers for the check of q2 (untimed): the lower quantile of the cube's sketches.
EXACT_Q2 = ("SELECT game, " + HOUR + " AS hour, count(*) AS count, "
            "count(DISTINCT player_id) AS distinct_players, "
            "list_sort(list(coins_delta))[CAST(floor(0.99 * (count(*) - 1)) AS BIGINT) + 1] "
            "AS p99 FROM events WHERE type = 'game_end' GROUP BY ALL")

WARMUP = 5  # untimed runs before the timed ones, as the bench does for gamebench


def load(con, path):
    t0 = time.perf_counter()
    con.execute(
        "CREATE TABLE events AS SELECT event_id, epoch_ms(ts_ms) AS ts, type, player_id, "
        "session_id, game, room, bet, won, score, coins_delta, coin_balance, level, amount, "
        "duration_ms FROM read_csv(?, header = true, columns = {"
        "'event_id': 'UBIGINT', 'ts_ms': 'BIGINT', 'type': 'VARCHAR', 'player_id': 'UBIGINT', "
        "'session_id': 'UBIGINT', 'game': 'VARCHAR', 'room': 'VARCHAR', 'bet': 'BIGINT', "
        "'won': 'BOOLEAN', 'score': 'BIGINT', 'coins_delta': 'BIGINT', "
        "'coin_balance': 'BIGINT', 'level': 'INTEGER', 'amount': 'DOUBLE', "
        "'duration_ms': 'BIGINT'})", [path])
    rows = con.execute("SELECT count(*) FROM events").fetchone()[0]
    return (time.perf_counter() - t0) * 1e3, rows


def quantile(sorted_values, p):
    """The project's rule (stats/gb_quantile.h, Hyndman & Fan 7), for the latencies."""
    h = (len(sorted_values) - 1) * p
    j = math.floor(h)
    g = h - j
    if g == 0 or j + 1 >= len(sorted_values):
        return sorted_values[j]
    return (1 - g) * sorted_values[j] + g * sorted_values[j + 1]


def time_query(con, sql, runs):
    for _ in range(WARMUP):
        con.execute(sql).fetchall()
    ms = []
    for _ in range(runs):
        t0 = time.perf_counter()
        con.execute(sql).fetchall()
        ms.append((time.perf_counter() - t0) * 1e3)
    ms.sort()
    return quantile(ms, 0.5), quantile(ms, 0.99)


def iso_hour(ts):
    """gamebench's time column: ISO-8601 at UTC ("2026-01-05T12:00:00Z")."""
    if ts.tzinfo is None:
        ts = ts.replace(tzinfo=timezone.utc)
    return ts.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def read_expected(path):
    with open(path, newline="") as f:
        return {(r["game"], r["time"]): r for r in csv.DictReader(f)}


def check_rows(mine, theirs):
    """Same groups on both sides; returns a reason, or None."""
    if len(mine) != len(theirs):
        return "%d rows, gamebench %d" % (len(mine), len(theirs))
    for key in mine:
        if key not in theirs:
            return "group %s/%s missing from gamebench's answer" % key
    return None


def check_q1(con, expected):
    rows = con.execute(QUERIES["q1"]).fetchall()
    mine = {(g, iso_hour(h)): (c, s) for g, h, c, s in rows}
    reason = check_rows(mine, expected)
    if reason:
        return reason
    for key, (count, total) in mine.items():
        row = expected[key]
        # The cube's sums are exact decimals of milli-units ("-1234", "9.99"): compared exactly.
        if int(row["count"]) != count or Decimal(row["sum"]) != Decimal(total):
            return "%s/%s: count %d sum %d, gamebench %s %s" % (key + (count, total, row["count"],
                                                                        row["sum"]))
    return None


def check_q2(con, expected, exact_max, hll_precision, accuracy):
    rows = con.execute(EXACT_Q2).fetchall()
    mine = {(g, iso_hour(h)): (c, d, p) for g, h, c, d, p in rows}
    reason = check_rows(mine, expected)
    if reason:
        return reason
    hll_tolerance = 5 * 1.04 / math.sqrt(2 ** hll_precision)
    worst_d = worst_p = 0.0
    for key, (count, distinct, p99) in mine.items():
        row = expected[key]
        if int(row["count"]) != count:
            return "%s/%s: count %d, gamebench %s" % (key + (count, row["count"]))
        theirs = int(row["distinct_players"])
        err = abs(theirs - distinct) / distinct
        worst_d = max(worst_d, err)
        if (distinct <= exact_max and theirs != distinct) or err > hll_tolerance:
            return "%s/%s: %d distinct players, gamebench %d" % (key + (distinct, theirs))
        got = float(row["p99"])
        # Within the sketch's accuracy, plus the 6 significant digits the answer is printed with.
        err = abs(got - p99) / abs(p99) if p99 else abs(got)
        worst_p = max(worst_p, err)
        if err > accuracy + 1e-5:
            return "%s/%s: p99 %s, gamebench %s" % (key + (p99, row["p99"]))
    print("check q2: distinct players within %.2f %% (exact up to %d), p99 within %.2f %% of the "
          "exact lower quantiles" % (100 * worst_d, exact_max, 100 * worst_p))
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--events", required=True, help="the events' CSV file (the bench writes it)")
    ap.add_argument("--runs", type=int, default=200, help="timed runs per query (default 200)")
    ap.add_argument("--q1-expect", help="gamebench's answer to q1 (CSV) to check against")
    ap.add_argument("--q2-expect", help="gamebench's answer to q2 (CSV) to check against")
    ap.add_argument("--distinct-exact-max", type=int, default=256,
                    help="the cube's exact distinct threshold (default 256)")
    ap.add_argument("--hll-precision", type=int, default=12,
                    help="the cube's HyperLogLog precision (default 12)")
    ap.add_argument("--quantile-accuracy", type=float, default=0.01,
                    help="the cube's relative quantile accuracy (default 0.01)")
    ap.add_argument("--threads", type=int, default=0,
                    help="DuckDB threads (default 0: DuckDB's default, every core)")
    args = ap.parse_args()
    if args.runs < 1:
        ap.error("--runs must be >= 1")

    con = duckdb.connect()
    if args.threads:
        con.execute("SET threads = %d" % args.threads)
    threads = con.execute("SELECT current_setting('threads')").fetchone()[0]
    load_ms, n = load(con, args.events)
    print("duckdb %s threads=%s load_ms=%.0f rows=%d" % (duckdb.__version__, threads, load_ms, n))
    for name in ("q1", "q2"):
        p50, p99 = time_query(con, QUERIES[name], args.runs)
        n_rows = len(con.execute(QUERIES[name]).fetchall())
        expect = getattr(args, name + "_expect")
        status = "unchecked"
        if expect:
            if name == "q1":
                reason = check_q1(con, read_expected(expect))
            else:
                reason = check_q2(con, read_expected(expect), args.distinct_exact_max,
                                  args.hll_precision, args.quantile_accuracy)
            status = "ok" if reason is None else "FAIL:" + reason.replace(" ", "_")
        print("result %s runs=%d rows=%d p50_ms=%.4f p99_ms=%.4f check=%s" %
              (name, args.runs, n_rows, p50, p99, status))
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
