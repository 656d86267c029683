// The short cuts of decisions without the filesystem, each against the general way it replaces:
// is_canonical against canonicalize; a per-call root compared with the path piece by piece
// against expanding and canonicalising it; the first/last byte tables of deny names against
// asking every glob; the eight-byte ASCII stride of the UTF-8 check around invalid sequences.
#include <algorithm>
#include <string>
#include <vector>

#include "path_canon.hpp"
#include "path_policy.hpp"
#include "policy_test_support.hpp"
#include "root_list.hpp"
#include "utf8.hpp"

using namespace agentsys::policy;
using namespace agentsys::policy::test;

namespace {

/// RootList::contains as it was before the short cut: expand, canonicalise, compare.
RootList::Match reference(const Template& t, std::string_view path, const VarScope& scope,
                          std::string& missing) {
  auto expanded = t.expand_list(scope, missing);
  if (!expanded) return RootList::Match::unresolved;
  for (const auto& root : *expanded) {
    const CanonResult c = canonicalize(root, false);
    if (c.status == CanonStatus::ok && path_within(path, c.path)) return RootList::Match::inside;
  }
  return RootList::Match::outside;
}

Template parse(const std::string& text) {
  std::string error;
  auto t = Template::parse(text, error);
  REQUIRE_MESSAGE(t, error);
  return *t;
}

}  // namespace

TEST_CASE("policy lexical: is_canonical is canonicalize leaving the path unchanged") {
  const std::vector<std::string> paths = {
      "/",
      "//",
      "/a",
      "/a/",
      "/a//b",
      "/./a",
      "/a/.",
      "/a/..",
      "/..",
      "/.",
      "/...",
      "/.a",
      "/a.",
      "/..a",
      "/a/.b/c",
      "/a/b..",
      "a",
      "",
      "./a",
      "/a/b/c",
      "/srv/run_1",
      "/é/ü",
      "/a/./b",
      "/a/../b",
      "/a/b/../",
      "///",
      "/a b",
      "/a/...b/.c.",
      "/" + std::string(4095, 'a'),
      "/" + std::string(4096, 'a'),
      "/" + std::string(2000, 'a') + "/" + std::string(2094, 'b'),
  };
  for (const auto& p : paths) {
    CAPTURE(p);
    const CanonResult c = canonicalize(p, false);
    CHECK(is_canonical(p) == (c.status == CanonStatus::ok && c.path == p));
  }
}

TEST_CASE("policy lexical: per-call roots compared piece by piece agree with expanding them") {
  const std::vector<std::string> templates = {
      "${run_dir}",
      "${run_dir}/out",
      "${state_dir}/runs/${run_id}",
      "/fixed/${run_id}",
      "${run_dir}/",
      "${run_dir}.d",
      "${script_dirs}",
      "${state_dir}${run_id}",
      "x${run_dir}",
      "${run_id}",
      "${run_dir}/${run_id}/..",
      "${run_dir}/.${run_id}",
  };
  const std::vector<std::string> dirs = {
      "/srv/run_1", "/srv/run_1/", "/srv//run_1",   "/srv/./run_1", "/srv/x/../run_1", "srv/run_1",
      "",           "/",           "/srv/run_1/..", "/srv/run_1/.", "/srv/run_1/...",  "/srv/run",
      "/srv",       "//",          "/srv/run_10",
  };
  const std::vector<std::string> ids = {"run_1",  "../run_1", "",    ".", "..",
                                        "run_1/", "/run_1",   "run", "/", "./x"};
  const std::vector<std::vector<std::string>> lists = {
      {"/srv/scripts"},
      {"rel", "/srv/scripts"},
      {"/srv/scripts/", "/srv/other"},
      {"/srv/other", "/srv/run_1"},
      {},
      {"/"},
  };
  const std::vector<std::string> paths = {
      "/",
      "/srv",
      "/srv/run_1",
      "/srv/run_1/a.csv",
      "/srv/run_10",
      "/srv/run",
      "/srv/run_1/out",
      "/srv/run_1/out/x",
      "/srv/runs/run_1",
      "/srv/runs/run_1/x",
      "/fixed/run_1",
      "/fixed",
      "/srv/scripts/a.py",
      "/srv/run_1.d/x",
      "/run_1",
      "/srv/run_1/.run_1",
      "/srv/runs",
      "/srv/other/x",
      "/srv/.run_1",
      "/srv/run_1/run_1",
  };
  for (const auto& text : templates) {
    const Template t = parse(text);
    RootList roots;
    roots.add({TemplateField{t, "/roots/0"}}, Vars{});
    auto check = [&](const Vars& call) {
      const VarScope scope{nullptr, &call};
      for (const auto& path : paths) {
        CAPTURE(text);
        CAPTURE(path);
        std::string missing;
        std::string expected_missing;
        CHECK(roots.contains(path, scope, false, missing) ==
              reference(t, path, scope, expected_missing));
        CHECK(missing == expected_missing);
      }
    };
    check(Vars{});  // nothing given: unresolved
    for (const auto& dir : dirs) {
      for (const auto& id : ids) {
        CAPTURE(dir);
        CAPTURE(id);
        check(Vars{{"run_dir", dir}, {"state_dir", dir}, {"run_id", id}});
      }
    }
    for (const auto& list : lists) {
      CAPTURE(list.size());
      check(Vars{{"script_dirs", list}, {"run_dir", list}, {"run_id", std::string("x")}});
    }
  }
}

