#pragma once

#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "operator/aws/session.h"
#include "operator/common/clock.h"
#include "operator/kube/client.h"
#include "operator/log/logger.h"
#include "operator/metrics/registry.h"
#include "reconcilers/ephemeral_cluster/orphan_policy.h"
#include "reconcilers/ephemeral_cluster/tagged_resources.h"

// The orphan sweeper (issue 5): a periodic task of the leader that finds AWS resources tagged by
// Aura whose EphemeralCluster no longer exists (a deletion that leaked, an object removed by
// hand together with its finalizer, an etcd restored from an old backup) and reports each one,
// or removes it through the same steps, in the same order, as the cluster's own deletion.
// Off by default; dry-run reports without deleting.
namespace aura::reconcilers::cluster {

struct OrphanSweepOptions {
  SweepMode mode = SweepMode::kOff;
  std::chrono::seconds interval{std::chrono::hours(1)};
  // How long a UID must be missing from the API (seen so in two sweeps) before it is swept.
  std::chrono::seconds grace{std::chrono::minutes(10)};
  std::vector<std::string> regions;  // the first also serves IAM (global)
  // The operator's --watch-namespace: only clusters of that namespace are judged, since another
  // operator may own the others. Empty: every namespace.
  std::string watch_namespace;
};

// Counts of one sweep, for its log line and the tests.
struct SweepReport {
  bool ok = false;  // the scan and the live list both succeeded
  std::size_t owners = 0, live = 0, retained = 0, grace = 0, orphans = 0, unknown = 0;
  std::size_t orphan_resources = 0;
  std::chrono::seconds next{0};  // when the next sweep is due
};

class OrphanSweeper {
 public:
  OrphanSweeper(OrphanSweepOptions options, kube::ClientPtr client,
                std::shared_ptr<aws::AwsSession> aws, ClockPtr clock, log::Logger log,
                metrics::RegistryPtr metrics);
  ~OrphanSweeper();
  OrphanSweeper(const OrphanSweeper&) = delete;
  OrphanSweeper& operator=(const OrphanSweeper&) = delete;

  // One sweep: scan every region, list the EphemeralClusters, judge each UID, report (and in
  // delete mode remove) the orphans. Never waits on AWS: a removal still under way is taken up
  // again by the next sweep, due sooner than the interval then.
  SweepReport sweep();

  // Sweeps at once, then every interval, on a thread of its own, until stop().
  void start();
  void stop();

 private:
  aws::Result<std::vector<TaggedResource>> scan();
  std::optional<std::set<std::string>> live_uids();
  // Logs and counts each resource of an orphan the first time it is reported.
  void report(const Owner& owner);
  // One pass of the cluster's own removal per region; how long until the next pass is due
  // (zero when nothing of it is left).
  std::chrono::seconds remove(const Owner& owner);
  bool stopping();
  // Resources reported for deletion that a scan no longer finds are gone: said once each.
  void confirm_deleted(const std::vector<TaggedResource>& found);

  OrphanSweepOptions options_;
  kube::ClientPtr client_;
  std::shared_ptr<aws::AwsSession> aws_;
  ClockPtr clock_;
  log::Logger log_;
  std::shared_ptr<metrics::Counter> resources_;
  std::shared_ptr<metrics::Counter> sweeps_;
  OrphanJudge judge_;
  // "kind id" of what was reported, with its owner's UID: reported once, confirmed once.
  std::map<std::string, std::string> reported_;

  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace aura::reconcilers::cluster
