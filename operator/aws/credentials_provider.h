#pragma once

#include <expected>
#include <memory>
#include <string>

#include "operator/aws/credentials.h"

namespace aura::aws {

// Where credentials come from. get() may block on I/O (a file, STS, IMDS); the caching wrapper
// (credential_chain.h) makes the steady state free.
class CredentialsProvider {
 public:
  virtual ~CredentialsProvider() = default;
  // A provider that has nothing to offer (no environment variables, no file) answers with an
  // error whose text says why; the chain then asks the next one.
  virtual std::expected<Credentials, std::string> get() = 0;
  virtual std::string name() const = 0;
};

using CredentialsProviderPtr = std::shared_ptr<CredentialsProvider>;

// Fixed credentials, for tests and for callers that already hold keys.
class StaticCredentialsProvider final : public CredentialsProvider {
 public:
  explicit StaticCredentialsProvider(Credentials creds) : creds_(std::move(creds)) {}
  std::expected<Credentials, std::string> get() override { return creds_; }
  std::string name() const override { return "static"; }

 private:
  Credentials creds_;
};

}  // namespace aura::aws
