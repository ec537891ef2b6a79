#include "reconcilers/ai_job/failure.h"

#include "reconcilers/common/status_update.h"

namespace aura::reconcilers {

bool ai_job_finished(const nlohmann::json& job) {
  const auto status = job.find("status");
  if (status == job.end()) return false;
  const std::string phase = status->value("phase", "");
  return phase == "Succeeded" || phase == "Failed";
}

kube::Result<void> fail_ai_job(Runtime& rt, const nlohmann::json& job, std::string_view reason,
                               std::string_view message) {
  StatusUpdate st(job, *rt.clock);
  st.phase("Failed");
  st.field("failureReason", reason);
  st.field("failureMessage", message);
  if (!job.contains("status") || !job["status"].contains("completionTime"))
    st.field("completionTime", format_rfc3339(rt.clock->now()));
  st.condition("Failed", true, reason, message);
  st.stalled(reason, message);
  auto r = st.write(*rt.client, kube::resources::kAIJob);
  if (!r && !r.error().is_not_found()) return r;
  rt.events->record(job, kube::EventType::kWarning, reason, "Stop", message);
  return {};
}

}  // namespace aura::reconcilers
