#include "operator/kube/events.h"

#include <fmt/format.h>

#include <random>

namespace aura::kube {

namespace {
constexpr size_t kMaxRemembered = 4096;
}

EventRecorder::EventRecorder(ClientPtr client, std::string controller, std::string instance,
                             log::Logger logger, ClockPtr clock, std::chrono::seconds dedupe_window)
    : client_(std::move(client)),
      controller_(std::move(controller)),
      instance_(std::move(instance)),
      log_(std::move(logger)),
      clock_(std::move(clock)),
      window_(dedupe_window) {}

bool EventRecorder::seen_recently(const std::string& key,
                                  std::chrono::steady_clock::time_point now) {
  std::lock_guard lock(mu_);
  if (auto it = recent_.find(key); it != recent_.end()) {
    if (now - it->second.first < window_) return true;
    order_.erase(it->second.second);
    recent_.erase(it);
  }
  order_.push_front(key);
  recent_[key] = {now, order_.begin()};
  if (order_.size() > kMaxRemembered) {
    recent_.erase(order_.back());
    order_.pop_back();
  }
  return false;
}

void EventRecorder::record(const Json& regarding, EventType type, std::string_view reason,
                           std::string_view action, std::string_view note) {
  const auto& meta = regarding.at("metadata");
  const std::string ns = meta.value("namespace", "default");
  const std::string name = meta.value("name", "");
  const std::string uid = meta.value("uid", "");
  const std::string key = fmt::format("{}\x1f{}\x1f{}", uid, reason, note);
  if (seen_recently(key, clock_->steady_now())) return;

  const auto now = clock_->now();
  thread_local std::mt19937_64 rng(std::random_device{}());
  Json event = {{"apiVersion", "events.k8s.io/v1"},
                {"kind", "Event"},
                {"metadata", {{"name", fmt::format("{}.{:016x}", name, rng())}, {"namespace", ns}}},
                {"eventTime", format_rfc3339_micro(now)},
                {"reportingController", controller_},
                {"reportingInstance", instance_},
                {"action", action},
                {"reason", reason},
                {"note", std::string(note.substr(0, 1024))},
                {"type", type == EventType::kNormal ? "Normal" : "Warning"},
                {"regarding",
                 {{"apiVersion", regarding.value("apiVersion", "")},
                  {"kind", regarding.value("kind", "")},
                  {"name", name},
                  {"namespace", ns},
                  {"uid", uid},
                  {"resourceVersion", meta.value("resourceVersion", "")}}}};
  if (auto r = client_->create(resources::kEvent, ns, event); !r)
    log_.warn("cannot record event", {{"reason", reason}, {"error", r.error().str()}});
}

}  // namespace aura::kube
