#include "package/elf_info.hpp"

#include <elf.h>

#include <cstring>
#include <optional>

namespace conflux {

namespace {

template <class T>
std::optional<T> read_at(std::string_view bytes, uint64_t offset) {
  if (offset > bytes.size() || bytes.size() - offset < sizeof(T)) return std::nullopt;
  T value;
  std::memcpy(&value, bytes.data() + offset, sizeof(T));
  return value;
}

std::string c_string_at(std::string_view bytes, uint64_t offset) {
  if (offset >= bytes.size()) return "";
  const char* start = bytes.data() + offset;
  return std::string(start, strnlen(start, bytes.size() - offset));
}

std::string machine_name(uint16_t machine) {
  switch (machine) {
    case EM_X86_64: return "x86_64";
    case EM_AARCH64: return "aarch64";
    case EM_PPC64: return "ppc64le";
    case EM_RISCV: return "riscv64";
    default: return "elf-machine-" + std::to_string(machine);
  }
}

}  // namespace

int compare_versions(std::string_view a, std::string_view b) {
  size_t i = 0, j = 0;
  while (i < a.size() || j < b.size()) {
    long x = 0, y = 0;
    while (i < a.size() && a[i] != '.') x = x * 10 + (a[i++] - '0');
    while (j < b.size() && b[j] != '.') y = y * 10 + (b[j++] - '0');
    if (x != y) return x < y ? -1 : 1;
    ++i;
    ++j;
  }
  return 0;
}

Result<ElfInfo> read_elf_info(std::string_view bytes) {
  auto not_elf = [](const std::string& why) { return Status::invalid_argument("not a 64-bit ELF executable: " + why); };
  auto eh = read_at<Elf64_Ehdr>(bytes, 0);
  if (!eh || std::memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0) return not_elf("no ELF header");
  if (eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_ident[EI_DATA] != ELFDATA2LSB) {
    return not_elf("only 64-bit little-endian binaries are supported");
  }
  ElfInfo info;
  info.arch = machine_name(eh->e_machine);
  std::vector<Elf64_Shdr> sections;
  for (uint16_t i = 0; i < eh->e_shnum; ++i) {
    auto sh = read_at<Elf64_Shdr>(bytes, eh->e_shoff + uint64_t{i} * eh->e_shentsize);
    if (!sh) return not_elf("truncated section headers");
    sections.push_back(*sh);
  }
  auto strtab_of = [&](const Elf64_Shdr& s) -> std::optional<Elf64_Shdr> {
    if (s.sh_link >= sections.size()) return std::nullopt;
    return sections[s.sh_link];
  };
  for (const Elf64_Shdr& s : sections) {
    if (s.sh_type == SHT_DYNAMIC) {
      auto strtab = strtab_of(s);
      if (!strtab) continue;
      for (uint64_t off = 0; off + sizeof(Elf64_Dyn) <= s.sh_size; off += sizeof(Elf64_Dyn)) {
        auto dyn = read_at<Elf64_Dyn>(bytes, s.sh_offset + off);
        if (!dyn || dyn->d_tag == DT_NULL) break;
        if (dyn->d_tag == DT_NEEDED) info.needed.push_back(c_string_at(bytes, strtab->sh_offset + dyn->d_un.d_val));
      }
    } else if (s.sh_type == SHT_GNU_verneed) {
      auto strtab = strtab_of(s);
      if (!strtab) continue;
      uint64_t off = s.sh_offset;
      for (uint64_t n = 0; n < s.sh_info; ++n) {
        auto need = read_at<Elf64_Verneed>(bytes, off);
        if (!need) break;
        uint64_t aux_off = off + need->vn_aux;
        for (uint16_t k = 0; k < need->vn_cnt; ++k) {
          auto aux = read_at<Elf64_Vernaux>(bytes, aux_off);
          if (!aux) break;
          std::string name = c_string_at(bytes, strtab->sh_offset + aux->vna_name);
          if (name.rfind("GLIBC_", 0) == 0 && name.size() > 6 && std::isdigit(static_cast<unsigned char>(name[6]))) {
            std::string version = name.substr(6);
            if (info.glibc_min.empty() || compare_versions(version, info.glibc_min) > 0) info.glibc_min = version;
          }
          if (aux->vna_next == 0) break;
          aux_off += aux->vna_next;
        }
        if (need->vn_next == 0) break;
        off += need->vn_next;
      }
    } else if (s.sh_type == SHT_NOTE) {
      for (uint64_t off = 0; off + sizeof(Elf64_Nhdr) <= s.sh_size;) {
        auto note = read_at<Elf64_Nhdr>(bytes, s.sh_offset + off);
        if (!note) break;
        uint64_t name_off = s.sh_offset + off + sizeof(Elf64_Nhdr);
        uint64_t desc_off = name_off + ((note->n_namesz + 3) & ~3u);
        if (note->n_type == NT_GNU_BUILD_ID && note->n_namesz == 4 && c_string_at(bytes, name_off) == "GNU" &&
            desc_off + note->n_descsz <= bytes.size()) {
          static const char* hex = "0123456789abcdef";
          for (uint32_t b = 0; b < note->n_descsz; ++b) {
            unsigned char c = static_cast<unsigned char>(bytes[desc_off + b]);
            info.build_id += hex[c >> 4];
            info.build_id += hex[c & 15];
          }
        }
        off = desc_off - s.sh_offset + ((note->n_descsz + 3) & ~3u);
      }
    }
  }
  return info;
}

}  // namespace conflux
