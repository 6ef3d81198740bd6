// What a flow binary needs from the machine that runs it, read from its ELF headers: the
// architecture, the GNU build id, the shared libraries it links (DT_NEEDED) and the newest
// GLIBC_x.y symbol version it requires. The code package records these so a launcher can tell,
// before submitting anything, what a runner would lack.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "conflux/status.hpp"

namespace conflux {

struct ElfInfo {
  std::string arch;       // "x86_64", "aarch64", ...
  std::string build_id;   // hex, "" if the binary has no .note.gnu.build-id
  std::string glibc_min;  // "2.34": the newest GLIBC_ version it needs; "" if none
  std::vector<std::string> needed;  // sonames, in link order
};

// Reads a 64-bit little-endian ELF file's bytes. InvalidArgument if it is not one.
Result<ElfInfo> read_elf_info(std::string_view bytes);

// Compares dotted versions numerically ("2.9" < "2.34"): <0, 0, >0.
int compare_versions(std::string_view a, std::string_view b);

}  // namespace conflux
