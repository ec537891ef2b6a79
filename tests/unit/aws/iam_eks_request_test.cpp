// IAM and EKS without a network: the exact parameters and bodies the request builders put on
// the wire, the answers' shapes (from the API references and botocore's service models) read
// into typed values, the IAM name helper's limits, and malformed answers turned into errors.
#include <gtest/gtest.h>

#include <set>

#include "operator/aws/eks.h"
#include "operator/aws/iam.h"
#include "operator/aws/sigv4.h"

namespace aura::aws {
namespace {

using nlohmann::json;

std::string param(const QueryParams& params, std::string_view key) {
  for (const auto& [k, v] : params)
    if (k == key) return v;
  return "<absent>";
}

bool has_param_prefix(const QueryParams& params, std::string_view prefix) {
  for (const auto& [k, v] : params)
    if (k.starts_with(prefix)) return true;
  return false;
}

std::unique_ptr<pugi::xml_document> xml(const char* text) {
  auto doc = std::make_unique<pugi::xml_document>();
  EXPECT_TRUE(doc->load_string(text)) << text;
  return doc;
}

constexpr const char* kTrust =
    R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"eks.amazonaws.com"},"Action":"sts:AssumeRole"}]})";

// ------------------------------------------------------------------------------------- IAM ---

TEST(IamRequests, CreateRoleCarriesEveryParameterAndTagsInTheCall) {
  iam::CreateRoleRequest r;
  r.name = "aura-demo-cluster";
  r.assume_role_policy_document = kTrust;
  r.description = "EKS control plane of default/demo";
  r.max_session_duration = 7200;
  r.tags = {{"aura.io/managed-by", "aura-operator"}, {"aura.io/cluster-uid", "1234"}};
  const QueryParams p = iam::create_role_params(r);
  EXPECT_EQ(param(p, "RoleName"), "aura-demo-cluster");
  EXPECT_EQ(param(p, "AssumeRolePolicyDocument"), kTrust);
  EXPECT_EQ(param(p, "Path"), "/aura/");
  EXPECT_EQ(param(p, "Description"), "EKS control plane of default/demo");
  EXPECT_EQ(param(p, "MaxSessionDuration"), "7200");
  // Ordered by key: deterministic requests.
  EXPECT_EQ(param(p, "Tags.member.1.Key"), "aura.io/cluster-uid");
  EXPECT_EQ(param(p, "Tags.member.1.Value"), "1234");
  EXPECT_EQ(param(p, "Tags.member.2.Key"), "aura.io/managed-by");
  EXPECT_EQ(param(p, "Tags.member.2.Value"), "aura-operator");
  EXPECT_EQ(param(p, "Tags.member.3.Key"), "<absent>");

  // On the wire the JSON document is form-encoded, '/' in tag keys too.
  const std::string wire = form_encode(p);
  EXPECT_NE(wire.find("AssumeRolePolicyDocument=%7B%22Version%22%3A%222012-10-17%22"),
            std::string::npos)
      << wire;
  EXPECT_NE(wire.find("Tags.member.1.Key=aura.io%2Fcluster-uid"), std::string::npos) << wire;
}

TEST(IamRequests, CreateRoleLeavesOutWhatIsNotSet) {
  iam::CreateRoleRequest r;
  r.name = "r";
  r.assume_role_policy_document = "{}";
  r.path.clear();
  const QueryParams p = iam::create_role_params(r);
  EXPECT_EQ(p.size(), 2u);
  EXPECT_EQ(param(p, "Description"), "<absent>");
  EXPECT_EQ(param(p, "MaxSessionDuration"), "<absent>");
  EXPECT_FALSE(has_param_prefix(p, "Tags."));
}

TEST(IamRequests, CreateInstanceProfileWithTags) {
  const QueryParams p = iam::create_instance_profile_params(
      {"aura-demo-node", "/aura/", {{"kubernetes.io/cluster/demo", "owned"}}});
  EXPECT_EQ(param(p, "InstanceProfileName"), "aura-demo-node");
  EXPECT_EQ(param(p, "Path"), "/aura/");
  EXPECT_EQ(param(p, "Tags.member.1.Key"), "kubernetes.io/cluster/demo");
  EXPECT_EQ(param(p, "Tags.member.1.Value"), "owned");
}

TEST(IamRequests, TagAndUntagNameTheResourceThenTheTagsOrKeys) {
  const QueryParams tag =
      iam::tag_params("InstanceProfileName", "aura-demo-node", {{"env", "dev"}, {"team", "ml"}});
  EXPECT_EQ(param(tag, "InstanceProfileName"), "aura-demo-node");
  EXPECT_EQ(param(tag, "Tags.member.1.Key"), "env");
  EXPECT_EQ(param(tag, "Tags.member.2.Value"), "ml");
  const QueryParams untag =
      iam::untag_params("OpenIDConnectProviderArn", "arn:aws:iam::1:oidc-provider/x", {"a", "b"});
  EXPECT_EQ(param(untag, "OpenIDConnectProviderArn"), "arn:aws:iam::1:oidc-provider/x");
  EXPECT_EQ(param(untag, "TagKeys.member.1"), "a");
  EXPECT_EQ(param(untag, "TagKeys.member.2"), "b");
  EXPECT_FALSE(has_param_prefix(untag, "Tags."));
}

TEST(IamRequests, CreateOidcProviderSendsClientIdsAndNoThumbprint) {
  iam::CreateOidcProviderRequest r;
  r.url = "https://oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE";
  r.tags = {{"aura.io/managed-by", "aura-operator"}};
  const QueryParams p = iam::create_oidc_provider_params(r);
  EXPECT_EQ(param(p, "Url"), r.url);
  EXPECT_EQ(param(p, "ClientIDList.member.1"), "sts.amazonaws.com");
  EXPECT_EQ(param(p, "ClientIDList.member.2"), "<absent>");
  EXPECT_EQ(param(p, "Tags.member.1.Key"), "aura.io/managed-by");
  EXPECT_FALSE(has_param_prefix(p, "ThumbprintList")) << "IAM fetches the thumbprint itself";
}

TEST(IamRequests, Paging) {
  QueryParams p{{"RoleName", "r"}};
  iam::add_paging(p, "", 0);
  EXPECT_EQ(p.size(), 1u);
  iam::add_paging(p, "AAEXAMPLE==", 100);
  EXPECT_EQ(param(p, "Marker"), "AAEXAMPLE==");
  EXPECT_EQ(param(p, "MaxItems"), "100");
}

// GetRole as IAM answers it: namespaced, the trust policy URL-encoded (RFC 3986).
constexpr const char* kGetRole =
    R"(<GetRoleResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">
  <GetRoleResult>
    <Role>
      <Path>/aura/</Path>
      <AssumeRolePolicyDocument>%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Principal%22%3A%7B%22Service%22%3A%22eks.amazonaws.com%22%7D%2C%22Action%22%3A%22sts%3AAssumeRole%22%7D%5D%7D</AssumeRolePolicyDocument>
      <MaxSessionDuration>3600</MaxSessionDuration>
      <RoleId>AROADBQP57FF2AEXAMPLE</RoleId>
      <RoleLastUsed>
        <LastUsedDate>2019-11-20T17:09:20Z</LastUsedDate>
        <Region>us-east-1</Region>
      </RoleLastUsed>
      <RoleName>aura-demo-cluster</RoleName>
      <Description>EKS control plane</Description>
      <Arn>arn:aws:iam::123456789012:role/aura/aura-demo-cluster</Arn>
      <CreateDate>2019-11-13T16:45:56Z</CreateDate>
      <Tags>
        <member><Key>aura.io/managed-by</Key><Value>aura-operator</Value></member>
        <member><Key>kubernetes.io/cluster/demo</Key><Value>owned</Value></member>
      </Tags>
    </Role>
  </GetRoleResult>
  <ResponseMetadata>
    <RequestId>df37e965-9967-11e1-a4c3-270EXAMPLE04</RequestId>
  </ResponseMetadata>
</GetRoleResponse>)";

