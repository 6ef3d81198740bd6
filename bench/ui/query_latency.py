#!/usr/bin/python3
"""Measures the UI API's list queries against a seeded `conflux service` (bench/ui/seed.py):
each query REPEAT times over one keep-alive connection, after one warm-up; prints p50, p99 and
max in milliseconds as the client sees them (request sent to body read), and the rows returned.

Usage: query_latency.py BASE_URL RUNS TASKS_PER_RUN [REPEAT]
"""
import http.client
import json
import sys
import time
import urllib.parse


def percentile(sorted_values, p):
    k = max(0, min(len(sorted_values) - 1, int(round(p / 100.0 * len(sorted_values) + 0.5)) - 1))
    return sorted_values[k]


def main():
    if len(sys.argv) not in (4, 5):
        sys.exit(__doc__)
    base = urllib.parse.urlparse(sys.argv[1])
    runs, per_run = int(sys.argv[2]), int(sys.argv[3])
    repeat = int(sys.argv[4]) if len(sys.argv) == 5 else 200
    conn = http.client.HTTPConnection(base.hostname, base.port)
    now_ms = int(time.time() * 1000)

    def get(path):
        conn.request("GET", path)
        res = conn.getresponse()
        body = res.read()
        if res.status != 200:
            raise SystemExit(f"GET {path}: {res.status} {body[:300]!r}")
        return json.loads(body)

    # The deep page: the cursor after 20 pages of 30 (what scrolling the home page asks for).
    deep = "/api/runs?_limit=30"
    for _ in range(20):
        deep = get(deep)["links"]["next"]
    mid_run = runs // 2
    queries = [
        ("first page of runs", "/api/runs?_limit=30"),
        ("home page default (30 days, 3 statuses)",
         f"/api/runs?_limit=30&_order=-ts_epoch&status=completed,failed,running&ts_epoch:ge={now_ms - 30 * 86400000}"),
        ("page 21 (links.next)", deep),
        ("flow", "/api/runs?_limit=30&flow_id=BenchFlow7"),
        ("flow page (/api/flows/F/runs)", "/api/flows/BenchFlow7/runs?_limit=100"),
        ("user", "/api/runs?_limit=30&user=user13"),
        ("status=failed", "/api/runs?_limit=30&status=failed"),
        ("status=running", "/api/runs?_limit=30&status=running"),
        ("flow + status=failed", "/api/runs?_limit=30&flow_id=BenchFlow3&status=failed"),
        ("user + status=running", "/api/runs?_limit=30&user=user20&status=running"),
        ("tag (1 in 20 runs)", "/api/runs?_limit=30&_tags=team:5"),
        ("rare tag (1 in 10,000 runs)", "/api/runs?_limit=30&_tags=experiment:42"),
        ("time window (a day, 60 days ago)",
         f"/api/runs?_limit=30&ts_epoch:ge={now_ms - 61 * 86400000}&ts_epoch:le={now_ms - 60 * 86400000}"),
        ("flow autocomplete", "/api/flows/autocomplete?flow_id:co=Flow1"),
        ("tag autocomplete", "/api/tags/autocomplete?tag:co=experiment:4"),
        ("a run's tasks", f"/api/flows/BenchFlow{mid_run % 200}/runs/{mid_run}/tasks?_limit=1000"),
    ]
    print(f"{'query':44} {'rows':>5} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}")
    worst = 0.0
    for name, path in queries:
        rows = len(get(path)["data"])  # warm-up
        times = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            conn.request("GET", path)
            res = conn.getresponse()
            res.read()
            times.append((time.perf_counter() - t0) * 1000)
        times.sort()
        p99 = percentile(times, 99)
        if not name.endswith("autocomplete") and name != "a run's tasks":
            worst = max(worst, p99)
        print(f"{name:44} {rows:>5} {percentile(times, 50):>8.2f} {p99:>8.2f} {times[-1]:>8.2f}")
    print(f"worst p99 of the run listings: {worst:.2f} ms (target: 50 ms)")


if __name__ == "__main__":
    main()
