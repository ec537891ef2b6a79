#pragma once

#include <chrono>
#include <expected>
#include <string>
#include <vector>

namespace aura::webhooks {

// A certificate and its private key, both PEM.
struct CertPair {
  std::string cert_pem;
  std::string key_pem;
};

struct CertOptions {
  std::string common_name = {};
  std::vector<std::string> dns_names = {};  // subjectAltName DNS entries (serving certs)
  std::vector<std::string> ip_addresses =
      {};  // subjectAltName IP entries, IPv4 or IPv6 (serving certs)
  std::chrono::hours validity{24 * 365};
};

// A self-signed CA (ECDSA P-256, SHA-256, basicConstraints CA:TRUE, keyCertSign), for tests and
// for the self-managed certificate mode.
std::expected<CertPair, std::string> generate_ca(const CertOptions& options);

// A serving certificate (ECDSA P-256, serverAuth, the given SANs) signed by `ca`.
std::expected<CertPair, std::string> generate_serving_cert(const CertPair& ca,
                                                           const CertOptions& options);

// Writes `content` to `path` atomically (a temporary file in the same directory, then rename),
// mode 0600. Returns an error message on failure.
std::expected<void, std::string> write_file_atomic(const std::string& path,
                                                   const std::string& content);

}  // namespace aura::webhooks
