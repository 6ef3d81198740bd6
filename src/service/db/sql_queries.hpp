// The SQL of the service's filtered and paged listings, built once for both backends (with the
// SqlDialect's fragments): metaflow-service's filter grammar, tag filters, the derived run
// status, keyset pages. Values are bound (SqlQuery::params), never spliced into the text.
#pragma once

#include <string>
#include <vector>

#include "conflux/status.hpp"
#include "service/db/database.hpp"
#include "service/db/sql_dialect.hpp"
#include "service/db/sql_value.hpp"

namespace conflux::service::sql {

struct SqlQuery {
  std::string sql;
  std::vector<SqlValue> params;
};

// `f` as a condition on `column` ("(col = ? OR col IS NULL ...)"), appending its values.
// InvalidArgument for an operator outside the grammar.
Result<std::string> filter_sql(const SqlDialect& d, const FieldFilter& f, const std::string& column,
                               std::vector<SqlValue>& params, bool integer_column);

// Runs of a flow (or of every flow), newest first, one page (limit + 1 rows): kRunCols.
Result<SqlQuery> runs_query(const SqlDialect& d, const RunQuery& query);

// Tasks of a run (or of one of its steps) in task_id order, one page (limit + 1 rows): kTaskCols.
Result<SqlQuery> run_tasks_query(const RunTaskQuery& query);

// Tasks of a step, newest first, one page (limit + 1 rows): kTaskCols.
Result<SqlQuery> tasks_query(const SqlDialect& d, const TaskQuery& query);

}  // namespace conflux::service::sql
