// Two aura-operator replicas in self-managed certificate mode against the real kube-apiserver:
// they agree on one CA and serving certificate kept in a Secret, write its CA bundle into the
// webhook configurations (the validating one points at replica A, the mutating one at replica B,
// so the apiserver trusts both through one bundle), and rotate the serving certificate and the
// CA on short lifetimes while a stream of requests flows, dropping none. Then the delete
// protection: a cluster with an AIJob on it cannot be deleted unless forced.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <iostream>
#include <set>

#include "tests/integration/support/operator_fixture.h"

namespace aura::testing {
namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;

// Ports free right now, distinct (all sockets stay open until every port is chosen); the
// operators bind them a moment later.
std::vector<unsigned short> free_ports(int n) {
  std::vector<int> fds;
  std::vector<unsigned short> ports;
  for (int i = 0; i < n; ++i) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    socklen_t len = sizeof a;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    fds.push_back(fd);
    ports.push_back(ntohs(a.sin_port));
  }
  for (int fd : fds) ::close(fd);
  return ports;
}

// The SHA-256 fingerprint of the certificate a server presents, "" when none.
std::string served_fingerprint(unsigned short port) {
  auto r = run_process("sh",
                       {"-c", "openssl s_client -connect 127.0.0.1:" + std::to_string(port) +
                                  " </dev/null 2>/dev/null | openssl x509 -noout -fingerprint "
                                  "-sha256 2>/dev/null"},
                       {}, 10s);
  return r && r->exit_code == 0 ? r->out : std::string();
}

// A YAML manifest of this repository as JSON (one object), read by kubectl.
json repo_manifest(const std::string& path) {
  const auto& env = TestEnv::get();
  auto r =
      env.kubectl({"create", "--dry-run=client", "-o", "json", "-f", env.repo_root + "/" + path});
  if (r.exit_code != 0) throw std::runtime_error(path + ": " + r.err);
  return json::parse(r.out);
}

class WebhookSelfManagedTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { TestEnv::get().install_crds(); }

  void SetUp() override {
    const auto& env = TestEnv::get();
    ns_ = env.fresh_namespace("wh-self");
    const auto ports = free_ports(2);
    port_a_ = ports[0];
    port_b_ = ports[1];
    vwc_ = "aura-validating-" + ns_;
    mwc_ = "aura-mutating-" + ns_;
    register_config("validating.yaml", vwc_, port_a_, "/validate-aura-io-v1alpha1");
    register_config("mutating.yaml", mwc_, port_b_, "/mutate-aura-io-v1alpha1");
    auto flags = [&](unsigned short port) {
      return std::vector<std::string>{
          "--webhook-cert-secret=" + ns_ + "/aura-webhook-certs",
          "--webhook-address=127.0.0.1",
          "--webhook-port=" + std::to_string(port),
          "--webhook-cert-hosts=127.0.0.1",
          "--webhook-validating-configurations=" + vwc_,
          "--webhook-mutating-configurations=" + mwc_,
          // Short lifetimes so that the test sees a serving certificate renewal (every ~16 s)
          // and a CA rotation (after ~40 s, then 3 s of grace before the new CA signs).
          "--webhook-cert-validity=24s",
          "--webhook-ca-validity=60s",
          "--webhook-ca-grace=3s",
          "--webhook-cert-check-interval=1s",
      };
    };
    a_ = start_operator(ns_, "wh-self-a-" + ns_, flags(port_a_));
    b_ = start_operator(ns_, "wh-self-b-" + ns_, flags(port_b_));
  }

  void TearDown() override {
    const auto& env = TestEnv::get();
    a_.reset();
    b_.reset();
    env.kubectl({"delete", "validatingwebhookconfiguration", vwc_, "--ignore-not-found"});
    env.kubectl({"delete", "mutatingwebhookconfiguration", mwc_, "--ignore-not-found"});
    env.kubectl({"delete", "namespace", ns_, "--wait=false"});
  }

  // config/webhooks/<file>, renamed, pointed at 127.0.0.1:<port>, scoped to ns_, caBundle left
  // for the operator to write.
  void register_config(const std::string& file, const std::string& name, unsigned short port,
                       const std::string& path) {
    const auto& env = TestEnv::get();
    json cfg = repo_manifest("config/webhooks/" + file);
    cfg["metadata"]["name"] = name;
    cfg["metadata"].erase("annotations");
    for (auto& wh : cfg["webhooks"]) {
      wh["clientConfig"] = {{"url", "https://127.0.0.1:" + std::to_string(port) + path}};
      wh["namespaceSelector"] = {{"matchLabels", {{"kubernetes.io/metadata.name", ns_}}}};
    }
    ASSERT_EQ(env.kubectl({"apply", "-f", write(name + ".json", cfg)}).exit_code, 0);
  }

  std::string write(const std::string& name, const json& doc) const {
    const auto p = TestEnv::get().dir + "/" + ns_ + "-" + name;
    std::ofstream(p) << doc.dump(2);
    return p;
  }

  // A sample from config/samples/, moved into ns_.
  json sample(const std::string& file) const {
    json obj = repo_manifest("config/samples/" + file);
    obj["metadata"]["namespace"] = ns_;
    return obj;
  }

  std::string ns_, vwc_, mwc_;
  unsigned short port_a_ = 0, port_b_ = 0;
  std::unique_ptr<OperatorProcess> a_, b_;
};

