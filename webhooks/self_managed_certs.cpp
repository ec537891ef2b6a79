#include "webhooks/self_managed_certs.h"

#include <algorithm>
#include <ctime>

#include "operator/common/base64.h"

namespace aura::webhooks {

namespace {

constexpr const char* kRotatedAtAnnotation = "aura.io/ca-rotated-at";

std::string to_rfc3339(SystemTime t) {
  const std::time_t tt = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

SystemTime from_rfc3339(const std::string& text) {
  std::tm tm{};
  const char* end = strptime(text.c_str(), "%Y-%m-%dT%H:%M:%SZ", &tm);
  if (!end || *end) return {};
  return std::chrono::system_clock::from_time_t(timegm(&tm));
}

struct Ca {
  std::string pem;
  CertInfo info;
};

std::expected<CertPair, std::string> issue_serving(const CertPair& ca, const CertInfo& ca_info,
                                                   const CertPolicy& policy, SystemTime now) {
  CertOptions o;
  o.common_name = "aura-webhook";  // the names are in subjectAltName; a CN is at most 64 bytes
  for (const auto& h : policy.hosts) (is_ip_address(h) ? o.ip_addresses : o.dns_names).push_back(h);
  // Never outlive the CA that vouches for it.
  const auto left = std::chrono::duration_cast<std::chrono::seconds>(ca_info.not_after - now);
  o.validity = std::max(std::chrono::seconds(1), std::min(policy.cert_validity, left));
  o.issued_at = now;
  return generate_serving_cert(ca, o);
}

std::string joined(const std::vector<Ca>& cas) {
  std::string out;
  for (const auto& ca : cas) out += ca.pem;
  return out;
}

}  // namespace

SystemTime renewal_time(const CertInfo& info) {
  return info.not_after - (info.not_after - info.not_before) / 3;
}

std::expected<CertPlan, std::string> plan_certificates(const std::optional<CertMaterial>& current,
                                                       const CertPolicy& policy, SystemTime now,
                                                       const std::string& also_trusted) {
  CertPlan plan;
  std::vector<Ca> cas;  // valid now, newest first
  if (current) {
    for (auto& pem : split_pem_certificates(current->ca_bundle)) {
      auto info = inspect_cert(pem);
      if (info && info->not_after > now) cas.push_back({std::move(pem), *info});
    }
  }
  const bool usable = current && !cas.empty() && key_matches(cas.front().pem, current->ca_key);
  if (usable) {
    plan.next = *current;
    plan.next.ca_bundle = joined(cas);
    if (plan.next.ca_bundle != current->ca_bundle) {
      plan.write = true;
      plan.reason = "expired CA dropped from the bundle";
    }
  }
  if (!usable || now >= renewal_time(cas.front().info)) {
    auto ca = generate_ca(
        {.common_name = "aura-webhook-ca", .validity = policy.ca_validity, .issued_at = now});
    if (!ca) return std::unexpected("generating a CA: " + ca.error());
    auto info = inspect_cert(ca->cert_pem);
    if (!info) return std::unexpected(info.error());
    if (!usable) {
      // Keep what the apiserver trusts today (and is still valid) behind the new CA.
      for (auto& pem : split_pem_certificates(also_trusted)) {
        auto trusted = inspect_cert(pem);
        const bool known =
            std::any_of(cas.begin(), cas.end(), [&](const Ca& c) { return c.pem == pem; });
        if (trusted && trusted->not_after > now && !known) cas.push_back({pem, *trusted});
      }
    }
    cas.insert(cas.begin(), Ca{ca->cert_pem, *info});
    plan.new_ca = usable ? CertPlan::NewCa::kRotated : CertPlan::NewCa::kFresh;
    plan.next.ca_bundle = joined(cas);
    plan.next.ca_key = ca->key_pem;
    // With no usable CA before it, nothing can trust an older one: the new CA signs at once.
    plan.next.ca_rotated_at = usable ? now : now - policy.ca_grace;
    plan.write = true;
    plan.reason = current ? (usable ? "CA renewed"
                                    : "CA replaced (missing, expired or not matching "
                                      "its key)")
                          : "created";
  }
  const Ca& newest = cas.front();
  const bool newest_trusted = now >= plan.next.ca_rotated_at + policy.ca_grace;

  // The serving certificate as it stands: usable when it parses, matches its key, covers the
  // hosts, has not expired and comes from a CA in the bundle.
  std::optional<CertInfo> serving;
  if (usable || current) {
    auto info = inspect_cert(plan.next.tls_crt);
    const bool from_bundle = std::any_of(
        cas.begin(), cas.end(), [&](const Ca& ca) { return signed_by(plan.next.tls_crt, ca.pem); });
    if (info && info->not_after > now && from_bundle &&
        key_matches(plan.next.tls_crt, plan.next.tls_key) &&
        covers_hosts(plan.next.tls_crt, policy.hosts))
      serving = *info;
  }
  const bool from_newest = serving && signed_by(plan.next.tls_crt, newest.pem);
  const bool due = !serving || now >= renewal_time(*serving) || !from_newest;
  // A due renewal waits for the newest CA to be trusted, unless nothing usable is served.
  if (due && (!serving || newest_trusted)) {
    auto pair = issue_serving({newest.pem, plan.next.ca_key}, newest.info, policy, now);
    if (!pair) return std::unexpected("issuing the serving certificate: " + pair.error());
    plan.next.tls_crt = pair->cert_pem;
    plan.next.tls_key = pair->key_pem;
    auto info = inspect_cert(pair->cert_pem);
    if (!info) return std::unexpected(info.error());
    serving = *info;
    plan.reason += std::string(plan.write ? ", " : "") + "serving certificate issued";
    plan.write = true;
  }

  // The next moment the plan changes by itself. A renewal held back by the grace period waits
  // for its end (or the certificate's expiry), not for a renewal time already past.
  SystemTime recheck = renewal_time(newest.info);
  if (signed_by(plan.next.tls_crt, newest.pem))
    recheck = std::min(recheck, renewal_time(*serving));
  else
    recheck = std::min({recheck, plan.next.ca_rotated_at + policy.ca_grace, serving->not_after});
  for (std::size_t i = 1; i < cas.size(); ++i) recheck = std::min(recheck, cas[i].info.not_after);
  plan.recheck = std::max(recheck, now);
  return plan;
}

SelfManagedCerts::SelfManagedCerts(kube::ClientPtr client, SelfManagedCertsOptions options,
                                   ServeFn serve, log::Logger logger)
    : client_(std::move(client)),
      options_(std::move(options)),
      serve_(std::move(serve)),
      log_(logger.with({{"secret", options_.secret_namespace + "/" + options_.secret_name}})) {}

SelfManagedCerts::~SelfManagedCerts() {
  stop();
}

namespace {

CertMaterial material_of(const nlohmann::json& secret) {
  const auto data = secret.value("data", nlohmann::json::object());
  auto field = [&](const char* key) {
    const auto it = data.find(key);
    if (it == data.end() || !it->is_string()) return std::string();
    return base64_decode(it->get<std::string>()).value_or(std::string());
  };
  CertMaterial m{field("ca.crt"), field("ca.key"), field("tls.crt"), field("tls.key"), {}};
  const auto at = secret.value("/metadata/annotations"_json_pointer, nlohmann::json::object());
  if (at.is_object() && at.contains(kRotatedAtAnnotation) && at[kRotatedAtAnnotation].is_string())
    m.ca_rotated_at = from_rfc3339(at[kRotatedAtAnnotation].get<std::string>());
  return m;
}

}  // namespace

std::expected<std::optional<nlohmann::json>, std::string> SelfManagedCerts::read() {
  auto secret =
      client_->get(kube::resources::kSecret, options_.secret_namespace, options_.secret_name);
  if (!secret) {
    if (secret.error().is_not_found()) return std::optional<nlohmann::json>();
    return std::unexpected("reading the Secret: " + secret.error().message);
  }
  return std::optional<nlohmann::json>(std::move(*secret));
}

std::expected<void, kube::ApiError> SelfManagedCerts::write(
    const CertMaterial& m, const std::optional<nlohmann::json>& current) {
  // An update starts from the Secret as read: labels, annotations and owners others added stay,
  // and its resourceVersion makes a replica that raced us get 409.
  nlohmann::json secret = current.value_or(
      nlohmann::json{{"apiVersion", "v1"},
                     {"kind", "Secret"},
                     {"metadata",
                      {{"name", options_.secret_name},
                       {"namespace", options_.secret_namespace},
                       {"labels", {{"app.kubernetes.io/managed-by", "aura-operator"}}}}},
                     {"type", "kubernetes.io/tls"}});
  secret["metadata"]["annotations"][kRotatedAtAnnotation] = to_rfc3339(m.ca_rotated_at);
  secret["data"] = {{"ca.crt", base64_encode(m.ca_bundle)},
                    {"ca.key", base64_encode(m.ca_key)},
                    {"tls.crt", base64_encode(m.tls_crt)},
                    {"tls.key", base64_encode(m.tls_key)}};
  auto r = current ? client_->update(kube::resources::kSecret, secret)
                   : client_->create(kube::resources::kSecret, options_.secret_namespace, secret);
  if (!r) return std::unexpected(r.error());
  return {};
}

std::string SelfManagedCerts::published_cas() {
  std::string out;
  auto collect = [&](const kube::ResourceType& rt, const std::vector<std::string>& names) {
    for (const auto& name : names) {
      auto obj = client_->get(rt, "", name);
      if (!obj) continue;
      for (const auto& wh : obj->value("webhooks", nlohmann::json::array())) {
        const auto b64 = wh.value("/clientConfig/caBundle"_json_pointer, std::string());
        for (auto& pem : split_pem_certificates(base64_decode(b64).value_or("")))
          if (out.find(pem) == std::string::npos) out += pem;
      }
    }
  };
  collect(kube::resources::kValidatingWebhookConfiguration,
          options_.validating_webhook_configurations);
  collect(kube::resources::kMutatingWebhookConfiguration, options_.mutating_webhook_configurations);
  return out;
}

SelfManagedCerts::Published SelfManagedCerts::publish(const std::string& bundle) {
  const std::string b64 = base64_encode(bundle);
  Published result;
  // Adds caBundle at each path (JSON pointers) where it differs; the resourceVersion test makes
  // the patch fail rather than land on a list that changed since it was read.
  auto patch_paths = [&](const kube::ResourceType& rt, const std::string& name,
                         const nlohmann::json& object, const std::vector<std::string>& paths) {
    nlohmann::json ops = nlohmann::json::array();
    for (const auto& path : paths) {
      const auto ptr = nlohmann::json::json_pointer(path);
      if (object.contains(ptr) && object.at(ptr) == b64) continue;
      ops.push_back({{"op", "add"}, {"path", path}, {"value", b64}});
    }
    if (ops.empty()) return;
    result.patched = true;
    ops.insert(ops.begin(), nlohmann::json{{"op", "test"},
                                           {"path", "/metadata/resourceVersion"},
                                           {"value", object["metadata"]["resourceVersion"]}});
    auto r = client_->patch(rt, "", name, kube::PatchType::kJson, ops);
    if (!r) {
      result.failed = true;
      log_.warn("cannot write the CA bundle",
                {{"resource", rt.plural + "/" + name}, {"error", r.error().message}});
      return;
    }
    log_.info("CA bundle written", {{"resource", rt.plural + "/" + name}});
  };
  auto webhook_configs = [&](const kube::ResourceType& rt, const std::vector<std::string>& names) {
    for (const auto& name : names) {
      auto obj = client_->get(rt, "", name);
      if (!obj) {
        (obj.error().is_not_found() ? result.missing : result.failed) = true;
        if (!obj.error().is_not_found())
          log_.warn("cannot read a webhook configuration",
                    {{"resource", rt.plural + "/" + name}, {"error", obj.error().message}});
        continue;
      }
      std::vector<std::string> paths;
      const auto hooks = obj->value("webhooks", nlohmann::json::array());
      for (std::size_t i = 0; i < hooks.size(); ++i)
        paths.push_back("/webhooks/" + std::to_string(i) + "/clientConfig/caBundle");
      patch_paths(rt, name, *obj, paths);
    }
  };
  webhook_configs(kube::resources::kValidatingWebhookConfiguration,
                  options_.validating_webhook_configurations);
  webhook_configs(kube::resources::kMutatingWebhookConfiguration,
                  options_.mutating_webhook_configurations);
  for (const auto& name : options_.conversion_crds) {
    auto crd = client_->get(kube::resources::kCustomResourceDefinition, "", name);
    if (!crd) continue;  // not installed, or not readable: conversion is optional
    if (crd->value("/spec/conversion/strategy"_json_pointer, std::string()) != "Webhook") continue;
    patch_paths(kube::resources::kCustomResourceDefinition, name, *crd,
                {"/spec/conversion/webhook/clientConfig/caBundle"});
  }
  return result;
}

bool SelfManagedCerts::sync_once(SystemTime* recheck) {
  for (int attempt = 0; attempt < 3; ++attempt) {
    auto secret = read();
    if (!secret) {
      log_.warn("cannot read the webhook certificate", {{"error", secret.error()}});
      return false;
    }
    std::optional<CertMaterial> current;
    if (*secret) current = material_of(**secret);
    const auto now = std::chrono::system_clock::now();
    auto plan = plan_certificates(current, options_.policy, now);
    if (plan && plan->new_ca == CertPlan::NewCa::kFresh)
      plan = plan_certificates(current, options_.policy, now, published_cas());
    if (!plan) {
      log_.error("cannot plan the webhook certificate", {{"error", plan.error()}});
      return false;
    }
    CertMaterial material = plan->write ? plan->next : *current;
    if (plan->write) {
      // Trust before use: a rotated CA reaches every webhook configuration before the Secret
      // that starts its grace period; if it cannot, the rotation waits for the next pass.
      if (plan->new_ca == CertPlan::NewCa::kRotated && publish(plan->next.ca_bundle).failed) {
        log_.warn("cannot publish the new CA bundle; the CA rotation waits");
        return false;
      }
      auto written = write(plan->next, *secret);
      if (!written) {
        if (written.error().is_conflict() || written.error().is_already_exists()) {
          log_.debug("another replica wrote the webhook certificate first; reading it");
          continue;
        }
        log_.warn("cannot write the webhook certificate", {{"error", written.error().message}});
        return false;
      }
      log_.info("webhook certificate " + plan->reason,
                {{"sha256", inspect_cert(material.tls_crt).value_or(CertInfo{}).sha256}});
    }
    if (material.tls_crt != served_cert_) {
      if (!serve_(material.tls_crt, material.tls_key)) return false;
      served_cert_ = material.tls_crt;
    }
    // Also repairs a bundle that an apply (helm upgrade, Argo CD sync) wrote over: that pass
    // looks again soon, as while a configuration is missing.
    const auto published = publish(material.ca_bundle);
    const bool settled = !published.failed && !published.missing && !published.patched;
    *recheck =
        std::min(plan->recheck, now + (settled ? options_.check_interval : options_.missing_retry));
    return true;
  }
  log_.warn("the webhook certificate Secret kept changing under this replica; retrying later");
  return false;
}

bool SelfManagedCerts::sync() {
  SystemTime recheck{};
  const bool ok = sync_once(&recheck);
  std::lock_guard lock(mu_);
  next_ = ok ? recheck : std::chrono::system_clock::now() + options_.missing_retry;
  return ok;
}

void SelfManagedCerts::start() {
  thread_ = std::thread([this] {
    std::unique_lock lock(mu_);
    while (!stop_) {
      // Wait on the steady clock: the recheck is a wall-clock time, converted once per wait.
      const auto wait = std::clamp(
          std::chrono::duration_cast<std::chrono::milliseconds>(next_ -
                                                                std::chrono::system_clock::now()),
          std::chrono::milliseconds(200),
          std::chrono::duration_cast<std::chrono::milliseconds>(options_.check_interval));
      if (cv_.wait_for(lock, wait, [this] { return stop_; })) break;
      lock.unlock();
      sync();
      lock.lock();
    }
  });
}

void SelfManagedCerts::stop() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

}  // namespace aura::webhooks
