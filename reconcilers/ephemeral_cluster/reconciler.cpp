// EphemeralCluster reconciler: finalizer, the AWS steps of provisioning.h driven one pass at a
// time (never waiting inside a reconcile), status and Events, and deletion in DESIGN.md's order.
#include <fmt/format.h>

#include <map>
#include <mutex>

#include "operator/common/base64.h"
#include "operator/kube/finalizers.h"
#include "reconcilers/ai_job/failure.h"
#include "reconcilers/common/errors.h"
#include "reconcilers/common/runtime.h"
#include "reconcilers/common/status_update.h"
#include "reconcilers/ephemeral_cluster/child_cleanup.h"
#include "reconcilers/ephemeral_cluster/cluster_status.h"
#include "reconcilers/ephemeral_cluster/expiry.h"
#include "reconcilers/ephemeral_cluster/kubeconfig.h"
#include "reconcilers/ephemeral_cluster/provisioning.h"
#include "reconcilers/ephemeral_cluster/retention.h"

namespace aura::reconcilers {

namespace {

using kube::Action;
using kube::ReconcileResult;
using nlohmann::json;

// How often a deleting cluster re-checks its descendants even without a watch event.
constexpr auto kDescendantsRecheck = std::chrono::seconds(10);

// status.deletionBlockedBy holds at most this many characters (CRD).
constexpr std::size_t kBlockedByMax = 1024;

bool job_finished(const json& job) {
  const std::string phase = job.contains("status") ? job["status"].value("phase", "") : "";
  return phase == "Succeeded" || phase == "Failed";
}

bool retains_aws_resources(const api::EphemeralClusterSpec& spec) {
  return spec.lifecycle && spec.lifecycle->deletionPolicy == api::DeletionPolicy::kRetain;
}

// One reconcile's view of a cluster's AWS side: the typed status the steps fill, and the record
// callback they call right after each create or delete, which turns the change into Events and
// writes the status at once, so that a crash never loses an ID (DESIGN.md invariant 3).
class AwsPass {
 public:
  AwsPass(Runtime& rt, const json& cluster, const api::EphemeralClusterSpec& spec, StatusUpdate& st)
      : rt_(rt),
        cluster_(cluster),
        st_(st),
        status_(decode_status(cluster, spec)),
        // Born with the tags status says they all carry; cluster::TagSteps moves them to spec.tags.
        id_(cluster["metadata"].value("namespace", ""), cluster["metadata"].value("name", ""),
            cluster["metadata"].value("uid", ""), status_.appliedTags),
        clients_(cluster::clients_for(*rt.aws, spec, cluster["metadata"].value("namespace", ""),
                                      cluster["metadata"].value("name", ""))),
        own_network_(!cluster::brings_own_network(spec)),
        known_(cluster::recorded_resources(status_, own_network_)),
        steps_(clients_, id_, [this] { record(); }) {}
  AwsPass(const AwsPass&) = delete;
  AwsPass& operator=(const AwsPass&) = delete;

  cluster::Provisioning& steps() { return steps_; }
  api::EphemeralClusterStatus& status() { return status_; }
  // The first failed status write of this pass, if any: the pass goes on (what it creates is
  // tagged and adopted next time) but the reconcile then fails and is retried.
  const std::optional<kube::ApiError>& write_error() const { return write_error_; }

 private:
  static api::EphemeralClusterStatus decode_status(const json& cluster,
                                                   const api::EphemeralClusterSpec& spec) {
    api::EphemeralClusterStatus s;
    if (cluster.contains("status"))
      if (auto decoded = api::decode<api::EphemeralClusterStatus>(cluster["status"]))
        s = std::move(*decoded);
    // Nothing made yet (provision() writes these tags with phase Pending): the first resources
    // are born with spec.tags, and no tag call follows.
    if (!s.phase) s.appliedTags = spec.tags;
    return s;
  }

