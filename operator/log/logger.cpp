#include "operator/log/logger.h"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <chrono>

#include "operator/common/clock.h"

namespace aura::log {

namespace {

std::string_view level_name(Level level) {
  switch (level) {
    case Level::kDebug:
      return "debug";
    case Level::kInfo:
      return "info";
    case Level::kWarn:
      return "warn";
    case Level::kError:
      return "error";
  }
  return "info";
}

spdlog::level::level_enum to_spdlog(Level level) {
  switch (level) {
    case Level::kDebug:
      return spdlog::level::debug;
    case Level::kInfo:
      return spdlog::level::info;
    case Level::kWarn:
      return spdlog::level::warn;
    case Level::kError:
      return spdlog::level::err;
  }
  return spdlog::level::info;
}

void append_text_value(std::string& out, const nlohmann::json& v) {
  if (v.is_string()) {
    const auto& s = v.get_ref<const std::string&>();
    if (s.find_first_of(" \"=") == std::string::npos && !s.empty()) {
      out += s;
    } else {
      out += nlohmann::json(s).dump();
    }
  } else {
    out += v.dump();
  }
}

}  // namespace

Logger::Logger(Format format, Level level, std::string_view name)
    : format_(format), level_(level), component_(name) {
  // stderr, unregistered: spdlog's global registry is never touched.
  auto sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  sink_ = std::make_shared<spdlog::logger>(std::string(name), std::move(sink));
  sink_->set_pattern("%v");
  sink_->set_level(to_spdlog(level));
  sink_->flush_on(spdlog::level::debug);
}

Logger Logger::discard() {
  Logger l;
  l.level_ = Level::kError;
  return l;
}

Logger Logger::with(Fields fields) const {
  Logger child = *this;
  for (const auto& [k, v] : fields) child.context_[std::string(k)] = v;
  return child;
}

Logger Logger::named(std::string_view component) const {
  Logger child = *this;
  child.component_ =
      component_.empty() ? std::string(component) : component_ + "." + std::string(component);
  return child;
}

void Logger::write(Level level, std::string_view msg, Fields fields) const {
  if (!sink_ || level < level_) return;
  const std::string ts = format_rfc3339_micro(std::chrono::system_clock::now());
  std::string line;
  if (format_ == Format::kJson) {
    // Ordered: ts, level, logger and msg lead every line, as log shippers expect.
    nlohmann::ordered_json j = nlohmann::ordered_json::object();
    j["ts"] = ts;
    j["level"] = level_name(level);
    j["logger"] = component_;
    j["msg"] = msg;
    for (const auto& [k, v] : context_.items()) j[k] = v;
    for (const auto& [k, v] : fields) j[std::string(k)] = v;
    line = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  } else {
    line.reserve(128);
    line += ts;
    line += ' ';
    line += level_name(level);
    line += ' ';
    line += component_;
    line += ": ";
    line += msg;
    for (const auto& [k, v] : context_.items()) {
      line += ' ';
      line += k;
      line += '=';
      append_text_value(line, v);
    }
    for (const auto& [k, v] : fields) {
      line += ' ';
      line += k;
      line += '=';
      append_text_value(line, v);
    }
  }
  sink_->log(to_spdlog(level), "{}", line);
}

std::optional<Level> parse_level(std::string_view s) {
  if (s == "debug") return Level::kDebug;
  if (s == "info") return Level::kInfo;
  if (s == "warn" || s == "warning") return Level::kWarn;
  if (s == "error") return Level::kError;
  return std::nullopt;
}

std::optional<Format> parse_format(std::string_view s) {
  if (s == "text") return Format::kText;
  if (s == "json") return Format::kJson;
  return std::nullopt;
}

std::string redact(std::string_view header_value) {
  const auto space = header_value.find(' ');
  if (space == std::string_view::npos) return "REDACTED";
  return std::string(header_value.substr(0, space)) + " REDACTED";
}

}  // namespace aura::log
