// ValueAccess: the codec's back door into conflux::Value payloads.
//
// Python objects under construction by the unpickler are shared and mutated in place: a list is
// memoized when created and filled afterwards, and every memo reference must see the items.
// Value's public mutators copy shared payloads (copy-on-write), which is right for users and
// wrong for the reader, so the reader builds payloads through this struct instead. Nothing here
// is part of the public API.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "conflux/value.hpp"

namespace conflux {

struct ValueAccess {
  // A Value of heap kind `kind` owning `payload` (whose type must match the kind).
  template <class T>
  static Value make(ValueKind kind, std::shared_ptr<T> payload) {
    Value v;
    v.kind_ = kind;
    v.heap_ = std::move(payload);
    return v;
  }
  // In-place access to a shared payload. REQUIRES: the matching kind.
  static std::vector<Value>& items(Value& v) { return *static_cast<std::vector<Value>*>(v.heap_.get()); }
  static Dict& dict(Value& v) { return *static_cast<Dict*>(v.heap_.get()); }
  static Set& set(Value& v) { return *static_cast<Set*>(v.heap_.get()); }
  static NdArray& ndarray(Value& v) { return *static_cast<NdArray*>(v.heap_.get()); }
  static PyObject& object(Value& v) { return *static_cast<PyObject*>(v.heap_.get()); }
  static std::string& text(Value& v) { return *static_cast<std::string*>(v.heap_.get()); }
  // The payload's address: equal for Values that share it, nullptr for scalars.
  static const void* identity(const Value& v) { return v.heap_.get(); }
  static long use_count(const Value& v) { return v.heap_.use_count(); }
  // True for kinds whose payload holds other Values.
  static bool has_children(const Value& v) {
    switch (v.kind_) {
      case ValueKind::kList:
      case ValueKind::kTuple:
      case ValueKind::kDict:
      case ValueKind::kSet:
      case ValueKind::kFrozenSet:
      case ValueKind::kObject:
        return true;
      default:
        return false;
    }
  }
  // Moves every Value held by v's payload into `out`, leaving the payload empty. Used to take
  // apart arbitrarily deep or cyclic garbage without recursion.
  static void take_children(Value& v, std::vector<Value>& out) {
    switch (v.kind_) {
      case ValueKind::kList:
      case ValueKind::kTuple: {
        auto& items = ValueAccess::items(v);
        for (auto& x : items) out.push_back(std::move(x));
        items.clear();
        return;
      }
      case ValueKind::kDict: {
        Dict& d = dict(v);
        for (auto& [k, x] : d.items_) {
          out.push_back(std::move(k));
          out.push_back(std::move(x));
        }
        d.items_.clear();
        d.index_.clear();
        return;
      }
      case ValueKind::kSet:
      case ValueKind::kFrozenSet: {
        Set& s = set(v);
        for (auto& x : s.items_) out.push_back(std::move(x));
        s.items_.clear();
        s.index_.clear();
        return;
      }
      case ValueKind::kObject: {
        PyObject& o = object(v);
        for (auto& x : o.args) out.push_back(std::move(x));
        o.args.clear();
        out.push_back(std::move(o.state));
        o.state = Value();
        return;
      }
      default:
        return;
    }
  }
  // Changes the kind of a Value in place while keeping its (compatible) payload; used to turn
  // a set under construction into a frozenset, and to retag reconstructed objects.
  static void set_kind(Value& v, ValueKind kind) { v.kind_ = kind; }
};

}  // namespace conflux
