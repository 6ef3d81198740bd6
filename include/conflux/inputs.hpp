// Inputs<F>: what a join step receives, one read-only flow object per incoming task.
//
//   void join(const conflux::Inputs<MyFlow>& inputs) {
//     for (const MyFlow& in : inputs) total += *in.score;   // iterate
//     double a = *inputs[0].score;                          // index
//     double b = *inputs.step("train_b").score;             // find a static branch by step name
//   }
// Each input's artifacts load lazily from its task; they cannot be modified.
#pragma once

#include <cstddef>
#include <string_view>

#include "conflux/flow_base.hpp"

namespace conflux {

template <class F>
class Inputs {
 public:
  explicit Inputs(const InputsBase& base) : base_(&base) {}

  size_t size() const { return base_->entries().size(); }
  bool empty() const { return size() == 0; }

  // REQUIRES: i < size(); throws ArtifactError otherwise.
  const F& operator[](size_t i) const {
    if (i >= size()) throw ArtifactError("join input index out of range");
    return static_cast<const F&>(*base_->entries()[i].flow);
  }

  // The input that came from step `name` (static branches). Throws ArtifactError if none did.
  const F& step(std::string_view name) const {
    for (const auto& entry : base_->entries()) {
      if (entry.step_name == name) return static_cast<const F&>(*entry.flow);
    }
    throw ArtifactError("join has no input from step '" + std::string(name) + "'");
  }

  class iterator {
   public:
    using value_type = F;
    using difference_type = std::ptrdiff_t;
    using reference = const F&;
    iterator(const InputsBase* base, size_t i) : base_(base), i_(i) {}
    const F& operator*() const { return static_cast<const F&>(*base_->entries()[i_].flow); }
    iterator& operator++() { ++i_; return *this; }
    bool operator==(const iterator& other) const { return i_ == other.i_; }
    bool operator!=(const iterator& other) const { return i_ != other.i_; }
   private:
    const InputsBase* base_;
    size_t i_;
  };
  iterator begin() const { return iterator(base_, 0); }
  iterator end() const { return iterator(base_, size()); }

  const InputsBase& base() const { return *base_; }

 private:
  const InputsBase* base_;
};

}  // namespace conflux
