#include "operator/manager.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <random>

#include "reconcilers/common/runtime.h"
#include "reconcilers/ephemeral_cluster/orphan_sweeper.h"
#include "webhooks/routes.h"
#include "webhooks/self_managed_certs.h"

namespace aura {

namespace {

std::string default_identity() {
  std::string base;
  if (const char* pod = std::getenv("POD_NAME"); pod && *pod) {
    base = pod;
  } else {
    char host[256] = {};
    gethostname(host, sizeof host - 1);
    base = host;
  }
  std::mt19937_64 rng(std::random_device{}());
  return fmt::format("{}_{:08x}", base, static_cast<uint32_t>(rng()));
}

std::vector<kube::ObjectKey> keys_by_cluster(kube::Informer& informer,
                                             const nlohmann::json& cluster) {
  std::vector<kube::ObjectKey> keys;
  const auto k = kube::key_of(cluster);
  for (const auto& obj : informer.store().by_index(reconcilers::kIndexByCluster, k.str()))
    keys.push_back(kube::key_of(*obj));
  return keys;
}

std::vector<kube::ObjectKey> cluster_of(const nlohmann::json& object) {
  std::vector<kube::ObjectKey> keys;
  for (const auto& v : reconcilers::cluster_index_values(object)) {
    const auto slash = v.find('/');
    keys.push_back({v.substr(0, slash), v.substr(slash + 1)});
  }
  return keys;
}

// The AIJobs that still need `cluster`, from a live list: deletes are rare, and a job created a
// moment before the delete must count even if the cache has not seen it yet. nullopt when the
// list fails (the webhook then refuses the delete rather than guess).
std::optional<std::vector<std::string>> active_ai_jobs(kube::Client& client, const std::string& ns,
                                                       const std::string& cluster) {
  std::vector<std::string> names;
  const std::string key = ns + "/" + cluster;
  kube::ListOptions page;
  page.limit = 500;
  auto listed = client.list_each(kube::resources::kAIJob, ns, page, [&](nlohmann::json&& job) {
    const auto& meta = job["metadata"];
    if (meta.contains("deletionTimestamp")) return;
    const auto clusters = reconcilers::cluster_index_values(job);
    if (std::find(clusters.begin(), clusters.end(), key) == clusters.end()) return;
    const auto status = job.value("status", nlohmann::json::object());
    const auto phase = status.is_object() ? status.value("phase", std::string()) : std::string();
    if (webhooks::ai_job_is_active(phase)) names.push_back(meta.value("name", std::string()));
  });
  if (!listed) return std::nullopt;
  return names;
}

// Who this process is to the apiserver (a SelfSubjectReview), so that its own deletions pass the
// delete protection; empty when it cannot tell.
reconcilers::cluster::OrphanSweepOptions orphan_sweep_options(const config::OperatorConfig& c) {
  reconcilers::cluster::OrphanSweepOptions o;
  // The flag was checked when parsed.
  o.mode = reconcilers::cluster::parse_sweep_mode(c.orphan_sweep)
               .value_or(reconcilers::cluster::SweepMode::kOff);
  o.interval = c.orphan_sweep_interval;
  o.grace = c.orphan_sweep_grace;
  o.regions = c.orphan_sweep_regions;
  if (o.regions.empty()) o.regions.push_back(c.default_region);
  o.watch_namespace = c.watch_namespace;
  return o;
}

std::string own_username(kube::Client& client) {
  static const kube::ResourceType kSelfSubjectReview{
      "authentication.k8s.io", "v1", "selfsubjectreviews", "SelfSubjectReview", false};
  auto r =
      client.create(kSelfSubjectReview, "",
                    {{"apiVersion", "authentication.k8s.io/v1"}, {"kind", "SelfSubjectReview"}});
  if (!r) return {};
  return r->value("/status/userInfo/username"_json_pointer, std::string());
}

webhooks::SelfManagedCertsOptions self_managed_certs_options(const config::OperatorConfig& c) {
  webhooks::SelfManagedCertsOptions o;
  const auto slash = c.webhook_cert_secret.find('/');
  o.secret_namespace = c.webhook_cert_secret.substr(0, slash);
  o.secret_name = c.webhook_cert_secret.substr(slash + 1);
  o.policy.hosts = c.webhook_cert_hosts;
  if (o.policy.hosts.empty()) {
    const auto svc = c.webhook_service + "." + c.webhook_service_namespace;
    o.policy.hosts = {svc + ".svc", svc + ".svc.cluster.local", svc, c.webhook_service};
  }
  o.policy.cert_validity = c.webhook_cert_validity;
  o.policy.ca_validity = c.webhook_ca_validity;
  o.policy.ca_grace = c.webhook_ca_grace;
  o.check_interval = c.webhook_cert_check_interval;
  o.missing_retry = std::min(o.missing_retry, c.webhook_cert_check_interval);
  o.validating_webhook_configurations = c.webhook_validating_configurations;
  o.mutating_webhook_configurations = c.webhook_mutating_configurations;
  return o;
}

// The first certificate pass, retried a few times (the apiserver may still be starting); the
// operator exits when it never succeeds, so that a missing permission shows as a crash loop.
bool first_certificate(webhooks::SelfManagedCerts& certs,
                       const std::function<bool(std::chrono::milliseconds)>& stopped_within) {
  for (int attempt = 0; attempt < 10; ++attempt) {
    if (certs.sync()) return true;
    if (stopped_within(std::chrono::seconds(2))) break;
  }
  return false;
}

}  // namespace

Manager::Manager(config::OperatorConfig config, log::Logger logger)
    : config_(std::move(config)), log_(std::move(logger)) {
  if (config_.identity.empty()) config_.identity = default_identity();
}

Manager::~Manager() {
  stop();
}

void Manager::stop() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
}

