-- The web UI's state, stored instead of derived per query (ui-cards.md §4.3): a run's status,
-- end time, current step and verified owner; a task's newest attempt, status, times and foreach
-- position; a side table of run tags. The service's write path keeps them current
-- (service/db/run_state.cpp) and a sweeper marks runs whose heartbeat stopped as failed.
ALTER TABLE runs ADD COLUMN status TEXT NOT NULL DEFAULT 'running';
ALTER TABLE runs ADD COLUMN end_step TEXT NOT NULL DEFAULT 'end';
ALTER TABLE runs ADD COLUMN finished_at INTEGER;
ALTER TABLE runs ADD COLUMN current_step TEXT;
ALTER TABLE runs ADD COLUMN run_user TEXT;

ALTER TABLE tasks ADD COLUMN status TEXT NOT NULL DEFAULT 'pending';
ALTER TABLE tasks ADD COLUMN attempt_id INTEGER;
ALTER TABLE tasks ADD COLUMN started_at INTEGER;
ALTER TABLE tasks ADD COLUMN finished_at INTEGER;
ALTER TABLE tasks ADD COLUMN foreach_path TEXT;
ALTER TABLE tasks ADD COLUMN foreach_stack TEXT;

-- Every tag and system tag of a run, with the run's creation time so that a tag filter walks
-- runs newest first straight from this index.
CREATE TABLE run_tags (
  tag TEXT NOT NULL,
  ts_epoch INTEGER NOT NULL,
  run_number INTEGER NOT NULL,
  PRIMARY KEY (tag, ts_epoch, run_number)
);
CREATE INDEX run_tags_run ON run_tags (run_number);
-- Each distinct tag once (the UI's tag autocomplete reads this, not every run's tags).
CREATE TABLE tag_names (tag TEXT PRIMARY KEY);

-- Backfill from what earlier versions stored.
UPDATE runs SET run_user = user_name
  WHERE EXISTS (SELECT 1 FROM json_each(CASE WHEN json_valid(runs.system_tags) THEN (CASE WHEN json_type(runs.system_tags) = 'array' THEN runs.system_tags ELSE '[]' END)
    ELSE '[]' END) WHERE value = 'user:' || runs.user_name);
UPDATE runs SET end_step = coalesce((SELECT value FROM metadata m WHERE m.flow_id = runs.flow_id
  AND m.run_number = runs.run_number AND m.field_name = 'end_step' ORDER BY id DESC LIMIT 1), 'end');
UPDATE tasks SET
  attempt_id = (SELECT CAST(value AS INTEGER) FROM metadata m WHERE m.flow_id = tasks.flow_id
    AND m.run_number = tasks.run_number AND m.step_name = tasks.step_name AND m.task_id = tasks.task_id
    AND m.field_name = 'attempt' ORDER BY id DESC LIMIT 1),
  started_at = (SELECT ts_epoch FROM metadata m WHERE m.flow_id = tasks.flow_id
    AND m.run_number = tasks.run_number AND m.step_name = tasks.step_name AND m.task_id = tasks.task_id
    AND m.field_name = 'attempt' ORDER BY id DESC LIMIT 1),
  foreach_path = (SELECT value FROM metadata m WHERE m.flow_id = tasks.flow_id
    AND m.run_number = tasks.run_number AND m.step_name = tasks.step_name AND m.task_id = tasks.task_id
    AND m.field_name = 'foreach-execution-path' ORDER BY id DESC LIMIT 1),
  foreach_stack = (SELECT value FROM metadata m WHERE m.flow_id = tasks.flow_id
    AND m.run_number = tasks.run_number AND m.step_name = tasks.step_name AND m.task_id = tasks.task_id
    AND m.field_name = 'foreach-stack' ORDER BY id DESC LIMIT 1);
