#include "operator/kube/rest_config.h"

#include <sys/stat.h>
#include <yaml-cpp/yaml.h>

#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "operator/common/base64.h"
#include "operator/common/clock.h"
#include "operator/common/process.h"

namespace aura::kube {

namespace {

// Re-read the token file at most this often even if its mtime did not change (mtime can be
// coarse); kubelet refreshes projected tokens at 80% of their life, hours before expiry.
constexpr auto kTokenFileRecheck = std::chrono::minutes(1);
// Refresh an exec credential this long before it expires.
constexpr auto kExecRefreshMargin = std::chrono::minutes(1);

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

std::string resolve(const std::string& base_dir, const std::string& path) {
  if (path.empty() || path.front() == '/' || base_dir.empty()) return path;
  return (std::filesystem::path(base_dir) / path).string();
}

// A kubeconfig field that is either inline base64 data (`<name>-data`) or a file path (`<name>`).
std::expected<std::string, std::string> data_or_file(const YAML::Node& node,
                                                     const std::string& data_key,
                                                     const std::string& file_key,
                                                     const std::string& base_dir) {
  if (node[data_key]) {
    auto decoded = base64_decode(node[data_key].as<std::string>());
    if (!decoded) return std::unexpected(data_key + " is not valid base64");
    return *decoded;
  }
  if (node[file_key]) return read_file(resolve(base_dir, node[file_key].as<std::string>()));
  return std::string();
}

const YAML::Node find_named(const YAML::Node& list, const std::string& name) {
  if (list && list.IsSequence())
    for (const auto& item : list)
      if (item["name"] && item["name"].as<std::string>() == name) return item;
  return YAML::Node();
}

std::string env_or(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::string(v) : fallback;
}

}  // namespace

std::expected<std::string, std::string> FileTokenSource::token() {
  std::lock_guard lock(mu_);
  const auto now = std::chrono::steady_clock::now();
  if (!cached_.empty() && now - read_at_ < kTokenFileRecheck) return cached_;
  auto content = read_file(path_);
  if (!content) {
    // Keep serving the last good token through a transient read failure during rotation.
    if (!cached_.empty()) return cached_;
    return std::unexpected(content.error());
  }
  cached_ = trim(std::move(*content));
  read_at_ = now;
  return cached_;
}

void FileTokenSource::invalidate() {
  std::lock_guard lock(mu_);
  read_at_ = {};
}

std::expected<std::string, std::string> ExecTokenSource::token() {
  std::lock_guard lock(mu_);
  const auto now = std::chrono::system_clock::now();
  if (!cached_.empty() && (!expires_ || now + kExecRefreshMargin < *expires_)) return cached_;

  // The plugin learns which API version we speak and that it is not interactive.
  nlohmann::json exec_info = {{"apiVersion", config_.api_version},
                              {"kind", "ExecCredential"},
                              {"spec", {{"interactive", false}}}};
  auto env = config_.env;
  env.emplace_back("KUBERNETES_EXEC_INFO", exec_info.dump());
  auto result = run_process(config_.command, config_.args, env, std::chrono::seconds(30));
  if (!result) return std::unexpected("exec credential plugin: " + result.error());
  if (result->exit_code != 0)
    return std::unexpected("exec credential plugin " + config_.command + " exited with " +
                           std::to_string(result->exit_code) + ": " + trim(result->err));
  auto cred = nlohmann::json::parse(result->out, nullptr, false);
  if (cred.is_discarded() || !cred.contains("status") || !cred["status"].contains("token") ||
      !cred["status"]["token"].is_string())
    return std::unexpected("exec credential plugin " + config_.command +
                           " did not print an ExecCredential with status.token");
  cached_ = cred["status"]["token"].get<std::string>();
  expires_.reset();
  if (cred["status"].contains("expirationTimestamp") &&
      cred["status"]["expirationTimestamp"].is_string())
    expires_ = parse_rfc3339(cred["status"]["expirationTimestamp"].get<std::string>());
  return cached_;
}

void ExecTokenSource::invalidate() {
  std::lock_guard lock(mu_);
  cached_.clear();
}

std::expected<RestConfig, std::string> parse_kubeconfig(const std::string& yaml,
                                                        const std::string& base_dir,
                                                        const std::string& context) {
  YAML::Node root;
  try {
    root = YAML::Load(yaml);
  } catch (const YAML::Exception& e) {
    return std::unexpected(std::string("kubeconfig is not valid YAML: ") + e.what());
  }
  try {
    const std::string ctx_name =
        context.empty() ? (root["current-context"] ? root["current-context"].as<std::string>() : "")
                        : context;
    if (ctx_name.empty()) return std::unexpected("kubeconfig has no current-context");
    const YAML::Node ctx = find_named(root["contexts"], ctx_name);
    if (!ctx || ctx.IsNull()) return std::unexpected("kubeconfig has no context named " + ctx_name);
    const std::string cluster_name = ctx["context"]["cluster"].as<std::string>("");
    const std::string user_name = ctx["context"]["user"].as<std::string>("");
    const YAML::Node cluster_entry = find_named(root["clusters"], cluster_name);
    if (!cluster_entry || cluster_entry.IsNull())
      return std::unexpected("kubeconfig has no cluster named " + cluster_name);
    const YAML::Node cluster = cluster_entry["cluster"];

    RestConfig cfg;
    cfg.server = cluster["server"].as<std::string>("");
    if (cfg.server.empty()) return std::unexpected("cluster " + cluster_name + " has no server");
    while (!cfg.server.empty() && cfg.server.back() == '/') cfg.server.pop_back();
    auto ca =
        data_or_file(cluster, "certificate-authority-data", "certificate-authority", base_dir);
    if (!ca) return std::unexpected(ca.error());
    cfg.tls.ca_pem = *ca;
    cfg.tls.insecure_skip_verify = cluster["insecure-skip-tls-verify"].as<bool>(false);
    cfg.tls.server_name = cluster["tls-server-name"].as<std::string>("");

    const YAML::Node user_entry = find_named(root["users"], user_name);
    if (user_entry && !user_entry.IsNull() && user_entry["user"]) {
      const YAML::Node user = user_entry["user"];
      auto cert = data_or_file(user, "client-certificate-data", "client-certificate", base_dir);
      if (!cert) return std::unexpected(cert.error());
      auto key = data_or_file(user, "client-key-data", "client-key", base_dir);
      if (!key) return std::unexpected(key.error());
      cfg.tls.client_cert_pem = *cert;
      cfg.tls.client_key_pem = *key;
      if (user["token"]) {
        cfg.token = std::make_shared<StaticTokenSource>(user["token"].as<std::string>());
      } else if (user["tokenFile"]) {
        cfg.token = std::make_shared<FileTokenSource>(
            resolve(base_dir, user["tokenFile"].as<std::string>()));
      } else if (user["exec"]) {
        const YAML::Node exec = user["exec"];
        ExecConfig ec;
        ec.command = exec["command"].as<std::string>("");
        if (ec.command.empty())
          return std::unexpected("user " + user_name + ": exec has no command");
        if (exec["apiVersion"]) ec.api_version = exec["apiVersion"].as<std::string>();
        if (exec["args"])
          for (const auto& a : exec["args"]) ec.args.push_back(a.as<std::string>());
        if (exec["env"] && exec["env"].IsSequence())
          for (const auto& e : exec["env"])
            ec.env.emplace_back(e["name"].as<std::string>(), e["value"].as<std::string>(""));
        cfg.token = std::make_shared<ExecTokenSource>(std::move(ec));
      }
    }
    return cfg;
  } catch (const YAML::Exception& e) {
    return std::unexpected(std::string("kubeconfig is malformed: ") + e.what());
  }
}

std::expected<RestConfig, std::string> load_kubeconfig(const std::string& path,
                                                       const std::string& context) {
  auto text = read_file(path);
  if (!text) return std::unexpected(text.error());
  return parse_kubeconfig(*text, std::filesystem::path(path).parent_path().string(), context);
}

std::expected<RestConfig, std::string> load_in_cluster(const std::string& sa_dir) {
  const std::string host = env_or("KUBERNETES_SERVICE_HOST", "");
  const std::string port = env_or("KUBERNETES_SERVICE_PORT", "443");
  if (host.empty())
    return std::unexpected("not running in a cluster: KUBERNETES_SERVICE_HOST is unset");
  RestConfig cfg;
  cfg.server =
      "https://" + (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" + port;
  auto ca = read_file(sa_dir + "/ca.crt");
  if (!ca) return std::unexpected(ca.error());
  cfg.tls.ca_pem = *ca;
  cfg.token = std::make_shared<FileTokenSource>(sa_dir + "/token");
  return cfg;
}

std::expected<RestConfig, std::string> load_default(const std::string& explicit_path,
                                                    const std::string& context) {
  if (!explicit_path.empty()) return load_kubeconfig(explicit_path, context);
  const std::string env_path = env_or("KUBECONFIG", "");
  if (!env_path.empty()) {
    // Only the first entry of a KUBECONFIG list is used; merged configs are a kubectl feature.
    return load_kubeconfig(env_path.substr(0, env_path.find(':')), context);
  }
  if (std::getenv("KUBERNETES_SERVICE_HOST")) return load_in_cluster();
  const std::string home = env_or("HOME", "");
  if (!home.empty() && std::filesystem::exists(home + "/.kube/config"))
    return load_kubeconfig(home + "/.kube/config", context);
  return std::unexpected(
      "no kubeconfig found: set --kubeconfig or KUBECONFIG, or run in a cluster");
}

}  // namespace aura::kube
