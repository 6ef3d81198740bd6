// ListRunsBench: the client listing a flow's runs, as Metaflow's Flow(name).runs() does (id, user,
// start time and tags of each; no per-run status, which `conflux runs` adds by reading each end
// task). Usage: list_runs_bench DATASTORE_ROOT FLOW   (the .metaflow directory; every namespace)
// Prints the number of runs and the milliseconds the listing took.
#include <conflux/client.hpp>

#include <chrono>
#include <iostream>

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: list_runs_bench DATASTORE_ROOT FLOW\n";
    return 2;
  }
  const auto start = std::chrono::steady_clock::now();
  conflux::ClientOptions options;
  options.datastore_root = argv[1];
  options.username = "bench";
  options.ns = conflux::Namespace::global();
  auto client = conflux::Client::open(options);
  if (!client.ok()) {
    std::cerr << client.status().to_string() << "\n";
    return 1;
  }
  auto flow = client->flow(argv[2]);
  if (!flow.ok()) {
    std::cerr << flow.status().to_string() << "\n";
    return 1;
  }
  auto runs = flow->runs();
  if (!runs.ok()) {
    std::cerr << runs.status().to_string() << "\n";
    return 1;
  }
  size_t tagged = 0;  // touch what a listing shows, so nothing is left unread
  for (const conflux::Run& run : *runs) tagged += run.user_tags().size() + run.user_name().size() > 0;
  const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  std::cout << runs->size() << " runs in " << ms << " ms (" << tagged << " with a user)\n";
  return 0;
}
