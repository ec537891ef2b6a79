#include "operator/kube/controller.h"

#include <fmt/format.h>

namespace aura::kube {

Action Action::sooner(const Action& a, const Action& b) {
  if (a.kind == Kind::kAwaitChange) return b;
  if (b.kind == Kind::kAwaitChange) return a;
  return a.after <= b.after ? a : b;
}

Controller::Controller(ControllerOptions options, std::shared_ptr<Reconciler> reconciler,
                       log::Logger logger, metrics::RegistryPtr metrics)
    : options_(std::move(options)),
      reconciler_(std::move(reconciler)),
      log_(logger.with({{"controller", options_.name}})),
      queue_(
          [&] {
            auto q = options_.queue;
            q.name = options_.name;
            return q;
          }(),
          metrics) {
  if (metrics) {
    reconciles_ = metrics->counter("aura_reconcile_total", "Reconciles by controller and outcome.",
                                   {"controller", "result"});
    duration_ = metrics->histogram("aura_reconcile_duration_seconds",
                                   "Time spent in one reconcile by controller.", {"controller"});
    active_workers_ = metrics->gauge("aura_controller_active_workers",
                                     "Workers busy reconciling by controller.", {"controller"});
  }
}

Controller::~Controller() {
  stop();
}

void Controller::watch_primary(Informer& informer) {
  informer.add_handler(
      [this](EventKind, const ObjectPtr&, const ObjectPtr& now) { queue_.add(key_of(*now)); });
}

void Controller::watch_related(Informer& informer,
                               std::function<std::vector<ObjectKey>(const nlohmann::json&)> map) {
  informer.add_handler(
      [this, map = std::move(map)](EventKind kind, const ObjectPtr& old, const ObjectPtr& now) {
        for (const auto& key : map(*now)) queue_.add(key);
        // A reference that changed must wake the old target too.
        if (kind == EventKind::kUpdated && old)
          for (const auto& key : map(*old)) queue_.add(key);
      });
}

void Controller::start() {
  for (int i = 0; i < options_.workers; ++i) workers_.emplace_back([this, i] { worker(i); });
  log_.info("controller started", {{"workers", options_.workers}});
}

void Controller::stop() {
  queue_.shut_down();
  for (auto& t : workers_)
    if (t.joinable()) t.join();
  workers_.clear();
}

void Controller::worker(int index) {
  std::mt19937_64 rng(std::random_device{}() ^ static_cast<uint64_t>(index));
  while (auto key = queue_.get()) {
    process(*key, rng);
    queue_.done(*key);
  }
}

void Controller::process(const ObjectKey& key, std::mt19937_64& rng) {
  const std::string id = fmt::format("{:016x}", rng());
  ReconcileContext ctx{log_.with({{"object", key.str()}, {"reconcileID", id}}), id};
  if (active_workers_) active_workers_->add({options_.name}, 1);
  const auto start = std::chrono::steady_clock::now();
  ReconcileResult result;
  try {
    result = reconciler_->reconcile(key, ctx);
  } catch (const std::exception& e) {
    // A bug, not an environmental failure: keep the worker alive and retry with backoff.
    result = std::unexpected(
        ReconcileError::transient(std::string("unexpected exception: ") + e.what()));
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (active_workers_) active_workers_->add({options_.name}, -1);
  if (duration_) duration_->observe({options_.name}, seconds);

  std::string label;
  if (result) {
    queue_.forget(key);
    if (result->kind == Action::Kind::kRequeueAfter) {
      queue_.add_after(key, result->after);
      label = "requeue_after";
    } else {
      label = "success";
    }
    ctx.log.debug("reconciled", {{"result", label}, {"seconds", seconds}});
  } else {
    const auto& err = result.error();
    switch (err.kind) {
      case ReconcileError::Kind::kTransient:
        queue_.add_rate_limited(key);
        label = "error";
        ctx.log.warn("reconcile failed, will retry",
                     {{"error", err.message}, {"retries", queue_.failures(key)}});
        break;
      case ReconcileError::Kind::kConflict:
        queue_.add(key);
        label = "conflict";
        ctx.log.debug("conflict, requeued", {{"error", err.message}});
        break;
      case ReconcileError::Kind::kTerminal:
        queue_.forget(key);
        label = "terminal";
        ctx.log.error("reconcile failed terminally", {{"error", err.message}});
        break;
    }
  }
  if (reconciles_) reconciles_->inc({options_.name, label});
}

}  // namespace aura::kube
