#pragma once

#include <chrono>
#include <cstdint>
#include <expected>
#include <string>
#include <vector>

#include "operator/log/logger.h"

namespace aura::config {

// The operator's own settings: a YAML file (config/operator/config.yaml, mounted from a
// ConfigMap by the chart) overridden by command-line flags. Every field has a production default.
struct OperatorConfig {
  std::string kubeconfig;  // empty: $KUBECONFIG, in-cluster, ~/.kube/config
  std::string context;
  std::string watch_namespace;  // empty: all namespaces

  log::Format log_format = log::Format::kText;
  log::Level log_level = log::Level::kInfo;

  std::string probe_address = "0.0.0.0";
  unsigned short probe_port = 8081;  // /healthz, /readyz and /metrics

  bool leader_election = true;
  std::string lease_namespace = "aura-system";
  std::string lease_name = "aura-operator";
  std::string identity;  // default: $POD_NAME or hostname, plus a random suffix
  std::chrono::seconds lease_duration{15};
  std::chrono::seconds renew_deadline{10};
  std::chrono::seconds retry_period{2};

  int workers = 2;  // per controller
  std::chrono::seconds resync_period{std::chrono::hours(10)};
  double kube_qps = 50;
  double kube_burst = 100;

  std::string default_region = "us-east-1";
  std::string default_kubernetes_version = "1.33";

  // The orphan sweeper (docs/provisioning.md): "off", "dry-run" (report only) or "delete".
  // Runs on the leader, over orphan_sweep_regions (empty: default_region).
  std::string orphan_sweep = "off";
  std::chrono::seconds orphan_sweep_interval{std::chrono::hours(1)};
  std::chrono::seconds orphan_sweep_grace{std::chrono::minutes(10)};
  std::vector<std::string> orphan_sweep_regions;

  // How long a deletion gives the child cluster's controllers to remove the load balancers of
  // its Services and Ingresses once Aura has deleted them (DESIGN.md, delete step 1); past it,
  // Aura goes on and removes what is left through the AWS API.
  std::chrono::seconds child_cleanup_timeout{std::chrono::minutes(10)};

  // Admission webhooks, served by every replica. Off unless a certificate is given: files (a
  // Secret mounted by cert-manager or by hand; reloaded when they rotate), or a Secret that Aura
  // manages itself (webhook_cert_secret, "namespace/name").
  std::string webhook_address = "0.0.0.0";
  unsigned short webhook_port = 9443;
  std::string webhook_cert_file;
  std::string webhook_key_file;
  std::string webhook_cert_secret;
  // Names the self-managed serving certificate covers; empty: the Service's DNS names.
  std::vector<std::string> webhook_cert_hosts;
  std::string webhook_service = "aura-webhook";
  std::string webhook_service_namespace = "aura-system";
  std::chrono::seconds webhook_cert_validity{std::chrono::hours(24 * 365)};
  std::chrono::seconds webhook_ca_validity{std::chrono::hours(24 * 365 * 10)};
  std::chrono::seconds webhook_ca_grace{60};
  std::chrono::seconds webhook_cert_check_interval{300};
  std::vector<std::string> webhook_validating_configurations{"aura-validating"};
  std::vector<std::string> webhook_mutating_configurations{"aura-mutating"};

  // Test only, off (0) in production: the process kills itself (as kill -9 would) right after
  // the answer of its Nth AWS call that may change something (operator/aws/fault_hook.h), to
  // show that a restart from any such point neither leaks nor duplicates.
  int64_t fault_exit_after_mutating_aws_calls = 0;
};

// Parses a config file; fields absent from the file keep their defaults. Errors name the field.
std::expected<OperatorConfig, std::string> load_config_file(const std::string& path,
                                                            OperatorConfig base = {});
// Applies --flag=value arguments over `base`. --config=FILE is read first wherever it appears.
std::expected<OperatorConfig, std::string> parse_args(int argc, const char* const* argv);
std::string usage();

}  // namespace aura::config
