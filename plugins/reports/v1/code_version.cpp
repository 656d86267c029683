#include "code_version.hpp"

#include <openssl/evp.h>

#include <array>

namespace agentsys::reports::v1 {
using json = nlohmann::json;

namespace {

std::string sha256_hex(std::string_view data) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int size = 0;
  if (EVP_Digest(data.data(), data.size(), digest.data(), &size, EVP_sha256(), nullptr) != 1) {
    throw Error(AS_ERR_INTERNAL, "SHA-256 failed");
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < size; ++i) {
    out += kHex[digest[i] >> 4];
    out += kHex[digest[i] & 15];
  }
  return out;
}

}  // namespace

json code_version(const Host& host, const Call& call, const std::string& script_path,
                  const std::string& scripts_dir) {
  json file =
      json::parse(host.request(Service::read_file, call, json{{"path", script_path}}.dump()));
  json out{{"path", file.value("path", script_path)},
           {"sha256", sha256_hex(file.value("content", ""))},
           {"git_commit", nullptr}};
  try {
    json r = json::parse(
        host.request(Service::run_command, call,
                     json{{"argv", {"git", "rev-parse", "HEAD"}}, {"cwd", scripts_dir}}.dump()));
    std::string commit = r.value("stdout", "");
    while (!commit.empty() && (commit.back() == '\n' || commit.back() == '\r')) commit.pop_back();
    if (r.value("exit_code", 1) == 0 && commit.size() == 40) out["git_commit"] = commit;
  } catch (const Error&) {
    // Not a repository, git missing, or policy does not allow it: the digest still identifies
    // the script.
  }
  return out;
}

}  // namespace agentsys::reports::v1
