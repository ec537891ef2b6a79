#pragma once

#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "operator/aws/client.h"

namespace aura::aws {

// EKS's types, pure request builders and response parsers. A builder turns a typed request into
// the method, the percent-encoded path and the JSON body; a parser turns an answer into a typed
// value or a MalformedResponse error. Neither touches the network.
namespace eks {

using Tags = std::map<std::string, std::string>;

// Statuses are kept as EKS spells them (ClusterStatus, NodegroupStatus, AddonStatus): AWS adds
// values over time, and a reconciler compares against the few it acts on.
inline constexpr std::string_view kActive = "ACTIVE";
inline constexpr std::string_view kCreating = "CREATING";
inline constexpr std::string_view kDeleting = "DELETING";
inline constexpr std::string_view kUpdating = "UPDATING";
inline constexpr std::string_view kFailed = "FAILED";
inline constexpr std::string_view kCreateFailed = "CREATE_FAILED";
inline constexpr std::string_view kDeleteFailed = "DELETE_FAILED";
inline constexpr std::string_view kDegraded = "DEGRADED";

// The control plane's log types (LogType).
inline const std::vector<std::string> kAllLogTypes = {"api", "audit", "authenticator",
                                                      "controllerManager", "scheduler"};

struct EndpointAccess {
  std::optional<bool> public_access;
  std::optional<bool> private_access;
  std::vector<std::string> public_access_cidrs;  // empty: leave as is (AWS default 0.0.0.0/0)
};

struct VpcConfig {
  std::vector<std::string> subnet_ids;
  std::vector<std::string> security_group_ids;
  EndpointAccess endpoint;
};

// Control plane logging. Types in neither list are left as they are.
struct Logging {
  std::vector<std::string> enabled;
  std::vector<std::string> disabled;
};

struct CreateClusterRequest {
  std::string name;
  std::string version;  // "1.31"; empty: EKS's default
  std::string role_arn;
  VpcConfig vpc;
  std::optional<Logging> logging;
  std::string kms_key_arn;        // envelope encryption of Secrets when set
  std::string service_ipv4_cidr;  // kubernetesNetworkConfig; empty: EKS's default
  std::string authentication_mode = "API_AND_CONFIG_MAP";
  bool bootstrap_cluster_creator_admin_permissions = true;
  Tags tags;
  std::string client_request_token;
};

struct Issue {
  std::string code;
  std::string message;
  std::vector<std::string> resource_ids;
};

struct Cluster {
  std::string name;
  std::string arn;
  std::string id;
  std::string status;
  std::string version;
  std::string platform_version;
  std::string endpoint;
  std::string certificate_authority_data;  // base64 PEM
  std::string oidc_issuer;                 // https://oidc.eks.<region>.amazonaws.com/id/<id>
  std::string role_arn;
  std::string vpc_id;
  std::string cluster_security_group_id;
  VpcConfig vpc;
  Logging logging;
  std::string kms_key_arn;
  std::string authentication_mode;
  std::string service_ipv4_cidr;
  std::string client_request_token;
  std::optional<std::chrono::system_clock::time_point> created_at;
  std::vector<Issue> health_issues;
  Tags tags;
};

struct UpdateClusterConfigRequest {
  std::string name;
  std::optional<EndpointAccess> endpoint;
  std::optional<Logging> logging;
  std::string client_request_token;
};

// An asynchronous change (UpdateClusterConfig, UpdateNodegroupConfig): poll it, or the
// resource, until it is no longer InProgress.
struct Update {
  std::string id;
  std::string status;  // InProgress, Failed, Cancelled, Successful
  std::string type;
  std::vector<std::string> errors;  // "code: message"
};

struct ScalingConfig {
  int min_size = 0;
  int max_size = 1;
  int desired_size = 0;
  bool operator==(const ScalingConfig&) const = default;
};

struct Taint {
  std::string key;
  std::string value;
  std::string effect;  // NO_SCHEDULE, NO_EXECUTE, PREFER_NO_SCHEDULE
  bool operator==(const Taint&) const = default;
};

struct CreateNodegroupRequest {
  std::string cluster_name;
  std::string nodegroup_name;
  std::vector<std::string> subnets;
  std::string node_role;  // ARN
  ScalingConfig scaling;
  std::vector<std::string> instance_types;
  std::string capacity_type;  // ON_DEMAND, SPOT; empty: EKS's default
  std::string ami_type;       // AL2023_x86_64_STANDARD, ...; empty: EKS's default
  std::optional<int> disk_size;
  std::string version;  // empty: the cluster's
  std::map<std::string, std::string> labels;
  std::vector<Taint> taints;
  Tags tags;
  std::string client_request_token;
};

struct Nodegroup {
  std::string name;
  std::string arn;
  std::string cluster_name;
  std::string status;
  std::string version;
  std::string release_version;
  std::string capacity_type;
  std::string ami_type;
  std::string node_role;
  ScalingConfig scaling;
  std::vector<std::string> instance_types;
  std::vector<std::string> subnets;
  std::optional<int> disk_size;
  std::map<std::string, std::string> labels;
  std::vector<Taint> taints;
  std::vector<std::string> autoscaling_groups;
  std::vector<Issue> health_issues;
  std::optional<std::chrono::system_clock::time_point> created_at;
  Tags tags;
};

struct UpdateNodegroupConfigRequest {
  std::string cluster_name;
  std::string nodegroup_name;
  std::optional<ScalingConfig> scaling;
  std::map<std::string, std::string> add_or_update_labels;
  std::vector<std::string> remove_labels;
  std::vector<Taint> add_or_update_taints;
  std::vector<Taint> remove_taints;
  std::string client_request_token;
};

struct AddonPodIdentity {
  std::string service_account;
  std::string role_arn;
};

struct CreateAddonRequest {
  std::string cluster_name;
  std::string addon_name;     // vpc-cni, coredns, kube-proxy, aws-ebs-csi-driver, ...
  std::string addon_version;  // empty: EKS's default for the cluster version
  std::string service_account_role_arn;
  std::string resolve_conflicts;     // OVERWRITE, NONE, PRESERVE
  std::string configuration_values;  // JSON or YAML
  std::vector<AddonPodIdentity> pod_identity_associations;
  Tags tags;
  std::string client_request_token;
};

// UpdateAddon: empty fields are left as they are.
struct UpdateAddonRequest {
  std::string cluster_name;
  std::string addon_name;
  std::string addon_version;
  std::string service_account_role_arn;
  std::string resolve_conflicts;
  std::string configuration_values;
  std::string client_request_token;
};

struct Addon {
  std::string name;
  std::string cluster_name;
  std::string arn;
  std::string status;
  std::string version;
  std::string service_account_role_arn;
  std::string configuration_values;
  std::vector<Issue> health_issues;
  Tags tags;
};

struct CreateAccessEntryRequest {
  std::string cluster_name;
  std::string principal_arn;
  std::vector<std::string> kubernetes_groups;
  std::string username;
  std::string type;  // STANDARD (default), EC2_LINUX, EC2_WINDOWS, FARGATE_LINUX, ...
  Tags tags;
  std::string client_request_token;
};

// UpdateAccessEntry: the groups replace the entry's (an empty list clears them).
struct UpdateAccessEntryRequest {
  std::string cluster_name;
  std::string principal_arn;
  std::vector<std::string> kubernetes_groups;
  std::string client_request_token;
};

struct AccessEntry {
  std::string cluster_name;
  std::string principal_arn;
  std::string arn;
  std::vector<std::string> kubernetes_groups;
  std::string username;
  std::string type;
  Tags tags;
};

struct AccessScope {
  std::string type = "cluster";  // cluster or namespace
  std::vector<std::string> namespaces;
  bool operator==(const AccessScope&) const = default;
};

struct AssociatedAccessPolicy {
  std::string policy_arn;  // arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy
  AccessScope scope;
};

struct CreatePodIdentityAssociationRequest {
  std::string cluster_name;
  std::string namespace_;
  std::string service_account;
  std::string role_arn;
  Tags tags;
  std::string client_request_token;
};

// Describe answers every field; List answers the summary (no role_arn, no tags).
struct PodIdentityAssociation {
  std::string id;
  std::string arn;
  std::string cluster_name;
  std::string namespace_;
  std::string service_account;
  std::string role_arn;
  std::string owner_arn;  // the add-on that owns it, if any
  Tags tags;
};

struct ListPage {
  std::vector<std::string> names;
  std::string next_token;
};

// One request as it goes on the wire.
struct Request {
  std::string method;
  std::string path;     // percent-encoded, with its query string
  nlohmann::json body;  // null: no body
};

// A path segment: sigv4::uri_encode with '/' encoded too ("arn:aws:iam::1:role/x" ->
// "arn%3Aaws%3Aiam%3A%3A1%3Arole%2Fx").
std::string segment(std::string_view s);

// --- Request builders ---

nlohmann::json vpc_config_json(const VpcConfig& vpc);
nlohmann::json endpoint_access_json(const EndpointAccess& access);
nlohmann::json logging_json(const Logging& logging);

Request create_cluster(const CreateClusterRequest& r);
Request describe_cluster(const std::string& name);
Request update_cluster_config(const UpdateClusterConfigRequest& r);
Request delete_cluster(const std::string& name);
Request list_clusters(const std::string& next_token, int max_results = 0);

Request create_nodegroup(const CreateNodegroupRequest& r);
Request describe_nodegroup(const std::string& cluster, const std::string& nodegroup);
Request update_nodegroup_config(const UpdateNodegroupConfigRequest& r);
Request delete_nodegroup(const std::string& cluster, const std::string& nodegroup);
Request list_nodegroups(const std::string& cluster, const std::string& next_token,
                        int max_results = 0);

Request create_addon(const CreateAddonRequest& r);
Request describe_addon(const std::string& cluster, const std::string& addon);
Request update_addon(const UpdateAddonRequest& r);
Request delete_addon(const std::string& cluster, const std::string& addon, bool preserve);
Request list_addons(const std::string& cluster, const std::string& next_token, int max_results = 0);

Request create_access_entry(const CreateAccessEntryRequest& r);
Request describe_access_entry(const std::string& cluster, const std::string& principal_arn);
Request update_access_entry(const UpdateAccessEntryRequest& r);
Request delete_access_entry(const std::string& cluster, const std::string& principal_arn);
Request list_access_entries(const std::string& cluster, const std::string& next_token,
                            int max_results = 0);
Request associate_access_policy(const std::string& cluster, const std::string& principal_arn,
                                const std::string& policy_arn, const AccessScope& scope);
Request disassociate_access_policy(const std::string& cluster, const std::string& principal_arn,
                                   const std::string& policy_arn);
Request list_associated_access_policies(const std::string& cluster,
                                        const std::string& principal_arn,
                                        const std::string& next_token, int max_results = 0);

Request create_pod_identity_association(const CreatePodIdentityAssociationRequest& r);
Request describe_pod_identity_association(const std::string& cluster, const std::string& id);
Request delete_pod_identity_association(const std::string& cluster, const std::string& id);
// Filters are optional (empty: all).
Request list_pod_identity_associations(const std::string& cluster, const std::string& namespace_,
                                       const std::string& service_account,
                                       const std::string& next_token, int max_results = 0);

Request tag_resource(const std::string& arn, const Tags& tags);
Request untag_resource(const std::string& arn, const std::vector<std::string>& keys);
Request list_tags_for_resource(const std::string& arn);

// --- Response parsers (the whole answer; errors name `operation`) ---

Result<Cluster> parse_cluster(const nlohmann::json& answer, std::string_view operation);
Result<Update> parse_update(const nlohmann::json& answer, std::string_view operation);
Result<Nodegroup> parse_nodegroup(const nlohmann::json& answer, std::string_view operation);
Result<Addon> parse_addon(const nlohmann::json& answer, std::string_view operation);
Result<AccessEntry> parse_access_entry(const nlohmann::json& answer, std::string_view operation);
Result<AssociatedAccessPolicy> parse_associate_access_policy(const nlohmann::json& answer);
Result<std::vector<AssociatedAccessPolicy>> parse_associated_access_policies(
    const nlohmann::json& answer, std::string* next_token);
Result<PodIdentityAssociation> parse_pod_identity_association(const nlohmann::json& answer,
                                                              std::string_view operation);
Result<std::vector<PodIdentityAssociation>> parse_pod_identity_association_list(
    const nlohmann::json& answer, std::string* next_token);
// A list of names under `key` ("clusters", "nodegroups", "addons", "accessEntries") and the
// nextToken (absent or null on the last page).
Result<ListPage> parse_name_list(const nlohmann::json& answer, std::string_view key,
                                 std::string_view operation);
Result<Tags> parse_tags(const nlohmann::json& answer);

}  // namespace eks

// EKS (rest-json, 2017-11-01). Every path segment is percent-encoded (cluster names, principal
// ARNs, policy ARNs, resource ARNs). Creates take a clientRequestToken: send one derived from the
// object's UID and step, so that a retried create is answered, not duplicated. Not-found is
// ResourceNotFoundException (AwsError::is_not_found); a name in use ResourceInUseException.
// Listings follow nextToken to the end.
class EksClient {
 public:
  explicit EksClient(AwsClientPtr client) : client_(std::move(client)) {}
  const AwsClientPtr& client() const { return client_; }

