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

namespace {

// "R.flow_id, R.run_number, ...": kRunCols of the runs table aliased R.
std::string run_columns() {
  std::string out = "R.";
  for (const char* c = kRunCols; *c; ++c) {
    out += *c;
    if (*c == ' ' && c > kRunCols && c[-1] == ',') out += "R.";
  }
  return out;
}

// Appends "AND <ts> <= ? AND (<ts> < ? OR <num> < ?)": the rows after `after` in the order
// (ts DESC, num DESC), written so that both databases scan the index range on ts.
void add_keyset(std::string& sql, std::vector<SqlValue>& params, const PageCursor& after, const std::string& ts,
                const std::string& num) {
  sql += " AND " + ts + " <= ? AND (" + ts + " < ? OR " + num + " < ?)";
  params.insert(params.end(), {after.ts_epoch, after.ts_epoch, after.number});
}

}  // namespace

Result<SqlQuery> runs_query(const SqlDialect& d, const RunQuery& query) {
  SqlQuery q;
  std::vector<SqlValue>& params = q.params;
  std::string& sql = q.sql;
  // With an exact tag that every row must have, and no flow or owner to narrow the walk with,
  // it starts from run_tags' (tag, ts_epoch, run_number) index: newest first within the tag,
  // however rare it is. Otherwise from runs, by the index the filters pick.
  const TagFilter* driving = nullptr;
  bool narrowed = !query.flow_id.empty();
  for (const FieldFilter& f : query.fields) narrowed = narrowed || f.field == "flow_id" || f.field == "user";
  for (const TagFilter& tf : query.tags) {
    if (!narrowed && tf.op == "all" && !tf.tags.empty()) {
      driving = &tf;
      break;
    }
  }
  std::string order = driving ? "D" : "R";
  if (driving) {
    sql = "SELECT " + run_columns() + " FROM run_tags D CROSS JOIN runs R WHERE R.run_number = D.run_number "
          "AND D.tag = ?";
    params.emplace_back(driving->tags.front());
  } else {
    sql = "SELECT " + run_columns() + " FROM runs R WHERE 1 = 1";
  }
  if (!query.flow_id.empty()) {
    sql += " AND R.flow_id = ?";
    params.emplace_back(query.flow_id);
  }
  for (const FieldFilter& f : query.fields) {
    bool integer = f.field == "run_number" || f.field == "ts_epoch" || f.field == "last_heartbeat_ts" ||
                   f.field == "finished_at";
    const std::string column = f.field == "user" ? "R.run_user" : "R.\"" + f.field + "\"";
    CONFLUX_ASSIGN_OR_RETURN(std::string cond, filter_sql(d, f, column, params, integer));
    sql += " AND " + cond;
  }
  for (const TagFilter& tf : query.tags) {
    if (tf.tags.empty()) continue;
    const bool like = tf.op == "likeany" || tf.op == "likeall";
    const bool any = tf.op == "any" || tf.op == "likeany";
    sql += " AND (";
    for (size_t i = 0; i < tf.tags.size(); ++i) {
      if (&tf == driving && i == 0) {
        sql += "1 = 1";
        continue;
      }
      if (i > 0) sql += any ? " OR " : " AND ";
      if (like) {
        sql += std::string("(coalesce(R.tags, '') || coalesce(R.system_tags, ''))") + d.like_placeholder;
        params.emplace_back("%" + tf.tags[i] + "%");
      } else {
        sql += "EXISTS (SELECT 1 FROM run_tags E WHERE E.run_number = R.run_number AND E.tag = ?)";
        params.emplace_back(tf.tags[i]);
      }
    }
    sql += ")";
  }
  if (query.page.after) add_keyset(sql, params, *query.page.after, order + ".ts_epoch", order + ".run_number");
  sql += " ORDER BY " + order + ".ts_epoch DESC, " + order + ".run_number DESC LIMIT ?";
  params.emplace_back(query.page.limit + 1);
  return q;
}

Result<SqlQuery> run_tasks_query(const RunTaskQuery& query) {
  SqlQuery q;
  q.sql = std::string("SELECT ") + kTaskCols + " FROM tasks WHERE flow_id = ?";
  q.params.emplace_back(query.flow_id);
  add_run_key(q.sql, q.params, query.run);
  if (query.step_name) {
    q.sql += " AND step_name = ?";
    q.params.emplace_back(*query.step_name);
  }
  if (!query.statuses.empty()) {
    q.sql += " AND status IN (";
    for (size_t i = 0; i < query.statuses.size(); ++i) {
      q.sql += i ? ", ?" : "?";
      q.params.emplace_back(query.statuses[i]);
    }
    q.sql += ")";
  }
  if (query.after_task_id) {
    q.sql += " AND task_id > ?";
    q.params.emplace_back(*query.after_task_id);
  }
  q.sql += " ORDER BY task_id LIMIT ?";
  q.params.emplace_back(query.limit + 1);
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
