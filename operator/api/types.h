#pragma once

// All of Aura's API kinds: include this for the types of every kind, the codec and the Resource
// concept. The <kind>_types.h headers are generated from crds/ at build time.

#include <tuple>

#include "operator/api/ai_job_types.h"
#include "operator/api/codec.h"
#include "operator/api/ephemeral_cluster_types.h"
#include "operator/api/node_pool_types.h"
#include "operator/api/resource.h"

namespace aura::api {

// Every kind, for code that registers something per kind (caches, CRD checks, metrics).
using AllKinds = std::tuple<EphemeralCluster, NodePool, AIJob>;

static_assert(Resource<EphemeralCluster>);
static_assert(Resource<NodePool>);
static_assert(Resource<AIJob>);

}  // namespace aura::api
