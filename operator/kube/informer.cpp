#include "operator/kube/informer.h"

#include <random>

namespace aura::kube {

namespace {

constexpr std::string_view kInitialEventsEnd = "k8s.io/initial-events-end";

bool is_initial_events_end(const nlohmann::json& object) {
  const auto meta = object.find("metadata");
  if (meta == object.end()) return false;
  const auto ann = meta->find("annotations");
  if (ann == meta->end() || !ann->is_object()) return false;
  const auto it = ann->find(kInitialEventsEnd);
  return it != ann->end() && it->is_string() && it->get<std::string>() == "true";
}

std::string resource_version_of(const nlohmann::json& object) {
  const auto meta = object.find("metadata");
  if (meta == object.end()) return {};
  return meta->value("resourceVersion", "");
}

}  // namespace

Informer::Informer(ClientPtr client, ResourceType type, InformerOptions options, log::Logger logger,
                   metrics::RegistryPtr metrics)
    : client_(std::move(client)),
      type_(std::move(type)),
      options_(std::move(options)),
      log_(logger.with({{"resource", type_.plural}})) {
  if (metrics) {
    events_total_ = metrics->counter("aura_informer_events_total",
                                     "Watch events applied to the cache by resource and type.",
                                     {"resource", "type"});
    relists_total_ = metrics->counter("aura_informer_lists_total",
                                      "Full lists (initial sync, 410 Gone, restarts) by resource.",
                                      {"resource"});
  }
}

Informer::~Informer() {
  stop();
}

void Informer::add_handler(EventHandler handler) {
  handlers_.push_back(std::move(handler));
}

void Informer::start() {
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this] { run(); });
}

void Informer::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

bool Informer::wait_for_sync(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  return cv_.wait_for(lock, timeout, [this] { return synced_.load() || stopping_.load(); }) &&
         synced_.load();
}

void Informer::mark_synced() {
  {
    std::lock_guard lock(mu_);
    synced_ = true;
  }
  cv_.notify_all();
}

bool Informer::wait_backoff(std::chrono::milliseconds d) {
  std::unique_lock lock(mu_);
  return !cv_.wait_for(lock, d, [this] { return stopping_.load(); });
}

ObjectPtr Informer::trim(nlohmann::json&& object) const {
  // managedFields and kubectl's last-applied copy are often most of an object's size and no
  // reconciler reads them (controller-runtime's DefaultTransform drops managedFields too).
  if (auto meta = object.find("metadata"); meta != object.end()) {
    meta->erase("managedFields");
    if (auto ann = meta->find("annotations"); ann != meta->end() && ann->is_object()) {
      ann->erase("kubectl.kubernetes.io/last-applied-configuration");
      if (ann->empty()) meta->erase("annotations");
    }
  }
  return std::make_shared<const nlohmann::json>(std::move(object));
}

void Informer::deliver(EventKind kind, const ObjectPtr& old, const ObjectPtr& now) {
  for (const auto& h : handlers_) h(kind, old, now);
}

void Informer::run() {
  std::mt19937 rng(std::random_device{}());
  auto backoff = options_.backoff_initial;
  next_resync_ = std::chrono::steady_clock::now() + options_.resync_period;
  while (!stopping_) {
    bool healthy;
    if (state_ == State::kListing) {
      healthy = watch_list_supported_ ? watch_list() : list_then_watch();
    } else {
      healthy = watch_from(resource_version_);
    }
    if (stopping_) break;
    if (healthy) {
      backoff = options_.backoff_initial;
      continue;
    }
    // Full jitter keeps many informers from reconnecting in lockstep after an outage.
    std::uniform_int_distribution<long> jitter(backoff.count() / 2, backoff.count());
    if (!wait_backoff(std::chrono::milliseconds(jitter(rng)))) break;
    backoff = std::min(backoff * 2, options_.backoff_max);
  }
}

bool Informer::handle_event(WatchEvent&& ev, std::set<ObjectKey>* seen) {
  if (ev.type == "ERROR") {
    const long code = ev.object.value("code", 0L);
    log_.info("watch error event", {{"code", code}, {"message", ev.object.value("message", "")}});
    if (code == 410) state_ = State::kListing;
    return false;
  }
  const std::string rv = resource_version_of(ev.object);
  if (ev.type == "BOOKMARK") {
    if (!rv.empty()) resource_version_ = rv;
    if (seen && is_initial_events_end(ev.object)) {
      finish_relist(*seen);
      seen->clear();
      return true;
    }
    return true;
  }
  if (events_total_) events_total_->inc({type_.plural, ev.type});
  if (!rv.empty()) resource_version_ = rv;
  if (ev.type == "DELETED") {
    const ObjectKey key = key_of(ev.object);
    if (auto old = store_.erase(key)) deliver(EventKind::kDeleted, old, old);
    return true;
  }
  auto object = trim(std::move(ev.object));
  if (seen) seen->insert(key_of(*object));
  auto old = store_.upsert(object);
  deliver(old ? EventKind::kUpdated : EventKind::kAdded, old, object);
  return true;
}

