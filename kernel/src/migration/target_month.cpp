#include "migration/target_month.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

namespace agentsys::migration {

std::string target_month_problem(std::string_view text) {
  const bool digits = text.size() == 6 && std::all_of(text.begin(), text.end(), [](char c) {
                        return std::isdigit(static_cast<unsigned char>(c)) != 0;
                      });
  if (!digits) {
    return fmt::format("malformed month '{}': expected YYYYMM, e.g. 202602", text);
  }
  const int year = std::stoi(std::string(text.substr(0, 4)));
  const int month = std::stoi(std::string(text.substr(4, 2)));
  if (month < 1 || month > 12) {
    return fmt::format("malformed month '{}': month {:02} is not 01..12", text, month);
  }
  if (year < 1970) {
    return fmt::format("malformed month '{}': year {} is before 1970", text, year);
  }
  return {};
}

}  // namespace agentsys::migration
