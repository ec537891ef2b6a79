#pragma once

#include <chrono>
#include <expected>
#include <string>

#include "operator/kube/resource.h"
#include "operator/log/logger.h"

namespace aura::kube {

// What a successful reconcile asks for next.
struct Action {
  enum class Kind { kAwaitChange, kRequeueAfter };
  Kind kind = Kind::kAwaitChange;
  std::chrono::milliseconds after{0};

  static Action await_change() { return {}; }
  static Action requeue_after(std::chrono::milliseconds d) { return {Kind::kRequeueAfter, d}; }
  // The sooner of two actions: a reconciler running several sub-steps keeps the soonest requeue.
  static Action sooner(const Action& a, const Action& b);
};

// A failed reconcile, classified so that one policy can map it to the queue.
struct ReconcileError {
  enum class Kind {
    kTransient,  // network, 5xx, throttling: rate-limited retry with backoff
    kConflict,   // stale resourceVersion: retry at once with a fresh read
    kTerminal,   // retrying cannot help (invalid spec): no retry until the object changes
  };
  Kind kind = Kind::kTransient;
  std::string message;

  static ReconcileError transient(std::string m) { return {Kind::kTransient, std::move(m)}; }
  static ReconcileError conflict(std::string m) { return {Kind::kConflict, std::move(m)}; }
  static ReconcileError terminal(std::string m) { return {Kind::kTerminal, std::move(m)}; }
};

using ReconcileResult = std::expected<Action, ReconcileError>;

// Everything one reconcile call knows besides the key: a logger carrying the reconcile ID.
struct ReconcileContext {
  log::Logger log;
  std::string reconcile_id;
};

class Reconciler {
 public:
  virtual ~Reconciler() = default;
  virtual ReconcileResult reconcile(const ObjectKey& key, const ReconcileContext& ctx) = 0;
};

}  // namespace aura::kube
