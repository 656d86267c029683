// Out-of-process plugins through the real CLI: a module with isolation = "process" runs its
// plugins in agentsys-plugin-host processes; their crashes fail only the attempt (plugin_crashed),
// the host is started again, host services work across the boundary, and no host outlives
// the kernel.
#include <doctest/doctest.h>
#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "cli_support.hpp"
#include "test_support.hpp"

using namespace agentsys::cli_test;

namespace {

const std::string kNoRetry = R"({"maximum_attempts":1})";

#if defined(__SANITIZE_ADDRESS__)
// AddressSanitizer turns a SIGSEGV into a report and exit(1), and reserves too much address
// space for a memory limit: the signal names and the memory case are checked without it.
constexpr bool kSanitized = true;
#else
constexpr bool kSanitized = false;
#endif

/// The pids of plugin host processes serving `plugin_file_name` (e.g. "crashy_v2.so").
std::vector<int> host_processes(const std::string& plugin_file_name) {
  std::vector<int> pids;
  for (const auto& entry : fs::directory_iterator("/proc")) {
    const std::string name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::string cmdline = slurp(entry.path() / "cmdline");
    if (cmdline.find("agentsys-plugin-host") == std::string::npos) continue;
    if (cmdline.find("/" + plugin_file_name) == std::string::npos) continue;
    pids.push_back(std::stoi(name));
  }
  return pids;
}

/// Whether no host of `plugin_file_name` runs within 2 s; kills any left, so a failure leaves none.
bool hosts_gone_within_2s(const std::string& plugin_file_name) {
  bool gone = false;
  for (int i = 0; i < 40 && !gone; ++i) {
    gone = host_processes(plugin_file_name).empty();
    if (!gone) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  for (int pid : host_processes(plugin_file_name)) ::kill(pid, SIGKILL);
  return gone;
}

std::vector<std::string> isolated(const std::string& module, std::vector<std::string> args) {
  std::vector<std::string> all{"--set", "modules." + module + ".isolation=process"};
  all.insert(all.end(), args.begin(), args.end());
  return all;
}

}  // namespace

TEST_CASE("an isolated plugin's crash fails only its attempt, and the kernel carries on") {
  Cli cli;
  const json first =
      cli.json_of(isolated("crashy", {"run", "crashy", "--action", "pid", "--json"}));
  REQUIRE(first["status"] == "succeeded");
  const int first_pid = first["output"]["pid"].get<int>();

  const std::vector<std::pair<std::string, std::string>> crashes = {
      {"segv", kSanitized ? "" : "killed by signal 11 (SIGSEGV"},
      {"abort", "SIGABRT"},
      {"exit", "exited with status 3"},
      {"stack", kSanitized ? "" : "SIGSEGV"},
  };
  for (const auto& [action, how] : crashes) {
    CAPTURE(action);
    Result r = cli(
        isolated("crashy", {"run", "crashy", "--action", action, "--retry", kNoRetry, "--json"}));
    INFO("stderr: ", r.err);
    CHECK(r.exit_code == 1);
    json doc = json::parse(r.out);
    CHECK(doc["status"] == "failed");
    CHECK(doc["error_code"] == "plugin_crashed");
    CHECK(doc["retryable"] == true);
    const std::string message = doc["message"].get<std::string>();
    CHECK(contains(message, "the plugin host of crashy_v2 died during the call"));
    CHECK(contains(message, how));
  }
  if (!kSanitized) {
    Result r =
        cli(isolated("crashy", {"--set", "modules.crashy.isolation_limits.max_memory_mb=256", "run",
                                "crashy", "--action", "memory", "--retry", kNoRetry, "--json"}));
    CHECK(r.exit_code == 1);
    CHECK(json::parse(r.out)["error_code"] == "plugin_crashed");
  }

  // Retried per the retry policy: every attempt crashes, and each is recorded.
  json retried = cli.json_of(
      isolated("crashy", {"run", "crashy", "--action", "abort", "--retry",
                          R"({"maximum_attempts":3,"initial_interval_ms":1})", "--json"}),
      1);
  CHECK(retried["attempts"] == 3);
  CHECK(retried["error_code"] == "plugin_crashed");

  // The same state directory serves the next command, isolated or not, from a new host.
  json again = cli.json_of(isolated("crashy", {"run", "crashy", "--action", "pid", "--json"}));
  CHECK(again["status"] == "succeeded");
  CHECK(again["output"]["pid"].get<int>() != first_pid);
  CHECK(cli.json_of({"run", "demo", "--json"})["status"] == "succeeded");
  CHECK(cli.json_of({"runs", "recover", "--json"}).empty());
  CHECK(hosts_gone_within_2s("crashy_v2.so"));
}

TEST_CASE("within one kernel a crashed host is started again and other modules are untouched") {
  // 200 runs of a plugin that crashes one call in ten, beside 200 runs of another module. The
  // plugin is thread-safe, so calls run concurrently in one host and a crash also fails the
  // calls in flight beside it: those are retried (plugin_crashed is retryable), the crashing
  // ones are not.
  Cli cli;
  {
    std::ofstream batch(cli.dir() / "soak.jsonl");
    for (int i = 1; i <= 200; ++i) {
      const json retry = i % 10 == 0 ? json{{"maximum_attempts", 1}}
                                     : json{{"maximum_attempts", 6}, {"initial_interval_ms", 1}};
      batch << json{{"module", "crashy"},
                    {"action", "every"},
                    {"input", {{"i", i}, {"every", 10}}},
                    {"retry", retry}}
                   .dump()
            << "\n"
            << json{{"module", "demo"}, {"input", {{"i", i}}}}.dump() << "\n";
    }
  }
  Result r = cli(isolated("crashy", {"batch", "soak.jsonl", "--json"}));
  INFO("stderr: ", r.err.substr(0, 2000));
  CHECK(r.exit_code == 1);  // the crashed runs failed
  int acknowledged = 0;
  for (const std::string& line : lines_of(r.out)) {
    if (json::parse(line).value("event", "") == "acknowledged") ++acknowledged;
  }
  CHECK(acknowledged == 400);

  const json runs = cli.json_of({"runs", "list", "--limit", "1000", "--json"});
  REQUIRE(runs.size() == 400);  // no acknowledged run lost
  std::map<std::string, int> outcomes;
  for (const json& run : runs) {
    outcomes[run["module"].get<std::string>() + " " + run["status"].get<std::string>() + " " +
             (run["error_code"].is_null() ? "-" : run["error_code"].get<std::string>())]++;
  }
  CHECK(outcomes["crashy succeeded -"] == 180);
  CHECK(outcomes["crashy failed plugin_crashed"] == 20);
  CHECK(outcomes["demo succeeded -"] == 200);
  CHECK(outcomes.size() == 3);
  CHECK(hosts_gone_within_2s("crashy_v2.so"));
}

TEST_CASE("host services, logs, dry-run and deadlines work across the process boundary") {
  Cli cli;
  const std::string input = json{{"path", "touched.txt"}}.dump();
  json dry = cli.json_of(isolated(
      "behave", {"run", "behave", "--action", "write", "--input", input, "--dry-run", "--json"}));
  REQUIRE(dry["status"] == "succeeded");
  const fs::path dry_target =
      cli.state_dir() / "runs" / dry["run_id"].get<std::string>() / "touched.txt";
  CHECK_FALSE(fs::exists(dry_target));
  json wet = cli.json_of(
      isolated("behave", {"run", "behave", "--action", "write", "--input", input, "--json"}));
  REQUIRE(wet["status"] == "succeeded");
  CHECK(fs::exists(cli.state_dir() / "runs" / wet["run_id"].get<std::string>() / "touched.txt"));
  json events = cli.json_of({"events", "--run", wet["run_id"].get<std::string>(), "--json"});
  bool performed = false;
  for (const json& e : events) {
    if (e["type"] == "side_effect") performed = e["data"]["performed"].get<bool>();
  }
  CHECK(performed);

  // Policy decides for the isolated plugin as for any other: a path outside is refused.
  Result refused =
      cli(isolated("behave", {"run", "behave", "--action", "write", "--input",
                              json{{"path", (cli.dir() / "outside.txt").string()}}.dump(),
                              "--retry", kNoRetry, "--json"}));
  CHECK(refused.exit_code == 1);
  CHECK(json::parse(refused.out)["error_code"] == "policy_denied");
  CHECK_FALSE(fs::exists(cli.dir() / "outside.txt"));

  // host.log from the other process reaches the run's events.
  json logged = cli.json_of(isolated("crashy", {"run", "crashy", "--action", "log", "--json"}));
  json shown = cli.json_of({"runs", "show", logged["run_id"].get<std::string>(), "--json"});
  CHECK(contains(shown.dump(), "hello from crashy_v2 in its own process"));

  // A subprocess the plugin started through the host dies at the attempt's deadline.
  const std::vector<std::string> sleeper{"sleep", "27.913"};
  Result spawned = cli(isolated("behave", {"run", "behave", "--action", "spawn", "--input",
                                           json{{"seconds", sleeper[1]}}.dump(), "--timeout", "0.5",
                                           "--retry", kNoRetry, "--json"}));
  CHECK(spawned.seconds < 10);
  CHECK(json::parse(spawned.out)["status"] == "timed_out");
  CHECK(agentsys::test::processes_with_argv(sleeper).empty());

  // A plugin that ignores cancellation is killed after the grace, instead of being left stuck.
  Result hung =
      cli(isolated("behave", {"--set", "modules.behave.isolation_limits.cancel_grace_ms=200", "run",
                              "behave", "--action", "hang", "--input", R"({"ms":30000})",
                              "--timeout", "0.3", "--retry", kNoRetry, "--json"}));
  INFO("stderr: ", hung.err);
  CHECK(hung.seconds < 10);
  CHECK(json::parse(hung.out)["status"] == "timed_out");
  CHECK(hosts_gone_within_2s("behave_v2.so"));
}

TEST_CASE("no plugin host outlives its kernel: kill -9 and SIGINT mid-call") {
  for (int sig : {SIGKILL, SIGINT}) {
    CAPTURE(sig);
    Cli cli;
    std::vector<std::string> args = all_plugin_dirs();
    args.insert(args.end(), {"--state-dir", cli.state_dir().string(), "--set",
                             "modules.behave.isolation=process", "run", "behave", "--action",
                             "hang", "--input", R"({"ms":25000})", "--retry", kNoRetry});
    Child child(args, cli.dir() / "run.out", cli.dir() / "run.err");
    bool started = false;
    for (int i = 0; i < 1000 && !started; ++i) {  // up to 10 s for the host to start
      started = !host_processes("behave_v2.so").empty();
      if (!started) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    REQUIRE(started);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));  // the call is in the host
    ::kill(child.pid(), sig);
    const int status = child.wait();
    INFO("stderr: ", slurp(cli.dir() / "run.err"));
    if (sig == SIGINT) {
      CHECK(WIFEXITED(status));
      CHECK(WEXITSTATUS(status) == 130);
    }
    CHECK_MESSAGE(hosts_gone_within_2s("behave_v2.so"), "a plugin host outlived the kernel");
  }
}

