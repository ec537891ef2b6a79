// The pure parts of the provisioning driver: how step results fold into one outcome, which
// status entries count as resources Aura made (for Created and Deleted Events), and the
// re-verification interval of a Ready cluster.
#include "reconcilers/ephemeral_cluster/provisioning.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "reconcilers/ephemeral_cluster/cluster_status.h"
#include "tests/unit/reconcilers/cluster_status_fixture.h"

namespace aura::reconcilers::cluster {
namespace {

using namespace std::chrono_literals;

TEST(Outcome, TheWorstStepDecidesAndTheSoonestWaitWins) {
  Outcome o;
  EXPECT_EQ(o.kind, Outcome::Kind::kDone);
  o.wait("NAT gateway pending", 15s);
  o.wait("EKS cluster CREATING", 30s);
  EXPECT_EQ(o.kind, Outcome::Kind::kWaiting);
  EXPECT_EQ(o.message, "NAT gateway pending");
  EXPECT_EQ(o.retry_after, 15s);
  o.aws_error("Throttling");
  EXPECT_EQ(o.kind, Outcome::Kind::kAwsError);
  EXPECT_EQ(o.message, "Throttling");
  o.spec_error("spec.network.zones: Required value");
  o.aws_error("later error");
  o.wait("later wait", 5s);
  EXPECT_EQ(o.kind, Outcome::Kind::kSpecError);
  EXPECT_EQ(o.message, "spec.network.zones: Required value");
  EXPECT_EQ(o.retry_after, 5s);
  EXPECT_EQ(to_string(o.kind), "spec-error");
}

TEST(RecordedResources, ListsWhatAuraMadeAndNeverTheUsersNetwork) {
  const auto own = recorded_resources(full_status(), true);
  EXPECT_EQ(own.size(), 16u);
  EXPECT_TRUE(std::is_sorted(own.begin(), own.end()));
  EXPECT_NE(std::find(own.begin(), own.end(), "VPC vpc-1"), own.end());
  EXPECT_NE(std::find(own.begin(), own.end(), "subnet subnet-a (us-east-1a, public)"), own.end());
  EXPECT_NE(std::find(own.begin(), own.end(), "NAT gateway nat-1"), own.end());
  const auto byo = recorded_resources(full_status(), false);
  EXPECT_EQ(std::find(byo.begin(), byo.end(), "VPC vpc-1"), byo.end());
  EXPECT_EQ(byo.size(), 13u);
  EXPECT_TRUE(recorded_resources({}, true).empty());
}

TEST(RecordedResources, AddedIsWhatAppearedSinceBefore) {
  const std::vector<std::string> before{"VPC vpc-1", "subnet s-1"};
  const std::vector<std::string> after{"NAT gateway nat-1", "VPC vpc-1"};
  EXPECT_EQ(added(before, after), std::vector<std::string>{"NAT gateway nat-1"});
  EXPECT_EQ(added(after, before), std::vector<std::string>{"subnet s-1"});
}

TEST(ReverifyInterval, AboutTwoHoursSpreadByUidAndStable) {
  std::set<long> seen;
  for (int i = 0; i < 50; ++i) {
    const auto uid = "uid-" + std::to_string(i);
    const auto d = reverify_interval(uid);
    EXPECT_GE(d, 110min);
    EXPECT_LE(d, 130min);
    EXPECT_EQ(d, reverify_interval(uid));
    seen.insert(d.count());
  }
  EXPECT_GT(seen.size(), 10u) << "clusters must not all re-verify at once";
}

}  // namespace
}  // namespace aura::reconcilers::cluster
