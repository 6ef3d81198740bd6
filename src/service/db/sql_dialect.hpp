// SqlDialect: the few SQL fragments in which SQLite and PostgreSQL differ for the service's
// queries (sql_queries.hpp builds the rest once for both).
#pragma once

namespace conflux::service::sql {

struct SqlDialect {
  // The verified owner of a `runs` row: user_name when system_tags holds "user:<user_name>".
  const char* run_user_expr;
  // Follows a text expression: a case-insensitive match against the LIKE pattern in `?`, with no
  // escape character (SQLite's LIKE is case-insensitive for ASCII; PostgreSQL needs ILIKE).
  const char* like_placeholder;
  // True when T.tags or T.system_tags (JSON arrays) holds the tag bound twice, as `?` and `?`.
  const char* tag_member;
  // An integer column compared with a value that is not an integer: PostgreSQL must compare as
  // text (a bigint = 'abc' is an error); SQLite compares the mixed types as they are.
  bool cast_mixed_comparisons;
  // The column that orders rows by creation (flows, steps, artifacts).
  const char* creation_order;
  // Appended to a metadata query: `value` matches the regular expression bound as `?`.
  const char* regex_condition;
};

inline constexpr SqlDialect kSqliteDialect{
    "(CASE WHEN EXISTS (SELECT 1 FROM json_each(runs.system_tags) je "
    "WHERE je.value = 'user:' || runs.user_name) THEN runs.user_name ELSE NULL END)",
    " LIKE ?",
    "EXISTS (SELECT 1 FROM json_each(T.tags) WHERE value = ? UNION ALL "
    "SELECT 1 FROM json_each(T.system_tags) WHERE value = ?)",
    false,
    "rowid",
    " AND regexp_match(?, value)"};  // ECMAScript syntax (SqliteConnection's function)

// Tags are JSON arrays of strings (normalised by the API layer) or JSON null.
inline constexpr SqlDialect kPostgresDialect{
    "(CASE WHEN runs.system_tags::jsonb @> jsonb_build_array('user:' || runs.user_name) "
    "THEN runs.user_name ELSE NULL END)",
    " ILIKE ? ESCAPE ''",
    "(coalesce(T.tags::jsonb @> jsonb_build_array(?::text), false) OR "
    "coalesce(T.system_tags::jsonb @> jsonb_build_array(?::text), false))",
    true,
    "seq",                 // an identity column in the PostgreSQL schema
    " AND value ~ ?"};     // PostgreSQL's syntax, as metaflow-service; a bad pattern is 2201B

}  // namespace conflux::service::sql
