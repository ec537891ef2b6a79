#include "webhooks/certs.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <memory>

namespace aura::webhooks {

namespace {

template <auto Free>
struct Deleter {
  template <typename T>
  void operator()(T* p) const {
    Free(p);
  }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY_free>>;
using X509Ptr = std::unique_ptr<X509, Deleter<X509_free>>;
using BioPtr = std::unique_ptr<BIO, Deleter<BIO_free_all>>;
using BnPtr = std::unique_ptr<BIGNUM, Deleter<BN_free>>;

std::string openssl_error(const std::string& what) {
  const unsigned long code = ERR_get_error();
  char buf[256] = {};
  if (code != 0) ERR_error_string_n(code, buf, sizeof buf);
  ERR_clear_error();
  return what + (code ? std::string(": ") + buf : std::string());
}

std::string bio_string(BIO* bio) {
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<size_t>(n));
}

std::expected<PkeyPtr, std::string> new_key() {
  PkeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  if (!key) return std::unexpected(openssl_error("EC key generation"));
  return key;
}

bool add_ext(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  if (!ext) return false;
  const bool ok = X509_add_ext(cert, ext, -1) == 1;
  X509_EXTENSION_free(ext);
  return ok;
}

// A new certificate with a random serial, the subject CN and the validity window. The caller adds
// extensions and signs.
std::expected<X509Ptr, std::string> new_cert(const CertOptions& o, EVP_PKEY* key) {
  X509Ptr cert(X509_new());
  if (!cert) return std::unexpected(openssl_error("X509_new"));
  X509_set_version(cert.get(), 2);
  BnPtr serial(BN_new());
  if (!serial || BN_rand(serial.get(), 127, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) != 1 ||
      !BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert.get())))
    return std::unexpected(openssl_error("serial"));
  // Backdated for clock skew: five minutes, or a tenth of a short lifetime (tests rotate fast).
  const long validity = static_cast<long>(o.validity.count());
  std::time_t issued =
      std::chrono::system_clock::to_time_t(o.issued_at.value_or(std::chrono::system_clock::now()));
  X509_time_adj_ex(X509_getm_notBefore(cert.get()), 0, -std::min(300L, validity / 10), &issued);
  X509_time_adj_ex(X509_getm_notAfter(cert.get()), 0, validity, &issued);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("aura.io"), -1, -1, 0);
  if (X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                 reinterpret_cast<const unsigned char*>(o.common_name.c_str()), -1,
                                 -1, 0) != 1)
    return std::unexpected(openssl_error("common name \"" + o.common_name + "\""));
  if (X509_set_pubkey(cert.get(), key) != 1) return std::unexpected(openssl_error("pubkey"));
  return cert;
}

std::expected<CertPair, std::string> to_pem(X509* cert, EVP_PKEY* key) {
  BioPtr cbio(BIO_new(BIO_s_mem()));
  BioPtr kbio(BIO_new(BIO_s_mem()));
  if (!cbio || !kbio || PEM_write_bio_X509(cbio.get(), cert) != 1 ||
      PEM_write_bio_PrivateKey(kbio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1)
    return std::unexpected(openssl_error("PEM encoding"));
  return CertPair{bio_string(cbio.get()), bio_string(kbio.get())};
}

}  // namespace

std::expected<CertPair, std::string> generate_ca(const CertOptions& o) {
  auto key = new_key();
  if (!key) return std::unexpected(key.error());
  auto cert = new_cert(o, key->get());
  if (!cert) return std::unexpected(cert.error());
  X509* c = cert->get();
  X509_set_issuer_name(c, X509_get_subject_name(c));
  if (!add_ext(c, c, NID_basic_constraints, "critical,CA:TRUE,pathlen:0") ||
      !add_ext(c, c, NID_key_usage, "critical,keyCertSign,cRLSign,digitalSignature") ||
      !add_ext(c, c, NID_subject_key_identifier, "hash"))
    return std::unexpected(openssl_error("CA extensions"));
  if (X509_sign(c, key->get(), EVP_sha256()) == 0) return std::unexpected(openssl_error("sign"));
  return to_pem(c, key->get());
}

std::expected<CertPair, std::string> generate_serving_cert(const CertPair& ca,
                                                           const CertOptions& o) {
  BioPtr cbio(BIO_new_mem_buf(ca.cert_pem.data(), static_cast<int>(ca.cert_pem.size())));
  BioPtr kbio(BIO_new_mem_buf(ca.key_pem.data(), static_cast<int>(ca.key_pem.size())));
  X509Ptr ca_cert(PEM_read_bio_X509(cbio.get(), nullptr, nullptr, nullptr));
  PkeyPtr ca_key(PEM_read_bio_PrivateKey(kbio.get(), nullptr, nullptr, nullptr));
  if (!ca_cert || !ca_key) return std::unexpected(openssl_error("reading the CA"));
  if (o.dns_names.empty() && o.ip_addresses.empty())
    return std::unexpected("a serving certificate needs at least one DNS name or IP address");
  std::string san;
  for (const auto& d : o.dns_names) san += (san.empty() ? "DNS:" : ",DNS:") + d;
  for (const auto& ip : o.ip_addresses) {
    unsigned char buf[16];
    if (inet_pton(AF_INET, ip.c_str(), buf) != 1 && inet_pton(AF_INET6, ip.c_str(), buf) != 1)
      return std::unexpected("not an IP address: " + ip);
    san += (san.empty() ? "IP:" : ",IP:") + ip;
  }
  auto key = new_key();
  if (!key) return std::unexpected(key.error());
  auto cert = new_cert(o, key->get());
  if (!cert) return std::unexpected(cert.error());
  X509* c = cert->get();
  X509_set_issuer_name(c, X509_get_subject_name(ca_cert.get()));
  if (!add_ext(c, ca_cert.get(), NID_basic_constraints, "critical,CA:FALSE") ||
      !add_ext(c, ca_cert.get(), NID_key_usage, "critical,digitalSignature,keyEncipherment") ||
      !add_ext(c, ca_cert.get(), NID_ext_key_usage, "serverAuth") ||
      !add_ext(c, ca_cert.get(), NID_authority_key_identifier, "keyid:always") ||
      !add_ext(c, ca_cert.get(), NID_subject_alt_name, san))
    return std::unexpected(openssl_error("serving certificate extensions"));
  if (X509_sign(c, ca_key.get(), EVP_sha256()) == 0) return std::unexpected(openssl_error("sign"));
  return to_pem(c, key->get());
}

