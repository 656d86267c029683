// agentsys plugins list | inspect
#include <fmt/format.h>
#include <fmt/ostream.h>

#include <nlohmann/json.hpp>
#include <ostream>

#include "cli/command.hpp"
#include "cli/table.hpp"
#include "plugin/plugin_paths.hpp"

namespace agentsys::cli {
namespace po = boost::program_options;
using json = nlohmann::ordered_json;

namespace {

json descriptor_json(const PluginLibrary& lib) {
  const PluginDescriptor& d = lib.descriptor();
  return json{{"name", d.name},
              {"version", d.version},
              {"description", d.description},
              {"kind", to_string(d.kind)},
              {"impl", d.impl == AS_IMPL_NONE ? json(nullptr) : json(to_string(d.impl))},
              {"modules", d.modules},
              {"thread_safe", d.thread_safe},
              {"abi", fmt::format("{}.{}", d.abi_major, d.abi_minor)},
              {"build_id", d.build_id.empty() ? json(nullptr) : json(d.build_id)},
              {"file", lib.path().string()}};
}

std::string join(const std::vector<std::string>& items) {
  return items.empty() ? "-" : fmt::format("{}", fmt::join(items, ","));
}

}  // namespace

int plugins_list(CommandContext& ctx) {
  bool as_json = false;
  po::options_description desc("Options");
  desc.add_options()("json", po::bool_switch(&as_json), "print JSON");
  if (!ctx.parse(desc)) return 0;

  std::unique_ptr<Kernel> kernel = ctx.make_kernel(true);
  auto plugins = kernel->registry().plugins();
  if (as_json) {
    json doc{
        {"plugin_dirs", json::array()}, {"plugins", json::array()}, {"refused", json::array()}};
    for (const auto& dir : kernel->options().plugin_dirs)
      doc["plugin_dirs"].push_back(dir.string());
    for (const auto& p : plugins) doc["plugins"].push_back(descriptor_json(p->library()));
    for (const auto& r : kernel->refusals()) {
      doc["refused"].push_back({{"file", r.file.string()}, {"reason", r.reason}});
    }
    ctx.out << doc.dump(2) << "\n";
    return 0;
  }
  Table table({"NAME", "VERSION", "KIND", "IMPL", "MODULES", "THREAD-SAFE", "FILE"});
  for (const auto& p : plugins) {
    const PluginDescriptor& d = p->descriptor();
    table.add({d.name, d.version, std::string(to_string(d.kind)), std::string(to_string(d.impl)),
               join(d.modules), d.thread_safe ? "yes" : "no", p->library().path().string()});
  }
  table.print(ctx.out);
  fmt::print(ctx.out, "{} plugin(s) loaded, {} refused; searched: {}\n", plugins.size(),
             kernel->refusals().size(), [&] {
               std::vector<std::string> dirs;
               for (const auto& d : kernel->options().plugin_dirs) dirs.push_back(d.string());
               return join(dirs);
             }());
  return 0;
}

int plugins_inspect(CommandContext& ctx) {
  bool as_json = false;
  std::string file;
  po::options_description desc("Options");
  desc.add_options()("json", po::bool_switch(&as_json), "print JSON")(
      "file", po::value<std::string>(&file), "the plugin file (.so)");
  po::positional_options_description pos;
  pos.add("file", 1);
  if (!ctx.parse(desc, pos)) return 0;
  if (file.empty()) throw UsageError("plugins inspect: missing FILE (usage: " + ctx.usage + ")");
  std::error_code ec;
  if (!std::filesystem::exists(file, ec)) {
    throw UsageError(fmt::format("plugins inspect: no such file '{}'", file));
  }

  LoadResult loaded = PluginLibrary::load(file);
  if (as_json) {
    json doc = loaded ? descriptor_json(*loaded.library) : json{{"file", file}};
    doc["loadable"] = static_cast<bool>(loaded);
    if (!loaded) doc["reason"] = loaded.error;
    ctx.out << doc.dump(2) << "\n";
  } else if (loaded) {
    const PluginDescriptor& d = loaded.library->descriptor();
    fmt::print(ctx.out,
               "file:        {}\nname:        {}\nversion:     {}\ndescription: {}\nkind:        "
               "{}\nimpl:        {}\nmodules:     {}\nthread-safe: {}\nabi:         {}.{} (kernel "
               "{}.{})\nbuild id:    {}\nhooks:       on_create on_invoke on_destroy{}{}{}\n",
               loaded.library->path().string(), d.name, d.version, d.description, to_string(d.kind),
               to_string(d.impl), join(d.modules),
               d.thread_safe ? "yes" : "no (calls are serialised)", d.abi_major, d.abi_minor,
               AS_ABI_VERSION_MAJOR, AS_ABI_VERSION_MINOR, d.build_id.empty() ? "-" : d.build_id,
               d.vtable.on_quiesce ? " on_quiesce" : "",
               d.vtable.on_export_state ? " on_export_state" : "",
               d.vtable.on_import_state ? " on_import_state" : "");
  }
  if (!loaded) {
    fmt::print(ctx.err, "agentsys: error: cannot load plugin {}: {}\n", file, loaded.error);
    return 1;
  }
  return 0;
}

}  // namespace agentsys::cli
