#pragma once

#include <string_view>

#include "operator/kube/client.h"
#include "reconcilers/common/runtime.h"

namespace aura::reconcilers {

bool ai_job_finished(const nlohmann::json& job);

// Ends an AIJob as Failed with a reason, keeping it as a record: phase, failureReason and
// failureMessage, completionTime, conditions, and a Warning event. Used by the AIJob reconciler
// and by a deleting EphemeralCluster, which stops the jobs still using it.
kube::Result<void> fail_ai_job(Runtime& rt, const nlohmann::json& job, std::string_view reason,
                               std::string_view message);

}  // namespace aura::reconcilers
