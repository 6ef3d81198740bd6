// The whitelist of Python globals a pickle may name, and what REDUCE / NEWOBJ / BUILD mean for
// each. This is the whole "object model" of the safe reader: nothing outside this table is ever
// accepted, and nothing in it executes code; each entry builds a conflux::Value.
//
//   numpy.core.multiarray._reconstruct (+ numpy._core.*)  ndarray skeleton; BUILD fills it
//   numpy.ndarray, numpy.dtype                             array class; dtype(code) + BUILD
//   numpy.core.multiarray.scalar                           numpy scalar -> plain bool/int/float
//   numpy.core.numeric._frombuffer                         protocol 5 arrays
//   __main__.ForeachFrame, metaflow.*.ForeachFrame         Metaflow's foreach namedtuple
//   metaflow.exception.MetaflowExceptionWrapper            @catch's exception artifact
//   builtins set, frozenset, bytearray, bytes              protocol < 4 containers, bytearray
//   collections.OrderedDict                                -> dict
//   _codecs.encode                                         protocol 2 bytes
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "conflux/status.hpp"
#include "conflux/value.hpp"

namespace conflux::pyglobals {

// Bytes payloads the reader handed to a LargeBytesSink: payload identity -> size.
using DetachedPayloads = std::unordered_map<const void*, uint64_t>;

// OK if `module.name` is whitelisted; NotSupported naming it otherwise.
Status check_allowed(std::string_view module, std::string_view name);

// The field names of a whitelisted namedtuple class (ForeachFrame), or empty.
std::span<const std::string_view> namedtuple_fields(std::string_view module, std::string_view name);
bool is_exception_wrapper(std::string_view module, std::string_view name);
bool is_numpy_dtype(std::string_view module, std::string_view name);

// REDUCE: callable(*args). REQUIRES: callable.is_global().
Result<Value> reduce(const Value& callable, std::vector<Value> args,
                     const DetachedPayloads& detached);
// NEWOBJ / NEWOBJ_EX: cls.__new__(cls, *args). REQUIRES: cls.is_global().
Result<Value> newobj(const Value& cls, std::vector<Value> args);
// BUILD: applies `state` to `target` in place (shared with the memo, as in Python).
Status build(Value& target, Value state, const DetachedPayloads& detached);

// v.is_hashable(), but false beyond kMaxValueDepth levels, so that corrupt input cannot make
// key hashing/comparison recurse without bound.
bool is_hashable_bounded(const Value& v, int depth = 0);

// numpy's name for a supported dtype object ("float64"), for repr.
std::string dtype_object_name(const PyObject& dtype);

}  // namespace conflux::pyglobals
