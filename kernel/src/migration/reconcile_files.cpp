#include "migration/reconcile_files.hpp"

#include "migration/target_month.hpp"

#include <algorithm>
#include <fstream>

namespace agentsys::migration {
namespace fs = std::filesystem;
using json = nlohmann::json;

bool is_target_month(std::string_view t) { return target_month_problem(t).empty(); }

std::string month_folder(std::string_view target_month) {
  return is_target_month(target_month) ? std::string(target_month) : std::string(kUnscoped);
}

bool is_module_id(std::string_view t) {
  if (t.empty() || t.size() > 64 || t[0] < 'a' || t[0] > 'z') return false;
  return std::all_of(t.begin(), t.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

fs::path reconcile_root(const fs::path& state_dir) { return state_dir / "reconcile"; }

fs::path reconcile_dir(const fs::path& state_dir, std::string_view target_month,
                       std::string_view module) {
  return reconcile_root(state_dir) / month_folder(target_month) / std::string(module);
}

std::vector<json> read_runs(const fs::path& module_dir) {
  std::vector<json> out;
  std::ifstream in(module_dir / kRunsFile, std::ios::binary);
  for (std::string line; std::getline(in, line);) {
    json j = json::parse(line, nullptr, false);
    if (j.is_object()) out.push_back(std::move(j));
  }
  return out;
}

std::vector<std::string> modules_with_records(const fs::path& month_dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (fs::directory_iterator it(month_dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (is_module_id(name) && fs::is_regular_file(it->path() / kRunsFile, ec)) out.push_back(name);
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace agentsys::migration
