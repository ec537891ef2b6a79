// DESIGN.md's first deletion step, against a child kube-apiserver that plays the EKS cluster and a
// stand-in for the AWS Load Balancer Controller running against it and the emulator
// (tests/env/child_controllers): a Service of type LoadBalancer in the child gets a network load
// balancer, a security group and interfaces in the cluster's VPC, tagged as the controller tags
// them. Deleting the EphemeralCluster deletes the Service through the child's API, with Aura's own
// EKS token; the controller removes its load balancer before the network goes. When the
// controller is gone, Aura waits --child-cleanup-timeout and then removes what it left through
// the AWS API. Either way nothing is left.
#include <gtest/gtest.h>

#include <fstream>

#include "operator/aws/elb.h"
#include "operator/common/process.h"
#include "tests/integration/support/aws_env.h"
#include "tests/integration/support/cluster_objects.h"
#include "tests/integration/support/operator_fixture.h"

namespace aura::testing {
namespace {

using namespace std::chrono_literals;

constexpr auto kPoll = 500ms;

const std::string kService = R"(apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: default
spec:
  type: LoadBalancer
  selector: {app: web}
  ports:
  - {port: 80, targetPort: 8080, protocol: TCP}
)";

class ChildLoadBalancersTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { TestEnv::get().install_crds(); }
  void SetUp() override {
    ns_ = TestEnv::get().fresh_namespace("clb");
    k_ = ClusterObjects(ns_);
    const auto& aws = AwsTestEnv::get();
    ec2_ = std::make_unique<aws::Ec2Client>(aws.client(aws::services::kEc2));
    elbv2_ = std::make_unique<aws::ElbV2Client>(aws.client(aws::services::kElbV2));
    child_ = "clb-" + ns_.substr(ns_.size() - 5);
  }
  void TearDown() override {
    if (HasFailure() && op_) std::cerr << "--- operator log ---\n" << log_tail(op_->log());
    op_.reset();
    TestEnv::get().envctl({"child", "down", "--dir", TestEnv::get().dir, "--name", child_});
  }

  // A child kube-apiserver bound to the next EKS cluster created (tests run one at a time), a
  // Ready EphemeralCluster it plays, and the load balancer controller serving it.
  void ready_cluster_with_controller(const std::string& name, const std::string& cidr) {
    const auto& env = TestEnv::get();
    const auto& aws = AwsTestEnv::get();
    auto up = env.envctl({"child", "up", "--dir", env.dir, "--name", child_, "--eks-cluster", "*",
                          "--eks-region", aws.region});
    ASSERT_EQ(up.exit_code, 0) << up.err;
    k_.apply(cluster_manifest(name, cidr, "None"));
    ASSERT_TRUE(eventually([&] { return k_.ready(name); }, kClusterDeadline, kPoll))
        << k_.condition(name, "Ready", "message");
    eks_name_ = k_.get(name, ".status.eksClusterName");
    vpc_ = k_.get(name, ".status.network.vpcID");
    auto lbc = env.envctl({"child", "lb-controller", "start", "--dir", env.dir, "--name", child_,
                           "--cluster-name", eks_name_, "--region", aws.region});
    ASSERT_EQ(lbc.exit_code, 0) << lbc.err;
  }

  ProcessResult child_kubectl(std::vector<std::string> args) {
    const auto& env = TestEnv::get();
    args.insert(args.begin(), {"--kubeconfig", env.dir + "/children/" + child_ + "/kubeconfig"});
    auto r = run_process(env.kubectl_path, args, {}, 60s);
    return r ? *r : ProcessResult{-1, "", r.error()};
  }

  // The Service is served: its hostname is the load balancer's DNS name.
  std::optional<aws::LoadBalancer> served_service() {
    std::optional<aws::LoadBalancer> found;
    const bool served = eventually(
        [&] {
          auto host = child_kubectl({"get", "service", "-n", "default", "web", "-o",
                                     "jsonpath={.status.loadBalancer.ingress[0].hostname}"});
          if (host.exit_code != 0 || host.out.empty()) return false;
          for (auto& lb : ok(elbv2_->describe_load_balancers()))
            if (lb.dns_name == host.out) found = std::move(lb);
          return found.has_value();
        },
        60s, kPoll);
    return served ? found : std::nullopt;
  }

  // Load balancers, security groups and interfaces in the cluster's VPC (any owner).
  std::vector<std::string> vpc_contents() {
    std::vector<std::string> out;
    for (const auto& lb : ok(elbv2_->describe_load_balancers()))
      if (lb.vpc_id == vpc_) out.push_back("load-balancer " + lb.name);
    for (const auto& sg : ok(ec2_->describe_security_groups({{}, {aws::vpc_filter(vpc_)}, 0})))
      if (sg.name != "default") out.push_back("security-group " + sg.id);
    for (const auto& eni : ok(ec2_->describe_network_interfaces({{}, {aws::vpc_filter(vpc_)}, 0})))
      out.push_back("network-interface " + eni.id);
    return out;
  }

