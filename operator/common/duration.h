#pragma once

#include <chrono>
#include <optional>
#include <string_view>

namespace aura {

// A duration as the CRDs write it (the pattern ^([0-9]+(h|m|s))+$): "8h", "90m", "1h30m",
// "45s". nullopt when malformed or zero.
std::optional<std::chrono::seconds> parse_duration(std::string_view text);

}  // namespace aura
