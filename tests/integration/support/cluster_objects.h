#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "operator/kube/client.h"
#include "reconcilers/ephemeral_cluster/identity.h"

// EphemeralClusters as the tests that run the operator process see them: applied and deleted
// with kubectl in one namespace, read through jsonpath or the API, and what they own in AWS found
// as the operator's own inventories find it.
namespace aura::testing {

// How long a test waits for an EphemeralCluster to become Ready or go: moto answers at once, but
// an EKS create answers CREATING (a delete DELETING) and the operator looks again after its
// 30 s poll.
inline constexpr std::chrono::seconds kClusterDeadline{240};

class ClusterObjects {
 public:
  explicit ClusterObjects(std::string ns);
  const std::string& ns() const { return ns_; }

  // kubectl apply of a manifest into the namespace; throws with kubectl's error.
  void apply(const std::string& yaml) const;
  // A field through kubectl's jsonpath, "" when absent.
  std::string get(const std::string& name, const std::string& path) const;
  // A condition's field ("status", "reason", "message"), "" when absent.
  std::string condition(const std::string& name, const std::string& type,
                        const std::string& field = "status") const;
  // Condition Ready is True, read through the API (cheap enough to poll often, unlike kubectl).
  bool ready(const std::string& name) const;
  // Deletes without waiting; throws with kubectl's error.
  void remove(const std::string& name) const;
  // The object is gone, read through the API.
  bool gone(const std::string& name) const;
  // "Reason: note" lines of the namespace's Events.
  std::string events() const;
  reconcilers::cluster::ClusterIdentity identity(const std::string& name) const;

 private:
  std::string ns_;
  kube::ClientPtr client_;
};

// An EphemeralCluster of Aura's own network over zones a and b of the emulator's region, with
// `nat` as spec.network.natGateways (None, Single, PerZone); `extra` is appended to the spec.
std::string cluster_manifest(const std::string& name, const std::string& cidr,
                             const std::string& nat, const std::string& extra = "");

// Everything that carries the cluster's UID tag or its names, as "kind id" lines, as the
// operator's own inventories (NetworkSteps, IamSteps, ControlPlaneSteps) find it.
std::vector<std::string> cluster_inventory(const reconcilers::cluster::ClusterIdentity& id);

// The last `max` characters of a log, for failure messages.
std::string log_tail(const std::string& log, std::size_t max = 30000);

}  // namespace aura::testing
