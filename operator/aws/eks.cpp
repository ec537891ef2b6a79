#include "operator/aws/eks.h"

#include <charconv>
#include <cmath>
#include <cstdint>

#include "operator/aws/paginate.h"
#include "operator/aws/sigv4.h"
#include "operator/common/clock.h"

namespace aura::aws {

namespace eks {

namespace {

using nlohmann::json;

// Reads an answer strictly: a field that is absent or null reads as empty, a field of the wrong
// type marks the answer malformed (nlohmann's typed access would throw). The first problem is
// kept for the error message.
class Reader {
 public:
  explicit Reader(std::string_view operation) : operation_(operation) {}

  const json& object(const json& o, const char* key) {
    const json& v = field(o, key);
    if (v.is_null()) return empty_object();
    if (!v.is_object()) {
      fail(key, "an object");
      return empty_object();
    }
    return v;
  }

  const json& array(const json& o, const char* key) {
    const json& v = field(o, key);
    if (v.is_null()) return empty_array();
    if (!v.is_array()) {
      fail(key, "an array");
      return empty_array();
    }
    return v;
  }

  std::string string(const json& o, const char* key) {
    const json& v = field(o, key);
    if (v.is_null()) return {};
    if (!v.is_string()) {
      fail(key, "a string");
      return std::string();
    }
    return v.get<std::string>();
  }

  std::vector<std::string> strings(const json& o, const char* key) {
    std::vector<std::string> out;
    for (const auto& v : array(o, key)) {
      if (!v.is_string()) {
        fail(key, "a list of strings");
        return std::vector<std::string>();
      }
      out.push_back(v.get<std::string>());
    }
    return out;
  }

  std::map<std::string, std::string> string_map(const json& o, const char* key) {
    std::map<std::string, std::string> out;
    for (const auto& [k, v] : object(o, key).items()) {
      if (!v.is_string()) {
        fail(key, "a map of strings");
        return decltype(out)();
      }
      out[k] = v.get<std::string>();
    }
    return out;
  }

  std::optional<bool> boolean(const json& o, const char* key) {
    const json& v = field(o, key);
    if (v.is_null()) return std::nullopt;
    if (!v.is_boolean()) {
      fail(key, "a boolean");
      return std::nullopt;
    }
    return v.get<bool>();
  }

  // Integers, also as decimal strings (some emulators answer "20").
  std::optional<int> integer(const json& o, const char* key) {
    const json& v = field(o, key);
    if (v.is_null()) return std::nullopt;
    if (v.is_number_integer()) {
      const auto n = v.get<int64_t>();
      if (n < INT32_MIN || n > INT32_MAX) {
        fail(key, "a 32-bit integer");
        return std::nullopt;
      }
      return static_cast<int>(n);
    }
    if (v.is_string()) {
      const auto& s = v.get_ref<const std::string&>();
      int n = 0;
      auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
      if (ec == std::errc() && ptr == s.data() + s.size() && !s.empty()) return n;
    }
    fail(key, "an integer");
    return std::nullopt;
  }

  // rest-json timestamps: epoch seconds (botocore's default), or RFC 3339 text.
  std::optional<std::chrono::system_clock::time_point> time(const json& o, const char* key) {
    const json& v = field(o, key);
    if (v.is_number()) {
      const double s = v.get<double>();
      if (!std::isfinite(s) || s < 0 || s > 1e11) return std::nullopt;
      return std::chrono::system_clock::time_point(
          std::chrono::duration_cast<std::chrono::system_clock::duration>(
              std::chrono::duration<double>(s)));
    }
    if (v.is_string()) return parse_rfc3339(v.get<std::string>());
    return std::nullopt;
  }

  std::vector<Issue> issues(const json& o, const char* key) {
    std::vector<Issue> out;
    for (const auto& i : array(object(o, key), "issues")) {
      if (!i.is_object()) {
        fail("issues", "a list of objects");
        return std::vector<Issue>();
      }
      out.push_back({string(i, "code"), string(i, "message"), strings(i, "resourceIds")});
    }
    return out;
  }

  void require(const std::string& value, const char* what) {
    if (value.empty() && problem_.empty()) problem_ = std::string("the answer has no ") + what;
  }

  bool ok() const { return problem_.empty(); }
  AwsError error() const {
    return AwsError{"eks", std::string(operation_), 200, "MalformedResponse", problem_, "", false};
  }

 private:
  const json& field(const json& o, const char* key) {
    if (!o.is_object()) return null();
    auto it = o.find(key);
    return it == o.end() ? null() : *it;
  }
  void fail(const char* key, const char* expected) {
    if (problem_.empty()) problem_ = std::string(key) + " is not " + expected;
  }
  static const json& null() {
    static const json v;
    return v;
  }
  static const json& empty_object() {
    static const json v = json::object();
    return v;
  }
  static const json& empty_array() {
    static const json v = json::array();
    return v;
  }