  void record() {
    auto now = cluster::recorded_resources(status_, own_network_);
    for (const auto& r : cluster::added(known_, now))
      rt_.events->record(cluster_, kube::EventType::kNormal, "Created", "Create", "Created " + r);
    for (const auto& r : cluster::added(now, known_))
      rt_.events->record(cluster_, kube::EventType::kNormal, "Deleted", "Delete", "Deleted " + r);
    known_ = std::move(now);
    cluster::put_resource_ids(st_, status_);
    if (write_error_) return;
    if (auto r = st_.write(*rt_.client, kube::resources::kEphemeralCluster); !r)
      write_error_ = r.error();
  }

  Runtime& rt_;
  const json& cluster_;
  StatusUpdate& st_;
  api::EphemeralClusterStatus status_;
  cluster::ClusterIdentity id_;
  cluster::ClusterClients clients_;
  bool own_network_;
  std::vector<std::string> known_;
  cluster::Provisioning steps_;
  std::optional<kube::ApiError> write_error_;
};

class EphemeralClusterReconciler final : public kube::Reconciler {
 public:
  explicit EphemeralClusterReconciler(Runtime& rt) : rt_(rt) {}

  ReconcileResult reconcile(const kube::ObjectKey& key,
                            const kube::ReconcileContext& ctx) override {
    auto cached = rt_.clusters->store().get(key);
    if (!cached) return Action::await_change();  // gone: nothing left to do
    const json& cluster = *cached;
    if (kube::is_deleting(cluster)) {
      if (!kube::has_finalizer(cluster, kClusterFinalizer)) return Action::await_change();
      return finalize(cluster, ctx);
    }
    // Adding the finalizer ends the pass: its watch event brings the next one.
    if (!kube::has_finalizer(cluster, kClusterFinalizer)) {
      if (auto r = kube::add_finalizer(*rt_.client, kube::resources::kEphemeralCluster, cluster,
                                       kClusterFinalizer);
          !r)
        return std::unexpected(from_api(r.error(), "add finalizer"));
      return Action::await_change();
    }

    auto spec = api::decode<api::EphemeralClusterSpec>(cluster.value("spec", json::object()));
    if (!spec) return stall(cluster, "InvalidSpec", spec.error().to_string());
    if (!rt_.aws) return stall(cluster, "NoAWSSession", "the operator runs without AWS access");
    return provision(cluster, *spec, ctx);
  }

 private:
  ReconcileResult stall(const json& cluster, std::string_view reason, const std::string& message) {
    StatusUpdate st(cluster, *rt_.clock);
    st.phase("Failed");
    st.stalled(reason, message);
    const bool news = st.changed();
    if (auto r = st.write(*rt_.client, kube::resources::kEphemeralCluster); !r)
      return std::unexpected(from_api(r.error(), "update status"));
    if (news)
      rt_.events->record(cluster, kube::EventType::kWarning, std::string(reason), "Reconcile",
                         message);
    return Action::await_change();
  }

  // A Ready cluster whose spec is observed rests: its resources were verified less than
  // reverify_interval ago by this process, so this pass (a resync, our own status write) costs
  // no AWS call and no write (DESIGN.md invariant 7). Returns how long it still rests.
  std::optional<std::chrono::milliseconds> resting(const std::string& uid) {
    std::lock_guard lock(mu_);
    const auto it = verified_.find(uid);
    if (it == verified_.end()) return std::nullopt;
    const auto due = it->second + cluster::reverify_interval(uid);
    const auto now = rt_.clock->steady_now();
    if (now >= due) return std::nullopt;
    return std::chrono::duration_cast<std::chrono::milliseconds>(due - now);
  }
  void verified(const std::string& uid, bool ok) {
    std::lock_guard lock(mu_);
    if (ok)
      verified_[uid] = rt_.clock->steady_now();
    else
      verified_.erase(uid);
  }

