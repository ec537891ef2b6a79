#pragma once

#include <initializer_list>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace spdlog {
class logger;
}

namespace aura::log {

enum class Format { kText, kJson };
enum class Level { kDebug, kInfo, kWarn, kError };

// One structured field of a log line. Values are JSON so numbers stay numbers in JSON output.
using Field = std::pair<std::string_view, nlohmann::json>;
using Fields = std::initializer_list<Field>;

// A structured logger: a message plus key/value fields, rendered as one JSON object per line or
// as "message key=value ...". Loggers are values passed to whoever logs (no global registry);
// with() derives a child that adds fields to every line, such as the controller name.
//
// Secrets: callers never pass credentials; redact() exists for the few places (HTTP debug
// output) where a header could carry one.
class Logger {
 public:
  Logger(Format format, Level level, std::string_view name = "aura");
  // A logger that discards everything: for tests and benchmarks.
  static Logger discard();

  Logger with(Fields fields) const;
  Logger named(std::string_view component) const;

  bool enabled(Level level) const { return level >= level_; }
  void debug(std::string_view msg, Fields fields = {}) const { write(Level::kDebug, msg, fields); }
  void info(std::string_view msg, Fields fields = {}) const { write(Level::kInfo, msg, fields); }
  void warn(std::string_view msg, Fields fields = {}) const { write(Level::kWarn, msg, fields); }
  void error(std::string_view msg, Fields fields = {}) const { write(Level::kError, msg, fields); }

 private:
  Logger() = default;
  void write(Level level, std::string_view msg, Fields fields) const;

  std::shared_ptr<spdlog::logger> sink_;
  Format format_ = Format::kText;
  Level level_ = Level::kInfo;
  std::string component_;
  nlohmann::json context_ = nlohmann::json::object();
};

std::optional<Level> parse_level(std::string_view s);
std::optional<Format> parse_format(std::string_view s);

// Replaces everything after the scheme of an Authorization-style value with "REDACTED".
std::string redact(std::string_view header_value);

}  // namespace aura::log
