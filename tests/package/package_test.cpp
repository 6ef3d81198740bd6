// Code packages: the tar writer and reader, reproducible bytes, what the ELF reader finds in a real
// flow binary, runner checks, and the per-node cache (one fetch however many tasks start at once).
#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <thread>

#include "datastore/gzip_codec.hpp"
#include "datastore/local_storage.hpp"
#include "package/code_package.hpp"
#include "package/package_cache.hpp"
#include "package/tar_archive.hpp"
#include "testutil/testutil.hpp"

namespace conflux {
namespace {

using testing::TempDir;

TEST(TarArchive, RoundTripsFilesAndLongPaths) {
  std::string long_dir(120, 'd');
  std::vector<TarEntry> in = {{"INFO", "{}", 0644}, {"bin/flow", std::string(1000, '\x7f'), 0755},
                              {long_dir + "/file.txt", "x", 0600}, {"empty", "", 0644}};
  auto tar = write_tar(in, 1575360000);
  ASSERT_TRUE(tar.ok());
  EXPECT_EQ(tar->size() % 512, 0u);
  auto out = read_tar(*tar);
  ASSERT_TRUE(out.ok()) << out.status().message();
  ASSERT_EQ(out->size(), in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    EXPECT_EQ((*out)[i].path, in[i].path);
    EXPECT_EQ((*out)[i].data, in[i].data);
    EXPECT_EQ((*out)[i].mode, in[i].mode);
  }
  // Python's tarfile reads it too (Metaflow's client opens packages with it).
  TempDir dir;
  std::ofstream(dir.path() / "p.tar", std::ios::binary) << *tar;
  auto py = testing::run_command({"/usr/bin/python3", "-c",
                                  "import sys,tarfile; t=tarfile.open(sys.argv[1]); print(','.join(t.getnames()))",
                                  (dir.path() / "p.tar").string()});
  EXPECT_EQ(py.exit_code, 0) << py.err;
  EXPECT_EQ(py.out, "INFO,bin/flow," + long_dir + "/file.txt,empty\n");
}

TEST(TarArchive, RefusesUnsafeAndCorruptArchives) {
  EXPECT_FALSE(write_tar({{"../escape", "x", 0644}}, 0).ok());
  EXPECT_FALSE(write_tar({{"/abs", "x", 0644}}, 0).ok());
  auto tar = write_tar({{"ok", "hello", 0644}}, 0);
  ASSERT_TRUE(tar.ok());
  std::string corrupt = *tar;
  corrupt[0] = 'X';  // the header checksum no longer matches
  EXPECT_FALSE(read_tar(corrupt).ok());
  std::string truncated = tar->substr(0, 514);  // the header and 2 of the 5 bytes
  EXPECT_FALSE(read_tar(truncated).ok());
  // A path that would leave the extraction directory, with a valid checksum.
  auto made = write_tar({{"aa/x", "evil", 0644}}, 0);
  ASSERT_TRUE(made.ok());
  std::string evil = *made;
  evil.replace(0, 2, "..");
  unsigned sum = 0;
  for (size_t i = 0; i < 512; ++i) sum += (i >= 148 && i < 156) ? ' ' : static_cast<unsigned char>(evil[i]);
  char field[8];
  std::snprintf(field, sizeof(field), "%06o", sum);
  evil.replace(148, 6, field, 6);
  auto refused = read_tar(evil);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("unsafe path '../x'"), std::string::npos) << refused.status().message();
}

TEST(CodePackage, ReproducibleWithInfoAndSource) {
  TempDir dir;
  std::ofstream(dir.path() / "flow.cpp") << "// the flow's source\n";
  CodePackageInput input{"HelloFlow", testing::build_path("examples/hello"), dir.path() / "flow.cpp"};
  auto a = build_code_package(input);
  auto b = build_code_package(input);
  ASSERT_TRUE(a.ok()) << a.status().message();
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(a->sha, b->sha) << "the same binary and source give the same bytes";
  EXPECT_EQ(a->members, (std::vector<std::string>{"CONFIG", "INFO", "bin/hello", "flow.cpp"}));
  EXPECT_EQ(a->info["script"], "flow.cpp");
  EXPECT_EQ(a->info["arch"], "x86_64");
  EXPECT_FALSE(a->info["build_id"].get<std::string>().empty());
  EXPECT_FALSE(a->elf.glibc_min.empty());
  EXPECT_NE(std::find(a->elf.needed.begin(), a->elf.needed.end(), "libc.so.6"), a->elf.needed.end());
  // The gzip stream carries no time stamp (bytes 4..7 of the header).
  EXPECT_EQ(a->tgz.substr(4, 4), std::string(4, '\0'));
  auto tar = gunzip(a->tgz);
  ASSERT_TRUE(tar.ok());
  auto entries = read_tar(*tar);
  ASSERT_TRUE(entries.ok());
  EXPECT_EQ((*entries)[2].mode, 0755u);  // bin/hello stays executable
  // A missing source is left out, not an error; a missing binary is.
  input.source = dir.path() / "gone.cpp";
  auto without = build_code_package(input);
  ASSERT_TRUE(without.ok());
  EXPECT_EQ(without->info["script"], "hello");
  input.binary = dir.path() / "flow.cpp";
  auto not_elf = build_code_package(input);
  EXPECT_FALSE(not_elf.ok());
  EXPECT_NE(not_elf.status().message().find("not a 64-bit ELF"), std::string::npos);
}

TEST(CodePackage, RunnerGapsNameWhatIsMissing) {
  ElfInfo elf;
  elf.glibc_min = "2.38";
  elf.needed = {"libc.so.6", "libtorch.so"};
  RunnerManifest runner = default_runner_manifest();
  auto gaps = runner_gaps(elf, runner);
  ASSERT_EQ(gaps.size(), 2u);
  EXPECT_NE(gaps[0].find("glibc 2.38"), std::string::npos);
  EXPECT_NE(gaps[1].find("libtorch.so"), std::string::npos);
  elf.glibc_min = "2.9";  // numerically older than 2.36
  elf.needed = {"libc.so.6"};
  EXPECT_TRUE(runner_gaps(elf, runner).empty());
  TempDir dir;
  std::ofstream(dir.path() / "bad.json") << R"({"glibc": 2})";
  auto bad = load_runner_manifest(dir.path() / "bad.json");
  EXPECT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("bad.json"), std::string::npos);
}