  // spec.lifecycle against the clock and the AIJobs on this cluster (from the cache: their
  // changes wake the cluster).
  cluster::Expiry cost_guards(const json& cluster, const api::EphemeralClusterSpec& spec) {
    const auto& meta = cluster["metadata"];
    const json status = cluster.value("status", json::object());
    const auto time_at = [&](const json& obj, const char* key) {
      return obj.contains(key) && obj[key].is_string() ? parse_rfc3339(obj[key].get<std::string>())
                                                       : std::nullopt;
    };
    cluster::ExpiryInput in;
    in.now = rt_.clock->now();
    in.created = time_at(meta, "creationTimestamp").value_or(in.now);
    in.ready = time_at(status, "readyTime");
    in.last_active = time_at(status, "lastActiveTime");
    for (const auto& job :
         rt_.ai_jobs->store().by_index(kIndexByCluster, kube::key_of(cluster).str())) {
      if (!job_finished(*job)) {
        in.activity.busy = true;
        continue;
      }
      const json job_status = job->value("status", json::object());
      if (auto done = time_at(job_status, "completionTime");
          done && (!in.activity.last_finished || *done > *in.activity.last_finished))
        in.activity.last_finished = done;
    }
    return cluster::evaluate_expiry(spec.lifecycle ? &*spec.lifecycle : nullptr, in);
  }

  // The users' kubeconfig Secret, applied (server-side, so an unchanged one is no write) each
  // time the control plane is found ACTIVE; owned by the EphemeralCluster, so the garbage
  // collector takes it too should the finalizer's own delete ever be missed.
  std::expected<std::string, kube::ApiError> apply_kubeconfig(const json& cluster,
                                                              const api::EphemeralClusterSpec& spec,
                                                              const aws::eks::Cluster& eks) {
    const auto& meta = cluster["metadata"];
    const std::string name = cluster::kubeconfig_secret_name(meta.value("name", ""));
    const json secret{
        {"apiVersion", "v1"},
        {"kind", "Secret"},
        {"metadata",
         {{"name", name},
          {"namespace", meta.value("namespace", "")},
          {"labels", {{"aura.io/cluster", meta.value("name", "")}}},
          {"ownerReferences", json::array({{{"apiVersion", "aura.io/v1alpha1"},
                                            {"kind", "EphemeralCluster"},
                                            {"name", meta.value("name", "")},
                                            {"uid", meta.value("uid", "")},
                                            {"controller", true},
                                            {"blockOwnerDeletion", true}}})}}},
        {"type", "Opaque"},
        // data, not stringData: server-side apply tracks data's keys as fields.
        {"data",
         {{cluster::kKubeconfigKey, base64_encode(cluster::build_kubeconfig(eks, spec.region))}}}};
    auto r = rt_.client->apply(kube::resources::kSecret, meta.value("namespace", ""), name, secret,
                               "aura-operator");
    if (!r) return std::unexpected(r.error());
    return name;
  }

  static void put_expiry(StatusUpdate& st, const cluster::Expiry& expiry) {
    if (expiry.expiry_time) st.field("expiryTime", format_rfc3339(*expiry.expiry_time));
    if (expiry.last_active) st.field("lastActiveTime", format_rfc3339(*expiry.last_active));
  }

  static std::chrono::milliseconds sooner(std::chrono::milliseconds a,
                                          std::optional<std::chrono::seconds> b) {
    return b && std::chrono::milliseconds(*b) < a ? std::chrono::milliseconds(*b) : a;
  }

  // A cluster past maxLifetime or idle too long is deleted like any other: the finalizer then
  // takes everything down in order.
  ReconcileResult expire(const json& cluster, const cluster::Expiry& expiry,
                         const kube::ReconcileContext& ctx) {
    const auto key = kube::key_of(cluster);
    kube::DeleteOptions opts;
    opts.precondition_uid = cluster["metadata"].value("uid", "");
    auto r = rt_.client->remove(kube::resources::kEphemeralCluster, key.ns, key.name, opts);
    if (!r && !r.error().is_not_found())
      return std::unexpected(from_api(r.error(), "delete expired cluster"));
    rt_.events->record(cluster, kube::EventType::kNormal, expiry.reason, "Delete",
                       expiry.message + "; deleting the cluster");
    ctx.log.info("cluster expired", {{"reason", expiry.reason}, {"message", expiry.message}});
    return Action::await_change();
  }

