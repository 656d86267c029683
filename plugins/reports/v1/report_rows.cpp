#include "report_rows.hpp"

#include <charconv>
#include <string>
#include <vector>

namespace agentsys::reports::v1 {
using json = nlohmann::json;

namespace {

std::vector<std::vector<std::string>> records(std::string_view text) {
  std::vector<std::vector<std::string>> out;
  std::vector<std::string> row;
  std::string field;
  bool quoted = false;
  bool any = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        field += c;
      }
      continue;
    }
    if (c == '"') {
      quoted = true;
      any = true;
    } else if (c == ',') {
      row.push_back(std::move(field));
      field.clear();
      any = true;
    } else if (c == '\n' || c == '\r') {
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      if (any || !field.empty()) {
        row.push_back(std::move(field));
        out.push_back(std::move(row));
      }
      row.clear();
      field.clear();
      any = false;
    } else {
      field += c;
      any = true;
    }
  }
  if (any || !field.empty()) {
    row.push_back(std::move(field));
    out.push_back(std::move(row));
  }
  return out;
}

/// "12" -> 12, "0.95" -> 0.95, "" -> null, anything else stays text.
json cell(const std::string& s) {
  if (s.empty()) return nullptr;
  int64_t i = 0;
  auto [ip, iec] = std::from_chars(s.data(), s.data() + s.size(), i);
  if (iec == std::errc() && ip == s.data() + s.size()) return i;
  double d = 0;
  auto [dp, dec] = std::from_chars(s.data(), s.data() + s.size(), d);
  if (dec == std::errc() && dp == s.data() + s.size()) return d;
  return s;
}

}  // namespace

json parse_csv(std::string_view text) {
  auto recs = records(text);
  json out{{"columns", json::array()}, {"rows", json::array()}};
  if (recs.empty()) return out;
  out["columns"] = recs[0];
  for (size_t r = 1; r < recs.size(); ++r) {
    json row = json::object();
    for (size_t c = 0; c < recs[0].size(); ++c) {
      row[recs[0][c]] = c < recs[r].size() ? cell(recs[r][c]) : json(nullptr);
    }
    out["rows"].push_back(std::move(row));
  }
  return out;
}

}  // namespace agentsys::reports::v1
