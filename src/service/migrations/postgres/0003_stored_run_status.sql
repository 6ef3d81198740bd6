-- The web UI's state, stored instead of derived per query: the same columns, side table and
-- indexes as ../0003_stored_run_status.sql (SQLite; the reasons are there).
ALTER TABLE runs ADD COLUMN status TEXT NOT NULL DEFAULT 'running';
ALTER TABLE runs ADD COLUMN end_step TEXT NOT NULL DEFAULT 'end';
ALTER TABLE runs ADD COLUMN finished_at BIGINT;
ALTER TABLE runs ADD COLUMN current_step TEXT;
ALTER TABLE runs ADD COLUMN run_user TEXT;

ALTER TABLE tasks ADD COLUMN status TEXT NOT NULL DEFAULT 'pending';
ALTER TABLE tasks ADD COLUMN attempt_id BIGINT;
ALTER TABLE tasks ADD COLUMN started_at BIGINT;
ALTER TABLE tasks ADD COLUMN finished_at BIGINT;
ALTER TABLE tasks ADD COLUMN foreach_path TEXT;
ALTER TABLE tasks ADD COLUMN foreach_stack TEXT;

CREATE TABLE run_tags (
  tag TEXT COLLATE "C" NOT NULL,
  ts_epoch BIGINT NOT NULL,
  run_number BIGINT NOT NULL,
  PRIMARY KEY (tag, ts_epoch, run_number)
);
CREATE INDEX run_tags_run ON run_tags (run_number);
CREATE TABLE tag_names (tag TEXT COLLATE "C" PRIMARY KEY);

CREATE FUNCTION conflux_json_array(t TEXT) RETURNS jsonb LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
  IF t IS NULL THEN RETURN '[]'::jsonb; END IF;
  IF jsonb_typeof(t::jsonb) = 'array' THEN RETURN t::jsonb; END IF;
  RETURN '[]'::jsonb;
EXCEPTION WHEN others THEN RETURN '[]'::jsonb;
END $$;

UPDATE runs SET run_user = user_name
  WHERE conflux_json_array(system_tags) @> jsonb_build_array('user:' || user_name);
UPDATE runs SET end_step = coalesce((SELECT value FROM metadata m WHERE m.flow_id = runs.flow_id
  AND m.run_number = runs.run_number AND m.field_name = 'end_step' ORDER BY id DESC LIMIT 1), 'end');
UPDATE tasks SET
  attempt_id = (SELECT CASE WHEN value ~ '^[0-9]{1,18}$' THEN value::bigint END FROM metadata m
    WHERE m.flow_id = tasks.flow_id AND m.run_number = tasks.run_number AND m.step_name = tasks.step_name
    AND m.task_id = tasks.task_id AND m.field_name = 'attempt' ORDER BY id DESC LIMIT 1),
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
INSERT INTO run_tags (tag, ts_epoch, run_number)
  SELECT DISTINCT x.tag, x.ts_epoch, x.run_number FROM (
    SELECT jsonb_array_elements_text(conflux_json_array(tags)) AS tag, ts_epoch, run_number FROM runs
    UNION ALL
    SELECT jsonb_array_elements_text(conflux_json_array(system_tags)), ts_epoch, run_number FROM runs) x
  ON CONFLICT DO NOTHING;

INSERT INTO tag_names (tag) SELECT DISTINCT tag FROM run_tags ON CONFLICT DO NOTHING;

CREATE INDEX runs_ts ON runs (ts_epoch DESC, run_number DESC);
CREATE INDEX runs_status_ts ON runs (status, ts_epoch DESC, run_number DESC);
CREATE INDEX runs_user_ts ON runs (run_user, ts_epoch DESC, run_number DESC);
CREATE INDEX runs_flow_status_ts ON runs (flow_id, status, ts_epoch DESC, run_number DESC);
CREATE INDEX runs_running ON runs (last_heartbeat_ts) WHERE status = 'running';
CREATE INDEX tasks_running ON tasks (last_heartbeat_ts) WHERE status = 'running';
CREATE INDEX tasks_run_order ON tasks (flow_id, run_number, task_id);
