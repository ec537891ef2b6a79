#include "webhooks/defaulting.h"

namespace aura::webhooks::defaulting {

using json = nlohmann::json;

json cluster_spec_patch(const json& spec, const std::string& pointer, const Options& options) {
  json ops = json::array();
  if (!spec.is_object()) return ops;
  if (!spec.contains("kubernetesVersion"))
    ops.push_back({{"op", "add"},
                   {"path", pointer + "/kubernetesVersion"},
                   {"value", options.kubernetes_version}});
  auto net = spec.find("network");
  auto region = spec.find("region");
  if (net == spec.end() || !net->is_object() || region == spec.end() || !region->is_string())
    return ops;
  if (!net->contains("vpcCIDR") || net->contains("vpcID") || net->contains("zones")) return ops;
  long count = 3;
  if (auto zc = net->find("zoneCount"); zc != net->end()) {
    if (!zc->is_number_integer()) return ops;  // left to schema validation
    count = zc->get<long>();
  }
  auto known = options.region_zones.find(region->get<std::string>());
  if (known == options.region_zones.end() || count < 1 ||
      count > static_cast<long>(known->second.size()))
    return ops;
  json zones(std::vector<std::string>(known->second.begin(), known->second.begin() + count));
  if (net->contains("zoneCount"))
    ops.push_back({{"op", "remove"}, {"path", pointer + "/network/zoneCount"}});
  ops.push_back({{"op", "add"}, {"path", pointer + "/network/zones"}, {"value", std::move(zones)}});
  return ops;
}

AdmissionResponse mutate(const AdmissionRequest& request, const Options& options) {
  if (request.operation != "CREATE" || !request.object.is_object())
    return AdmissionResponse::allow();
  const json& obj = request.object;
  if (request.kind == "EphemeralCluster" && obj.contains("spec"))
    return AdmissionResponse::patched(cluster_spec_patch(obj["spec"], "/spec", options));
  if (request.kind == "AIJob") {
    const json* spec = obj.contains("spec") ? &obj["spec"] : nullptr;
    if (spec && spec->is_object() && spec->contains("clusterTemplate") &&
        (*spec)["clusterTemplate"].is_object() && (*spec)["clusterTemplate"].contains("spec"))
      return AdmissionResponse::patched(cluster_spec_patch((*spec)["clusterTemplate"]["spec"],
                                                           "/spec/clusterTemplate/spec", options));
  }
  return AdmissionResponse::allow();
}

}  // namespace aura::webhooks::defaulting
