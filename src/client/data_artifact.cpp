// DataArtifact: loading an artifact's pickle from the flow's content-addressed store.
#include "client/client_state.hpp"
#include "datastore/content_addressed_store.hpp"

namespace conflux {

Result<std::unique_ptr<ByteSource>> DataArtifact::open() const {
  ContentAddressedStore cas(core_.state->storage(), path().flow);
  // The recorded size lets an object store answer a small artifact with one request.
  Result<std::unique_ptr<ByteSource>> source =
      cas.load(sha(), size() > 0 ? std::optional<uint64_t>(size()) : std::nullopt);
  if (!source.ok()) {
    return source.status().with_context("artifact '" + name() + "' of task '" + path().parent() +
                                        "'");
  }
  return source;
}

Result<Value> DataArtifact::value() const {
  CONFLUX_ASSIGN_OR_RETURN(std::unique_ptr<ByteSource> source, open());
  Result<Value> value = read_pickle(*source);
  if (!value.ok()) {
    return value.status().with_context("artifact '" + name() + "' of task '" + path().parent() +
                                       "'");
  }
  return value;
}

Status DataArtifact::decode_error(const Status& status, const std::string& expected) const {
  std::string what = "artifact '" + name() + "' of task '" + path().parent() + "'";
  if (status.code() == StatusCode::kInvalidArgument) {
    std::string actual = type().empty() ? std::string("a value") : "a " + type();
    return Status::invalid_argument(what + " (" + actual + ") cannot be read as " + expected +
                                    ": " + status.message());
  }
  return status.with_context(what);
}

}  // namespace conflux
