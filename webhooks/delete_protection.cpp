#include "webhooks/delete_protection.h"

#include <algorithm>

#include "webhooks/validation/validation.h"

namespace aura::webhooks {

std::vector<std::string> DeleteProtectionOptions::default_exempt_users() {
  return {"system:serviceaccount:kube-system:generic-garbage-collector",
          "system:serviceaccount:kube-system:namespace-controller"};
}

bool ai_job_is_active(const std::string& phase) {
  return phase != "Succeeded" && phase != "Failed";
}

namespace {

bool forced(const nlohmann::json& object) {
  if (!object.is_object()) return false;
  const auto meta = object.find("metadata");
  if (meta == object.end() || !meta->is_object()) return false;
  const auto annotations = meta->find("annotations");
  if (annotations == meta->end() || !annotations->is_object()) return false;
  const auto value = annotations->find(kForceDeleteAnnotation);
  return value != annotations->end() && value->is_string() && value->get<std::string>() == "true";
}

std::string quoted_list(const std::vector<std::string>& names, std::size_t at_most) {
  std::string out;
  for (std::size_t i = 0; i < names.size() && i < at_most; ++i) {
    if (i) out += ", ";
    out += names[i];
  }
  if (names.size() > at_most) out += ", and " + std::to_string(names.size() - at_most) + " more";
  return out;
}

}  // namespace

AdmissionResponse check_cluster_delete(const AdmissionRequest& request,
                                       const DeleteProtectionOptions& options) {
  if (request.operation != "DELETE" || !options.active_jobs) return AdmissionResponse::allow();
  const auto& exempt = options.exempt_users;
  if (std::find(exempt.begin(), exempt.end(), request.username) != exempt.end())
    return AdmissionResponse::allow();
  // On DELETE the apiserver sends the object being deleted as oldObject.
  if (forced(request.old_object))
    return AdmissionResponse::allow(
        {std::string("metadata.annotations[") + kForceDeleteAnnotation +
         "]: deleting the cluster even if AIJobs still run on it; they will fail with reason "
         "ClusterDeleted"});
  const auto jobs = options.active_jobs(request.namespace_, request.name);
  if (!jobs)
    return AdmissionResponse::forbidden(
        "cannot tell yet whether AIJobs run on EphemeralCluster \"" + request.name +
        "\" (the webhook's cache is still syncing); retry in a few seconds");
  if (jobs->empty()) return AdmissionResponse::allow();
  return AdmissionResponse::forbidden(
      "EphemeralCluster \"" + request.name + "\" still runs " + std::to_string(jobs->size()) +
      (jobs->size() == 1 ? " AIJob (" : " AIJobs (") + quoted_list(*jobs, 5) +
      "); wait for them to finish, or set the annotation " + kForceDeleteAnnotation +
      "=true to delete it anyway");
}

AdmissionResponse validate_request(const AdmissionRequest& request,
                                   const DeleteProtectionOptions& options) {
  if (request.operation == "DELETE" && request.group == "aura.io" &&
      request.kind == "EphemeralCluster")
    return check_cluster_delete(request, options);
  return validation::validate(request);
}

}  // namespace aura::webhooks
