// The certificate plan of the self-managed mode, as a pure function of the Secret's content and
// the time: creation, renewal at two thirds of a lifetime, CA rotation that waits until the new
// CA has been published before it signs, expired CAs dropped, a changed host list.
#include "webhooks/self_managed_certs.h"

#include <gtest/gtest.h>

namespace aura::webhooks {
namespace {

using namespace std::chrono_literals;

CertPolicy policy() {
  CertPolicy p;
  p.hosts = {"aura-webhook.aura-system.svc", "127.0.0.1"};
  p.ca_validity = 3000s;
  p.cert_validity = 300s;
  p.ca_grace = 60s;
  return p;
}

CertInfo info(const std::string& pem) {
  auto i = inspect_cert(pem);
  EXPECT_TRUE(i) << i.error();
  return i.value_or(CertInfo{});
}

TEST(CertPlan, CreatesACaAndAServingCertificateCoveringTheHosts) {
  const auto now = std::chrono::system_clock::now();
  auto plan = plan_certificates(std::nullopt, policy(), now);
  ASSERT_TRUE(plan) << plan.error();
  EXPECT_TRUE(plan->write);
  EXPECT_EQ(plan->reason, "created, serving certificate issued");
  EXPECT_EQ(plan->new_ca, CertPlan::NewCa::kFresh);
  const auto& m = plan->next;
  ASSERT_EQ(split_pem_certificates(m.ca_bundle).size(), 1u);
  EXPECT_TRUE(key_matches(m.ca_bundle, m.ca_key));
  EXPECT_TRUE(key_matches(m.tls_crt, m.tls_key));
  EXPECT_TRUE(signed_by(m.tls_crt, m.ca_bundle));
  EXPECT_TRUE(covers_hosts(m.tls_crt, policy().hosts));
  EXPECT_FALSE(covers_hosts(m.tls_crt, {"other.example.com"}));
  // Renewed with a third of its lifetime left: about 200 s from now.
  EXPECT_GT(plan->recheck, now + 150s);
  EXPECT_LT(plan->recheck, now + 250s);
}

TEST(CertPlan, KeepsAFreshPairWithoutWriting) {
  const auto now = std::chrono::system_clock::now();
  auto first = plan_certificates(std::nullopt, policy(), now);
  ASSERT_TRUE(first);
  auto again = plan_certificates(first->next, policy(), now + 10s);
  ASSERT_TRUE(again) << again.error();
  EXPECT_FALSE(again->write) << again->reason;
}

TEST(CertPlan, RenewsTheServingCertificateFromTheSameCa) {
  const auto now = std::chrono::system_clock::now();
  auto first = plan_certificates(std::nullopt, policy(), now);
  ASSERT_TRUE(first);
  auto later = plan_certificates(first->next, policy(), first->recheck + 1s);
  ASSERT_TRUE(later) << later.error();
  EXPECT_TRUE(later->write);
  EXPECT_EQ(later->reason, "serving certificate issued");
  EXPECT_EQ(later->next.ca_bundle, first->next.ca_bundle);
  EXPECT_NE(later->next.tls_crt, first->next.tls_crt);
  EXPECT_TRUE(signed_by(later->next.tls_crt, later->next.ca_bundle));
}

TEST(CertPlan, ANewCaIsPublishedBeforeItSigns) {
  auto p = policy();
  p.cert_validity = 100000s;  // capped by the CA's life: both fall due together
  const auto t0 = std::chrono::system_clock::now();
  auto first = plan_certificates(std::nullopt, p, t0);
  ASSERT_TRUE(first);
  const auto old_ca = first->next.ca_bundle;
  // Two thirds into the CA's life: a new CA joins the bundle, newest first, the old one stays.
  const auto t1 = t0 + 2100s;
  auto rotated = plan_certificates(first->next, p, t1);
  ASSERT_TRUE(rotated) << rotated.error();
  EXPECT_TRUE(rotated->write);
  const auto cas = split_pem_certificates(rotated->next.ca_bundle);
  ASSERT_EQ(cas.size(), 2u);
  EXPECT_EQ(cas[1], old_ca);
  EXPECT_TRUE(key_matches(cas[0], rotated->next.ca_key));
  // The serving certificate is still the old CA's, until the grace period has passed.
  EXPECT_EQ(rotated->next.tls_crt, first->next.tls_crt);
  EXPECT_LE(rotated->recheck, t1 + p.ca_grace);
  EXPECT_GE(rotated->recheck, t1 + p.ca_grace - 1s) << "no polling through the grace period";
  EXPECT_EQ(rotated->new_ca, CertPlan::NewCa::kRotated);
  auto during = plan_certificates(rotated->next, p, t1 + 30s);
  ASSERT_TRUE(during);
  EXPECT_FALSE(during->write) << during->reason;
  auto after = plan_certificates(rotated->next, p, t1 + p.ca_grace + 1s);
  ASSERT_TRUE(after);
  EXPECT_TRUE(after->write);
  EXPECT_TRUE(signed_by(after->next.tls_crt, cas[0]));
  // Once the old CA expires it leaves the bundle.
  const auto old_expiry = info(old_ca).not_after;
  auto expired = plan_certificates(after->next, p, old_expiry + 1s);
  ASSERT_TRUE(expired);
  EXPECT_EQ(split_pem_certificates(expired->next.ca_bundle).size(), 1u);
  EXPECT_TRUE(expired->write);
}

TEST(CertPlan, AFreshCaKeepsWhatTheApiserverTrustsToday) {
  const auto now = std::chrono::system_clock::now();
  auto before = plan_certificates(std::nullopt, policy(), now);  // e.g. cert-manager's CA
  ASSERT_TRUE(before);
  auto fresh = plan_certificates(std::nullopt, policy(), now, before->next.ca_bundle);
  ASSERT_TRUE(fresh);
  const auto cas = split_pem_certificates(fresh->next.ca_bundle);
  ASSERT_EQ(cas.size(), 2u);
  EXPECT_EQ(cas[1], before->next.ca_bundle);
  EXPECT_TRUE(signed_by(fresh->next.tls_crt, cas[0]));
}

TEST(CertPlan, ServingCertificateNeverOutlivesItsCa) {
  auto p = policy();
  p.cert_validity = 100000s;
  const auto now = std::chrono::system_clock::now();
  auto plan = plan_certificates(std::nullopt, p, now);
  ASSERT_TRUE(plan);
  EXPECT_LE(info(plan->next.tls_crt).not_after, info(plan->next.ca_bundle).not_after);
}

TEST(CertPlan, ReissuesWhenTheHostsChangeOrTheSecretIsDamaged) {
  const auto now = std::chrono::system_clock::now();
  auto first = plan_certificates(std::nullopt, policy(), now);
  ASSERT_TRUE(first);
  auto p = policy();
  p.hosts.push_back("aura-webhook.aura-system.svc.cluster.local");
  auto hosts = plan_certificates(first->next, p, now + 1s);
  ASSERT_TRUE(hosts);
  EXPECT_TRUE(hosts->write);
  EXPECT_EQ(hosts->next.ca_bundle, first->next.ca_bundle);  // same CA: nothing to republish
  EXPECT_TRUE(covers_hosts(hosts->next.tls_crt, p.hosts));

  auto damaged = first->next;
  damaged.tls_key = "not a key";
  auto fixed = plan_certificates(damaged, policy(), now + 1s);
  ASSERT_TRUE(fixed);
  EXPECT_TRUE(fixed->write);
  EXPECT_TRUE(key_matches(fixed->next.tls_crt, fixed->next.tls_key));

  auto no_ca_key = first->next;
  no_ca_key.ca_key.clear();
  auto replaced = plan_certificates(no_ca_key, policy(), now + 1s);
  ASSERT_TRUE(replaced);
  EXPECT_TRUE(replaced->write);
  EXPECT_NE(replaced->reason.find("CA replaced"), std::string::npos);
  EXPECT_TRUE(
      signed_by(replaced->next.tls_crt, split_pem_certificates(replaced->next.ca_bundle)[0]));
}

}  // namespace
}  // namespace aura::webhooks
