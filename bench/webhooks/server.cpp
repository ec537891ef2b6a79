// aura-webhook-bench-server: the operator's admission webhook server, alone. It runs exactly what
// aura-operator runs when --webhook-cert-file/--webhook-key-file are given (operator/manager.cpp):
// webhooks::TlsServer with default TlsServerOptions except address, port and the PEM files, and
// webhooks::register_routes() with default RouteOptions. What it leaves out is the rest of the
// operator (Kubernetes client, informers, controllers), which the validation of a CREATE does not
// touch; the delete protection reads the AIJob cache only for a DELETE of an EphemeralCluster.
//
//   aura-webhook-bench-server --cert FILE --key FILE [--address 127.0.0.1] [--port 9443]
//                             [--threads N]     (default: TlsServerOptions' default, as the
//                             operator)
//
// Prints "listening <port>" on stdout once it accepts connections; stops on SIGINT or SIGTERM.

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "operator/log/logger.h"
#include "webhooks/routes.h"
#include "webhooks/tls_server.h"

namespace {

int usage() {
  std::fprintf(stderr,
               "usage: aura-webhook-bench-server --cert FILE --key FILE [--address ADDR] "
               "[--port N] [--threads N]\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  aura::webhooks::TlsServerOptions opts;  // the operator's defaults (threads, limits, timeouts)
  opts.address = "127.0.0.1";
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (i + 1 >= argc) return usage();
    const std::string value = argv[++i];
    if (arg == "--cert")
      opts.cert_file = value;
    else if (arg == "--key")
      opts.key_file = value;
    else if (arg == "--address")
      opts.address = value;
    else if (arg == "--port")
      opts.port = static_cast<unsigned short>(std::atoi(value.c_str()));
    else if (arg == "--threads")
      opts.threads = std::atoi(value.c_str());
    else
      return usage();
  }
  if (opts.cert_file.empty() || opts.key_file.empty()) return usage();

  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);  // the I/O threads inherit the mask

  // The operator's logger setup: JSON lines at info level (nothing is logged per request).
  aura::log::Logger logger(aura::log::Format::kJson, aura::log::Level::kInfo);
  aura::webhooks::TlsServer server(opts, logger.named("webhooks"));
  aura::webhooks::register_routes(server, aura::webhooks::RouteOptions{});
  if (!server.start()) return 1;
  std::printf("listening %u threads %d\n", static_cast<unsigned>(server.port()), opts.threads);
  std::fflush(stdout);

  int sig = 0;
  sigwait(&set, &sig);
  server.stop();
  return 0;
}
