// Two operator processes elect one leader through a Lease and hand over when it dies or stops;
// an idle operator makes no writes to our kinds.
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

#include "operator/kube/http_transport.h"
#include "tests/integration/support/operator_fixture.h"

namespace aura::testing {
namespace {

using namespace std::chrono_literals;

std::string holder(const std::string& ns) {
  return jsonpath("lease", ns, "aura-operator", ".spec.holderIdentity");
}

std::vector<std::string> lease_flags(const std::string& identity) {
  return {"--identity=" + identity, "--lease-duration=4s", "--renew-deadline=3s",
          "--retry-period=1s"};
}

TEST(LeaderElection, OneLeaderAndHandoverOnKillAndOnSigterm) {
  const auto& env = TestEnv::get();
  env.install_crds();
  const std::string ns = env.fresh_namespace("leader");
  auto a = start_operator(ns, "leader-a-" + ns, lease_flags("a"));
  auto b = start_operator(ns, "leader-b-" + ns, lease_flags("b"));
  ASSERT_TRUE(eventually([&] { return !holder(ns).empty(); }, 30s));
  const std::string first = holder(ns);
  auto& leader = first == "a" ? a : b;
  const std::string standby = first == "a" ? "b" : "a";

  // kill -9: no release, so the standby waits out the lease (4s) and takes over.
  const auto killed_at = std::chrono::steady_clock::now();
  leader->signal(SIGKILL);
  leader->wait(10s);
  ASSERT_TRUE(eventually([&] { return holder(ns) == standby; }, 15s));
  const auto takeover = std::chrono::steady_clock::now() - killed_at;
  EXPECT_LT(takeover, 4s + 1s + 3s) << "within lease duration plus a retry period and slack";
  RecordProperty(
      "takeover_after_kill_ms",
      static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(takeover).count()));

  // SIGTERM: the leader releases the lease and exits 0; a new standby takes over at its next retry.
  auto c = start_operator(ns, "leader-c-" + ns, lease_flags("c"));
  auto& current = standby == "a" ? a : b;
  const auto term_at = std::chrono::steady_clock::now();
  current->signal(SIGTERM);
  EXPECT_EQ(current->wait(15s), 0) << current->log();
  ASSERT_TRUE(eventually([&] { return holder(ns) == "c"; }, 10s));
  const auto handover = std::chrono::steady_clock::now() - term_at;
  EXPECT_LT(handover, 4s) << "a released lease is taken without waiting out its duration";
  RecordProperty(
      "handover_after_sigterm_ms",
      static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(handover).count()));
}

// Sum of apiserver_request_total for the verbs an operator writes with on aura.io resources,
// from the apiserver's own metrics: the peer counts what we send, no-op patches included.
// DELETE is left out: in a long-lived environment the namespace controller keeps deleting the
// objects of earlier tests' namespaces (their finalizers wait for operators that are gone);
// deletions of this test's objects show in objects_in() instead.
long aura_writes() {
  auto r = TestEnv::get().kubectl({"get", "--raw", "/metrics"});
  long total = 0;
  std::regex line(R"(^apiserver_request_total\{([^}]*)\} (\d+))");
  std::istringstream in(r.out);
  for (std::string l; std::getline(in, l);) {
    std::smatch m;
    if (!std::regex_search(l, m, line)) continue;
    const std::string labels = m[1];
    if (labels.find("group=\"aura.io\"") == std::string::npos) continue;
    if (std::regex_search(labels, std::regex(R"re(verb="(POST|PUT|PATCH|APPLY)")re")))
      total += std::stol(m[2]);
  }
  return total;
}

// Every aura.io object of a namespace with its resourceVersion: any write or delete changes it.
std::string objects_in(const std::string& ns) {
  return TestEnv::get()
      .kubectl({"get", "ephemeralclusters,nodepools,aijobs", "-n", ns, "-o",
                "jsonpath={range .items[*]}{.kind}/{.metadata.name}={.metadata.resourceVersion} "
                "{end}"})
      .out;
}

