#include "reconcilers/common/child_cluster.h"

#include "operator/aws/sts.h"
#include "operator/common/base64.h"
#include "operator/kube/http_transport.h"

namespace aura::reconcilers {

namespace {

using namespace std::chrono_literals;

// The authenticator accepts a token for 15 minutes from its signing time; a fresh one well
// before that, so a request in flight never carries one about to lapse.
constexpr auto kTokenReuse = 10min;
constexpr auto kChildTimeout = 15s;

}  // namespace

EksTokenSource::EksTokenSource(aws::CredentialsProviderPtr credentials, std::string cluster_name,
                               std::string region, aws::Endpoint sts, ClockPtr clock)
    : credentials_(std::move(credentials)),
      cluster_name_(std::move(cluster_name)),
      region_(std::move(region)),
      sts_(std::move(sts)),
      clock_(std::move(clock)) {}

std::expected<std::string, std::string> EksTokenSource::token() {
  std::lock_guard lock(mu_);
  const auto now = clock_->now();
  if (made_at_ && now - *made_at_ < kTokenReuse) return cached_;
  if (!credentials_) return std::unexpected("no AWS credentials to make an EKS token with");
  auto creds = credentials_->get();
  if (!creds) return std::unexpected("AWS credentials for an EKS token: " + creds.error());
  cached_ = aws::eks_token(*creds, cluster_name_, region_, sts_, now);
  made_at_ = now;
  return cached_;
}

void EksTokenSource::invalidate() {
  std::lock_guard lock(mu_);
  made_at_.reset();
}

std::expected<kube::ClientPtr, std::string> child_client(const aws::EksClient& eks,
                                                         const aws::eks::Cluster& cluster) {
  if (cluster.endpoint.empty()) return std::unexpected("EKS reports no endpoint yet");
  auto ca = base64_decode(cluster.certificate_authority_data);
  if (!ca || ca->empty()) return std::unexpected("EKS reports no certificate authority yet");
  const auto& aws_client = *eks.client();
  kube::RestConfig config;
  config.server = cluster.endpoint;
  while (!config.server.empty() && config.server.back() == '/') config.server.pop_back();
  config.tls.ca_pem = *ca;
  config.token = std::make_shared<EksTokenSource>(
      aws_client.credentials(), cluster.name, aws_client.region(),
      aws::resolve_endpoint(aws::services::kSts, aws_client.region(), aws_client.options().env),
      aws_client.options().clock);
  config.timeout = std::chrono::duration_cast<std::chrono::milliseconds>(kChildTimeout);
  return std::make_shared<kube::Client>(std::make_shared<kube::HttpTransport>(std::move(config)));
}

}  // namespace aura::reconcilers
