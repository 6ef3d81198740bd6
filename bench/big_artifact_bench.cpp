// BigArtifactBench: moving one large artifact between steps. start builds a std::vector<double>
// of `mib` MiB (first half pseudo-random values in [0, 1), second half zeros, as in the Metaflow
// reference run); end reads it back and checks its sum.
#include <conflux/conflux.hpp>

#include <cmath>
#include <iostream>
#include <numeric>
#include <random>

class BigArtifactBench : public conflux::FlowSpec<BigArtifactBench> {
 public:
  conflux::Parameter<int64_t> mib{this, "mib", 64, "size of the artifact in MiB"};
  conflux::Artifact<std::vector<double>> data{this, "data"};
  conflux::Artifact<double> expected_sum{this, "expected_sum"};

  void start() {
    size_t count = static_cast<size_t>(*mib) * (1 << 20) / sizeof(double);
    std::vector<double>& v = *data;
    v.assign(count, 0.0);
    std::mt19937_64 rng(42);
    std::uniform_real_distribution<double> uniform(0.0, 1.0);
    for (size_t i = 0; i < count / 2; ++i) v[i] = uniform(rng);
    expected_sum = std::accumulate(v.begin(), v.end(), 0.0);
  }
  void end() {
    double sum = std::accumulate(data->begin(), data->end(), 0.0);
    if (std::fabs(sum - *expected_sum) > 1e-6 * std::fabs(*expected_sum)) {
      throw std::runtime_error("sum mismatch");
    }
    std::cout << "elements " << data->size() << " sum " << sum << "\n";
  }

  static void graph(conflux::Graph<BigArtifactBench>& g) {
    g.doc("One large numeric artifact from start to end.");
    g.step("start", &BigArtifactBench::start).next("end");
    g.step("end", &BigArtifactBench::end);
  }
};

CONFLUX_FLOW(BigArtifactBench)
