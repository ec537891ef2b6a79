#include "tests/integration/support/test_env.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <stdexcept>
#include <thread>

#include "operator/kube/rest_config.h"

extern char** environ;

namespace aura::testing {

namespace {

std::string env_or(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::string(v) : fallback;
}

}  // namespace

const TestEnv& TestEnv::get() {
  static const TestEnv env = [] {
    TestEnv e;
    e.repo_root = env_or("AURA_REPO_ROOT", AURA_REPO_ROOT);
    e.build_dir = env_or("AURA_BUILD_DIR", AURA_BUILD_DIR);
    e.dir = env_or("AURA_TEST_ENV_DIR", e.build_dir + "/test-env");
    e.kubeconfig = e.dir + "/kubeconfig";
    auto text = read_file(e.dir + "/env.json");
    if (!text) throw std::runtime_error("no test environment at " + e.dir + ": " + text.error());
    e.info = nlohmann::json::parse(*text);
    if (e.info.contains("binaries") && e.info["binaries"].contains("kubectl"))
      e.kubectl_path = e.info["binaries"]["kubectl"].get<std::string>();
    else if (e.info.contains("kubectl"))
      e.kubectl_path = e.info["kubectl"].get<std::string>();
    else
      e.kubectl_path = env_or("HOME", "/root") + "/.cache/aura/bin/kubernetes-v1.37.2/kubectl";
    return e;
  }();
  return env;
}

kube::ClientPtr TestEnv::client() const {
  auto cfg = kube::load_kubeconfig(kubeconfig);
  if (!cfg) throw std::runtime_error(cfg.error());
  return std::make_shared<kube::Client>(std::make_shared<kube::HttpTransport>(*cfg));
}

ProcessResult TestEnv::kubectl(const std::vector<std::string>& args) const {
  std::vector<std::string> full{"--kubeconfig", kubeconfig};
  full.insert(full.end(), args.begin(), args.end());
  auto r = run_process(kubectl_path, full, {}, std::chrono::seconds(60));
  if (!r) return ProcessResult{-1, "", r.error()};
  return *r;
}

ProcessResult TestEnv::envctl(const std::vector<std::string>& args) const {
  std::vector<std::string> full{repo_root + "/tests/env/envctl.py"};
  full.insert(full.end(), args.begin(), args.end());
  full.push_back("--dir");
  full.push_back(dir);
  auto r = run_process("python3", full, {}, std::chrono::minutes(3));
  if (!r) return ProcessResult{-1, "", r.error()};
  return *r;
}

std::string TestEnv::fresh_namespace(const std::string& prefix) const {
  std::mt19937 rng(std::random_device{}());
  const std::string name = prefix + "-" + std::to_string(rng() % 1000000);
  kubectl({"create", "namespace", name});
  return name;
}

void TestEnv::install_crds() const {
  kubectl({"apply", "--server-side", "--force-conflicts", "-f", repo_root + "/crds/"});
  kubectl({"wait", "--for=condition=Established", "--timeout=60s", "crd/ephemeralclusters.aura.io",
           "crd/nodepools.aura.io", "crd/aijobs.aura.io"});
}

bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds deadline,
                std::chrono::milliseconds poll) {
  const auto end = std::chrono::steady_clock::now() + deadline;
  for (;;) {
    if (condition()) return true;
    if (std::chrono::steady_clock::now() >= end) return false;
    std::this_thread::sleep_for(poll);
  }
}

OperatorProcess::OperatorProcess(const std::vector<std::string>& args, const std::string& log_path,
                                 const std::vector<std::string>& env)
    : log_path_(log_path) {
  const std::string binary = TestEnv::get().build_dir + "/operator/aura-operator";
  std::vector<std::string> argv_s{binary};
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& s : argv_s) argv.push_back(s.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 2, log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  std::vector<std::string> env_s;
  for (char** e = environ; *e; ++e) {
    const std::string var(*e);
    const auto name = var.substr(0, var.find('=') + 1);
    if (std::none_of(env.begin(), env.end(), [&](const auto& v) { return v.starts_with(name); }))
      env_s.push_back(var);
  }
  env_s.insert(env_s.end(), env.begin(), env.end());
  std::vector<char*> envp;
  for (auto& s : env_s) envp.push_back(s.data());
  envp.push_back(nullptr);
  const int rc = posix_spawn(&pid_, binary.c_str(), &fa, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) throw std::runtime_error("cannot start " + binary);
}

OperatorProcess::~OperatorProcess() {
  if (running()) {
    signal(SIGKILL);
    wait(std::chrono::seconds(10));
  }
}

void OperatorProcess::signal(int sig) {
  if (pid_ > 0 && !exited_) kill(pid_, sig);
}

bool OperatorProcess::running() {
  if (exited_ || pid_ <= 0) return false;
  const int r = waitpid(pid_, &status_, WNOHANG);
  if (r == pid_) exited_ = true;
  return !exited_;
}

int OperatorProcess::wait(std::chrono::milliseconds timeout) {
  if (!eventually([&] { return !running(); }, timeout, std::chrono::milliseconds(20))) return -1;
  return WIFEXITED(status_) ? WEXITSTATUS(status_) : 128 + WTERMSIG(status_);
}

std::string OperatorProcess::log() const {
  auto text = read_file(log_path_);
  return text ? *text : std::string();
}

}  // namespace aura::testing
