#include "reconcilers/ephemeral_cluster/child_cleanup.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "operator/common/clock.h"
#include "reconcilers/common/child_cluster.h"
#include "reconcilers/common/errors.h"
#include "reconcilers/common/status_update.h"
#include "reconcilers/ephemeral_cluster/child_load_balancers.h"
#include "reconcilers/ephemeral_cluster/identity.h"
#include "reconcilers/ephemeral_cluster/provisioning.h"

namespace aura::reconcilers::cluster {

namespace {

using namespace std::chrono_literals;
using kube::Action;
using nlohmann::json;

// How often to look again while the child's controllers remove load balancers: they take
// seconds (an NLB delete is quick; its security group waits for the interfaces).
constexpr auto kChildRecheck = 5s;
constexpr std::size_t kListedMax = 5;

bool settled(const json& cluster) {
  if (!cluster.contains("status") || !cluster["status"].contains("conditions")) return false;
  for (const auto& c : cluster["status"]["conditions"])
    if (c.value("type", "") == kChildLoadBalancersDeleted) return c.value("status", "") == "True";
  return false;
}

// "Service a/web, Ingress b/api and 3 more".
std::string listed(const std::vector<std::string>& what) {
  if (what.size() <= kListedMax) return fmt::format("{}", fmt::join(what, ", "));
  return fmt::format("{} and {} more", fmt::join(what.begin(), what.begin() + kListedMax, ", "),
                     what.size() - kListedMax);
}

class ChildCleanup {
 public:
  ChildCleanup(Runtime& rt, const json& cluster, const kube::ReconcileContext& ctx)
      : rt_(rt), cluster_(cluster), ctx_(ctx) {}

  std::optional<kube::ReconcileResult> run() {
    if (settled(cluster_) || !rt_.aws) return std::nullopt;
    auto spec = api::decode<api::EphemeralClusterSpec>(cluster_.value("spec", json::object()));
    if (!spec) return std::nullopt;  // the AWS step reports an unreadable spec
    if (spec->lifecycle && spec->lifecycle->deletionPolicy == api::DeletionPolicy::kRetain)
      return settle("NoChildAPI", "deletionPolicy Retain: the child cluster is kept as it is");

    const auto& meta = cluster_["metadata"];
    const ClusterIdentity id(meta.value("namespace", ""), meta.value("name", ""),
                             meta.value("uid", ""));
    std::string eks_name = id.eks_name();
    if (cluster_.contains("status"))
      eks_name = cluster_["status"].value("eksClusterName", eks_name);
    auto clients =
        clients_for(*rt_.aws, *spec, meta.value("namespace", ""), meta.value("name", ""));
    auto described = clients.eks.describe_cluster(eks_name);
    if (!described) {
      if (described.error().is_not_found())
        return settle("NoChildAPI", "EKS cluster " + eks_name + " does not exist");
      return std::unexpected(kube::ReconcileError::transient(
          "AWS: describing EKS cluster " + eks_name + ": " + described.error().str()));
    }
    if (described->status != "ACTIVE" && described->status != "UPDATING")
      return settle("NoChildAPI", "EKS cluster " + eks_name + " is " + described->status +
                                      ": no API to ask for its load balancers");

    auto child = child_client(clients.eks, *described);
    if (!child) return unreachable(child.error());
    auto pass = ChildLoadBalancers(**child).remove();
    if (!pass) return unreachable(pass.error().str());
    for (const auto& what : pass->deleted)
      rt_.events->record(cluster_, kube::EventType::kNormal, "DeletingChildLoadBalancer", "Delete",
                         "Deleting " + what + " in the child cluster");
    if (pass->remaining.empty())
      return settle("Deleted", "no Service of type LoadBalancer or Ingress left in the child");

    const std::string waiting = fmt::format(
        "waiting for the child cluster's controllers to remove the load balancers of {}",
        listed(pass->remaining));
    const auto since = parse_rfc3339(meta.value("deletionTimestamp", ""));
    if (since && rt_.clock->now() - *since >= rt_.config.child_cleanup_timeout) {
      rt_.events->record(cluster_, kube::EventType::kWarning, "ChildCleanupTimedOut", "Delete",
                         waiting + ": gave up; what is left goes through the AWS API");
      return settle("TimedOut", "stopped " + waiting +
                                    " after --child-cleanup-timeout; the rest "
                                    "goes through the AWS API");
    }
    StatusUpdate st(cluster_, *rt_.clock);
    st.phase("Deleting");
    st.condition(kChildLoadBalancersDeleted, false, "Deleting", waiting);
    st.field("deletionBlockedBy", waiting);
    st.reconciling("Deleting", waiting);
    if (auto r = st.write(*rt_.client, kube::resources::kEphemeralCluster);
        !r && !r.error().is_not_found())
      return std::unexpected(from_api(r.error(), "update status"));
    ctx_.log.info("deletion waits for the child's load balancers",
                  {{"remaining", pass->remaining.size()}});
    return Action::requeue_after(kChildRecheck);
  }

 private:
  std::optional<kube::ReconcileResult> unreachable(const std::string& why) {
    const std::string msg = "the child cluster's API cannot be used (" + why +
                            "): its load balancers, if any, are removed through the AWS API";
    rt_.events->record(cluster_, kube::EventType::kWarning, "ChildUnreachable", "Delete", msg);
    return settle("Unreachable", msg);
  }

  // Records the settled step; the status write brings the next pass, which goes on.
  std::optional<kube::ReconcileResult> settle(const std::string& reason,
                                              const std::string& message) {
    StatusUpdate st(cluster_, *rt_.clock);
    st.phase("Deleting");
    st.condition(kChildLoadBalancersDeleted, true, reason, message);
    st.reconciling("Deleting", message);
    if (auto r = st.write(*rt_.client, kube::resources::kEphemeralCluster);
        !r && !r.error().is_not_found())
      return std::unexpected(from_api(r.error(), "update status"));
    ctx_.log.info("child cluster cleanup settled", {{"reason", reason}, {"message", message}});
    return Action::requeue_after(1s);
  }

  Runtime& rt_;
  const json& cluster_;
  const kube::ReconcileContext& ctx_;
};

}  // namespace

std::optional<kube::ReconcileResult> clean_child_cluster(Runtime& rt, const json& cluster,
                                                         const kube::ReconcileContext& ctx) {
  return ChildCleanup(rt, cluster, ctx).run();
}

}  // namespace aura::reconcilers::cluster
