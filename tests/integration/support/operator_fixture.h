#pragma once

#include <memory>
#include <string>
#include <vector>

#include "tests/integration/support/test_env.h"

namespace aura::testing {

// Reads a field of an object through kubectl's jsonpath, "" when absent or on error.
std::string jsonpath(const std::string& kind, const std::string& ns, const std::string& name,
                     const std::string& path);

// Starts aura-operator against the test environment, scoped to one namespace so tests do not
// see each other's objects, with a lease of its own.
std::unique_ptr<OperatorProcess> start_operator(const std::string& ns, const std::string& log_name,
                                                const std::vector<std::string>& extra = {});

}  // namespace aura::testing
