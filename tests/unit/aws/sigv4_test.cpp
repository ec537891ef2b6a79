// SigV4 against AWS's published examples and against botocore's signer (the vectors marked
// "botocore" were produced by botocore.auth.SigV4Auth with the same inputs and time).
#include "operator/aws/sigv4.h"

#include <gtest/gtest.h>

#include "operator/aws/crypto.h"
#include "operator/common/clock.h"

namespace aura::aws {
namespace {

const Credentials kDocCreds{
    "AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "", {}, "test"};

SigningScope scope(std::string service, std::string region, std::string_view time) {
  return {std::move(service), std::move(region), *parse_rfc3339(time)};
}

std::string authorization(const SignableRequest& r) {
  for (const auto& [k, v] : r.headers)
    if (k == "Authorization") return v;
  return {};
}

// docs.aws.amazon.com, "Create a signed AWS API request": IAM ListUsers.
TEST(SigV4, AwsDocumentationExampleStepByStep) {
  SignableRequest req{
      "GET", "https://iam.amazonaws.com/?Action=ListUsers&Version=2010-05-08", {}, {}};
  const HeaderList headers{{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"},
                           {"Host", "iam.amazonaws.com"},
                           {"X-Amz-Date", "20150830T123600Z"}};
  const std::string creq = sigv4::canonical_request(req, headers, sha256_hex(""), true);
  EXPECT_EQ(sha256_hex(creq), "f536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59");
  const std::string key =
      sigv4::signing_key(kDocCreds.secret_access_key, "20150830", "us-east-1", "iam");
  EXPECT_EQ(hex(key), "c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9");
  const std::string sts =
      sigv4::string_to_sign("20150830T123600Z", "20150830/us-east-1/iam/aws4_request", creq);
  EXPECT_EQ(hex(hmac_sha256(key, sts)),
            "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7");
}

// docs.aws.amazon.com, S3 "Authenticating Requests: Using Query Parameters" example.
TEST(SigV4, S3PresignedUrlDocumentationExample) {
  const Credentials creds{
      "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "", {}, "test"};
  const std::string url =
      presign_url("GET", "https://examplebucket.s3.amazonaws.com/test.txt", creds,
                  scope("s3", "us-east-1", "2013-05-24T00:00:00Z"), std::chrono::seconds(86400));
  EXPECT_TRUE(url.ends_with(
      "&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404"))
      << url;
}

TEST(SigV4, QueryProtocolMatchesBotocore) {
  SignableRequest req{"GET",
                      "https://iam.amazonaws.com/?Action=ListUsers&Version=2010-05-08",
                      {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}},
                      {}};
  sign_request(req, kDocCreds, scope("iam", "us-east-1", "2015-08-30T12:36:00Z"));
  EXPECT_EQ(authorization(req),
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, "
            "SignedHeaders=content-type;host;x-amz-content-sha256;x-amz-date, "
            "Signature=dd479fa8a80364edf2119ec24bebde66712ee9c9cb2b0d92eb3ab9ccdc0c3947");
}

TEST(SigV4, FormBodyMatchesBotocore) {
  SignableRequest req{
      "POST",
      "https://ec2.us-east-1.amazonaws.com/",
      {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}},
      "Action=DescribeVpcs&Version=2016-11-15&Filter.1.Name=tag%3Aaura.io%2Fcluster&"
      "Filter.1.Value.1=ns%2Fname"};
  sign_request(req, kDocCreds, scope("ec2", "us-east-1", "2015-08-30T12:36:00Z"));
  EXPECT_EQ(authorization(req),
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/ec2/aws4_request, "
            "SignedHeaders=content-type;host;x-amz-content-sha256;x-amz-date, "
            "Signature=3205832e7ae785ba867c7f6521e90de41c8da35b98b13cb89eaf7667650e7c3a");
}

TEST(SigV4, RestPathIsEncodedTwiceLikeBotocore) {
  // An access entry's principal ARN travels in the path, percent-encoded; non-S3 services sign
  // it encoded a second time.
  SignableRequest req{"GET",
                      "https://eks.us-west-2.amazonaws.com/clusters/demo/access-entries/"
                      "arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fadmin",
                      {},
                      {}};
  sign_request(req, kDocCreds, scope("eks", "us-west-2", "2015-08-30T12:36:00Z"));
  EXPECT_EQ(authorization(req),
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-west-2/eks/aws4_request, "
            "SignedHeaders=host;x-amz-content-sha256;x-amz-date, "
            "Signature=71a804e2c8e62f78295227ea53a19f4763bcf24b7597ee7449c48fabbb5d28d1");
}

TEST(SigV4, PresignedGetCallerIdentityForEksTokensMatchesBotocore) {
  const std::string url = presign_url(
      "GET", "https://sts.us-east-1.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15",
      kDocCreds, scope("sts", "us-east-1", "2015-08-30T12:36:00Z"), std::chrono::seconds(60),
      {{"x-k8s-aws-id", "demo"}});
  EXPECT_EQ(
      url,
      "https://sts.us-east-1.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15"
      "&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20150830%2Fus-east-1%2Fsts%"
      "2Faws4_request&X-Amz-Date=20150830T123600Z&X-Amz-Expires=60&X-Amz-SignedHeaders=host%3Bx-"
      "k8s-aws-id&X-Amz-Signature="
      "fb9423f206ba3d23c0a8d9893dacddc44d41346a301fa87a31cded9058c6e4c1");
}

TEST(SigV4, SessionTokenIsSentAndSigned) {
  Credentials temp = kDocCreds;
  temp.session_token = "token/with+chars";
  SignableRequest req{"GET", "https://sts.amazonaws.com/", {}, {}};
  sign_request(req, temp, scope("sts", "us-east-1", "2015-08-30T12:36:00Z"));
  EXPECT_NE(authorization(req).find("x-amz-security-token"), std::string::npos);
}

TEST(SigV4, ResigningReplacesTheOldSignature) {
  SignableRequest req{"GET", "https://sts.amazonaws.com/", {}, {}};
  sign_request(req, kDocCreds, scope("sts", "us-east-1", "2015-08-30T12:36:00Z"));
  sign_request(req, kDocCreds, scope("sts", "us-east-1", "2015-08-30T12:37:00Z"));
  int auths = 0;
  for (const auto& [k, _] : req.headers) auths += k == "Authorization";
  EXPECT_EQ(auths, 1);
}

TEST(SigV4, CanonicalQuerySortsAndNormalizesEncoding) {
  EXPECT_EQ(sigv4::canonical_query("b=2&a=x y&a=1&c=%2F"), "a=1&a=x%20y&b=2&c=%2F");
  EXPECT_EQ(sigv4::canonical_query(""), "");
}

TEST(Credentials, RedactedNeverShowsTheSecret) {
  const std::string r = kDocCreds.redacted();
  EXPECT_EQ(r.find(kDocCreds.secret_access_key), std::string::npos);
  EXPECT_NE(r.find("AKID"), std::string::npos);
}

}  // namespace
}  // namespace aura::aws