TEST(IamResponses, GetRoleIsReadAndItsTrustPolicyDecoded) {
  auto doc = xml(kGetRole);
  auto role = iam::parse_role_response(*doc, "GetRole");
  ASSERT_TRUE(role) << role.error().str();
  EXPECT_EQ(role->name, "aura-demo-cluster");
  EXPECT_EQ(role->arn, "arn:aws:iam::123456789012:role/aura/aura-demo-cluster");
  EXPECT_EQ(role->id, "AROADBQP57FF2AEXAMPLE");
  EXPECT_EQ(role->path, "/aura/");
  EXPECT_EQ(role->description, "EKS control plane");
  EXPECT_EQ(role->max_session_duration, 3600);
  EXPECT_EQ(role->assume_role_policy_document, kTrust);
  EXPECT_TRUE(json::parse(role->assume_role_policy_document).is_object());
  ASSERT_TRUE(role->created_at);
  EXPECT_EQ(std::chrono::system_clock::to_time_t(*role->created_at), 1573663556);
  EXPECT_EQ(role->tags, (iam::Tags{{"aura.io/managed-by", "aura-operator"},
                                   {"kubernetes.io/cluster/demo", "owned"}}));
}

TEST(IamResponses, CreateRoleAnswerIsReadUnderItsOwnResultElement) {
  auto doc = xml(R"(<CreateRoleResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">
  <CreateRoleResult><Role>
    <Path>/</Path><RoleName>r1</RoleName><RoleId>AROAEXAMPLE</RoleId>
    <Arn>arn:aws:iam::123456789012:role/r1</Arn><CreateDate>2024-01-02T03:04:05.678Z</CreateDate>
    <AssumeRolePolicyDocument>%7B%7D</AssumeRolePolicyDocument>
  </Role></CreateRoleResult>
  <ResponseMetadata><RequestId>4a93ceee-9966-11e1-b624-b1aEXAMPLE7c</RequestId></ResponseMetadata>
</CreateRoleResponse>)");
  auto role = iam::parse_role_response(*doc, "CreateRole");
  ASSERT_TRUE(role) << role.error().str();
  EXPECT_EQ(role->name, "r1");
  EXPECT_EQ(role->assume_role_policy_document, "{}");
  EXPECT_EQ(role->max_session_duration, 0);
  EXPECT_TRUE(role->tags.empty());
  // The answer of another operation is not mistaken for this one's.
  EXPECT_FALSE(iam::parse_role_response(*doc, "GetRole"));
}

TEST(IamResponses, ListRolesPagesByMarker) {
  auto page1 = xml(R"(<ListRolesResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">
  <ListRolesResult>
    <IsTruncated>true</IsTruncated>
    <Marker>AAEXAMPLEMARKER==</Marker>
    <Roles>
      <member><Path>/aura/</Path><RoleName>a</RoleName><RoleId>AROA1</RoleId>
        <Arn>arn:aws:iam::123456789012:role/aura/a</Arn><CreateDate>2024-01-01T00:00:00Z</CreateDate>
        <AssumeRolePolicyDocument>%7B%7D</AssumeRolePolicyDocument></member>
      <member><Path>/aura/</Path><RoleName>b</RoleName><RoleId>AROA2</RoleId>
        <Arn>arn:aws:iam::123456789012:role/aura/b</Arn><CreateDate>2024-01-01T00:00:00Z</CreateDate>
        <AssumeRolePolicyDocument>%7B%7D</AssumeRolePolicyDocument></member>
    </Roles>
  </ListRolesResult>
</ListRolesResponse>)");
  auto p = iam::parse_list_roles(*page1);
  ASSERT_TRUE(p) << p.error().str();
  ASSERT_EQ(p->items.size(), 2u);
  EXPECT_EQ(p->items[1].name, "b");
  EXPECT_EQ(p->marker, "AAEXAMPLEMARKER==");

  auto last = xml(R"(<ListRolesResponse><ListRolesResult>
    <IsTruncated>false</IsTruncated><Roles/></ListRolesResult></ListRolesResponse>)");
  auto l = iam::parse_list_roles(*last);
  ASSERT_TRUE(l) << l.error().str();
  EXPECT_TRUE(l->items.empty());
  EXPECT_TRUE(l->marker.empty());

  auto broken = xml(R"(<ListRolesResponse><ListRolesResult>
    <IsTruncated>true</IsTruncated><Roles/></ListRolesResult></ListRolesResponse>)");
  auto b = iam::parse_list_roles(*broken);
  ASSERT_FALSE(b) << "a truncated page without a Marker would silently drop roles";
  EXPECT_EQ(b.error().code, "MalformedResponse");
}

TEST(IamResponses, AttachedAndInlinePoliciesAndTags) {
  auto attached =
      xml(R"(<ListAttachedRolePoliciesResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">
  <ListAttachedRolePoliciesResult>
    <AttachedPolicies>
      <member><PolicyName>AmazonEKSClusterPolicy</PolicyName>
        <PolicyArn>arn:aws:iam::aws:policy/AmazonEKSClusterPolicy</PolicyArn></member>
    </AttachedPolicies>
    <IsTruncated>false</IsTruncated>
  </ListAttachedRolePoliciesResult>
</ListAttachedRolePoliciesResponse>)");
  auto a = iam::parse_list_attached_role_policies(*attached);
  ASSERT_TRUE(a) << a.error().str();
  ASSERT_EQ(a->items.size(), 1u);
  EXPECT_EQ(a->items[0].name, "AmazonEKSClusterPolicy");
  EXPECT_EQ(a->items[0].arn, "arn:aws:iam::aws:policy/AmazonEKSClusterPolicy");

  auto inline_names = xml(R"(<ListRolePoliciesResponse><ListRolePoliciesResult>
    <PolicyNames><member>CopyPolicy</member><member>BackupPolicy</member></PolicyNames>
    <IsTruncated>false</IsTruncated></ListRolePoliciesResult></ListRolePoliciesResponse>)");
  auto n = iam::parse_list_role_policies(*inline_names);
  ASSERT_TRUE(n) << n.error().str();
  EXPECT_EQ(n->items, (std::vector<std::string>{"CopyPolicy", "BackupPolicy"}));

  auto policy = xml(R"(<GetRolePolicyResponse><GetRolePolicyResult>
    <PolicyName>S3AccessPolicy</PolicyName><RoleName>S3Access</RoleName>
    <PolicyDocument>%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%5B%22s3%3A%2A%22%5D%2C%22Resource%22%3A%5B%22%2A%22%5D%7D%5D%7D</PolicyDocument>
    </GetRolePolicyResult></GetRolePolicyResponse>)");
  auto d = iam::parse_get_role_policy(*policy);
  ASSERT_TRUE(d) << d.error().str();
  EXPECT_EQ(
      *d,
      R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:*"],"Resource":["*"]}]})");

  auto tags = xml(R"(<ListRoleTagsResponse><ListRoleTagsResult>
    <Tags><member><Key>Dept</Key><Value>12345</Value></member>
          <member><Key>Team</Key><Value>Accounting</Value></member></Tags>
    <IsTruncated>false</IsTruncated></ListRoleTagsResult></ListRoleTagsResponse>)");
  auto t = iam::parse_list_role_tags(*tags);
  ASSERT_TRUE(t) << t.error().str();
  ASSERT_EQ(t->items.size(), 2u);
  EXPECT_EQ(t->items[1], (std::pair<std::string, std::string>{"Team", "Accounting"}));
}

