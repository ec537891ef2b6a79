#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "operator/aws/credentials.h"

namespace aura::aws {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

// A request as SigV4 sees it. `url` is absolute (scheme, host, optional port, path, query) with
// the path and query already percent-encoded as they will be sent.
struct SignableRequest {
  std::string method;
  std::string url;
  HeaderList headers;
  std::string body;
};

struct SigningScope {
  std::string service;  // signing name: ec2, iam, eks, sts, s3, ssm, ...
  std::string region;   // signing region
  std::chrono::system_clock::time_point time;
};

// The steps of Signature Version 4, exposed so that tests can check each against AWS's
// published examples.
namespace sigv4 {
// RFC 3986 encoding as SigV4 wants it: everything but A-Z a-z 0-9 - _ . ~ is %XX; '/' is kept
// when encode_slash is false (paths).
std::string uri_encode(std::string_view s, bool encode_slash = true);
std::string canonical_uri(std::string_view path, bool double_encode);
std::string canonical_query(std::string_view query);
std::string canonical_request(const SignableRequest& req, const HeaderList& signed_headers,
                              std::string_view payload_hash, bool double_encode_path);
std::string string_to_sign(std::string_view amz_date, std::string_view scope,
                           std::string_view canonical_request);
std::string signing_key(std::string_view secret, std::string_view date, std::string_view region,
                        std::string_view service);
std::string amz_date(std::chrono::system_clock::time_point t);  // 20150830T123600Z
}  // namespace sigv4

// Signs in place with an Authorization header, adding host, x-amz-date, x-amz-content-sha256
// (on every request, as the SDKs do: S3 requires it and it pins the payload) and
// x-amz-security-token for temporary credentials.
void sign_request(SignableRequest& req, const Credentials& creds, const SigningScope& scope);

// A presigned URL (query-string authentication) valid for `expires`. `extra_headers` are signed
// and must be sent by whoever uses the URL (EKS tokens sign x-k8s-aws-id).
std::string presign_url(std::string_view method, std::string_view url, const Credentials& creds,
                        const SigningScope& scope, std::chrono::seconds expires,
                        const HeaderList& extra_headers = {});

}  // namespace aura::aws
