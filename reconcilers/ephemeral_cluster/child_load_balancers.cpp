#include "reconcilers/ephemeral_cluster/child_load_balancers.h"

namespace aura::reconcilers::cluster {

namespace {

bool any_object(const nlohmann::json&) {
  return true;
}

bool being_deleted(const nlohmann::json& object) {
  return object["metadata"].contains("deletionTimestamp");
}

}  // namespace

bool makes_load_balancer(const nlohmann::json& service) {
  return service.contains("spec") && service["spec"].value("type", "") == "LoadBalancer";
}

kube::Result<ChildLoadBalancerPass> ChildLoadBalancers::remove() {
  ChildLoadBalancerPass pass;
  if (auto r = sweep(kube::resources::kService, makes_load_balancer, pass); !r)
    return std::unexpected(r.error());
  // Any Ingress may have a load balancer behind it (ALB, or another controller's): in a cluster
  // about to go, none is worth keeping.
  if (auto r = sweep(kube::resources::kIngress, any_object, pass); !r)
    return std::unexpected(r.error());
  return pass;
}

kube::Result<void> ChildLoadBalancers::sweep(const kube::ResourceType& rt,
                                             bool (*wanted)(const nlohmann::json&),
                                             ChildLoadBalancerPass& pass) {
  std::vector<nlohmann::json> found;
  auto listed = child_.list_each(rt, "", {}, [&](nlohmann::json&& o) {
    if (wanted(o)) found.push_back(std::move(o));
  });
  if (!listed) {
    if (listed.error().is_not_found()) return {};  // the API is not served
    return std::unexpected(listed.error());
  }
  for (const auto& o : found) {
    const auto& meta = o["metadata"];
    const std::string ns = meta.value("namespace", "");
    const std::string name = meta.value("name", "");
    const std::string what = rt.kind + " " + ns + "/" + name;
    if (being_deleted(o)) {
      pass.remaining.push_back(what);
      continue;
    }
    kube::DeleteOptions opts;
    opts.precondition_uid = meta.value("uid", "");
    opts.propagation_policy = "Background";
    auto r = child_.remove(rt, ns, name, opts);
    if (!r && !r.error().is_not_found() && !r.error().is_conflict())
      return std::unexpected(r.error());
    if (r) pass.deleted.push_back(what);
    // The apiserver answers the object itself while finalizers hold it, a Status once it is gone;
    // a conflict means it was replaced, which the next pass lists anew.
    if (!r ? r.error().is_conflict() : r->value("kind", "") != "Status")
      pass.remaining.push_back(what);
  }
  return {};
}

}  // namespace aura::reconcilers::cluster
