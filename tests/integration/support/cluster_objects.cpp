#include "tests/integration/support/cluster_objects.h"

#include <fstream>
#include <stdexcept>

#include "operator/kube/resource.h"
#include "reconcilers/ephemeral_cluster/control_plane.h"
#include "reconcilers/ephemeral_cluster/iam_roles.h"
#include "reconcilers/ephemeral_cluster/network.h"
#include "tests/integration/support/aws_env.h"
#include "tests/integration/support/operator_fixture.h"

namespace aura::testing {

namespace {

void kubectl_or_throw(const std::vector<std::string>& args) {
  auto r = TestEnv::get().kubectl(args);
  if (r.exit_code != 0) throw std::runtime_error("kubectl " + args.front() + ": " + r.err);
}

}  // namespace

ClusterObjects::ClusterObjects(std::string ns)
    : ns_(std::move(ns)), client_(TestEnv::get().client()) {}

void ClusterObjects::apply(const std::string& yaml) const {
  const std::string path = TestEnv::get().dir + "/" + ns_ + "-apply.yaml";
  std::ofstream(path) << yaml;
  kubectl_or_throw({"apply", "-n", ns_, "-f", path});
}

std::string ClusterObjects::get(const std::string& name, const std::string& path) const {
  return jsonpath("ephemeralcluster", ns_, name, path);
}

std::string ClusterObjects::condition(const std::string& name, const std::string& type,
                                      const std::string& field) const {
  return get(name, "..conditions[?(@.type==\"" + type + "\")]." + field);
}

bool ClusterObjects::ready(const std::string& name) const {
  auto obj = client_->get(kube::resources::kEphemeralCluster, ns_, name);
  if (!obj || !obj->contains("status")) return false;
  for (const auto& c : (*obj)["status"].value("conditions", nlohmann::json::array()))
    if (c.value("type", "") == "Ready") return c.value("status", "") == "True";
  return false;
}

void ClusterObjects::remove(const std::string& name) const {
  kubectl_or_throw({"delete", "ephemeralcluster", "-n", ns_, name, "--wait=false"});
}

bool ClusterObjects::gone(const std::string& name) const {
  auto obj = client_->get(kube::resources::kEphemeralCluster, ns_, name);
  return !obj && obj.error().is_not_found();
}

std::string ClusterObjects::events() const {
  return TestEnv::get()
      .kubectl({"get", "events.events.k8s.io", "-n", ns_, "-o",
                "jsonpath={range .items[*]}{.reason}: {.note}{\"\\n\"}{end}"})
      .out;
}

reconcilers::cluster::ClusterIdentity ClusterObjects::identity(const std::string& name) const {
  return reconcilers::cluster::ClusterIdentity(ns_, name, get(name, ".metadata.uid"));
}

std::string cluster_manifest(const std::string& name, const std::string& cidr,
                             const std::string& nat, const std::string& extra) {
  const auto& region = AwsTestEnv::get().region;
  return "apiVersion: aura.io/v1alpha1\nkind: EphemeralCluster\nmetadata: {name: " + name +
         "}\nspec:\n  region: " + region + "\n  kubernetesVersion: \"1.31\"\n" +
         "  network: {vpcCIDR: " + cidr + ", zones: [" + region + "a, " + region +
         "b], natGateways: " + nat + "}\n" + extra;
}

std::vector<std::string> cluster_inventory(const reconcilers::cluster::ClusterIdentity& id) {
  const auto& aws = AwsTestEnv::get();
  aws::Ec2Client ec2(aws.client(aws::services::kEc2));
  aws::IamClient iam(aws.client(aws::services::kIam));
  aws::EksClient eks(aws.client(aws::services::kEks));
  std::vector<std::string> all;
  for (const auto& part :
       {ok(reconcilers::cluster::ControlPlaneSteps(eks, iam, id, [] {}).inventory()),
        ok(reconcilers::cluster::NetworkSteps(ec2, id, [] {}).inventory()),
        ok(reconcilers::cluster::IamSteps(iam, id, [] {}).inventory())})
    all.insert(all.end(), part.begin(), part.end());
  return all;
}

std::string log_tail(const std::string& log, std::size_t max) {
  return log.size() > max ? log.substr(log.size() - max) : log;
}

}  // namespace aura::testing
