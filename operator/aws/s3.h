#pragma once

#include <string>
#include <vector>

#include "operator/aws/client.h"

namespace aura::aws {

struct S3Object {
  std::string key;
  int64_t size = 0;
  std::string etag;
};

// S3 (rest-xml), path-style addressing (bucket in the path): valid for every bucket name Aura
// accepts and the only style custom endpoints serve.
class S3Client {
 public:
  explicit S3Client(AwsClientPtr client) : client_(std::move(client)) {}
  Result<void> put_object(const std::string& bucket, const std::string& key,
                          const std::string& body,
                          const std::string& content_type = "application/octet-stream");
  Result<std::string> get_object(const std::string& bucket, const std::string& key);
  Result<void> delete_object(const std::string& bucket, const std::string& key);
  // Every object under the prefix (ContinuationToken pagination).
  Result<std::vector<S3Object>> list_objects(const std::string& bucket, const std::string& prefix);
  Result<void> create_bucket(const std::string& bucket);

 private:
  std::string object_path(const std::string& bucket, const std::string& key) const;
  AwsClientPtr client_;
};

std::vector<S3Object> parse_list_objects(const pugi::xml_node& result, std::string* continuation);

}  // namespace aura::aws
