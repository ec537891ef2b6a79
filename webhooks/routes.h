#pragma once

#include "webhooks/defaulting.h"
#include "webhooks/tls_server.h"

namespace aura::webhooks {

// The paths the webhook configurations in config/webhooks/ point at.
inline constexpr const char* kValidatePath = "/validate-aura-io-v1alpha1";
inline constexpr const char* kMutatePath = "/mutate-aura-io-v1alpha1";

// Registers the validating and mutating endpoints (all three kinds each) and /healthz.
void register_routes(TlsServer& server, defaulting::Options defaulting_options);

}  // namespace aura::webhooks