  // Clusters
  Result<eks::Cluster> create_cluster(const eks::CreateClusterRequest& request);
  Result<eks::Cluster> describe_cluster(const std::string& name);
  Result<eks::Update> update_cluster_config(const eks::UpdateClusterConfigRequest& request);
  Result<eks::Cluster> delete_cluster(const std::string& name);
  Result<std::vector<std::string>> list_clusters();

  // Managed node groups
  Result<eks::Nodegroup> create_nodegroup(const eks::CreateNodegroupRequest& request);
  Result<eks::Nodegroup> describe_nodegroup(const std::string& cluster,
                                            const std::string& nodegroup);
  Result<eks::Update> update_nodegroup_config(const eks::UpdateNodegroupConfigRequest& request);
  Result<eks::Nodegroup> delete_nodegroup(const std::string& cluster, const std::string& nodegroup);
  Result<std::vector<std::string>> list_nodegroups(const std::string& cluster);

  // Add-ons
  Result<eks::Addon> create_addon(const eks::CreateAddonRequest& request);
  Result<eks::Addon> describe_addon(const std::string& cluster, const std::string& addon);
  Result<eks::Update> update_addon(const eks::UpdateAddonRequest& request);
  Result<eks::Addon> delete_addon(const std::string& cluster, const std::string& addon,
                                  bool preserve = false);
  Result<std::vector<std::string>> list_addons(const std::string& cluster);

