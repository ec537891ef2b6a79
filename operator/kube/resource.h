#pragma once

#include <string>
#include <string_view>

namespace aura::kube {

// Identifies a REST resource: enough to build its URL paths. Group "" is the core group.
struct ResourceType {
  std::string group;
  std::string version;
  std::string plural;
  std::string kind;
  bool namespaced = true;

  std::string api_version() const { return group.empty() ? version : group + "/" + version; }
  // /api/v1 or /apis/<group>/<version>
  std::string group_version_path() const {
    return group.empty() ? "/api/" + version : "/apis/" + group + "/" + version;
  }
  // Collection path; namespace empty means all namespaces (or a cluster-scoped resource).
  std::string collection_path(std::string_view ns) const {
    if (namespaced && !ns.empty())
      return group_version_path() + "/namespaces/" + std::string(ns) + "/" + plural;
    return group_version_path() + "/" + plural;
  }
  std::string object_path(std::string_view ns, std::string_view name) const {
    return collection_path(ns) + "/" + std::string(name);
  }
  bool operator==(const ResourceType&) const = default;
};

// Built-in kinds Aura uses.
namespace resources {
inline const ResourceType kNamespace{"", "v1", "namespaces", "Namespace", false};
inline const ResourceType kSecret{"", "v1", "secrets", "Secret", true};
inline const ResourceType kConfigMap{"", "v1", "configmaps", "ConfigMap", true};
inline const ResourceType kPod{"", "v1", "pods", "Pod", true};
inline const ResourceType kService{"", "v1", "services", "Service", true};
inline const ResourceType kIngress{"networking.k8s.io", "v1", "ingresses", "Ingress", true};
inline const ResourceType kEvent{"events.k8s.io", "v1", "events", "Event", true};
inline const ResourceType kLease{"coordination.k8s.io", "v1", "leases", "Lease", true};
inline const ResourceType kJob{"batch", "v1", "jobs", "Job", true};
inline const ResourceType kValidatingWebhookConfiguration{"admissionregistration.k8s.io", "v1",
                                                          "validatingwebhookconfigurations",
                                                          "ValidatingWebhookConfiguration", false};
inline const ResourceType kMutatingWebhookConfiguration{"admissionregistration.k8s.io", "v1",
                                                        "mutatingwebhookconfigurations",
                                                        "MutatingWebhookConfiguration", false};
inline const ResourceType kCustomResourceDefinition{
    "apiextensions.k8s.io", "v1", "customresourcedefinitions", "CustomResourceDefinition", false};
inline const ResourceType kEphemeralCluster{"aura.io", "v1alpha1", "ephemeralclusters",
                                            "EphemeralCluster", true};
inline const ResourceType kNodePool{"aura.io", "v1alpha1", "nodepools", "NodePool", true};
inline const ResourceType kAIJob{"aura.io", "v1alpha1", "aijobs", "AIJob", true};
}  // namespace resources

// namespace/name: the key of the work queue and the cache, level-triggered by construction.
struct ObjectKey {
  std::string ns;
  std::string name;
  std::string str() const { return ns.empty() ? name : ns + "/" + name; }
  auto operator<=>(const ObjectKey&) const = default;
};

}  // namespace aura::kube
