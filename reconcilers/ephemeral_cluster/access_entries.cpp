#include "reconcilers/ephemeral_cluster/access_entries.h"

#include <algorithm>

#include "reconcilers/ephemeral_cluster/step_helpers.h"

namespace aura::reconcilers::cluster {

namespace {

aws::eks::AccessScope scope_of(const api::AccessPolicy& policy) {
  aws::eks::AccessScope scope;
  if (policy.accessScope && policy.accessScope->type == api::AccessScopeType::kNamespace) {
    scope.type = "namespace";
    scope.namespaces = sorted(policy.accessScope->namespaces);
  }
  return scope;
}

}  // namespace

AccessEntrySteps::AccessEntrySteps(aws::EksClient& eks, const ClusterIdentity& identity,
                                   NetworkSteps::RecordStatus record_status)
    : eks_(eks), id_(identity), record_(std::move(record_status)) {}

aws::Result<void> AccessEntrySteps::ensure_entry(const api::AccessEntry& entry,
                                                 std::string& entry_arn) {
  const auto groups = sorted(entry.kubernetesGroups);
  auto have = eks_.describe_access_entry(id_.eks_name(), entry.principalARN);
  if (!have && have.error().is_not_found()) {
    aws::eks::CreateAccessEntryRequest req;
    req.cluster_name = id_.eks_name();
    req.principal_arn = entry.principalARN;
    req.kubernetes_groups = groups;
    req.tags = id_.tags("access-entry");
    // The parameters are part of the token: an entry dropped and listed again with other
    // groups is a new request, not a mismatch with the first one.
    std::string step = "access-entry/" + entry.principalARN;
    for (const auto& g : groups) step += "/" + g;
    req.client_request_token = id_.client_token(step);
    have = eks_.create_access_entry(req);
  }
  if (!have) return std::unexpected(have.error());
  entry_arn = have->arn;
  if (sorted(have->kubernetes_groups) != groups) {
    aws::eks::UpdateAccessEntryRequest update;
    update.cluster_name = id_.eks_name();
    update.principal_arn = entry.principalARN;
    update.kubernetes_groups = groups;
    if (auto r = eks_.update_access_entry(update); !r) return std::unexpected(r.error());
  }
  return {};
}

aws::Result<void> AccessEntrySteps::ensure_policies(const api::AccessEntry& entry) {
  auto have = eks_.list_associated_access_policies(id_.eks_name(), entry.principalARN);
  if (!have) return std::unexpected(have.error());
  for (const auto& want : entry.accessPolicies) {
    const auto scope = scope_of(want);
    const auto it = std::find_if(have->begin(), have->end(),
                                 [&](const auto& p) { return p.policy_arn == want.policyARN; });
    if (it != have->end()) {
      auto current = it->scope;
      current.namespaces = sorted(current.namespaces);
      if (current == scope) continue;
    }
    // Associating again replaces the scope of an existing association.
    if (auto r =
            eks_.associate_access_policy(id_.eks_name(), entry.principalARN, want.policyARN, scope);
        !r)
      return std::unexpected(r.error());
  }
  for (const auto& p : *have) {
    const bool wanted = std::any_of(entry.accessPolicies.begin(), entry.accessPolicies.end(),
                                    [&](const auto& w) { return w.policyARN == p.policy_arn; });
    if (wanted) continue;
    if (auto r = eks_.disassociate_access_policy(id_.eks_name(), entry.principalARN, p.policy_arn);
        !r && !r.error().is_not_found())
      return std::unexpected(r.error());
  }
  return {};
}

aws::Result<Progress> AccessEntrySteps::ensure(const std::vector<api::AccessEntry>& wanted,
                                               api::EphemeralClusterStatus& status) {
  auto& recorded = status.accessEntries;
  for (std::size_t i = 0; i < wanted.size(); ++i) {
    const auto& entry = wanted[i];
    std::string arn;
    if (auto r = ensure_entry(entry, arn); !r)
      return std::unexpected(for_spec_item(r.error(), "spec.accessEntries", i, entry.principalARN));
    auto it = std::find_if(recorded.begin(), recorded.end(),
                           [&](const auto& e) { return e.principalARN == entry.principalARN; });
    if (it == recorded.end()) {
      recorded.push_back({entry.principalARN, arn});
      record_();
    } else if (it->accessEntryARN != arn) {
      it->accessEntryARN = arn;
      record_();
    }
    if (auto r = ensure_policies(entry); !r)
      return std::unexpected(for_spec_item(r.error(), "spec.accessEntries", i, entry.principalARN));
  }
  // Entries Aura made for principals the spec no longer lists.
  for (auto it = recorded.begin(); it != recorded.end();) {
    const bool listed = std::any_of(wanted.begin(), wanted.end(), [&](const auto& w) {
      return w.principalARN == it->principalARN;
    });
    if (listed) {
      ++it;
      continue;
    }
    if (auto r = eks_.delete_access_entry(id_.eks_name(), it->principalARN);
        !r && !r.error().is_not_found())
      return std::unexpected(r.error());
    it = recorded.erase(it);
    record_();
  }
  return Progress::complete();
}

}  // namespace aura::reconcilers::cluster
