#include "operator/aws/error.h"

#include <array>
#include <string_view>

namespace aura::aws {

namespace {

bool one_of(std::string_view code, std::initializer_list<std::string_view> codes) {
  for (auto c : codes)
    if (code == c) return true;
  return false;
}

}  // namespace

bool AwsError::is_throttling() const {
  return http_status == 429 ||
         one_of(code, {"Throttling", "ThrottlingException", "ThrottledException",
                       "RequestThrottledException", "TooManyRequestsException",
                       "ProvisionedThroughputExceededException", "TransactionInProgressException",
                       "RequestLimitExceeded", "BandwidthLimitExceeded", "LimitExceededException",
                       "RequestThrottled", "SlowDown", "PriorRequestNotComplete",
                       "EC2ThrottledException"});
}

bool AwsError::is_retryable() const {
  if (is_transport() || is_throttling() || is_clock_skew()) return true;
  if (http_status == 500 || http_status == 502 || http_status == 503 || http_status == 504)
    return true;
  return one_of(code, {"RequestTimeout", "RequestTimeoutException", "InternalError",
                       "InternalFailure", "ServiceUnavailable", "IDPCommunicationError"});
}

bool AwsError::is_not_found() const {
  if (code.ends_with(".NotFound") || code.ends_with("NotFound") || code.ends_with(".NotFoundException"))
    return true;
  return one_of(code, {"NoSuchEntity", "ResourceNotFoundException", "NoSuchKey", "NoSuchBucket",
                       "ParameterNotFound", "LoadBalancerNotFound", "InvalidAllocationID.NotFound",
                       "InvalidGroup.NotFound", "NatGatewayNotFound"});
}

bool AwsError::is_dependency_violation() const {
  return one_of(code, {"DependencyViolation", "DeleteConflict", "ResourceInUseException",
                       "InvalidNetworkInterface.InUse", "InvalidIPAddress.InUse",
                       "AuthFailure.ServiceLinkedRoleCreationNotPermitted"}) ||
         code == "InvalidGroup.InUse";
}

bool AwsError::is_already_exists() const {
  return code.ends_with("AlreadyExists") || code.ends_with(".Duplicate") ||
         code.ends_with(".AlreadyExistsException") ||
         one_of(code, {"EntityAlreadyExists", "ResourceInUseException", "ResourceExistsException",
                       "InvalidPermission.Duplicate"});
}

bool AwsError::is_clock_skew() const {
  return one_of(code, {"RequestTimeTooSkewed", "RequestExpired", "RequestInTheFuture",
                       "InvalidSignatureException", "SignatureDoesNotMatch", "AuthFailure"}) &&
         (message.find("time") != std::string::npos ||
          message.find("expired") != std::string::npos || code == "RequestTimeTooSkewed" ||
          code == "RequestInTheFuture");
}

std::string AwsError::str() const {
  std::string out = service + "." + operation + ": ";
  if (is_transport()) return out + (timed_out ? "timed out: " : "no answer: ") + message;
  out += std::to_string(http_status);
  if (!code.empty()) out += " " + code;
  if (!message.empty()) out += ": " + message;
  if (!request_id.empty()) out += " (request " + request_id + ")";
  return out;
}

}  // namespace aura::aws
