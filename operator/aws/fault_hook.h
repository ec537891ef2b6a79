#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>

#include "operator/log/logger.h"

namespace aura::aws {

// True for an AWS operation that may change something (CreateVpc, DeleteRole, TagResource,
// AssociateRouteTable, ...), false for one that only reads (Describe*, Get*, List*, Head*, and
// STS's Assume*, which hands out credentials and leaves nothing behind). Unknown names count as
// changing: for a crash test, one boundary too many costs a restart, one too few hides a bug.
bool is_mutating_operation(std::string_view operation);

// A test-only fault hook (off unless the operator is started with
// --fault-exit-after-mutating-aws-calls=N): it counts the AWS calls of every client one
// AwsSession makes and, when the Nth call that may change something has succeeded, kills the
// process as `kill -9` would, before the caller sees the answer. So the resource exists in AWS
// but its ID never reached status: the hard case of DESIGN.md invariant 3, that the next process
// must adopt instead of duplicating. Calls that AWS refused are not counted: an error answer
// changed nothing, so dying after one is the same as dying before it (and a step that retries a
// refused call, say a delete of what is already gone, must not be killed there forever).
// tests/integration/cluster_crash_test.cpp restarts the operator after each such death.
class FaultHook {
 public:
  // Ends the process; the default sends SIGKILL to itself. Tests give their own.
  using Exit = std::function<void()>;

  // exit_after_mutating_calls <= 0: count only, never exit.
  FaultHook(int64_t exit_after_mutating_calls, log::Logger log, Exit exit = kill_self);

  // Called once per operation when its final answer (after retries) is in.
  void after_call(std::string_view service, std::string_view operation, bool succeeded);

  int64_t calls() const { return calls_.load(); }
  // Mutating calls that succeeded.
  int64_t mutating_calls() const { return mutating_.load(); }

  static void kill_self();

 private:
  const int64_t exit_after_;
  log::Logger log_;
  Exit exit_;
  std::atomic<int64_t> calls_{0};
  std::atomic<int64_t> mutating_{0};
};

using FaultHookPtr = std::shared_ptr<FaultHook>;

}  // namespace aura::aws