TEST_CASE("a task that crashed its kernel is deferred by unrelated commands, then quarantined") {
  Cli cli;
  auto crash_in_process = [&] {
    Result r = cli({"run", "crashy", "--action", "segv", "--retry",
                    R"({"maximum_attempts":4,"initial_interval_ms":1})"});
    CHECK(r.exit_code != 0);  // the kernel itself died (SIGSEGV, or ASan's report)
    const json runs = cli.json_of({"runs", "list", "--module", "crashy", "--json"});
    REQUIRE(!runs.empty());
    return runs[0]["run_id"].get<std::string>();
  };
  auto show = [&](const std::string& id) { return cli.json_of({"runs", "show", id, "--json"}); };
  auto has_event = [](const json& shown, const std::string& type) {
    for (const json& e : shown["events"]) {
      if (e["type"] == type) return true;
    }
    return false;
  };

  // An unrelated command recovers it but does not run it in its own process again.
  const std::string first = crash_in_process();
  CHECK(cli.json_of({"run", "demo", "--json"})["status"] == "succeeded");
  json shown = show(first);
  CHECK(shown["run"]["status"] == "interrupted");
  CHECK(has_event(shown, "recovery_deferred"));

  // `runs recover` runs it again with the module's configuration, here isolated: it crashes in
  // its plugin host, and the kernel survives to record it.
  json recovered = cli.json_of(isolated("crashy", {"runs", "recover", "--json"}));
  REQUIRE(recovered.size() == 1);
  CHECK(recovered[0]["run_id"] == first);
  CHECK(recovered[0]["status"] == "failed");
  CHECK(recovered[0]["attempts"] == 4);  // 1 in-process, then 3 in its host
  CHECK(recovered[0]["error_code"] == "plugin_crashed");
  CHECK(contains(recovered[0]["message"].get<std::string>(), "died during the call"));

  // In-process, the second crash is the last: recovery then quarantines the task.
  const std::string second = crash_in_process();
  Result again = cli({"runs", "recover"});
  CHECK(again.exit_code != 0);  // it took `runs recover` down once more
  json quarantined = cli.json_of({"runs", "recover", "--json"});
  REQUIRE(quarantined.size() == 1);
  CHECK(quarantined[0]["run_id"] == second);
  CHECK(quarantined[0]["status"] == "failed");
  CHECK(quarantined[0]["error_code"] == "plugin_crashed");
  CHECK(contains(quarantined[0]["message"].get<std::string>(), "quarantined: 2 attempts"));
  shown = show(second);
  CHECK(has_event(shown, "quarantined"));
  CHECK(cli.json_of({"runs", "recover", "--json"}).empty());
  // The journals the crashed kernels left are gone once recovery has recorded them.
  const bool journals_left =
      fs::exists(cli.state_dir() / "inflight") && !fs::is_empty(cli.state_dir() / "inflight");
  CHECK_FALSE(journals_left);
}
