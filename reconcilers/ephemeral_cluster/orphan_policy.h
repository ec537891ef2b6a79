#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

// What the orphan sweeper may do with the AWS resources of one cluster UID, decided without any
// I/O so that it is tested on a fake clock. A UID's resources are swept only when a live list of
// EphemeralClusters has missed it in two sweeps at least `grace` apart: one sweep alone could
// race a cluster created a moment ago (its object listed after the AWS scan), an eventually
// consistent describe, or a list that failed half-way. Resources marked retained
// (deletionPolicy Retain) are never swept.
namespace aura::reconcilers::cluster {

enum class SweepMode { kOff, kDryRun, kDelete };

// "off", "dry-run", "delete".
std::optional<SweepMode> parse_sweep_mode(std::string_view s);
std::string_view to_string(SweepMode mode);

// What one sweep saw of one UID.
struct OwnerSighting {
  std::string uid;
  bool cluster_exists = false;  // an EphemeralCluster with this UID is in the API
  bool retained = false;        // one of its resources carries aura.io/retained=true
  bool names_known = false;     // its aura.io/cluster tag names namespace and name
};

enum class Verdict {
  kLive,          // its EphemeralCluster exists
  kRetained,      // kept on purpose (deletionPolicy Retain)
  kUnknownOwner,  // no aura.io/cluster tag: its EKS and IAM names cannot be derived
  kGrace,         // missing from the API, but not yet for `grace`
  kOrphan,        // missing from the API in two sweeps at least `grace` apart
};

std::string_view to_string(Verdict verdict);

class OrphanJudge {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;

  explicit OrphanJudge(std::chrono::seconds grace) : grace_(grace) {}

  // Judges every UID one sweep found at `now`. A UID not found (its resources are gone), found
  // live or found retained starts its grace again should it ever be missed later.
  std::map<std::string, Verdict> judge(const std::vector<OwnerSighting>& sightings, TimePoint now);

 private:
  std::chrono::seconds grace_;
  // When each UID was first missed from the API, in the run of sweeps that kept missing it.
  std::map<std::string, TimePoint> first_missed_;
};

}  // namespace aura::reconcilers::cluster
