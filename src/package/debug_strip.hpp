// Drops a binary's debug sections before it is packaged (a RelWithDebInfo flow binary is mostly
// DWARF: 30 MB shrinks to 3 MB), with binutils' objcopy --strip-debug. Symbols and the GNU build id
// stay, so stack traces and `debuginfod`-style lookups still work.
#pragma once

#include <string>

#include "conflux/status.hpp"

namespace conflux {

// The stripped bytes of `binary`; nullopt-like NotFound when objcopy is not installed (the caller
// then ships the binary as it is).
Result<std::string> strip_debug_info(const std::string& binary);

}  // namespace conflux
