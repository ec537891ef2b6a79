#include "reconcilers/ephemeral_cluster/orphan_sweeper.h"

#include <algorithm>

#include "operator/aws/endpoints.h"
#include "reconcilers/ephemeral_cluster/provisioning.h"

namespace aura::reconcilers::cluster {

namespace {

using namespace std::chrono_literals;

std::string key_of(const TaggedResource& r) {
  return r.kind + " " + r.id;
}

std::string cluster_of(const Owner& o) {
  return o.ns + "/" + o.name;
}

}  // namespace

OrphanSweeper::OrphanSweeper(OrphanSweepOptions options, kube::ClientPtr client,
                             std::shared_ptr<aws::AwsSession> aws, ClockPtr clock, log::Logger log,
                             metrics::RegistryPtr metrics)
    : options_(std::move(options)),
      client_(std::move(client)),
      aws_(std::move(aws)),
      clock_(std::move(clock)),
      log_(std::move(log)),
      judge_(options_.grace) {
  resources_ = metrics->counter(
      "aura_orphan_resources_total",
      "AWS resources of Aura whose EphemeralCluster is gone, by kind and action: would-delete "
      "(dry run), delete (removal started), deleted (found gone after a removal).",
      {"kind", "action"});
  sweeps_ = metrics->counter("aura_orphan_sweeps_total", "Orphan sweeps by outcome (ok, error).",
                             {"outcome"});
}

OrphanSweeper::~OrphanSweeper() {
  stop();
}

aws::Result<std::vector<TaggedResource>> OrphanSweeper::scan() {
  std::vector<TaggedResource> all;
  for (const auto& region : options_.regions) {
    if (stopping()) break;  // sweep() judges nothing then
    aws::Ec2Client ec2(aws_->client(aws::services::kEc2, region));
    auto network = find_network(ec2, region);
    if (!network) return std::unexpected(network.error());
    all.insert(all.end(), network->begin(), network->end());
    aws::EksClient eks(aws_->client(aws::services::kEks, region));
    auto clusters = find_eks_clusters(eks, region);
    if (!clusters) return std::unexpected(clusters.error());
    all.insert(all.end(), clusters->begin(), clusters->end());
  }
  aws::IamClient iam(aws_->client(aws::services::kIam, options_.regions.front()));
  auto global = find_global(iam);
  if (!global) return std::unexpected(global.error());
  all.insert(all.end(), global->begin(), global->end());
  return all;
}

std::optional<std::set<std::string>> OrphanSweeper::live_uids() {
  // From the API, not the cache: a cache a moment behind must never make a live cluster look
  // gone.
  std::set<std::string> uids;
  kube::ListOptions page;
  page.limit = 500;
  auto listed = client_->list_each(
      kube::resources::kEphemeralCluster, options_.watch_namespace, page,
      [&](nlohmann::json&& c) { uids.insert(c["metadata"].value("uid", std::string())); });
  if (!listed) {
    log_.warn("orphan sweep: cannot list EphemeralClusters; nothing is judged this time",
              {{"error", listed.error().message}});
    return std::nullopt;
  }
  return uids;
}

void OrphanSweeper::report(const Owner& owner) {
  const bool dry = options_.mode == SweepMode::kDryRun;
  for (const auto& r : owner.resources) {
    if (!reported_.emplace(key_of(r), owner.uid).second) continue;
    log_.info(dry ? "orphan resource: would delete" : "orphan resource: deleting",
              {{"kind", r.kind},
               {"id", r.id},
               {"region", r.region},
               {"clusterUID", owner.uid},
               {"cluster", cluster_of(owner)},
               {"mode", to_string(options_.mode)}});
    resources_->inc({r.kind, dry ? "would-delete" : "delete"});
  }
}

std::chrono::seconds OrphanSweeper::remove(const Owner& owner) {
  // Regional resources go region by region; IAM-only leftovers with the first region's clients.
  std::vector<std::string> regions(owner.regions.begin(), owner.regions.end());
  if (regions.empty()) regions.push_back(options_.regions.front());
  std::chrono::seconds next{0};
  for (const auto& region : regions) {
    api::EphemeralClusterSpec spec;  // no vpcID: every network resource by tag is Aura's
    spec.region = region;
    auto clients = clients_for(*aws_, spec, owner.ns, owner.name);
    const ClusterIdentity id(owner.ns, owner.name, owner.uid);
    Provisioning steps(clients, id, [] {});
    api::EphemeralClusterStatus status;  // empty: each step finds its resources by tag or name
    const auto outcome = steps.remove(spec, status);
    if (outcome.kind == Outcome::Kind::kDone) {
      log_.info("orphan removed",
                {{"clusterUID", owner.uid}, {"cluster", cluster_of(owner)}, {"region", region}});
      continue;
    }
    log_.info("orphan removal under way", {{"clusterUID", owner.uid},
                                           {"cluster", cluster_of(owner)},
                                           {"region", region},
                                           {"outcome", to_string(outcome.kind)},
                                           {"waitingFor", outcome.message}});
    const auto after = outcome.kind == Outcome::Kind::kWaiting && outcome.retry_after > 0s
                           ? outcome.retry_after
                           : 30s;
    next = next == 0s ? after : std::min(next, after);
  }
  return next;
}

void OrphanSweeper::confirm_deleted(const std::vector<TaggedResource>& found) {
  std::set<std::string> present;
  for (const auto& r : found) present.insert(key_of(r));
  for (auto it = reported_.begin(); it != reported_.end();) {
    if (present.contains(it->first)) {
      ++it;
      continue;
    }
    if (options_.mode == SweepMode::kDelete) {
      const auto space = it->first.find(' ');
      const auto kind = it->first.substr(0, space);
      log_.info("orphan resource: deleted",
                {{"kind", kind}, {"id", it->first.substr(space + 1)}, {"clusterUID", it->second}});
      resources_->inc({kind, "deleted"});
    }
    it = reported_.erase(it);
  }
}

SweepReport OrphanSweeper::sweep() {
  SweepReport rep;
  rep.next = options_.interval;
  // AWS first, then the API: a cluster created after the list could have no resources yet, but
  // one whose resources the scan saw was created before the list began.
  auto found = scan();
  if (!found) {
    log_.warn("orphan sweep: AWS scan failed; nothing is judged this time",
              {{"error", found.error().str()}});
    sweeps_->inc({"error"});
    return rep;
  }
  // A scan cut short by a shutdown would make the unscanned look deleted.
  if (stopping()) return rep;
  auto live = live_uids();
  if (!live) {
    sweeps_->inc({"error"});
    return rep;
  }
  confirm_deleted(*found);

  auto owners = group_by_owner(*found);
  // Under --watch-namespace, other namespaces may be another operator's: not ours to judge.
  if (!options_.watch_namespace.empty())
    std::erase_if(owners, [&](const Owner& o) { return o.ns != options_.watch_namespace; });
  std::vector<OwnerSighting> sightings;
  for (const auto& o : owners)
    sightings.push_back({o.uid, live->contains(o.uid), o.retained, !o.ns.empty()});
  const auto verdicts = judge_.judge(sightings, clock_->steady_now());

  rep.owners = owners.size();
  for (const auto& o : owners) {
    // A shutdown does not wait for every orphan: the next leader's sweeps take them up.
    if (stopping()) break;
    const Verdict v = verdicts.at(o.uid);
    switch (v) {
      case Verdict::kLive:
        ++rep.live;
        continue;
      case Verdict::kRetained:
        ++rep.retained;
        log_.debug(
            "orphan sweep: retained resources left alone",
            {{"clusterUID", o.uid}, {"cluster", cluster_of(o)}, {"resources", o.resources.size()}});
        continue;
      case Verdict::kUnknownOwner:
        ++rep.unknown;
        log_.warn("orphan sweep: resources without aura.io/cluster left alone",
                  {{"clusterUID", o.uid}, {"resources", o.resources.size()}});
        continue;
      case Verdict::kGrace:
        ++rep.grace;
        log_.info(
            "orphan sweep: no EphemeralCluster for these resources; judged again after "
            "the grace",
            {{"clusterUID", o.uid},
             {"cluster", cluster_of(o)},
             {"resources", o.resources.size()},
             {"graceSeconds", options_.grace.count()}});
        continue;
      case Verdict::kOrphan:
        break;
    }
    ++rep.orphans;
    rep.orphan_resources += o.resources.size();
    report(o);
    if (options_.mode != SweepMode::kDelete) continue;
    if (const auto again = remove(o); again > 0s) rep.next = std::min(rep.next, again);
  }
  rep.ok = true;
  sweeps_->inc({"ok"});
  log_.info("orphan sweep done", {{"mode", to_string(options_.mode)},
                                  {"owners", rep.owners},
                                  {"live", rep.live},
                                  {"retained", rep.retained},
                                  {"inGrace", rep.grace},
                                  {"unknownOwner", rep.unknown},
                                  {"orphans", rep.orphans},
                                  {"orphanResources", rep.orphan_resources},
                                  {"nextInSeconds", rep.next.count()}});
  return rep;
}

bool OrphanSweeper::stopping() {
  std::lock_guard lock(mu_);
  return stop_;
}

void OrphanSweeper::start() {
  if (options_.mode == SweepMode::kOff || thread_.joinable()) return;
  log_.info("orphan sweeper started", {{"mode", to_string(options_.mode)},
                                       {"intervalSeconds", options_.interval.count()},
                                       {"graceSeconds", options_.grace.count()}});
  thread_ = std::thread([this] {
    for (;;) {
      const auto next = sweep().next;
      std::unique_lock lock(mu_);
      if (cv_.wait_for(lock, next, [this] { return stop_; })) return;
    }
  });
}

void OrphanSweeper::stop() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

}  // namespace aura::reconcilers::cluster
