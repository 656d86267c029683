#include "plugin/plugin_library.hpp"

#include <dlfcn.h>
#include <fmt/format.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <system_error>

#include "host/host_api.hpp"

namespace agentsys {
namespace fs = std::filesystem;

namespace {

/// A per-process directory for private copies of plugin files. dlopen caches by path and
/// maps the file, so loading a copy lets a rebuilt file be reloaded and overwritten safely.
class PrivateCopyDir {
 public:
  static PrivateCopyDir& instance() {
    static PrivateCopyDir dir;
    return dir;
  }
  ~PrivateCopyDir() {
    std::error_code ec;
    if (!dir_.empty()) fs::remove_all(dir_, ec);
  }
  PrivateCopyDir(const PrivateCopyDir&) = delete;
  PrivateCopyDir& operator=(const PrivateCopyDir&) = delete;

  /// Copies `file` into the directory under a unique name; returns the copy's path.
  fs::path copy(const fs::path& file, std::string& error) {
    if (dir_.empty()) {
      error = "cannot create a private directory for plugin copies under " +
              fs::temp_directory_path().string();
      return {};
    }
    fs::path target = dir_ / fmt::format("{}.{}{}", file.stem().string(), next_.fetch_add(1),
                                         file.extension().string());
    std::error_code ec;
    fs::copy_file(file, target, fs::copy_options::overwrite_existing, ec);
    if (ec) {
      error = fmt::format("cannot copy to {}: {}", target.string(), ec.message());
      return {};
    }
    return target;
  }