namespace {

X509Ptr read_cert(const std::string& pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return nullptr;
  return X509Ptr(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
}

std::expected<std::chrono::system_clock::time_point, std::string> to_time_point(
    const ASN1_TIME* t) {
  std::tm tm{};
  if (ASN1_TIME_to_tm(t, &tm) != 1) return std::unexpected("unreadable validity time");
  return std::chrono::system_clock::from_time_t(timegm(&tm));
}

}  // namespace

std::vector<std::string> split_pem_certificates(const std::string& pem) {
  static constexpr std::string_view kBegin = "-----BEGIN CERTIFICATE-----";
  static constexpr std::string_view kEnd = "-----END CERTIFICATE-----";
  std::vector<std::string> out;
  std::size_t at = 0;
  while ((at = pem.find(kBegin, at)) != std::string::npos) {
    const auto end = pem.find(kEnd, at);
    if (end == std::string::npos) break;
    out.push_back(pem.substr(at, end + kEnd.size() - at) + "\n");
    at = end + kEnd.size();
  }
  return out;
}

std::expected<CertInfo, std::string> inspect_cert(const std::string& cert_pem) {
  auto cert = read_cert(cert_pem);
  if (!cert) return std::unexpected(openssl_error("reading a certificate"));
  auto nb = to_time_point(X509_get0_notBefore(cert.get()));
  auto na = to_time_point(X509_get0_notAfter(cert.get()));
  if (!nb || !na) return std::unexpected("certificate validity is unreadable");
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (X509_digest(cert.get(), EVP_sha256(), md, &len) != 1)
    return std::unexpected(openssl_error("fingerprint"));
  std::string hex;
  static constexpr char kDigits[] = "0123456789abcdef";
  for (unsigned int i = 0; i < len; ++i) {
    hex += kDigits[md[i] >> 4];
    hex += kDigits[md[i] & 15];
  }
  return CertInfo{*nb, *na, std::move(hex)};
}

bool signed_by(const std::string& cert_pem, const std::string& ca_cert_pem) {
  auto cert = read_cert(cert_pem);
  auto ca = read_cert(ca_cert_pem);
  const bool ok = cert && ca && X509_verify(cert.get(), X509_get0_pubkey(ca.get())) == 1;
  ERR_clear_error();
  return ok;
}

bool key_matches(const std::string& cert_pem, const std::string& key_pem) {
  auto cert = read_cert(cert_pem);
  BioPtr kbio(BIO_new_mem_buf(key_pem.data(), static_cast<int>(key_pem.size())));
  PkeyPtr key(kbio ? PEM_read_bio_PrivateKey(kbio.get(), nullptr, nullptr, nullptr) : nullptr);
  const bool ok = cert && key && X509_check_private_key(cert.get(), key.get()) == 1;
  ERR_clear_error();
  return ok;
}

bool is_ip_address(const std::string& host) {
  unsigned char buf[16];
  return inet_pton(AF_INET, host.c_str(), buf) == 1 || inet_pton(AF_INET6, host.c_str(), buf) == 1;
}

bool covers_hosts(const std::string& cert_pem, const std::vector<std::string>& hosts) {
  auto cert = read_cert(cert_pem);
  if (!cert) return false;
  for (const auto& h : hosts) {
    const int ok = is_ip_address(h)
                       ? X509_check_ip_asc(cert.get(), h.c_str(), 0)
                       : X509_check_host(cert.get(), h.data(), h.size(),
                                         X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS, nullptr);
    if (ok != 1) return false;
  }
  return true;
}

std::expected<void, std::string> write_file_atomic(const std::string& path,
                                                   const std::string& content) {
  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return std::unexpected("cannot create " + tmp);
  size_t off = 0;
  while (off < content.size()) {
    const ssize_t n = ::write(fd, content.data() + off, content.size() - off);
    if (n <= 0) {
      ::close(fd);
      ::unlink(tmp.c_str());
      return std::unexpected("cannot write " + tmp);
    }
    off += static_cast<size_t>(n);
  }
  ::fsync(fd);
  ::close(fd);
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    ::unlink(tmp.c_str());
    return std::unexpected("cannot rename " + tmp + " to " + path);
  }
  return {};
}

}  // namespace aura::webhooks
