#include "reconcilers/ephemeral_cluster/addons.h"

#include <algorithm>

#include "operator/aws/crypto.h"
#include "reconcilers/ephemeral_cluster/step_helpers.h"

namespace aura::reconcilers::cluster {

namespace {

using namespace std::chrono_literals;

// EKS installs or updates an add-on in about a minute.
constexpr auto kAddonPoll = 15s;

aws::AwsError failed(const aws::eks::Addon& have) {
  aws::AwsError e;
  e.service = "eks";
  e.operation = "DescribeAddon";
  e.code = have.status;
  e.message = "add-on " + have.name + " is " + have.status;
  for (const auto& issue : have.health_issues)
    e.message += "; " + issue.code + ": " + issue.message;
  return e;
}

}  // namespace

AddonSteps::AddonSteps(aws::EksClient& eks, const ClusterIdentity& identity,
                       NetworkSteps::RecordStatus record_status)
    : eks_(eks), id_(identity), record_(std::move(record_status)) {}

aws::Result<Progress> AddonSteps::ensure_one(const api::Addon& addon,
                                             api::EphemeralClusterStatus& status) {
  const std::string version = addon.version.value_or("");
  const std::string config = addon.configurationValues.value_or("");
  const std::string role = addon.serviceAccountRoleARN.value_or("");
  // What the spec says of the add-on, the same in a create and an update.
  auto from_spec = [&](auto& req) {
    req.cluster_name = id_.eks_name();
    req.addon_name = addon.name;
    req.addon_version = version;
    req.configuration_values = config;
    req.service_account_role_arn = role;
    // Aura owns the add-on's fields: a self-managed copy of vpc-cni or kube-proxy that EKS's
    // own bootstrap left is taken over rather than failing the create.
    req.resolve_conflicts = "OVERWRITE";
  };
  auto have = eks_.describe_addon(id_.eks_name(), addon.name);
  if (!have && have.error().is_not_found()) {
    aws::eks::CreateAddonRequest req;
    from_spec(req);
    req.tags = id_.tags("addon");
    req.client_request_token =
        id_.client_token("addon/" + addon.name + "/" + aws::sha256_hex(version + config + role));
    have = eks_.create_addon(req);
  }
  if (!have) return std::unexpected(have.error());
  const auto& s = have->status;
  if (s == aws::eks::kCreateFailed || s == "UPDATE_FAILED" || s == aws::eks::kDeleteFailed)
    return std::unexpected(failed(*have));
  if (s != aws::eks::kActive && s != aws::eks::kDegraded)
    return Progress::wait("add-on " + addon.name + " " + s, kAddonPoll);
  // DEGRADED counts as installed: coredns, say, is degraded until the cluster has nodes, and
  // a cluster that scales to zero may have none.
  auto it = std::find_if(status.addons.begin(), status.addons.end(),
                         [&](const auto& a) { return a.name == addon.name; });
  if (it == status.addons.end()) {
    status.addons.push_back({addon.name, have->version});
    record_();
  } else if (it->version != have->version) {
    it->version = have->version;
    record_();
  }
  const bool differs = (!version.empty() && have->version != version) ||
                       (!config.empty() && have->configuration_values != config) ||
                       (!role.empty() && have->service_account_role_arn != role);
  if (!differs) return Progress::complete();
  aws::eks::UpdateAddonRequest update;
  from_spec(update);
  if (auto r = eks_.update_addon(update); !r) return std::unexpected(r.error());
  return Progress::wait("add-on " + addon.name + " updating", kAddonPoll);
}

aws::Result<Progress> AddonSteps::remove_one(const std::string& name) {
  auto have = eks_.describe_addon(id_.eks_name(), name);
  if (!have && have.error().is_not_found()) return Progress::complete();
  if (!have) return std::unexpected(have.error());
  if (have->status != aws::eks::kDeleting)
    if (auto r = eks_.delete_addon(id_.eks_name(), name); !r && !r.error().is_not_found())
      return std::unexpected(r.error());
  return Progress::wait("add-on " + name + " deleting", kAddonPoll);
}

aws::Result<Progress> AddonSteps::ensure(const std::vector<api::Addon>& wanted,
                                         api::EphemeralClusterStatus& status) {
  // Every add-on moves on in the same pass; the first that is not done is what status shows.
  Progress out = Progress::complete();
  auto fold = [&](const Progress& p) {
    if (!p.done && out.done) out = p;
  };
  for (std::size_t i = 0; i < wanted.size(); ++i) {
    auto r = ensure_one(wanted[i], status);
    if (!r) return std::unexpected(for_spec_item(r.error(), "spec.addons", i, wanted[i].name));
    fold(*r);
  }
  for (auto it = status.addons.begin(); it != status.addons.end();) {
    const bool listed = std::any_of(wanted.begin(), wanted.end(),
                                    [&](const auto& w) { return w.name == it->name; });
    if (listed) {
      ++it;
      continue;
    }
    auto r = remove_one(it->name);
    if (!r) return std::unexpected(r.error());
    if (!r->done) {
      fold(*r);
      ++it;
      continue;
    }
    it = status.addons.erase(it);
    record_();
  }
  return out;
}

}  // namespace aura::reconcilers::cluster