  ReconcileResult provision(const json& cluster, const api::EphemeralClusterSpec& spec,
                            const kube::ReconcileContext& ctx) {
    const auto& meta = cluster["metadata"];
    const std::string uid = meta.value("uid", "");
    const json status = cluster.value("status", json::object());
    const std::string phase = status.value("phase", "");
    const bool observed =
        status.value("observedGeneration", int64_t{-1}) == meta.value("generation", int64_t{0});
    StatusUpdate st(cluster, *rt_.clock);
    // The cost guards first: a cluster past a deadline goes, whatever state it is in.
    const auto expiry = cost_guards(cluster, spec);
    if (expiry.expired) return expire(cluster, expiry, ctx);
    put_expiry(st, expiry);
    if (phase == "Ready" && observed)
      if (auto rest = resting(uid)) {
        if (st.changed())
          if (auto r = st.write(*rt_.client, kube::resources::kEphemeralCluster); !r)
            return std::unexpected(from_api(r.error(), "update status"));
        return Action::requeue_after(sooner(*rest, expiry.recheck));
      }

    st.erase("deletionBlockedBy");
    if (phase.empty()) {
      // Accepted: said before the first AWS call, which may take a while.
      st.phase("Pending");
      st.reconciling("Pending", "accepted; provisioning starts");
      if (!spec.tags.empty()) st.field("appliedTags", api::to_json(spec.tags));
      if (auto r = st.write(*rt_.client, kube::resources::kEphemeralCluster); !r)
        return std::unexpected(from_api(r.error(), "update status"));
      rt_.events->record(cluster, kube::EventType::kNormal, "Accepted", "Reconcile",
                         "EphemeralCluster accepted; provisioning starts");
    }
    if (phase != "Ready") st.phase("Provisioning");

    AwsPass pass(rt_, cluster, spec, st);
    const auto outcome = pass.steps().ensure(spec, pass.status());
    cluster::put_resource_ids(st, pass.status());
    cluster::put_step_conditions(st, outcome);
    ReconcileResult result = Action::await_change();
    using Kind = cluster::Outcome::Kind;
    switch (outcome.kind) {
      case Kind::kDone: {
        const auto& s = pass.status();
        if (const auto& eks = pass.steps().control_plane()) {
          auto secret = apply_kubeconfig(cluster, spec, *eks);
          if (!secret) return std::unexpected(from_api(secret.error(), "apply kubeconfig Secret"));
          st.field("kubeconfigSecretName", *secret);
        }
        st.phase("Ready");
        st.ready("Provisioned",
                 fmt::format("EKS cluster {} is ACTIVE at {}", s.eksClusterName.value_or(""),
                             s.endpoint.value_or("")));
        if (!status.contains("readyTime")) st.field("readyTime", format_rfc3339(rt_.clock->now()));
        result = Action::requeue_after(sooner(cluster::reverify_interval(uid), expiry.recheck));
        break;
      }
      case Kind::kWaiting:
        st.phase("Provisioning");
        st.reconciling("Provisioning", outcome.message);
        result = Action::requeue_after(sooner(outcome.retry_after, expiry.recheck));
        break;
      case Kind::kAwsError:
        // Retryable or not, an AWS failure may pass without a spec change (throttling, a
        // permission fixed): Reconciling with the queue's backoff, not Stalled.
        st.phase("Provisioning");
        st.reconciling("AWSError", outcome.message);
        result = std::unexpected(kube::ReconcileError::transient("AWS: " + outcome.message));
        break;
      case Kind::kSpecError:
        st.phase("Failed");
        st.stalled("InvalidSpec", outcome.message);
        break;
    }
    if (pass.write_error()) return std::unexpected(from_api(*pass.write_error(), "update status"));
    const bool written = st.changed();
    if (auto r = st.write(*rt_.client, kube::resources::kEphemeralCluster); !r)
      return std::unexpected(from_api(r.error(), "update status"));
    if (outcome.kind == Kind::kDone && phase != "Ready")
      rt_.events->record(cluster, kube::EventType::kNormal, "Ready", "Provision",
                         "EKS cluster " + pass.status().eksClusterName.value_or("") +
                             " and everything it stands on are ready");
    if (const auto& note = pass.steps().tags_updated(); !note.empty())
      rt_.events->record(cluster, kube::EventType::kNormal, "TagsUpdated", "Tag", note);
    if (outcome.kind == Kind::kSpecError && written)
      rt_.events->record(cluster, kube::EventType::kWarning, "InvalidSpec", "Provision",
                         outcome.message);
    verified(uid, outcome.kind == Kind::kDone);
    ctx.log.info("cluster provisioning pass", {{"outcome", cluster::to_string(outcome.kind)},
                                               {"message", outcome.message},
                                               {"statusWritten", written}});
    return result;
  }

