#pragma once

#include <chrono>
#include <expected>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace aura::kube {

// Where a bearer token comes from. Implementations cache and refresh; invalidate() is called
// after a 401 so the next token() fetches a fresh one.
class TokenSource {
 public:
  virtual ~TokenSource() = default;
  virtual std::expected<std::string, std::string> token() = 0;
  virtual void invalidate() {}
};
using TokenSourcePtr = std::shared_ptr<TokenSource>;

// A fixed token (kubeconfig `token`).
class StaticTokenSource final : public TokenSource {
 public:
  explicit StaticTokenSource(std::string token) : token_(std::move(token)) {}
  std::expected<std::string, std::string> token() override { return token_; }

 private:
  std::string token_;
};

// A token read from a file and re-read when the file changes: projected service-account tokens
// rotate in place (kubelet rewrites them about every hour).
class FileTokenSource final : public TokenSource {
 public:
  explicit FileTokenSource(std::string path) : path_(std::move(path)) {}
  std::expected<std::string, std::string> token() override;
  void invalidate() override;

 private:
  std::mutex mu_;
  std::string path_;
  std::string cached_;
  std::chrono::steady_clock::time_point read_at_{};
};

// client.authentication.k8s.io exec plugin (for example `aws eks get-token`): runs the command,
// parses the ExecCredential and caches the token until shortly before its expirationTimestamp.
struct ExecConfig {
  std::string command;
  std::vector<std::string> args;
  std::vector<std::pair<std::string, std::string>> env;
  std::string api_version = "client.authentication.k8s.io/v1";
};

class ExecTokenSource final : public TokenSource {
 public:
  explicit ExecTokenSource(ExecConfig config) : config_(std::move(config)) {}
  std::expected<std::string, std::string> token() override;
  void invalidate() override;

 private:
  std::mutex mu_;
  ExecConfig config_;
  std::string cached_;
  std::optional<std::chrono::system_clock::time_point> expires_;
};

struct TlsConfig {
  std::string ca_pem;           // empty: the system trust store
  std::string client_cert_pem;  // client certificate authentication
  std::string client_key_pem;
  bool insecure_skip_verify = false;
  std::string server_name;  // overrides SNI and verification name when set
};

// Everything needed to talk to one kube-apiserver.
struct RestConfig {
  std::string server;  // https://host:port, no trailing slash
  TlsConfig tls;
  TokenSourcePtr token;  // null: no bearer token (client certificates or anonymous)
  std::string user_agent = "aura-operator/0.1.0";
  double qps = 50;  // client-side rate limit, as client-go's QPS and Burst
  double burst = 100;
  std::chrono::milliseconds timeout{30000};
};

// Reads a kubeconfig file (the given context, or current-context when empty).
std::expected<RestConfig, std::string> load_kubeconfig(const std::string& path,
                                                       const std::string& context = {});
// Parses kubeconfig YAML text; relative file paths resolve against base_dir.
std::expected<RestConfig, std::string> parse_kubeconfig(const std::string& yaml,
                                                        const std::string& base_dir,
                                                        const std::string& context = {});
// In-cluster: KUBERNETES_SERVICE_HOST/PORT, the mounted service-account token and CA.
std::expected<RestConfig, std::string> load_in_cluster(
    const std::string& sa_dir = "/var/run/secrets/kubernetes.io/serviceaccount");
// The usual order: explicit path, $KUBECONFIG, in-cluster, ~/.kube/config.
std::expected<RestConfig, std::string> load_default(const std::string& explicit_path = {},
                                                    const std::string& context = {});

}  // namespace aura::kube
