// The users' kubeconfig: what `aws eks update-kubeconfig` writes, and no credential in it.
#include "reconcilers/ephemeral_cluster/kubeconfig.h"

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

namespace aura::reconcilers::cluster {
namespace {

aws::eks::Cluster active_cluster() {
  aws::eks::Cluster c;
  c.name = "aura-ml-team-llm-1a2b3c4d";
  c.arn = "arn:aws:eks:us-west-2:123456789012:cluster/aura-ml-team-llm-1a2b3c4d";
  c.endpoint = "https://ABCDEF.gr7.us-west-2.eks.amazonaws.com";
  c.certificate_authority_data = "LS0tLS1CRUdJTi...";
  return c;
}

TEST(Kubeconfig, ReachesTheClusterWithTheUsersOwnAwsIdentity) {
  const auto c = active_cluster();
  const YAML::Node k = YAML::Load(build_kubeconfig(c, "us-west-2"));
  EXPECT_EQ(k["kind"].as<std::string>(), "Config");
  EXPECT_EQ(k["current-context"].as<std::string>(), c.arn);
  const auto cluster = k["clusters"][0];
  EXPECT_EQ(cluster["name"].as<std::string>(), c.arn);
  EXPECT_EQ(cluster["cluster"]["server"].as<std::string>(), c.endpoint);
  EXPECT_EQ(cluster["cluster"]["certificate-authority-data"].as<std::string>(),
            c.certificate_authority_data);
  const auto context = k["contexts"][0]["context"];
  EXPECT_EQ(context["cluster"].as<std::string>(), c.arn);
  EXPECT_EQ(context["user"].as<std::string>(), c.arn);
  const auto user = k["users"][0]["user"];
  EXPECT_FALSE(user["token"]) << "the Secret must hold no credential";
  EXPECT_EQ(user["exec"]["apiVersion"].as<std::string>(), "client.authentication.k8s.io/v1beta1");
  EXPECT_EQ(user["exec"]["command"].as<std::string>(), "aws");
  EXPECT_EQ(user["exec"]["args"].as<std::vector<std::string>>(),
            (std::vector<std::string>{"--region", "us-west-2", "eks", "get-token", "--cluster-name",
                                      c.name, "--output", "json"}));
}

TEST(Kubeconfig, SecretIsNamedAfterTheCluster) {
  EXPECT_EQ(kubeconfig_secret_name("llm-finetune"), "llm-finetune-kubeconfig");
}

}  // namespace
}  // namespace aura::reconcilers::cluster
