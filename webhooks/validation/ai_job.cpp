#include "webhooks/validation/validation.h"

namespace aura::webhooks::validation {

using Type = FieldError::Type;

void check_ai_job_spec(const api::AIJobSpec& spec, const std::string& path, Result& out) {
  if (!spec.clusterTemplate) return;
  const std::string tpl = path + ".clusterTemplate";
  check_cluster_spec(spec.clusterTemplate->spec, tpl + ".spec", out);
  for (size_t i = 0; i < spec.clusterTemplate->nodePools.size(); ++i)
    check_node_pool_template_spec(spec.clusterTemplate->nodePools[i].spec,
                                  tpl + ".nodePools[" + std::to_string(i) + "].spec", out);
}

void check_ai_job_update(const api::AIJobSpec& now, const api::AIJobSpec& old,
                         const std::string& path, Result& out) {
  if (!(now.clusterRef == old.clusterRef))
    out.errors.push_back({Type::kInvalid, path + ".clusterRef",
                          now.clusterRef ? api::to_json(*now.clusterRef) : nlohmann::json(nullptr),
                          "field is immutable"});
  if (!(now.clusterTemplate == old.clusterTemplate))
    out.errors.push_back(
        {Type::kForbidden, path + ".clusterTemplate", nullptr, "field is immutable"});
}

AdmissionResponse validate_ai_job(const AdmissionRequest& request) {
  if (request.operation != "CREATE" && request.operation != "UPDATE")
    return AdmissionResponse::allow();
  auto decoded = decode_request<api::AIJob>(request);
  if (!decoded) return decoded.error();
  Result out;
  // An update of an existing job re-checks only what may change: a template made with an older
  // supported-versions list must not block status-free edits.
  if (!decoded->old) check_ai_job_spec(decoded->object.spec, "spec", out);
  if (decoded->old) check_ai_job_update(decoded->object.spec, decoded->old->spec, "spec", out);
  if (!out.errors.empty()) return AdmissionResponse::invalid(out.errors, std::move(out.warnings));
  return AdmissionResponse::allow(std::move(out.warnings));
}

}  // namespace aura::webhooks::validation