  // Access entries and their access policies
  Result<eks::AccessEntry> create_access_entry(const eks::CreateAccessEntryRequest& request);
  Result<eks::AccessEntry> describe_access_entry(const std::string& cluster,
                                                 const std::string& principal_arn);
  Result<eks::AccessEntry> update_access_entry(const eks::UpdateAccessEntryRequest& request);
  Result<void> delete_access_entry(const std::string& cluster, const std::string& principal_arn);
  Result<std::vector<std::string>> list_access_entries(const std::string& cluster);
  Result<eks::AssociatedAccessPolicy> associate_access_policy(const std::string& cluster,
                                                              const std::string& principal_arn,
                                                              const std::string& policy_arn,
                                                              const eks::AccessScope& scope);
  Result<void> disassociate_access_policy(const std::string& cluster,
                                          const std::string& principal_arn,
                                          const std::string& policy_arn);
  Result<std::vector<eks::AssociatedAccessPolicy>> list_associated_access_policies(
      const std::string& cluster, const std::string& principal_arn);

  // Pod identity associations
  Result<eks::PodIdentityAssociation> create_pod_identity_association(
      const eks::CreatePodIdentityAssociationRequest& request);
  Result<eks::PodIdentityAssociation> describe_pod_identity_association(const std::string& cluster,
                                                                        const std::string& id);
  Result<eks::PodIdentityAssociation> delete_pod_identity_association(const std::string& cluster,
                                                                      const std::string& id);
  Result<std::vector<eks::PodIdentityAssociation>> list_pod_identity_associations(
      const std::string& cluster, const std::string& namespace_ = "",
      const std::string& service_account = "");

  // Tags (clusters, node groups, add-ons, access entries, pod identity associations)
  Result<void> tag_resource(const std::string& arn, const eks::Tags& tags);
  Result<void> untag_resource(const std::string& arn, const std::vector<std::string>& keys);
  Result<eks::Tags> list_tags_for_resource(const std::string& arn);

 private:
  Result<nlohmann::json> call(std::string_view operation, const eks::Request& request);
  Result<std::vector<std::string>> names(std::string_view operation, std::string_view key,
                                         const std::function<eks::Request(const std::string&)>& at);

  AwsClientPtr client_;
};

}  // namespace aura::aws
