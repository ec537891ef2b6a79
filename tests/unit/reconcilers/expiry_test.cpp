// spec.lifecycle's cost guards, on a fake timeline.
#include "reconcilers/ephemeral_cluster/expiry.h"

#include <gtest/gtest.h>

#include "operator/common/duration.h"

namespace aura::reconcilers::cluster {
namespace {

using namespace std::chrono_literals;

const TimePoint kCreated = TimePoint{} + std::chrono::hours(24 * 365 * 56);

api::ClusterLifecycle lifecycle(std::optional<std::string> max, std::optional<std::int64_t> ttl) {
  api::ClusterLifecycle l;
  l.maxLifetime = std::move(max);
  l.ttlSecondsAfterIdle = ttl;
  return l;
}

ExpiryInput at(std::chrono::seconds since_creation) {
  ExpiryInput in;
  in.created = kCreated;
  in.ready = kCreated + 600s;
  in.now = kCreated + since_creation;
  return in;
}

TEST(ParseLifetime, GoStyleDurations) {
  EXPECT_EQ(parse_duration("8h"), 8h);
  EXPECT_EQ(parse_duration("90m"), 90min);
  EXPECT_EQ(parse_duration("1h30m15s"), 5415s);
  EXPECT_EQ(parse_duration(""), std::nullopt);
  EXPECT_EQ(parse_duration("15"), std::nullopt);
  EXPECT_EQ(parse_duration("h"), std::nullopt);
  EXPECT_EQ(parse_duration("2d"), std::nullopt);
  EXPECT_EQ(parse_duration("0m"), std::nullopt);
  EXPECT_EQ(parse_duration("99999999999999999999h"), std::nullopt);
}

TEST(Expiry, NoLifecycleNeverExpires) {
  const auto e = evaluate_expiry(nullptr, at(100h));
  EXPECT_FALSE(e.expired);
  EXPECT_FALSE(e.expiry_time);
  EXPECT_FALSE(e.recheck);
}

TEST(Expiry, MaxLifetimeCountsFromCreationBusyOrNot) {
  const auto l = lifecycle("2h", std::nullopt);
  auto in = at(1h);
  in.activity.busy = true;
  auto e = evaluate_expiry(&l, in);
  EXPECT_FALSE(e.expired);
  EXPECT_EQ(e.expiry_time, kCreated + 2h);
  EXPECT_EQ(e.recheck, 3600s);
  in = at(2h);
  in.activity.busy = true;
  e = evaluate_expiry(&l, in);
  EXPECT_TRUE(e.expired);
  EXPECT_EQ(e.reason, "MaxLifetimeReached");
  EXPECT_NE(e.message.find("spec.lifecycle.maxLifetime 2h"), std::string::npos) << e.message;
}

TEST(Expiry, MaxLifetimeAppliesBeforeTheClusterIsReady) {
  const auto l = lifecycle("1h", std::nullopt);
  auto in = at(2h);
  in.ready.reset();
  EXPECT_TRUE(evaluate_expiry(&l, in).expired);
}

TEST(Expiry, IdleCountsFromReadyBeforeAnyJob) {
  const auto l = lifecycle(std::nullopt, 1800);
  auto e = evaluate_expiry(&l, at(600s + 1799s));
  EXPECT_FALSE(e.expired);
  EXPECT_EQ(e.recheck, 1s);
  EXPECT_EQ(e.last_active, kCreated + 600s);
  e = evaluate_expiry(&l, at(600s + 1800s));
  EXPECT_TRUE(e.expired);
  EXPECT_EQ(e.reason, "IdleTimeout");
}

TEST(Expiry, NotIdleBeforeReadyNorWhileAJobRuns) {
  const auto l = lifecycle(std::nullopt, 60);
  auto in = at(10h);
  in.ready.reset();
  EXPECT_FALSE(evaluate_expiry(&l, in).expired);
  in = at(10h);
  in.activity.busy = true;
  const auto e = evaluate_expiry(&l, in);
  EXPECT_FALSE(e.expired);
  EXPECT_EQ(e.last_active, in.now) << "a running job moves the idle clock to now";
  EXPECT_FALSE(e.recheck) << "a job's end wakes the cluster; no deadline while busy";
}

TEST(Expiry, ABusyClusterMovesLastActiveAtMostOncePerResolution) {
  const auto l = lifecycle(std::nullopt, 60);
  auto in = at(10h);
  in.activity.busy = true;
  in.last_active = in.now - kLastActiveResolution + 1s;
  EXPECT_EQ(evaluate_expiry(&l, in).last_active, in.last_active) << "no write for a few seconds";
  in.last_active = in.now - kLastActiveResolution;
  EXPECT_EQ(evaluate_expiry(&l, in).last_active, in.now);
}

TEST(Expiry, IdleCountsFromTheLastJobThatFinished) {
  const auto l = lifecycle(std::nullopt, 300);
  auto in = at(5h);
  in.last_active = kCreated + 1h;
  in.activity.last_finished = kCreated + 5h - 100s;
  const auto e = evaluate_expiry(&l, in);
  EXPECT_FALSE(e.expired);
  EXPECT_EQ(e.last_active, in.activity.last_finished);
  EXPECT_EQ(e.recheck, 200s);
}

TEST(Expiry, TheNearerDeadlineIsRechecked) {
  const auto l = lifecycle("3h", 1800);
  const auto e = evaluate_expiry(&l, at(2h + 50min));
  // Idle since ready (10 min after creation) for 2h40m: past the TTL already.
  EXPECT_TRUE(e.expired);
  EXPECT_EQ(e.reason, "IdleTimeout");
  auto in = at(2h + 50min);
  in.activity.last_finished = in.now - 60s;
  const auto later = evaluate_expiry(&l, in);
  EXPECT_FALSE(later.expired);
  EXPECT_EQ(later.recheck, 600s) << "maxLifetime in 10 min comes before idle in 29 min";
}

}  // namespace
}  // namespace aura::reconcilers::cluster
