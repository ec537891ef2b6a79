#include "reconcilers/ephemeral_cluster/retention.h"

#include "reconcilers/ephemeral_cluster/tagged_resources.h"
#include "reconcilers/ephemeral_cluster/tags.h"

namespace aura::reconcilers::cluster {

namespace {

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
  for (const auto& batch : ec2_tag_batches(ec2_ids)) {
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
