#include "reconcilers/ephemeral_cluster/cluster_status.h"

#include <algorithm>
#include <iterator>

namespace aura::reconcilers::cluster {

void put_resource_ids(StatusUpdate& st, const api::EphemeralClusterStatus& status) {
  const nlohmann::json j = api::to_json(status);
  for (const char* key :
       {"network", "iam", "eksClusterName", "eksClusterARN", "endpoint", "oidcIssuerURL",
        "oidcProviderARN", "accessEntries", "addons", "appliedTags"}) {
    if (j.contains(key))
      st.field(key, j[key]);
    else
      st.erase(key);
  }
}

void put_step_conditions(StatusUpdate& st, const Outcome& outcome) {
  for (const auto& c : outcome.conditions) st.condition(c.type, c.ready, c.reason, c.message);
}

std::vector<std::string> added(const std::vector<std::string>& before,
                               const std::vector<std::string>& after) {
  std::vector<std::string> out;
  std::set_difference(after.begin(), after.end(), before.begin(), before.end(),
                      std::back_inserter(out));
  return out;
}

std::chrono::seconds reverify_interval(const std::string& uid) {
  // FNV-1a: stable across processes, unlike std::hash.
  std::uint64_t h = 1469598103934665603ull;
  for (unsigned char c : uid) h = (h ^ c) * 1099511628211ull;
  const auto spread = static_cast<std::int64_t>(h % 1201) - 600;  // -600..600 s
  return std::chrono::seconds(7200 + spread);
}

}  // namespace aura::reconcilers::cluster
