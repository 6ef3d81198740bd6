// Status and Result<T>: how every fallible Conflux call reports failure.
//
// Conflux library code never throws. A function that can fail returns a Status (no value) or a
// Result<T> (a value or an error). Errors carry a code and a message that names the thing that is
// wrong ("parameter 'shards': expected an integer, got 'abc'"). Both types are cheap to move and
// safe to use from any thread (they are plain values).
//
// Example:
//   conflux::Result<int> parse_port(std::string_view s);
//   CONFLUX_ASSIGN_OR_RETURN(int port, parse_port(text));
//   CONFLUX_RETURN_IF_ERROR(save(port));
#pragma once

#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace conflux {

enum class StatusCode {
  kOk = 0,
  kNotFound,
  kAlreadyExists,
  kInvalidArgument,
  kFailedPrecondition,
  kIOError,
  kCorruption,
  kUnavailable,  // transient: the caller may retry
  kDeadlineExceeded,
  kCancelled,
  kNotSupported,
  kInternal,
};

// Short human name of a code, e.g. "not found". Used as a CLI headline.
std::string_view status_code_name(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status ok_status() { return Status(); }
  static Status not_found(std::string m) { return {StatusCode::kNotFound, std::move(m)}; }
  static Status already_exists(std::string m) { return {StatusCode::kAlreadyExists, std::move(m)}; }
  static Status invalid_argument(std::string m) { return {StatusCode::kInvalidArgument, std::move(m)}; }
  static Status failed_precondition(std::string m) {
    return {StatusCode::kFailedPrecondition, std::move(m)};
  }
  static Status io_error(std::string m) { return {StatusCode::kIOError, std::move(m)}; }
  static Status corruption(std::string m) { return {StatusCode::kCorruption, std::move(m)}; }
  static Status unavailable(std::string m) { return {StatusCode::kUnavailable, std::move(m)}; }
  static Status deadline_exceeded(std::string m) {
    return {StatusCode::kDeadlineExceeded, std::move(m)};
  }
  static Status cancelled(std::string m) { return {StatusCode::kCancelled, std::move(m)}; }
  static Status not_supported(std::string m) { return {StatusCode::kNotSupported, std::move(m)}; }
  static Status internal(std::string m) { return {StatusCode::kInternal, std::move(m)}; }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  bool is_not_found() const { return code_ == StatusCode::kNotFound; }

  // "not found: run 'Flow/12' does not exist"; "OK" when ok.
  std::string to_string() const;

  // Returns a copy whose message is prefixed with `context: `.
  Status with_context(std::string_view context) const;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

// A value of type T or an error Status. REQUIRES: an error Result is never built from an OK Status.
template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : data_(std::move(value)) {}  // NOLINT(google-explicit-constructor)
  Result(Status status) : data_(std::move(status)) {  // NOLINT(google-explicit-constructor)
    if (std::get<Status>(data_).ok()) std::abort();  // programmer error: OK without a value
  }

  bool ok() const { return std::holds_alternative<T>(data_); }
  // The error; an OK Status when ok().
  Status status() const { return ok() ? Status() : std::get<Status>(data_); }

  // REQUIRES: ok()
  T& value() & { return std::get<T>(data_); }
  const T& value() const& { return std::get<T>(data_); }
  T&& value() && { return std::get<T>(std::move(data_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<T, Status> data_;
};

}  // namespace conflux

#define CONFLUX_CONCAT_INNER_(a, b) a##b
#define CONFLUX_CONCAT_(a, b) CONFLUX_CONCAT_INNER_(a, b)

// Returns the Status of `expr` from the enclosing function if it is not OK.
// (A counter-named temporary, so that nested uses, e.g. inside a lambda argument, do not shadow.)
#define CONFLUX_RETURN_IF_ERROR(expr) CONFLUX_RETURN_IF_ERROR_IMPL_(CONFLUX_CONCAT_(conflux_status_, __COUNTER__), expr)
#define CONFLUX_RETURN_IF_ERROR_IMPL_(tmp, expr) \
  do {                                           \
    ::conflux::Status tmp = (expr);              \
    if (!tmp.ok()) return tmp;                   \
  } while (0)

// Declares `lhs` from a Result<T>, or returns its error from the enclosing function.
#define CONFLUX_ASSIGN_OR_RETURN(lhs, expr) \
  CONFLUX_ASSIGN_OR_RETURN_IMPL_(CONFLUX_CONCAT_(conflux_result_, __LINE__), lhs, expr)
#define CONFLUX_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                                   \
  if (!tmp.ok()) return tmp.status();                  \
  lhs = std::move(tmp).value()
