// AIJob bookkeeping: finalizer, the cluster it runs on (an existing one through clusterRef, or one
// Aura makes from clusterTemplate and owns), and honest status. Running the workload in the child
// cluster comes in a later step.
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

constexpr const char* kJobLabel = "aura.io/ai-job";

class AIJobReconciler final : public kube::Reconciler {
 public:
  explicit AIJobReconciler(Runtime& rt) : rt_(rt) {}

  ReconcileResult reconcile(const kube::ObjectKey& key,
                            const kube::ReconcileContext& ctx) override {
    auto cached = rt_.ai_jobs->store().get(key);
    if (!cached) return Action::await_change();
    const json& job = *cached;
    const bool templated = job["spec"].contains("clusterTemplate");
    if (kube::is_deleting(job)) {
      if (!kube::has_finalizer(job, kAIJobFinalizer)) return Action::await_change();
      return finalize(job, templated, ctx);
    }
    if (!kube::has_finalizer(job, kAIJobFinalizer)) {
      if (auto r = kube::add_finalizer(*rt_.client, kube::resources::kAIJob, job, kAIJobFinalizer);
          !r)
        return std::unexpected(from_api(r.error(), "add finalizer"));
      return Action::await_change();
    }
    if (ai_job_finished(job)) return Action::await_change();  // kept as a record

    const std::string cluster_name =
        templated ? key.name : job["spec"]["clusterRef"].value("name", "");
    auto cluster = rt_.clusters->store().get({key.ns, cluster_name});
    if (templated && !cluster) return create_cluster(job, ctx);
    if (templated && cluster && !kube::has_owner(*cluster, job["metadata"].value("uid", "")))
      return fail(
          job, "ClusterNameTaken",
          fmt::format("an EphemeralCluster named \"{}\" exists and does not belong to this job",
                      cluster_name));

    StatusUpdate st(job, *rt_.clock);
    st.field("clusterName", cluster_name);
    if (!cluster) {
      const auto msg = fmt::format("EphemeralCluster \"{}\" not found in namespace \"{}\"",
                                   cluster_name, key.ns);
      st.phase("WaitingForCluster");
      st.condition("ClusterResolved", false, "ClusterNotFound", msg);
      st.reconciling("ClusterNotFound", msg);
    } else if (kube::is_deleting(*cluster)) {
      return fail(job, "ClusterDeleted", "the EphemeralCluster this job runs on is being deleted");
    } else {
      const std::string phase = (*cluster).contains("status")
                                    ? (*cluster)["status"].value("phase", "Pending")
                                    : "Pending";
      st.phase("WaitingForCluster");
      st.condition("ClusterResolved", true, "Found",
                   fmt::format("EphemeralCluster \"{}\"", cluster_name));
      st.condition("ClusterReady", false, "ClusterNotReady",
                   fmt::format("EphemeralCluster \"{}\" is {}", cluster_name, phase));
      st.stalled(
          "ExecutionNotImplemented",
          "Aura does not run jobs in child clusters yet: the job waits for its cluster, which is "
          "not provisioned");
    }
    if (auto r = st.write(*rt_.client, kube::resources::kAIJob); !r)
      return std::unexpected(from_api(r.error(), "update status"));
    return Action::await_change();
  }

 private:
  ReconcileResult fail(const json& job, std::string_view reason, std::string_view message) {
    if (auto r = fail_ai_job(rt_, job, reason, message); !r)
      return std::unexpected(from_api(r.error(), "fail AIJob"));
    return Action::await_change();
  }

  // The job's own cluster and its pools, all owned (directly or through the cluster) by the job,
  // so that deleting the job takes them along even if Aura is not running.
  ReconcileResult create_cluster(const json& job, const kube::ReconcileContext& ctx) {
    const auto key = kube::key_of(job);
    const json& tmpl = job["spec"]["clusterTemplate"];
    json cluster = {{"apiVersion", kube::resources::kEphemeralCluster.api_version()},
                    {"kind", "EphemeralCluster"},
                    {"metadata",
                     {{"name", key.name},
                      {"namespace", key.ns},
                      {"labels", {{kJobLabel, key.name}}},
                      {"ownerReferences", json::array({kube::controller_owner_reference(job)})}}},
                    {"spec", tmpl["spec"]}};
    auto created = rt_.client->create(kube::resources::kEphemeralCluster, key.ns, cluster);
    if (!created && !created.error().is_already_exists()) {
      if (created.error().is_invalid())
        return fail(job, "InvalidClusterTemplate", created.error().message);
      return std::unexpected(from_api(created.error(), "create EphemeralCluster"));
    }
    if (created)
      rt_.events->record(job, kube::EventType::kNormal, "ClusterCreated", "Create",
                         fmt::format("Created EphemeralCluster {} from clusterTemplate", key.name));
    if (tmpl.contains("nodePools")) {
      for (const auto& p : tmpl["nodePools"]) {
        const std::string name = key.name + "-" + p.value("name", "");
        json spec = p["spec"];
        spec["clusterRef"] = {{"name", key.name}};
        json pool = {{"apiVersion", kube::resources::kNodePool.api_version()},
                     {"kind", "NodePool"},
                     {"metadata",
                      {{"name", name}, {"namespace", key.ns}, {"labels", {{kJobLabel, key.name}}}}},
                     {"spec", spec}};
        auto r = rt_.client->create(kube::resources::kNodePool, key.ns, pool);
        if (!r && !r.error().is_already_exists()) {
          if (r.error().is_invalid()) return fail(job, "InvalidClusterTemplate", r.error().message);
          return std::unexpected(from_api(r.error(), "create NodePool " + name));
        }
      }
    }
    ctx.log.info("created the job's cluster from its template", {{"cluster", key.name}});
    return Action::await_change();  // the cluster's watch event brings the next pass
  }

  ReconcileResult finalize(const json& job, bool templated, const kube::ReconcileContext& ctx) {
    const auto key = kube::key_of(job);
    if (templated) {
      auto cluster = rt_.clusters->store().get({key.ns, key.name});
      if (cluster && !kube::is_deleting(*cluster) &&
          kube::has_owner(*cluster, job["metadata"].value("uid", ""))) {
        kube::DeleteOptions opts;
        opts.precondition_uid = (*cluster)["metadata"].value("uid", "");
        auto r = rt_.client->remove(kube::resources::kEphemeralCluster, key.ns, key.name, opts);
        if (!r && !r.error().is_not_found())
          return std::unexpected(from_api(r.error(), "delete the job's EphemeralCluster"));
        rt_.events->record(job, kube::EventType::kNormal, "DeletingCluster", "Delete",
                           fmt::format("Deleting EphemeralCluster {} made for this job", key.name));
      }
    }
    if (auto r = kube::remove_finalizer(*rt_.client, kube::resources::kAIJob, job, kAIJobFinalizer);
        !r)
      return std::unexpected(from_api(r.error(), "remove finalizer"));
    ctx.log.info("job finalized");
    return Action::await_change();
  }

  Runtime& rt_;
};

}  // namespace

std::shared_ptr<kube::Reconciler> make_ai_job_reconciler(Runtime& rt) {
  return std::make_shared<AIJobReconciler>(rt);
}

}  // namespace aura::reconcilers
