-- The metadata tables of metaflow-service (flows_v3 ... artifact_v3 and their later
-- migrations), in SQLite. run_number and task_id are AUTOINCREMENT keys: one sequence across
-- all flows, never reused, like the PostgreSQL serials Metaflow's clients have seen.
CREATE TABLE flows (
  flow_id TEXT PRIMARY KEY,
  user_name TEXT,
  ts_epoch INTEGER NOT NULL,
  tags TEXT,
  system_tags TEXT
);
CREATE INDEX flows_ts ON flows (ts_epoch DESC, flow_id DESC);

CREATE TABLE runs (
  run_number INTEGER PRIMARY KEY AUTOINCREMENT,
  flow_id TEXT NOT NULL REFERENCES flows (flow_id),
  run_id TEXT,
  user_name TEXT,
  ts_epoch INTEGER NOT NULL,
  last_heartbeat_ts INTEGER,
  tags TEXT,
  system_tags TEXT,
  UNIQUE (flow_id, run_id)
);
CREATE INDEX runs_flow_ts ON runs (flow_id, ts_epoch DESC, run_number DESC);

CREATE TABLE steps (
  flow_id TEXT NOT NULL,
  run_number INTEGER NOT NULL,
  run_id TEXT,
  step_name TEXT NOT NULL,
  user_name TEXT,
  ts_epoch INTEGER NOT NULL,
  tags TEXT,
  system_tags TEXT,
  PRIMARY KEY (flow_id, run_number, step_name),
  UNIQUE (flow_id, run_id, step_name)
);

CREATE TABLE tasks (
  task_id INTEGER PRIMARY KEY AUTOINCREMENT,
  flow_id TEXT NOT NULL,
  run_number INTEGER NOT NULL,
  run_id TEXT,
  step_name TEXT NOT NULL,
  task_name TEXT,
  user_name TEXT,
  ts_epoch INTEGER NOT NULL,
  last_heartbeat_ts INTEGER,
  tags TEXT,
  system_tags TEXT,
  UNIQUE (flow_id, run_number, step_name, task_name),
  FOREIGN KEY (flow_id, run_number, step_name) REFERENCES steps (flow_id, run_number, step_name)
);
CREATE INDEX tasks_step_ts ON tasks (flow_id, run_number, step_name, ts_epoch DESC, task_id DESC);
CREATE INDEX tasks_run_id ON tasks (flow_id, run_id, step_name, task_name);

CREATE TABLE metadata (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  flow_id TEXT NOT NULL,
  run_number INTEGER NOT NULL,
  run_id TEXT,
  step_name TEXT NOT NULL,
  task_id INTEGER NOT NULL,
  task_name TEXT,
  field_name TEXT NOT NULL,
  value TEXT NOT NULL,
  type TEXT NOT NULL,
  user_name TEXT,
  ts_epoch INTEGER NOT NULL,
  tags TEXT,
  system_tags TEXT
);
CREATE INDEX metadata_task ON metadata (flow_id, run_number, step_name, task_id);
CREATE INDEX metadata_run_ts ON metadata (flow_id, run_number, ts_epoch DESC, id DESC);
CREATE INDEX metadata_run_id ON metadata (flow_id, run_id, step_name, task_name);

CREATE TABLE artifacts (
  flow_id TEXT NOT NULL,
  run_number INTEGER NOT NULL,
  run_id TEXT,
  step_name TEXT NOT NULL,
  task_id INTEGER NOT NULL,
  task_name TEXT,
  name TEXT NOT NULL,
  location TEXT NOT NULL,
  ds_type TEXT NOT NULL,
  sha TEXT,
  type TEXT,
  content_type TEXT,
  user_name TEXT,
  attempt_id INTEGER NOT NULL,
  ts_epoch INTEGER NOT NULL,
  tags TEXT,
  system_tags TEXT,
  PRIMARY KEY (flow_id, run_number, step_name, task_id, attempt_id, name)
);
CREATE INDEX artifacts_run_id ON artifacts (flow_id, run_id, step_name, task_name);
