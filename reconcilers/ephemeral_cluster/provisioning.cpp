#include "reconcilers/ephemeral_cluster/provisioning.h"

#include <algorithm>

#include "operator/aws/endpoints.h"

namespace aura::reconcilers::cluster {

namespace {

using namespace std::chrono_literals;

// How long to wait when a final inventory still finds something: deletes AWS has accepted
// take a moment to show.
constexpr auto kInventoryRecheck = 15s;

// STS limits role session names to 64 characters of [\w+=,.@-].
std::string session_name(const std::string& ns, const std::string& name) {
  std::string s = "aura-" + ns + "-" + name;
  return s.substr(0, 64);
}

int severity(Outcome::Kind k) {
  return static_cast<int>(k);
}

// Folds one step's result into its condition and the pass's outcome; true when the step is done.
bool fold(const aws::Result<Progress>& r, const char* type, const char* done_reason,
          const char* busy_reason, Outcome& out) {
  if (!r) {
    out.conditions.push_back({type, false, "AWSError", r.error().str()});
    out.aws_error(r.error().str());
    return false;
  }
  if (!r->done) {
    out.conditions.push_back({type, false, busy_reason, r->waiting_for});
    out.wait(r->waiting_for, r->retry_after);
    return false;
  }
  out.conditions.push_back({type, true, done_reason, ""});
  return true;
}

}  // namespace

void Outcome::wait(const std::string& what, std::chrono::seconds after) {
  if (severity(kind) < severity(Kind::kWaiting)) {
    kind = Kind::kWaiting;
    message = what;
  }
  // The soonest wait wins: a pass may make progress on any step.
  if (retry_after == 0s || after < retry_after) retry_after = after;
}

void Outcome::aws_error(const std::string& what) {
  if (severity(kind) < severity(Kind::kAwsError)) {
    kind = Kind::kAwsError;
    message = what;
  }
}

void Outcome::spec_error(const std::string& what) {
  if (severity(kind) < severity(Kind::kSpecError)) {
    kind = Kind::kSpecError;
    message = what;
  }
}

std::string_view to_string(Outcome::Kind kind) {
  switch (kind) {
    case Outcome::Kind::kDone:
      return "done";
    case Outcome::Kind::kWaiting:
      return "waiting";
    case Outcome::Kind::kAwsError:
      return "aws-error";
    case Outcome::Kind::kSpecError:
      return "spec-error";
  }
  return "unknown";
}

ClusterClients clients_for(aws::AwsSession& session, const api::EphemeralClusterSpec& spec,
                           const std::string& ns, const std::string& name) {
  auto client = [&](const aws::ServiceInfo& service) {
    if (!spec.assumeRole) return session.client(service, spec.region);
    aws::AssumeRoleRequest role;
    role.role_arn = spec.assumeRole->roleARN;
    role.external_id = spec.assumeRole->externalID.value_or("");
    role.session_name = spec.assumeRole->sessionName.value_or(session_name(ns, name));
    return session.client_as(service, spec.region, role);
  };
  return {aws::Ec2Client(client(aws::services::kEc2)), aws::IamClient(client(aws::services::kIam)),
          aws::EksClient(client(aws::services::kEks)),
          aws::ElbV2Client(client(aws::services::kElbV2)),
          aws::ElbClassicClient(client(aws::services::kElb))};
}

bool brings_own_network(const api::EphemeralClusterSpec& spec) {
  return spec.network.vpcID.has_value();
}

std::vector<std::string> recorded_resources(const api::EphemeralClusterStatus& s,
                                            bool own_network) {
  std::vector<std::string> out;
  auto add = [&](const std::string& kind, const std::optional<std::string>& id) {
    if (id && !id->empty()) out.push_back(kind + " " + *id);
  };
  if (s.network) {
    const auto& n = *s.network;
    if (own_network) {
      add("VPC", n.vpcID);
      for (const auto& sub : n.subnets)
        out.push_back("subnet " + sub.id + " (" + sub.zone.value_or("") + ", " +
                      (sub.public_.value_or(false) ? "public" : "private") + ")");
    }
    add("internet gateway", n.internetGatewayID);
    for (const auto& e : n.elasticIPs) out.push_back("elastic IP " + e.allocationID);
    for (const auto& g : n.natGateways) out.push_back("NAT gateway " + g.id);
    for (const auto& t : n.routeTables) out.push_back("route table " + t.id);
    add("security group", n.securityGroupID);
  }
  if (s.iam) {
    add("IAM role", s.iam->clusterRoleARN);
    add("IAM role", s.iam->nodeRoleARN);
    add("instance profile", s.iam->nodeInstanceProfileARN);
  }
  add("EKS cluster", s.eksClusterARN);
  add("OIDC provider", s.oidcProviderARN);
  for (const auto& e : s.accessEntries) out.push_back("access entry for " + e.principalARN);
  for (const auto& a : s.addons) out.push_back("add-on " + a.name);
  std::sort(out.begin(), out.end());
  return out;
}

Provisioning::Provisioning(ClusterClients& clients, const ClusterIdentity& identity,
                           NetworkSteps::RecordStatus record_status)
    : clients_(clients),
      record_(record_status),
      network_(clients.ec2, identity, record_status),
      iam_(clients.iam, identity, record_status),
      control_plane_(clients.eks, clients.iam, identity, record_status),
      access_entries_(clients.eks, identity, record_status),
      addons_(clients.eks, identity, record_status),
      tags_(clients.ec2, clients.iam, clients.eks, identity, record_status),
      leftovers_(clients.ec2, clients.elbv2, clients.elb, identity.eks_name()) {}

Outcome Provisioning::ensure(const api::EphemeralClusterSpec& spec,
                             api::EphemeralClusterStatus& status) {
  Outcome out;
  bool network_done = false;
  if (brings_own_network(spec)) {
    if (!status.network) status.network = api::NetworkStatus{};
    const auto before = api::to_json(*status.network);
    auto checked = check_existing_network(clients_.ec2, spec.network, *status.network);
    if (!checked) {
      out.conditions.push_back({kNetworkReady, false, "AWSError", checked.error().str()});
      out.aws_error(checked.error().str());
    } else if (!*checked) {
      out.conditions.push_back({kNetworkReady, false, "InvalidSpec", checked->error()});
      out.spec_error(checked->error());
    } else {
      if (api::to_json(*status.network) != before) record_();
      out.conditions.push_back({kNetworkReady, true, "ExistingNetwork", ""});
      network_done = true;
    }
  } else if (auto network = with_zones(clients_.ec2, spec.network, spec.region); !network) {
    out.conditions.push_back({kNetworkReady, false, "AWSError", network.error().str()});
    out.aws_error(network.error().str());
  } else if (!*network) {
    out.conditions.push_back({kNetworkReady, false, "InvalidSpec", network->error()});
    out.spec_error(network->error());
  } else if (auto plan = plan_network(**network); !plan) {
    out.conditions.push_back({kNetworkReady, false, "InvalidSpec", plan.error()});
    out.spec_error(plan.error());
  } else {
    if (!status.network) status.network = api::NetworkStatus{};
    network_done = fold(network_.ensure(*plan, *status.network), kNetworkReady, "Provisioned",
                        "Provisioning", out);
  }

  // A spec the network cannot be built from stops the pass before IAM makes anything for it.
  if (out.kind == Outcome::Kind::kSpecError) return out;

  if (!status.iam) status.iam = api::IAMStatus{};
  IamPlan iam_plan;
  iam_plan.partition = std::string(aws::partition_of(spec.region));
  const bool iam_done =
      fold(iam_.ensure(iam_plan, *status.iam), kIAMReady, "Provisioned", "Provisioning", out);

  auto waiting = [&](std::initializer_list<const char*> types, const char* on) {
    for (const char* type : types)
      out.conditions.push_back({type, false, "WaitingForDependencies", on});
    return out;
  };
  if (!network_done || !iam_done)
    return waiting({kControlPlaneReady, kAccessEntriesReady, kAddonsReady, kTagsApplied},
                   "waits for the network and IAM");
  if (!fold(control_plane_.ensure(plan_control_plane(spec, status), status), kControlPlaneReady,
            "Provisioned", "Provisioning", out))
    return waiting({kAccessEntriesReady, kAddonsReady, kTagsApplied},
                   "waits for the control plane");
  fold(access_entries_.ensure(spec.accessEntries, status), kAccessEntriesReady, "Provisioned",
       "Provisioning", out);
  fold(addons_.ensure(spec.addons, status), kAddonsReady, "Provisioned", "Provisioning", out);
  // Last: only then does status name every resource, those adopted after a lost write too.
  if (out.kind != Outcome::Kind::kDone) return waiting({kTagsApplied}, "waits for the other steps");
  fold(tags_.ensure(spec.tags, !brings_own_network(spec), status), kTagsApplied, "Applied",
       "Applying", out);
  return out;
}

Outcome Provisioning::remove(const api::EphemeralClusterSpec& spec,
                             api::EphemeralClusterStatus& status) {
  Outcome out;
  if (!fold(control_plane_.remove(status), kControlPlaneReady, "Deleted", "Deleting", out))
    return out;
  // The VPC the child's leftovers are in: the user's, or Aura's as status (or, after a lost
  // status write, the inventory by tag) knows it.
  std::string vpc_id = brings_own_network(spec) ? *spec.network.vpcID : std::string();
  if (vpc_id.empty() && status.network && status.network->vpcID) vpc_id = *status.network->vpcID;
  if (vpc_id.empty()) {
    auto net = network_.inventory();
    if (!net) {
      fold(std::unexpected(net.error()), kChildResourcesDeleted, "Deleted", "Deleting", out);
      return out;
    }
    for (const auto& line : *net)
      if (line.rfind("vpc ", 0) == 0) vpc_id = line.substr(4);
  }
  if (!vpc_id.empty() && !fold(leftovers_.remove(vpc_id, !brings_own_network(spec)),
                               kChildResourcesDeleted, "Deleted", "Deleting", out))
    return out;
  if (brings_own_network(spec)) {
    // The user's VPC and subnets stay; nothing else of the network was Aura's to make.
    out.conditions.push_back({kNetworkReady, false, "Deleted", "the VPC is the user's: kept"});
  } else {
    if (!status.network) status.network = api::NetworkStatus{};
    if (!fold(network_.remove(*status.network), kNetworkReady, "Deleted", "Deleting", out))
      return out;
  }
  if (!status.iam) status.iam = api::IAMStatus{};
  if (!fold(iam_.remove(*status.iam), kIAMReady, "Deleted", "Deleting", out)) return out;

  // The finalizer goes only when nothing of the cluster is found (DESIGN.md invariant 4).
  auto left = inventory();
  if (!left)
    out.aws_error(left.error().str());
  else if (!left->empty())
    out.wait(left->front() + " still exists", kInventoryRecheck);
  return out;
}

aws::Result<std::vector<std::string>> Provisioning::inventory() {
  std::vector<std::string> all;
  auto cp = control_plane_.inventory();
  if (!cp) return std::unexpected(cp.error());
  auto net = network_.inventory();
  if (!net) return std::unexpected(net.error());
  auto iam = iam_.inventory();
  if (!iam) return std::unexpected(iam.error());
  for (auto* v : {&*cp, &*net, &*iam}) all.insert(all.end(), v->begin(), v->end());
  return all;
}

}  // namespace aura::reconcilers::cluster
