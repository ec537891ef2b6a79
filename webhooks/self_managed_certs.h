#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <expected>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "operator/kube/client.h"
#include "operator/log/logger.h"
#include "webhooks/certs.h"

// Self-managed webhook certificates: Aura makes its own CA and serving certificate, keeps them in
// a Secret that every replica reads (so all serve the same pair), writes the CA bundle into its
// webhook configurations (and into the CRDs once they convert through the webhook), and rotates
// both before they expire, without a moment in which the apiserver distrusts the certificate
// being served. See docs/webhooks.md.
namespace aura::webhooks {

using SystemTime = std::chrono::system_clock::time_point;

// The Secret's content. ca.crt may hold several CAs, newest first: an old CA stays trusted until
// it expires, so certificates it signed keep working while a new CA takes over.
struct CertMaterial {
  std::string ca_bundle;  // ca.crt
  std::string ca_key;     // ca.key: the newest CA's key
  std::string tls_crt;    // tls.crt
  std::string tls_key;    // tls.key
  // When the newest CA entered the bundle (annotation aura.io/ca-rotated-at).
  SystemTime ca_rotated_at{};
};

struct CertPolicy {
  std::vector<std::string> hosts;  // DNS names and IP addresses the serving certificate covers
  std::chrono::seconds ca_validity{std::chrono::hours(24 * 365 * 10)};
  std::chrono::seconds cert_validity{std::chrono::hours(24 * 365)};
  // A new CA signs serving certificates only once it has been in the published bundle this long,
  // so that the apiserver trusts it before any replica serves a certificate from it.
  std::chrono::seconds ca_grace{std::chrono::seconds(60)};
};

// What to do with the current material: keep it, or write `next` (and why).
struct CertPlan {
  // A CA joined the bundle: kRotated signs only after the grace period, so the new bundle is
  // published before the Secret is written; kFresh (no usable CA before) signs at once, so the
  // Secret is written first and the winner of a race publishes.
  enum class NewCa { kNone, kRotated, kFresh };
  NewCa new_ca = NewCa::kNone;
  bool write = false;
  CertMaterial next;
  std::string reason;    // for the log: "created", "serving certificate renewed", ...
  SystemTime recheck{};  // when the plan would next change on its own
};

// A certificate is renewed once less than a third of its lifetime remains.
SystemTime renewal_time(const CertInfo& info);

// Pure: the plan for `current` (nullopt: no Secret yet) at `now`. `also_trusted` (PEM) holds the
// CAs the apiserver trusts today (the webhook configurations' caBundle): a fresh CA keeps those
// that are still valid in its bundle, so replicas still serving an older certificate (another
// CA of ours, or cert-manager's before a switch of mode) stay trusted until it expires.
std::expected<CertPlan, std::string> plan_certificates(const std::optional<CertMaterial>& current,
                                                       const CertPolicy& policy, SystemTime now,
                                                       const std::string& also_trusted = {});

struct SelfManagedCertsOptions {
  std::string secret_namespace;
  std::string secret_name = "aura-webhook-certs";
  CertPolicy policy;
  std::vector<std::string> validating_webhook_configurations = {"aura-validating"};
  std::vector<std::string> mutating_webhook_configurations = {"aura-mutating"};
  // CRDs whose spec.conversion.webhook gets the bundle when their strategy is Webhook.
  std::vector<std::string> conversion_crds = {"ephemeralclusters.aura.io", "nodepools.aura.io",
                                              "aijobs.aura.io"};
  std::chrono::seconds check_interval{std::chrono::minutes(5)};
  // Sooner while a webhook configuration is missing (installed after the operator, e.g. by a
  // later Argo CD sync wave).
  std::chrono::seconds missing_retry{std::chrono::seconds(10)};
};

// Runs on every replica: reads the Secret, creates or rotates it when due (optimistic
// concurrency settles races between replicas: the loser reads the winner's pair), hands the
// pair to `serve` and keeps the CA bundle written where the apiserver reads it.
class SelfManagedCerts {
 public:
  using ServeFn = std::function<bool(const std::string& cert_pem, const std::string& key_pem)>;

  SelfManagedCerts(kube::ClientPtr client, SelfManagedCertsOptions options, ServeFn serve,
                   log::Logger logger);
  ~SelfManagedCerts();
  SelfManagedCerts(const SelfManagedCerts&) = delete;
  SelfManagedCerts& operator=(const SelfManagedCerts&) = delete;

  // One pass; true once a pair is being served. The first call happens before the server
  // starts, so that it never listens without a certificate.
  bool sync();
  // Passes on a background thread from now on, at recheck times.
  void start();
  void stop();

 private:
  // The Secret as read (nullopt: none) and its content.
  std::expected<std::optional<nlohmann::json>, std::string> read();
  std::expected<void, kube::ApiError> write(const CertMaterial& m,
                                            const std::optional<nlohmann::json>& current);
  struct Published {
    bool failed = false;   // a target could not be read or written
    bool missing = false;  // a webhook configuration does not exist (yet)
    bool patched = false;  // a target's bundle differed (new, or overwritten by an apply)
  };
  // Writes `bundle` (PEM) wherever it differs.
  Published publish(const std::string& bundle);
  // The certificates in the webhook configurations' caBundle now.
  std::string published_cas();
  bool sync_once(SystemTime* recheck);

  kube::ClientPtr client_;
  SelfManagedCertsOptions options_;
  ServeFn serve_;
  log::Logger log_;
  std::string served_cert_;
  SystemTime next_{};
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace aura::webhooks
