#include "operator/config/operator_config.h"

#include <yaml-cpp/yaml.h>

#include <charconv>
#include <functional>
#include <map>

namespace aura::config {

namespace {

using Setter = std::function<std::optional<std::string>(OperatorConfig&, const std::string&)>;

template <typename T>
std::optional<std::string> parse_number(const std::string& v, T& out) {
  auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
  if (ec != std::errc{} || ptr != v.data() + v.size()) return "must be a number, got \"" + v + "\"";
  return std::nullopt;
}

std::optional<std::string> parse_bool(const std::string& v, bool& out) {
  if (v == "true" || v == "1") return out = true, std::nullopt;
  if (v == "false" || v == "0") return out = false, std::nullopt;
  return "must be true or false, got \"" + v + "\"";
}

std::optional<std::string> parse_seconds(const std::string& v, std::chrono::seconds& out) {
  // Accepts plain seconds or a Go-style duration with one unit: 15s, 2m, 10h.
  if (v.empty()) return "must be a duration such as 15s";
  long n = 0;
  const char unit = v.back();
  const std::string digits =
      std::isdigit(static_cast<unsigned char>(unit)) ? v : v.substr(0, v.size() - 1);
  if (auto err = parse_number(digits, n))
    return "must be a duration such as 15s, got \"" + v + "\"";
  switch (unit) {
    case 'h':
      n *= 3600;
      break;
    case 'm':
      n *= 60;
      break;
    case 's':
      break;
    default:
      if (!std::isdigit(static_cast<unsigned char>(unit)))
        return "must be a duration such as 15s, got \"" + v + "\"";
  }
  if (n <= 0) return "must be positive, got \"" + v + "\"";
  out = std::chrono::seconds(n);
  return std::nullopt;
}

std::vector<std::string> split_list(const std::string& v) {
  std::vector<std::string> out;
  std::size_t at = 0;
  while (at <= v.size()) {
    const auto comma = v.find(',', at);
    const auto item = v.substr(at, comma == std::string::npos ? std::string::npos : comma - at);
    if (!item.empty()) out.push_back(item);
    if (comma == std::string::npos) break;
    at = comma + 1;
  }
  return out;
}

// One table serves the file (camelCase keys) and the flags (kebab-case), so they cannot drift.
struct Option {
  std::string file_key;
  std::string flag;
  std::string help;
  Setter set;
};

const std::vector<Option>& options() {
  static const std::vector<Option> kOptions = {
      {"kubeconfig", "kubeconfig",
       "path to a kubeconfig; default $KUBECONFIG, in-cluster, ~/.kube/config",
       [](OperatorConfig& c, const std::string& v) {
         c.kubeconfig = v;
         return std::optional<std::string>();
       }},
      {"context", "context", "kubeconfig context",
       [](OperatorConfig& c, const std::string& v) {
         c.context = v;
         return std::optional<std::string>();
       }},
      {"watchNamespace", "watch-namespace", "namespace to watch; default all",
       [](OperatorConfig& c, const std::string& v) {
         c.watch_namespace = v;
         return std::optional<std::string>();
       }},
      {"logFormat", "log-format", "text or json",
       [](OperatorConfig& c, const std::string& v) -> std::optional<std::string> {
         auto f = log::parse_format(v);
         if (!f) return "must be text or json, got \"" + v + "\"";
         c.log_format = *f;
         return std::nullopt;
       }},
      {"logLevel", "log-level", "debug, info, warn or error",
       [](OperatorConfig& c, const std::string& v) -> std::optional<std::string> {
         auto l = log::parse_level(v);
         if (!l) return "must be debug, info, warn or error, got \"" + v + "\"";
         c.log_level = *l;
         return std::nullopt;
       }},
      {"probeAddress", "probe-address", "listen address of /healthz, /readyz and /metrics",
       [](OperatorConfig& c, const std::string& v) {
         c.probe_address = v;
         return std::optional<std::string>();
       }},
      {"probePort", "probe-port",
       "listen port of /healthz, /readyz and /metrics (0: any free port)",
       [](OperatorConfig& c, const std::string& v) { return parse_number(v, c.probe_port); }},
      {"leaderElection", "leader-elect", "elect a leader through a Lease before reconciling",
       [](OperatorConfig& c, const std::string& v) { return parse_bool(v, c.leader_election); }},
      {"leaseNamespace", "lease-namespace", "namespace of the leader election Lease",
       [](OperatorConfig& c, const std::string& v) {
         c.lease_namespace = v;
         return std::optional<std::string>();
       }},
      {"leaseName", "lease-name", "name of the leader election Lease",
       [](OperatorConfig& c, const std::string& v) {
         c.lease_name = v;
         return std::optional<std::string>();
       }},
      {"identity", "identity", "leader election identity; default pod name or hostname",
       [](OperatorConfig& c, const std::string& v) {
         c.identity = v;
         return std::optional<std::string>();
       }},
      {"leaseDuration", "lease-duration", "how long a lease is valid without renewal",
       [](OperatorConfig& c, const std::string& v) { return parse_seconds(v, c.lease_duration); }},
      {"renewDeadline", "renew-deadline", "how long the leader retries renewing before giving up",
       [](OperatorConfig& c, const std::string& v) { return parse_seconds(v, c.renew_deadline); }},
      {"retryPeriod", "retry-period", "interval between leader election attempts",
       [](OperatorConfig& c, const std::string& v) { return parse_seconds(v, c.retry_period); }},
      {"workers", "workers", "concurrent reconciles per controller",
       [](OperatorConfig& c, const std::string& v) -> std::optional<std::string> {
         if (auto e = parse_number(v, c.workers)) return e;
         if (c.workers < 1 || c.workers > 64) return "must be between 1 and 64";
         return std::nullopt;
       }},
      {"resyncPeriod", "resync-period", "how often every cached object is reconciled again",
       [](OperatorConfig& c, const std::string& v) { return parse_seconds(v, c.resync_period); }},
      {"kubeQPS", "kube-qps", "client-side rate limit towards the kube-apiserver",
       [](OperatorConfig& c, const std::string& v) { return parse_number(v, c.kube_qps); }},
      {"kubeBurst", "kube-burst", "burst of the client-side rate limit",
       [](OperatorConfig& c, const std::string& v) { return parse_number(v, c.kube_burst); }},
      {"defaultRegion", "default-region", "AWS region for clusters that name none",
       [](OperatorConfig& c, const std::string& v) {
         c.default_region = v;
         return std::optional<std::string>();
       }},
      {"defaultKubernetesVersion", "default-kubernetes-version",
       "Kubernetes version the defaulting webhook sets when a cluster names none",
       [](OperatorConfig& c, const std::string& v) {
         c.default_kubernetes_version = v;
         return std::optional<std::string>();
       }},
      {"orphanSweep", "orphan-sweep",
       "off, dry-run (report orphaned AWS resources) or delete (remove them)",
       [](OperatorConfig& c, const std::string& v) -> std::optional<std::string> {
         // Helm reads values as YAML 1.1, where an unquoted off is the boolean false.
         if (v == "false") {
           c.orphan_sweep = "off";
           return std::nullopt;
         }
         if (v != "off" && v != "dry-run" && v != "delete")
           return "must be off, dry-run or delete, got \"" + v + "\"";
         c.orphan_sweep = v;
         return std::nullopt;
       }},
      {"orphanSweepInterval", "orphan-sweep-interval", "how often the orphan sweeper looks",
       [](OperatorConfig& c, const std::string& v) {
         return parse_seconds(v, c.orphan_sweep_interval);
       }},
      {"orphanSweepGrace", "orphan-sweep-grace",
       "how long resources must be without their EphemeralCluster (seen so twice) before they "
       "are swept",
       [](OperatorConfig& c, const std::string& v) {
         return parse_seconds(v, c.orphan_sweep_grace);
       }},
      {"childCleanupTimeout", "child-cleanup-timeout",
       "how long a deletion waits for the child cluster's controllers to remove the load "
       "balancers of its Services and Ingresses before removing them through AWS",
       [](OperatorConfig& c, const std::string& v) {
         return parse_seconds(v, c.child_cleanup_timeout);
       }},
      {"orphanSweepRegions", "orphan-sweep-regions",
       "comma-separated regions the orphan sweeper scans; default the default region",
       [](OperatorConfig& c, const std::string& v) {
         c.orphan_sweep_regions = split_list(v);
         return std::optional<std::string>();
       }},
      {"webhookAddress", "webhook-address", "listen address of the admission webhooks (HTTPS)",
       [](OperatorConfig& c, const std::string& v) {
         c.webhook_address = v;
         return std::optional<std::string>();
       }},
      {"webhookPort", "webhook-port", "listen port of the admission webhooks (0: any free port)",
       [](OperatorConfig& c, const std::string& v) { return parse_number(v, c.webhook_port); }},
      {"webhookCertFile", "webhook-cert-file",
       "PEM serving certificate; the webhooks are off without it",
       [](OperatorConfig& c, const std::string& v) {
         c.webhook_cert_file = v;
         return std::optional<std::string>();
       }},
      {"webhookKeyFile", "webhook-key-file", "PEM private key of the serving certificate",
       [](OperatorConfig& c, const std::string& v) {
         c.webhook_key_file = v;
         return std::optional<std::string>();
       }},
      {"webhookCertSecret", "webhook-cert-secret",
       "namespace/name of a Secret in which Aura keeps its own CA and serving certificate, "
       "writes the CA bundle into the webhook configurations and rotates both (instead of files)",
       [](OperatorConfig& c, const std::string& v) {
         const auto slash = v.find('/');
         if (slash == std::string::npos || slash == 0 || slash + 1 == v.size() ||
             v.find('/', slash + 1) != std::string::npos)
           return std::optional<std::string>("must be namespace/name, got \"" + v + "\"");
         c.webhook_cert_secret = v;
         return std::optional<std::string>();
       }},
      {"webhookCertHosts", "webhook-cert-hosts",
       "comma-separated DNS names and IP addresses of the self-managed serving certificate "
       "(default: the webhook Service's names)",
       [](OperatorConfig& c, const std::string& v) {
         c.webhook_cert_hosts = split_list(v);
         return std::optional<std::string>();
       }},
      {"webhookService", "webhook-service", "name of the Service in front of the webhooks",
       [](OperatorConfig& c, const std::string& v) {
         c.webhook_service = v;
         return std::optional<std::string>();
       }},
      {"webhookServiceNamespace", "webhook-service-namespace",
       "namespace of the Service in front of the webhooks",
       [](OperatorConfig& c, const std::string& v) {
         c.webhook_service_namespace = v;
         return std::optional<std::string>();
       }},
      {"webhookCertValidity", "webhook-cert-validity",
       "lifetime of a self-managed serving certificate (renewed with a third left)",
       [](OperatorConfig& c, const std::string& v) {
         return parse_seconds(v, c.webhook_cert_validity);
       }},
      {"webhookCAValidity", "webhook-ca-validity",
       "lifetime of the self-managed CA (renewed with a third left)",
       [](OperatorConfig& c, const std::string& v) {
         return parse_seconds(v, c.webhook_ca_validity);
       }},
      {"webhookCAGrace", "webhook-ca-grace",
       "how long a new CA is published before serving certificates come from it",
       [](OperatorConfig& c, const std::string& v) {
         return parse_seconds(v, c.webhook_ca_grace);
       }},
      {"webhookCertCheckInterval", "webhook-cert-check-interval",
       "how often each replica re-reads the self-managed certificate Secret",
       [](OperatorConfig& c, const std::string& v) {
         return parse_seconds(v, c.webhook_cert_check_interval);
       }},
      {"webhookValidatingConfigurations", "webhook-validating-configurations",
       "comma-separated ValidatingWebhookConfigurations that get the self-managed CA bundle",
       [](OperatorConfig& c, const std::string& v) {
         c.webhook_validating_configurations = split_list(v);
         return std::optional<std::string>();
       }},
      {"webhookMutatingConfigurations", "webhook-mutating-configurations",
       "comma-separated MutatingWebhookConfigurations that get the self-managed CA bundle",
       [](OperatorConfig& c, const std::string& v) {
         c.webhook_mutating_configurations = split_list(v);
         return std::optional<std::string>();
       }},
      {"faultExitAfterMutatingAWSCalls", "fault-exit-after-mutating-aws-calls",
       "TEST ONLY: kill the process (as kill -9) right after the answer of its Nth AWS call "
       "that may change something; 0 (the default) is off",
       [](OperatorConfig& c, const std::string& v) -> std::optional<std::string> {
         if (auto e = parse_number(v, c.fault_exit_after_mutating_aws_calls)) return e;
         if (c.fault_exit_after_mutating_aws_calls < 0) return "must be 0 (off) or more";
         return std::nullopt;
       }},
  };
  return kOptions;
}

}  // namespace

std::expected<OperatorConfig, std::string> load_config_file(const std::string& path,
                                                            OperatorConfig base) {
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const YAML::Exception& e) {
    return std::unexpected(path + ": " + e.what());
  }
  if (!root || root.IsNull()) return base;
  if (!root.IsMap()) return std::unexpected(path + ": must be a mapping of settings");
  for (const auto& kv : root) {
    const std::string key = kv.first.as<std::string>();
    const Option* opt = nullptr;
    for (const auto& o : options())
      if (o.file_key == key) opt = &o;
    if (!opt) return std::unexpected(path + ": " + key + ": unknown setting");
    if (!kv.second.IsScalar()) return std::unexpected(path + ": " + key + ": must be a scalar");
    if (auto err = opt->set(base, kv.second.as<std::string>()))
      return std::unexpected(path + ": " + key + ": " + *err);
  }
  return base;
}

