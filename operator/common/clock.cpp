#include "operator/common/clock.h"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <charconv>
#include <ctime>

namespace aura {

namespace {

std::tm to_utc_tm(std::chrono::system_clock::time_point t) {
  const std::time_t tt = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  return tm;
}

bool parse_int(std::string_view s, size_t pos, size_t len, int& out) {
  if (pos + len > s.size()) return false;
  auto [ptr, ec] = std::from_chars(s.data() + pos, s.data() + pos + len, out);
  return ec == std::errc{} && ptr == s.data() + pos + len;
}

}  // namespace

std::string format_rfc3339(std::chrono::system_clock::time_point t) {
  return fmt::format("{:%Y-%m-%dT%H:%M:%SZ}", to_utc_tm(t));
}

std::string format_rfc3339_micro(std::chrono::system_clock::time_point t) {
  const auto micros =
      std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count() % 1000000;
  return fmt::format("{:%Y-%m-%dT%H:%M:%S}.{:06d}Z", to_utc_tm(t), micros);
}

std::optional<std::chrono::system_clock::time_point> parse_rfc3339(std::string_view s) {
  // YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM)
  int year, mon, day, hour, min, sec;
  if (s.size() < 20 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't') ||
      s[13] != ':' || s[16] != ':')
    return std::nullopt;
  if (!parse_int(s, 0, 4, year) || !parse_int(s, 5, 2, mon) || !parse_int(s, 8, 2, day) ||
      !parse_int(s, 11, 2, hour) || !parse_int(s, 14, 2, min) || !parse_int(s, 17, 2, sec))
    return std::nullopt;
  size_t pos = 19;
  std::chrono::microseconds frac{0};
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    int64_t scale = 100000;
    int64_t value = 0;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      if (scale > 0) value += (s[pos] - '0') * scale;
      scale /= 10;
      ++pos;
    }
    frac = std::chrono::microseconds(value);
  }
  int offset_minutes = 0;
  if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
    ++pos;
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    int oh, om;
    if (!parse_int(s, pos + 1, 2, oh) || pos + 3 >= s.size() || s[pos + 3] != ':' ||
        !parse_int(s, pos + 4, 2, om))
      return std::nullopt;
    offset_minutes = (oh * 60 + om) * (s[pos] == '+' ? 1 : -1);
    pos += 6;
  } else {
    return std::nullopt;
  }
  if (pos != s.size()) return std::nullopt;
  if (mon < 1 || mon > 12 || day < 1 || day > 31 || hour > 23 || min > 59 || sec > 60)
    return std::nullopt;
  const auto ymd = std::chrono::year{year} / std::chrono::month{static_cast<unsigned>(mon)} /
                   std::chrono::day{static_cast<unsigned>(day)};
  if (!ymd.ok()) return std::nullopt;
  auto tp = std::chrono::sys_days{ymd} + std::chrono::hours{hour} + std::chrono::minutes{min} +
            std::chrono::seconds{sec} - std::chrono::minutes{offset_minutes};
  return std::chrono::time_point_cast<std::chrono::system_clock::duration>(tp + frac);
}

}  // namespace aura
