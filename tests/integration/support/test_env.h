#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "operator/common/process.h"
#include "operator/kube/client.h"

namespace aura::testing {

// The local control plane started by tests/env (envctl.py up) for this test run. CTest's
// fixture starts it into $AURA_TEST_ENV_DIR; tests only read what it wrote.
class TestEnv {
 public:
  static const TestEnv& get();

  std::string dir;
  std::string kubeconfig;
  std::string kubectl_path;
  std::string repo_root;
  std::string build_dir;
  nlohmann::json info;  // env.json

  // A client for the management cluster, with the env's CA (never insecure).
  kube::ClientPtr client() const;
  // Runs kubectl against the management cluster; stdin is /dev/null.
  ProcessResult kubectl(const std::vector<std::string>& args) const;
  // Runs tests/env/envctl.py with the given arguments on this env.
  ProcessResult envctl(const std::vector<std::string>& args) const;
  // Creates a namespace unique to this test and returns its name.
  std::string fresh_namespace(const std::string& prefix) const;
  // Installs the CRDs (idempotent) and waits until they are Established.
  void install_crds() const;
};

// Polls `condition` until it holds or the deadline passes. This is waiting on a condition, not
// sleeping to synchronize: the poll interval only bounds how late we notice.
bool eventually(const std::function<bool()>& condition,
                std::chrono::milliseconds deadline = std::chrono::seconds(30),
                std::chrono::milliseconds poll = std::chrono::milliseconds(100));

// A running aura-operator process with its own stderr log file.
class OperatorProcess {
 public:
  // `env` (NAME=value) replaces those variables of this process's environment in the child's.
  OperatorProcess(const std::vector<std::string>& args, const std::string& log_path,
                  const std::vector<std::string>& env = {});
  ~OperatorProcess();
  OperatorProcess(const OperatorProcess&) = delete;
  OperatorProcess& operator=(const OperatorProcess&) = delete;

  void signal(int sig);
  // Waits for exit; returns the exit code, or -1 when it did not exit within the timeout.
  int wait(std::chrono::milliseconds timeout);
  bool running();
  int pid() const { return pid_; }
  std::string log() const;

 private:
  int pid_ = -1;
  int status_ = 0;
  bool exited_ = false;
  std::string log_path_;
};

}  // namespace aura::testing
