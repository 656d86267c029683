// The documented error-code table (docs/errors.md) matches the code, row for row.
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <fstream>
#include <sstream>

#include "task/error_code.hpp"
#include "test_paths.h"

using namespace agentsys;

TEST_CASE("error codes: docs/errors.md lists every code with its retryability and action") {
  std::ifstream in(std::string(AGENTSYS_TEST_SOURCE_DIR) + "/docs/errors.md");
  REQUIRE(in);
  std::stringstream doc;
  doc << in.rdbuf();
  for (const ErrorCodeInfo& c : all_error_codes()) {
    if (c.code == ErrorCode::none) continue;
    std::string row = fmt::format("| `{}` | {} | {} | {} |", c.name, c.meaning,
                                  c.retryable ? "yes" : "no", c.operator_action);
    CAPTURE(row);
    CHECK(doc.str().find(row) != std::string::npos);
  }
}

TEST_CASE("error codes: names round-trip and plugin statuses map into the closed set") {
  for (const ErrorCodeInfo& c : all_error_codes()) CHECK(parse_error_code(c.name) == c.code);
  CHECK(from_status(AS_OK) == ErrorCode::none);
  CHECK(from_status(AS_ERR_INVALID_INPUT) == ErrorCode::invalid_input);
  CHECK(from_status(AS_ERR_UNAVAILABLE) == ErrorCode::upstream_unavailable);
  CHECK(from_status(AS_ERR_POLICY_DENIED) == ErrorCode::policy_denied);
  CHECK(from_status(AS_ERR_NEEDS_APPROVAL) == ErrorCode::needs_approval);
  CHECK(from_status(-1234) == ErrorCode::plugin_error);
  CHECK(info(ErrorCode::timeout).retryable);
  CHECK_FALSE(info(ErrorCode::idempotency_conflict).retryable);
}
