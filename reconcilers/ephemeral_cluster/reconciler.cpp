// EphemeralCluster bookkeeping: finalizer, status and deletion order. AWS provisioning comes in
// its own steps (see DESIGN.md); until then status says plainly that nothing was provisioned.
#include <fmt/format.h>

#include "operator/kube/finalizers.h"
#include "reconcilers/ai_job/failure.h"
#include "reconcilers/common/errors.h"
#include "reconcilers/common/runtime.h"
#include "reconcilers/common/status_update.h"

namespace aura::reconcilers {

namespace {

using kube::Action;
using kube::ReconcileResult;
using nlohmann::json;

// How often a deleting cluster re-checks its descendants even without a watch event.
constexpr auto kDescendantsRecheck = std::chrono::seconds(10);

bool job_finished(const json& job) {
  const std::string phase = job.contains("status") ? job["status"].value("phase", "") : "";
  return phase == "Succeeded" || phase == "Failed";
}

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

    StatusUpdate st(cluster, *rt_.clock);
    const bool first = !cluster.contains("status") || !cluster["status"].contains("phase");
    st.phase("Pending");
    st.erase("deletionBlockedBy");
    st.stalled("ProvisioningNotImplemented",
               "Aura does not provision AWS resources yet: no VPC, IAM role or EKS cluster was "
               "created for this EphemeralCluster");
    if (auto r = st.write(*rt_.client, kube::resources::kEphemeralCluster); !r)
      return std::unexpected(from_api(r.error(), "update status"));
    if (first)
      rt_.events->record(cluster, kube::EventType::kNormal, "Accepted", "Reconcile",
                         "EphemeralCluster accepted; AWS provisioning is not implemented yet");
    ctx.log.debug("cluster reconciled", {{"statusWritten", st.changed()}});
    return Action::await_change();
  }

 private:
  // Deletion order: NodePools first (each has its own cleanup), AIJobs still using the cluster
  // are stopped and kept as Failed records, and only when an inventory from the API (not the
  // cache) finds no NodePool left does the finalizer go.
  ReconcileResult finalize(const json& cluster, const kube::ReconcileContext& ctx) {
    const auto key = kube::key_of(cluster);
    const auto uid = cluster["metadata"].value("uid", "");

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

    StatusUpdate st(cluster, *rt_.clock);
    st.phase("Deleting");
    if (!pools.empty()) {
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

    auto removed = kube::remove_finalizer(*rt_.client, kube::resources::kEphemeralCluster, cluster,
                                          kClusterFinalizer);
    if (!removed) return std::unexpected(from_api(removed.error(), "remove finalizer"));
    rt_.events->record(cluster, kube::EventType::kNormal, "Deleted", "Delete",
                       "All NodePools are gone; finalizer removed");
    ctx.log.info("cluster finalized", {{"uid", uid}});
    return Action::await_change();
  }

  Runtime& rt_;
};

}  // namespace

std::shared_ptr<kube::Reconciler> make_ephemeral_cluster_reconciler(Runtime& rt) {
  return std::make_shared<EphemeralClusterReconciler>(rt);
}

}  // namespace aura::reconcilers
