#include "webhooks/routes.h"

#include "webhooks/admission.h"
#include "webhooks/validation/validation.h"

namespace aura::webhooks {

void register_routes(TlsServer& server, defaulting::Options defaulting_options) {
  server.route(kValidatePath, review_endpoint(validation::validate));
  server.route(kMutatePath,
               review_endpoint([opts = std::move(defaulting_options)](const AdmissionRequest& r) {
                 return defaulting::mutate(r, opts);
               }));
  server.route("/healthz", [](const http::Request&) {
    return http::Response{200, "text/plain; charset=utf-8", "ok\n"};
  });
}

}  // namespace aura::webhooks
