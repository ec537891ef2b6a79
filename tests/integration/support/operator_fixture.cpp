#include "tests/integration/support/operator_fixture.h"

#include "tests/integration/support/aws_env.h"

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
  // The operator's AWS side talks to the environment's moto as its own IAM user, which holds
  // only the policy Aura ships, through the standard chain (environment variables) like a real
  // deployment.
  std::vector<std::string> vars;
  if (env.info.contains("aws") && !env.info["aws"].is_null()) {
    const auto& aws = AwsTestEnv::get();
    vars = {"AWS_ENDPOINT_URL=" + aws.endpoint,
            "AWS_ACCESS_KEY_ID=" + aws.operator_credentials.access_key_id,
            "AWS_SECRET_ACCESS_KEY=" + aws.operator_credentials.secret_access_key,
            "AWS_REGION=" + aws.region, "AWS_DEFAULT_REGION=" + aws.region,
            // Nothing else of the developer's own AWS setup may leak into the test.
            "AWS_SESSION_TOKEN=", "AWS_PROFILE=", "AWS_CONFIG_FILE=/dev/null",
            "AWS_SHARED_CREDENTIALS_FILE=/dev/null", "AWS_EC2_METADATA_DISABLED=true"};
  }
  return std::make_unique<OperatorProcess>(args, env.dir + "/" + log_name + ".log", vars);
}

}  // namespace aura::testing