TEST_F(WebhookSelfManagedTest, ReplicasShareOneCertificateAndRotateWithoutDroppingRequests) {
  const auto& env = TestEnv::get();
  auto bad = sample("aura_v1alpha1_ephemeralcluster.yaml");
  bad["metadata"]["name"] = "bad";
  bad["spec"]["network"]["vpcCIDR"] = "10.42.0.1/16";
  const auto bad_file = write("bad.json", bad);
  auto good = sample("aura_v1alpha1_ephemeralcluster.yaml");
  good["metadata"]["name"] = "good";
  good["spec"].erase("kubernetesVersion");
  const auto good_file = write("good.json", good);

  // The apiserver calls replica A (validation) with the injected bundle: a bad object is denied
  // by our webhook rather than failing on an untrusted certificate.
  auto denied = [&] {
    auto r = env.kubectl({"create", "--dry-run=server", "-f", bad_file});
    return r.exit_code != 0 && r.err.find(
                                   "admission webhook \"validate.aura.io\" denied the request: "
                                   "spec.network.vpcCIDR") != std::string::npos;
  };
  // ... and replica B (defaulting): the version is filled in.
  auto defaulted = [&] {
    auto r = env.kubectl({"create", "--dry-run=server", "-o", "json", "-f", good_file});
    if (r.exit_code != 0) return false;
    auto obj = json::parse(r.out, nullptr, false);
    return obj.is_object() && obj["spec"].contains("kubernetesVersion");
  };
  ASSERT_TRUE(eventually(denied, 60s)) << a_->log();
  ASSERT_TRUE(eventually(defaulted, 30s)) << b_->log();
  ASSERT_TRUE(eventually(
      [&] {
        const auto fa = served_fingerprint(port_a_);
        return !fa.empty() && fa == served_fingerprint(port_b_);
      },
      10s))
      << "the replicas serve different certificates";

  // A stream of requests to both replicas across serving-certificate renewals and a CA rotation.
  std::set<std::string> served;
  int requests = 0, failures = 0;
  std::string last_failure;
  const auto end = std::chrono::steady_clock::now() + 50s;
  while (std::chrono::steady_clock::now() < end) {
    ++requests;
    if (!denied()) ++failures, last_failure = "validation";
    if (!defaulted()) ++failures, last_failure = "defaulting";
    if (auto fp = served_fingerprint(port_a_); !fp.empty()) served.insert(fp);
  }
  const bool ca_rotated = a_->log().find("CA renewed") != std::string::npos ||
                          b_->log().find("CA renewed") != std::string::npos;
  std::cout << requests << " request pairs, " << failures << " failed, " << served.size()
            << " serving certificates seen on replica A, CA rotated: " << ca_rotated << "\n";
  EXPECT_EQ(failures, 0) << "of " << requests << ", last: " << last_failure << "\n" << a_->log();
  EXPECT_GE(served.size(), 3u) << "expected several serving certificates in 50 s";
  // The CA rotated: a second CA joined the bundle (the first leaves when it expires).
  EXPECT_TRUE(ca_rotated) << a_->log();
  EXPECT_TRUE(a_->running());
  EXPECT_TRUE(b_->running());
}

