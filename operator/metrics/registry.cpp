#include "operator/metrics/registry.h"

#include <fmt/format.h>

#include <stdexcept>

namespace aura::metrics {

namespace {

std::string escape_label(const std::string& v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    if (c == '\\' || c == '"') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string format_value(double v) {
  return fmt::format("{}", v);
}

}  // namespace

std::string Family::label_string(const Labels& values, const std::string& extra) const {
  if (keys_.empty() && extra.empty()) return {};
  std::string out = "{";
  for (size_t i = 0; i < keys_.size(); ++i) {
    if (i) out += ',';
    out += keys_[i];
    out += "=\"";
    out += escape_label(i < values.size() ? values[i] : std::string());
    out += '"';
  }
  if (!extra.empty()) {
    if (!keys_.empty()) out += ',';
    out += extra;
  }
  out += '}';
  return out;
}

void Family::header(std::string& out) const {
  out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name_, help_, name_, type_);
}

void Counter::inc(const Labels& values, double by) {
  std::lock_guard lock(mu_);
  values_[values] += by;
}

double Counter::value(const Labels& values) const {
  std::lock_guard lock(mu_);
  auto it = values_.find(values);
  return it == values_.end() ? 0 : it->second;
}

void Counter::render(std::string& out) const {
  std::lock_guard lock(mu_);
  header(out);
  for (const auto& [labels, v] : values_)
    out += fmt::format("{}{} {}\n", name_, label_string(labels), format_value(v));
}

void Gauge::set(const Labels& values, double v) {
  std::lock_guard lock(mu_);
  values_[values] = v;
}

void Gauge::add(const Labels& values, double by) {
  std::lock_guard lock(mu_);
  values_[values] += by;
}

double Gauge::value(const Labels& values) const {
  std::lock_guard lock(mu_);
  auto it = values_.find(values);
  return it == values_.end() ? 0 : it->second;
}

void Gauge::render(std::string& out) const {
  std::lock_guard lock(mu_);
  header(out);
  for (const auto& [labels, v] : values_)
    out += fmt::format("{}{} {}\n", name_, label_string(labels), format_value(v));
}

void Histogram::observe(const Labels& values, double v) {
  std::lock_guard lock(mu_);
  auto& s = series_[values];
  if (s.counts.empty()) s.counts.assign(buckets_.size(), 0);
  for (size_t i = 0; i < buckets_.size(); ++i)
    if (v <= buckets_[i]) ++s.counts[i];
  s.sum += v;
  ++s.count;
}

uint64_t Histogram::count(const Labels& values) const {
  std::lock_guard lock(mu_);
  auto it = series_.find(values);
  return it == series_.end() ? 0 : it->second.count;
}

void Histogram::render(std::string& out) const {
  std::lock_guard lock(mu_);
  header(out);
  for (const auto& [labels, s] : series_) {
    for (size_t i = 0; i < buckets_.size(); ++i)
      out += fmt::format("{}_bucket{} {}\n", name_,
                         label_string(labels, fmt::format("le=\"{}\"", buckets_[i])), s.counts[i]);
    out += fmt::format("{}_bucket{} {}\n", name_, label_string(labels, "le=\"+Inf\""), s.count);
    out += fmt::format("{}_sum{} {}\n", name_, label_string(labels), format_value(s.sum));
    out += fmt::format("{}_count{} {}\n", name_, label_string(labels), s.count);
  }
}

template <typename T, typename... Args>
std::shared_ptr<T> Registry::get_or_add(const std::string& name, Args&&... args) {
  std::lock_guard lock(mu_);
  auto it = families_.find(name);
  if (it != families_.end()) {
    auto typed = std::dynamic_pointer_cast<T>(it->second);
    if (!typed) throw std::logic_error("metric registered twice with different types: " + name);
    return typed;
  }
  auto f = std::make_shared<T>(name, std::forward<Args>(args)...);
  families_.emplace(name, f);
  return f;
}

std::shared_ptr<Counter> Registry::counter(std::string name, std::string help,
                                           std::vector<std::string> keys) {
  return get_or_add<Counter>(name, std::move(help), std::move(keys));
}

std::shared_ptr<Gauge> Registry::gauge(std::string name, std::string help,
                                       std::vector<std::string> keys) {
  return get_or_add<Gauge>(name, std::move(help), std::move(keys));
}

std::shared_ptr<Histogram> Registry::histogram(std::string name, std::string help,
                                               std::vector<std::string> keys,
                                               std::vector<double> buckets) {
  return get_or_add<Histogram>(name, std::move(help), std::move(keys), std::move(buckets));
}

std::string Registry::render() const {
  std::lock_guard lock(mu_);
  std::string out;
  for (const auto& [_, f] : families_) f->render(out);
  return out;
}

std::vector<double> Registry::default_buckets() {
  return {0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};
}

}  // namespace aura::metrics