TEST(IdleOperator, MakesNoWritesWhenNothingChanges) {
  const auto& env = TestEnv::get();
  env.install_crds();
  const std::string ns = env.fresh_namespace("idle");
  auto op = start_operator(ns, "idle-" + ns, {"--leader-elect=false"});
  for (const auto& entry : std::filesystem::directory_iterator(env.repo_root + "/config/samples")) {
    if (entry.path().extension() != ".yaml") continue;
    std::ifstream in(entry.path());
    std::string yaml((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    yaml = std::regex_replace(yaml, std::regex(R"(\n  namespace: [a-z0-9-]+)"),
                              "\n  namespace: " + ns);
    const std::string path = env.dir + "/idle-" + ns + "-" + entry.path().filename().string();
    std::ofstream(path) << yaml;
    auto r = env.kubectl({"apply", "-f", path});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  // Settled: every object has a status for its current generation.
  ASSERT_TRUE(eventually(
      [&] {
        auto out =
            env.kubectl({"get", "aura", "-n", ns, "-o",
                         "jsonpath={range "
                         ".items[*]}{.metadata.generation}={.status.observedGeneration} {end}"});
        if (out.exit_code != 0 || out.out.empty()) return false;
        std::istringstream in(out.out);
        for (std::string pair; in >> pair;) {
          auto eq = pair.find('=');
          if (pair.substr(0, eq) != pair.substr(eq + 1)) return false;
        }
        // EphemeralClusters are provisioned in the emulator: settled means done with it too
        // (Ready, or Failed for a spec that needs the defaulting webhook), not just observed.
        auto phases = env.kubectl({"get", "ephemeralclusters", "-n", ns, "-o",
                                   "jsonpath={range .items[*]}{.status.phase} {end}"});
        std::istringstream ph(phases.out);
        for (std::string phase; ph >> phase;)
          if (phase != "Ready" && phase != "Failed") return false;
        return phases.exit_code == 0;
      },
      180s));
  // Let in-flight writes land, then watch the apiserver's counters over a quiet window.
  ASSERT_TRUE(eventually(
      [&] {
        const long before = aura_writes();
        std::this_thread::sleep_for(2s);
        return aura_writes() == before;
      },
      30s, 0ms));
  const long before = aura_writes();
  const std::string objects_before = objects_in(ns);
  std::this_thread::sleep_for(15s);  // the measurement window itself, not a synchronization
  EXPECT_EQ(aura_writes(), before) << "an idle operator must not write to aura.io objects";
  EXPECT_EQ(objects_in(ns), objects_before);

  // The probe server: ready once caches synced, metrics in Prometheus text.
  std::smatch m;
  const std::string log = op->log();
  ASSERT_TRUE(std::regex_search(
      log, m, std::regex(R"re("msg":"http server listening"[^\n]*"port":(\d+))re")))
      << log.substr(0, 2000);
  kube::RestConfig probe;
  probe.server = "http://127.0.0.1:" + m[1].str();
  kube::HttpTransport http(probe);
  kube::HttpRequest get_ready;
  get_ready.path = "/readyz";
  auto ready = http.send(get_ready);
  ASSERT_TRUE(ready);
  EXPECT_EQ(ready->status, 200);
  kube::HttpRequest get_metrics;
  get_metrics.path = "/metrics";
  auto metrics = http.send(get_metrics);
  ASSERT_TRUE(metrics);
  for (const char* name : {"aura_reconcile_total", "aura_reconcile_duration_seconds",
                           "aura_workqueue_depth", "aura_workqueue_queue_duration_seconds",
                           "aura_kube_requests_total", "aura_informer_events_total"})
    EXPECT_NE(metrics->body.find(name), std::string::npos) << name;
}

}  // namespace
}  // namespace aura::testing
