#pragma once
// Which in-process plugin calls a kernel process has in progress, in an append-only file of
// its own under STATE/inflight/. One write(2) per call start and end: that survives the
// process dying (the page cache outlives it) where a queued database write would not, at a
// few microseconds per call instead of a commit. Recovery reads the file of a kernel that
// died: a start without an end is a call that was in progress when the process died — the
// evidence a poison task leaves.
#include <filesystem>
#include <map>
#include <mutex>
#include <set>
#include <string>

namespace agentsys {

class AttemptJournal {
 public:
  /// The journal of the process `identity` (see util/process_identity.hpp) under `dir`,
  /// created on the first begin().
  AttemptJournal(std::filesystem::path dir, const std::string& identity);
  /// Removes the file: a process that exits normally leaves no evidence.
  ~AttemptJournal();
  AttemptJournal(const AttemptJournal&) = delete;
  AttemptJournal& operator=(const AttemptJournal&) = delete;

  void begin(const std::string& run_id, unsigned attempt);
  void end(const std::string& run_id, unsigned attempt);

  /// Per run id, the attempts the journal of `identity` under `dir` shows in progress (begun,
  /// never ended). Empty when there is no such journal.
  static std::map<std::string, std::set<unsigned>> unfinished(const std::filesystem::path& dir,
                                                              const std::string& identity);
  /// Deletes the journal of `identity` (once recovery has recorded what it shows).
  static void remove(const std::filesystem::path& dir, const std::string& identity);

 private:
  void append(char what, const std::string& run_id, unsigned attempt);

  std::filesystem::path file_;
  std::mutex mutex_;
  int fd_ = -1;
  unsigned open_calls_ = 0;  // begun and not ended: the file is emptied when it drops to 0
};

}  // namespace agentsys
