#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "operator/api/types.h"
#include "webhooks/admission.h"

// Validation beyond what the CRD schema and its CEL rules can say. Each check is a pure function
// of typed objects returning field errors (and warnings), so unit tests need no server; the
// handlers decode the AdmissionRequest with the generated types (a DecodeError is a denial naming
// the field) and run them.
namespace aura::webhooks::validation {

// The Kubernetes minor versions EKS clusters may be created with.
const std::vector<std::string>& supported_kubernetes_versions();

struct Result {
  FieldErrors errors;
  std::vector<std::string> warnings;
};

// `path` is where the spec sits: "spec" for an EphemeralCluster, "spec.clusterTemplate.spec" for
// an AIJob's template.
void check_cluster_spec(const api::EphemeralClusterSpec& spec, const std::string& path,
                        Result& out);
void check_cluster_update(const api::EphemeralClusterSpec& now,
                          const api::EphemeralClusterSpec& old, const std::string& path,
                          Result& out);
// Instance types well formed; GPU pools only on GPU instance families (g*, p*).
void check_instance_types(const std::vector<std::string>& instance_types, bool gpu,
                          const std::string& path, Result& out);
void check_node_pool_spec(const api::NodePoolSpec& spec, const std::string& path, Result& out);
void check_node_pool_template_spec(const api::NodePoolTemplateSpec& spec, const std::string& path,
                                   Result& out);
void check_node_pool_update(const api::NodePoolSpec& now, const api::NodePoolSpec& old,
                            const std::string& path, Result& out);
void check_ai_job_spec(const api::AIJobSpec& spec, const std::string& path, Result& out);
void check_ai_job_update(const api::AIJobSpec& now, const api::AIJobSpec& old,
                         const std::string& path, Result& out);

// The admission handlers, one per kind, and one that dispatches on request.kind.
AdmissionResponse validate_ephemeral_cluster(const AdmissionRequest& request);
AdmissionResponse validate_node_pool(const AdmissionRequest& request);
AdmissionResponse validate_ai_job(const AdmissionRequest& request);
AdmissionResponse validate(const AdmissionRequest& request);

// Decodes request.object (and oldObject on UPDATE) as T; a DecodeError becomes a 422 denial
// naming the field path.
template <typename T>
struct Decoded {
  T object;
  std::optional<T> old;
};
template <typename T>
std::expected<Decoded<T>, AdmissionResponse> decode_request(const AdmissionRequest& request) {
  auto obj = api::decode<T>(request.object);
  if (!obj) {
    AdmissionResponse r = AdmissionResponse::bad_request(obj.error().to_string());
    r.code = 422;
    r.reason = "Invalid";
    return std::unexpected(std::move(r));
  }
  Decoded<T> d{std::move(*obj), std::nullopt};
  if (request.operation == "UPDATE") {
    auto old = api::decode<T>(request.old_object);
    if (!old)
      return std::unexpected(
          AdmissionResponse::bad_request("oldObject: " + old.error().to_string()));
    d.old = std::move(*old);
  }
  return d;
}

}  // namespace aura::webhooks::validation
