#pragma once

#include <string>

namespace aura::aws {

// A failed AWS call. Everything the AWS SDKs report: which service and operation, the HTTP
// status, AWS's error code and message, and the request ID to quote to AWS support. http_status
// 0 means no answer arrived (connection failure or timeout). Nothing is swallowed: callers
// decide, helped by the classifiers below.
struct AwsError {
  std::string service;
  std::string operation;
  long http_status = 0;
  std::string code;
  std::string message;
  std::string request_id;
  bool timed_out = false;

  bool is_transport() const { return http_status == 0; }
  bool is_throttling() const;
  // Transient by the SDKs' standard retry mode: throttling, 5xx, transport, known transient codes.
  bool is_retryable() const;
  // The resource does not exist (per-service codes: InvalidVpcID.NotFound, NoSuchEntity,
  // ResourceNotFoundException, NoSuchKey, ...).
  bool is_not_found() const;
  // EC2's DependencyViolation and its kind: retry later, once what depends on it is gone.
  bool is_dependency_violation() const;
  bool is_already_exists() const;
  // Clock skew: the request's time is too far from AWS's.
  bool is_clock_skew() const;
  std::string str() const;
};

}  // namespace aura::aws