UPDATE tasks SET status = 'running' WHERE started_at IS NOT NULL;
UPDATE tasks SET
  status = (SELECT CASE WHEN lower(value) IN ('true', '1') THEN 'completed' ELSE 'failed' END FROM metadata m
    WHERE m.flow_id = tasks.flow_id AND m.run_number = tasks.run_number AND m.step_name = tasks.step_name
    AND m.task_id = tasks.task_id AND m.field_name = 'attempt_ok' ORDER BY id DESC LIMIT 1),
  finished_at = (SELECT ts_epoch FROM metadata m WHERE m.flow_id = tasks.flow_id
    AND m.run_number = tasks.run_number AND m.step_name = tasks.step_name AND m.task_id = tasks.task_id
    AND m.field_name = 'attempt_ok' ORDER BY id DESC LIMIT 1)
  -- Only when the newest attempt_ok came after the newest attempt (else that attempt still runs).
  WHERE EXISTS (SELECT 1 FROM metadata m WHERE m.flow_id = tasks.flow_id AND m.run_number = tasks.run_number
    AND m.step_name = tasks.step_name AND m.task_id = tasks.task_id AND m.field_name = 'attempt_ok'
    AND m.id > (SELECT coalesce(max(a.id), 0) FROM metadata a WHERE a.flow_id = tasks.flow_id AND a.run_number = tasks.run_number AND a.step_name = tasks.step_name AND a.task_id = tasks.task_id AND a.field_name = 'attempt'));
UPDATE runs SET
  status = coalesce((SELECT t.status FROM tasks t WHERE t.flow_id = runs.flow_id AND t.run_number = runs.run_number
    AND t.step_name = runs.end_step AND t.status IN ('completed', 'failed') ORDER BY t.finished_at DESC LIMIT 1),
    'running'),
  finished_at = (SELECT t.finished_at FROM tasks t WHERE t.flow_id = runs.flow_id AND t.run_number = runs.run_number
    AND t.step_name = runs.end_step AND t.status IN ('completed', 'failed') ORDER BY t.finished_at DESC LIMIT 1),
  current_step = (SELECT t.step_name FROM tasks t WHERE t.flow_id = runs.flow_id AND t.run_number = runs.run_number
    AND t.started_at IS NOT NULL ORDER BY t.started_at DESC, t.task_id DESC LIMIT 1);
INSERT OR IGNORE INTO run_tags (tag, ts_epoch, run_number)
  SELECT je.value, runs.ts_epoch, runs.run_number FROM runs, json_each(CASE WHEN json_valid(runs.tags) THEN (CASE WHEN json_type(runs.tags) = 'array' THEN runs.tags ELSE '[]' END)
    ELSE '[]' END) je WHERE je.type = 'text'
  UNION SELECT je.value, runs.ts_epoch, runs.run_number FROM runs, json_each(CASE WHEN json_valid(runs.system_tags)
    THEN (CASE WHEN json_type(runs.system_tags) = 'array' THEN runs.system_tags ELSE '[]' END) ELSE '[]' END) je
    WHERE je.type = 'text';

INSERT OR IGNORE INTO tag_names (tag) SELECT DISTINCT tag FROM run_tags;

-- The UI's run listings: newest first overall, per status, per owner (per flow: runs_flow_ts).
CREATE INDEX runs_ts ON runs (ts_epoch DESC, run_number DESC);
CREATE INDEX runs_status_ts ON runs (status, ts_epoch DESC, run_number DESC);
CREATE INDEX runs_user_ts ON runs (run_user, ts_epoch DESC, run_number DESC);
CREATE INDEX runs_flow_status_ts ON runs (flow_id, status, ts_epoch DESC, run_number DESC);
-- The heartbeat sweeps look only at what is still running.
CREATE INDEX runs_running ON runs (last_heartbeat_ts) WHERE status = 'running';
CREATE INDEX tasks_running ON tasks (last_heartbeat_ts) WHERE status = 'running';
-- A run's tasks in id order (the UI's task list and timeline).
CREATE INDEX tasks_run_order ON tasks (flow_id, run_number, task_id);
