#include "reconcilers/ephemeral_cluster/tags.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <array>
#include <functional>

namespace aura::reconcilers::cluster {

namespace {

using aws::Result;

// CreateTags and DeleteTags take at most 1000 resource IDs a call.
constexpr std::size_t kEc2TagBatch = 1000;

std::string joined(const std::vector<std::string>& items) {
  return fmt::format("{}", fmt::join(items, ", "));
}

aws::AwsError naming(aws::AwsError e, const std::string& what) {
  e.message = "retagging " + what + ": " + e.message;
  return e;
}

// One resource of IAM or EKS, which tag one resource a call.
struct OneByOne {
  std::string what;
  std::function<Result<void>(const Tags&)> tag;
  std::function<Result<void>(const std::vector<std::string>&)> untag;
};

// True when retagged, false when the resource is gone (the step that made it makes it again,
// born with status.appliedTags).
Result<bool> retag_one(const TagDiff& diff, const OneByOne& r) {
  for (const bool setting : {true, false}) {
    if (setting ? diff.set.empty() : diff.remove.empty()) continue;
    auto done = setting ? r.tag(diff.set) : r.untag(diff.remove);
    if (!done && done.error().is_not_found()) return false;
    if (!done) return std::unexpected(naming(done.error(), r.what));
  }
  return true;
}

}  // namespace

std::vector<std::vector<std::string>> ec2_tag_batches(const std::vector<std::string>& ids) {
  std::vector<std::vector<std::string>> out;
  for (std::size_t at = 0; at < ids.size(); at += kEc2TagBatch) {
    const auto first = ids.begin() + static_cast<std::ptrdiff_t>(at);
    out.emplace_back(first,
                     first + static_cast<std::ptrdiff_t>(std::min(kEc2TagBatch, ids.size() - at)));
  }
  return out;
}

bool is_aura_tag_key(std::string_view key) {
  // The prefixes match what config/iam/aura-operator-policy.json forbids retagging (aws: is
  // AWS's own, refused in any tag call).
  static constexpr std::array<std::string_view, 3> kPrefixes = {"aura.io/", "kubernetes.io/",
                                                                "aws:"};
  static constexpr std::array<std::string_view, 2> kKeys = {"Name", "karpenter.sh/discovery"};
  return std::any_of(kPrefixes.begin(), kPrefixes.end(),
                     [&](std::string_view p) { return key.starts_with(p); }) ||
         std::find(kKeys.begin(), kKeys.end(), key) != kKeys.end();
}

TagDiff diff_tags(const Tags& applied, const Tags& wanted) {
  TagDiff d;
  for (const auto& [k, v] : wanted) {
    if (is_aura_tag_key(k)) continue;
    const auto it = applied.find(k);
    if (it == applied.end() || it->second != v) d.set[k] = v;
  }
  for (const auto& [k, _] : applied)
    if (!is_aura_tag_key(k) && !wanted.contains(k)) d.remove.push_back(k);
  return d;
}

RetagTargets retag_targets(const api::EphemeralClusterStatus& s, const ClusterIdentity& id,
                           bool own_network) {
  RetagTargets t;
  auto add = [](std::vector<std::string>& to, const std::optional<std::string>& v) {
    if (v && !v->empty()) to.push_back(*v);
  };
  if (own_network && s.network) {
    const auto& n = *s.network;
    add(t.ec2_ids, n.vpcID);
    for (const auto& sub : n.subnets) t.ec2_ids.push_back(sub.id);
    add(t.ec2_ids, n.internetGatewayID);
    for (const auto& e : n.elasticIPs) t.ec2_ids.push_back(e.allocationID);
    for (const auto& g : n.natGateways) t.ec2_ids.push_back(g.id);
    for (const auto& r : n.routeTables) t.ec2_ids.push_back(r.id);
    add(t.ec2_ids, n.securityGroupID);
  }
  if (s.iam) {
    if (s.iam->clusterRoleARN) t.iam_roles.push_back(id.iam_role_name("cluster"));
    if (s.iam->nodeRoleARN) t.iam_roles.push_back(id.iam_role_name("node"));
    add(t.instance_profiles, s.iam->nodeInstanceProfileName);
  }
  add(t.oidc_providers, s.oidcProviderARN);
  add(t.eks_arns, s.eksClusterARN);
  for (const auto& e : s.accessEntries) add(t.eks_arns, e.accessEntryARN);
  for (const auto& a : s.addons) t.addons.push_back(a.name);
  return t;
}

std::string describe_update(std::size_t resources, const TagDiff& diff) {
  std::vector<std::string> set;
  for (const auto& [k, _] : diff.set) set.push_back(k);
  std::string out = "Updated tags on " + std::to_string(resources) + " resources";
  if (!set.empty()) out += ": set " + joined(set);
  if (!diff.remove.empty())
    out += (set.empty() ? ": removed " : "; removed ") + joined(diff.remove);
  return out;
}

TagSteps::TagSteps(aws::Ec2Client& ec2, aws::IamClient& iam, aws::EksClient& eks,
                   const ClusterIdentity& identity, NetworkSteps::RecordStatus record_status)
    : ec2_(ec2), iam_(iam), eks_(eks), id_(identity), record_(std::move(record_status)) {}

Result<Progress> TagSteps::ensure(const Tags& wanted, bool own_network,
                                  api::EphemeralClusterStatus& status) {
  updated_.clear();
  if (status.appliedTags == wanted) return Progress::complete();
  const auto diff = diff_tags(status.appliedTags, wanted);
  if (diff.empty()) {
    // Only keys of Aura's changed, which no resource gets in place: nothing to call.
    status.appliedTags = wanted;
    record_();
    return Progress::complete();
  }
  std::size_t retagged = 0;
  const auto targets = retag_targets(status, id_, own_network);

  // EC2 takes many resources a call.
  for (const auto& batch : ec2_tag_batches(targets.ec2_ids)) {
    if (!diff.set.empty())
      if (auto r = ec2_.create_tags(batch, diff.set); !r)
        return std::unexpected(naming(r.error(), joined(batch)));
    if (!diff.remove.empty())
      if (auto r = ec2_.delete_tags(batch, diff.remove); !r)
        return std::unexpected(naming(r.error(), joined(batch)));
    retagged += batch.size();
  }

  // IAM and EKS one resource a call.
  std::vector<OneByOne> one_by_one;
  using Keys = std::vector<std::string>;
  for (const auto& role : targets.iam_roles)
    one_by_one.push_back({"IAM role " + role,
                          [&, role](const Tags& t) { return iam_.tag_role(role, t); },
                          [&, role](const Keys& k) { return iam_.untag_role(role, k); }});
  for (const auto& p : targets.instance_profiles)
    one_by_one.push_back({"instance profile " + p,
                          [&, p](const Tags& t) { return iam_.tag_instance_profile(p, t); },
                          [&, p](const Keys& k) { return iam_.untag_instance_profile(p, k); }});
  for (const auto& arn : targets.oidc_providers)
    one_by_one.push_back(
        {"OIDC provider " + arn,
         [&, arn](const Tags& t) { return iam_.tag_open_id_connect_provider(arn, t); },
         [&, arn](const Keys& k) { return iam_.untag_open_id_connect_provider(arn, k); }});
  auto eks_arns = targets.eks_arns;
  for (const auto& name : targets.addons) {
    auto addon = eks_.describe_addon(id_.eks_name(), name);
    if (!addon && addon.error().is_not_found()) continue;
    if (!addon) return std::unexpected(naming(addon.error(), "add-on " + name));
    eks_arns.push_back(addon->arn);
  }
  for (const auto& arn : eks_arns)
    one_by_one.push_back({arn, [&, arn](const Tags& t) { return eks_.tag_resource(arn, t); },
                          [&, arn](const Keys& k) { return eks_.untag_resource(arn, k); }});
  for (const auto& r : one_by_one) {
    auto done = retag_one(diff, r);
    if (!done) return std::unexpected(done.error());
    if (*done) ++retagged;
  }

  // Only now: a crash before this line redoes the calls above, which change nothing twice.
  status.appliedTags = wanted;
  record_();
  updated_ = describe_update(retagged, diff);
  return Progress::complete();
}

}  // namespace aura::reconcilers::cluster
