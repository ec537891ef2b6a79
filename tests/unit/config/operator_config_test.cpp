#include "operator/config/operator_config.h"

#include <gtest/gtest.h>

#include <fstream>

namespace aura::config {
namespace {

TEST(OperatorConfig, FlagsOverrideFile) {
  const std::string path = ::testing::TempDir() + "/aura-config.yaml";
  std::ofstream(path) << "workers: 4\nlogFormat: json\nleaseDuration: 30s\n";
  const std::string config_flag = "--config=" + path;
  const char* argv[] = {"aura", config_flag.c_str(), "--workers=3"};
  auto cfg = parse_args(3, argv);
  ASSERT_TRUE(cfg) << cfg.error();
  EXPECT_EQ(cfg->workers, 3);
  EXPECT_EQ(cfg->log_format, log::Format::kJson);
  EXPECT_EQ(cfg->lease_duration, std::chrono::seconds(30));
}

TEST(OperatorConfig, BadValuesNameTheField) {
  const char* argv[] = {"aura", "--workers=lots"};
  auto cfg = parse_args(2, argv);
  ASSERT_FALSE(cfg);
  EXPECT_NE(cfg.error().find("--workers"), std::string::npos) << cfg.error();
  const char* argv2[] = {"aura", "--no-such-flag=1"};
  EXPECT_FALSE(parse_args(2, argv2));
}

TEST(OperatorConfig, FaultHookIsOffUnlessAsked) {
  const char* none[] = {"aura"};
  EXPECT_EQ(parse_args(1, none)->fault_exit_after_mutating_aws_calls, 0);
  const char* argv[] = {"aura", "--fault-exit-after-mutating-aws-calls=7"};
  EXPECT_EQ(parse_args(2, argv)->fault_exit_after_mutating_aws_calls, 7);
  const char* bad[] = {"aura", "--fault-exit-after-mutating-aws-calls=-1"};
  EXPECT_FALSE(parse_args(2, bad));
}

TEST(OperatorConfig, OrphanSweepIsOffByDefaultAndTakesItsModesIntervalGraceAndRegions) {
  const char* none[] = {"aura"};
  auto defaults = parse_args(1, none);
  ASSERT_TRUE(defaults) << defaults.error();
  EXPECT_EQ(defaults->orphan_sweep, "off");
  EXPECT_EQ(defaults->orphan_sweep_interval, std::chrono::hours(1));
  EXPECT_EQ(defaults->orphan_sweep_grace, std::chrono::minutes(10));
  EXPECT_TRUE(defaults->orphan_sweep_regions.empty());

  const char* argv[] = {"aura", "--orphan-sweep=dry-run", "--orphan-sweep-interval=30m",
                        "--orphan-sweep-grace=2h", "--orphan-sweep-regions=us-east-1,eu-west-1"};
  auto cfg = parse_args(5, argv);
  ASSERT_TRUE(cfg) << cfg.error();
  EXPECT_EQ(cfg->orphan_sweep, "dry-run");
  EXPECT_EQ(cfg->orphan_sweep_interval, std::chrono::minutes(30));
  EXPECT_EQ(cfg->orphan_sweep_grace, std::chrono::hours(2));
  EXPECT_EQ(cfg->orphan_sweep_regions, (std::vector<std::string>{"us-east-1", "eu-west-1"}));

  // YAML 1.1 readers (Helm's) turn an unquoted off into false: it means off too.
  const char* yaml_off[] = {"aura", "--orphan-sweep=false"};
  auto off = parse_args(2, yaml_off);
  ASSERT_TRUE(off) << off.error();
  EXPECT_EQ(off->orphan_sweep, "off");

  const char* bad[] = {"aura", "--orphan-sweep=yes"};
  auto refused = parse_args(2, bad);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().find("--orphan-sweep"), std::string::npos) << refused.error();
}

TEST(OperatorConfig, UnknownFileKeyIsRejected) {
  const std::string path = ::testing::TempDir() + "/aura-bad.yaml";
  std::ofstream(path) << "wokers: 4\n";
  auto cfg = load_config_file(path);
  ASSERT_FALSE(cfg);
  EXPECT_NE(cfg.error().find("wokers"), std::string::npos);
}

}  // namespace
}  // namespace aura::config
