#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace aura::metrics {

// A minimal Prometheus registry: counter, gauge and histogram families with labels, rendered in
// the text exposition format. Families are created once at wiring time and shared by pointer;
// the hot path (inc/observe on an existing child) takes one map lookup under a family mutex
// plus an atomic add.
using Labels = std::vector<std::string>;

class Family {
 public:
  Family(std::string name, std::string help, std::string type, std::vector<std::string> keys)
      : name_(std::move(name)),
        help_(std::move(help)),
        type_(std::move(type)),
        keys_(std::move(keys)) {}
  virtual ~Family() = default;
  virtual void render(std::string& out) const = 0;

 protected:
  std::string label_string(const Labels& values, const std::string& extra = {}) const;
  void header(std::string& out) const;

  std::string name_;
  std::string help_;
  std::string type_;
  std::vector<std::string> keys_;
  mutable std::mutex mu_;
};

class Counter final : public Family {
 public:
  Counter(std::string name, std::string help, std::vector<std::string> keys)
      : Family(std::move(name), std::move(help), "counter", std::move(keys)) {}
  void inc(const Labels& values = {}, double by = 1.0);
  double value(const Labels& values = {}) const;
  void render(std::string& out) const override;

 private:
  std::map<Labels, double> values_;
};

class Gauge final : public Family {
 public:
  Gauge(std::string name, std::string help, std::vector<std::string> keys)
      : Family(std::move(name), std::move(help), "gauge", std::move(keys)) {}
  void set(const Labels& values, double v);
  void add(const Labels& values, double by);
  double value(const Labels& values = {}) const;
  void render(std::string& out) const override;

 private:
  std::map<Labels, double> values_;
};

class Histogram final : public Family {
 public:
  Histogram(std::string name, std::string help, std::vector<std::string> keys,
            std::vector<double> buckets)
      : Family(std::move(name), std::move(help), "histogram", std::move(keys)),
        buckets_(std::move(buckets)) {}
  void observe(const Labels& values, double v);
  uint64_t count(const Labels& values = {}) const;
  void render(std::string& out) const override;

 private:
  struct Series {
    std::vector<uint64_t> counts;
    double sum = 0;
    uint64_t count = 0;
  };
  std::vector<double> buckets_;
  std::map<Labels, Series> series_;
};

class Registry {
 public:
  std::shared_ptr<Counter> counter(std::string name, std::string help,
                                   std::vector<std::string> keys = {});
  std::shared_ptr<Gauge> gauge(std::string name, std::string help,
                               std::vector<std::string> keys = {});
  std::shared_ptr<Histogram> histogram(std::string name, std::string help,
                                       std::vector<std::string> keys,
                                       std::vector<double> buckets = default_buckets());
  std::string render() const;
  static std::vector<double> default_buckets();

 private:
  template <typename T, typename... Args>
  std::shared_ptr<T> get_or_add(const std::string& name, Args&&... args);

  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<Family>> families_;
};

using RegistryPtr = std::shared_ptr<Registry>;

}  // namespace aura::metrics