std::expected<OperatorConfig, std::string> parse_args(int argc, const char* const* argv) {
  OperatorConfig cfg;
  std::vector<std::pair<std::string, std::string>> flags;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg.rfind("--", 0) != 0) return std::unexpected("unexpected argument: " + arg);
    arg = arg.substr(2);
    std::string value;
    if (auto eq = arg.find('='); eq != std::string::npos) {
      value = arg.substr(eq + 1);
      arg = arg.substr(0, eq);
    } else if (i + 1 < argc && std::string(argv[i + 1]).rfind("--", 0) != 0) {
      value = argv[++i];
    } else {
      value = "true";  // a bare boolean flag
    }
    if (arg == "config") {
      auto loaded = load_config_file(value, cfg);
      if (!loaded) return std::unexpected(loaded.error());
      cfg = *loaded;
      continue;
    }
    flags.emplace_back(arg, value);
  }
  for (const auto& [flag, value] : flags) {
    const Option* opt = nullptr;
    for (const auto& o : options())
      if (o.flag == flag) opt = &o;
    if (!opt) return std::unexpected("--" + flag + ": unknown flag (see --help)");
    if (auto err = opt->set(cfg, value)) return std::unexpected("--" + flag + ": " + *err);
  }
  if (!cfg.webhook_cert_file.empty() && !cfg.webhook_cert_secret.empty())
    return std::unexpected(
        "--webhook-cert-file and --webhook-cert-secret: give one (files, or a Secret Aura "
        "manages), not both");
  return cfg;
}

std::string usage() {
  std::string out = "usage: aura-operator [--config=FILE] [--flag=value ...]\n\n";
  out += "  --config=FILE  YAML file of settings (camelCase keys); flags override it\n";
  for (const auto& o : options())
    out += "  --" + o.flag + "  " + o.help + " (file: " + o.file_key + ")\n";
  return out;
}

}  // namespace aura::config