  // The AWS side of a deletion, after the NodePools: nothing (deletionPolicy Retain) or the
  // steps' remove() until the inventory by tag is empty. nullopt when the finalizer may go.
  std::optional<ReconcileResult> remove_aws(const json& cluster,
                                            const kube::ReconcileContext& ctx) {
    auto spec = api::decode<api::EphemeralClusterSpec>(cluster.value("spec", json::object()));
    if (!spec)
      return std::unexpected(
          kube::ReconcileError::terminal("cannot read the spec: " + spec.error().to_string()));
    if (retains_aws_resources(*spec)) {
      // Marked before the finalizer goes, so that the orphan sweeper never takes them: once the
      // object is gone only tags tell retained from leaked (retention.h).
      if (rt_.aws) {
        const auto& meta = cluster["metadata"];
        auto clients = cluster::clients_for(*rt_.aws, *spec, meta.value("namespace", ""),
                                            meta.value("name", ""));
        const cluster::ClusterIdentity id(meta.value("namespace", ""), meta.value("name", ""),
                                          meta.value("uid", ""));
        auto marked = cluster::mark_retained(clients, id, spec->region);
        if (!marked)
          return std::unexpected(kube::ReconcileError::transient(
              "AWS: marking the retained resources: " + marked.error().str()));
        ctx.log.info("retained resources marked", {{"resources", *marked}});
      }
      rt_.events->record(cluster, kube::EventType::kNormal, "Retained", "Delete",
                         "deletionPolicy Retain: AWS resources kept, tagged aura.io/cluster-uid=" +
                             cluster["metadata"].value("uid", "") + " and aura.io/retained=true");
      return std::nullopt;
    }
    if (!rt_.aws)
      return std::unexpected(kube::ReconcileError::terminal("the operator runs without AWS"));
    StatusUpdate st(cluster, *rt_.clock);
    st.phase("Deleting");
    st.condition("NodePoolsDeleted", true, "NodePoolsDeleted", "");
    AwsPass pass(rt_, cluster, *spec, st);
    const auto outcome = pass.steps().remove(*spec, pass.status());
    if (outcome.kind == cluster::Outcome::Kind::kDone) return std::nullopt;
    cluster::put_resource_ids(st, pass.status());
    cluster::put_step_conditions(st, outcome);
    st.field("deletionBlockedBy", outcome.message.substr(0, kBlockedByMax));
    st.reconciling("Deleting", outcome.message);
    if (auto r = st.write(*rt_.client, kube::resources::kEphemeralCluster);
        !r && !r.error().is_not_found())
      return std::unexpected(from_api(r.error(), "update status"));
    ctx.log.info("deletion waits for AWS", {{"blockedBy", outcome.message}});
    if (outcome.kind == cluster::Outcome::Kind::kWaiting)
      return Action::requeue_after(outcome.retry_after);
    return std::unexpected(kube::ReconcileError::transient("AWS: " + outcome.message));
  }

