// The Conflux version, recorded in metadata, code packages and `version`.
#pragma once

namespace conflux {

inline constexpr const char* kConfluxVersion = "0.1.0";

}  // namespace conflux