TEST(IamResponses, InstanceProfileReadsItsOwnFieldsNotItsRoles) {
  auto doc = xml(R"(<GetInstanceProfileResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">
  <GetInstanceProfileResult>
    <InstanceProfile>
      <InstanceProfileId>AIPAD5ARO2C5EXAMPLE3G</InstanceProfileId>
      <Roles>
        <member>
          <Path>/application_abc/component_xyz/</Path>
          <Arn>arn:aws:iam::123456789012:role/application_abc/component_xyz/S3Access</Arn>
          <RoleName>S3Access</RoleName>
          <AssumeRolePolicyDocument>%7B%7D</AssumeRolePolicyDocument>
          <CreateDate>2012-05-09T15:45:35Z</CreateDate>
          <RoleId>AROACVYKSVTSZFEXAMPLE</RoleId>
        </member>
      </Roles>
      <InstanceProfileName>Webserver</InstanceProfileName>
      <Path>/profiles/</Path>
      <Arn>arn:aws:iam::123456789012:instance-profile/application_abc/component_xyz/Webserver</Arn>
      <CreateDate>2012-05-09T16:11:10Z</CreateDate>
      <Tags><member><Key>aura.io/managed-by</Key><Value>aura-operator</Value></member></Tags>
    </InstanceProfile>
  </GetInstanceProfileResult>
  <ResponseMetadata><RequestId>37289fda-99f2-11e1-a4c3-27EXAMPLE804</RequestId></ResponseMetadata>
</GetInstanceProfileResponse>)");
  auto p = iam::parse_instance_profile_response(*doc, "GetInstanceProfile");
  ASSERT_TRUE(p) << p.error().str();
  EXPECT_EQ(p->name, "Webserver");
  EXPECT_EQ(p->id, "AIPAD5ARO2C5EXAMPLE3G");
  EXPECT_EQ(p->path, "/profiles/") << "the profile's Path, not its role's";
  EXPECT_EQ(p->arn,
            "arn:aws:iam::123456789012:instance-profile/application_abc/component_xyz/Webserver");
  ASSERT_EQ(p->roles.size(), 1u);
  EXPECT_EQ(p->roles[0].name, "S3Access");
  EXPECT_EQ(p->roles[0].path, "/application_abc/component_xyz/");
  EXPECT_EQ(p->tags.at("aura.io/managed-by"), "aura-operator");

  auto list = xml(R"(<ListInstanceProfilesForRoleResponse><ListInstanceProfilesForRoleResult>
    <IsTruncated>false</IsTruncated>
    <InstanceProfiles><member>
      <InstanceProfileId>AIPA1</InstanceProfileId><Roles/>
      <InstanceProfileName>ip</InstanceProfileName><Path>/</Path>
      <Arn>arn:aws:iam::123456789012:instance-profile/ip</Arn>
      <CreateDate>2012-05-09T16:27:11Z</CreateDate>
    </member></InstanceProfiles>
  </ListInstanceProfilesForRoleResult></ListInstanceProfilesForRoleResponse>)");
  auto l = iam::parse_list_instance_profiles_for_role(*list);
  ASSERT_TRUE(l) << l.error().str();
  ASSERT_EQ(l->items.size(), 1u);
  EXPECT_EQ(l->items[0].name, "ip");
  EXPECT_TRUE(l->items[0].roles.empty());
}

TEST(IamResponses, OidcProviders) {
  auto created = xml(
      R"(<CreateOpenIDConnectProviderResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">
  <CreateOpenIDConnectProviderResult>
    <OpenIDConnectProviderArn>arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/EXAMPLE</OpenIDConnectProviderArn>
  </CreateOpenIDConnectProviderResult>
</CreateOpenIDConnectProviderResponse>)");
  auto arn = iam::parse_create_oidc_provider(*created);
  ASSERT_TRUE(arn) << arn.error().str();
  EXPECT_EQ(*arn,
            "arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/EXAMPLE");

  auto got =
      xml(R"(<GetOpenIDConnectProviderResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">
  <GetOpenIDConnectProviderResult>
    <ThumbprintList><member>c3768084dfb3d2b68b7897bf5f565da8eEXAMPLE</member></ThumbprintList>
    <CreateDate>2014-10-09T03:32:51.398Z</CreateDate>
    <ClientIDList><member>sts.amazonaws.com</member></ClientIDList>
    <Url>oidc.eks.us-west-2.amazonaws.com/id/EXAMPLE</Url>
    <Tags><member><Key>aura.io/managed-by</Key><Value>aura-operator</Value></member></Tags>
  </GetOpenIDConnectProviderResult>
</GetOpenIDConnectProviderResponse>)");
  auto p = iam::parse_get_oidc_provider(*got, *arn);
  ASSERT_TRUE(p) << p.error().str();
  EXPECT_EQ(p->arn, *arn);
  EXPECT_EQ(p->url, "oidc.eks.us-west-2.amazonaws.com/id/EXAMPLE");
  EXPECT_EQ(p->client_ids, std::vector<std::string>{"sts.amazonaws.com"});
  EXPECT_EQ(p->thumbprints, std::vector<std::string>{"c3768084dfb3d2b68b7897bf5f565da8eEXAMPLE"});
  EXPECT_TRUE(p->created_at);
  EXPECT_EQ(p->tags.size(), 1u);

  auto list = xml(R"(<ListOpenIDConnectProvidersResponse><ListOpenIDConnectProvidersResult>
    <OpenIDConnectProviderList>
      <member><Arn>arn:aws:iam::123456789012:oidc-provider/server.example.com</Arn></member>
      <member><Arn>arn:aws:iam::123456789012:oidc-provider/server.example.org</Arn></member>
    </OpenIDConnectProviderList>
  </ListOpenIDConnectProvidersResult></ListOpenIDConnectProvidersResponse>)");
  auto arns = iam::parse_list_oidc_providers(*list);
  ASSERT_TRUE(arns) << arns.error().str();
  EXPECT_EQ(arns->size(), 2u);
}

TEST(IamResponses, MalformedAnswersAreErrorsNotCrashes) {
  const char* bodies[] = {
      "<x/>",
      "<GetRoleResponse/>",
      "<GetRoleResponse><GetRoleResult/></GetRoleResponse>",
      "<GetRoleResponse><GetRoleResult><Role/></GetRoleResult></GetRoleResponse>",
      "<GetRoleResponse><GetRoleResult><Role><RoleName>r</RoleName></Role></GetRoleResult>"
      "</GetRoleResponse>",
      // Bad percent escapes in the trust policy.
      "<GetRoleResponse><GetRoleResult><Role><RoleName>r</RoleName><Arn>a</Arn>"
      "<AssumeRolePolicyDocument>%7B%2</AssumeRolePolicyDocument></Role></GetRoleResult>"
      "</GetRoleResponse>",
      "<GetRoleResponse><GetRoleResult><Role><RoleName>r</RoleName><Arn>a</Arn>"
      "<AssumeRolePolicyDocument>%zz</AssumeRolePolicyDocument></Role></GetRoleResult>"
      "</GetRoleResponse>",
      "<GetRoleResponse><GetRoleResult><Role><RoleName>r</RoleName><Arn>a</Arn>"
      "<MaxSessionDuration>an hour</MaxSessionDuration></Role></GetRoleResult>"
      "</GetRoleResponse>",
      // An error document is no answer.
      "<ErrorResponse><Error><Type>Sender</Type><Code>NoSuchEntity</Code>"
      "<Message>The role with name r cannot be found.</Message></Error>"
      "<RequestId>abc</RequestId></ErrorResponse>",
  };
  for (const char* body : bodies) {
    auto doc = xml(body);
    auto role = iam::parse_role_response(*doc, "GetRole");
    ASSERT_FALSE(role) << body;
    EXPECT_EQ(role.error().code, "MalformedResponse") << body;
    EXPECT_EQ(role.error().service, "iam");
    EXPECT_EQ(role.error().operation, "GetRole");
    // Every parser survives every body.
    (void)iam::parse_list_roles(*doc);
    (void)iam::parse_list_attached_role_policies(*doc);
    (void)iam::parse_list_role_policies(*doc);
    (void)iam::parse_list_role_tags(*doc);
    (void)iam::parse_get_role_policy(*doc);
    (void)iam::parse_instance_profile_response(*doc, "GetInstanceProfile");
    (void)iam::parse_list_instance_profiles_for_role(*doc);
    (void)iam::parse_create_oidc_provider(*doc);
    (void)iam::parse_get_oidc_provider(*doc, "arn");
    (void)iam::parse_list_oidc_providers(*doc);
  }
  auto error_doc = xml(bodies[8]);
  EXPECT_EQ(iam::parse_role_response(*error_doc, "GetRole").error().request_id, "abc");
  pugi::xml_document empty;
  EXPECT_FALSE(iam::parse_list_oidc_providers(empty));
  EXPECT_FALSE(iam::parse_get_oidc_provider(empty, "arn"));
}

