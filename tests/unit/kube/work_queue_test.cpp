#include "operator/kube/work_queue.h"

#include <gtest/gtest.h>

#include <thread>

namespace aura::kube {
namespace {

using namespace std::chrono_literals;

TEST(WorkQueue, DeduplicatesKeys) {
  WorkQueue q({});
  q.add({"ns", "a"});
  q.add({"ns", "a"});
  q.add({"ns", "b"});
  EXPECT_EQ(q.len(), 2u);
}

TEST(WorkQueue, KeyBeingProcessedIsNotHandedOutTwice) {
  WorkQueue q({});
  q.add({"ns", "a"});
  auto k = q.get();
  ASSERT_TRUE(k);
  q.add({"ns", "a"});  // changed while processing
  EXPECT_EQ(q.len(), 0u) << "must wait until done()";
  q.done(*k);
  EXPECT_EQ(q.len(), 1u) << "re-queued once done";
}

TEST(WorkQueue, AddAfterDeliversWhenDue) {
  WorkQueue q({});
  const auto start = std::chrono::steady_clock::now();
  q.add_after({"ns", "a"}, 50ms);
  EXPECT_EQ(q.len(), 0u);
  auto k = q.get();  // blocks until due
  ASSERT_TRUE(k);
  EXPECT_GE(std::chrono::steady_clock::now() - start, 50ms);
}

TEST(WorkQueue, ImmediateAddSupersedesDelayedOne) {
  WorkQueue q({});
  q.add_after({"ns", "a"}, std::chrono::hours(1));
  q.add({"ns", "a"});
  EXPECT_EQ(q.len(), 1u);
  EXPECT_EQ(q.delayed(), 0u);
}

TEST(WorkQueue, RateLimitedBackoffGrowsAndForgetResets) {
  WorkQueueOptions o;
  o.backoff_base = 1ms;
  WorkQueue q(o);
  for (int i = 0; i < 5; ++i) q.add_rate_limited({"ns", "a"});
  EXPECT_EQ(q.failures({"ns", "a"}), 5);
  q.forget({"ns", "a"});
  EXPECT_EQ(q.failures({"ns", "a"}), 0);
}

TEST(WorkQueue, ShutDownWakesWaitingWorkers) {
  WorkQueue q({});
  std::optional<ObjectKey> got{ObjectKey{"x", "y"}};
  std::thread t([&] { got = q.get(); });
  q.shut_down();
  t.join();
  EXPECT_FALSE(got.has_value());
}

}  // namespace
}  // namespace aura::kube

namespace aura::kube {
namespace {

// A worker waits until the earliest delayed key is due while other threads add delayed keys:
// the heap grows under it (reallocating), and the worker must not read its old top afterwards.
// ASan reported a heap-use-after-free here before get() copied the deadline.
TEST(WorkQueue, WaitingWorkerSurvivesTheDelayHeapGrowing) {
  using namespace std::chrono_literals;
  WorkQueue q({});
  q.add_after({"ns", "soon"}, 200ms);
  std::optional<ObjectKey> got;
  std::thread worker([&] { got = q.get(); });
  for (int i = 0; i < 2000; ++i) q.add_after({"ns", "later-" + std::to_string(i)}, 1h);
  q.add({"ns", "now"});
  worker.join();
  ASSERT_TRUE(got);
  EXPECT_EQ(got->name, "now");
  q.shut_down();
}

}  // namespace
}  // namespace aura::kube
