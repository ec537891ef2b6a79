#include "operator/aws/sts.h"

#include "operator/aws/sigv4.h"
#include "operator/common/base64.h"
#include "operator/common/clock.h"

namespace aura::aws {

namespace {

constexpr std::string_view kVersion = "2011-06-15";

Result<Credentials> parse_credentials(const XmlDocument& doc, const char* source) {
  Credentials c;
  c.access_key_id = xml_text(*doc, "AccessKeyId");
  c.secret_access_key = xml_text(*doc, "SecretAccessKey");
  c.session_token = xml_text(*doc, "SessionToken");
  c.expiration = parse_rfc3339(xml_text(*doc, "Expiration"));
  c.source = source;
  if (c.empty())
    return std::unexpected(AwsError{"sts", source, 200, "MalformedResponse",
                                    "the answer carries no credentials", "", false});
  return c;
}

}  // namespace

Result<CallerIdentity> StsClient::get_caller_identity() {
  auto doc = client_->query("GetCallerIdentity", kVersion, {});
  if (!doc) return std::unexpected(doc.error());
  return CallerIdentity{xml_text(**doc, "Account"), xml_text(**doc, "Arn"),
                        xml_text(**doc, "UserId")};
}

Result<Credentials> StsClient::assume_role(const AssumeRoleRequest& r) {
  QueryParams params{{"RoleArn", r.role_arn},
                     {"RoleSessionName", r.session_name},
                     {"DurationSeconds", std::to_string(r.duration.count())}};
  if (!r.external_id.empty()) params.emplace_back("ExternalId", r.external_id);
  auto doc = client_->query("AssumeRole", kVersion, params);
  if (!doc) return std::unexpected(doc.error());
  return parse_credentials(*doc, "assume-role");
}

Result<Credentials> StsClient::assume_role_with_web_identity(const std::string& role_arn,
                                                             const std::string& session_name,
                                                             const std::string& token) {
  auto doc = client_->query(
      "AssumeRoleWithWebIdentity", kVersion,
      {{"RoleArn", role_arn}, {"RoleSessionName", session_name}, {"WebIdentityToken", token}});
  if (!doc) return std::unexpected(doc.error());
  return parse_credentials(*doc, "web-identity");
}

std::string eks_token(const Credentials& creds, const std::string& cluster_name,
                      const std::string& region, const Endpoint& sts_endpoint,
                      std::chrono::system_clock::time_point now) {
  const std::string url =
      presign_url("GET", sts_endpoint.url + "/?Action=GetCallerIdentity&Version=2011-06-15", creds,
                  {"sts", region, now}, std::chrono::seconds(60), {{"x-k8s-aws-id", cluster_name}});
  return "k8s-aws-v1." + base64url_encode_unpadded(url);
}

}  // namespace aura::aws