TEST(IamPolicyDocument, DecodesPercentEscapesOnly) {
  EXPECT_EQ(iam::decode_policy_document("%7B%22a%22%3A%22b%20c%22%7D"), R"({"a":"b c"})");
  EXPECT_EQ(iam::decode_policy_document("%7b%22a+b%22%7d"), R"({"a+b"})") << "'+' stays '+'";
  EXPECT_EQ(iam::decode_policy_document(R"({"a":"100%"})"), R"({"a":"100%"})") << "already decoded";
  EXPECT_EQ(iam::decode_policy_document(""), "");
  EXPECT_FALSE(iam::decode_policy_document("%"));
  EXPECT_FALSE(iam::decode_policy_document("%7"));
  EXPECT_FALSE(iam::decode_policy_document("%G0"));
}

TEST(IamNames, ShortNamesArePlain) {
  EXPECT_EQ(iam::role_name("demo", "cluster"), "aura-demo-cluster");
  EXPECT_EQ(iam::instance_profile_name("demo", "node"), "aura-demo-node");
  EXPECT_EQ(iam::bounded_name("demo", "", 64), "aura-demo");
}

TEST(IamNames, ExactlyAtTheLimitIsKept) {
  const std::string cluster(64 - std::string("aura--cluster").size(), 'c');
  const std::string name = iam::role_name(cluster, "cluster");
  EXPECT_EQ(name.size(), 64u);
  EXPECT_EQ(name, "aura-" + cluster + "-cluster");
}

TEST(IamNames, LongNamesAreCutWithAHashAndKeepTheirSuffix) {
  const std::string cluster(100, 'x');
  const std::string name = iam::role_name(cluster, "cluster");
  EXPECT_EQ(name.size(), 64u);
  EXPECT_TRUE(name.starts_with("aura-xxx")) << name;
  EXPECT_TRUE(name.ends_with("-cluster")) << name;
  EXPECT_TRUE(iam::valid_role_name(name)) << name;
  EXPECT_EQ(name, iam::role_name(cluster, "cluster")) << "deterministic";

  // Names that differ only past the cut stay distinct.
  std::set<std::string> names;
  for (char c = 'a'; c <= 'z'; ++c) names.insert(iam::role_name(cluster + c, "cluster"));
  EXPECT_EQ(names.size(), 26u);
  // The node role and the cluster role of one cluster differ.
  EXPECT_NE(iam::role_name(cluster, "cluster"), iam::role_name(cluster, "node"));

  const std::string profile = iam::instance_profile_name(std::string(200, 'p'), "node");
  EXPECT_EQ(profile.size(), 128u);
  EXPECT_TRUE(profile.ends_with("-node"));
  EXPECT_TRUE(iam::valid_instance_profile_name(profile));
  EXPECT_FALSE(iam::valid_role_name(profile)) << "128 fits a profile, not a role";
}

TEST(IamNames, ForbiddenCharactersAreReplacedAndDisambiguated) {
  const std::string a = iam::role_name("team/demo", "cluster");
  const std::string b = iam::role_name("team-demo", "cluster");
  EXPECT_TRUE(iam::valid_role_name(a)) << a;
  EXPECT_EQ(b, "aura-team-demo-cluster");
  EXPECT_NE(a, b) << "sanitized alike, hashed apart";
  EXPECT_TRUE(a.starts_with("aura-team-demo-")) << a;
  EXPECT_TRUE(a.ends_with("-cluster")) << a;
  EXPECT_TRUE(iam::valid_role_name(iam::role_name("ünïcode name", "node")));
}

TEST(IamNames, AnOversizedSuffixStillFits) {
  const std::string name = iam::role_name("demo", std::string(80, 's'));
  EXPECT_LE(name.size(), 64u);
  EXPECT_TRUE(name.starts_with("aura-")) << name;
  EXPECT_TRUE(iam::valid_role_name(name)) << name;
  EXPECT_NE(name, iam::role_name("demo", std::string(81, 's')));
}

TEST(IamNames, Validation) {
  EXPECT_FALSE(iam::valid_role_name(""));
  EXPECT_FALSE(iam::valid_role_name(std::string(65, 'a')));
  EXPECT_TRUE(iam::valid_role_name(std::string(64, 'a')));
  EXPECT_TRUE(iam::valid_role_name("a+=,.@_-Z9"));
  EXPECT_FALSE(iam::valid_role_name("a/b"));
  EXPECT_FALSE(iam::valid_role_name("a b"));
  EXPECT_TRUE(iam::valid_path("/"));
  EXPECT_TRUE(iam::valid_path("/aura/"));
  EXPECT_TRUE(iam::valid_path("/aura/default/"));
  EXPECT_FALSE(iam::valid_path(""));
  EXPECT_FALSE(iam::valid_path("aura/"));
  EXPECT_FALSE(iam::valid_path("/aura"));
  EXPECT_FALSE(iam::valid_path("/a b/"));
  EXPECT_FALSE(iam::valid_path("/" + std::string(511, 'a') + "/"));
  EXPECT_TRUE(iam::valid_path(iam::kAuraPath));
}

// ------------------------------------------------------------------------------------- EKS ---

TEST(EksRequests, CreateClusterBody) {
  eks::CreateClusterRequest r;
  r.name = "aura-demo";
  r.version = "1.31";
  r.role_arn = "arn:aws:iam::123456789012:role/aura/aura-demo-cluster";
  r.vpc.subnet_ids = {"subnet-1", "subnet-2"};
  r.vpc.security_group_ids = {"sg-1"};
  r.vpc.endpoint.public_access = true;
  r.vpc.endpoint.private_access = true;
  r.vpc.endpoint.public_access_cidrs = {"203.0.113.0/24"};
  r.logging = eks::Logging{{"api", "audit"}, {"scheduler"}};
  r.kms_key_arn = "arn:aws:kms:us-west-2:123456789012:key/1234abcd";
  r.tags = {{"aura.io/managed-by", "aura-operator"}};
  r.client_request_token = "uid-1234-cluster";
  const eks::Request req = eks::create_cluster(r);
  EXPECT_EQ(req.method, "POST");
  EXPECT_EQ(req.path, "/clusters");
  const json expected = json::parse(R"({
    "name": "aura-demo",
    "version": "1.31",
    "roleArn": "arn:aws:iam::123456789012:role/aura/aura-demo-cluster",
    "resourcesVpcConfig": {
      "subnetIds": ["subnet-1", "subnet-2"],
      "securityGroupIds": ["sg-1"],
      "endpointPublicAccess": true,
      "endpointPrivateAccess": true,
      "publicAccessCidrs": ["203.0.113.0/24"]
    },
    "logging": {"clusterLogging": [
      {"types": ["api", "audit"], "enabled": true},
      {"types": ["scheduler"], "enabled": false}
    ]},
    "encryptionConfig": [{"resources": ["secrets"],
                          "provider": {"keyArn": "arn:aws:kms:us-west-2:123456789012:key/1234abcd"}}],
    "accessConfig": {"authenticationMode": "API_AND_CONFIG_MAP",
                     "bootstrapClusterCreatorAdminPermissions": true},
    "tags": {"aura.io/managed-by": "aura-operator"},
    "clientRequestToken": "uid-1234-cluster"
  })");
  EXPECT_EQ(req.body, expected) << req.body.dump(2);
}

TEST(EksRequests, CreateClusterLeavesOutWhatIsNotSet) {
  eks::CreateClusterRequest r;
  r.name = "c";
  r.role_arn = "arn:aws:iam::1:role/r";
  r.vpc.subnet_ids = {"subnet-1"};
  const json body = eks::create_cluster(r).body;
  for (const char* absent : {"version", "logging", "encryptionConfig", "tags", "clientRequestToken",
                             "kubernetesNetworkConfig"})
    EXPECT_FALSE(body.contains(absent)) << absent;
  EXPECT_EQ(body["resourcesVpcConfig"], json::parse(R"({"subnetIds":["subnet-1"]})"));
  EXPECT_EQ(body["accessConfig"]["authenticationMode"], "API_AND_CONFIG_MAP");
  EXPECT_EQ(body["accessConfig"]["bootstrapClusterCreatorAdminPermissions"], true);
  r.service_ipv4_cidr = "172.20.0.0/16";
  EXPECT_EQ(eks::create_cluster(r).body["kubernetesNetworkConfig"]["serviceIpv4Cidr"],
            "172.20.0.0/16");
}