bool Manager::wait_until_stopped() {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [this] { return stop_.load(); });
  return !lost_leadership_;
}

bool Manager::stopped_within(std::chrono::milliseconds d) {
  std::unique_lock lock(mu_);
  return cv_.wait_for(lock, d, [this] { return stop_.load(); });
}

int Manager::run() {
  auto rest = kube::load_default(config_.kubeconfig, config_.context);
  if (!rest) {
    log_.error("cannot configure the Kubernetes client", {{"error", rest.error()}});
    return 1;
  }
  rest->qps = config_.kube_qps;
  rest->burst = config_.kube_burst;
  auto client =
      std::make_shared<kube::Client>(std::make_shared<kube::HttpTransport>(*rest), metrics_);
  log_.info("starting",
            {{"server", rest->server},
             {"identity", config_.identity},
             {"namespace", config_.watch_namespace.empty() ? "*" : config_.watch_namespace}});

  kube::InformerOptions iopts;
  iopts.ns = config_.watch_namespace;
  iopts.resync_period = config_.resync_period;
  auto informer_log = log_.named("cache");
  kube::Informer clusters(client, kube::resources::kEphemeralCluster, iopts, informer_log,
                          metrics_);
  kube::Informer node_pools(client, kube::resources::kNodePool, iopts, informer_log, metrics_);
  kube::Informer ai_jobs(client, kube::resources::kAIJob, iopts, informer_log, metrics_);
  node_pools.store().add_index(reconcilers::kIndexByCluster, reconcilers::cluster_index_values);
  ai_jobs.store().add_index(reconcilers::kIndexByCluster, reconcilers::cluster_index_values);

  reconcilers::Runtime rt;
  rt.client = client;
  rt.clusters = &clusters;
  rt.node_pools = &node_pools;
  rt.ai_jobs = &ai_jobs;
  rt.clock = std::make_shared<SystemClock>();
  rt.events = std::make_shared<kube::EventRecorder>(
      client, "aura.io/aura-operator", config_.identity, log_.named("events"), rt.clock);
  rt.config = config_;
  // The standard credential chain and endpoint settings (AWS_ENDPOINT_URL and the like) of the
  // process environment; clients are made on first use, per region and identity.
  aws::AwsClientOptions aws_options;
  aws_options.clock = rt.clock;
  aws_options.metrics = metrics_;
  aws_options.log = log_.named("aws");
  if (config_.fault_exit_after_mutating_aws_calls > 0) {
    log_.warn("test-only fault hook armed: this process kills itself after a mutating AWS call",
              {{"afterMutatingCalls", config_.fault_exit_after_mutating_aws_calls}});
    aws_options.fault_hook = std::make_shared<aws::FaultHook>(
        config_.fault_exit_after_mutating_aws_calls, log_.named("fault"));
  }
  rt.aws = std::make_shared<aws::AwsSession>(std::move(aws_options));

  auto controller_log = log_.named("controller");
  auto opts = [&](std::string name) {
    kube::ControllerOptions o;
    o.name = std::move(name);
    o.workers = config_.workers;
    return o;
  };
  kube::Controller cluster_ctrl(opts("ephemeralcluster"),
                                reconcilers::make_ephemeral_cluster_reconciler(rt), controller_log,
                                metrics_);
  kube::Controller pool_ctrl(opts("nodepool"), reconcilers::make_node_pool_reconciler(rt),
                             controller_log, metrics_);
  kube::Controller job_ctrl(opts("aijob"), reconcilers::make_ai_job_reconciler(rt), controller_log,
                            metrics_);
  cluster_ctrl.watch_primary(clusters);
  // A cluster waits for its NodePools and AIJobs when deleting: their changes wake it.
  cluster_ctrl.watch_related(node_pools, cluster_of);
  cluster_ctrl.watch_related(ai_jobs, cluster_of);
  pool_ctrl.watch_primary(node_pools);
  pool_ctrl.watch_related(clusters,
                          [&](const nlohmann::json& c) { return keys_by_cluster(node_pools, c); });
  job_ctrl.watch_primary(ai_jobs);
  job_ctrl.watch_related(clusters,
                         [&](const nlohmann::json& c) { return keys_by_cluster(ai_jobs, c); });
  // Like the controllers, the sweeper runs on the leader only: two sweepers would race to
  // delete the same orphans.
  reconcilers::cluster::OrphanSweeper sweeper(orphan_sweep_options(config_), client, rt.aws,
                                              rt.clock, log_.named("orphan-sweeper"), metrics_);

  http::ServerOptions sopts;
  sopts.address = config_.probe_address;
  sopts.port = config_.probe_port;
  http::Server server(sopts, log_.named("http"));
  server.route("/healthz", [](const http::Request&) {
    return http::Response{200, "text/plain", "ok\n"};
  });
  server.route("/readyz", [&](const http::Request&) {
    const bool ready = clusters.has_synced() && node_pools.has_synced() && ai_jobs.has_synced();
    return ready ? http::Response{200, "text/plain", "ok\n"}
                 : http::Response{503, "text/plain", "caches not synced\n"};
  });
  server.route("/metrics", [this](const http::Request&) {
    return http::Response{200, "text/plain; version=0.0.4; charset=utf-8", metrics_->render()};
  });
  if (!server.start()) return 1;

  // Admission webhooks run on every replica, leader or not: the apiserver may call any of them.
  std::unique_ptr<webhooks::TlsServer> webhook_server;
  std::unique_ptr<webhooks::SelfManagedCerts> webhook_certs;
  if (!config_.webhook_cert_file.empty() || !config_.webhook_cert_secret.empty()) {
    webhooks::TlsServerOptions wopts;
    wopts.address = config_.webhook_address;
    wopts.port = config_.webhook_port;
    wopts.cert_file = config_.webhook_cert_file;
    wopts.key_file = config_.webhook_key_file;
    webhook_server = std::make_unique<webhooks::TlsServer>(wopts, log_.named("webhooks"));
    webhooks::RouteOptions ropts;
    ropts.defaulting.kubernetes_version = config_.default_kubernetes_version;
    ropts.delete_protection.active_jobs = [client](const std::string& ns,
                                                   const std::string& cluster) {
      return active_ai_jobs(*client, ns, cluster);
    };
    if (auto self = own_username(*client); !self.empty())
      ropts.delete_protection.exempt_users.push_back(self);
    else
      log_.warn(
          "cannot tell this operator's own user; its deletions of clusters with running "
          "AIJobs will be refused like anyone's");
    webhooks::register_routes(*webhook_server, std::move(ropts));
    if (!config_.webhook_cert_secret.empty()) {
      webhook_certs = std::make_unique<webhooks::SelfManagedCerts>(
          client, self_managed_certs_options(config_),
          [server = webhook_server.get()](const std::string& cert, const std::string& key) {
            return server->set_certificate(cert, key);
          },
          log_.named("webhook-certs"));
      // The server never listens without a certificate: the first pass comes first.
      if (!first_certificate(*webhook_certs,
                             [this](std::chrono::milliseconds d) { return stopped_within(d); })) {
        if (stop_) return 0;  // asked to stop while waiting: a clean exit
        log_.error("no webhook certificate after repeated attempts; exiting");
        return 1;
      }
      webhook_certs->start();
    }
    if (!webhook_server->start()) return 1;
  }

  clusters.start();
  node_pools.start();
  ai_jobs.start();

  // Controllers read from the caches, so they start only once every cache has synced; a
  // reconcile against a half-filled cache would report a referenced object as missing.
  auto start_controllers = [&] {
    for (auto* inf : {&clusters, &node_pools, &ai_jobs})
      while (!stop_ && !inf->wait_for_sync(std::chrono::seconds(1))) {
      }
    if (stop_) return;
    log_.info("caches synced, starting controllers");
    cluster_ctrl.start();
    pool_ctrl.start();
    job_ctrl.start();
    sweeper.start();
  };
  std::unique_ptr<kube::LeaderElector> elector;
  if (config_.leader_election) {
    kube::LeaderElectionOptions lopts;
    lopts.lease_namespace = config_.lease_namespace;
    lopts.lease_name = config_.lease_name;
    lopts.identity = config_.identity;
    lopts.lease_duration = config_.lease_duration;
    lopts.renew_deadline = config_.renew_deadline;
    lopts.retry_period = config_.retry_period;
    elector = std::make_unique<kube::LeaderElector>(client, lopts, log_.named("leader"));
    elector->start(start_controllers, [this] {
      if (!stop_) {
        lost_leadership_ = true;
        stop();
      }
    });
  } else {
    start_controllers();
  }

  const bool clean = wait_until_stopped();
  log_.info("stopping");
  // Order: stop reconciling, then hand over the lease, then stop watching and serving.
  cluster_ctrl.stop();
  pool_ctrl.stop();
  job_ctrl.stop();
  sweeper.stop();
  if (elector) elector->stop();
  clusters.stop();
  node_pools.stop();
  ai_jobs.stop();
  if (webhook_certs) webhook_certs->stop();
  if (webhook_server) webhook_server->stop();  // finishes reviews in flight
  server.stop();
  log_.info("stopped");
  return clean ? 0 : 1;
}

}  // namespace aura
