#include "webhooks/routes.h"

#include "webhooks/admission.h"

namespace aura::webhooks {

void register_routes(TlsServer& server, RouteOptions options) {
  server.route(kValidatePath, review_endpoint([protection = std::move(options.delete_protection)](
                                                  const AdmissionRequest& r) {
                 return validate_request(r, protection);
               }));
  server.route(kMutatePath,
               review_endpoint([opts = std::move(options.defaulting)](const AdmissionRequest& r) {
                 return defaulting::mutate(r, opts);
               }));
  server.route(conversion::kConvertPath,
               conversion::conversion_endpoint(std::move(options.converters)));
  server.route("/healthz", [](const http::Request&) {
    return http::Response{200, "text/plain; charset=utf-8", "ok\n"};
  });
}

}  // namespace aura::webhooks
