#include "inline_interpreter.hpp"

#include <algorithm>
#include <array>

namespace agentsys::policy {

namespace {

constexpr int kMaxDepth = 8;  // wrappers of wrappers; deeper nesting is itself suspicious

enum class Family {
  none,
  shell,
  python,
  perl,
  ruby,
  node,
  php,
  lua,
  awk,
  tcl,
  busybox,
  env,
  wrapper,
  xargs,
  find
};

/// "python3.11" -> true for prefix "python" (what follows is a version: digits and dots).
bool versioned(std::string_view name, std::string_view prefix) {
  if (name.substr(0, prefix.size()) != prefix) return false;
  return std::all_of(name.begin() + static_cast<std::ptrdiff_t>(prefix.size()), name.end(),
                     [](char c) { return (c >= '0' && c <= '9') || c == '.'; });
}

Family family(std::string_view name) {
  static constexpr std::array<std::string_view, 14> kShells = {
      "sh",    "bash", "dash", "zsh", "ksh",  "ksh93", "mksh",
      "pdksh", "ash",  "fish", "csh", "tcsh", "yash",  "rbash"};
  static constexpr std::array<std::string_view, 13> kWrappers = {
      "nice", "nohup", "timeout", "stdbuf",   "setsid", "ionice", "taskset",
      "chrt", "time",  "flock",   "unbuffer", "chroot", "watch"};
  if (std::find(kShells.begin(), kShells.end(), name) != kShells.end()) return Family::shell;
  if (versioned(name, "python") || versioned(name, "pypy")) return Family::python;
  if (versioned(name, "perl")) return Family::perl;
  if (versioned(name, "ruby") || name == "irb") return Family::ruby;
  if (name == "node" || name == "nodejs" || name == "deno" || name == "bun") return Family::node;
  if (versioned(name, "php")) return Family::php;
  if (versioned(name, "lua") || name == "luajit") return Family::lua;
  if (name == "awk" || name == "gawk" || name == "mawk" || name == "nawk" ||
      name == "busybox-awk") {
    return Family::awk;
  }
  if (versioned(name, "tclsh") || versioned(name, "wish") || name == "expect") return Family::tcl;
  if (name == "busybox" || name == "toybox") return Family::busybox;
  if (name == "env") return Family::env;
  if (name == "xargs") return Family::xargs;
  if (name == "find") return Family::find;
  if (std::find(kWrappers.begin(), kWrappers.end(), name) != kWrappers.end()) {
    return Family::wrapper;
  }
  return Family::none;
}

/// True when a short-option cluster such as "-ec" or "-xc" contains `flag`.
bool cluster_has(std::string_view arg, char flag) {
  return arg.size() >= 2 && arg[0] == '-' && arg[1] != '-' &&
         arg.find(flag) != std::string_view::npos;
}

std::optional<std::string> check(std::span<const std::string> argv, std::string_view name,
                                 int depth);

/// Looks for an interpreter after a wrapper (timeout 5 sh -c ..., nice -n 5 bash -c ...): the
/// first argument that names an interpreter or wrapper is analysed as a command of its own.
std::optional<std::string> check_wrapped(std::span<const std::string> argv, size_t from,
                                         int depth) {
  for (size_t i = from; i < argv.size(); ++i) {
    const std::string_view name = base_name(argv[i]);
    if (family(name) != Family::none) return check(argv.subspan(i), name, depth + 1);
  }
  return std::nullopt;
}

std::optional<std::string> check(std::span<const std::string> argv, std::string_view name,
                                 int depth) {
  if (depth > kMaxDepth) return "commands wrapped more than 8 levels deep";
  const std::string who = std::string(name);
  switch (family(name)) {
    case Family::none: return std::nullopt;
    case Family::shell: {
      // The first non-option argument is a script file; "-c" (alone or in a cluster) or no
      // script at all (code from stdin, "-s") means inline code.
      for (size_t i = 1; i < argv.size(); ++i) {
        const std::string& a = argv[i];
        if (a == "--")
          return i + 1 < argv.size()
                     ? std::nullopt
                     : std::optional<std::string>(who + " reading commands from stdin");
        if (a == "-o" || a == "+o" || a == "-O" || a == "+O") {  // option with a value
          ++i;
          continue;
        }
        if (cluster_has(a, 'c')) return who + " -c runs inline shell code";
        if (cluster_has(a, 's')) return who + " -s reads commands from stdin";
        if (!a.empty() && (a[0] == '-' || a[0] == '+')) continue;
        return std::nullopt;  // a script file
      }
      return who + " without a script reads commands from stdin";
    }
    case Family::python: {
      for (size_t i = 1; i < argv.size(); ++i) {
        const std::string& a = argv[i];
        if (a == "-") return who + " - reads the program from stdin";
        if (a.rfind("--", 0) == 0) {
          if (a == "--")
            return i + 1 < argv.size()
                       ? std::nullopt
                       : std::optional<std::string>(who + " reading its program from stdin");
          continue;
        }
        if (a.size() >= 2 && a[0] == '-') {
          // Options taking a value: -W arg, -X opt, -m module, -Q. "-c" may end a cluster.
          const size_t c = a.find('c');
          const size_t w = a.find_first_of("WXm");
          if (c != std::string::npos && (w == std::string::npos || c < w)) {
            return who + " -c runs inline code";
          }
          if (w != std::string::npos) {
            if (a[w] == 'm') return std::nullopt;  // runs a module: matched by the allow rule
            if (w + 1 == a.size()) ++i;            // the value is the next argument
          }
          continue;
        }
        return std::nullopt;  // a script file
      }
      return who + " without a script reads its program from stdin";
    }
    case Family::perl:
    case Family::ruby: {
      for (size_t i = 1; i < argv.size(); ++i) {
        const std::string& a = argv[i];
        if (a == "-") return who + " - reads the program from stdin";
        if (a == "--") break;
        if (a.size() >= 2 && a[0] == '-' && a[1] != '-') {
          if (cluster_has(a, 'e') || cluster_has(a, 'E')) return who + " -e runs inline code";
          continue;
        }
        if (a.rfind("--", 0) == 0) continue;
        return std::nullopt;
      }
      return who + " without a script reads its program from stdin";
    }
    case Family::node: {
      for (size_t i = 1; i < argv.size(); ++i) {
        const std::string& a = argv[i];
        if (a == "-e" || a == "-p" || a == "--eval" || a == "--print" ||
            a.rfind("--eval=", 0) == 0 || a.rfind("--print=", 0) == 0 || cluster_has(a, 'e') ||
            cluster_has(a, 'p')) {
          return who + " --eval runs inline code";
        }
        if (a == "-") return who + " - reads the program from stdin";
        if (!a.empty() && a[0] == '-') continue;
        return std::nullopt;
      }
      return who + " without a script reads its program from stdin";
    }
    case Family::php: {
      for (size_t i = 1; i < argv.size(); ++i) {
        const std::string& a = argv[i];
        if (a == "-r" || a == "-R" || a == "-B" || a == "-E" || a == "-a") {
          return who + " " + a + " runs inline code";
        }
        if (!a.empty() && a[0] == '-') continue;
        return std::nullopt;
      }
      return who + " without a script reads its program from stdin";
    }
    case Family::lua:
    case Family::tcl: {
      for (size_t i = 1; i < argv.size(); ++i) {
        const std::string& a = argv[i];
        if (a == "-e" || a == "-c" || a == "-") return who + " " + a + " runs inline code";
        if (!a.empty() && a[0] == '-') continue;
        return std::nullopt;
      }
      return who + " without a script reads its program from stdin";
    }
    case Family::awk: {
      // awk's program is its first operand unless given with -f.
      for (size_t i = 1; i < argv.size(); ++i) {
        const std::string& a = argv[i];
        if (a == "-f" || a.rfind("-f", 0) == 0 || a.rfind("--file", 0) == 0) return std::nullopt;
        if (a == "-v" || a == "-F") {
          ++i;
          continue;
        }
        if (!a.empty() && a[0] == '-') continue;
        break;
      }
      return who + " runs the program given on its command line";
    }
    case Family::busybox:
      // busybox APPLET args...: the applet is the command.
      if (argv.size() < 2) return std::nullopt;
      return check(argv.subspan(1), base_name(argv[1]), depth + 1);
    case Family::env: {
      // env [-i] [-u NAME] [-C DIR] [NAME=VALUE]... COMMAND [ARG]...; -S splits a string into
      // a command line, which is inline code by construction.
      for (size_t i = 1; i < argv.size(); ++i) {
        const std::string& a = argv[i];
        if (a == "-S" || a.rfind("-S", 0) == 0 || a.rfind("--split-string", 0) == 0) {
          return "env -S builds a command line from a string";
        }
        if (a == "-u" || a == "-C" || a == "--unset" || a == "--chdir") {
          ++i;
          continue;
        }
        if (!a.empty() && a[0] == '-') continue;
        if (a.find('=') != std::string::npos) continue;
        return check(argv.subspan(i), base_name(a), depth + 1);
      }
      return std::nullopt;
    }
    case Family::xargs:
    case Family::wrapper: return check_wrapped(argv, 1, depth);
    case Family::find:
      for (size_t i = 1; i + 1 < argv.size(); ++i) {
        const std::string& a = argv[i];
        if (a == "-exec" || a == "-execdir" || a == "-ok" || a == "-okdir") {
          const std::string_view inner = base_name(argv[i + 1]);
          if (auto r = check(argv.subspan(i + 1), inner, depth + 1)) return "find " + a + ": " + *r;
        }
      }
      return std::nullopt;
  }
  return std::nullopt;
}

}  // namespace

std::string_view base_name(std::string_view path) noexcept {
  const size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

std::optional<std::string> inline_code_reason(std::span<const std::string> argv,
                                              std::string_view resolved) {
  if (argv.empty()) return std::nullopt;
  if (auto r = check(argv, base_name(argv[0]), 0)) return r;
  const std::string_view real = base_name(resolved);
  if (!real.empty() && real != base_name(argv[0])) return check(argv, real, 0);
  return std::nullopt;
}

}  // namespace agentsys::policy
