#include "operator/aws/fault_hook.h"

#include <signal.h>
#include <unistd.h>

#include <array>

namespace aura::aws {

bool is_mutating_operation(std::string_view operation) {
  static constexpr std::array<std::string_view, 9> kReadOnly = {
      "Describe", "Get", "List", "Head", "Lookup", "Search", "Assume", "Decode", "Simulate"};
  for (auto prefix : kReadOnly)
    // "Get" must be followed by the next word's capital: "Getaway" would be some other verb.
    if (operation.starts_with(prefix) &&
        (operation.size() == prefix.size() ||
         (operation[prefix.size()] >= 'A' && operation[prefix.size()] <= 'Z')))
      return false;
  return !operation.empty();
}

FaultHook::FaultHook(int64_t exit_after_mutating_calls, log::Logger log, Exit exit)
    : exit_after_(exit_after_mutating_calls), log_(std::move(log)), exit_(std::move(exit)) {}

void FaultHook::after_call(std::string_view service, std::string_view operation, bool succeeded) {
  const auto total = calls_.fetch_add(1) + 1;
  if (!succeeded || !is_mutating_operation(operation)) return;
  const auto n = mutating_.fetch_add(1) + 1;
  if (exit_after_ <= 0 || n != exit_after_) return;
  // The logger flushes every line, so this one is on disk before the process goes.
  log_.warn(
      "fault hook: exiting as if killed (kill -9) after a mutating AWS call",
      {{"service", service}, {"operation", operation}, {"mutatingCalls", n}, {"calls", total}});
  exit_();
}

void FaultHook::kill_self() {
  ::kill(::getpid(), SIGKILL);
  ::_exit(137);  // not reached: SIGKILL cannot be caught
}

}  // namespace aura::aws
