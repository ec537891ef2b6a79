// The orphan sweeper's decisions (orphan_policy.h) and how it groups what it found
// (tagged_resources.h), on a fake timeline: no AWS, no API server.
#include "reconcilers/ephemeral_cluster/orphan_policy.h"

#include <gtest/gtest.h>

#include "reconcilers/ephemeral_cluster/identity.h"
#include "reconcilers/ephemeral_cluster/tagged_resources.h"

namespace aura::reconcilers::cluster {
namespace {

using namespace std::chrono_literals;
using TimePoint = OrphanJudge::TimePoint;

const TimePoint kStart = TimePoint{} + std::chrono::hours(1000);

OwnerSighting missing(const std::string& uid) {
  return {uid, false, false, true};
}

TEST(SweepMode, ParsesTheThreeModesOnly) {
  EXPECT_EQ(parse_sweep_mode("off"), SweepMode::kOff);
  EXPECT_EQ(parse_sweep_mode("dry-run"), SweepMode::kDryRun);
  EXPECT_EQ(parse_sweep_mode("delete"), SweepMode::kDelete);
  EXPECT_EQ(parse_sweep_mode("Delete"), std::nullopt);
  EXPECT_EQ(parse_sweep_mode(""), std::nullopt);
  EXPECT_EQ(to_string(SweepMode::kDryRun), "dry-run");
}

TEST(OrphanJudge, AnOrphanIsSweptOnlyWhenMissedTwiceAtLeastTheGraceApart) {
  OrphanJudge judge(10min);
  EXPECT_EQ(judge.judge({missing("u1")}, kStart).at("u1"), Verdict::kGrace);
  EXPECT_EQ(judge.judge({missing("u1")}, kStart + 9min).at("u1"), Verdict::kGrace);
  EXPECT_EQ(judge.judge({missing("u1")}, kStart + 10min).at("u1"), Verdict::kOrphan);
  EXPECT_EQ(judge.judge({missing("u1")}, kStart + 70min).at("u1"), Verdict::kOrphan);
}

TEST(OrphanJudge, OneSweepIsNeverEnoughEvenWithoutGrace) {
  // A scan that raced a cluster created a moment ago, or a list that lost an item, must be
  // confirmed by a second sweep.
  OrphanJudge judge(0s);
  EXPECT_EQ(judge.judge({missing("u1")}, kStart).at("u1"), Verdict::kGrace);
  EXPECT_EQ(judge.judge({missing("u1")}, kStart).at("u1"), Verdict::kOrphan);
}

TEST(OrphanJudge, ALiveClusterIsNeverAnOrphan) {
  OrphanJudge judge(1min);
  for (int i = 0; i < 5; ++i)
    EXPECT_EQ(judge.judge({{"u1", true, false, true}}, kStart + i * 1h).at("u1"), Verdict::kLive);
}

TEST(OrphanJudge, RetainedResourcesAreNeverOrphans) {
  OrphanJudge judge(1min);
  for (int i = 0; i < 5; ++i)
    EXPECT_EQ(judge.judge({{"u1", false, true, true}}, kStart + i * 1h).at("u1"),
              Verdict::kRetained);
}

TEST(OrphanJudge, WithoutTheClusterTagTheOwnerIsUnknownAndLeftAlone) {
  OrphanJudge judge(1min);
  EXPECT_EQ(judge.judge({{"u1", false, false, false}}, kStart).at("u1"), Verdict::kUnknownOwner);
  EXPECT_EQ(judge.judge({{"u1", false, false, false}}, kStart + 1h).at("u1"),
            Verdict::kUnknownOwner);
}

TEST(OrphanJudge, SeenLiveInBetweenStartsTheGraceAgain) {
  OrphanJudge judge(10min);
  judge.judge({missing("u1")}, kStart);
  // The list missed it once (a cluster created between scan and list looks so), then found it.
  EXPECT_EQ(judge.judge({{"u1", true, false, true}}, kStart + 5min).at("u1"), Verdict::kLive);
  EXPECT_EQ(judge.judge({missing("u1")}, kStart + 11min).at("u1"), Verdict::kGrace);
  EXPECT_EQ(judge.judge({missing("u1")}, kStart + 20min).at("u1"), Verdict::kGrace);
  EXPECT_EQ(judge.judge({missing("u1")}, kStart + 21min).at("u1"), Verdict::kOrphan);
}

TEST(OrphanJudge, AUidNotFoundIsForgotten) {
  OrphanJudge judge(10min);
  judge.judge({missing("u1"), missing("u2")}, kStart);
  // u1's resources are gone (or the scan did not see them): it starts over if seen again.
  const auto v = judge.judge({missing("u2")}, kStart + 15min);
  EXPECT_EQ(v.size(), 1u);
  EXPECT_EQ(v.at("u2"), Verdict::kOrphan);
  EXPECT_EQ(judge.judge({missing("u1"), missing("u2")}, kStart + 30min).at("u1"), Verdict::kGrace);
}

TEST(OrphanJudge, RetainedInBetweenStartsTheGraceAgain) {
  OrphanJudge judge(10min);
  judge.judge({missing("u1")}, kStart);
  judge.judge({{"u1", false, true, true}}, kStart + 5min);
  EXPECT_EQ(judge.judge({missing("u1")}, kStart + 12min).at("u1"), Verdict::kGrace);
}

aws::Tags tags(const std::string& uid, const std::string& cluster) {
  aws::Tags t{{kTagManagedBy, kManagedByValue}, {kTagClusterUid, uid}};
  if (!cluster.empty()) t[kTagCluster] = cluster;
  return t;
}

TEST(GroupByOwner, GroupsByUidWithNamesRegionsAndTheRetainedMark) {
  auto retained = tags("u2", "team-b/kept");
  retained[kTagRetained] = "true";
  const std::vector<TaggedResource> found{
      {"vpc", "vpc-1", "us-east-1", tags("u1", "team-a/ghost")},
      {"subnet", "subnet-1", "us-east-1", tags("u1", "team-a/ghost")},
      {"iam-role", "aura-team-a-ghost-0123abcd-node", "", tags("u1", "team-a/ghost")},
      {"vpc", "vpc-2", "eu-west-1", tags("u2", "team-b/kept")},
      {"iam-role", "aura-team-b-kept-89abcdef-node", "", retained},
      {"iam-role", "aura-x", "", tags("u3", "")},
  };
  const auto owners = group_by_owner(found);
  ASSERT_EQ(owners.size(), 3u);
  EXPECT_EQ(owners[0].uid, "u1");
  EXPECT_EQ(owners[0].ns, "team-a");
  EXPECT_EQ(owners[0].name, "ghost");
  EXPECT_EQ(owners[0].regions, std::set<std::string>{"us-east-1"});
  EXPECT_EQ(owners[0].resources.size(), 3u);
  EXPECT_FALSE(owners[0].retained);
  EXPECT_EQ(owners[1].uid, "u2");
  EXPECT_TRUE(owners[1].retained) << "one marked resource retains the whole UID";
  EXPECT_EQ(owners[1].regions, std::set<std::string>{"eu-west-1"});
  EXPECT_EQ(owners[2].uid, "u3");
  EXPECT_TRUE(owners[2].ns.empty());
  EXPECT_TRUE(owners[2].regions.empty()) << "IAM is global";
}

}  // namespace
}  // namespace aura::reconcilers::cluster
