#include "reconcilers/ephemeral_cluster/retention.h"

#include "reconcilers/ephemeral_cluster/tagged_resources.h"

namespace aura::reconcilers::cluster {

namespace {

// CreateTags takes at most 1000 resource IDs per call.
constexpr std::size_t kCreateTagsBatch = 1000;

const aws::Tags& retained_tag() {
  static const aws::Tags kTag{{kTagRetained, "true"}};
  return kTag;
}

}  // namespace

aws::Result<std::size_t> mark_retained(ClusterClients& clients, const ClusterIdentity& identity,
                                       const std::string& region) {
  std::size_t marked = 0;
  auto network = find_network(clients.ec2, region, identity.uid());
  if (!network) return std::unexpected(network.error());
  std::vector<std::string> ec2_ids;
  for (const auto& r : *network) ec2_ids.push_back(r.id);
  for (std::size_t at = 0; at < ec2_ids.size(); at += kCreateTagsBatch) {
    const auto end = std::min(ec2_ids.size(), at + kCreateTagsBatch);
    const std::vector<std::string> batch(ec2_ids.begin() + static_cast<std::ptrdiff_t>(at),
                                         ec2_ids.begin() + static_cast<std::ptrdiff_t>(end));
    if (auto r = clients.ec2.create_tags(batch, retained_tag()); !r)
      return std::unexpected(r.error());
    marked += batch.size();
  }
  auto global = find_global(clients.iam, identity.uid());
  if (!global) return std::unexpected(global.error());
  for (const auto& r : *global) {
    auto tagged = r.kind == "iam-role"
                      ? clients.iam.tag_role(r.id, retained_tag())
                      : clients.iam.tag_open_id_connect_provider(r.id, retained_tag());
    if (!tagged && tagged.error().is_not_found()) continue;
    if (!tagged) return std::unexpected(tagged.error());
    ++marked;
  }
  return marked;
}

}  // namespace aura::reconcilers::cluster
