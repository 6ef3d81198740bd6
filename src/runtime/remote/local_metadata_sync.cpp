#include "runtime/remote/local_metadata_sync.hpp"

#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "datastore/local_storage.hpp"

namespace conflux {

Status save_local_metadata(TaskDataStore& ds, int attempt, const std::filesystem::path& metadata_root) {
  nlohmann::json files = nlohmann::json::object();
  std::error_code ec;
  if (std::filesystem::is_directory(metadata_root, ec)) {
    for (auto it = std::filesystem::recursive_directory_iterator(metadata_root, ec);
         !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
      if (!it->is_regular_file()) continue;
      std::ifstream in(it->path(), std::ios::binary);
      std::stringstream text;
      text << in.rdbuf();
      files[std::filesystem::relative(it->path(), metadata_root).generic_string()] = text.str();
    }
  }
  if (ec) return Status::io_error("cannot read the task's local metadata in " + metadata_root.string() + ": " + ec.message());
  nlohmann::json bundle = {{"files", files}};
  return ds.save_attempt_file(attempt, kLocalMetadataFile,
                              bundle.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

Status restore_local_metadata(TaskDataStore& ds, int attempt, const std::filesystem::path& metadata_root) {
  CONFLUX_ASSIGN_OR_RETURN(std::string text, ds.load_attempt_file(attempt, kLocalMetadataFile));
  nlohmann::json bundle = nlohmann::json::parse(text, nullptr, false);
  if (!bundle.is_object() || !bundle.contains("files") || !bundle["files"].is_object()) {
    return Status::corruption("the local metadata bundle of " + ds.prefix() + " is not a JSON object of files");
  }
  // A task's bundle may only hold files of its own run ("<flow>/<run>/..."), never elsewhere.
  const std::string task_dir = ds.prefix() + "/";
  size_t flow_end = task_dir.find('/');
  const std::string run_dir = task_dir.substr(0, task_dir.find('/', flow_end + 1) + 1);
  for (const auto& [path, content] : bundle["files"].items()) {
    std::filesystem::path p(path);
    bool escapes = p.is_absolute() || path.rfind(run_dir, 0) != 0 || !content.is_string();
    for (const auto& part : p) escapes = escapes || part == ".." || part == ".";
    if (escapes) return Status::corruption("the local metadata bundle of " + ds.prefix() + " names '" + path + "'");
  }
  LocalStorage local(metadata_root);
  for (const auto& [path, content] : bundle["files"].items()) {
    bool own = path.rfind(task_dir, 0) == 0;
    Status saved = local.save(path, content.get<std::string>(), /*overwrite=*/own);
    if (!saved.ok() && saved.code() != StatusCode::kAlreadyExists) return saved;
  }
  return Status();
}

}  // namespace conflux
