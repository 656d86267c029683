#include "migration/golden.hpp"

#include <fmt/format.h>

#include <fstream>
#include <sstream>
#include <stdexcept>

#include "util/sha256.hpp"

namespace agentsys::migration {
namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

std::string file_name(const json& input) {
  return sha256_hex(input.dump()).substr(0, 16) + ".json";
}

std::optional<GoldenCase> read_case(const fs::path& file) {
  std::ifstream in(file);
  if (!in) return std::nullopt;
  std::stringstream text;
  text << in.rdbuf();
  json record = json::parse(text.str(), nullptr, false);
  if (!record.is_object()) return std::nullopt;
  return GoldenCase{file, record.value("input", json::object()), record.value("key_fields", json()),
                    record};
}

}  // namespace

fs::path golden_dir(const fs::path& state_dir, const std::string& module,
                    const std::string& target_month) {
  return state_dir / "golden" / module / target_month;
}

std::optional<GoldenCase> find_golden(const fs::path& state_dir, const std::string& module,
                                      const std::string& target_month, const json& input) {
  if (target_month.empty()) return std::nullopt;
  return read_case(golden_dir(state_dir, module, target_month) / file_name(input));
}

std::vector<GoldenCase> golden_cases(const fs::path& state_dir, const std::string& module,
                                     const std::string& target_month) {
  std::vector<GoldenCase> cases;
  const fs::path root = state_dir / "golden" / module;
  std::error_code ec;
  std::vector<fs::path> months;
  if (!target_month.empty()) {
    months.push_back(root / target_month);
  } else {
    for (const auto& entry : fs::directory_iterator(root, ec)) months.push_back(entry.path());
  }
  std::sort(months.begin(), months.end());
  for (const fs::path& dir : months) {
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
      if (entry.path().extension() == ".json") files.push_back(entry.path());
    }
    std::sort(files.begin(), files.end());
    for (const fs::path& f : files) {
      if (auto c = read_case(f)) cases.push_back(std::move(*c));
    }
  }
  return cases;
}

GoldenCase write_golden(const fs::path& state_dir, const std::string& module,
                        const std::string& target_month, json record) {
  const fs::path dir = golden_dir(state_dir, module, target_month);
  fs::create_directories(dir);
  const fs::path file = dir / file_name(record.value("input", json::object()));
  const fs::path tmp = file.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << record.dump(2) << "\n";
    out.flush();
    if (!out) throw std::runtime_error(fmt::format("golden: cannot write {}", tmp.string()));
  }
  fs::rename(tmp, file);
  return GoldenCase{file, record.value("input", json::object()), record.value("key_fields", json()),
                    std::move(record)};
}

}  // namespace agentsys::migration
