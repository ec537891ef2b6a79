#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <pugixml.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "operator/aws/client.h"

namespace aura::aws {

// IAM's types, pure request builders and response parsers. The builders and parsers touch no
// network, so that tests check every parameter name and every answer shape on their own.
namespace iam {

inline constexpr std::string_view kVersion = "2010-05-08";

// IAM's limits (service-2.json: roleNameType, instanceProfileNameType, pathType).
inline constexpr size_t kMaxRoleName = 64;
inline constexpr size_t kMaxInstanceProfileName = 128;
inline constexpr size_t kMaxPolicyName = 128;
inline constexpr size_t kMaxPath = 512;
// Every role and instance profile Aura creates lives under this path, so that an inventory can
// list them with ListRoles PathPrefix.
inline constexpr std::string_view kAuraPath = "/aura/";

// Tag keys are unique in IAM (case-insensitively), so a map represents them exactly.
using Tags = std::map<std::string, std::string>;

struct Role {
  std::string name;
  std::string id;
  std::string arn;
  std::string path;
  std::string description;
  // The trust policy, decoded (IAM answers it URL-encoded).
  std::string assume_role_policy_document;
  int max_session_duration = 0;  // seconds; 0 when IAM did not say
  std::optional<std::chrono::system_clock::time_point> created_at;
  Tags tags;  // GetRole returns them; ListRoles does not
};

struct CreateRoleRequest {
  std::string name;
  std::string assume_role_policy_document;  // JSON
  std::string path = std::string(kAuraPath);
  std::string description;
  std::optional<int> max_session_duration;  // seconds, 3600 to 43200
  Tags tags;
};

struct AttachedPolicy {
  std::string name;
  std::string arn;
};

struct InstanceProfile {
  std::string name;
  std::string id;
  std::string arn;
  std::string path;
  std::optional<std::chrono::system_clock::time_point> created_at;
  std::vector<Role> roles;  // at most one
  Tags tags;
};

struct CreateInstanceProfileRequest {
  std::string name;
  std::string path = std::string(kAuraPath);
  Tags tags;
};

struct OidcProvider {
  std::string arn;
  std::string url;  // as IAM keeps it: host and path, no scheme
  std::vector<std::string> client_ids;
  std::vector<std::string> thumbprints;  // filled by IAM itself
  std::optional<std::chrono::system_clock::time_point> created_at;
  Tags tags;
};

// No ThumbprintList: IAM retrieves and keeps the thumbprint of the issuer's certificate itself.
struct CreateOidcProviderRequest {
  std::string url;  // https://oidc.eks.<region>.amazonaws.com/id/<id>
  std::vector<std::string> client_ids = {"sts.amazonaws.com"};
  Tags tags;
};

// One page of a Marker/IsTruncated listing; `marker` is empty on the last page.
template <typename T>
struct Page {
  std::vector<T> items;
  std::string marker;
};

// --- Names ---

// A deterministic IAM name: "aura-" + cluster + "-" + suffix, within `max_len`. Characters
// IAM refuses (anything but letters, digits and +=,.@_-) become '-'. When the plain name is too
// long or had to be changed, the cluster part is cut and "-" + 8 hex digits of a SHA-256 of
// the untouched "cluster/suffix" are inserted before the suffix, so distinct inputs stay
// distinct and the same input always yields the same name. The suffix is kept whole unless it
// alone would not fit.
std::string bounded_name(std::string_view cluster, std::string_view suffix, size_t max_len);
inline std::string role_name(std::string_view cluster, std::string_view suffix) {
  return bounded_name(cluster, suffix, kMaxRoleName);
}
inline std::string instance_profile_name(std::string_view cluster, std::string_view suffix) {
  return bounded_name(cluster, suffix, kMaxInstanceProfileName);
}
// A name IAM accepts for a role (1 to 64 of [\w+=,.@-]).
bool valid_role_name(std::string_view name);
bool valid_instance_profile_name(std::string_view name);
// "/" or "/.../" of printable ASCII, at most 512 characters.
bool valid_path(std::string_view path);

// Decodes a URL-encoded policy document (RFC 3986 percent escapes; '+' stays '+'). A document
// that already reads as JSON (it starts with '{') is returned as is. nullopt on a malformed
// escape.
std::optional<std::string> decode_policy_document(std::string_view encoded);

// --- Request builders (query parameters after Action and Version) ---

// Tags.member.N.Key / Tags.member.N.Value.
void add_tags(QueryParams& params, const Tags& tags);
// The tag calls of every taggable kind share one shape: the resource named by `id_param`
// (RoleName, InstanceProfileName, OpenIDConnectProviderArn), then Tags.member.N.Key/Value
// (Tag*) or TagKeys.member.N (Untag*, which removes the keys whatever their values).
QueryParams tag_params(std::string_view id_param, const std::string& id, const Tags& tags);
QueryParams untag_params(std::string_view id_param, const std::string& id,
                         const std::vector<std::string>& keys);
QueryParams create_role_params(const CreateRoleRequest& request);
QueryParams create_instance_profile_params(const CreateInstanceProfileRequest& request);
QueryParams create_oidc_provider_params(const CreateOidcProviderRequest& request);
// Adds Marker (when not empty) and MaxItems (when > 0).
void add_paging(QueryParams& params, const std::string& marker, int max_items);

// --- Response parsers (the whole answer document; errors name `operation`) ---

Result<Role> parse_role_response(const pugi::xml_node& doc, std::string_view operation);
Result<Page<Role>> parse_list_roles(const pugi::xml_node& doc);
Result<Page<AttachedPolicy>> parse_list_attached_role_policies(const pugi::xml_node& doc);
Result<Page<std::string>> parse_list_role_policies(const pugi::xml_node& doc);
Result<Page<std::pair<std::string, std::string>>> parse_list_role_tags(const pugi::xml_node& doc);
// GetRolePolicy: the decoded document.
Result<std::string> parse_get_role_policy(const pugi::xml_node& doc);
Result<InstanceProfile> parse_instance_profile_response(const pugi::xml_node& doc,
                                                        std::string_view operation);
Result<Page<InstanceProfile>> parse_list_instance_profiles_for_role(const pugi::xml_node& doc);
// CreateOpenIDConnectProvider: the new provider's ARN.
Result<std::string> parse_create_oidc_provider(const pugi::xml_node& doc);
// GetOpenIDConnectProvider: `arn` is what was asked for (the answer does not repeat it).
Result<OidcProvider> parse_get_oidc_provider(const pugi::xml_node& doc, const std::string& arn);
Result<std::vector<std::string>> parse_list_oidc_providers(const pugi::xml_node& doc);

}  // namespace iam

// IAM (query protocol, 2010-05-08). A global service: the client must have been built for
// services::kIam, which resolves the partition's endpoint and signs in its home region. Listings
// follow Marker/IsTruncated to the end. Not-found and already-exists come back as AwsError
// values (NoSuchEntity, EntityAlreadyExists): see AwsError::is_not_found/is_already_exists.
class IamClient {
 public:
  explicit IamClient(AwsClientPtr client) : client_(std::move(client)) {}

