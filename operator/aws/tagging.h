#pragma once

#include <map>
#include <string>
#include <vector>

#include "operator/aws/client.h"

namespace aura::aws {

struct TaggedResource {
  std::string arn;
  std::map<std::string, std::string> tags;
};

struct TagFilter {
  std::string key;
  std::vector<std::string> values;  // empty: any value
};

// Resource Groups Tagging API (json 1.1, ResourceGroupsTaggingAPI_20170126): the inventory by
// tag that garbage collection starts from. It does not cover every type (IAM, EIPs, EKS
// clusters among them), so inventories also ask each service's own describe calls.
class TaggingClient {
 public:
  explicit TaggingClient(AwsClientPtr client) : client_(std::move(client)) {}
  Result<std::vector<TaggedResource>> get_resources(
      const std::vector<TagFilter>& filters, const std::vector<std::string>& resource_types = {});

 private:
  AwsClientPtr client_;
};

}  // namespace aura::aws
