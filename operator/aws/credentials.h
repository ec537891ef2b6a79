#pragma once

#include <chrono>
#include <optional>
#include <string>

namespace aura::aws {

// AWS credentials. Never logged: operator<< is deliberately absent, and redacted() is what a
// log line may show.
struct Credentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // empty for long-term keys
  std::optional<std::chrono::system_clock::time_point> expiration;
  std::string source;  // which provider produced them: "environment", "web-identity", ...

  bool empty() const { return access_key_id.empty() || secret_access_key.empty(); }
  // "AKIA…WXYZ from environment": enough to tell which key is in use, no secret.
  std::string redacted() const;
};

}  // namespace aura::aws