  // Deletion order: the child's Services of type LoadBalancer and Ingresses, then NodePools
  // (each has its own cleanup), AIJobs still using the cluster
  // are stopped and kept as Failed records, and only when an inventory from the API (not the
  // cache) finds no NodePool left does the finalizer go.
  ReconcileResult finalize(const json& cluster, const kube::ReconcileContext& ctx) {
    const auto key = kube::key_of(cluster);
    const auto uid = cluster["metadata"].value("uid", "");

    // The child's load balancers first, while the nodes that run their controllers are there.
    if (auto waiting = cluster::clean_child_cluster(rt_, cluster, ctx)) return *waiting;

    std::vector<json> pools;
    auto listed = rt_.client->list_each(kube::resources::kNodePool, key.ns, {}, [&](json&& p) {
      for (const auto& v : cluster_index_values(p))
        if (v == key.str()) pools.push_back(std::move(p));
    });
    if (!listed) return std::unexpected(from_api(listed.error(), "list NodePools"));

    for (const auto& pool : pools) {
      if (kube::is_deleting(pool)) continue;
      const auto name = pool["metadata"].value("name", "");
      kube::DeleteOptions opts;
      opts.precondition_uid = pool["metadata"].value("uid", "");
      auto r = rt_.client->remove(kube::resources::kNodePool, key.ns, name, opts);
      if (!r && !r.error().is_not_found())
        return std::unexpected(from_api(r.error(), "delete NodePool " + name));
      rt_.events->record(cluster, kube::EventType::kNormal, "DeletingNodePool", "Delete",
                         "Deleting NodePool " + name + " before the cluster");
    }

    for (const auto& job : rt_.ai_jobs->store().by_index(kIndexByCluster, key.str())) {
      if (job_finished(*job)) continue;
      if (auto r = fail_ai_job(rt_, *job, "ClusterDeleted",
                               "the EphemeralCluster this job runs on is being deleted");
          !r)
        return std::unexpected(from_api(r.error(), "fail AIJob"));
    }

    if (!pools.empty()) {
      StatusUpdate st(cluster, *rt_.clock);
      st.phase("Deleting");
      std::string names;
      for (const auto& p : pools)
        names += (names.empty() ? "" : ", ") + p["metadata"].value("name", "");
      const std::string msg =
          fmt::format("waiting for {} NodePool(s) to be deleted: {}", pools.size(), names);
      st.field("deletionBlockedBy", msg);
      st.condition("NodePoolsDeleted", false, "WaitingForNodePools", msg);
      st.reconciling("Deleting", msg);
      if (auto r = st.write(*rt_.client, kube::resources::kEphemeralCluster);
          !r && !r.error().is_not_found())
        return std::unexpected(from_api(r.error(), "update status"));
      ctx.log.info("deletion waits for NodePools", {{"nodePools", pools.size()}});
      return Action::requeue_after(kDescendantsRecheck);
    }

    if (auto waiting = remove_aws(cluster, ctx)) return *waiting;
    // The kubeconfig leads nowhere once the EKS cluster is gone.
    if (auto r = rt_.client->remove(kube::resources::kSecret, key.ns,
                                    cluster::kubeconfig_secret_name(key.name));
        !r && !r.error().is_not_found())
      return std::unexpected(from_api(r.error(), "delete kubeconfig Secret"));
    verified(uid, false);
    auto removed = kube::remove_finalizer(*rt_.client, kube::resources::kEphemeralCluster, cluster,
                                          kClusterFinalizer);
    if (!removed) return std::unexpected(from_api(removed.error(), "remove finalizer"));
    rt_.events->record(cluster, kube::EventType::kNormal, "Deleted", "Delete",
                       "NodePools and AWS resources are gone; finalizer removed");
    ctx.log.info("cluster finalized", {{"uid", uid}});
    return Action::await_change();
  }

  Runtime& rt_;
  std::mutex mu_;
  // When this process last found each Ready cluster's AWS side complete, by UID: a cache that
  // only saves AWS calls; a restart forgets it and verifies once.
  std::map<std::string, std::chrono::steady_clock::time_point> verified_;
};

}  // namespace

std::shared_ptr<kube::Reconciler> make_ephemeral_cluster_reconciler(Runtime& rt) {
  return std::make_shared<EphemeralClusterReconciler>(rt);
}

}  // namespace aura::reconcilers
