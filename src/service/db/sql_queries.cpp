#include "service/db/sql_queries.hpp"

#include <charconv>

#include "service/db/sql_helpers.hpp"
#include "service/db/sql_records.hpp"

namespace conflux::service::sql {

Result<std::string> filter_sql(const SqlDialect& d, const FieldFilter& f, const std::string& column,
                               std::vector<SqlValue>& params, bool integer_column) {
  std::string op;
  std::string pre, post;
  bool like = false;
  if (f.op == "eq") op = "=";
  else if (f.op == "ne") op = "!=";
  else if (f.op == "lt") op = "<";
  else if (f.op == "le") op = "<=";
  else if (f.op == "gt") op = ">";
  else if (f.op == "ge") op = ">=";
  else if (f.op == "co") { like = true; pre = "%"; post = "%"; }
  else if (f.op == "sw") { like = true; post = "%"; }
  else if (f.op == "ew") { like = true; pre = "%"; }
  else if (f.op == "li") like = true;
  else return Status::invalid_argument("unsupported operator '" + f.op + "' for field '" + f.field + "'");
  const std::string as_text = d.cast_mixed_comparisons && integer_column ? "CAST(" + column + " AS TEXT)" : column;
  std::string sql = "(";
  for (size_t i = 0; i < f.values.size(); ++i) {
    if (i > 0) sql += " OR ";
    const std::string& v = f.values[i];
    if (v == "null") {
      sql += column + " IS NULL";
      continue;
    }
    int64_t n = 0;
    auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
    const bool integer_value = ec == std::errc() && end == v.data() + v.size();
    if (like) {
      sql += as_text + d.like_placeholder;
      params.emplace_back(pre + v + post);
    } else if (integer_column && integer_value) {
      sql += column + " " + op + " ?";
      params.emplace_back(n);
    } else {
      sql += as_text + " " + op + " ?";
      params.emplace_back(v);
    }
  }
  return sql + ")";
}

Result<SqlQuery> runs_query(const SqlDialect& d, const RunQuery& query) {
  SqlQuery q;
  std::vector<SqlValue>& params = q.params;
  // The derived status follows metaflow-service: the end step's newest attempt_ok decides,
  // unless a newer attempt of `end` started after a failed one; otherwise a recent heartbeat
  // means running.
  std::string inner = std::string("SELECT ") + kRunCols + ", " + d.run_user_expr + " AS \"user\"";
  if (query.with_status) {
    inner +=
        ", (SELECT value FROM metadata m WHERE m.flow_id = runs.flow_id AND m.run_number = runs.run_number "
        "AND m.step_name = 'end' AND m.field_name = 'attempt_ok' ORDER BY ts_epoch DESC, id DESC LIMIT 1) AS ok_raw"
        ", (SELECT ts_epoch FROM metadata m WHERE m.flow_id = runs.flow_id AND m.run_number = runs.run_number "
        "AND m.step_name = 'end' AND m.field_name = 'attempt_ok' ORDER BY ts_epoch DESC, id DESC LIMIT 1) AS ok_ts"
        ", (SELECT ts_epoch FROM metadata m WHERE m.flow_id = runs.flow_id AND m.run_number = runs.run_number "
        "AND m.step_name = 'end' AND m.field_name = 'attempt' ORDER BY ts_epoch DESC, id DESC LIMIT 1) AS att_ts";
  }
  inner += " FROM runs WHERE flow_id = ?";
  std::string& sql = q.sql;
  if (query.with_status) {
    std::string okb =
        "(CASE WHEN lower(trim(ok_raw)) IN ('t','true','y','yes','on','1') THEN 1 "
        "WHEN lower(trim(ok_raw)) IN ('f','false','n','no','off','0') THEN 0 ELSE NULL END)";
    sql = "SELECT * FROM (SELECT flow_id, run_number, run_id, user_name, ts_epoch, last_heartbeat_ts, tags, "
          "system_tags, \"user\", (CASE WHEN " + okb + " = 0 AND att_ts IS NOT NULL AND ok_ts < att_ts THEN 'running' "
          "WHEN " + okb + " = 1 THEN 'completed' WHEN " + okb + " = 0 THEN 'failed' "
          "WHEN last_heartbeat_ts IS NOT NULL AND abs(? - last_heartbeat_ts) <= ? THEN 'running' "
          "ELSE 'failed' END) AS status FROM (" + inner + ") I) T WHERE 1 = 1";
    // The two placeholders of the status precede the inner query's flow_id.
    params.emplace_back(query.now_seconds);
    params.emplace_back(query.inactive_cutoff_seconds);
  } else {
    sql = "SELECT * FROM (" + inner + ") T WHERE 1 = 1";
  }
  params.emplace_back(query.flow_id);
  for (const FieldFilter& f : query.fields) {
    bool integer = f.field == "run_number" || f.field == "ts_epoch" || f.field == "last_heartbeat_ts";
    CONFLUX_ASSIGN_OR_RETURN(std::string cond, filter_sql(d, f, "T.\"" + f.field + "\"", params, integer));
    sql += " AND " + cond;
  }
  for (const TagFilter& tf : query.tags) {
    if (tf.tags.empty()) continue;
    const bool like = tf.op == "likeany" || tf.op == "likeall";
    const bool any = tf.op == "any" || tf.op == "likeany";
    sql += " AND (";
    for (size_t i = 0; i < tf.tags.size(); ++i) {
      if (i > 0) sql += any ? " OR " : " AND ";
      if (like) {
        sql += std::string("(coalesce(T.tags, '') || coalesce(T.system_tags, ''))") + d.like_placeholder;
        params.emplace_back("%" + tf.tags[i] + "%");
      } else {
        sql += d.tag_member;
        params.emplace_back(tf.tags[i]);
        params.emplace_back(tf.tags[i]);
      }
    }
    sql += ")";
  }
  if (query.page.after) {
    sql += " AND (T.ts_epoch, T.run_number) < (?, ?)";
    params.emplace_back(query.page.after->ts_epoch);
    params.emplace_back(query.page.after->number);
  }
  sql += " ORDER BY T.ts_epoch DESC, T.run_number DESC LIMIT ?";
  params.emplace_back(query.page.limit + 1);
  return q;
}

Result<SqlQuery> tasks_query(const SqlDialect& d, const TaskQuery& query) {
  SqlQuery q;
  q.sql = std::string("SELECT ") + kTaskCols + " FROM tasks WHERE flow_id = ?";
  q.params.emplace_back(query.flow_id);
  add_run_key(q.sql, q.params, query.run);
  q.sql += " AND step_name = ?";
  q.params.emplace_back(query.step_name);
  for (const FieldFilter& f : query.fields) {
    bool integer = f.field == "task_id" || f.field == "ts_epoch" || f.field == "last_heartbeat_ts";
    CONFLUX_ASSIGN_OR_RETURN(std::string cond, filter_sql(d, f, "\"" + f.field + "\"", q.params, integer));
    q.sql += " AND " + cond;
  }
  if (query.page.after) {
    q.sql += " AND (ts_epoch, task_id) < (?, ?)";
    q.params.emplace_back(query.page.after->ts_epoch);
    q.params.emplace_back(query.page.after->number);
  }
  q.sql += " ORDER BY ts_epoch DESC, task_id DESC LIMIT ?";
  q.params.emplace_back(query.page.limit + 1);
  return q;
}

}  // namespace conflux::service::sql