  // Who deleted load balancers: the access key of each DeleteLoadBalancer in the emulator's log.
  std::vector<std::string> load_balancer_deleters() {
    std::vector<std::string> out;
    const auto log = AwsTestEnv::get().admin("GET", "/aura-env/calls?log=1");
    for (const auto& call : log.value("log", nlohmann::json::array()))
      if (call.value("call", "") == "elbv2:DeleteLoadBalancer")
        out.push_back(call["access_key"].is_string() ? call["access_key"].get<std::string>() : "");
    return out;
  }

  // kubectl apply of the Service above in the child, as a user of the child would.
  void create_service() {
    const std::string file = TestEnv::get().dir + "/" + ns_ + "-service.yaml";
    std::ofstream(file) << kService;
    auto r = child_kubectl({"apply", "-f", file});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }

  std::string ns_, child_, eks_name_, vpc_;
  ClusterObjects k_{""};
  std::unique_ptr<OperatorProcess> op_;
  std::unique_ptr<aws::Ec2Client> ec2_;
  std::unique_ptr<aws::ElbV2Client> elbv2_;
};

TEST_F(ChildLoadBalancersTest, TheChildsControllerRemovesItsLoadBalancerBeforeTheNetworkGoes) {
  op_ = start_operator(ns_, "operator-" + ns_);
  ASSERT_NO_FATAL_FAILURE(ready_cluster_with_controller("served", "10.95.0.0/16"));
  const auto id = k_.identity("served");
  ASSERT_NO_FATAL_FAILURE(create_service());
  const auto lb = served_service();
  ASSERT_TRUE(lb) << "the controller did not serve the Service";
  EXPECT_EQ(lb->vpc_id, vpc_) << "the controller found the cluster's public subnets by their tags";
  EXPECT_EQ(lb->tags.at("elbv2.k8s.aws/cluster"), eks_name_);
  EXPECT_EQ(lb->tags.at("service.k8s.aws/stack"), "default/web");
  EXPECT_FALSE(vpc_contents().empty());
  AwsTestEnv::get().admin("DELETE", "/aura-env/calls");

  k_.remove("served");
  ASSERT_TRUE(eventually([&] { return k_.gone("served"); }, kClusterDeadline, kPoll))
      << k_.get("served", ".status.deletionBlockedBy");
  const auto ev = k_.events();
  EXPECT_NE(ev.find("DeletingChildLoadBalancer: Deleting Service default/web in the child cluster"),
            std::string::npos)
      << ev;
  EXPECT_EQ(ev.find("ChildUnreachable"), std::string::npos) << ev;
  EXPECT_EQ(ev.find("ChildCleanupTimedOut"), std::string::npos) << ev;
  // The controller, not Aura's sweep through AWS, deleted the load balancer.
  const auto deleters = load_balancer_deleters();
  ASSERT_EQ(deleters.size(), 1u);
  EXPECT_NE(deleters[0], AwsTestEnv::get().operator_credentials.access_key_id);
  EXPECT_EQ(cluster_inventory(id), std::vector<std::string>{});
  auto vpc_after = ec2_->describe_vpcs({{vpc_}, {}, 0});
  EXPECT_TRUE(!vpc_after && vpc_after.error().is_not_found());
  EXPECT_EQ(vpc_contents(), std::vector<std::string>{});
}

// The controller is gone (its nodes died, or it was uninstalled): the Service stays Terminating
// under the controller's finalizer. Aura gives up after --child-cleanup-timeout and removes the
// load balancer, its security group and interfaces through the AWS API.
TEST_F(ChildLoadBalancersTest, WhenTheControllerIsGoneAuraRemovesWhatItLeftThroughAws) {
  op_ = start_operator(ns_, "operator-" + ns_, {"--child-cleanup-timeout=5s"});
  ASSERT_NO_FATAL_FAILURE(ready_cluster_with_controller("orphaned", "10.96.0.0/16"));
  const auto id = k_.identity("orphaned");
  ASSERT_NO_FATAL_FAILURE(create_service());
  ASSERT_TRUE(served_service()) << "the controller did not serve the Service";
  const auto& env = TestEnv::get();
  auto stop = env.envctl({"child", "lb-controller", "stop", "--dir", env.dir, "--name", child_});
  ASSERT_EQ(stop.exit_code, 0) << stop.err;

  k_.remove("orphaned");
  ASSERT_TRUE(eventually([&] { return k_.gone("orphaned"); }, kClusterDeadline, kPoll))
      << k_.get("orphaned", ".status.deletionBlockedBy");
  const auto ev = k_.events();
  EXPECT_NE(ev.find("ChildCleanupTimedOut: waiting for the child cluster's controllers to remove "
                    "the load balancers of Service default/web"),
            std::string::npos)
      << ev;
  auto terminating = child_kubectl(
      {"get", "service", "-n", "default", "web", "-o", "jsonpath={.metadata.deletionTimestamp}"});
  EXPECT_FALSE(terminating.out.empty()) << "Aura asked for the Service's deletion";
  EXPECT_EQ(cluster_inventory(id), std::vector<std::string>{});
  EXPECT_EQ(vpc_contents(), std::vector<std::string>{});
}

}  // namespace
}  // namespace aura::testing
