#pragma once
// Detects commands that would run code given inline rather than a script file: `sh -c`,
// `bash -lc`, `python3 -c`, `perl -e`, `node --eval`, `awk 'prog'`, a shell or interpreter
// reading its program from stdin, and the same behind wrappers (`env -i bash -c`, `busybox sh`,
// `xargs sh -c`, `find -exec sh -c`, `timeout 5 sh -c`, `nice`, `nohup`, `stdbuf`, ...).
// Such commands are denied unless an allow rule says `inline_code = true` for that executable.
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace agentsys::policy {

/// The last path component of `path`.
[[nodiscard]] std::string_view base_name(std::string_view path) noexcept;

/// Why `argv` runs inline code, or nullopt. `resolved` is argv[0]'s canonical path (its base
/// name is considered too, so /bin/sh -> dash and a renamed link are both recognised).
[[nodiscard]] std::optional<std::string> inline_code_reason(std::span<const std::string> argv,
                                                            std::string_view resolved);

}  // namespace agentsys::policy
