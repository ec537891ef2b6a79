#pragma once

#include <string>
#include <vector>

#include "operator/kube/client.h"

// DESIGN.md's first deletion step: the child cluster's Services of type LoadBalancer and its
// Ingresses are deleted through the child's own API while the nodes that run their controllers
// (the AWS Load Balancer Controller, the cloud controller manager) still exist. Each controller
// holds its object with a finalizer until it has removed the load balancer, target groups and
// security groups it made, so the objects' disappearance is the signal that AWS is clean. What a
// controller fails to remove is swept from AWS later (child_leftovers.h); this step only makes
// that sweep rarely needed, and spares the controllers from being killed mid-way.
namespace aura::reconcilers::cluster {

struct ChildLoadBalancerPass {
  // "Service ns/name" and "Ingress ns/name" whose deletion this pass asked for.
  std::vector<std::string> deleted;
  // The same, for every such object still present (being deleted or just asked to be).
  std::vector<std::string> remaining;
};

// Whether a Service object makes a cloud load balancer.
bool makes_load_balancer(const nlohmann::json& service);

class ChildLoadBalancers {
 public:
  explicit ChildLoadBalancers(kube::Client& child) : child_(child) {}

  // One pass, never waiting: lists Services of type LoadBalancer and Ingresses in every
  // namespace and deletes those not yet being deleted. Done when `remaining` is empty. A child
  // without the Ingress API simply has no Ingresses.
  kube::Result<ChildLoadBalancerPass> remove();

 private:
  kube::Result<void> sweep(const kube::ResourceType& rt, bool (*wanted)(const nlohmann::json&),
                           ChildLoadBalancerPass& pass);

  kube::Client& child_;
};

}  // namespace aura::reconcilers::cluster