TEST_F(WebhookSelfManagedTest, AClusterWithARunningAIJobIsDeletedOnlyWhenForced) {
  const auto& env = TestEnv::get();
  auto cluster = sample("aura_v1alpha1_ephemeralcluster.yaml");
  auto job = sample("aura_v1alpha1_aijob_finetune.yaml");
  const auto cluster_name = cluster["metadata"]["name"].get<std::string>();
  ASSERT_EQ(job["spec"]["clusterRef"]["name"], cluster_name);
  ASSERT_TRUE(eventually(
      [&] {
        return env.kubectl({"apply", "-f", write("c.json", cluster)}).exit_code == 0;
      },
      60s))
      << a_->log();
  ASSERT_EQ(env.kubectl({"apply", "-f", write("j.json", job)}).exit_code, 0);

  // The webhook lists AIJobs live, so the first delete is already refused (a server-side dry run
  // first, so that a wrong answer does not start tearing the cluster down).
  // The deletes come from a user other than the operator's (the test shares its credentials,
  // and the operator's own deletions are exempt).
  const std::vector<std::string> as_user{"--as=ml-user", "--as-group=system:masters"};
  auto as = [&](std::vector<std::string> args) {
    args.insert(args.end(), as_user.begin(), as_user.end());
    return env.kubectl(args);
  };
  auto dry = as(
      {"delete", "ephemeralcluster", "-n", ns_, cluster_name, "--dry-run=server", "--wait=false"});
  EXPECT_NE(dry.exit_code, 0) << dry.out;
  auto refused = as({"delete", "ephemeralcluster", "-n", ns_, cluster_name, "--wait=false"});
  ASSERT_NE(refused.exit_code, 0) << refused.out;
  EXPECT_NE(refused.err.find("admission webhook \"validate.aura.io\" denied the request: "
                             "EphemeralCluster \"" +
                             cluster_name + "\" still runs 1 AIJob (" +
                             job["metadata"]["name"].get<std::string>() + ")"),
            std::string::npos)
      << refused.err;
  EXPECT_NE(refused.err.find("aura.io/force-delete=true"), std::string::npos) << refused.err;
  EXPECT_EQ(jsonpath("ephemeralcluster", ns_, cluster_name, ".metadata.name"), cluster_name);
  // The operator's own user (here the test's kubeconfig user too) is exempt: it deletes template
  // clusters when their job is over.
  auto own = env.kubectl(
      {"delete", "ephemeralcluster", "-n", ns_, cluster_name, "--dry-run=server", "--wait=false"});
  EXPECT_EQ(own.exit_code, 0) << own.err;

  ASSERT_EQ(env.kubectl({"annotate", "ephemeralcluster", "-n", ns_, cluster_name,
                         "aura.io/force-delete=true"})
                .exit_code,
            0);
  auto forced = as({"delete", "ephemeralcluster", "-n", ns_, cluster_name, "--wait=false"});
  EXPECT_EQ(forced.exit_code, 0) << forced.err;
  EXPECT_NE(forced.err.find("Warning: metadata.annotations[aura.io/force-delete]"),
            std::string::npos)
      << forced.err;
  // The operator's bookkeeping then fails the job as ClusterDeleted and lets the cluster go.
  EXPECT_TRUE(eventually(
      [&] {
        return jsonpath("aijob", ns_, job["metadata"]["name"], ".status.failureReason") ==
               "ClusterDeleted";
      },
      60s))
      << a_->log();
}

}  // namespace
}  // namespace aura::testing
