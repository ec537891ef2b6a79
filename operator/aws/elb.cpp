#include "operator/aws/elb.h"

#include <cstring>

#include "operator/aws/paginate.h"

namespace aura::aws {

namespace {

constexpr std::string_view kV2 = "2015-12-01";
constexpr std::string_view kClassic = "2012-06-01";
constexpr size_t kTagBatch = 20;  // DescribeTags takes at most 20 resources

// Direct child by local name (the documents carry a default namespace but no prefixes).
pugi::xml_node child(const pugi::xml_node& n, const char* name) {
  return n.child(name);
}

std::vector<std::string> members(const pugi::xml_node& list) {
  std::vector<std::string> out;
  for (auto m : list.children("member")) out.emplace_back(m.child_value());
  return out;
}

pugi::xml_node result_of(const pugi::xml_document& doc, const char* op) {
  const std::string response = std::string(op) + "Response";
  const std::string result = std::string(op) + "Result";
  return doc.child(response.c_str()).child(result.c_str());
}

}  // namespace

std::vector<LoadBalancer> parse_elbv2_load_balancers(const pugi::xml_node& result,
                                                     std::string* next_marker) {
  std::vector<LoadBalancer> out;
  for (auto m : child(result, "LoadBalancers").children("member")) {
    LoadBalancer lb;
    lb.name = m.child_value("LoadBalancerName");
    lb.arn = m.child_value("LoadBalancerArn");
    lb.vpc_id = m.child_value("VpcId");
    lb.dns_name = m.child_value("DNSName");
    lb.state = m.child("State").child_value("Code");
    lb.security_groups = members(m.child("SecurityGroups"));
    out.push_back(std::move(lb));
  }
  if (next_marker) *next_marker = result.child_value("NextMarker");
  return out;
}

std::vector<LoadBalancer> parse_classic_load_balancers(const pugi::xml_node& result,
                                                       std::string* next_marker) {
  std::vector<LoadBalancer> out;
  for (auto m : child(result, "LoadBalancerDescriptions").children("member")) {
    LoadBalancer lb;
    lb.name = m.child_value("LoadBalancerName");
    lb.vpc_id = m.child_value("VPCId");
    lb.dns_name = m.child_value("DNSName");
    lb.security_groups = members(m.child("SecurityGroups"));
    out.push_back(std::move(lb));
  }
  if (next_marker) *next_marker = result.child_value("NextMarker");
  return out;
}

std::map<std::string, std::map<std::string, std::string>> parse_elb_tags(
    const pugi::xml_node& result, const char* id_element) {
  std::map<std::string, std::map<std::string, std::string>> out;
  for (auto d : result.child("TagDescriptions").children("member")) {
    auto& tags = out[d.child_value(id_element)];
    for (auto t : d.child("Tags").children("member"))
      tags[t.child_value("Key")] = t.child_value("Value");
  }
  return out;
}

namespace {

using PageParser = std::vector<LoadBalancer> (*)(const pugi::xml_node&, std::string*);

// Both ELB APIs list load balancers with Marker pagination and return their tags from a
// separate DescribeTags of at most 20 resources, keyed by ARN (v2) or name (classic).
Result<std::vector<LoadBalancer>> describe_with_tags(AwsClient& client, std::string_view version,
                                                     PageParser parse, const std::string& tag_param,
                                                     const char* tag_key,
                                                     std::string LoadBalancer::*id) {
  std::vector<LoadBalancer> all;
  auto pages = for_each_page([&](const std::string& marker) -> Result<std::string> {
    QueryParams p;
    if (!marker.empty()) p.emplace_back("Marker", marker);
    auto doc = client.query("DescribeLoadBalancers", version, p);
    if (!doc) return std::unexpected(doc.error());
    std::string next;
    auto page = parse(result_of(**doc, "DescribeLoadBalancers"), &next);
    all.insert(all.end(), page.begin(), page.end());
    return next;
  });
  if (!pages) return std::unexpected(pages.error());
  for (size_t i = 0; i < all.size(); i += kTagBatch) {
    const size_t end = std::min(all.size(), i + kTagBatch);
    QueryParams p;
    for (size_t j = i; j < end; ++j)
      p.emplace_back(tag_param + ".member." + std::to_string(j - i + 1), all[j].*id);
    auto doc = client.query("DescribeTags", version, p);
    if (!doc) return std::unexpected(doc.error());
    auto tags = parse_elb_tags(result_of(**doc, "DescribeTags"), tag_key);
    for (size_t j = i; j < end; ++j) all[j].tags = tags[all[j].*id];
  }
  return all;
}

}  // namespace

Result<std::vector<LoadBalancer>> ElbV2Client::describe_load_balancers() {
  return describe_with_tags(*client_, kV2, parse_elbv2_load_balancers, "ResourceArns",
                            "ResourceArn", &LoadBalancer::arn);
}

Result<void> ElbV2Client::delete_load_balancer(const std::string& arn) {
  auto doc = client_->query("DeleteLoadBalancer", kV2, {{"LoadBalancerArn", arn}});
  if (!doc) return std::unexpected(doc.error());
  return {};
}

Result<std::vector<std::string>> ElbV2Client::describe_target_groups(const std::string& vpc_id) {
  std::vector<std::string> arns;
  auto pages = for_each_page([&](const std::string& marker) -> Result<std::string> {
    QueryParams p;
    if (!marker.empty()) p.emplace_back("Marker", marker);
    auto doc = client_->query("DescribeTargetGroups", kV2, p);
    if (!doc) return std::unexpected(doc.error());
    auto result = result_of(**doc, "DescribeTargetGroups");
    for (auto m : result.child("TargetGroups").children("member"))
      if (vpc_id.empty() || vpc_id == m.child_value("VpcId"))
        arns.emplace_back(m.child_value("TargetGroupArn"));
    return std::string(result.child_value("NextMarker"));
  });
  if (!pages) return std::unexpected(pages.error());
  return arns;
}

Result<void> ElbV2Client::delete_target_group(const std::string& arn) {
  auto doc = client_->query("DeleteTargetGroup", kV2, {{"TargetGroupArn", arn}});
  if (!doc) return std::unexpected(doc.error());
  return {};
}

Result<std::vector<LoadBalancer>> ElbClassicClient::describe_load_balancers() {
  return describe_with_tags(*client_, kClassic, parse_classic_load_balancers, "LoadBalancerNames",
                            "LoadBalancerName", &LoadBalancer::name);
}

Result<void> ElbClassicClient::delete_load_balancer(const std::string& name) {
  auto doc = client_->query("DeleteLoadBalancer", kClassic, {{"LoadBalancerName", name}});
  if (!doc) return std::unexpected(doc.error());
  return {};
}

}  // namespace aura::aws
