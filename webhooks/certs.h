#pragma once

#include <chrono>
#include <expected>
#include <optional>
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
  std::chrono::seconds validity{std::chrono::hours(24 * 365)};
  // Start of the validity window (before backdating); unset: now.
  std::optional<std::chrono::system_clock::time_point> issued_at = std::nullopt;
};

// What a certificate says about itself.
struct CertInfo {
  std::chrono::system_clock::time_point not_before;
  std::chrono::system_clock::time_point not_after;
  std::string sha256;  // of the DER, lower-case hex: names a certificate in logs
};

// A self-signed CA (ECDSA P-256, SHA-256, basicConstraints CA:TRUE, keyCertSign), for tests and
// for the self-managed certificate mode.
std::expected<CertPair, std::string> generate_ca(const CertOptions& options);

// A serving certificate (ECDSA P-256, serverAuth, the given SANs) signed by `ca`.
std::expected<CertPair, std::string> generate_serving_cert(const CertPair& ca,
                                                           const CertOptions& options);

// The certificates of a PEM bundle, each as PEM, in order; other PEM blocks are skipped.
std::vector<std::string> split_pem_certificates(const std::string& pem);
// Reads the first certificate of `cert_pem`.
std::expected<CertInfo, std::string> inspect_cert(const std::string& cert_pem);
// True when `cert_pem` carries a signature by the key of `ca_cert_pem`.
bool signed_by(const std::string& cert_pem, const std::string& ca_cert_pem);
// True when `key_pem` is the private key of `cert_pem`.
bool key_matches(const std::string& cert_pem, const std::string& key_pem);
// True when the certificate's subjectAltName covers each host (a DNS name or an IP address).
bool covers_hosts(const std::string& cert_pem, const std::vector<std::string>& hosts);
// True when `host` is an IPv4 or IPv6 address rather than a DNS name.
bool is_ip_address(const std::string& host);

// Writes `content` to `path` atomically (a temporary file in the same directory, then rename),
// mode 0600. Returns an error message on failure.
std::expected<void, std::string> write_file_atomic(const std::string& path,
                                                   const std::string& content);

}  // namespace aura::webhooks
