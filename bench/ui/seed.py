#!/usr/bin/python3
"""Seeds a `conflux service` database with synthetic runs for bench/ui/run: RUNS runs over 200
flows and 50 users, TASKS_PER_RUN tasks each (one step per task), with the stored state the
service keeps (status, end time, current step, owner) and the run_tags side table.

Statuses: 85% completed, 10% failed, 5% running (their heartbeat is fresh). Tags: every run has
"user:<owner>" and "team:<0..19>"; one run in a hundred has "experiment:<0..99>" (a rare tag).
Runs are spread over the last 90 days.

The rows are generated inside the database (a recursive CTE in SQLite, generate_series in
PostgreSQL), so seeding 10,000,000 tasks takes minutes, not hours.

Usage: seed.py sqlite FILE RUNS TASKS_PER_RUN
       seed.py postgresql URL RUNS TASKS_PER_RUN     (runs psql)
"""
import subprocess
import sys
import time

DAY_MS = 86400 * 1000


def sql_for(dialect, runs, tasks_per_run, now_ms):
    start = now_ms - 90 * DAY_MS
    step_ms = max(1, (90 * DAY_MS) // runs)
    now_s = now_ms // 1000
    if dialect == "sqlite":
        series = f"WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < {runs}) SELECT i FROM s"
        task_series = (f"WITH RECURSIVE s(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM s WHERE i < {tasks_per_run - 1}) "
                       "SELECT i AS k FROM s")
        concat = "||"
    else:
        series = f"SELECT i::bigint AS i FROM generate_series(1, {runs}) AS i"
        task_series = f"SELECT k::bigint AS k FROM generate_series(0, {tasks_per_run - 1}) AS k"
        concat = "||"
    # A run's attributes from its number i (deterministic, so the benchmark knows what to ask).
    flow = f"'BenchFlow' {concat} (i % 200)"
    user = f"'user' {concat} (i % 50)"
    status = "CASE WHEN i % 20 = 0 THEN 'running' WHEN i % 10 = 3 THEN 'failed' ELSE 'completed' END"
    ts = f"({start} + i * {step_ms})"
    tags = (f"'[\"team:' {concat} (i % 20) {concat} '\"' {concat} "
            f"CASE WHEN i % 100 = 7 THEN ',\"experiment:' {concat} ((i / 100) % 100) {concat} '\"' ELSE '' END {concat} ']'")
    system_tags = f"'[\"user:user' {concat} (i % 50) {concat} '\"]'"
    lines = []
    if dialect == "sqlite":
        lines.append("PRAGMA journal_mode = WAL; PRAGMA synchronous = OFF;")
    lines.append("BEGIN;")
    flows = series.replace(str(runs), "200")
    lines.append(f"INSERT INTO flows (flow_id, user_name, ts_epoch, tags, system_tags) "
                 f"SELECT 'BenchFlow' {concat} (i - 1), 'user' {concat} ((i - 1) % 50), {start}, '[]', '[]' "
                 f"FROM ({flows}) q;")
    lines.append(
        "INSERT INTO runs (run_number, flow_id, run_id, user_name, ts_epoch, last_heartbeat_ts, tags, system_tags, "
        "status, end_step, finished_at, current_step, run_user) "
        f"SELECT i, {flow}, NULL, {user}, {ts}, "
        f"CASE WHEN i % 20 = 0 THEN {now_s} ELSE {ts} / 1000 + 600 END, {tags}, {system_tags}, {status}, 'end', "
        f"CASE WHEN i % 20 = 0 THEN NULL ELSE {ts} + 600000 END, "
        f"CASE WHEN i % 20 = 0 THEN 'train' ELSE 'end' END, {user} FROM ({series}) q;")
    lines.append(f"INSERT INTO run_tags (tag, ts_epoch, run_number) SELECT 'team:' {concat} (i % 20), {ts}, i FROM ({series}) q;")
    lines.append(f"INSERT INTO run_tags (tag, ts_epoch, run_number) SELECT 'user:user' {concat} (i % 50), {ts}, i "
                 f"FROM ({series}) q;")
    lines.append(f"INSERT INTO run_tags (tag, ts_epoch, run_number) SELECT 'experiment:' {concat} ((i / 100) % 100), {ts}, i "
                 f"FROM ({series}) q WHERE i % 100 = 7;")
    lines.append("INSERT INTO tag_names (tag) SELECT DISTINCT tag FROM run_tags;")
    lines.append(f"INSERT INTO steps (flow_id, run_number, step_name, user_name, ts_epoch, tags, system_tags) "
                 f"SELECT {flow}, i, 'train', {user}, {ts}, '[]', '[]' FROM ({series}) q;")
    lines.append(
        "INSERT INTO tasks (task_id, flow_id, run_number, step_name, task_name, user_name, ts_epoch, last_heartbeat_ts, "
        "tags, system_tags, status, attempt_id, started_at, finished_at, foreach_path) "
        f"SELECT i * {tasks_per_run} + k, {flow}, i, 'train', NULL, {user}, {ts} + k, NULL, '[]', '[]', "
        f"CASE WHEN i % 20 = 0 AND k = {tasks_per_run - 1} THEN 'running' "
        f"WHEN i % 10 = 3 AND k = {tasks_per_run - 1} THEN 'failed' ELSE 'completed' END, 0, {ts} + k * 1000, "
        f"CASE WHEN i % 20 = 0 AND k = {tasks_per_run - 1} THEN NULL ELSE {ts} + k * 1000 + 500 END, "
        f"'train:' {concat} k FROM ({series}) q CROSS JOIN ({task_series}) t;")
    lines.append("COMMIT;")
    if dialect == "sqlite":
        lines.append(f"UPDATE sqlite_sequence SET seq = {runs} WHERE name = 'runs';")
        lines.append(f"INSERT INTO sqlite_sequence (name, seq) SELECT 'runs', {runs} WHERE NOT EXISTS "
                     "(SELECT 1 FROM sqlite_sequence WHERE name = 'runs');")
        lines.append("ANALYZE;")
    else:
        lines.append(f"SELECT setval(pg_get_serial_sequence('runs', 'run_number'), {runs});")
        lines.append(f"SELECT setval(pg_get_serial_sequence('tasks', 'task_id'), {(runs + 1) * tasks_per_run});")
        lines.append("ANALYZE;")
    return "\n".join(lines) + "\n"


def main():
    if len(sys.argv) != 5 or sys.argv[1] not in ("sqlite", "postgresql"):
        sys.exit(__doc__)
    dialect, target, runs, per_run = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    if runs < 1 or per_run < 1:
        sys.exit("seed.py: RUNS and TASKS_PER_RUN must be positive")
    sql = sql_for(dialect, runs, per_run, int(time.time() * 1000))
    started = time.time()
    if dialect == "sqlite":
        import sqlite3
        db = sqlite3.connect(target, isolation_level=None)
        db.executescript(sql)
        db.close()
    else:
        subprocess.run(["psql", "-q", "-v", "ON_ERROR_STOP=1", target], input=sql.encode(), check=True)
    print(f"seeded {runs} runs and {runs * per_run} tasks in {time.time() - started:.0f} s")


if __name__ == "__main__":
    main()