  std::string_view operation_;
  std::string problem_;
};

// The one object an answer wraps its resource in ({"cluster": {...}}).
template <typename T>
Result<T> wrapped(const json& answer, const char* key, std::string_view operation,
                  T (*read)(Reader&, const json&)) {
  Reader r(operation);
  if (!answer.is_object() || !answer.contains(key) || !answer[key].is_object())
    return std::unexpected(AwsError{"eks", std::string(operation), 200, "MalformedResponse",
                                    std::string("the answer has no ") + key + " object", "",
                                    false});
  T value = read(r, answer[key]);
  if (!r.ok()) return std::unexpected(r.error());
  return value;
}

std::string query_string(const std::vector<std::pair<std::string, std::string>>& params) {
  std::string out;
  for (const auto& [k, v] : params) {
    if (v.empty()) continue;
    out += out.empty() ? '?' : '&';
    out += sigv4::uri_encode(k);
    out += '=';
    out += sigv4::uri_encode(v);
  }
  return out;
}

std::string paging(const std::string& next_token, int max_results) {
  return query_string({{"maxResults", max_results > 0 ? std::to_string(max_results) : ""},
                       {"nextToken", next_token}});
}

std::string cluster_path(const std::string& cluster) {
  return "/clusters/" + segment(cluster);
}

json taint_json(const Taint& t) {
  json j{{"key", t.key}, {"effect", t.effect}};
  if (!t.value.empty()) j["value"] = t.value;
  return j;
}

json taints_json(const std::vector<Taint>& taints) {
  json a = json::array();
  for (const auto& t : taints) a.push_back(taint_json(t));
  return a;
}

json scaling_json(const ScalingConfig& s) {
  return {{"minSize", s.min_size}, {"maxSize", s.max_size}, {"desiredSize", s.desired_size}};
}

void put_tags(json& body, const Tags& tags) {
  if (!tags.empty()) body["tags"] = tags;
}

void put_token(json& body, const std::string& token) {
  if (!token.empty()) body["clientRequestToken"] = token;
}

void put_string(json& body, const char* key, const std::string& value) {
  if (!value.empty()) body[key] = value;
}

Cluster read_cluster(Reader& r, const json& c) {
  Cluster out;
  out.name = r.string(c, "name");
  r.require(out.name, "cluster name");
  out.arn = r.string(c, "arn");
  out.id = r.string(c, "id");
  out.status = r.string(c, "status");
  out.version = r.string(c, "version");
  out.platform_version = r.string(c, "platformVersion");
  out.endpoint = r.string(c, "endpoint");
  out.certificate_authority_data = r.string(r.object(c, "certificateAuthority"), "data");
  out.oidc_issuer = r.string(r.object(r.object(c, "identity"), "oidc"), "issuer");
  out.role_arn = r.string(c, "roleArn");
  const json& vpc = r.object(c, "resourcesVpcConfig");
  out.vpc_id = r.string(vpc, "vpcId");
  out.cluster_security_group_id = r.string(vpc, "clusterSecurityGroupId");
  out.vpc.subnet_ids = r.strings(vpc, "subnetIds");
  out.vpc.security_group_ids = r.strings(vpc, "securityGroupIds");
  out.vpc.endpoint.public_access = r.boolean(vpc, "endpointPublicAccess");
  out.vpc.endpoint.private_access = r.boolean(vpc, "endpointPrivateAccess");
  out.vpc.endpoint.public_access_cidrs = r.strings(vpc, "publicAccessCidrs");
  for (const auto& setup : r.array(r.object(c, "logging"), "clusterLogging")) {
    auto types = r.strings(setup, "types");
    auto& into =
        r.boolean(setup, "enabled").value_or(false) ? out.logging.enabled : out.logging.disabled;
    into.insert(into.end(), types.begin(), types.end());
  }
  for (const auto& enc : r.array(c, "encryptionConfig")) {
    const std::string key = r.string(r.object(enc, "provider"), "keyArn");
    if (!key.empty()) out.kms_key_arn = key;
  }
  out.authentication_mode = r.string(r.object(c, "accessConfig"), "authenticationMode");
  out.service_ipv4_cidr = r.string(r.object(c, "kubernetesNetworkConfig"), "serviceIpv4Cidr");
  out.client_request_token = r.string(c, "clientRequestToken");
  out.created_at = r.time(c, "createdAt");
  out.health_issues = r.issues(c, "health");
  out.tags = r.string_map(c, "tags");
  return out;
}

Update read_update(Reader& r, const json& u) {
  Update out;
  out.id = r.string(u, "id");
  r.require(out.id, "update id");
  out.status = r.string(u, "status");
  out.type = r.string(u, "type");
  for (const auto& e : r.array(u, "errors"))
    out.errors.push_back(r.string(e, "errorCode") + ": " + r.string(e, "errorMessage"));
  return out;
}

std::vector<Taint> read_taints(Reader& r, const json& o) {
  std::vector<Taint> out;
  for (const auto& t : r.array(o, "taints"))
    out.push_back({r.string(t, "key"), r.string(t, "value"), r.string(t, "effect")});
  return out;
}

Nodegroup read_nodegroup(Reader& r, const json& n) {
  Nodegroup out;
  out.name = r.string(n, "nodegroupName");
  r.require(out.name, "nodegroupName");
  out.arn = r.string(n, "nodegroupArn");
  out.cluster_name = r.string(n, "clusterName");
  out.status = r.string(n, "status");
  out.version = r.string(n, "version");
  out.release_version = r.string(n, "releaseVersion");
  out.capacity_type = r.string(n, "capacityType");
  out.ami_type = r.string(n, "amiType");
  out.node_role = r.string(n, "nodeRole");
  const json& s = r.object(n, "scalingConfig");
  out.scaling.min_size = r.integer(s, "minSize").value_or(0);
  out.scaling.max_size = r.integer(s, "maxSize").value_or(0);
  out.scaling.desired_size = r.integer(s, "desiredSize").value_or(0);
  out.instance_types = r.strings(n, "instanceTypes");
  out.subnets = r.strings(n, "subnets");
  out.disk_size = r.integer(n, "diskSize");
  out.labels = r.string_map(n, "labels");
  out.taints = read_taints(r, n);
  for (const auto& g : r.array(r.object(n, "resources"), "autoScalingGroups"))
    out.autoscaling_groups.push_back(r.string(g, "name"));
  out.health_issues = r.issues(n, "health");
  out.created_at = r.time(n, "createdAt");
  out.tags = r.string_map(n, "tags");
  return out;
}

Addon read_addon(Reader& r, const json& a) {
  Addon out;
  out.name = r.string(a, "addonName");
  r.require(out.name, "addonName");
  out.cluster_name = r.string(a, "clusterName");
  out.arn = r.string(a, "addonArn");
  out.status = r.string(a, "status");
  out.version = r.string(a, "addonVersion");
  out.service_account_role_arn = r.string(a, "serviceAccountRoleArn");
  out.configuration_values = r.string(a, "configurationValues");
  out.health_issues = r.issues(a, "health");
  out.tags = r.string_map(a, "tags");
  return out;
}

AccessEntry read_access_entry(Reader& r, const json& e) {
  AccessEntry out;
  out.principal_arn = r.string(e, "principalArn");
  r.require(out.principal_arn, "principalArn");
  out.cluster_name = r.string(e, "clusterName");
  out.arn = r.string(e, "accessEntryArn");
  out.kubernetes_groups = r.strings(e, "kubernetesGroups");
  out.username = r.string(e, "username");
  out.type = r.string(e, "type");
  out.tags = r.string_map(e, "tags");
  return out;
}

AssociatedAccessPolicy read_associated_policy(Reader& r, const json& p) {
  AssociatedAccessPolicy out;
  out.policy_arn = r.string(p, "policyArn");
  r.require(out.policy_arn, "policyArn");
  const json& scope = r.object(p, "accessScope");
  out.scope.type = r.string(scope, "type");
  out.scope.namespaces = r.strings(scope, "namespaces");
  return out;
}

PodIdentityAssociation read_association(Reader& r, const json& a) {
  PodIdentityAssociation out;
  out.id = r.string(a, "associationId");
  r.require(out.id, "associationId");
  out.arn = r.string(a, "associationArn");
  out.cluster_name = r.string(a, "clusterName");
  out.namespace_ = r.string(a, "namespace");
  out.service_account = r.string(a, "serviceAccount");
  out.role_arn = r.string(a, "roleArn");
  out.owner_arn = r.string(a, "ownerArn");
  out.tags = r.string_map(a, "tags");
  return out;
}

}  // namespace

std::string segment(std::string_view s) {
  return sigv4::uri_encode(s, true);
}

nlohmann::json endpoint_access_json(const EndpointAccess& a) {
  json j = json::object();
  if (a.public_access) j["endpointPublicAccess"] = *a.public_access;
  if (a.private_access) j["endpointPrivateAccess"] = *a.private_access;
  if (!a.public_access_cidrs.empty()) j["publicAccessCidrs"] = a.public_access_cidrs;
  return j;
}

nlohmann::json vpc_config_json(const VpcConfig& vpc) {
  json j = endpoint_access_json(vpc.endpoint);
  if (!vpc.subnet_ids.empty()) j["subnetIds"] = vpc.subnet_ids;
  if (!vpc.security_group_ids.empty()) j["securityGroupIds"] = vpc.security_group_ids;
  return j;
}

nlohmann::json logging_json(const Logging& logging) {
  json setups = json::array();
  if (!logging.enabled.empty()) setups.push_back({{"types", logging.enabled}, {"enabled", true}});
  if (!logging.disabled.empty())
    setups.push_back({{"types", logging.disabled}, {"enabled", false}});
  return {{"clusterLogging", setups}};
}

Request create_cluster(const CreateClusterRequest& r) {
  json body{
      {"name", r.name}, {"roleArn", r.role_arn}, {"resourcesVpcConfig", vpc_config_json(r.vpc)}};
  put_string(body, "version", r.version);
  if (r.logging) body["logging"] = logging_json(*r.logging);
  if (!r.kms_key_arn.empty())
    body["encryptionConfig"] =
        json::array({{{"resources", {"secrets"}}, {"provider", {{"keyArn", r.kms_key_arn}}}}});
  if (!r.service_ipv4_cidr.empty())
    body["kubernetesNetworkConfig"] = {{"serviceIpv4Cidr", r.service_ipv4_cidr}};
  json access{
      {"bootstrapClusterCreatorAdminPermissions", r.bootstrap_cluster_creator_admin_permissions}};
  put_string(access, "authenticationMode", r.authentication_mode);
  body["accessConfig"] = access;
  put_tags(body, r.tags);
  put_token(body, r.client_request_token);
  return {"POST", "/clusters", std::move(body)};
}

Request describe_cluster(const std::string& name) {
  return {"GET", cluster_path(name), nullptr};
}

Request update_cluster_config(const UpdateClusterConfigRequest& r) {
  json body = json::object();
  if (r.endpoint) body["resourcesVpcConfig"] = endpoint_access_json(*r.endpoint);
  if (r.logging) body["logging"] = logging_json(*r.logging);
  put_token(body, r.client_request_token);
  return {"POST", cluster_path(r.name) + "/update-config", std::move(body)};
}

Request delete_cluster(const std::string& name) {
  return {"DELETE", cluster_path(name), nullptr};
}

Request list_clusters(const std::string& next_token, int max_results) {
  return {"GET", "/clusters" + paging(next_token, max_results), nullptr};
}

Request create_nodegroup(const CreateNodegroupRequest& r) {
  json body{{"nodegroupName", r.nodegroup_name},
            {"subnets", r.subnets},
            {"nodeRole", r.node_role},
            {"scalingConfig", scaling_json(r.scaling)}};
  if (!r.instance_types.empty()) body["instanceTypes"] = r.instance_types;
  put_string(body, "capacityType", r.capacity_type);
  put_string(body, "amiType", r.ami_type);
  if (r.disk_size) body["diskSize"] = *r.disk_size;
  put_string(body, "version", r.version);
  if (!r.labels.empty()) body["labels"] = r.labels;
  if (!r.taints.empty()) body["taints"] = taints_json(r.taints);
  put_tags(body, r.tags);
  put_token(body, r.client_request_token);
  return {"POST", cluster_path(r.cluster_name) + "/node-groups", std::move(body)};
}

Request describe_nodegroup(const std::string& cluster, const std::string& nodegroup) {
  return {"GET", cluster_path(cluster) + "/node-groups/" + segment(nodegroup), nullptr};
}

Request update_nodegroup_config(const UpdateNodegroupConfigRequest& r) {
  json body = json::object();
  if (r.scaling) body["scalingConfig"] = scaling_json(*r.scaling);
  if (!r.add_or_update_labels.empty() || !r.remove_labels.empty()) {
    json labels = json::object();
    if (!r.add_or_update_labels.empty()) labels["addOrUpdateLabels"] = r.add_or_update_labels;
    if (!r.remove_labels.empty()) labels["removeLabels"] = r.remove_labels;
    body["labels"] = labels;
  }
  if (!r.add_or_update_taints.empty() || !r.remove_taints.empty()) {
    json taints = json::object();
    if (!r.add_or_update_taints.empty())
      taints["addOrUpdateTaints"] = taints_json(r.add_or_update_taints);
    if (!r.remove_taints.empty()) taints["removeTaints"] = taints_json(r.remove_taints);
    body["taints"] = taints;
  }
  put_token(body, r.client_request_token);
  return {
      "POST",
      cluster_path(r.cluster_name) + "/node-groups/" + segment(r.nodegroup_name) + "/update-config",
      std::move(body)};
}

Request delete_nodegroup(const std::string& cluster, const std::string& nodegroup) {
  return {"DELETE", cluster_path(cluster) + "/node-groups/" + segment(nodegroup), nullptr};
}

Request list_nodegroups(const std::string& cluster, const std::string& next_token,
                        int max_results) {
  return {"GET", cluster_path(cluster) + "/node-groups" + paging(next_token, max_results), nullptr};
}

Request create_addon(const CreateAddonRequest& r) {
  json body{{"addonName", r.addon_name}};
  put_string(body, "addonVersion", r.addon_version);
  put_string(body, "serviceAccountRoleArn", r.service_account_role_arn);
  put_string(body, "resolveConflicts", r.resolve_conflicts);
  put_string(body, "configurationValues", r.configuration_values);
  if (!r.pod_identity_associations.empty()) {
    json a = json::array();
    for (const auto& p : r.pod_identity_associations)
      a.push_back({{"serviceAccount", p.service_account}, {"roleArn", p.role_arn}});
    body["podIdentityAssociations"] = a;
  }
  put_tags(body, r.tags);
  put_token(body, r.client_request_token);
  return {"POST", cluster_path(r.cluster_name) + "/addons", std::move(body)};
}

Request describe_addon(const std::string& cluster, const std::string& addon) {
  return {"GET", cluster_path(cluster) + "/addons/" + segment(addon), nullptr};
}

Request update_addon(const UpdateAddonRequest& r) {
  json body = json::object();
  put_string(body, "addonVersion", r.addon_version);
  put_string(body, "serviceAccountRoleArn", r.service_account_role_arn);
  put_string(body, "resolveConflicts", r.resolve_conflicts);
  put_string(body, "configurationValues", r.configuration_values);
  put_token(body, r.client_request_token);
  return {"POST", cluster_path(r.cluster_name) + "/addons/" + segment(r.addon_name) + "/update",
          std::move(body)};
}

Request delete_addon(const std::string& cluster, const std::string& addon, bool preserve) {
  return {"DELETE",
          cluster_path(cluster) + "/addons/" + segment(addon) +
              query_string({{"preserve", preserve ? "true" : ""}}),
          nullptr};
}

Request list_addons(const std::string& cluster, const std::string& next_token, int max_results) {
  return {"GET", cluster_path(cluster) + "/addons" + paging(next_token, max_results), nullptr};
}

Request create_access_entry(const CreateAccessEntryRequest& r) {
  json body{{"principalArn", r.principal_arn}};
  if (!r.kubernetes_groups.empty()) body["kubernetesGroups"] = r.kubernetes_groups;
  put_string(body, "username", r.username);
  put_string(body, "type", r.type);
  put_tags(body, r.tags);
  put_token(body, r.client_request_token);
  return {"POST", cluster_path(r.cluster_name) + "/access-entries", std::move(body)};
}

Request describe_access_entry(const std::string& cluster, const std::string& principal_arn) {
  return {"GET", cluster_path(cluster) + "/access-entries/" + segment(principal_arn), nullptr};
}

Request update_access_entry(const UpdateAccessEntryRequest& r) {
  json body{{"kubernetesGroups", r.kubernetes_groups}};
  put_token(body, r.client_request_token);
  return {"POST", cluster_path(r.cluster_name) + "/access-entries/" + segment(r.principal_arn),
          std::move(body)};
}

Request delete_access_entry(const std::string& cluster, const std::string& principal_arn) {
  return {"DELETE", cluster_path(cluster) + "/access-entries/" + segment(principal_arn), nullptr};
}

Request list_access_entries(const std::string& cluster, const std::string& next_token,
                            int max_results) {
  return {"GET", cluster_path(cluster) + "/access-entries" + paging(next_token, max_results),
          nullptr};
}

Request associate_access_policy(const std::string& cluster, const std::string& principal_arn,
                                const std::string& policy_arn, const AccessScope& scope) {
  json s{{"type", scope.type}};
  if (!scope.namespaces.empty()) s["namespaces"] = scope.namespaces;
  return {"POST",
          cluster_path(cluster) + "/access-entries/" + segment(principal_arn) + "/access-policies",
          json{{"policyArn", policy_arn}, {"accessScope", s}}};
}

Request disassociate_access_policy(const std::string& cluster, const std::string& principal_arn,
                                   const std::string& policy_arn) {
  return {"DELETE",
          cluster_path(cluster) + "/access-entries/" + segment(principal_arn) +
              "/access-policies/" + segment(policy_arn),
          nullptr};
}

Request list_associated_access_policies(const std::string& cluster,
                                        const std::string& principal_arn,
                                        const std::string& next_token, int max_results) {
  return {"GET",
          cluster_path(cluster) + "/access-entries/" + segment(principal_arn) + "/access-policies" +
              paging(next_token, max_results),
          nullptr};
}

Request create_pod_identity_association(const CreatePodIdentityAssociationRequest& r) {
  json body{
      {"namespace", r.namespace_}, {"serviceAccount", r.service_account}, {"roleArn", r.role_arn}};
  put_tags(body, r.tags);
  put_token(body, r.client_request_token);
  return {"POST", cluster_path(r.cluster_name) + "/pod-identity-associations", std::move(body)};
}

Request describe_pod_identity_association(const std::string& cluster, const std::string& id) {
  return {"GET", cluster_path(cluster) + "/pod-identity-associations/" + segment(id), nullptr};
}

Request delete_pod_identity_association(const std::string& cluster, const std::string& id) {
  return {"DELETE", cluster_path(cluster) + "/pod-identity-associations/" + segment(id), nullptr};
}

Request list_pod_identity_associations(const std::string& cluster, const std::string& namespace_,
                                       const std::string& service_account,
                                       const std::string& next_token, int max_results) {
  return {"GET",
          cluster_path(cluster) + "/pod-identity-associations" +
              query_string({{"namespace", namespace_},
                            {"serviceAccount", service_account},
                            {"maxResults", max_results > 0 ? std::to_string(max_results) : ""},
                            {"nextToken", next_token}}),
          nullptr};
}

Request tag_resource(const std::string& arn, const Tags& tags) {
  return {"POST", "/tags/" + segment(arn), json{{"tags", tags}}};
}

Request untag_resource(const std::string& arn, const std::vector<std::string>& keys) {
  std::vector<std::pair<std::string, std::string>> params;
  for (const auto& k : keys) params.emplace_back("tagKeys", k);
  return {"DELETE", "/tags/" + segment(arn) + query_string(params), nullptr};
}

Request list_tags_for_resource(const std::string& arn) {
  return {"GET", "/tags/" + segment(arn), nullptr};
}

Result<Cluster> parse_cluster(const nlohmann::json& answer, std::string_view operation) {
  return wrapped<Cluster>(answer, "cluster", operation, read_cluster);
}

Result<Update> parse_update(const nlohmann::json& answer, std::string_view operation) {
  return wrapped<Update>(answer, "update", operation, read_update);
}

Result<Nodegroup> parse_nodegroup(const nlohmann::json& answer, std::string_view operation) {
  return wrapped<Nodegroup>(answer, "nodegroup", operation, read_nodegroup);
}

Result<Addon> parse_addon(const nlohmann::json& answer, std::string_view operation) {
  return wrapped<Addon>(answer, "addon", operation, read_addon);
}

Result<AccessEntry> parse_access_entry(const nlohmann::json& answer, std::string_view operation) {
  return wrapped<AccessEntry>(answer, "accessEntry", operation, read_access_entry);
}

Result<AssociatedAccessPolicy> parse_associate_access_policy(const nlohmann::json& answer) {
  return wrapped<AssociatedAccessPolicy>(answer, "associatedAccessPolicy", "AssociateAccessPolicy",
                                         read_associated_policy);
}

Result<PodIdentityAssociation> parse_pod_identity_association(const nlohmann::json& answer,
                                                              std::string_view operation) {
  return wrapped<PodIdentityAssociation>(answer, "association", operation, read_association);
}

Result<std::vector<AssociatedAccessPolicy>> parse_associated_access_policies(
    const nlohmann::json& answer, std::string* next_token) {
  Reader r("ListAssociatedAccessPolicies");
  if (!answer.is_object())
    return std::unexpected(AwsError{"eks", "ListAssociatedAccessPolicies", 200, "MalformedResponse",
                                    "the answer is not an object", "", false});
  std::vector<AssociatedAccessPolicy> out;
  for (const auto& p : r.array(answer, "associatedAccessPolicies"))
    out.push_back(read_associated_policy(r, p));
  if (next_token) *next_token = r.string(answer, "nextToken");
  if (!r.ok()) return std::unexpected(r.error());
  return out;
}

Result<std::vector<PodIdentityAssociation>> parse_pod_identity_association_list(
    const nlohmann::json& answer, std::string* next_token) {
  Reader r("ListPodIdentityAssociations");
  if (!answer.is_object())
    return std::unexpected(AwsError{"eks", "ListPodIdentityAssociations", 200, "MalformedResponse",
                                    "the answer is not an object", "", false});
  std::vector<PodIdentityAssociation> out;
  for (const auto& a : r.array(answer, "associations")) out.push_back(read_association(r, a));
  if (next_token) *next_token = r.string(answer, "nextToken");
  if (!r.ok()) return std::unexpected(r.error());
  return out;
}

Result<ListPage> parse_name_list(const nlohmann::json& answer, std::string_view key,
                                 std::string_view operation) {
  Reader r(operation);
  if (!answer.is_object())
    return std::unexpected(AwsError{"eks", std::string(operation), 200, "MalformedResponse",
                                    "the answer is not an object", "", false});
  ListPage page;
  const std::string k(key);
  page.names = r.strings(answer, k.c_str());
  page.next_token = r.string(answer, "nextToken");
  if (!r.ok()) return std::unexpected(r.error());
  return page;
}

Result<Tags> parse_tags(const nlohmann::json& answer) {
  Reader r("ListTagsForResource");
  if (!answer.is_object())
    return std::unexpected(AwsError{"eks", "ListTagsForResource", 200, "MalformedResponse",
                                    "the answer is not an object", "", false});
  Tags tags = r.string_map(answer, "tags");
  if (!r.ok()) return std::unexpected(r.error());
  return tags;
}

}  // namespace eks

namespace {

Result<void> done(const Result<nlohmann::json>& answer) {
  if (!answer) return std::unexpected(answer.error());
  return {};
}

}  // namespace

Result<nlohmann::json> EksClient::call(std::string_view operation, const eks::Request& request) {
  return client_->rest_json(operation, request.method, request.path,
                            request.body.is_null() ? nullptr : &request.body);
}

Result<std::vector<std::string>> EksClient::names(
    std::string_view operation, std::string_view key,
    const std::function<eks::Request(const std::string&)>& at) {
  std::vector<std::string> out;
  auto walked = for_each_page([&](const std::string& token) -> Result<std::string> {
    auto answer = call(operation, at(token));
    if (!answer) return std::unexpected(answer.error());
    auto page = eks::parse_name_list(*answer, key, operation);
    if (!page) return std::unexpected(page.error());
    out.insert(out.end(), page->names.begin(), page->names.end());
    return page->next_token;
  });
  if (!walked) return std::unexpected(walked.error());
  return out;
}

Result<eks::Cluster> EksClient::create_cluster(const eks::CreateClusterRequest& request) {
  auto answer = call("CreateCluster", eks::create_cluster(request));
  if (!answer) return std::unexpected(answer.error());
  return eks::parse_cluster(*answer, "CreateCluster");
}

Result<eks::Cluster> EksClient::describe_cluster(const std::string& name) {
  auto answer = call("DescribeCluster", eks::describe_cluster(name));
  if (!answer) return std::unexpected(answer.error());
  return eks::parse_cluster(*answer, "DescribeCluster");
}

Result<eks::Update> EksClient::update_cluster_config(
    const eks::UpdateClusterConfigRequest& request) {
  auto answer = call("UpdateClusterConfig", eks::update_cluster_config(request));
  if (!answer) return std::unexpected(answer.error());
  return eks::parse_update(*answer, "UpdateClusterConfig");
}

Result<eks::Cluster> EksClient::delete_cluster(const std::string& name) {
  auto answer = call("DeleteCluster", eks::delete_cluster(name));
  if (!answer) return std::unexpected(answer.error());
  return eks::parse_cluster(*answer, "DeleteCluster");
}

Result<std::vector<std::string>> EksClient::list_clusters() {
  return names("ListClusters", "clusters",
               [](const std::string& token) { return eks::list_clusters(token); });
}

Result<eks::Nodegroup> EksClient::create_nodegroup(const eks::CreateNodegroupRequest& request) {
  auto answer = call("CreateNodegroup", eks::create_nodegroup(request));
  if (!answer) return std::unexpected(answer.error());
  return eks::parse_nodegroup(*answer, "CreateNodegroup");
}

Result<eks::Nodegroup> EksClient::describe_nodegroup(const std::string& cluster,
                                                     const std::string& nodegroup) {
  auto answer = call("DescribeNodegroup", eks::describe_nodegroup(cluster, nodegroup));
  if (!answer) return std::unexpected(answer.error());
  return eks::parse_nodegroup(*answer, "DescribeNodegroup");
}

Result<eks::Update> EksClient::update_nodegroup_config(
    const eks::UpdateNodegroupConfigRequest& request) {
  auto answer = call("UpdateNodegroupConfig", eks::update_nodegroup_config(request));
  if (!answer) return std::unexpected(answer.error());
  return eks::parse_update(*answer, "UpdateNodegroupConfig");
}

Result<eks::Nodegroup> EksClient::delete_nodegroup(const std::string& cluster,
                                                   const std::string& nodegroup) {
  auto answer = call("DeleteNodegroup", eks::delete_nodegroup(cluster, nodegroup));
  if (!answer) return std::unexpected(answer.error());
  return eks::parse_nodegroup(*answer, "DeleteNodegroup");
}

Result<std::vector<std::string>> EksClient::list_nodegroups(const std::string& cluster) {
  return names("ListNodegroups", "nodegroups", [&cluster](const std::string& token) {
    return eks::list_nodegroups(cluster, token);
  });
}

Result<eks::Addon> EksClient::create_addon(const eks::CreateAddonRequest& request) {
  auto answer = call("CreateAddon", eks::create_addon(request));
  if (!answer) return std::unexpected(answer.error());
  return eks::parse_addon(*answer, "CreateAddon");
}

Result<eks::Addon> EksClient::describe_addon(const std::string& cluster, const std::string& addon) {
  auto answer = call("DescribeAddon", eks::describe_addon(cluster, addon));
  if (!answer) return std::unexpected(answer.error());
  return eks::parse_addon(*answer, "DescribeAddon");
}

Result<eks::Update> EksClient::update_addon(const eks::UpdateAddonRequest& request) {
  auto answer = call("UpdateAddon", eks::update_addon(request));
  if (!answer) return std::unexpected(answer.error());
  return eks::parse_update(*answer, "UpdateAddon");
}

Result<eks::Addon> EksClient::delete_addon(const std::string& cluster, const std::string& addon,
                                           bool preserve) {
  auto answer = call("DeleteAddon", eks::delete_addon(cluster, addon, preserve));
  if (!answer) return std::unexpected(answer.error());
  return eks::parse_addon(*answer, "DeleteAddon");
}

Result<std::vector<std::string>> EksClient::list_addons(const std::string& cluster) {
  return names("ListAddons", "addons",
               [&cluster](const std::string& token) { return eks::list_addons(cluster, token); });
}

Result<eks::AccessEntry> EksClient::create_access_entry(
    const eks::CreateAccessEntryRequest& request) {
  auto answer = call("CreateAccessEntry", eks::create_access_entry(request));
  if (!answer) return std::unexpected(answer.error());
  return eks::parse_access_entry(*answer, "CreateAccessEntry");
}

Result<eks::AccessEntry> EksClient::describe_access_entry(const std::string& cluster,
                                                          const std::string& principal_arn) {
  auto answer = call("DescribeAccessEntry", eks::describe_access_entry(cluster, principal_arn));
  if (!answer) return std::unexpected(answer.error());
  return eks::parse_access_entry(*answer, "DescribeAccessEntry");
}

Result<eks::AccessEntry> EksClient::update_access_entry(
    const eks::UpdateAccessEntryRequest& request) {
  auto answer = call("UpdateAccessEntry", eks::update_access_entry(request));
  if (!answer) return std::unexpected(answer.error());
  return eks::parse_access_entry(*answer, "UpdateAccessEntry");
}

Result<void> EksClient::delete_access_entry(const std::string& cluster,
                                            const std::string& principal_arn) {
  return done(call("DeleteAccessEntry", eks::delete_access_entry(cluster, principal_arn)));
}

Result<std::vector<std::string>> EksClient::list_access_entries(const std::string& cluster) {
  return names("ListAccessEntries", "accessEntries", [&cluster](const std::string& token) {
    return eks::list_access_entries(cluster, token);
  });
}

Result<eks::AssociatedAccessPolicy> EksClient::associate_access_policy(
    const std::string& cluster, const std::string& principal_arn, const std::string& policy_arn,
    const eks::AccessScope& scope) {
  auto answer = call("AssociateAccessPolicy",
                     eks::associate_access_policy(cluster, principal_arn, policy_arn, scope));
  if (!answer) return std::unexpected(answer.error());
  return eks::parse_associate_access_policy(*answer);
}

Result<void> EksClient::disassociate_access_policy(const std::string& cluster,
                                                   const std::string& principal_arn,
                                                   const std::string& policy_arn) {
  return done(call("DisassociateAccessPolicy",
                   eks::disassociate_access_policy(cluster, principal_arn, policy_arn)));
}

Result<std::vector<eks::AssociatedAccessPolicy>> EksClient::list_associated_access_policies(
    const std::string& cluster, const std::string& principal_arn) {
  std::vector<eks::AssociatedAccessPolicy> out;
  auto walked = for_each_page([&](const std::string& token) -> Result<std::string> {
    auto answer = call("ListAssociatedAccessPolicies",
                       eks::list_associated_access_policies(cluster, principal_arn, token));
    if (!answer) return std::unexpected(answer.error());
    std::string next;
    auto page = eks::parse_associated_access_policies(*answer, &next);
    if (!page) return std::unexpected(page.error());
    out.insert(out.end(), page->begin(), page->end());
    return next;
  });
  if (!walked) return std::unexpected(walked.error());
  return out;
}

Result<eks::PodIdentityAssociation> EksClient::create_pod_identity_association(
    const eks::CreatePodIdentityAssociationRequest& request) {
  auto answer = call("CreatePodIdentityAssociation", eks::create_pod_identity_association(request));
  if (!answer) return std::unexpected(answer.error());
  return eks::parse_pod_identity_association(*answer, "CreatePodIdentityAssociation");
}

Result<eks::PodIdentityAssociation> EksClient::describe_pod_identity_association(
    const std::string& cluster, const std::string& id) {
  auto answer =
      call("DescribePodIdentityAssociation", eks::describe_pod_identity_association(cluster, id));
  if (!answer) return std::unexpected(answer.error());
  return eks::parse_pod_identity_association(*answer, "DescribePodIdentityAssociation");
}

Result<eks::PodIdentityAssociation> EksClient::delete_pod_identity_association(
    const std::string& cluster, const std::string& id) {
  auto answer =
      call("DeletePodIdentityAssociation", eks::delete_pod_identity_association(cluster, id));
  if (!answer) return std::unexpected(answer.error());
  return eks::parse_pod_identity_association(*answer, "DeletePodIdentityAssociation");
}

Result<std::vector<eks::PodIdentityAssociation>> EksClient::list_pod_identity_associations(
    const std::string& cluster, const std::string& namespace_, const std::string& service_account) {
  std::vector<eks::PodIdentityAssociation> out;
  auto walked = for_each_page([&](const std::string& token) -> Result<std::string> {
    auto answer =
        call("ListPodIdentityAssociations",
             eks::list_pod_identity_associations(cluster, namespace_, service_account, token));
    if (!answer) return std::unexpected(answer.error());
    std::string next;
    auto page = eks::parse_pod_identity_association_list(*answer, &next);
    if (!page) return std::unexpected(page.error());
    out.insert(out.end(), page->begin(), page->end());
    return next;
  });
  if (!walked) return std::unexpected(walked.error());
  return out;
}

Result<void> EksClient::tag_resource(const std::string& arn, const eks::Tags& tags) {
  return done(call("TagResource", eks::tag_resource(arn, tags)));
}

Result<void> EksClient::untag_resource(const std::string& arn,
                                       const std::vector<std::string>& keys) {
  return done(call("UntagResource", eks::untag_resource(arn, keys)));
}

Result<eks::Tags> EksClient::list_tags_for_resource(const std::string& arn) {
  auto answer = call("ListTagsForResource", eks::list_tags_for_resource(arn));
  if (!answer) return std::unexpected(answer.error());
  return eks::parse_tags(*answer);
}

}  // namespace aura::aws