TEST_CASE("policy lexical: deny names skip only components no glob can match") {
  const std::vector<std::string> patterns = {".ssh",        ".gnupg", "*.pem", "*.key", "id_rsa*",
                                             "id_ed25519*", "*",      "",      "a*b",   "[ab]c",
                                             "?x",          "x?",     "\\*",   "*.",    ".*"};
  const std::vector<std::string> components = {
      ".ssh",    "ssh", ".ssh2", "a.pem", ".pem", "pem",   "x.key", "id_rsa",  "id_rsa.pub",
      "xid_rsa", "ab",  "axxb",  "ac",    "bc",   "cc",    "zx",    "xz",      "*",
      "a",       ".",   "..",    "é",     "\xff", "run_1", "out",   "ops.csv", ".env"};
  auto check = [&](const std::vector<std::string>& set) {
    PathPolicy::Names names;
    std::vector<PathPolicy::Glob> globs;
    for (const auto& p : set) {
      names.add(p);
      globs.push_back(PathPolicy::Glob::compile(p));
    }
    for (const auto& c : components) {
      CAPTURE(c);
      const bool any = std::any_of(globs.begin(), globs.end(),
                                   [&](const PathPolicy::Glob& g) { return g.matches(c); });
      CHECK(names.matches(c) == any);
    }
  };
  for (const auto& p : patterns) {
    CAPTURE(p);
    check({p});
  }
  check({".ssh", ".gnupg", ".aws", ".netrc", ".pgpass", ".env", "*.pem", "*.key", "id_rsa*",
         "id_ed25519*"});  // base.toml's path.deny-secrets
}

TEST_CASE("policy lexical: UTF-8 errors are found on either side of the ASCII stride") {
  const std::vector<std::string> bad = {
      "\xc0\xae", "\xed\xa0\x80", "\xf4\x90\x80\x80",    "\x80", "\xc3",
      "\xe2\x82", "\xff",         "\xf8\x88\x80\x80\x80"};
  const std::vector<std::string> good = {"é", "€", "\xf0\x9d\x84\x9e", "\x7f"};
  for (size_t offset = 0; offset <= 20; ++offset) {
    for (const size_t tail : {0U, 1U, 7U, 8U, 9U, 17U}) {
      const std::string before(offset, 'a');
      const std::string after(tail, 'b');
      for (const auto& b : bad) {
        CAPTURE(offset);
        CAPTURE(tail);
        CAPTURE(b);
        CHECK_FALSE(is_valid_utf8(before + b + after));
      }
      for (const auto& g : good) {
        CAPTURE(offset);
        CAPTURE(tail);
        CAPTURE(g);
        CHECK(is_valid_utf8(before + g + after));
      }
    }
  }
}
