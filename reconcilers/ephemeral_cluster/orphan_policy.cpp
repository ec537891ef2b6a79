#include "reconcilers/ephemeral_cluster/orphan_policy.h"

namespace aura::reconcilers::cluster {

std::optional<SweepMode> parse_sweep_mode(std::string_view s) {
  if (s == "off") return SweepMode::kOff;
  if (s == "dry-run") return SweepMode::kDryRun;
  if (s == "delete") return SweepMode::kDelete;
  return std::nullopt;
}

std::string_view to_string(SweepMode mode) {
  switch (mode) {
    case SweepMode::kOff:
      return "off";
    case SweepMode::kDryRun:
      return "dry-run";
    case SweepMode::kDelete:
      return "delete";
  }
  return "unknown";
}

std::string_view to_string(Verdict verdict) {
  switch (verdict) {
    case Verdict::kLive:
      return "live";
    case Verdict::kRetained:
      return "retained";
    case Verdict::kUnknownOwner:
      return "unknown-owner";
    case Verdict::kGrace:
      return "grace";
    case Verdict::kOrphan:
      return "orphan";
  }
  return "unknown";
}

std::map<std::string, Verdict> OrphanJudge::judge(const std::vector<OwnerSighting>& sightings,
                                                  TimePoint now) {
  std::map<std::string, Verdict> out;
  std::map<std::string, TimePoint> still_missed;
  for (const auto& s : sightings) {
    Verdict v;
    if (s.cluster_exists) {
      v = Verdict::kLive;
    } else if (s.retained) {
      v = Verdict::kRetained;
    } else {
      const auto it = first_missed_.find(s.uid);
      const TimePoint first = it == first_missed_.end() ? now : it->second;
      still_missed[s.uid] = first;
      if (!s.names_known)
        v = Verdict::kUnknownOwner;
      else
        v = (it != first_missed_.end() && now - first >= grace_) ? Verdict::kOrphan
                                                                 : Verdict::kGrace;
    }
    out[s.uid] = v;
  }
  first_missed_ = std::move(still_missed);
  return out;
}

}  // namespace aura::reconcilers::cluster
