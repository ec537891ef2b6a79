// Every manifest under config/samples/ (the invalid ones too: they must fail on a CEL rule or a
// pattern, never on their shape) decodes into the generated types and encodes back to the same
// JSON: proof that every field a sample uses is known to the types, with the right type.

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "operator/api/types.h"
#include "tests/unit/api/yaml_json.h"

namespace aura::api {
namespace {

namespace fs = std::filesystem;

const fs::path kSamples = fs::path(AURA_SOURCE_DIR) / "config" / "samples";

std::vector<fs::path> yaml_files(const fs::path& dir) {
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.is_regular_file() && e.path().extension() == ".yaml") files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

template <Resource T>
void expect_round_trip(const nlohmann::json& doc) {
  auto obj = decode<T>(doc);
  ASSERT_TRUE(obj.has_value()) << obj.error().to_string();
  EXPECT_EQ(to_json(*obj), doc) << "encoded:\n" << to_json(*obj).dump(2);
  // Decoding the encoding gives the same object.
  auto again = decode<T>(to_json(*obj));
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(*again, *obj);
}

void round_trip(const nlohmann::json& doc) {
  const std::string kind = doc.value("kind", "");
  if (kind == EphemeralCluster::kKind) return expect_round_trip<EphemeralCluster>(doc);
  if (kind == NodePool::kKind) return expect_round_trip<NodePool>(doc);
  if (kind == AIJob::kKind) return expect_round_trip<AIJob>(doc);
  ADD_FAILURE() << "unknown kind " << kind;
}

template <Resource T>
std::string decode_error_message_of(const nlohmann::json& doc) {
  auto r = decode<T>(doc);
  return r.has_value() ? "decoded" : r.error().to_string();
}

std::string decode_error_message(const nlohmann::json& doc) {
  const std::string kind = doc.value("kind", "");
  if (kind == EphemeralCluster::kKind) return decode_error_message_of<EphemeralCluster>(doc);
  if (kind == NodePool::kKind) return decode_error_message_of<NodePool>(doc);
  if (kind == AIJob::kKind) return decode_error_message_of<AIJob>(doc);
  return "unknown kind " + kind;
}

TEST(Samples, EveryValidSampleRoundTrips) {
  std::map<std::string, int> kinds;
  for (const auto& file : yaml_files(kSamples)) {
    SCOPED_TRACE(file.string());
    for (const auto& doc : testing::load_yaml_documents(file)) {
      round_trip(doc);
      ++kinds[doc.value("kind", "")];
    }
  }
  EXPECT_EQ(kinds["EphemeralCluster"], 1);
  EXPECT_EQ(kinds["NodePool"], 2);
  EXPECT_EQ(kinds["AIJob"], 2);
}

TEST(Samples, EveryInvalidSampleIsWellTypedAndStatesItsError) {
  const auto files = yaml_files(kSamples / "invalid");
  ASSERT_GE(files.size(), 30u);
  for (const auto& file : files) {
    SCOPED_TRACE(file.string());
    const std::string text = testing::read_file(file);
    EXPECT_NE(text.find("\n# expect: "), std::string::npos) << "no '# expect: ' line";
    EXPECT_NE(text.find("\n# field: spec"), std::string::npos) << "no '# field: ' line";
    const auto docs = testing::load_yaml_documents(file);
    EXPECT_EQ(docs.size(), file.filename().string().starts_with("update-") ? 2u : 1u);
    const std::string expect =
        text.substr(text.find("# expect: ") + 10,
                    text.find('\n', text.find("# expect: ")) - text.find("# expect: ") - 10);
    for (const auto& doc : docs) {
      // An unknown enum value is the one schema error the decoder catches too, with the
      // apiserver's words.
      if (expect.starts_with("Unsupported value")) {
        const std::string error = decode_error_message(doc);
        EXPECT_NE(error.find(expect), std::string::npos) << error;
        continue;
      }
      round_trip(doc);
    }
  }
}

TEST(Samples, SamplesSayWhatTheyMean) {
  auto docs = testing::load_yaml_documents(kSamples / "aura_v1alpha1_aijob_cluster_template.yaml");
  ASSERT_EQ(docs.size(), 1u);
  auto job = decode<AIJob>(docs[0]);
  ASSERT_TRUE(job.has_value()) << job.error().to_string();
  ASSERT_TRUE(job->spec.clusterTemplate.has_value());
  const ClusterTemplate& t = *job->spec.clusterTemplate;
  EXPECT_EQ(t.whenJobEnds, JobEndClusterPolicy::kDeleteOnSuccess);
  EXPECT_EQ(t.spec.network.natGateways, NatGatewayMode::kNone);
  EXPECT_EQ(t.spec.network.zoneCount, 2);
  ASSERT_EQ(t.nodePools.size(), 1u);
  EXPECT_EQ(t.nodePools[0].spec.mode, NodePoolMode::kManagedNodeGroup);
  ASSERT_TRUE(t.nodePools[0].spec.scaling.has_value());
  EXPECT_EQ(t.nodePools[0].spec.scaling->minSize, 0);
  EXPECT_EQ(job->spec.template_["spec"]["restartPolicy"], "OnFailure");
}

}  // namespace
}  // namespace aura::api
