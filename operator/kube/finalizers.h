#pragma once

#include <string_view>

#include "operator/kube/client.h"

namespace aura::kube {

bool has_finalizer(const Json& object, std::string_view finalizer);
bool is_deleting(const Json& object);

// Adds our finalizer with a JSON patch that first tests the finalizer list is what we read, so a
// concurrent change by another controller makes the patch fail (422/409) instead of being
// overwritten. Returns the patched object.
Result<Json> add_finalizer(Client& client, const ResourceType& rt, const Json& object,
                           std::string_view finalizer);
// Removes only our own entry: test that index i still holds our finalizer, then remove index i.
// Other controllers' finalizers are never touched. Not-found counts as done.
Result<void> remove_finalizer(Client& client, const ResourceType& rt, const Json& object,
                              std::string_view finalizer);

// Sets a controller ownerReference (for garbage collection of what we create for an owner).
Json controller_owner_reference(const Json& owner, bool block_owner_deletion = true);

}  // namespace aura::kube

namespace aura::kube {
bool has_owner(const Json& object, std::string_view owner_uid);
// Appends an ownerReference with a JSON patch that tests the current list first.
Result<Json> add_owner_reference(Client& client, const ResourceType& rt, const Json& object,
                                 const Json& owner_reference);
}  // namespace aura::kube
