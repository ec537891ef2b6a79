#pragma once

#include <map>
#include <string>
#include <vector>

#include "operator/aws/client.h"

namespace aura::aws {

// A load balancer a child cluster's Service left in the VPC (v2: ALB/NLB; classic: CLB).
struct LoadBalancer {
  std::string name;
  std::string arn;  // v2 only
  std::string vpc_id;
  std::string dns_name;
  std::string state;  // v2: provisioning, active, failed; classic: empty
  std::vector<std::string> security_groups;
  std::map<std::string, std::string> tags;
};

// Elastic Load Balancing v2 (query protocol, 2015-12-01).
class ElbV2Client {
 public:
  explicit ElbV2Client(AwsClientPtr client) : client_(std::move(client)) {}
  // Every load balancer in the region (Marker pagination), with tags (DescribeTags, 20 at a time).
  Result<std::vector<LoadBalancer>> describe_load_balancers();
  Result<void> delete_load_balancer(const std::string& arn);
  // Target groups of a VPC (they outlive their load balancer and must go too).
  Result<std::vector<std::string>> describe_target_groups(const std::string& vpc_id);
  Result<void> delete_target_group(const std::string& arn);

 private:
  AwsClientPtr client_;
};

// Classic Elastic Load Balancing (query protocol, 2012-06-01).
class ElbClassicClient {
 public:
  explicit ElbClassicClient(AwsClientPtr client) : client_(std::move(client)) {}
  Result<std::vector<LoadBalancer>> describe_load_balancers();
  Result<void> delete_load_balancer(const std::string& name);

 private:
  AwsClientPtr client_;
};

// Parsers, exposed for unit tests.
std::vector<LoadBalancer> parse_elbv2_load_balancers(const pugi::xml_node& root,
                                                     std::string* next_marker);
std::vector<LoadBalancer> parse_classic_load_balancers(const pugi::xml_node& root,
                                                       std::string* next_marker);
std::map<std::string, std::map<std::string, std::string>> parse_elb_tags(const pugi::xml_node& root,
                                                                         const char* id_element);

}  // namespace aura::aws
