#pragma once

#include <chrono>
#include <expected>
#include <string>
#include <utility>
#include <vector>

namespace aura {

struct ProcessResult {
  int exit_code = 0;
  std::string out;
  std::string err;
};

// Runs a program (PATH lookup) with extra environment variables (each replacing an inherited
// one of the same name), captures stdout and stderr, and kills it if it runs past the timeout. Used for kubeconfig exec credential plugins.
std::expected<ProcessResult, std::string> run_process(
    const std::string& command, const std::vector<std::string>& args,
    const std::vector<std::pair<std::string, std::string>>& extra_env,
    std::chrono::milliseconds timeout);

std::expected<std::string, std::string> read_file(const std::string& path);

}  // namespace aura
