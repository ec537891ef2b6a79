// Aura's admission webhooks against the real kube-apiserver: the TLS server runs in this process
// on 127.0.0.1 with a CA made here; the webhook configurations of config/webhooks/ are registered
// with a url and that caBundle (scoped to this test's namespace, removed afterwards); kubectl then
// shows denials with Kubernetes-style messages, defaults, warnings, and a certificate rotation in
// the middle of a stream of requests that drops none.
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>

#include "tests/integration/support/test_env.h"
#include "webhooks/admission.h"
#include "webhooks/certs.h"
#include "webhooks/routes.h"
#include "webhooks/tls_server.h"

namespace aura::testing {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using namespace aura::webhooks;

CertPair must(std::expected<CertPair, std::string> r) {
  if (!r) throw std::runtime_error(r.error());
  return *r;
}

json cluster(const std::string& name, const std::string& ns) {
  return {{"apiVersion", "aura.io/v1alpha1"},
          {"kind", "EphemeralCluster"},
          {"metadata", {{"name", name}, {"namespace", ns}}},
          {"spec",
           {{"region", "us-east-1"},
            {"kubernetesVersion", "1.31"},
            {"network",
             {{"vpcCIDR", "10.42.0.0/16"},
              {"zones", {"us-east-1a", "us-east-1b"}},
              {"publicSubnetCIDRs", {"10.42.0.0/20", "10.42.16.0/20"}},
              {"privateSubnetCIDRs", {"10.42.128.0/18", "10.42.192.0/18"}}}},
            {"endpointAccess",
             {{"public", true}, {"private", true}, {"publicAccessCIDRs", {"203.0.113.0/24"}}}}}}};
}

json gpu_pool(const std::string& name, const std::string& ns) {
  return {{"apiVersion", "aura.io/v1alpha1"},
          {"kind", "NodePool"},
          {"metadata", {{"name", name}, {"namespace", ns}}},
          {"spec",
           {{"clusterRef", {{"name", "c"}}},
            {"mode", "ManagedNodeGroup"},
            {"instanceTypes", {"g5.xlarge"}},
            {"gpu", {{"count", 1}}},
            {"scaling", {{"minSize", 0}, {"maxSize", 2}}}}}};
}

class WebhookTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { TestEnv::get().install_crds(); }

  void SetUp() override {
    const auto& env = TestEnv::get();
    ns_ = env.fresh_namespace("webhook");
    dir_ = fs::path(env.dir) / ("webhooktest-" + ns_);
    fs::create_directories(dir_);
    ca_ = must(generate_ca({.common_name = "aura-webhook-test-ca"}));
    rotate("aura-webhook-1");

    TlsServerOptions o;
    o.address = "127.0.0.1";
    o.port = 0;
    o.cert_file = dir_ / "tls.crt";
    o.key_file = dir_ / "tls.key";
    o.reload_check = std::chrono::milliseconds(0);
    server_ = std::make_unique<TlsServer>(o, log::Logger::discard());
    register_routes(*server_, RouteOptions{});
    ASSERT_TRUE(server_->start());

    register_config("validating.yaml", "validatingwebhookconfiguration", kValidatePath, &vwc_);
    register_config("mutating.yaml", "mutatingwebhookconfiguration", kMutatePath, &mwc_);
    // The apiserver picks up new webhook configurations asynchronously: wait until a bad object
    // is denied by us.
    auto probe = cluster("probe", ns_);
    probe["spec"]["network"]["vpcCIDR"] = "10.42.0.1/16";
    const auto file = write("probe.json", probe);
    ASSERT_TRUE(eventually(
        [&] {
          auto r = env.kubectl({"create", "--dry-run=server", "-f", file});
          return r.exit_code != 0 && r.err.find("validate.aura.io") != std::string::npos;
        },
        std::chrono::seconds(30)))
        << "the apiserver never called the webhook";
  }

  void TearDown() override {
    const auto& env = TestEnv::get();
    if (!vwc_.empty())
      env.kubectl({"delete", "validatingwebhookconfiguration", vwc_, "--ignore-not-found"});
    if (!mwc_.empty())
      env.kubectl({"delete", "mutatingwebhookconfiguration", mwc_, "--ignore-not-found"});
    env.kubectl({"delete", "namespace", ns_, "--wait=false"});
    server_.reset();
    fs::remove_all(dir_);
  }

