#pragma once

#include <chrono>
#include <list>
#include <mutex>
#include <string>
#include <unordered_map>

#include "operator/common/clock.h"
#include "operator/kube/client.h"
#include "operator/log/logger.h"

namespace aura::kube {

enum class EventType { kNormal, kWarning };

// Emits events.k8s.io/v1 Events about our objects. Identical events (same object, reason and
// note) within the dedupe window are dropped rather than written again, so a level-triggered
// reconcile that repeats itself does not turn into a stream of writes. Failures to record are
// logged, never returned: an event is a courtesy, not part of the reconcile's outcome.
class EventRecorder {
 public:
  EventRecorder(ClientPtr client, std::string controller, std::string instance, log::Logger logger,
                ClockPtr clock = std::make_shared<SystemClock>(),
                std::chrono::seconds dedupe_window = std::chrono::minutes(10));

  // `regarding` is the object the event is about (its metadata and kind are read).
  void record(const Json& regarding, EventType type, std::string_view reason,
              std::string_view action, std::string_view note);

 private:
  bool seen_recently(const std::string& key, std::chrono::steady_clock::time_point now);

  ClientPtr client_;
  std::string controller_;
  std::string instance_;
  log::Logger log_;
  ClockPtr clock_;
  std::chrono::seconds window_;
  std::mutex mu_;
  // LRU of recent event keys, bounded so a long-running operator does not grow.
  std::list<std::string> order_;
  std::unordered_map<std::string, std::pair<std::chrono::steady_clock::time_point,
                                            std::list<std::string>::iterator>>
      recent_;
};

using EventRecorderPtr = std::shared_ptr<EventRecorder>;

}  // namespace aura::kube
