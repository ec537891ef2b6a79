#pragma once

#include <chrono>

#include "operator/common/clock.h"

namespace aura::testing {

// A clock whose wall time a test moves by hand (the steady clock stays real: nothing under test
// sleeps on it).
class ManualClock : public Clock {
 public:
  std::chrono::system_clock::time_point now() const override { return t; }
  std::chrono::steady_clock::time_point steady_now() const override {
    return std::chrono::steady_clock::now();
  }
  std::chrono::system_clock::time_point t = std::chrono::system_clock::now();
};

}  // namespace aura::testing
