// aura-operator: reconciles EphemeralCluster, NodePool and AIJob (aura.io/v1alpha1).
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <thread>

#include "operator/config/operator_config.h"
#include "operator/manager.h"

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--help") == 0 || std::strcmp(argv[i], "-h") == 0) {
      std::fputs(aura::config::usage().c_str(), stdout);
      return 0;
    }
  }
  auto cfg = aura::config::parse_args(argc, argv);
  if (!cfg) {
    std::fprintf(stderr, "aura-operator: %s\n", cfg.error().c_str());
    return 2;
  }
  aura::log::Logger logger(cfg->log_format, cfg->log_level, "aura");

  // Signals are handled on one thread with sigwait: every other thread is started with them
  // blocked, so no handler runs in an arbitrary thread.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  aura::Manager manager(*cfg, logger);
  std::thread signal_thread([&] {
    int sig = 0;
    sigwait(&signals, &sig);
    logger.info("signal received, shutting down",
                {{"signal", sig == SIGTERM ? "SIGTERM" : "SIGINT"}});
    manager.stop();
  });
  const int code = manager.run();
  // Wake the signal thread if the manager ended on its own (lost leadership, startup failure).
  pthread_kill(signal_thread.native_handle(), SIGTERM);
  signal_thread.join();
  return code;
}
