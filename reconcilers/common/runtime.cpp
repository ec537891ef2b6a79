#include "reconcilers/common/runtime.h"

namespace aura::reconcilers {

std::vector<std::string> cluster_index_values(const nlohmann::json& object) {
  const auto& meta = object["metadata"];
  const std::string ns = meta.value("namespace", "");
  const auto spec = object.find("spec");
  if (spec == object.end()) return {};
  if (auto ref = spec->find("clusterRef"); ref != spec->end() && ref->is_object())
    return {ns + "/" + ref->value("name", "")};
  // An AIJob with a clusterTemplate uses the cluster Aura makes for it, named after the job.
  if (spec->contains("clusterTemplate")) return {ns + "/" + meta.value("name", "")};
  return {};
}

}  // namespace aura::reconcilers
