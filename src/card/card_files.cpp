#include "card/card_files.hpp"

#include <algorithm>
#include <cstdio>

#include "datastore/random_bits.hpp"

namespace conflux {

namespace {

constexpr std::string_view kCardRoot = "mf.cards";

}  // namespace

std::string card_run_prefix(std::string_view flow, std::string_view run_id) {
  return std::string(kCardRoot) + "/" + std::string(flow) + "/runs/" + std::string(run_id);
}

namespace {

std::string task_dir(const CardTask& t) {
  return card_run_prefix(t.flow, t.run_id) + "/steps/" + t.step + "/tasks/" + t.task_id;
}

// `text` cut at every `separator`.
std::vector<std::string_view> split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    size_t at = text.find(separator, start);
    parts.push_back(text.substr(start, at - start));
    if (at == std::string_view::npos) return parts;
    start = at + 1;
  }
}

bool is_hex(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

}  // namespace

bool is_card_file_path(std::string_view relative) {
  const std::vector<std::string_view> parts = split(relative, '/');
  if (parts.size() != 6 || parts[0] != "steps" || parts[2] != "tasks") return false;
  for (std::string_view p : parts) {
    if (p.empty() || p == "." || p == "..") return false;
  }
  return (parts[4] == "cards" && parts[5].ends_with(".html")) ||
         (parts[4] == "runtime" && parts[5].ends_with(".data.json"));
}

std::string card_file_stem(std::string_view type, std::string_view id, std::string_view uuid) {
  std::string stem(type);
  if (!id.empty()) {
    stem += '-';
    stem += id;
  }
  stem += '-';
  stem += uuid;
  return stem;
}

std::string card_html_key(const CardTask& task, std::string_view stem) {
  return task_dir(task) + "/cards/" + std::string(stem) + ".html";
}

std::string card_data_key(const CardTask& task, std::string_view stem) {
  return task_dir(task) + "/runtime/" + std::string(stem) + ".data.json";
}

std::string new_card_uuid() {
  char hex[33];
  std::snprintf(hex, sizeof hex, "%016llx%016llx", static_cast<unsigned long long>(random_u64()),
                static_cast<unsigned long long>(random_u64()));
  return hex;
}

Result<std::vector<CardFile>> list_task_cards(StorageBackend& storage, const CardTask& task) {
  auto entries = storage.list(task_dir(task) + "/cards");
  if (!entries.ok() && entries.status().code() == StatusCode::kNotFound) return std::vector<CardFile>();
  if (!entries.ok()) return entries.status();
  std::vector<CardFile> cards;
  for (const ListEntry& e : *entries) {
    if (!e.is_file || !e.name.ends_with(".html")) continue;
    std::string stem = e.name.substr(0, e.name.size() - 5);
    // Metaflow splits the name on '-' into type-uuid or type-id-uuid.
    const std::vector<std::string_view> parts = split(stem, '-');
    if (parts.size() < 2 || parts.size() > 3 || parts.front().empty() || parts.back().empty() ||
        !is_hex(parts.back())) {
      continue;
    }
    CardFile card;
    card.type = std::string(parts[0]);
    card.id = parts.size() == 3 ? std::string(parts[1]) : "";
    card.hash = std::string(parts.back());
    card.html_key = card_html_key(task, stem);
    card.data_key = card_data_key(task, stem);
    cards.push_back(std::move(card));
  }
  return cards;
}

}  // namespace conflux
