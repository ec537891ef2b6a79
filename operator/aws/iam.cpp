#include "operator/aws/iam.h"

#include <charconv>
#include <cstring>

#include "operator/aws/crypto.h"
#include "operator/aws/paginate.h"
#include "operator/common/clock.h"

namespace aura::aws {

namespace iam {

namespace {

// --- XML helpers: direct children only, so that a nested Role's Path is never taken for its
// instance profile's, and namespace prefixes ignored.

bool named(const pugi::xml_node& n, std::string_view name) {
  const char* full = n.name();
  const char* colon = std::strchr(full, ':');
  return std::string_view(colon ? colon + 1 : full) == name;
}

pugi::xml_node child(const pugi::xml_node& n, std::string_view name) {
  for (auto c = n.first_child(); c; c = c.next_sibling())
    if (c.type() == pugi::node_element && named(c, name)) return c;
  return {};
}

std::string child_text(const pugi::xml_node& n, std::string_view name) {
  return child(n, name).child_value();
}

pugi::xml_node descendant(const pugi::xml_node& n, std::string_view name) {
  return n.find_node(
      [name](const pugi::xml_node& c) { return c.type() == pugi::node_element && named(c, name); });
}

template <typename F>
void for_each_member(const pugi::xml_node& list, F&& f) {
  for (auto c = list.first_child(); c; c = c.next_sibling())
    if (c.type() == pugi::node_element && named(c, "member")) f(c);
}

AwsError malformed(std::string_view operation, const pugi::xml_node& doc, std::string message) {
  return AwsError{"iam",
                  std::string(operation),
                  200,
                  "MalformedResponse",
                  std::move(message),
                  xml_text(doc, "RequestId"),
                  false};
}

// The <Operation>Result element of a query-protocol answer.
Result<pugi::xml_node> result_of(const pugi::xml_node& doc, std::string_view operation) {
  auto r = descendant(doc, std::string(operation) + "Result");
  if (!r) return std::unexpected(malformed(operation, doc, "the answer has no result element"));
  return r;
}

Tags parse_tags(const pugi::xml_node& list) {
  Tags tags;
  for_each_member(
      list, [&](const pugi::xml_node& m) { tags[child_text(m, "Key")] = child_text(m, "Value"); });
  return tags;
}

std::optional<std::chrono::system_clock::time_point> parse_date(const pugi::xml_node& n) {
  return parse_rfc3339(n.child_value());
}

// The Marker of a Marker/IsTruncated page; a truncated page without a marker is malformed
// (following it would silently drop the rest of the listing).
Result<std::string> next_marker(const pugi::xml_node& result, const pugi::xml_node& doc,
                                std::string_view operation) {
  if (child_text(result, "IsTruncated") != "true") return std::string();
  std::string marker = child_text(result, "Marker");
  if (marker.empty())
    return std::unexpected(malformed(operation, doc, "a truncated page carries no Marker"));
  return marker;
}

Result<Role> parse_role(const pugi::xml_node& n, const pugi::xml_node& doc,
                        std::string_view operation) {
  Role r;
  r.name = child_text(n, "RoleName");
  r.arn = child_text(n, "Arn");
  if (r.name.empty() || r.arn.empty())
    return std::unexpected(malformed(operation, doc, "a role without RoleName or Arn"));
  r.id = child_text(n, "RoleId");
  r.path = child_text(n, "Path");
  r.description = child_text(n, "Description");
  auto policy = decode_policy_document(child_text(n, "AssumeRolePolicyDocument"));
  if (!policy)
    return std::unexpected(
        malformed(operation, doc, "the role's AssumeRolePolicyDocument is badly URL-encoded"));
  r.assume_role_policy_document = std::move(*policy);
  if (auto d = child(n, "MaxSessionDuration")) {
    const std::string_view s = d.child_value();
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), r.max_session_duration);
    if (ec != std::errc() || ptr != s.data() + s.size())
      return std::unexpected(malformed(operation, doc, "MaxSessionDuration is not a number"));
  }
  r.created_at = parse_date(child(n, "CreateDate"));
  r.tags = parse_tags(child(n, "Tags"));
  return r;
}

Result<InstanceProfile> parse_profile(const pugi::xml_node& n, const pugi::xml_node& doc,
                                      std::string_view operation) {
  InstanceProfile p;
  p.name = child_text(n, "InstanceProfileName");
  p.arn = child_text(n, "Arn");
  if (p.name.empty() || p.arn.empty())
    return std::unexpected(
        malformed(operation, doc, "an instance profile without InstanceProfileName or Arn"));
  p.id = child_text(n, "InstanceProfileId");
  p.path = child_text(n, "Path");
  p.created_at = parse_date(child(n, "CreateDate"));
  p.tags = parse_tags(child(n, "Tags"));
  std::optional<AwsError> error;
  for_each_member(child(n, "Roles"), [&](const pugi::xml_node& m) {
    if (error) return;
    auto role = parse_role(m, doc, operation);
    if (!role)
      error = role.error();
    else
      p.roles.push_back(std::move(*role));
  });
  if (error) return std::unexpected(std::move(*error));
  return p;
}

bool name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         std::strchr("+=,.@_-", c) != nullptr;
}

