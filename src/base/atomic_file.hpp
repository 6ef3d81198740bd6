// write_file_atomically(): a file that readers see whole or not at all: written to `<path>.partial`,
// then renamed into place.
#pragma once

#include <filesystem>
#include <string_view>

#include "conflux/status.hpp"

namespace conflux {

Status write_file_atomically(const std::filesystem::path& path, std::string_view bytes);

}  // namespace conflux