TEST(EksRequests, UpdateClusterConfigSendsEndpointAccessAndLoggingOnly) {
  eks::UpdateClusterConfigRequest r;
  r.name = "demo";
  r.endpoint = eks::EndpointAccess{false, true, {}};
  r.logging = eks::Logging{{}, eks::kAllLogTypes};
  r.client_request_token = "uid-update-1";
  const eks::Request req = eks::update_cluster_config(r);
  EXPECT_EQ(req.method, "POST");
  EXPECT_EQ(req.path, "/clusters/demo/update-config");
  EXPECT_EQ(req.body, json::parse(R"({
    "resourcesVpcConfig": {"endpointPublicAccess": false, "endpointPrivateAccess": true},
    "logging": {"clusterLogging": [{"types": ["api","audit","authenticator","controllerManager",
                                              "scheduler"], "enabled": false}]},
    "clientRequestToken": "uid-update-1"
  })"))
      << req.body.dump(2);
}

TEST(EksRequests, ClusterPathsAndPaging) {
  EXPECT_EQ(eks::describe_cluster("demo").path, "/clusters/demo");
  EXPECT_EQ(eks::describe_cluster("demo").method, "GET");
  EXPECT_TRUE(eks::describe_cluster("demo").body.is_null());
  EXPECT_EQ(eks::delete_cluster("demo").method, "DELETE");
  EXPECT_EQ(eks::delete_cluster("demo").path, "/clusters/demo");
  EXPECT_EQ(eks::list_clusters("").path, "/clusters");
  EXPECT_EQ(eks::list_clusters("abc/+=", 50).path,
            "/clusters?maxResults=50&nextToken=abc%2F%2B%3D");
  EXPECT_EQ(eks::list_nodegroups("demo", "t").path, "/clusters/demo/node-groups?nextToken=t");
  // Segments are encoded: nothing in a name can change the path's shape.
  EXPECT_EQ(eks::describe_cluster("a/b c").path, "/clusters/a%2Fb%20c");
}

TEST(EksRequests, CreateNodegroupBody) {
  eks::CreateNodegroupRequest r;
  r.cluster_name = "demo";
  r.nodegroup_name = "gpu";
  r.subnets = {"subnet-1", "subnet-2"};
  r.node_role = "arn:aws:iam::123456789012:role/aura/aura-demo-node";
  r.scaling = {1, 4, 2};
  r.instance_types = {"g5.xlarge"};
  r.capacity_type = "SPOT";
  r.ami_type = "AL2023_x86_64_NVIDIA";
  r.disk_size = 100;
  r.labels = {{"aura.io/pool", "gpu"}};
  r.taints = {{"nvidia.com/gpu", "true", "NO_SCHEDULE"}, {"dedicated", "", "NO_EXECUTE"}};
  r.tags = {{"aura.io/managed-by", "aura-operator"}};
  r.client_request_token = "uid-np-1";
  const eks::Request req = eks::create_nodegroup(r);
  EXPECT_EQ(req.method, "POST");
  EXPECT_EQ(req.path, "/clusters/demo/node-groups");
  EXPECT_EQ(req.body, json::parse(R"({
    "nodegroupName": "gpu",
    "subnets": ["subnet-1", "subnet-2"],
    "nodeRole": "arn:aws:iam::123456789012:role/aura/aura-demo-node",
    "scalingConfig": {"minSize": 1, "maxSize": 4, "desiredSize": 2},
    "instanceTypes": ["g5.xlarge"],
    "capacityType": "SPOT",
    "amiType": "AL2023_x86_64_NVIDIA",
    "diskSize": 100,
    "labels": {"aura.io/pool": "gpu"},
    "taints": [{"key": "nvidia.com/gpu", "value": "true", "effect": "NO_SCHEDULE"},
               {"key": "dedicated", "effect": "NO_EXECUTE"}],
    "tags": {"aura.io/managed-by": "aura-operator"},
    "clientRequestToken": "uid-np-1"
  })"))
      << req.body.dump(2);
  EXPECT_FALSE(req.body.contains("clusterName")) << "the cluster is in the path";
}

TEST(EksRequests, UpdateNodegroupConfigBody) {
  eks::UpdateNodegroupConfigRequest r;
  r.cluster_name = "demo";
  r.nodegroup_name = "gpu";
  r.scaling = eks::ScalingConfig{0, 8, 3};
  r.add_or_update_labels = {{"a", "1"}};
  r.remove_labels = {"b"};
  r.remove_taints = {{"dedicated", "", "NO_EXECUTE"}};
  const eks::Request req = eks::update_nodegroup_config(r);
  EXPECT_EQ(req.path, "/clusters/demo/node-groups/gpu/update-config");
  EXPECT_EQ(req.body, json::parse(R"({
    "scalingConfig": {"minSize": 0, "maxSize": 8, "desiredSize": 3},
    "labels": {"addOrUpdateLabels": {"a": "1"}, "removeLabels": ["b"]},
    "taints": {"removeTaints": [{"key": "dedicated", "effect": "NO_EXECUTE"}]}
  })"))
      << req.body.dump(2);
  eks::UpdateNodegroupConfigRequest empty;
  empty.cluster_name = "c";
  empty.nodegroup_name = "n";
  EXPECT_EQ(eks::update_nodegroup_config(empty).body, json::object());
  EXPECT_EQ(eks::describe_nodegroup("demo", "gpu").path, "/clusters/demo/node-groups/gpu");
  EXPECT_EQ(eks::delete_nodegroup("demo", "gpu").method, "DELETE");
}

TEST(EksRequests, Addons) {
  eks::CreateAddonRequest r;
  r.cluster_name = "demo";
  r.addon_name = "aws-ebs-csi-driver";
  r.addon_version = "v1.35.0-eksbuild.1";
  r.resolve_conflicts = "OVERWRITE";
  r.pod_identity_associations = {{"ebs-csi-controller-sa", "arn:aws:iam::1:role/ebs"}};
  r.client_request_token = "uid-addon-ebs";
  const eks::Request req = eks::create_addon(r);
  EXPECT_EQ(req.path, "/clusters/demo/addons");
  EXPECT_EQ(req.body, json::parse(R"({
    "addonName": "aws-ebs-csi-driver",
    "addonVersion": "v1.35.0-eksbuild.1",
    "resolveConflicts": "OVERWRITE",
    "podIdentityAssociations": [{"serviceAccount": "ebs-csi-controller-sa",
                                 "roleArn": "arn:aws:iam::1:role/ebs"}],
    "clientRequestToken": "uid-addon-ebs"
  })"))
      << req.body.dump(2);
  EXPECT_EQ(eks::describe_addon("demo", "vpc-cni").path, "/clusters/demo/addons/vpc-cni");
  EXPECT_EQ(eks::delete_addon("demo", "vpc-cni", false).path, "/clusters/demo/addons/vpc-cni");
  EXPECT_EQ(eks::delete_addon("demo", "vpc-cni", true).path,
            "/clusters/demo/addons/vpc-cni?preserve=true");
  EXPECT_EQ(eks::list_addons("demo", "").path, "/clusters/demo/addons");
}

