// A program that reads runs through the public client API of an installed Conflux: local
// datastore, metadata from a metadata service. Usage: myclient DATASTORE_ROOT SERVICE_URL
#include <conflux/client.hpp>

#include <iostream>

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: myclient DATASTORE_ROOT SERVICE_URL\n";
    return 2;
  }
  conflux::ClientOptions options;
  options.datastore_root = argv[1];
  options.metadata = "service";
  options.service_url = argv[2];
  options.username = "installer";
  options.ns = conflux::Namespace::global();
  auto client = conflux::Client::open(options);
  if (!client.ok()) {
    std::cerr << client.status().to_string() << "\n";
    return 1;
  }
  auto run = client->flow("MyFlow")->latest_run();
  if (!run.ok()) {
    std::cerr << run.status().to_string() << "\n";
    return 1;
  }
  auto doubled = run->artifact<int64_t>("doubled");
  if (!doubled.ok()) {
    std::cerr << doubled.status().to_string() << "\n";
    return 1;
  }
  std::cout << "run " << run->id() << " doubled " << *doubled << "\n";
  return 0;
}
