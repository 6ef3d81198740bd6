// SqlDialect: the few SQL fragments in which SQLite and PostgreSQL differ for the service's
// queries (sql_queries.hpp builds the rest once for both).
#pragma once

namespace conflux::service::sql {

struct SqlDialect {
  // Follows a text expression: a case-insensitive match against the LIKE pattern in `?`, with no
  // escape character (SQLite's LIKE is case-insensitive for ASCII; PostgreSQL needs ILIKE).
  const char* like_placeholder;
  // An integer column compared with a value that is not an integer: PostgreSQL must compare as
  // text (a bigint = 'abc' is an error); SQLite compares the mixed types as they are.
  bool cast_mixed_comparisons;
  // The column that orders rows by creation (flows, steps, artifacts).
  const char* creation_order;
  // Appended to a metadata query: `value` matches the regular expression bound as `?`.
  const char* regex_condition;
};

inline constexpr SqlDialect kSqliteDialect{
    " LIKE ?",
    false,
    "rowid",
    " AND regexp_match(?, value)"};  // ECMAScript syntax (SqliteConnection's function)

// Tags are JSON arrays of strings (normalised by the API layer) or JSON null.
inline constexpr SqlDialect kPostgresDialect{
    " ILIKE ? ESCAPE ''",
    true,
    "seq",                 // an identity column in the PostgreSQL schema
    " AND value ~ ?"};     // PostgreSQL's syntax, as metaflow-service; a bad pattern is 2201B

}  // namespace conflux::service::sql
