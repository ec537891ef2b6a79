#include "operator/kube/rest_config.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "operator/common/base64.h"

namespace aura::kube {
namespace {

TEST(Kubeconfig, TokenAndInlineCA) {
  const std::string yaml = R"(
apiVersion: v1
kind: Config
current-context: dev
contexts:
- name: dev
  context: {cluster: c, user: u}
clusters:
- name: c
  cluster:
    server: https://127.0.0.1:6443/
    certificate-authority-data: )" +
                           base64_encode("CA-PEM") + R"(
users:
- name: u
  user: {token: abc}
)";
  auto cfg = parse_kubeconfig(yaml, "/tmp");
  ASSERT_TRUE(cfg) << cfg.error();
  EXPECT_EQ(cfg->server, "https://127.0.0.1:6443");
  EXPECT_EQ(cfg->tls.ca_pem, "CA-PEM");
  ASSERT_TRUE(cfg->token);
  EXPECT_EQ(*cfg->token->token(), "abc");
}

TEST(Kubeconfig, ExecPluginRunsAndCaches) {
  const std::string yaml = R"(
current-context: x
contexts: [{name: x, context: {cluster: c, user: u}}]
clusters: [{name: c, cluster: {server: "https://h"}}]
users:
- name: u
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1
      command: sh
      args: ["-c", "echo '{\"kind\":\"ExecCredential\",\"status\":{\"token\":\"from-exec\"}}'"]
)";
  auto cfg = parse_kubeconfig(yaml, "");
  ASSERT_TRUE(cfg) << cfg.error();
  auto t = cfg->token->token();
  ASSERT_TRUE(t) << t.error();
  EXPECT_EQ(*t, "from-exec");
}

TEST(Kubeconfig, ExecPluginFailureIsAnError) {
  const std::string yaml = R"(
current-context: x
contexts: [{name: x, context: {cluster: c, user: u}}]
clusters: [{name: c, cluster: {server: "https://h"}}]
users: [{name: u, user: {exec: {command: sh, args: ["-c", "echo denied >&2; exit 3"]}}}]
)";
  auto cfg = parse_kubeconfig(yaml, "");
  ASSERT_TRUE(cfg);
  auto t = cfg->token->token();
  ASSERT_FALSE(t);
  EXPECT_NE(t.error().find("exited with 3"), std::string::npos) << t.error();
  EXPECT_NE(t.error().find("denied"), std::string::npos);
}

TEST(Kubeconfig, MissingContextNamesIt) {
  auto cfg = parse_kubeconfig("current-context: nope\ncontexts: []\n", "");
  ASSERT_FALSE(cfg);
  EXPECT_NE(cfg.error().find("nope"), std::string::npos);
}

TEST(Kubeconfig, MalformedYamlIsAnError) {
  EXPECT_FALSE(parse_kubeconfig("{{{", ""));
}

}  // namespace
}  // namespace aura::kube

namespace aura::kube {
namespace {

TEST(InCluster, ReadsServiceAccountAndRereadsRotatedToken) {
  const std::string dir = ::testing::TempDir() + "/sa";
  std::filesystem::create_directories(dir);
  std::ofstream(dir + "/ca.crt") << "CA";
  std::ofstream(dir + "/token") << "token-1\n";
  setenv("KUBERNETES_SERVICE_HOST", "10.0.0.1", 1);
  setenv("KUBERNETES_SERVICE_PORT", "443", 1);
  auto cfg = load_in_cluster(dir);
  unsetenv("KUBERNETES_SERVICE_HOST");
  unsetenv("KUBERNETES_SERVICE_PORT");
  ASSERT_TRUE(cfg) << cfg.error();
  EXPECT_EQ(cfg->server, "https://10.0.0.1:443");
  EXPECT_EQ(cfg->tls.ca_pem, "CA");
  EXPECT_EQ(*cfg->token->token(), "token-1");
  std::ofstream(dir + "/token") << "token-2\n";
  cfg->token->invalidate();  // as after a 401
  EXPECT_EQ(*cfg->token->token(), "token-2");
}

}  // namespace
}  // namespace aura::kube
