// NodePool bookkeeping: finalizer, the reference to its EphemeralCluster (with an owner
// reference so the cluster owns its pools), and honest status. Nodes come in a later step.
#include <fmt/format.h>

#include "operator/kube/finalizers.h"
#include "reconcilers/common/errors.h"
#include "reconcilers/common/runtime.h"
#include "reconcilers/common/status_update.h"

namespace aura::reconcilers {

namespace {

using kube::Action;
using kube::ReconcileResult;
using nlohmann::json;

class NodePoolReconciler final : public kube::Reconciler {
 public:
  explicit NodePoolReconciler(Runtime& rt) : rt_(rt) {}

  ReconcileResult reconcile(const kube::ObjectKey& key,
                            const kube::ReconcileContext& ctx) override {
    auto cached = rt_.node_pools->store().get(key);
    if (!cached) return Action::await_change();
    const json& pool = *cached;
    if (kube::is_deleting(pool)) {
      if (!kube::has_finalizer(pool, kNodePoolFinalizer)) return Action::await_change();
      // No node group or Karpenter object exists yet, so there is nothing in AWS or the child
      // cluster to remove before the finalizer goes.
      if (auto r = kube::remove_finalizer(*rt_.client, kube::resources::kNodePool, pool,
                                          kNodePoolFinalizer);
          !r)
        return std::unexpected(from_api(r.error(), "remove finalizer"));
      ctx.log.info("node pool finalized");
      return Action::await_change();
    }
    if (!kube::has_finalizer(pool, kNodePoolFinalizer)) {
      if (auto r = kube::add_finalizer(*rt_.client, kube::resources::kNodePool, pool,
                                       kNodePoolFinalizer);
          !r)
        return std::unexpected(from_api(r.error(), "add finalizer"));
      return Action::await_change();
    }

    const std::string cluster_name = pool["spec"]["clusterRef"].value("name", "");
    auto cluster = rt_.clusters->store().get({key.ns, cluster_name});
    StatusUpdate st(pool, *rt_.clock);
    st.phase("Pending");
    if (!cluster) {
      const auto msg = fmt::format("EphemeralCluster \"{}\" not found in namespace \"{}\"",
                                   cluster_name, key.ns);
      st.condition("ClusterResolved", false, "ClusterNotFound", msg);
      // Waiting on something that may yet appear: the cluster's watch event wakes us.
      st.reconciling("ClusterNotFound", msg);
    } else if (kube::is_deleting(*cluster)) {
      const auto msg = fmt::format("EphemeralCluster \"{}\" is being deleted", cluster_name);
      st.condition("ClusterResolved", false, "ClusterDeleting", msg);
      st.reconciling("ClusterDeleting", msg);
    } else {
      const std::string uid = (*cluster)["metadata"].value("uid", "");
      if (!kube::has_owner(pool, uid)) {
        auto r = kube::add_owner_reference(*rt_.client, kube::resources::kNodePool, pool,
                                           kube::controller_owner_reference(*cluster));
        if (!r) return std::unexpected(from_api(r.error(), "set owner reference"));
        return Action::await_change();
      }
      st.condition("ClusterResolved", true, "Found",
                   fmt::format("EphemeralCluster \"{}\"", cluster_name));
      st.stalled(
          "ProvisioningNotImplemented",
          "Aura does not provision nodes yet: no node group or Karpenter NodePool was created");
    }
    if (auto r = st.write(*rt_.client, kube::resources::kNodePool); !r)
      return std::unexpected(from_api(r.error(), "update status"));
    return Action::await_change();
  }

 private:
  Runtime& rt_;
};

}  // namespace

std::shared_ptr<kube::Reconciler> make_node_pool_reconciler(Runtime& rt) {
  return std::make_shared<NodePoolReconciler>(rt);
}

}  // namespace aura::reconcilers