  // Roles
  Result<iam::Role> create_role(const iam::CreateRoleRequest& request);
  Result<iam::Role> get_role(const std::string& name);
  Result<void> delete_role(const std::string& name);
  // All roles under `path_prefix` (e.g. kAuraPath), `page_size` per request (0: IAM's 100).
  Result<std::vector<iam::Role>> list_roles(const std::string& path_prefix = "", int page_size = 0);
  Result<void> tag_role(const std::string& name, const iam::Tags& tags);
  Result<void> untag_role(const std::string& name, const std::vector<std::string>& keys);
  Result<iam::Tags> list_role_tags(const std::string& name);

  // Managed policies attached to a role
  Result<void> attach_role_policy(const std::string& role, const std::string& policy_arn);
  Result<void> detach_role_policy(const std::string& role, const std::string& policy_arn);
  Result<std::vector<iam::AttachedPolicy>> list_attached_role_policies(const std::string& role);

  // Inline policies
  Result<void> put_role_policy(const std::string& role, const std::string& policy_name,
                               const std::string& document);
  Result<std::string> get_role_policy(const std::string& role, const std::string& policy_name);
  Result<void> delete_role_policy(const std::string& role, const std::string& policy_name);
  Result<std::vector<std::string>> list_role_policies(const std::string& role);

  // Instance profiles
  Result<iam::InstanceProfile> create_instance_profile(
      const iam::CreateInstanceProfileRequest& request);
  Result<iam::InstanceProfile> get_instance_profile(const std::string& name);
  Result<void> add_role_to_instance_profile(const std::string& profile, const std::string& role);
  Result<void> remove_role_from_instance_profile(const std::string& profile,
                                                 const std::string& role);
  Result<void> delete_instance_profile(const std::string& name);
  Result<std::vector<iam::InstanceProfile>> list_instance_profiles_for_role(
      const std::string& role);
  Result<void> tag_instance_profile(const std::string& name, const iam::Tags& tags);
  Result<void> untag_instance_profile(const std::string& name,
                                      const std::vector<std::string>& keys);

  // OpenID Connect providers (IRSA)
  Result<std::string> create_open_id_connect_provider(const iam::CreateOidcProviderRequest& r);
  Result<iam::OidcProvider> get_open_id_connect_provider(const std::string& arn);
  Result<void> delete_open_id_connect_provider(const std::string& arn);
  Result<std::vector<std::string>> list_open_id_connect_providers();
  Result<void> tag_open_id_connect_provider(const std::string& arn, const iam::Tags& tags);
  Result<void> untag_open_id_connect_provider(const std::string& arn,
                                              const std::vector<std::string>& keys);

 private:
  Result<XmlDocument> call(std::string_view operation, const QueryParams& params);

  AwsClientPtr client_;
};

}  // namespace aura::aws
