#pragma once
// Shared by the policy tests: the shipped policy layers (config/policy/*.toml, converted with
// the kernel's own TOML reader) and a sandbox directory tree with a state dir, a run dir,
// symlinks that escape it, a fake interpreter for PATH hijacks and a legacy script dir.
#include <doctest/doctest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "config/toml_to_json.hpp"
#include "engine.hpp"
#include "test_paths.h"
#include "test_support.hpp"

namespace agentsys::policy::test {

namespace fs = std::filesystem;
using json = nlohmann::json;

inline const fs::path kSourceDir = AGENTSYS_TEST_SOURCE_DIR;

/// {"name": NAME, "source": "config/policy/NAME.toml", "document": {...}}
inline json shipped_layer(const std::string& name) {
  const std::string source = "config/policy/" + name + ".toml";
  auto parsed = agentsys::config::parse_toml_file(kSourceDir / source, source);
  REQUIRE_MESSAGE(parsed.ok, parsed.error.message);
  return {{"name", name}, {"source", source}, {"document", parsed.document}};
}

inline void write_file(const fs::path& p, const std::string& text, bool executable = false) {
  fs::create_directories(p.parent_path());
  std::ofstream(p) << text;
  if (executable) fs::permissions(p, fs::perms::owner_all | fs::perms::group_read);
}

/// A directory tree for path and command decisions; removed at the end of the test.
struct Sandbox {
  agentsys::test::TempDir tmp;
  fs::path root = fs::canonical(tmp.path());
  fs::path state = root / "state";
  fs::path run = state / "runs" / "run_1";
  fs::path output = state / "output";
  fs::path outside = root / "outside";
  fs::path scripts = root / "scripts";
  fs::path fakebin = root / "fakebin";
  fs::path home = root / "home";

  Sandbox() {
    fs::create_directories(run);
    fs::create_directories(output);
    fs::create_directories(home);
    write_file(outside / "secret.txt", "secret\n");
    write_file(scripts / "report.py", "print('report')\n");
    write_file(fakebin / "python3", "#!/bin/sh\necho hijacked\n", true);
    fs::create_directory_symlink(outside, run / "escape");
    fs::create_symlink(outside / "secret.txt", run / "link_file");
    fs::create_symlink(run / "loop2", run / "loop1");
    fs::create_symlink(run / "loop1", run / "loop2");
  }

  [[nodiscard]] json vars() const {
    return {{"state_dir", state.string()},      {"config_dir", (kSourceDir / "config").string()},
            {"repo_root", kSourceDir.string()}, {"home", home.string()},
            {"output_dir", output.string()},    {"script_dirs", json::array({scripts.string()})}};
  }

  /// An engine over the shipped layers (base plus the named ones).
  [[nodiscard]] std::unique_ptr<Engine> engine(const std::vector<std::string>& layers,
                                               EngineOptions options = {}) const {
    json config{{"env", layers.empty() ? "base" : layers.back()},
                {"vars", vars()},
                {"layers", json::array({shipped_layer("base")})}};
    for (const auto& l : layers) config["layers"].push_back(shipped_layer(l));
    Problems problems;
    auto e = Engine::build(config, problems, options);
    REQUIRE_MESSAGE(e, problems.text());
    return e;
  }
};

}  // namespace agentsys::policy::test
