// The CRDs against the real kube-apiserver: they install, every sample applies, every invalid
// manifest in config/samples/invalid is refused with its message and field path, kubectl explain
// teaches the API, and kubectl get prints the columns.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "operator/api/types.h"
#include "operator/kube/typed_client.h"
#include "tests/integration/support/test_env.h"

namespace aura::testing {
namespace {

namespace fs = std::filesystem;

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The samples name namespace ml-team (and invalid ones default); tests use their own.
std::string in_namespace(std::string yaml, const std::string& ns) {
  return std::regex_replace(yaml, std::regex(R"(\n  namespace: [a-z0-9-]+)"),
                            "\n  namespace: " + ns);
}

fs::path write_temp(const std::string& name, const std::string& text) {
  const fs::path p = fs::path(TestEnv::get().dir) / ("crdtest-" + name);
  std::ofstream(p) << text;
  return p;
}

std::string header(const std::string& yaml, const std::string& key) {
  std::smatch m;
  if (std::regex_search(yaml, m, std::regex("# " + key + ": (.*)"))) return m[1];
  return {};
}

class CrdSamplesTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { TestEnv::get().install_crds(); }
};

TEST_F(CrdSamplesTest, EverySampleApplies) {
  const auto& env = TestEnv::get();
  const std::string ns = env.fresh_namespace("samples");
  for (const auto& entry : fs::directory_iterator(env.repo_root + "/config/samples")) {
    if (entry.path().extension() != ".yaml") continue;
    const auto file = write_temp(ns + "-" + entry.path().filename().string(),
                                 in_namespace(slurp(entry.path()), ns));
    auto r = env.kubectl({"apply", "-f", file.string()});
    EXPECT_EQ(r.exit_code, 0) << entry.path() << ": " << r.err;
  }
  auto table = env.kubectl({"get", "aura", "-n", ns});
  EXPECT_NE(table.out.find("ephemeralcluster.aura.io/"), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("nodepool.aura.io/"), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("aijob.aura.io/"), std::string::npos) << table.out;
  auto clusters = env.kubectl({"get", "ephemeralclusters", "-n", ns});
  for (const char* col : {"NAME", "PHASE", "READY", "REGION", "VERSION", "AGE"})
    EXPECT_NE(clusters.out.find(col), std::string::npos) << col << " in\n" << clusters.out;
}

TEST_F(CrdSamplesTest, InvalidManifestsAreRefusedWithTheFieldPath) {
  const auto& env = TestEnv::get();
  const std::string ns = env.fresh_namespace("invalid");
  int checked = 0;
  for (const auto& entry : fs::directory_iterator(env.repo_root + "/config/samples/invalid")) {
    if (entry.path().extension() != ".yaml") continue;
    const std::string name = entry.path().filename().string();
    const std::string yaml = in_namespace(slurp(entry.path()), ns);
    const std::string expect = header(yaml, "expect");
    const std::string field = header(yaml, "field");
    ASSERT_FALSE(expect.empty()) << name << " has no '# expect:' line";
    ProcessResult r;
    if (name.rfind("update-", 0) == 0) {
      const auto split = yaml.find("\n---\n");
      ASSERT_NE(split, std::string::npos) << name;
      auto first = env.kubectl(
          {"apply", "-f", write_temp(ns + "-" + name + ".1", yaml.substr(0, split)).string()});
      ASSERT_EQ(first.exit_code, 0) << name << ": the first document must be valid: " << first.err;
      r = env.kubectl(
          {"apply", "-f", write_temp(ns + "-" + name + ".2", yaml.substr(split + 5)).string()});
    } else {
      r = env.kubectl(
          {"create", "--dry-run=server", "-f", write_temp(ns + "-" + name, yaml).string()});
    }
    EXPECT_NE(r.exit_code, 0) << name << " was accepted";
    EXPECT_NE(r.err.find(expect), std::string::npos)
        << name << ": expected '" << expect << "' in: " << r.err;
    if (!field.empty()) {
      EXPECT_NE(r.err.find(field), std::string::npos)
          << name << ": expected field " << field << " in: " << r.err;
    }
    ++checked;
  }
  EXPECT_GE(checked, 40);
  RecordProperty("invalid_manifests_checked", checked);
}

TEST_F(CrdSamplesTest, ExplainTeachesTheApi) {
  auto r = TestEnv::get().kubectl({"explain", "ephemeralcluster.spec.network"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("vpcCIDR"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("DESCRIPTION"), std::string::npos);
  r = TestEnv::get().kubectl({"explain", "aijob.spec.clusterTemplate"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

TEST_F(CrdSamplesTest, TypedClientRoundTripsThroughTheApiserver) {
  const std::string ns = TestEnv::get().fresh_namespace("typed");
  kube::TypedClient<api::EphemeralCluster> clusters(TestEnv::get().client());
  api::EphemeralCluster c;
  c.metadata.name = "typed";
  c.metadata.namespace_ = ns;
  c.spec.region = "eu-west-1";
  c.spec.kubernetesVersion = "1.32";
  c.spec.network.vpcCIDR = "10.42.0.0/16";
  c.spec.tags["team"] = "ml";
  auto created = clusters.create(c);
  ASSERT_TRUE(created) << created.error().str();
  EXPECT_EQ(created->spec.network.vpcCIDR, "10.42.0.0/16");
  EXPECT_FALSE(created->metadata.uid.empty());
  auto listed = clusters.list(ns);
  ASSERT_TRUE(listed) << listed.error().str();
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].spec.tags.at("team"), "ml");
  // Server-side defaults come back typed.
  EXPECT_TRUE((*listed)[0].spec.endpointAccess.has_value());
  ASSERT_TRUE(clusters.remove(ns, "typed"));
}

}  // namespace
}  // namespace aura::testing
