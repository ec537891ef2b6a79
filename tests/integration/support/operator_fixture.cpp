#include "tests/integration/support/operator_fixture.h"

namespace aura::testing {

std::string jsonpath(const std::string& kind, const std::string& ns, const std::string& name,
                     const std::string& path) {
  auto r = TestEnv::get().kubectl({"get", kind, "-n", ns, name, "-o", "jsonpath={" + path + "}"});
  return r.exit_code == 0 ? r.out : std::string();
}

std::unique_ptr<OperatorProcess> start_operator(const std::string& ns, const std::string& log_name,
                                                const std::vector<std::string>& extra) {
  const auto& env = TestEnv::get();
  std::vector<std::string> args{"--kubeconfig=" + env.kubeconfig,
                                "--watch-namespace=" + ns,
                                "--lease-namespace=" + ns,
                                "--probe-port=0",
                                "--log-format=json",
                                "--log-level=debug"};
  args.insert(args.end(), extra.begin(), extra.end());
  return std::make_unique<OperatorProcess>(args, env.dir + "/" + log_name + ".log");
}

}  // namespace aura::testing