  // A new serving certificate from the same CA, written atomically (as a Secret volume does).
  void rotate(const std::string& cn) {
    auto pair =
        must(generate_serving_cert(ca_, {.common_name = cn, .ip_addresses = {"127.0.0.1"}}));
    ASSERT_TRUE(write_file_atomic(dir_ / "tls.crt", pair.cert_pem));
    ASSERT_TRUE(write_file_atomic(dir_ / "tls.key", pair.key_pem));
  }

  std::string write(const std::string& name, const json& doc) {
    const auto p = dir_ / name;
    std::ofstream(p) << doc.dump(2);
    return p.string();
  }

  // The configuration from config/webhooks/, pointed at this process and scoped to ns_.
  void register_config(const std::string& file, const std::string& kind, const char* path,
                       std::string* name_out) {
    const auto& env = TestEnv::get();
    auto r = env.kubectl({"create", "--dry-run=client", "-o", "json", "-f",
                          env.repo_root + "/config/webhooks/" + file});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    json cfg = json::parse(r.out);
    cfg["metadata"]["name"] = cfg["metadata"]["name"].get<std::string>() + "-" + ns_;
    cfg["metadata"].erase("annotations");
    for (auto& wh : cfg["webhooks"]) {
      wh["clientConfig"] = {{"url", "https://127.0.0.1:" + std::to_string(server_->port()) + path},
                            {"caBundle", base64_encode(ca_.cert_pem)}};
      wh["namespaceSelector"] = {{"matchLabels", {{"kubernetes.io/metadata.name", ns_}}}};
    }
    const auto f = write(kind + ".json", cfg);
    auto a = env.kubectl({"apply", "-f", f});
    ASSERT_EQ(a.exit_code, 0) << a.err;
    *name_out = cfg["metadata"]["name"];
  }

  std::string ns_;
  fs::path dir_;
  CertPair ca_;
  std::unique_ptr<TlsServer> server_;
  std::string vwc_, mwc_;
};

struct DenialCase {
  std::string name;
  json object;
  std::string expected;
};

TEST_F(WebhookTest, BadManifestsAreDeniedWithTheFieldPath) {
  const auto& env = TestEnv::get();
  std::vector<DenialCase> cases;
  {
    auto c = cluster("host-bits", ns_);
    c["spec"]["network"]["vpcCIDR"] = "10.42.0.1/16";
    cases.push_back({"host-bits", c,
                     "spec.network.vpcCIDR: Invalid value: \"10.42.0.1/16\": host bits must be "
                     "zero (not a network address)"});
  }
  {
    auto c = cluster("outside", ns_);
    c["spec"]["network"]["publicSubnetCIDRs"][1] = "10.43.0.0/20";
    cases.push_back({"outside", c,
                     "spec.network.publicSubnetCIDRs[1]: Invalid value: \"10.43.0.0/20\": must be "
                     "inside the VPC block 10.42.0.0/16"});
  }
  {
    auto c = cluster("overlap", ns_);
    c["spec"]["network"]["privateSubnetCIDRs"][0] = "10.42.8.0/24";
    cases.push_back({"overlap", c,
                     "spec.network.privateSubnetCIDRs[0]: Invalid value: \"10.42.8.0/24\": "
                     "overlaps spec.network.publicSubnetCIDRs[0]"});
  }
  {
    auto c = cluster("old-version", ns_);
    c["spec"]["kubernetesVersion"] = "1.29";
    cases.push_back({"old-version", c,
                     "spec.kubernetesVersion: Unsupported value: \"1.29\": supported values: "
                     "\"1.30\", \"1.31\", \"1.32\", \"1.33\", \"1.34\""});
  }
  {
    auto c = cluster("zone", ns_);
    c["spec"]["network"]["zones"][1] = "us-west-2b";
    cases.push_back({"zone", c,
                     "spec.network.zones[1]: Invalid value: \"us-west-2b\": not an availability "
                     "zone of region us-east-1"});
  }
  {
    auto p = gpu_pool("cpu-in-gpu-pool", ns_);
    p["spec"]["instanceTypes"] = {"g5.xlarge", "m5.large"};
    cases.push_back({"cpu-in-gpu-pool", p,
                     "spec.instanceTypes[1]: Invalid value: \"m5.large\": a GPU pool needs GPU "
                     "instance families (g*, p*)"});
  }
  for (const auto& c : cases) {
    auto r = env.kubectl({"apply", "-f", write(c.name + ".json", c.object)});
    EXPECT_NE(r.exit_code, 0) << c.name;
    EXPECT_NE(
        r.err.find("admission webhook \"validate.aura.io\" denied the request: " + c.expected),
        std::string::npos)
        << c.name << ": " << r.err;
  }
  // The good ones pass.
  EXPECT_EQ(env.kubectl({"apply", "-f", write("good.json", cluster("good", ns_))}).exit_code, 0);
  EXPECT_EQ(env.kubectl({"apply", "-f", write("pool.json", gpu_pool("pool", ns_))}).exit_code, 0);
}