void Informer::finish_relist(const std::set<ObjectKey>& seen) {
  for (const auto& key : store_.keys()) {
    if (seen.contains(key)) continue;
    if (auto old = store_.erase(key)) deliver(EventKind::kDeleted, old, old);
  }
  lists_++;
  if (relists_total_) relists_total_->inc({type_.plural});
  state_ = State::kWatching;
  if (!synced_) log_.info("cache synced", {{"objects", store_.size()}});
  mark_synced();
}

bool Informer::watch_list() {
  std::set<ObjectKey> seen;
  bool in_initial = true;
  WatchOptions opts;
  opts.label_selector = options_.label_selector;
  opts.send_initial_events = true;
  opts.timeout_seconds = options_.watch_timeout_seconds;
  bool error_event = false;
  auto result = client_->watch(
      type_, options_.ns, opts,
      [&](WatchEvent&& ev) {
        const bool was_initial = in_initial;
        if (!handle_event(std::move(ev), in_initial ? &seen : nullptr)) {
          error_event = true;
          return false;
        }
        if (was_initial && state_ == State::kWatching) in_initial = false;
        if (!in_initial) resync();
        return !stopping_.load();
      },
      &stopping_);
  if (!result) {
    const auto& e = result.error();
    // A server without watch-list answers 4xx to sendInitialEvents; use list+watch from now on.
    if (!e.is_transport() && e.status >= 400 && e.status < 500 && e.status != 410 &&
        e.status != 429 && e.status != 401 && e.status != 403) {
      log_.info("watch-list unsupported, falling back to list+watch", {{"error", e.str()}});
      watch_list_supported_ = false;
      return true;
    }
    log_.warn("watch-list failed", {{"error", e.str()}});
    return false;
  }
  // A stream that ended before initial-events-end leaves state kListing: start over.
  return !error_event && !in_initial;
}

bool Informer::list_then_watch() {
  std::set<ObjectKey> seen;
  ListOptions opts;
  opts.label_selector = options_.label_selector;
  opts.limit = options_.page_size;
  auto rv = client_->list_each(type_, options_.ns, opts, [&](nlohmann::json&& item) {
    // List items carry no kind; the store and handlers expect whole objects.
    item["apiVersion"] = type_.api_version();
    item["kind"] = type_.kind;
    auto object = trim(std::move(item));
    const ObjectKey key = key_of(*object);
    seen.insert(key);
    auto old = store_.upsert(object);
    deliver(old ? EventKind::kUpdated : EventKind::kAdded, old, object);
  });
  if (!rv) {
    log_.warn("list failed", {{"error", rv.error().str()}});
    return false;
  }
  resource_version_ = *rv;
  finish_relist(seen);
  return true;
}

bool Informer::watch_from(const std::string& rv) {
  WatchOptions opts;
  opts.label_selector = options_.label_selector;
  opts.resource_version = rv;
  opts.timeout_seconds = options_.watch_timeout_seconds;
  bool error_event = false;
  auto result = client_->watch(
      type_, options_.ns, opts,
      [&](WatchEvent&& ev) {
        if (!handle_event(std::move(ev), nullptr)) {
          error_event = true;
          return false;
        }
        resync();
        return !stopping_.load();
      },
      &stopping_);
  if (!result) {
    if (result.error().is_gone()) {
      log_.info("watch expired (410), relisting", {{"resourceVersion", rv}});
      state_ = State::kListing;
      return true;
    }
    log_.warn("watch failed", {{"error", result.error().str()}});
    return false;
  }
  resync();
  if (error_event) return state_ == State::kListing;  // 410 as an event: relist at once
  return true;
}

void Informer::resync() {
  if (options_.resync_period.count() == 0) return;
  const auto now = std::chrono::steady_clock::now();
  if (now < next_resync_) return;
  next_resync_ = now + options_.resync_period;
  for (const auto& obj : store_.list()) deliver(EventKind::kResync, obj, obj);
}

}  // namespace aura::kube