TEST(EksRequests, AccessEntryPathsEncodePrincipalAndPolicyArns) {
  const std::string principal = "arn:aws:iam::123456789012:role/aura/operator";
  const std::string encoded = "arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Faura%2Foperator";
  EXPECT_EQ(eks::segment(principal), encoded);

  eks::CreateAccessEntryRequest r;
  r.cluster_name = "demo";
  r.principal_arn = principal;
  r.kubernetes_groups = {"aura-admins"};
  r.type = "STANDARD";
  r.client_request_token = "uid-ae";
  const eks::Request create = eks::create_access_entry(r);
  EXPECT_EQ(create.path, "/clusters/demo/access-entries");
  EXPECT_EQ(create.body,
            json::parse(R"({"principalArn": "arn:aws:iam::123456789012:role/aura/operator",
    "kubernetesGroups": ["aura-admins"], "type": "STANDARD", "clientRequestToken": "uid-ae"})"));

  EXPECT_EQ(eks::describe_access_entry("demo", principal).path,
            "/clusters/demo/access-entries/" + encoded);
  EXPECT_EQ(eks::delete_access_entry("demo", principal).method, "DELETE");
  EXPECT_EQ(eks::delete_access_entry("demo", principal).path,
            "/clusters/demo/access-entries/" + encoded);

  const std::string policy = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy";
  const eks::Request assoc =
      eks::associate_access_policy("demo", principal, policy, {"namespace", {"team-a", "team-b"}});
  EXPECT_EQ(assoc.method, "POST");
  EXPECT_EQ(assoc.path, "/clusters/demo/access-entries/" + encoded + "/access-policies");
  EXPECT_EQ(assoc.body, json::parse(R"({"policyArn":
    "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy",
    "accessScope": {"type": "namespace", "namespaces": ["team-a", "team-b"]}})"));
  EXPECT_EQ(eks::associate_access_policy("demo", principal, policy, {}).body["accessScope"],
            json::parse(R"({"type": "cluster"})"));

  const eks::Request dis = eks::disassociate_access_policy("demo", principal, policy);
  EXPECT_EQ(dis.method, "DELETE");
  EXPECT_EQ(dis.path,
            "/clusters/demo/access-entries/" + encoded +
                "/access-policies/"
                "arn%3Aaws%3Aeks%3A%3Aaws%3Acluster-access-policy%2FAmazonEKSClusterAdminPolicy");
  EXPECT_EQ(eks::list_associated_access_policies("demo", principal, "").path,
            "/clusters/demo/access-entries/" + encoded + "/access-policies");

  // SigV4 for EKS encodes the sent path a second time in the canonical request.
  EXPECT_EQ(sigv4::canonical_uri("/clusters/demo/access-entries/" + encoded, true),
            "/clusters/demo/access-entries/"
            "arn%253Aaws%253Aiam%253A%253A123456789012%253Arole%252Faura%252Foperator");
}

TEST(EksRequests, PodIdentityAssociations) {
  eks::CreatePodIdentityAssociationRequest r;
  r.cluster_name = "demo";
  r.namespace_ = "kube-system";
  r.service_account = "karpenter";
  r.role_arn = "arn:aws:iam::1:role/karpenter";
  r.tags = {{"aura.io/managed-by", "aura-operator"}};
  const eks::Request create = eks::create_pod_identity_association(r);
  EXPECT_EQ(create.path, "/clusters/demo/pod-identity-associations");
  EXPECT_EQ(create.body, json::parse(R"({"namespace": "kube-system", "serviceAccount": "karpenter",
    "roleArn": "arn:aws:iam::1:role/karpenter", "tags": {"aura.io/managed-by": "aura-operator"}})"));
  EXPECT_EQ(eks::describe_pod_identity_association("demo", "a-1").path,
            "/clusters/demo/pod-identity-associations/a-1");
  EXPECT_EQ(eks::delete_pod_identity_association("demo", "a-1").method, "DELETE");
  EXPECT_EQ(
      eks::list_pod_identity_associations("demo", "kube-system", "karpenter", "").path,
      "/clusters/demo/pod-identity-associations?namespace=kube-system&serviceAccount=karpenter");
  EXPECT_EQ(eks::list_pod_identity_associations("demo", "", "", "").path,
            "/clusters/demo/pod-identity-associations");
}

TEST(EksRequests, TagsAddressTheResourceArnAsOneSegment) {
  const std::string arn = "arn:aws:eks:us-west-2:012345678910:nodegroup/demo/gpu/0ec3-11";
  const std::string encoded =
      "arn%3Aaws%3Aeks%3Aus-west-2%3A012345678910%3Anodegroup%2Fdemo%2Fgpu%2F0ec3-11";
  const eks::Request tag = eks::tag_resource(arn, {{"team", "ml"}});
  EXPECT_EQ(tag.method, "POST");
  EXPECT_EQ(tag.path, "/tags/" + encoded);
  EXPECT_EQ(tag.body, json::parse(R"({"tags": {"team": "ml"}})"));
  EXPECT_EQ(eks::list_tags_for_resource(arn).path, "/tags/" + encoded);
  const eks::Request untag = eks::untag_resource(arn, {"team", "aura.io/x"});
  EXPECT_EQ(untag.method, "DELETE");
  EXPECT_EQ(untag.path, "/tags/" + encoded + "?tagKeys=team&tagKeys=aura.io%2Fx");
}

// DescribeCluster as the API reference shows it, with the fields a reconciler reads.
constexpr const char* kDescribeCluster = R"({
  "cluster": {
    "name": "devel",
    "arn": "arn:aws:eks:us-west-2:012345678910:cluster/devel",
    "createdAt": 1527807879.988,
    "version": "1.31",
    "endpoint": "https://A0DCCD80A04F01705DD065655C30CC3D.yl4.us-west-2.eks.amazonaws.com",
    "roleArn": "arn:aws:iam::012345678910:role/eks-service-role",
    "resourcesVpcConfig": {
      "subnetIds": ["subnet-6782e71e", "subnet-e7e761ac"],
      "securityGroupIds": ["sg-6979fe18"],
      "clusterSecurityGroupId": "sg-0123456789abcdef0",
      "vpcId": "vpc-950809ec",
      "endpointPublicAccess": true,
      "endpointPrivateAccess": false,
      "publicAccessCidrs": ["0.0.0.0/0"]
    },
    "kubernetesNetworkConfig": {"serviceIpv4Cidr": "10.100.0.0/16", "ipFamily": "ipv4"},
    "logging": {"clusterLogging": [
      {"types": ["api", "audit"], "enabled": true},
      {"types": ["authenticator", "controllerManager", "scheduler"], "enabled": false}]},
    "identity": {"oidc": {"issuer": "https://oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE"}},
    "status": "ACTIVE",
    "certificateAuthority": {"data": "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUN5RENDQWJDZ0F3SUJBZ0lCQURBTkJna3Foa2lHOXcwQkFRc0ZBREFWTVJNd0VRWURWUVFERXdwcmRXSmwKY201bGRHVnpNQjRYRFRFNE1EVXpNVEl6TVRFek1Wb1hEVEk0TURVeU9ESXpNVEV6TVZvd0ZURVRNQkVHQTFVRQo="},
    "clientRequestToken": "uid-1234-cluster",
    "platformVersion": "eks.9",
    "tags": {"aura.io/managed-by": "aura-operator"},
    "encryptionConfig": [{"resources": ["secrets"],
                          "provider": {"keyArn": "arn:aws:kms:us-west-2:012345678910:key/k"}}],
    "health": {"issues": [{"code": "Ec2SubnetNotFound", "message": "gone",
                           "resourceIds": ["subnet-6782e71e"]}]},
    "accessConfig": {"bootstrapClusterCreatorAdminPermissions": true,
                     "authenticationMode": "API_AND_CONFIG_MAP"},
    "upgradePolicy": {"supportType": "STANDARD"}
  }
})";

TEST(EksResponses, DescribeCluster) {
  auto c = eks::parse_cluster(json::parse(kDescribeCluster), "DescribeCluster");
  ASSERT_TRUE(c) << c.error().str();
  EXPECT_EQ(c->name, "devel");
  EXPECT_EQ(c->arn, "arn:aws:eks:us-west-2:012345678910:cluster/devel");
  EXPECT_EQ(c->status, eks::kActive);
  EXPECT_EQ(c->version, "1.31");
  EXPECT_EQ(c->platform_version, "eks.9");
  EXPECT_EQ(c->endpoint,
            "https://A0DCCD80A04F01705DD065655C30CC3D.yl4.us-west-2.eks.amazonaws.com");
  EXPECT_TRUE(c->certificate_authority_data.starts_with("LS0tLS1CRUdJTi"));
  EXPECT_EQ(c->oidc_issuer,
            "https://oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE");
  EXPECT_EQ(c->role_arn, "arn:aws:iam::012345678910:role/eks-service-role");
  EXPECT_EQ(c->vpc_id, "vpc-950809ec");
  EXPECT_EQ(c->cluster_security_group_id, "sg-0123456789abcdef0");
  EXPECT_EQ(c->vpc.subnet_ids, (std::vector<std::string>{"subnet-6782e71e", "subnet-e7e761ac"}));
  EXPECT_EQ(c->vpc.security_group_ids, std::vector<std::string>{"sg-6979fe18"});
  EXPECT_EQ(c->vpc.endpoint.public_access, true);
  EXPECT_EQ(c->vpc.endpoint.private_access, false);
  EXPECT_EQ(c->vpc.endpoint.public_access_cidrs, std::vector<std::string>{"0.0.0.0/0"});
  EXPECT_EQ(c->logging.enabled, (std::vector<std::string>{"api", "audit"}));
  EXPECT_EQ(c->logging.disabled.size(), 3u);
  EXPECT_EQ(c->kms_key_arn, "arn:aws:kms:us-west-2:012345678910:key/k");
  EXPECT_EQ(c->authentication_mode, "API_AND_CONFIG_MAP");
  EXPECT_EQ(c->service_ipv4_cidr, "10.100.0.0/16");
  EXPECT_EQ(c->client_request_token, "uid-1234-cluster");
  ASSERT_TRUE(c->created_at);
  EXPECT_EQ(std::chrono::duration_cast<std::chrono::milliseconds>(c->created_at->time_since_epoch())
                .count(),
            1527807879988);
  ASSERT_EQ(c->health_issues.size(), 1u);
  EXPECT_EQ(c->health_issues[0].code, "Ec2SubnetNotFound");
  EXPECT_EQ(c->tags.at("aura.io/managed-by"), "aura-operator");
}

