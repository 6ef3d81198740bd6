// Wide fan-outs: a foreach of 10,000 tasks and the join that reads all of them (Linux caps one
// command-line argument at 128 KiB: uncompressed, the join's input paths would not fit).
#include "runtime/flow_run_test_util.hpp"

namespace {

using namespace conflux::testing;  // NOLINT: test helpers

class WideForeachTest : public FlowRunTest {};

TEST_F(WideForeachTest, JoinOverTenThousandInputs) {
  auto r = run_flow("bench/fanout_bench", {"run", "--n", "10000", "--max-num-splits", "10000", "--max-workers", "16"});
  ASSERT_EQ(r.exit_code, 0) << r.out.substr(r.out.size() > 4000 ? r.out.size() - 4000 : 0) << r.err;
  EXPECT_NE(r.out.find("Foreach yields 10000 child steps."), std::string::npos);
  EXPECT_NE(r.out.find("total 99990000"), std::string::npos) << "the join summed every input";
  // The join ran once, with every input.
  std::string run = run_id_of(r.out);
  std::vector<fs::path> joins;
  for (const auto& e : fs::directory_iterator(root() / "FanoutBench" / run / "join")) {
    if (e.path().filename() != "_meta") joins.push_back(e.path());
  }
  ASSERT_EQ(joins.size(), 1u);
  // 10,000 elements: each task read its own from one slice (task/foreach_chunks.hpp), and the
  // total above proves the elements right.
  std::string start_index;
  for (const auto& e : fs::directory_iterator(root() / "FanoutBench" / run / "start")) {
    if (e.path().filename() != "_meta") start_index = read_file(e.path() / "0.data.json");
  }
  EXPECT_NE(start_index.find("\"_foreach_chunks\""), std::string::npos);
  std::string work_index;
  for (const auto& e : fs::directory_iterator(root() / "FanoutBench" / run / "work")) {
    if (e.path().filename() != "_meta") work_index = read_file(e.path() / "0.data.json");
    if (!work_index.empty()) break;
  }
  EXPECT_EQ(work_index.find("\"_foreach_chunks\""), std::string::npos) << "not passed down";
  // Compressed, 10,000 paths are longer than a command line should carry: the join read them
  // from its attempt's input_paths file in the datastore.
  EXPECT_TRUE(fs::exists(joins.front() / "0.input_paths"));
  EXPECT_EQ(read_file(joins.front() / "0.input_paths").front(), '!');
}

}  // namespace
