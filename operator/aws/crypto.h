#pragma once

#include <string>
#include <string_view>

namespace aura::aws {

// SHA-256 and HMAC-SHA-256 over OpenSSL's EVP interface.
std::string sha256(std::string_view data);                             // raw 32 bytes
std::string sha256_hex(std::string_view data);                         // lower-case hex
std::string hmac_sha256(std::string_view key, std::string_view data);  // raw 32 bytes
std::string hex(std::string_view bytes);

}  // namespace aura::aws