TEST_F(WebhookTest, DefaultsAppearOnCreatedObjects) {
  const auto& env = TestEnv::get();
  auto c = cluster("defaults", ns_);
  c["spec"].erase("kubernetesVersion");
  c["spec"]["network"].erase("zones");
  c["spec"]["network"].erase("publicSubnetCIDRs");
  c["spec"]["network"].erase("privateSubnetCIDRs");
  c["spec"]["network"]["zoneCount"] = 2;
  auto r = env.kubectl({"apply", "-f", write("defaults.json", c)});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto got = env.kubectl({"get", "ephemeralcluster", "defaults", "-n", ns_, "-o", "json"});
  ASSERT_EQ(got.exit_code, 0) << got.err;
  auto obj = json::parse(got.out);
  EXPECT_EQ(obj["spec"]["kubernetesVersion"], "1.33");
  EXPECT_EQ(obj["spec"]["network"]["zones"], json({"us-east-1a", "us-east-1b"}));
  EXPECT_FALSE(obj["spec"]["network"].contains("zoneCount"));
}

TEST_F(WebhookTest, WarningsReachKubectl) {
  const auto& env = TestEnv::get();
  auto c = cluster("open", ns_);
  c["spec"].erase("endpointAccess");
  auto r = env.kubectl({"apply", "-f", write("open.json", c)});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("Warning: spec.endpointAccess: the Kubernetes API endpoint is public and "
                       "open to 0.0.0.0/0"),
            std::string::npos)
      << r.err;
}

TEST_F(WebhookTest, CertificateRotationMidStreamDropsNoRequest) {
  const auto& env = TestEnv::get();
  const auto bad = cluster("stream-bad", ns_);
  auto bad_obj = bad;
  bad_obj["spec"]["network"]["vpcCIDR"] = "10.42.0.1/16";
  const auto bad_file = write("stream-bad.json", bad_obj);
  const auto good_file = write("stream-good.json", cluster("stream-good", ns_));
  const int before = server_->generation();
  std::atomic<bool> done{false};
  std::thread rotator([&] {
    for (int i = 2; !done && i < 40; ++i) {
      rotate("aura-webhook-" + std::to_string(i));
      std::this_thread::sleep_for(std::chrono::milliseconds(150));
    }
  });
  int failures = 0;
  constexpr int kRequests = 30;
  for (int i = 0; i < kRequests; ++i) {
    // Each request must get our answer: a denial for the bad object, admission for the good one;
    // a dropped request would show as "failed calling webhook".
    auto d = env.kubectl({"create", "--dry-run=server", "-f", bad_file});
    if (d.err.find("denied the request: spec.network.vpcCIDR") == std::string::npos) {
      ++failures;
      ADD_FAILURE() << "request " << i << ": " << d.err;
    }
    auto g = env.kubectl({"create", "--dry-run=server", "-f", good_file});
    if (g.exit_code != 0) {
      ++failures;
      ADD_FAILURE() << "request " << i << ": " << g.err;
    }
  }
  done = true;
  rotator.join();
  EXPECT_EQ(failures, 0);
  EXPECT_GT(server_->generation(), before + 2) << "the certificate was not rotated under load";
}

}  // namespace
}  // namespace aura::testing
