#pragma once

#include "webhooks/conversion.h"
#include "webhooks/defaulting.h"
#include "webhooks/delete_protection.h"
#include "webhooks/tls_server.h"

namespace aura::webhooks {

// The paths the webhook configurations in config/webhooks/ point at.
inline constexpr const char* kValidatePath = "/validate-aura-io-v1alpha1";
inline constexpr const char* kMutatePath = "/mutate-aura-io-v1alpha1";

struct RouteOptions {
  defaulting::Options defaulting;
  DeleteProtectionOptions delete_protection;
  conversion::Converters converters = conversion::aura_converters();
};

// Validation (CREATE and UPDATE of the three kinds, DELETE of an EphemeralCluster), defaulting,
// CRD conversion and /healthz.
void register_routes(TlsServer& server, RouteOptions options);

}  // namespace aura::webhooks