 private:
  PrivateCopyDir() {
    std::error_code ec;
    std::string tmpl = (fs::temp_directory_path(ec) / "agentsys-plugins-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) != nullptr) dir_ = tmpl;
  }
  fs::path dir_;
  std::atomic<unsigned long> next_{0};
};

template <class T>
T copy_prefix(const T* src, uint32_t declared_size) {
  T out{};
  std::memcpy(&out, src, std::min<size_t>(declared_size, sizeof(T)));
  out.struct_size = static_cast<uint32_t>(std::min<size_t>(declared_size, sizeof(T)));
  return out;
}

std::string optional_string(const char* s) { return s == nullptr ? std::string{} : std::string{s}; }

/// The folder names the kernel reads itself: a plugin cannot declare them.
bool is_kernel_folder(std::string_view name) {
  for (std::string_view k : {"env", "modules", "routes", "policy", "schema"}) {
    if (name == k) return true;
  }
  return false;
}

/// AS_HAS_FIELD for a struct held by reference (the macro's NULL test would not compile cleanly).
bool has_field(const as_plugin_descriptor& d, size_t offset, size_t size) {
  return d.struct_size >= offset + size;
}

/// ABI 1.3: the configuration folders the plugin reads; returns the refusal reason or "".
std::string read_config_folders(const as_plugin_descriptor& d, PluginDescriptor& out) {
  if (!has_field(d, offsetof(as_plugin_descriptor, config_folder_count), sizeof(size_t)) ||
      d.config_folder_count == 0) {
    return {};
  }
  if (d.config_folders == nullptr || d.config_folder_count > 64) {
    return fmt::format("malformed descriptor: config_folder_count is {} but config_folders is {}",
                       d.config_folder_count, d.config_folders == nullptr ? "null" : "too long");
  }
  for (size_t i = 0; i < d.config_folder_count; ++i) {
    const as_config_folder& f = d.config_folders[i];
    if (f.struct_size < offsetof(as_config_folder, schema_json) + sizeof(f.schema_json) ||
        f.name == nullptr || !is_valid_identifier(f.name) || is_kernel_folder(f.name)) {
      return fmt::format(
          "malformed descriptor: config folder #{} {} (a name [a-z][a-z0-9_]*, not env, "
          "modules, routes, policy or schema)",
          i, f.name == nullptr ? std::string("has no name") : fmt::format("'{}'", f.name));
    }
    out.config_folders.push_back({f.name, optional_string(f.schema_json)});
  }
  return {};
}

/// ABI 1.3: the CLI commands the plugin serves; returns the refusal reason or "".
std::string read_commands(const as_plugin_descriptor& d, PluginDescriptor& out) {
  if (!has_field(d, offsetof(as_plugin_descriptor, command_count), sizeof(size_t)) ||
      d.command_count == 0) {
    return {};
  }
  if (d.commands == nullptr || d.command_count > 64) {
    return fmt::format("malformed descriptor: command_count is {} but commands is {}",
                       d.command_count, d.commands == nullptr ? "null" : "too long");
  }
  if (!AS_HAS_FIELD(&out.vtable, as_plugin_vtable, on_command) ||
      out.vtable.on_command == nullptr) {
    return "malformed descriptor: it declares commands but its vtable has no on_command";
  }
  for (size_t i = 0; i < d.command_count; ++i) {
    const as_command_spec& c = d.commands[i];
    if (c.struct_size < offsetof(as_command_spec, summary) + sizeof(c.summary) ||
        c.noun == nullptr || !is_valid_identifier(c.noun) ||
        (c.verb != nullptr && *c.verb != '\0' && !is_valid_identifier(c.verb))) {
      return fmt::format(
          "malformed descriptor: command #{} needs a noun and a verb of "
          "[a-z][a-z0-9_]* (the verb may be empty)",
          i);
    }
    out.commands.push_back(
        {c.noun, optional_string(c.verb), optional_string(c.usage), optional_string(c.summary)});
  }
  return {};
}

/// Checks a descriptor and turns it into the kernel's copy; returns the refusal reason or "".
std::string validate(const as_plugin_descriptor& d, const fs::path& file, PluginDescriptor& out) {
  constexpr size_t kVersionPrefix = offsetof(as_plugin_descriptor, abi_minor) + sizeof(uint32_t);
  if (d.struct_size < kVersionPrefix) {
    return fmt::format("malformed descriptor: struct_size {} is too small to hold the ABI version",
                       d.struct_size);
  }
  if (d.abi_major != AS_ABI_VERSION_MAJOR) {
    return fmt::format(
        "built for plugin ABI {}.{} but this kernel speaks ABI {}.{} (the major version must "
        "match): rebuild the plugin against AgentSystemSDK {}.x",
        d.abi_major, d.abi_minor, AS_ABI_VERSION_MAJOR, AS_ABI_VERSION_MINOR, AS_ABI_VERSION_MAJOR);
  }
  if (d.abi_minor > AS_ABI_VERSION_MINOR) {
    return fmt::format(
        "needs plugin ABI {}.{} or newer but this kernel provides {}.{}: upgrade the kernel",
        d.abi_major, d.abi_minor, AS_ABI_VERSION_MAJOR, AS_ABI_VERSION_MINOR);
  }
  if (d.struct_size < offsetof(as_plugin_descriptor, vtable) + sizeof(d.vtable)) {
    return fmt::format(
        "malformed descriptor: struct_size {} is smaller than the ABI {}.0 "
        "descriptor ({} bytes)",
        d.struct_size, AS_ABI_VERSION_MAJOR,
        offsetof(as_plugin_descriptor, vtable) + sizeof(d.vtable));
  }
  if (d.name == nullptr || *d.name == '\0') return "malformed descriptor: null or empty name";
  if (!is_valid_identifier(d.name)) {
    return fmt::format("malformed descriptor: name '{}' is not [a-z][a-z0-9_]* (max 64)", d.name);
  }
  if (d.version == nullptr || *d.version == '\0') {
    return "malformed descriptor: null or empty version";
  }
  if (d.kind < AS_PLUGIN_KIND_DOMAIN || d.kind > AS_PLUGIN_KIND_LINEAGE) {
    return fmt::format(
        "malformed descriptor: unknown kind {} (expected 1 domain, 2 policy, 3 telemetry or 4 "
        "lineage)",
        d.kind);
  }
  if (d.impl > AS_IMPL_V2) {
    return fmt::format(
        "malformed descriptor: unknown implementation {} (expected 0 none, 1 v1, 2 v2)", d.impl);
  }
  if (d.kind == AS_PLUGIN_KIND_DOMAIN && d.impl == AS_IMPL_NONE) {
    return "malformed descriptor: a domain plugin must declare implementation v1 or v2";
  }
  if (d.kind == AS_PLUGIN_KIND_DOMAIN && d.module_count == 0) {
    return "malformed descriptor: a domain plugin must serve at least one module";
  }
  if (d.module_count > 0 && d.modules == nullptr) {
    return fmt::format("malformed descriptor: module_count is {} but modules is null",
                       d.module_count);
  }
  if (d.module_count > 256) {
    return fmt::format("malformed descriptor: module_count {} is implausible", d.module_count);
  }
  std::vector<std::string> modules;
  for (size_t i = 0; i < d.module_count; ++i) {
    const char* m = d.modules[i];
    if (m == nullptr || !is_valid_identifier(m)) {
      return fmt::format("malformed descriptor: module #{} is {}", i,
                         m == nullptr ? "null" : fmt::format("'{}', not [a-z][a-z0-9_]*", m));
    }
    modules.emplace_back(m);
  }
  if (d.vtable == nullptr) return "malformed descriptor: null vtable";
  if (d.vtable->struct_size < offsetof(as_plugin_vtable, on_destroy) + sizeof(void*)) {
    return fmt::format("malformed vtable: struct_size {} is too small", d.vtable->struct_size);
  }
  as_plugin_vtable vt = copy_prefix(d.vtable, d.vtable->struct_size);
  for (auto [hook, fn] : {std::pair{"on_create", reinterpret_cast<void*>(vt.on_create)},
                          std::pair{"on_invoke", reinterpret_cast<void*>(vt.on_invoke)},
                          std::pair{"on_destroy", reinterpret_cast<void*>(vt.on_destroy)}}) {
    if (fn == nullptr) return fmt::format("malformed vtable: required hook {} is null", hook);
  }
  std::string stem = file.stem().string();
  if (stem.rfind("lib", 0) == 0 && stem != d.name) stem.erase(0, 3);
  if (stem != d.name) {
    return fmt::format("file name '{}' does not match the plugin name '{}': rename it to {}.so",
                       file.filename().string(), d.name, d.name);
  }

  out.name = d.name;
  out.version = d.version;
  out.description = optional_string(d.description);
  out.build_id = optional_string(d.build_id);
  out.kind = static_cast<as_plugin_kind>(d.kind);
  out.impl = static_cast<as_impl>(d.impl);
  out.modules = std::move(modules);
  out.thread_safe = (d.flags & AS_PLUGIN_THREAD_SAFE) != 0;
  out.abi_major = d.abi_major;
  out.abi_minor = d.abi_minor;
  out.vtable = vt;
  if (std::string why = read_config_folders(d, out); !why.empty()) return why;
  return read_commands(d, out);
}

}  // namespace

LoadResult PluginLibrary::load(const fs::path& file) {
  std::error_code ec;
  if (!fs::exists(file, ec)) return {nullptr, "no such file"};
  if (!fs::is_regular_file(file, ec)) return {nullptr, "not a regular file"};

  std::unique_ptr<PluginLibrary> lib(new PluginLibrary());
  lib->path_ = fs::absolute(file, ec).lexically_normal();
  std::string error;
  lib->private_copy_ = PrivateCopyDir::instance().copy(file, error);
  if (lib->private_copy_.empty()) return {nullptr, error};

  // RTLD_LOCAL keeps each plugin's symbols to itself; RTLD_NOW surfaces missing symbols here.
  boost::dll::fs::error_code load_ec;
  lib->library_.load(lib->private_copy_,
                     boost::dll::load_mode::rtld_local | boost::dll::load_mode::rtld_now, load_ec);
  // Mapped now (or not at all): the copy's name is no longer needed, and unlinking it at once
  // leaves nothing behind in the temporary directory when the process dies without unwinding
  // (a crash, or a plugin host process exiting).
  fs::remove(lib->private_copy_, ec);
  if (load_ec) {
    // Boost.DLL reports only a generic code; dlerror says why, naming our private copy.
    const char* why = ::dlerror();
    std::string detail = why != nullptr ? why : load_ec.message();
    for (size_t at; (at = detail.find(lib->private_copy_.string())) != std::string::npos;) {
      detail.replace(at, lib->private_copy_.string().size(), lib->path_.string());
    }
    return {nullptr, fmt::format("not a loadable shared library ({})", detail)};
  }
  if (!lib->library_.has(AS_PLUGIN_ENTRY_SYMBOL)) {
    return {nullptr, fmt::format("no '{}' symbol: not an AgentSystem plugin (export it with "
                                 "AS_PLUGIN_ENTRY from agentsys/plugin.hpp)",
                                 AS_PLUGIN_ENTRY_SYMBOL)};
  }
  auto& entry =
      lib->library_.get<std::remove_pointer_t<as_plugin_entry_fn>>(AS_PLUGIN_ENTRY_SYMBOL);

  as_plugin_descriptor raw{};
  raw.struct_size = sizeof(as_plugin_descriptor);
  as_status status = AS_ERR_INTERNAL;
  try {
    status = entry(host_api(), &raw);
  } catch (...) {  // a C++ plugin that let an exception escape its extern "C" entry
    return {nullptr, fmt::format("{} threw an exception", AS_PLUGIN_ENTRY_SYMBOL)};
  }
  if (status != AS_OK) {
    return {nullptr, fmt::format("{} returned status {}", AS_PLUGIN_ENTRY_SYMBOL, status)};
  }
  std::string reason = validate(raw, file, lib->descriptor_);
  if (!reason.empty()) return {nullptr, reason};
  return {std::shared_ptr<const PluginLibrary>(lib.release()), {}};
}

PluginLibrary::~PluginLibrary() {
  if (library_.is_loaded()) library_.unload();
}

std::string_view to_string(as_plugin_kind kind) {
  switch (kind) {
    case AS_PLUGIN_KIND_DOMAIN: return "domain";
    case AS_PLUGIN_KIND_POLICY: return "policy";
    case AS_PLUGIN_KIND_TELEMETRY: return "telemetry";
    case AS_PLUGIN_KIND_LINEAGE: return "lineage";
  }
  return "unknown";
}

std::string_view to_string(as_impl impl) {
  switch (impl) {
    case AS_IMPL_NONE: return "-";
    case AS_IMPL_V1: return "v1";
    case AS_IMPL_V2: return "v2";
  }
  return "unknown";
}

bool is_valid_identifier(std::string_view id) {
  if (id.empty() || id.size() > 64 || id[0] < 'a' || id[0] > 'z') return false;
  for (char c : id) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
    if (!ok) return false;
  }
  return true;
}

}  // namespace agentsys
