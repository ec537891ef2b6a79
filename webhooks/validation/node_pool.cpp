#include <algorithm>

#include "webhooks/validation/validation.h"

namespace aura::webhooks::validation {

namespace {

using Type = FieldError::Type;

constexpr std::string_view kInstanceFamilyKey = "karpenter.k8s.aws/instance-family";

// "g5.xlarge", "p4d.24xlarge", "u-6tb1.metal": a family of lowercase letters, digits and dashes
// starting with a letter, a dot, then a size of lowercase letters and digits.
bool well_formed(std::string_view t) {
  const auto dot = t.find('.');
  if (dot == std::string_view::npos || dot == 0 || dot + 1 == t.size()) return false;
  const auto lower_digit = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (t[0] < 'a' || t[0] > 'z') return false;
  return std::all_of(t.begin(), t.begin() + dot,
                     [&](char c) { return lower_digit(c) || c == '-'; }) &&
         std::all_of(t.begin() + dot + 1, t.end(), lower_digit);
}

// NVIDIA and other accelerated families: g4dn, g5, g6e, p4d, p5 ... (not Graviton's m7g etc.,
// which end in g rather than start with it).
bool gpu_family(std::string_view family) {
  return !family.empty() && (family[0] == 'g' || family[0] == 'p');
}

}  // namespace

void check_instance_types(const std::vector<std::string>& types, bool gpu, const std::string& path,
                          Result& out) {
  for (size_t i = 0; i < types.size(); ++i) {
    const std::string field = path + "[" + std::to_string(i) + "]";
    if (!well_formed(types[i])) {
      out.errors.push_back(
          {Type::kInvalid, field, types[i], "must be an EC2 instance type such as g5.xlarge"});
    } else if (gpu && !gpu_family(std::string_view(types[i]).substr(0, types[i].find('.')))) {
      out.errors.push_back(
          {Type::kInvalid, field, types[i], "a GPU pool needs GPU instance families (g*, p*)"});
    }
  }
}

namespace {

template <typename Spec>
void check_pool(const Spec& spec, const std::string& path, Result& out) {
  const bool gpu = spec.gpu.has_value();
  check_instance_types(spec.instanceTypes, gpu, path + ".instanceTypes", out);
  if (!gpu) return;
  for (size_t i = 0; i < spec.requirements.size(); ++i) {
    const auto& r = spec.requirements[i];
    if (r.key != kInstanceFamilyKey || r.operator_ != api::RequirementOperator::kIn) continue;
    for (size_t j = 0; j < r.values.size(); ++j)
      if (!gpu_family(r.values[j]))
        out.errors.push_back(
            {Type::kInvalid,
             path + ".requirements[" + std::to_string(i) + "].values[" + std::to_string(j) + "]",
             r.values[j], "a GPU pool needs GPU instance families (g*, p*)"});
  }
}

}  // namespace

void check_node_pool_spec(const api::NodePoolSpec& spec, const std::string& path, Result& out) {
  check_pool(spec, path, out);
}

void check_node_pool_template_spec(const api::NodePoolTemplateSpec& spec, const std::string& path,
                                   Result& out) {
  check_pool(spec, path, out);
}

void check_node_pool_update(const api::NodePoolSpec& now, const api::NodePoolSpec& old,
                            const std::string& path, Result& out) {
  if (now.clusterRef.name != old.clusterRef.name)
    out.errors.push_back(
        {Type::kInvalid, path + ".clusterRef.name", now.clusterRef.name, "field is immutable"});
  if (now.mode != old.mode)
    out.errors.push_back(
        {Type::kInvalid, path + ".mode", api::to_json(now.mode), "field is immutable"});
  if (now.mode == api::NodePoolMode::kManagedNodeGroup && old.mode == now.mode &&
      now.instanceTypes != old.instanceTypes)
    out.errors.push_back({Type::kInvalid, path + ".instanceTypes", now.instanceTypes,
                          "field is immutable for a ManagedNodeGroup (create a new pool instead)"});
}

AdmissionResponse validate_node_pool(const AdmissionRequest& request) {
  if (request.operation != "CREATE" && request.operation != "UPDATE")
    return AdmissionResponse::allow();
  auto decoded = decode_request<api::NodePool>(request);
  if (!decoded) return decoded.error();
  Result out;
  check_node_pool_spec(decoded->object.spec, "spec", out);
  if (decoded->old) check_node_pool_update(decoded->object.spec, decoded->old->spec, "spec", out);
  if (!out.errors.empty()) return AdmissionResponse::invalid(out.errors, std::move(out.warnings));
  return AdmissionResponse::allow(std::move(out.warnings));
}

}  // namespace aura::webhooks::validation
