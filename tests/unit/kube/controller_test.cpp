#include "operator/kube/controller.h"

#include <gtest/gtest.h>

#include <deque>
#include <mutex>

namespace aura::kube {
namespace {

using namespace std::chrono_literals;

// Answers each reconcile with the next scripted result and records the keys it saw.
class ScriptedReconciler : public Reconciler {
 public:
  explicit ScriptedReconciler(std::deque<ReconcileResult> script) : script_(std::move(script)) {}
  ReconcileResult reconcile(const ObjectKey& key, const ReconcileContext&) override {
    std::lock_guard lock(mu_);
    seen_.push_back(key);
    cv_.notify_all();
    if (script_.empty()) return Action::await_change();
    auto r = script_.front();
    script_.pop_front();
    return r;
  }
  bool wait_for_calls(size_t n, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return seen_.size() >= n; });
  }
  size_t calls() {
    std::lock_guard lock(mu_);
    return seen_.size();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<ReconcileResult> script_;
  std::vector<ObjectKey> seen_;
};

struct Fixture {
  explicit Fixture(std::deque<ReconcileResult> script)
      : reconciler(std::make_shared<ScriptedReconciler>(std::move(script))),
        metrics(std::make_shared<metrics::Registry>()),
        controller(
            [] {
              ControllerOptions o;
              o.name = "test";
              o.workers = 1;
              o.queue.backoff_base = 1ms;
              return o;
            }(),
            reconciler, log::Logger::discard(), metrics) {}
  double count(const std::string& result) {
    return metrics->counter("aura_reconcile_total", "", {"controller", "result"})
        ->value({"test", result});
  }
  std::shared_ptr<ScriptedReconciler> reconciler;
  metrics::RegistryPtr metrics;
  Controller controller;
};

TEST(Controller, TransientErrorsRetryWithBackoffUntilSuccess) {
  Fixture f({std::unexpected(ReconcileError::transient("boom")),
             std::unexpected(ReconcileError::transient("boom")), Action::await_change()});
  f.controller.start();
  f.controller.enqueue({"ns", "a"});
  ASSERT_TRUE(f.reconciler->wait_for_calls(3, 5s));
  f.controller.stop();
  EXPECT_EQ(f.count("error"), 2);
  EXPECT_EQ(f.count("success"), 1);
  EXPECT_EQ(f.controller.queue().failures({"ns", "a"}), 0) << "success forgets the backoff";
}

TEST(Controller, ConflictRequeuesAtOnce) {
  Fixture f({std::unexpected(ReconcileError::conflict("stale")), Action::await_change()});
  f.controller.start();
  f.controller.enqueue({"ns", "a"});
  ASSERT_TRUE(f.reconciler->wait_for_calls(2, 5s));
  f.controller.stop();
  EXPECT_EQ(f.count("conflict"), 1);
}

TEST(Controller, TerminalErrorIsNotRetried) {
  Fixture f({std::unexpected(ReconcileError::terminal("bad spec"))});
  f.controller.start();
  f.controller.enqueue({"ns", "a"});
  ASSERT_TRUE(f.reconciler->wait_for_calls(1, 5s));
  f.controller.stop();
  EXPECT_EQ(f.reconciler->calls(), 1u);
  EXPECT_EQ(f.count("terminal"), 1);
}

TEST(Controller, RequeueAfterComesBack) {
  Fixture f({Action::requeue_after(20ms), Action::await_change()});
  f.controller.start();
  f.controller.enqueue({"ns", "a"});
  ASSERT_TRUE(f.reconciler->wait_for_calls(2, 5s));
  f.controller.stop();
  EXPECT_EQ(f.count("requeue_after"), 1);
}

TEST(Action, SoonerPicksTheEarliestRequeue) {
  EXPECT_EQ(Action::sooner(Action::await_change(), Action::requeue_after(5s)).after, 5s);
  EXPECT_EQ(Action::sooner(Action::requeue_after(2s), Action::requeue_after(5s)).after, 2s);
}

}  // namespace
}  // namespace aura::kube