TEST(EksResponses, ACreatingClusterHasNoEndpointYet) {
  auto c = eks::parse_cluster(json::parse(R"({"cluster": {"name": "c", "status": "CREATING",
    "endpoint": null, "certificateAuthority": {}, "createdAt": "2024-05-01T10:00:00Z"}})"),
                              "CreateCluster");
  ASSERT_TRUE(c) << c.error().str();
  EXPECT_EQ(c->status, eks::kCreating);
  EXPECT_TRUE(c->endpoint.empty());
  EXPECT_TRUE(c->certificate_authority_data.empty());
  EXPECT_TRUE(c->created_at) << "RFC 3339 timestamps are read too";
}

TEST(EksResponses, Update) {
  auto u =
      eks::parse_update(json::parse(R"({"update": {"id": "b5f0ba18-9a87-4450-b5a0-825e6e84496f",
    "status": "Failed", "type": "EndpointAccessUpdate",
    "params": [{"type": "EndpointPublicAccess", "value": "false"}],
    "createdAt": 1565816113.035,
    "errors": [{"errorCode": "InsufficientFreeAddresses", "errorMessage": "no IPs",
                "resourceIds": ["subnet-1"]}]}})"),
                        "UpdateClusterConfig");
  ASSERT_TRUE(u) << u.error().str();
  EXPECT_EQ(u->id, "b5f0ba18-9a87-4450-b5a0-825e6e84496f");
  EXPECT_EQ(u->status, "Failed");
  EXPECT_EQ(u->type, "EndpointAccessUpdate");
  EXPECT_EQ(u->errors, std::vector<std::string>{"InsufficientFreeAddresses: no IPs"});
}

TEST(EksResponses, Nodegroup) {
  auto n = eks::parse_nodegroup(json::parse(R"({"nodegroup": {
    "nodegroupName": "gpu",
    "nodegroupArn": "arn:aws:eks:us-west-2:012345678910:nodegroup/demo/gpu/a2c6e1f4",
    "clusterName": "demo", "version": "1.31", "releaseVersion": "1.31.0-20241024",
    "createdAt": 1730000000, "modifiedAt": 1730000100, "status": "CREATE_FAILED",
    "capacityType": "SPOT",
    "scalingConfig": {"minSize": 1, "maxSize": 4, "desiredSize": 2},
    "instanceTypes": ["g5.xlarge"], "subnets": ["subnet-1"],
    "amiType": "AL2023_x86_64_NVIDIA",
    "nodeRole": "arn:aws:iam::012345678910:role/node",
    "labels": {"aura.io/pool": "gpu"},
    "taints": [{"key": "nvidia.com/gpu", "value": "true", "effect": "NO_SCHEDULE"}],
    "resources": {"autoScalingGroups": [{"name": "eks-gpu-a2c6e1f4"}],
                  "remoteAccessSecurityGroup": "sg-1"},
    "diskSize": 100,
    "health": {"issues": [{"code": "AsgInstanceLaunchFailures",
                           "message": "Could not launch Spot Instances", "resourceIds": ["eks-gpu-a2c6e1f4"]}]},
    "updateConfig": {"maxUnavailable": 1},
    "tags": {"aura.io/managed-by": "aura-operator"}}})"),
                                "DescribeNodegroup");
  ASSERT_TRUE(n) << n.error().str();
  EXPECT_EQ(n->name, "gpu");
  EXPECT_EQ(n->cluster_name, "demo");
  EXPECT_EQ(n->status, eks::kCreateFailed);
  EXPECT_EQ(n->scaling, (eks::ScalingConfig{1, 4, 2}));
  EXPECT_EQ(n->instance_types, std::vector<std::string>{"g5.xlarge"});
  EXPECT_EQ(n->capacity_type, "SPOT");
  EXPECT_EQ(n->disk_size, 100);
  EXPECT_EQ(n->labels.at("aura.io/pool"), "gpu");
  ASSERT_EQ(n->taints.size(), 1u);
  EXPECT_EQ(n->taints[0], (eks::Taint{"nvidia.com/gpu", "true", "NO_SCHEDULE"}));
  EXPECT_EQ(n->autoscaling_groups, std::vector<std::string>{"eks-gpu-a2c6e1f4"});
  ASSERT_EQ(n->health_issues.size(), 1u);
  EXPECT_EQ(n->health_issues[0].code, "AsgInstanceLaunchFailures");
  EXPECT_EQ(n->tags.size(), 1u);
  // moto answers diskSize as a string.
  auto m = eks::parse_nodegroup(json::parse(R"({"nodegroup": {"nodegroupName": "n",
    "diskSize": "20"}})"),
                                "CreateNodegroup");
  ASSERT_TRUE(m) << m.error().str();
  EXPECT_EQ(m->disk_size, 20);
}

TEST(EksResponses, AddonAccessEntryAndPodIdentity) {
  auto a = eks::parse_addon(json::parse(R"({"addon": {"addonName": "vpc-cni", "clusterName": "demo",
    "status": "DEGRADED", "addonVersion": "v1.18.5-eksbuild.1",
    "health": {"issues": [{"code": "InsufficientNumberOfReplicas", "message": "m"}]},
    "addonArn": "arn:aws:eks:us-west-2:1:addon/demo/vpc-cni/1", "createdAt": 1.7e9,
    "serviceAccountRoleArn": "arn:aws:iam::1:role/cni", "tags": {}}})"),
                            "DescribeAddon");
  ASSERT_TRUE(a) << a.error().str();
  EXPECT_EQ(a->name, "vpc-cni");
  EXPECT_EQ(a->status, eks::kDegraded);
  EXPECT_EQ(a->version, "v1.18.5-eksbuild.1");
  EXPECT_EQ(a->service_account_role_arn, "arn:aws:iam::1:role/cni");
  ASSERT_EQ(a->health_issues.size(), 1u);

  auto e = eks::parse_access_entry(json::parse(R"({"accessEntry": {"clusterName": "demo",
    "principalArn": "arn:aws:iam::1:role/operator", "kubernetesGroups": [],
    "accessEntryArn": "arn:aws:eks:us-west-2:1:access-entry/demo/role/1/operator/x",
    "createdAt": 1.7e9, "modifiedAt": 1.7e9, "tags": {}, "username": "arn:aws:sts::1:assumed-role/operator/{{SessionName}}",
    "type": "STANDARD"}})"),
                                   "DescribeAccessEntry");
  ASSERT_TRUE(e) << e.error().str();
  EXPECT_EQ(e->principal_arn, "arn:aws:iam::1:role/operator");
  EXPECT_EQ(e->type, "STANDARD");
  EXPECT_TRUE(e->username.ends_with("{{SessionName}}"));

  auto p = eks::parse_associate_access_policy(json::parse(R"({"clusterName": "demo",
    "principalArn": "arn:aws:iam::1:role/operator",
    "associatedAccessPolicy": {"policyArn": "arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy",
      "accessScope": {"type": "namespace", "namespaces": ["a"]}, "associatedAt": 1.7e9}})"));
  ASSERT_TRUE(p) << p.error().str();
  EXPECT_EQ(p->scope, (eks::AccessScope{"namespace", {"a"}}));

  std::string next = "stale";
  auto ps = eks::parse_associated_access_policies(
      json::parse(R"({"clusterName": "demo", "principalArn": "p", "nextToken": null,
        "associatedAccessPolicies": [{"policyArn": "x", "accessScope": {"type": "cluster"}}]})"),
      &next);
  ASSERT_TRUE(ps) << ps.error().str();
  ASSERT_EQ(ps->size(), 1u);
  EXPECT_EQ((*ps)[0].scope.type, "cluster");
  EXPECT_TRUE(next.empty());

  auto i = eks::parse_pod_identity_association(json::parse(R"({"association": {
    "clusterName": "demo", "namespace": "kube-system", "serviceAccount": "karpenter",
    "roleArn": "arn:aws:iam::1:role/karpenter",
    "associationArn": "arn:aws:eks:us-west-2:1:podidentityassociation/demo/a-abcdefghijklmnop1",
    "associationId": "a-abcdefghijklmnop1", "tags": {"k": "v"}, "createdAt": 1.7e9}})"),
                                               "DescribePodIdentityAssociation");
  ASSERT_TRUE(i) << i.error().str();
  EXPECT_EQ(i->id, "a-abcdefghijklmnop1");
  EXPECT_EQ(i->namespace_, "kube-system");
  EXPECT_EQ(i->role_arn, "arn:aws:iam::1:role/karpenter");

  auto is = eks::parse_pod_identity_association_list(
      json::parse(R"({"associations": [{"clusterName": "demo", "namespace": "ns",
        "serviceAccount": "sa", "associationArn": "arn", "associationId": "a-1"}],
        "nextToken": "t2"})"),
      &next);
  ASSERT_TRUE(is) << is.error().str();
  EXPECT_EQ(is->size(), 1u);
  EXPECT_EQ(next, "t2");
}