TEST(CodePackage, StoredOnceAsRawCasBlob) {
  TempDir dir;
  LocalStorage storage(dir.path());
  CodePackageInput input{"HelloFlow", testing::build_path("examples/hello"), ""};
  auto pkg = build_code_package(input);
  ASSERT_TRUE(pkg.ok());
  auto first = store_code_package(storage, "HelloFlow", dir.path().string(), *pkg);
  auto second = store_code_package(storage, "HelloFlow", dir.path().string(), *pkg);
  ASSERT_TRUE(first.ok()) << first.status().message();
  ASSERT_TRUE(second.ok());
  EXPECT_FALSE(first->already_stored);
  EXPECT_TRUE(second->already_stored);
  EXPECT_EQ(first->url, dir.path().string() + "/HelloFlow/data/" + pkg->sha.substr(0, 2) + "/" + pkg->sha);
  EXPECT_EQ(testing::read_file(first->url), pkg->tgz) << "stored raw, byte for byte";
  EXPECT_NE(first->metadata_row().find("\"location\":\"" + first->url + "\""), std::string::npos);
  EXPECT_EQ(first->env().at("METAFLOW_CODE_SHA"), pkg->sha);
}

TEST(PackageCache, OneFetchForManyTasksAndVerifiedBytes) {
  TempDir dir;
  CodePackageInput input{"HelloFlow", testing::build_path("examples/hello"), ""};
  auto pkg = build_code_package(input);
  ASSERT_TRUE(pkg.ok());
  std::atomic<int> fetches{0};
  auto fetch = [&]() -> Result<std::string> {
    ++fetches;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    return pkg->tgz;
  };
  std::vector<std::thread> tasks;
  std::atomic<int> ok{0};
  for (int i = 0; i < 8; ++i) {
    tasks.emplace_back([&] {
      auto got = cached_package(dir.path() / "cache", pkg->sha, fetch);
      if (got.ok() && std::filesystem::exists(got->dir / "bin/hello")) ++ok;
    });
  }
  for (auto& t : tasks) t.join();
  EXPECT_EQ(ok, 8);
  EXPECT_EQ(fetches, 1);
  EXPECT_EQ(std::filesystem::status(dir.path() / "cache" / pkg->sha / "bin/hello").permissions() &
                std::filesystem::perms::owner_exec,
            std::filesystem::perms::owner_exec);
  // Bytes that do not match the sha are refused and nothing is extracted.
  std::string other(40, 'a');
  auto wrong = cached_package(dir.path() / "cache", other, fetch);
  EXPECT_FALSE(wrong.ok());
  EXPECT_NE(wrong.status().message().find("expected " + other), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "cache" / other));
  EXPECT_FALSE(cached_package(dir.path() / "cache", "../../etc", fetch).ok());
}

}  // namespace
}  // namespace conflux
