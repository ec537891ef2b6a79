#pragma once

#include <string>
#include <string_view>

namespace aura {

// RFC 3986 percent-encoding: everything but A-Z a-z 0-9 - _ . ~ becomes %XX (upper-case hex).
// With encode_slash false, '/' passes through (paths). Used for Kubernetes query parameters and
// for SigV4's canonical forms, which require exactly this encoding.
std::string percent_encode(std::string_view s, bool encode_slash = true);

}  // namespace aura