TEST(EksResponses, NameListsAndTags) {
  auto l = eks::parse_name_list(json::parse(R"({"clusters": ["a", "b"], "nextToken": null})"),
                                "clusters", "ListClusters");
  ASSERT_TRUE(l) << l.error().str();
  EXPECT_EQ(l->names, (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(l->next_token.empty());
  auto l2 = eks::parse_name_list(json::parse(R"({"nodegroups": [], "nextToken": "abc"})"),
                                 "nodegroups", "ListNodegroups");
  ASSERT_TRUE(l2);
  EXPECT_EQ(l2->next_token, "abc");
  auto l3 = eks::parse_name_list(json::object(), "addons", "ListAddons");
  ASSERT_TRUE(l3) << "an empty listing may leave the list out";
  EXPECT_TRUE(l3->names.empty());
  auto t = eks::parse_tags(json::parse(R"({"tags": {"a": "1"}})"));
  ASSERT_TRUE(t);
  EXPECT_EQ(t->at("a"), "1");
}

TEST(EksResponses, MalformedAnswersAreErrorsNotCrashes) {
  const char* bodies[] = {
      "null",
      "[]",
      "\"cluster\"",
      "42",
      "{}",
      R"({"cluster": "devel"})",
      R"({"cluster": {}})",
      R"({"cluster": {"name": 7}})",
      R"({"cluster": {"name": "c", "status": 1}})",
      R"({"cluster": {"name": "c", "resourcesVpcConfig": {"subnetIds": "subnet-1"}}})",
      R"({"cluster": {"name": "c", "resourcesVpcConfig": {"subnetIds": [1, 2]}}})",
      R"({"cluster": {"name": "c", "resourcesVpcConfig": {"endpointPublicAccess": "yes"}}})",
      R"({"cluster": {"name": "c", "logging": {"clusterLogging": "all"}}})",
      R"({"cluster": {"name": "c", "logging": {"clusterLogging": [{"types": "api"}]}}})",
      R"({"cluster": {"name": "c", "identity": {"oidc": []}}})",
      R"({"cluster": {"name": "c", "tags": {"a": 1}}})",
      R"({"cluster": {"name": "c", "tags": []}})",
      R"({"cluster": {"name": "c", "health": {"issues": [1]}}})",
      R"({"nodegroup": {"nodegroupName": "n", "scalingConfig": {"minSize": "abc"}}})",
      R"({"nodegroup": {"nodegroupName": "n", "scalingConfig": {"minSize": 1e30}}})",
      R"({"nodegroup": {"nodegroupName": "n", "scalingConfig": {"minSize": 99999999999}}})",
      R"({"nodegroup": {"nodegroupName": "n", "taints": {"key": "k"}}})",
      R"({"nodegroup": {"nodegroupName": "n", "diskSize": true}})",
      R"({"nodegroup": {"nodegroupName": "n", "labels": {"a": null}}})",
      R"({"update": {"status": "Successful"}})",
      R"({"addon": {"addonName": ["x"]}})",
      R"({"accessEntry": {"kubernetesGroups": ["a"]}})",
      R"({"association": {"associationId": {}}})",
      R"({"associatedAccessPolicy": {"policyArn": "p", "accessScope": "cluster"}})",
      R"({"clusters": "a", "nodegroups": [null], "addons": {}, "nextToken": 5})",
      R"({"associations": [{"associationId": 1}], "associatedAccessPolicies": [{}]})",
      R"({"tags": ["a"]})",
  };
  for (const char* text : bodies) {
    const json body = json::parse(text);
    const auto expect_error = [&](const auto& result, const char* what) {
      if (result) return;
      EXPECT_EQ(result.error().code, "MalformedResponse") << what << " " << text;
      EXPECT_EQ(result.error().service, "eks");
    };
    std::string next;
    expect_error(eks::parse_cluster(body, "DescribeCluster"), "cluster");
    expect_error(eks::parse_update(body, "UpdateClusterConfig"), "update");
    expect_error(eks::parse_nodegroup(body, "DescribeNodegroup"), "nodegroup");
    expect_error(eks::parse_addon(body, "DescribeAddon"), "addon");
    expect_error(eks::parse_access_entry(body, "DescribeAccessEntry"), "access entry");
    expect_error(eks::parse_associate_access_policy(body), "associate");
    expect_error(eks::parse_associated_access_policies(body, &next), "associated");
    expect_error(eks::parse_pod_identity_association(body, "Describe"), "association");
    expect_error(eks::parse_pod_identity_association_list(body, &next), "associations");
    expect_error(eks::parse_name_list(body, "clusters", "ListClusters"), "clusters");
    expect_error(eks::parse_name_list(body, "nodegroups", "ListNodegroups"), "nodegroups");
    expect_error(eks::parse_name_list(body, "addons", "ListAddons"), "addons");
    expect_error(eks::parse_tags(body), "tags");
  }
  // The bodies that must be refused, by the parser they are meant for.
  EXPECT_FALSE(eks::parse_cluster(json::parse(R"({"cluster": {}})"), "DescribeCluster"));
  EXPECT_FALSE(eks::parse_cluster(json::parse(R"({"cluster": {"name": "c", "status": 1}})"), "D"));
  EXPECT_FALSE(eks::parse_cluster(
      json::parse(R"({"cluster": {"name": "c", "resourcesVpcConfig": {"subnetIds": [1]}}})"), "D"));
  EXPECT_FALSE(
      eks::parse_cluster(json::parse(R"({"cluster": {"name": "c", "tags": {"a": 1}}})"), "D"));
  EXPECT_FALSE(eks::parse_nodegroup(
      json::parse(R"({"nodegroup": {"nodegroupName": "n", "scalingConfig": {"minSize": "abc"}}})"),
      "D"));
  EXPECT_FALSE(eks::parse_nodegroup(
      json::parse(
          R"({"nodegroup": {"nodegroupName": "n", "scalingConfig": {"minSize": 99999999999}}})"),
      "D"));
  EXPECT_FALSE(eks::parse_update(json::parse(R"({"update": {"status": "Successful"}})"), "U"));
  EXPECT_FALSE(eks::parse_name_list(json::parse(R"({"clusters": "a"})"), "clusters", "L"));
  EXPECT_FALSE(
      eks::parse_name_list(json::parse(R"({"clusters": [], "nextToken": 5})"), "clusters", "L"));
  EXPECT_FALSE(eks::parse_tags(json::parse(R"({"tags": ["a"]})")));
  EXPECT_FALSE(eks::parse_cluster(json::parse("[]"), "D"));
}

}  // namespace
}  // namespace aura::aws
