#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "webhooks/admission.h"

// Defaulting (the mutating webhook), answered as a JSON patch. Only what the CRD schema cannot
// default statically, on CREATE only, and never overriding what the user set:
//   EphemeralCluster spec (and an AIJob's spec.clusterTemplate.spec):
//   - kubernetesVersion: the operator's default version when absent (a value that moves with
//     the supported list, so it cannot be a schema default);
//   - network.zones: when Aura creates the VPC (vpcCIDR set, no vpcID) and no zones are named,
//     the first zoneCount (3 when absent) zones of the region from a known-zones table, replacing
//     zoneCount, so that the object records where its subnets go. Regions not in the table are
//     left to the reconciler, which asks EC2 for the available zones.
// Tags are not defaulted: the schema reserves aura.io/ keys, and the ownership tags are added by
// the reconciler in every create call. NodePool has no dynamic defaults yet.
// Works on the raw JSON, since a missing required field (kubernetesVersion) would not decode.
namespace aura::webhooks::defaulting {

struct Options {
  std::string kubernetes_version = "1.33";
  // Zone names EKS accepts per region, in order.
  std::map<std::string, std::vector<std::string>> region_zones = {
      {"us-east-1", {"us-east-1a", "us-east-1b", "us-east-1c", "us-east-1d", "us-east-1f"}},
      {"us-east-2", {"us-east-2a", "us-east-2b", "us-east-2c"}},
      {"us-west-2", {"us-west-2a", "us-west-2b", "us-west-2c", "us-west-2d"}},
      {"eu-west-1", {"eu-west-1a", "eu-west-1b", "eu-west-1c"}},
      {"eu-central-1", {"eu-central-1a", "eu-central-1b", "eu-central-1c"}},
      {"ap-northeast-1", {"ap-northeast-1a", "ap-northeast-1c", "ap-northeast-1d"}},
  };
};

// JSON Patch operations defaulting the cluster spec found at JSON pointer `pointer` of the object.
nlohmann::json cluster_spec_patch(const nlohmann::json& spec, const std::string& pointer,
                                  const Options& options);

// The mutating handler for all three kinds.
AdmissionResponse mutate(const AdmissionRequest& request, const Options& options);

}  // namespace aura::webhooks::defaulting
