#include <algorithm>
#include <set>
#include <utility>

#include "operator/common/duration.h"
#include "operator/common/ipv4_cidr.h"
#include "webhooks/validation/validation.h"

namespace aura::webhooks::validation {

namespace {

using Type = FieldError::Type;

constexpr int kMinVpcPrefix = 16;  // AWS: a VPC is /16 to /28; Aura wants room for subnets
constexpr int kMaxVpcPrefix = 24;
constexpr int kMaxSubnetPrefix = 28;  // AWS: the smallest subnet is a /28

std::string idx(const std::string& path, size_t i) {
  return path + "[" + std::to_string(i) + "]";
}

// A zone of `region`: the region plus one letter (us-east-1a), or a Local Zone
// (us-west-2-lax-1a).
bool zone_in_region(const std::string& zone, const std::string& region) {
  if (!zone.starts_with(region)) return false;
  const std::string_view rest = std::string_view(zone).substr(region.size());
  if (rest.size() == 1) return rest[0] >= 'a' && rest[0] <= 'z';
  if (rest.size() < 5 || rest[0] != '-' || rest.back() < 'a' || rest.back() > 'z') return false;
  return std::all_of(rest.begin() + 1, rest.end() - 1, [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
  });
}

void check_network(const api::ClusterNetwork& net, const std::string& region,
                   const std::string& path, Result& out) {
  std::optional<Ipv4Cidr> vpc;
  if (net.vpcCIDR) {
    auto parsed = parse_ipv4_cidr(*net.vpcCIDR);
    if (!parsed.cidr) {
      out.errors.push_back({Type::kInvalid, path + ".vpcCIDR", *net.vpcCIDR, parsed.error});
    } else if (parsed.cidr->prefix < kMinVpcPrefix || parsed.cidr->prefix > kMaxVpcPrefix) {
      out.errors.push_back(
          {Type::kInvalid, path + ".vpcCIDR", *net.vpcCIDR, "the VPC block must be a /16 to /24"});
    } else {
      vpc = parsed.cidr;
    }
  }
  std::set<std::string> seen_zones;
  for (size_t i = 0; i < net.zones.size(); ++i) {
    const auto& z = net.zones[i];
    if (!seen_zones.insert(z).second)
      out.errors.push_back({Type::kDuplicate, idx(path + ".zones", i), z, {}});
    else if (!zone_in_region(z, region))
      out.errors.push_back({Type::kInvalid, idx(path + ".zones", i), z,
                            "not an availability zone of region " + region});
  }
  // Subnets: valid, inside the VPC block, and no two overlapping (public and private together).
  std::vector<std::pair<std::string, Ipv4Cidr>> subnets;
  for (const auto& [list, name] : {std::pair{&net.publicSubnetCIDRs, ".publicSubnetCIDRs"},
                                   std::pair{&net.privateSubnetCIDRs, ".privateSubnetCIDRs"}}) {
    for (size_t i = 0; i < list->size(); ++i) {
      const std::string field = idx(path + name, i);
      const auto& text = (*list)[i];
      auto parsed = parse_ipv4_cidr(text);
      if (!parsed.cidr) {
        out.errors.push_back({Type::kInvalid, field, text, parsed.error});
        continue;
      }
      if (parsed.cidr->prefix > kMaxSubnetPrefix) {
        out.errors.push_back({Type::kInvalid, field, text, "a subnet must be a /28 or larger"});
        continue;
      }
      if (vpc && !vpc->contains(*parsed.cidr)) {
        out.errors.push_back(
            {Type::kInvalid, field, text, "must be inside the VPC block " + *net.vpcCIDR});
        continue;
      }
      bool overlap = false;
      for (const auto& [other_field, other] : subnets) {
        if (other.overlaps(*parsed.cidr)) {
          out.errors.push_back({Type::kInvalid, field, text, "overlaps " + other_field});
          overlap = true;
          break;
        }
      }
      if (!overlap) subnets.emplace_back(field, *parsed.cidr);
    }
  }
}

void check_endpoint(const api::EphemeralClusterSpec& spec, const std::string& path, Result& out) {
  const auto& access = spec.endpointAccess;
  const bool is_public = !access || access->public_.value_or(api::EndpointAccess::kPublicDefault);
  const std::vector<std::string> none;
  const auto& cidrs = access ? access->publicAccessCIDRs : none;
  bool open = cidrs.empty();
  for (size_t i = 0; i < cidrs.size(); ++i) {
    auto parsed = parse_ipv4_cidr(cidrs[i]);
    if (!parsed.cidr)
      out.errors.push_back({Type::kInvalid, idx(path + ".endpointAccess.publicAccessCIDRs", i),
                            cidrs[i], parsed.error});
    else if (parsed.cidr->prefix == 0)
      open = true;
  }
  if (is_public && open)
    out.warnings.push_back(path +
                           ".endpointAccess: the Kubernetes API endpoint is public and open to "
                           "0.0.0.0/0; set publicAccessCIDRs or disable public access");
}

// EKS takes 10 to 15 minutes to create a control plane: a shorter deadline is legal (a cap on
// what a failed or forgotten run may cost) but usually deletes the cluster before it is Ready.
constexpr std::chrono::minutes kTypicalEksCreation{30};

void check_lifecycle(const api::EphemeralClusterSpec& spec, const std::string& path, Result& out) {
  if (!spec.lifecycle || !spec.lifecycle->maxLifetime) return;
  const auto lifetime = parse_duration(*spec.lifecycle->maxLifetime);
  if (lifetime && *lifetime < kTypicalEksCreation)
    out.warnings.push_back(path + ".lifecycle.maxLifetime: " + *spec.lifecycle->maxLifetime +
                           " is shorter than creating an EKS cluster and its network usually "
                           "takes (10 to 15 minutes): the cluster may be deleted before it is "
                           "Ready");
}

}  // namespace

const std::vector<std::string>& supported_kubernetes_versions() {
  static const std::vector<std::string> versions = {"1.30", "1.31", "1.32", "1.33", "1.34"};
  return versions;
}

void check_cluster_spec(const api::EphemeralClusterSpec& spec, const std::string& path,
                        Result& out) {
  const auto& versions = supported_kubernetes_versions();
  if (std::find(versions.begin(), versions.end(), spec.kubernetesVersion) == versions.end()) {
    std::string supported;
    for (const auto& v : versions) supported += (supported.empty() ? "\"" : ", \"") + v + "\"";
    out.errors.push_back({Type::kNotSupported, path + ".kubernetesVersion", spec.kubernetesVersion,
                          "supported values: " + supported});
  }
  check_network(spec.network, spec.region, path + ".network", out);
  check_endpoint(spec, path, out);
  check_lifecycle(spec, path, out);
}

void check_cluster_update(const api::EphemeralClusterSpec& now,
                          const api::EphemeralClusterSpec& old, const std::string& path,
                          Result& out) {
  if (now.region != old.region)
    out.errors.push_back({Type::kInvalid, path + ".region", now.region, "field is immutable"});
  if (now.kubernetesVersion != old.kubernetesVersion)
    out.errors.push_back({Type::kInvalid, path + ".kubernetesVersion", now.kubernetesVersion,
                          "field is immutable (upgrades are not supported yet)"});
  if (!(now.network == old.network))
    out.errors.push_back(
        {Type::kInvalid, path + ".network", api::to_json(now.network), "field is immutable"});
  if (old.secretsEncryption && !(now.secretsEncryption == old.secretsEncryption))
    out.errors.push_back({Type::kForbidden, path + ".secretsEncryption", nullptr,
                          "cannot be changed or removed once set"});
}

AdmissionResponse validate_ephemeral_cluster(const AdmissionRequest& request) {
  if (request.operation != "CREATE" && request.operation != "UPDATE")
    return AdmissionResponse::allow();
  auto decoded = decode_request<api::EphemeralCluster>(request);
  if (!decoded) return decoded.error();
  Result out;
  check_cluster_spec(decoded->object.spec, "spec", out);
  if (decoded->old) {
    // A cluster created when its version was supported stays editable after the list moves on.
    if (decoded->old->spec.kubernetesVersion == decoded->object.spec.kubernetesVersion)
      std::erase_if(out.errors,
                    [](const FieldError& e) { return e.field == "spec.kubernetesVersion"; });
    check_cluster_update(decoded->object.spec, decoded->old->spec, "spec", out);
  }
  if (!out.errors.empty()) return AdmissionResponse::invalid(out.errors, std::move(out.warnings));
  return AdmissionResponse::allow(std::move(out.warnings));
}

AdmissionResponse validate(const AdmissionRequest& request) {
  if (request.group != "aura.io")
    return AdmissionResponse::bad_request("this webhook only serves group aura.io, not \"" +
                                          request.group + "\"");
  if (request.operation == "UPDATE" && request.object.is_object() &&
      request.old_object.is_object()) {
    // Metadata-only updates (finalizers, labels) and updates of an object being deleted are never
    // blocked: a rule added after an object was created must not keep its finalizer on forever.
    const auto& meta = request.object.value("metadata", nlohmann::json::object());
    if (meta.is_object() && meta.contains("deletionTimestamp")) return AdmissionResponse::allow();
    if (request.object.value("spec", nlohmann::json()) ==
        request.old_object.value("spec", nlohmann::json()))
      return AdmissionResponse::allow();
  }
  if (request.kind == "EphemeralCluster") return validate_ephemeral_cluster(request);
  if (request.kind == "NodePool") return validate_node_pool(request);
  if (request.kind == "AIJob") return validate_ai_job(request);
  return AdmissionResponse::bad_request("no validation for kind \"" + request.kind + "\"");
}

}  // namespace aura::webhooks::validation
