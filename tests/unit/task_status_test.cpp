// The run status state machine: every legal transition is allowed, every other one rejected.
#include <doctest/doctest.h>

#include <set>
#include <vector>

#include "task/task_status.hpp"

using namespace agentsys;
using S = TaskStatus;

namespace {

const std::vector<S> kAll = {S::pending,   S::running,   S::retrying,    S::succeeded, S::failed,
                             S::timed_out, S::cancelled, S::interrupted, S::skipped};

const std::set<std::pair<S, S>> kLegal = {
    {S::pending, S::running},      {S::pending, S::cancelled},     {S::pending, S::skipped},
    {S::pending, S::interrupted},  {S::running, S::succeeded},     {S::running, S::failed},
    {S::running, S::timed_out},    {S::running, S::cancelled},     {S::running, S::retrying},
    {S::running, S::interrupted},  {S::retrying, S::running},      {S::retrying, S::cancelled},
    {S::retrying, S::interrupted}, {S::retrying, S::skipped},      {S::interrupted, S::retrying},
    {S::interrupted, S::failed},   {S::interrupted, S::cancelled},
};

}  // namespace

TEST_CASE("task status: every legal transition is allowed and applied") {
  for (auto [from, to] : kLegal) {
    CAPTURE(to_string(from));
    CAPTURE(to_string(to));
    CHECK(can_transition(from, to));
    S s = from;
    CHECK_NOTHROW(transition(s, to));
    CHECK(s == to);
  }
}

TEST_CASE("task status: every other transition is rejected and leaves the status unchanged") {
  int rejected = 0;
  for (S from : kAll) {
    for (S to : kAll) {
      if (kLegal.count({from, to}) != 0) continue;
      CAPTURE(to_string(from));
      CAPTURE(to_string(to));
      CHECK_FALSE(can_transition(from, to));
      S s = from;
      CHECK_THROWS_AS(transition(s, to), IllegalTransition);
      CHECK(s == from);
      ++rejected;
    }
  }
  CHECK(rejected == 81 - static_cast<int>(kLegal.size()));
  S s = S::succeeded;
  CHECK_THROWS_WITH(transition(s, S::running),
                    "illegal task status transition succeeded -> running");
}

TEST_CASE("task status: terminal states, names round-trip") {
  for (S s : kAll) {
    CHECK(parse_task_status(to_string(s)) == s);
    bool terminal = s == S::succeeded || s == S::failed || s == S::timed_out || s == S::cancelled ||
                    s == S::skipped;
    CHECK(is_terminal(s) == terminal);
  }
  CHECK_FALSE(parse_task_status("done"));
}
