// Stores one artifact of every supported standard type, for the Python-compatibility tests.
#include <conflux/conflux.hpp>

#include <iostream>
#include <map>
#include <optional>
#include <set>
#include <tuple>

struct Point {
  double x = 0;
  double y = 0;
};
CONFLUX_STRUCT(Point, x, y)

class ArtifactTypesFlow : public conflux::FlowSpec<ArtifactTypesFlow> {
 public:
  conflux::Artifact<bool> flag{this, "flag"};
  conflux::Artifact<int64_t> count{this, "count"};
  conflux::Artifact<double> ratio{this, "ratio"};
  conflux::Artifact<std::string> text{this, "text"};
  conflux::Artifact<conflux::Bytes> blob{this, "blob"};
  conflux::Artifact<std::vector<std::string>> names{this, "names"};
  conflux::Artifact<std::vector<double>> weights{this, "weights"};
  conflux::Artifact<std::vector<int64_t>> ids{this, "ids"};
  // Past the datastore's 1 MiB buffer: stored as parallel gzip members.
  conflux::Artifact<std::vector<double>> samples{this, "samples"};
  conflux::Artifact<std::map<std::string, int64_t>> counts{this, "counts"};
  conflux::Artifact<std::set<int64_t>> unique{this, "unique"};
  conflux::Artifact<std::optional<int64_t>> maybe{this, "maybe"};
  conflux::Artifact<std::pair<std::string, double>> pair{this, "pair"};
  conflux::Artifact<std::tuple<int64_t, std::string, bool>> triple{this, "triple"};
  conflux::Artifact<Point> point{this, "point"};
  conflux::Artifact<nlohmann::json> doc{this, "doc"};
  conflux::Artifact<std::string> checked{this, "checked"};

  void start() {
    flag = true;
    count = 42;
    ratio = 3.25;
    text = "hello conflux ✓";
    blob = conflux::Bytes{std::string("\x00\x01" "binary", 8)};
    names = {"a", "b"};
    weights = {0.5, 0.25, 0.125};
    ids = {1, 2, 3};
    samples->assign(600000, 0.0);
    for (size_t i = 0; i < samples->size() / 2; ++i) (*samples)[i] = 0.5 * static_cast<double>(i);
    counts = {{"x", 1}, {"y", 2}};
    unique = {3, 1, 2};
    maybe = std::nullopt;
    pair = {"pi", 3.14};
    triple = {7, "seven", false};
    point = Point{1.5, -2};
    doc = nlohmann::json{{"k", {1, 2, nullptr}}};
  }
  void end() {
    // Everything reads back in the next step, through the datastore.
    bool ok = *flag && *count == 42 && *ratio == 3.25 && *text == "hello conflux ✓" &&
              blob->data.size() == 8 && names->size() == 2 && weights->at(2) == 0.125 &&
              ids->at(1) == 2 && samples->size() == 600000 && samples->at(299999) == 149999.5 &&
              samples->back() == 0 && counts->at("y") == 2 && unique->count(3) && !maybe->has_value() &&
              pair->second == 3.14 && std::get<1>(*triple) == "seven" && point->y == -2 &&
              (*doc)["k"][1] == 2;
    // Read through non-const `->` above (unchanged: passed down by reference); changed here.
    ids->push_back(4);
    checked = ok ? "all values read back" : "MISMATCH";
    std::cout << *checked << "\n";
    if (!ok) throw std::runtime_error("artifact values did not round-trip");
  }

  static void graph(conflux::Graph<ArtifactTypesFlow>& g) {
    g.step("start", &ArtifactTypesFlow::start).next("end");
    g.step("end", &ArtifactTypesFlow::end);
  }
};

CONFLUX_FLOW(ArtifactTypesFlow)
