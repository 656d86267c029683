#pragma once
// Durable file writes: a whole file replaced atomically (temporary file beside it, fsync,
// rename), or a record appended and synced. Readers see the old or the new file, never a part.
#include <filesystem>
#include <string>
#include <string_view>

namespace agentsys {

/// Writes `content` to `target` atomically: `<target>.tmp-<random>` created exclusively (not
/// following symlinks), written, fsync'ed, renamed over `target` (rename replaces a symlink
/// at `target` instead of following it). Creates missing parent directories. With `sync_dir`
/// the directory is fsync'ed too, so the rename itself survives a power loss. Returns "" on
/// success, else why it failed (the temporary file is removed).
std::string write_file_atomically(const std::filesystem::path& target, std::string_view content,
                                  bool sync_dir = false);

/// Appends `content` to `target` (created when missing, symlinks not followed) in one write
/// with O_APPEND, then fsyncs. Returns "" on success, else why it failed.
std::string append_file_synced(const std::filesystem::path& target, std::string_view content);

}  // namespace agentsys