std::string sanitize(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c == '\0' || !name_char(c)) c = '-';
  return out;
}

bool valid_name(std::string_view name, size_t max_len) {
  if (name.empty() || name.size() > max_len) return false;
  for (char c : name)
    if (c == '\0' || !name_char(c)) return false;
  return true;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string bounded_name(std::string_view cluster, std::string_view suffix, size_t max_len) {
  constexpr std::string_view kPrefix = "aura-";
  std::string raw = std::string(kPrefix) + std::string(cluster);
  if (!suffix.empty()) raw += "-" + std::string(suffix);
  const std::string clean = sanitize(raw);
  if (clean == raw && clean.size() <= max_len) return clean;

  // The hash covers the untouched inputs: "a/b" and "a-b" sanitize alike but hash apart.
  const std::string hash =
      sha256_hex(std::string(cluster) + "/" + std::string(suffix)).substr(0, 8);
  std::string tail = "-" + hash;
  if (!suffix.empty()) tail += "-" + sanitize(suffix);
  // Keep at least "aura" before the hash; cut the suffix if it alone is too long.
  const size_t min_head = kPrefix.size() - 1;
  if (min_head + tail.size() > max_len) {
    tail.resize(max_len > min_head ? max_len - min_head : 0);
    while (!tail.empty() && (tail.back() == '-' || tail.back() == '.')) tail.pop_back();
  }
  std::string head = sanitize(std::string(kPrefix) + std::string(cluster));
  head.resize(std::min(head.size(), max_len - std::min(max_len, tail.size())));
  while (head.size() > min_head && (head.back() == '-' || head.back() == '.')) head.pop_back();
  std::string name = head + tail;
  if (name.size() > max_len) name.resize(max_len);
  return name;
}

bool valid_role_name(std::string_view name) {
  return valid_name(name, kMaxRoleName);
}

bool valid_instance_profile_name(std::string_view name) {
  return valid_name(name, kMaxInstanceProfileName);
}

bool valid_path(std::string_view path) {
  if (path.empty() || path.size() > kMaxPath || path.front() != '/' || path.back() != '/')
    return false;
  for (char c : path)
    if (c < 0x21 || c > 0x7e) return false;
  return true;
}

std::optional<std::string> decode_policy_document(std::string_view encoded) {
  const auto first = encoded.find_first_not_of(" \t\r\n");
  if (first != std::string_view::npos && encoded[first] == '{') return std::string(encoded);
  std::string out;
  out.reserve(encoded.size());
  for (size_t i = 0; i < encoded.size(); ++i) {
    if (encoded[i] != '%') {
      out += encoded[i];
      continue;
    }
    if (i + 2 >= encoded.size()) return std::nullopt;
    const int hi = hex_value(encoded[i + 1]);
    const int lo = hex_value(encoded[i + 2]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return out;
}

void add_tags(QueryParams& params, const Tags& tags) {
  size_t i = 0;
  for (const auto& [k, v] : tags) {
    const std::string base = "Tags.member." + std::to_string(++i);
    params.emplace_back(base + ".Key", k);
    params.emplace_back(base + ".Value", v);
  }
}

QueryParams tag_params(std::string_view id_param, const std::string& id, const Tags& tags) {
  QueryParams params{{std::string(id_param), id}};
  add_tags(params, tags);
  return params;
}

QueryParams untag_params(std::string_view id_param, const std::string& id,
                         const std::vector<std::string>& keys) {
  QueryParams params{{std::string(id_param), id}};
  size_t i = 0;
  for (const auto& k : keys) params.emplace_back("TagKeys.member." + std::to_string(++i), k);
  return params;
}

void add_paging(QueryParams& params, const std::string& marker, int max_items) {
  if (!marker.empty()) params.emplace_back("Marker", marker);
  if (max_items > 0) params.emplace_back("MaxItems", std::to_string(max_items));
}

QueryParams create_role_params(const CreateRoleRequest& r) {
  QueryParams params{{"RoleName", r.name},
                     {"AssumeRolePolicyDocument", r.assume_role_policy_document}};
  if (!r.path.empty()) params.emplace_back("Path", r.path);
  if (!r.description.empty()) params.emplace_back("Description", r.description);
  if (r.max_session_duration)
    params.emplace_back("MaxSessionDuration", std::to_string(*r.max_session_duration));
  add_tags(params, r.tags);
  return params;
}

QueryParams create_instance_profile_params(const CreateInstanceProfileRequest& r) {
  QueryParams params{{"InstanceProfileName", r.name}};
  if (!r.path.empty()) params.emplace_back("Path", r.path);
  add_tags(params, r.tags);
  return params;
}

QueryParams create_oidc_provider_params(const CreateOidcProviderRequest& r) {
  QueryParams params{{"Url", r.url}};
  for (size_t i = 0; i < r.client_ids.size(); ++i)
    params.emplace_back("ClientIDList.member." + std::to_string(i + 1), r.client_ids[i]);
  add_tags(params, r.tags);
  return params;
}

Result<Role> parse_role_response(const pugi::xml_node& doc, std::string_view operation) {
  auto result = result_of(doc, operation);
  if (!result) return std::unexpected(result.error());
  auto role = child(*result, "Role");
  if (!role) return std::unexpected(malformed(operation, doc, "the answer has no Role"));
  return parse_role(role, doc, operation);
}

Result<Page<Role>> parse_list_roles(const pugi::xml_node& doc) {
  constexpr std::string_view kOp = "ListRoles";
  auto result = result_of(doc, kOp);
  if (!result) return std::unexpected(result.error());
  Page<Role> page;
  std::optional<AwsError> error;
  for_each_member(child(*result, "Roles"), [&](const pugi::xml_node& m) {
    if (error) return;
    auto role = parse_role(m, doc, kOp);
    if (!role)
      error = role.error();
    else
      page.items.push_back(std::move(*role));
  });
  if (error) return std::unexpected(std::move(*error));
  auto marker = next_marker(*result, doc, kOp);
  if (!marker) return std::unexpected(marker.error());
  page.marker = std::move(*marker);
  return page;
}

Result<Page<AttachedPolicy>> parse_list_attached_role_policies(const pugi::xml_node& doc) {
  constexpr std::string_view kOp = "ListAttachedRolePolicies";
  auto result = result_of(doc, kOp);
  if (!result) return std::unexpected(result.error());
  Page<AttachedPolicy> page;
  bool bad = false;
  for_each_member(child(*result, "AttachedPolicies"), [&](const pugi::xml_node& m) {
    AttachedPolicy p{child_text(m, "PolicyName"), child_text(m, "PolicyArn")};
    if (p.arn.empty()) bad = true;
    page.items.push_back(std::move(p));
  });
  if (bad) return std::unexpected(malformed(kOp, doc, "an attached policy without PolicyArn"));
  auto marker = next_marker(*result, doc, kOp);
  if (!marker) return std::unexpected(marker.error());
  page.marker = std::move(*marker);
  return page;
}

Result<Page<std::string>> parse_list_role_policies(const pugi::xml_node& doc) {
  constexpr std::string_view kOp = "ListRolePolicies";
  auto result = result_of(doc, kOp);
  if (!result) return std::unexpected(result.error());
  Page<std::string> page;
  for_each_member(child(*result, "PolicyNames"),
                  [&](const pugi::xml_node& m) { page.items.emplace_back(m.child_value()); });
  auto marker = next_marker(*result, doc, kOp);
  if (!marker) return std::unexpected(marker.error());
  page.marker = std::move(*marker);
  return page;
}

Result<Page<std::pair<std::string, std::string>>> parse_list_role_tags(const pugi::xml_node& doc) {
  constexpr std::string_view kOp = "ListRoleTags";
  auto result = result_of(doc, kOp);
  if (!result) return std::unexpected(result.error());
  Page<std::pair<std::string, std::string>> page;
  for_each_member(child(*result, "Tags"), [&](const pugi::xml_node& m) {
    page.items.emplace_back(child_text(m, "Key"), child_text(m, "Value"));
  });
  auto marker = next_marker(*result, doc, kOp);
  if (!marker) return std::unexpected(marker.error());
  page.marker = std::move(*marker);
  return page;
}

Result<std::string> parse_get_role_policy(const pugi::xml_node& doc) {
  constexpr std::string_view kOp = "GetRolePolicy";
  auto result = result_of(doc, kOp);
  if (!result) return std::unexpected(result.error());
  auto node = child(*result, "PolicyDocument");
  if (!node) return std::unexpected(malformed(kOp, doc, "the answer has no PolicyDocument"));
  auto decoded = decode_policy_document(node.child_value());
  if (!decoded)
    return std::unexpected(malformed(kOp, doc, "the PolicyDocument is badly URL-encoded"));
  return std::move(*decoded);
}

Result<InstanceProfile> parse_instance_profile_response(const pugi::xml_node& doc,
                                                        std::string_view operation) {
  auto result = result_of(doc, operation);
  if (!result) return std::unexpected(result.error());
  auto profile = child(*result, "InstanceProfile");
  if (!profile)
    return std::unexpected(malformed(operation, doc, "the answer has no InstanceProfile"));
  return parse_profile(profile, doc, operation);
}

Result<Page<InstanceProfile>> parse_list_instance_profiles_for_role(const pugi::xml_node& doc) {
  constexpr std::string_view kOp = "ListInstanceProfilesForRole";
  auto result = result_of(doc, kOp);
  if (!result) return std::unexpected(result.error());
  Page<InstanceProfile> page;
  std::optional<AwsError> error;
  for_each_member(child(*result, "InstanceProfiles"), [&](const pugi::xml_node& m) {
    if (error) return;
    auto p = parse_profile(m, doc, kOp);
    if (!p)
      error = p.error();
    else
      page.items.push_back(std::move(*p));
  });
  if (error) return std::unexpected(std::move(*error));
  auto marker = next_marker(*result, doc, kOp);
  if (!marker) return std::unexpected(marker.error());
  page.marker = std::move(*marker);
  return page;
}

Result<std::string> parse_create_oidc_provider(const pugi::xml_node& doc) {
  constexpr std::string_view kOp = "CreateOpenIDConnectProvider";
  auto result = result_of(doc, kOp);
  if (!result) return std::unexpected(result.error());
  std::string arn = child_text(*result, "OpenIDConnectProviderArn");
  if (arn.empty())
    return std::unexpected(malformed(kOp, doc, "the answer has no OpenIDConnectProviderArn"));
  return arn;
}

Result<OidcProvider> parse_get_oidc_provider(const pugi::xml_node& doc, const std::string& arn) {
  constexpr std::string_view kOp = "GetOpenIDConnectProvider";
  auto result = result_of(doc, kOp);
  if (!result) return std::unexpected(result.error());
  OidcProvider p;
  p.arn = arn;
  p.url = child_text(*result, "Url");
  if (p.url.empty()) return std::unexpected(malformed(kOp, doc, "the answer has no Url"));
  for_each_member(child(*result, "ClientIDList"),
                  [&](const pugi::xml_node& m) { p.client_ids.emplace_back(m.child_value()); });
  for_each_member(child(*result, "ThumbprintList"),
                  [&](const pugi::xml_node& m) { p.thumbprints.emplace_back(m.child_value()); });
  p.created_at = parse_date(child(*result, "CreateDate"));
  p.tags = parse_tags(child(*result, "Tags"));
  return p;
}

Result<std::vector<std::string>> parse_list_oidc_providers(const pugi::xml_node& doc) {
  constexpr std::string_view kOp = "ListOpenIDConnectProviders";
  auto result = result_of(doc, kOp);
  if (!result) return std::unexpected(result.error());
  std::vector<std::string> arns;
  bool bad = false;
  for_each_member(child(*result, "OpenIDConnectProviderList"), [&](const pugi::xml_node& m) {
    std::string arn = child_text(m, "Arn");
    if (arn.empty()) bad = true;
    arns.push_back(std::move(arn));
  });
  if (bad) return std::unexpected(malformed(kOp, doc, "a provider without Arn"));
  return arns;
}

}  // namespace iam

namespace {

// Walks every page of a Marker listing and gathers the items of all pages.
template <typename T, typename Parse>
Result<std::vector<T>> collect(AwsClient& client, std::string_view operation,
                               const QueryParams& base, Parse parse, int page_size = 0) {
  std::vector<T> out;
  auto walked = for_each_page([&](const std::string& marker) -> Result<std::string> {
    QueryParams params = base;
    iam::add_paging(params, marker, page_size);
    auto doc = client.query(operation, iam::kVersion, params);
    if (!doc) return std::unexpected(doc.error());
    auto page = parse(**doc);
    if (!page) return std::unexpected(page.error());
    for (auto& item : page->items) out.push_back(std::move(item));
    return page->marker;
  });
  if (!walked) return std::unexpected(walked.error());
  return out;
}

Result<void> done(const Result<XmlDocument>& doc) {
  if (!doc) return std::unexpected(doc.error());
  return {};
}

}  // namespace

Result<XmlDocument> IamClient::call(std::string_view operation, const QueryParams& params) {
  return client_->query(operation, iam::kVersion, params);
}

Result<iam::Role> IamClient::create_role(const iam::CreateRoleRequest& request) {
  auto doc = call("CreateRole", iam::create_role_params(request));
  if (!doc) return std::unexpected(doc.error());
  return iam::parse_role_response(**doc, "CreateRole");
}

Result<iam::Role> IamClient::get_role(const std::string& name) {
  auto doc = call("GetRole", {{"RoleName", name}});
  if (!doc) return std::unexpected(doc.error());
  return iam::parse_role_response(**doc, "GetRole");
}

Result<void> IamClient::delete_role(const std::string& name) {
  return done(call("DeleteRole", {{"RoleName", name}}));
}

Result<std::vector<iam::Role>> IamClient::list_roles(const std::string& path_prefix,
                                                     int page_size) {
  QueryParams base;
  if (!path_prefix.empty()) base.emplace_back("PathPrefix", path_prefix);
  return collect<iam::Role>(*client_, "ListRoles", base, iam::parse_list_roles, page_size);
}

Result<void> IamClient::tag_role(const std::string& name, const iam::Tags& tags) {
  return done(call("TagRole", iam::tag_params("RoleName", name, tags)));
}

Result<void> IamClient::untag_role(const std::string& name, const std::vector<std::string>& keys) {
  return done(call("UntagRole", iam::untag_params("RoleName", name, keys)));
}

Result<iam::Tags> IamClient::list_role_tags(const std::string& name) {
  auto pairs = collect<std::pair<std::string, std::string>>(
      *client_, "ListRoleTags", {{"RoleName", name}}, iam::parse_list_role_tags);
  if (!pairs) return std::unexpected(pairs.error());
  return iam::Tags(pairs->begin(), pairs->end());
}

Result<void> IamClient::attach_role_policy(const std::string& role, const std::string& policy_arn) {
  return done(call("AttachRolePolicy", {{"RoleName", role}, {"PolicyArn", policy_arn}}));
}

Result<void> IamClient::detach_role_policy(const std::string& role, const std::string& policy_arn) {
  return done(call("DetachRolePolicy", {{"RoleName", role}, {"PolicyArn", policy_arn}}));
}

Result<std::vector<iam::AttachedPolicy>> IamClient::list_attached_role_policies(
    const std::string& role) {
  return collect<iam::AttachedPolicy>(*client_, "ListAttachedRolePolicies", {{"RoleName", role}},
                                      iam::parse_list_attached_role_policies);
}

Result<void> IamClient::put_role_policy(const std::string& role, const std::string& policy_name,
                                        const std::string& document) {
  return done(
      call("PutRolePolicy",
           {{"RoleName", role}, {"PolicyName", policy_name}, {"PolicyDocument", document}}));
}

Result<std::string> IamClient::get_role_policy(const std::string& role,
                                               const std::string& policy_name) {
  auto doc = call("GetRolePolicy", {{"RoleName", role}, {"PolicyName", policy_name}});
  if (!doc) return std::unexpected(doc.error());
  return iam::parse_get_role_policy(**doc);
}

Result<void> IamClient::delete_role_policy(const std::string& role,
                                           const std::string& policy_name) {
  return done(call("DeleteRolePolicy", {{"RoleName", role}, {"PolicyName", policy_name}}));
}

Result<std::vector<std::string>> IamClient::list_role_policies(const std::string& role) {
  return collect<std::string>(*client_, "ListRolePolicies", {{"RoleName", role}},
                              iam::parse_list_role_policies);
}

Result<iam::InstanceProfile> IamClient::create_instance_profile(
    const iam::CreateInstanceProfileRequest& request) {
  auto doc = call("CreateInstanceProfile", iam::create_instance_profile_params(request));
  if (!doc) return std::unexpected(doc.error());
  return iam::parse_instance_profile_response(**doc, "CreateInstanceProfile");
}

Result<iam::InstanceProfile> IamClient::get_instance_profile(const std::string& name) {
  auto doc = call("GetInstanceProfile", {{"InstanceProfileName", name}});
  if (!doc) return std::unexpected(doc.error());
  return iam::parse_instance_profile_response(**doc, "GetInstanceProfile");
}

Result<void> IamClient::add_role_to_instance_profile(const std::string& profile,
                                                     const std::string& role) {
  return done(
      call("AddRoleToInstanceProfile", {{"InstanceProfileName", profile}, {"RoleName", role}}));
}

Result<void> IamClient::remove_role_from_instance_profile(const std::string& profile,
                                                          const std::string& role) {
  return done(call("RemoveRoleFromInstanceProfile",
                   {{"InstanceProfileName", profile}, {"RoleName", role}}));
}

Result<void> IamClient::delete_instance_profile(const std::string& name) {
  return done(call("DeleteInstanceProfile", {{"InstanceProfileName", name}}));
}

Result<std::vector<iam::InstanceProfile>> IamClient::list_instance_profiles_for_role(
    const std::string& role) {
  return collect<iam::InstanceProfile>(*client_, "ListInstanceProfilesForRole",
                                       {{"RoleName", role}},
                                       iam::parse_list_instance_profiles_for_role);
}

Result<void> IamClient::tag_instance_profile(const std::string& name, const iam::Tags& tags) {
  return done(call("TagInstanceProfile", iam::tag_params("InstanceProfileName", name, tags)));
}

Result<void> IamClient::untag_instance_profile(const std::string& name,
                                               const std::vector<std::string>& keys) {
  return done(call("UntagInstanceProfile", iam::untag_params("InstanceProfileName", name, keys)));
}

Result<std::string> IamClient::create_open_id_connect_provider(
    const iam::CreateOidcProviderRequest& request) {
  auto doc = call("CreateOpenIDConnectProvider", iam::create_oidc_provider_params(request));
  if (!doc) return std::unexpected(doc.error());
  return iam::parse_create_oidc_provider(**doc);
}

Result<iam::OidcProvider> IamClient::get_open_id_connect_provider(const std::string& arn) {
  auto doc = call("GetOpenIDConnectProvider", {{"OpenIDConnectProviderArn", arn}});
  if (!doc) return std::unexpected(doc.error());
  return iam::parse_get_oidc_provider(**doc, arn);
}

Result<void> IamClient::delete_open_id_connect_provider(const std::string& arn) {
  return done(call("DeleteOpenIDConnectProvider", {{"OpenIDConnectProviderArn", arn}}));
}

Result<std::vector<std::string>> IamClient::list_open_id_connect_providers() {
  auto doc = call("ListOpenIDConnectProviders", {});
  if (!doc) return std::unexpected(doc.error());
  return iam::parse_list_oidc_providers(**doc);
}

Result<void> IamClient::tag_open_id_connect_provider(const std::string& arn,
                                                     const iam::Tags& tags) {
  return done(
      call("TagOpenIDConnectProvider", iam::tag_params("OpenIDConnectProviderArn", arn, tags)));
}

Result<void> IamClient::untag_open_id_connect_provider(const std::string& arn,
                                                       const std::vector<std::string>& keys) {
  return done(
      call("UntagOpenIDConnectProvider", iam::untag_params("OpenIDConnectProviderArn", arn, keys)));
}

}  // namespace aura::aws
