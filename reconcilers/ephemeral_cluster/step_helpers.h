#pragma once

#include <algorithm>
#include <cstddef>
#include <string>
#include <vector>

#include "operator/aws/error.h"

// Small pieces the EKS steps share.
namespace aura::reconcilers::cluster {

// AWS answers lists in any order; the spec's order means nothing either.
inline std::vector<std::string> sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

// The error AWS gave for one item of a spec list, prefixed with that item's field
// ("spec.addons[2] (coredns): ..."), so that status says which item was refused.
inline aws::AwsError for_spec_item(aws::AwsError e, const std::string& list, std::size_t index,
                                   const std::string& item) {
  e.message = list + "[" + std::to_string(index) + "] (" + item + "): " + e.message;
  return e;
}

}  // namespace aura::reconcilers::cluster
