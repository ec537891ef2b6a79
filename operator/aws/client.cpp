#include "operator/aws/client.h"

#include <cstring>
#include <ctime>
#include <thread>

#include "operator/aws/sigv4.h"

namespace aura::aws {

namespace {

// Parses "Date: Wed, 25 Nov 2026 13:00:00 GMT" (RFC 7231 IMF-fixdate).
std::optional<std::chrono::system_clock::time_point> parse_http_date(const std::string& s) {
  std::tm tm{};
  if (!strptime(s.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm)) return std::nullopt;
  return std::chrono::system_clock::from_time_t(timegm(&tm));
}

// The error code from either protocol shape: "com.amazon.coral.service#ThrottlingException",
// "ThrottlingException:http://internal.amazon.com/coral/..." or a plain code.
std::string clean_code(std::string code) {
  if (auto hash = code.rfind('#'); hash != std::string::npos) code = code.substr(hash + 1);
  if (auto colon = code.find(':'); colon != std::string::npos) code = code.substr(0, colon);
  return code;
}

}  // namespace

std::string form_encode(const QueryParams& params) {
  std::string out;
  for (const auto& [k, v] : params) {
    if (!out.empty()) out += '&';
    out += sigv4::uri_encode(k);
    out += '=';
    out += sigv4::uri_encode(v);
  }
  return out;
}

std::string xml_text(const pugi::xml_node& node, const char* name) {
  const auto found = node.find_node([name](const pugi::xml_node& n) {
    const char* full = n.name();
    const char* colon = std::strchr(full, ':');
    return std::strcmp(colon ? colon + 1 : full, name) == 0;
  });
  return found ? found.child_value() : "";
}

AwsClient::AwsClient(const ServiceInfo& service, std::string region,
                     CredentialsProviderPtr credentials, std::shared_ptr<http::CurlClient> http,
                     AwsClientOptions options)
    : service_(service),
      region_(std::move(region)),
      credentials_(std::move(credentials)),
      http_(std::move(http)),
      options_(std::move(options)),
      endpoint_(resolve_endpoint(service_, region_, options_.env)),
      retry_(options_.retry),
      limiter_(options_.qps, options_.burst) {
  if (options_.metrics) {
    requests_ = options_.metrics->counter("aura_aws_requests_total",
                                          "AWS requests by service, operation and outcome code.",
                                          {"service", "operation", "code"});
    retries_ = options_.metrics->counter("aura_aws_retries_total",
                                         "AWS request retries by service and error code.",
                                         {"service", "code"});
    latency_ = options_.metrics->histogram("aura_aws_request_duration_seconds",
                                           "Latency of one AWS request attempt.", {"service"});
  }
}

std::chrono::seconds AwsClient::clock_offset() const {
  return std::chrono::seconds(clock_offset_seconds_.load());
}

void AwsClient::wait(std::chrono::milliseconds d) const {
  if (d.count() <= 0) return;
  if (options_.sleep) return options_.sleep(d);
  std::this_thread::sleep_for(d);
}

void AwsClient::note_clock_skew(const http::ClientResponse& response) {
  const auto server = parse_http_date(response.header("date"));
  if (!server) return;
  const auto skew =
      std::chrono::duration_cast<std::chrono::seconds>(*server - options_.clock->now());
  clock_offset_seconds_ = skew.count();
  options_.log.warn("clock skew against AWS corrected",
                    {{"service", service_.name}, {"offsetSeconds", skew.count()}});
}

AwsError AwsClient::parse_error(std::string_view operation, const http::ClientResponse& r) const {
  AwsError e;
  e.service = std::string(service_.name);
  e.operation = std::string(operation);
  e.http_status = r.status;
  e.request_id = r.header("x-amzn-requestid");
  if (e.request_id.empty()) e.request_id = r.header("x-amz-request-id");
  const std::string type_header = r.header("x-amzn-errortype");
  if (!type_header.empty()) e.code = clean_code(type_header);

  const auto first = r.body.find_first_not_of(" \t\r\n");
  if (first != std::string::npos && r.body[first] == '<') {
    pugi::xml_document doc;
    if (doc.load_buffer(r.body.data(), r.body.size())) {
      // EC2: Response/Errors/Error; IAM, STS, ELB: ErrorResponse/Error; S3: Error.
      if (e.code.empty()) e.code = xml_text(doc, "Code");
      e.message = xml_text(doc, "Message");
      if (e.request_id.empty()) e.request_id = xml_text(doc, "RequestId");
      if (e.request_id.empty()) e.request_id = xml_text(doc, "RequestID");
    }
  } else if (first != std::string::npos && r.body[first] == '{') {
    auto j = nlohmann::json::parse(r.body, nullptr, false);
    if (j.is_object()) {
      if (e.code.empty()) {
        if (j.contains("__type") && j["__type"].is_string())
          e.code = clean_code(j["__type"]);
        else if (j.contains("code") && j["code"].is_string())
          e.code = clean_code(j["code"]);
      }
      for (const char* key : {"message", "Message", "errorMessage"})
        if (j.contains(key) && j[key].is_string()) {
          e.message = j[key];
          break;
        }
    }
  }
  if (e.code.empty()) {
    // No parsable body: name the failure by its status, and keep a bounded excerpt.
    e.code = r.status == 429 ? "TooManyRequestsException" : "HttpStatus" + std::to_string(r.status);
    e.message = r.body.substr(0, 256);
  }
  return e;
}

Result<http::ClientResponse> AwsClient::send(std::string_view operation, const std::string& method,
                                             const std::string& path, http::Headers headers,
                                             const std::string& body) {
  auto resp = send_with_retries(operation, method, path, std::move(headers), body);
  // Before the caller sees the answer: a death here loses a created resource's ID.
  if (options_.fault_hook)
    options_.fault_hook->after_call(service_.name, operation, resp.has_value());
  return resp;
}

Result<http::ClientResponse> AwsClient::send_with_retries(std::string_view operation,
                                                          const std::string& method,
                                                          const std::string& path,
                                                          http::Headers headers,
                                                          const std::string& body) {
  int last_retry_cost = 0;
  for (int attempt = 1;; ++attempt) {
    if (auto d = limiter_.reserve(); d > TokenBucket::Clock::duration::zero())
      wait(std::chrono::duration_cast<std::chrono::milliseconds>(d));

    SignableRequest req{method, endpoint_.url + path, headers, body};
    if (credentials_) {
      auto creds = credentials_->get();
      if (!creds) {
        return std::unexpected(AwsError{std::string(service_.name), std::string(operation), 0,
                                        "CredentialsUnavailable", creds.error(), "", false});
      }
      const auto now = options_.clock->now() + clock_offset();
      sign_request(req, *creds,
                   {std::string(service_.signing_name), endpoint_.signing_region, now});
    }
    http::ClientRequest creq{method, req.url, std::move(req.headers), body, options_.timeout, true};
    const auto start = std::chrono::steady_clock::now();
    auto resp = http_->send(creq);
    if (latency_)
      latency_->observe(
          {std::string(service_.name)},
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());

    AwsError error;
    if (!resp) {
      error = AwsError{
          std::string(service_.name), std::string(operation), 0, "", resp.error().message, "",
          resp.error().timed_out};
    } else if (resp->status >= 200 && resp->status < 300) {
      if (requests_) requests_->inc({std::string(service_.name), std::string(operation), "ok"});
      retry_.on_success(last_retry_cost);
      return std::move(*resp);
    } else {
      error = parse_error(operation, *resp);
      if (error.is_clock_skew()) note_clock_skew(*resp);
    }
    if (requests_)
      requests_->inc({std::string(service_.name), std::string(operation),
                      error.is_transport() ? "transport" : error.code});
    auto decision = retry_.retry_after(attempt, error);
    if (!decision) return std::unexpected(std::move(error));
    if (retries_)
      retries_->inc({std::string(service_.name), error.is_transport() ? "transport" : error.code});
    options_.log.debug("retrying AWS call", {{"service", service_.name},
                                             {"operation", operation},
                                             {"attempt", attempt},
                                             {"error", error.code},
                                             {"delayMs", decision->delay.count()}});
    last_retry_cost = decision->cost;
    wait(decision->delay);
  }
}

Result<XmlDocument> AwsClient::query(std::string_view operation, std::string_view version,
                                     const QueryParams& params) {
  QueryParams all{{"Action", std::string(operation)}, {"Version", std::string(version)}};
  all.insert(all.end(), params.begin(), params.end());
  auto resp = send(operation, "POST", "/",
                   {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}},
                   form_encode(all));
  if (!resp) return std::unexpected(resp.error());
  auto doc = std::make_shared<pugi::xml_document>();
  if (!doc->load_buffer(resp->body.data(), resp->body.size()))
    return std::unexpected(AwsError{std::string(service_.name), std::string(operation),
                                    resp->status, "MalformedResponse", "the answer is not XML",
                                    resp->header("x-amzn-requestid"), false});
  return doc;
}

Result<nlohmann::json> AwsClient::json_body(std::string_view operation,
                                            const http::ClientResponse& resp) const {
  if (resp.body.empty()) return nlohmann::json::object();
  auto j = nlohmann::json::parse(resp.body, nullptr, false);
  if (j.is_discarded())
    return std::unexpected(AwsError{std::string(service_.name), std::string(operation), resp.status,
                                    "MalformedResponse", "the answer is not JSON",
                                    resp.header("x-amzn-requestid"), false});
  return j;
}

Result<nlohmann::json> AwsClient::rest_json(std::string_view operation, std::string_view method,
                                            const std::string& path, const nlohmann::json* body) {
  http::Headers headers;
  std::string payload;
  if (body) {
    headers.emplace_back("Content-Type", "application/json");
    payload = body->dump();
  }
  auto resp = send(operation, std::string(method), path, std::move(headers), payload);
  if (!resp) return std::unexpected(resp.error());
  return json_body(operation, *resp);
}

Result<nlohmann::json> AwsClient::json_rpc(std::string_view operation,
                                           std::string_view target_prefix,
                                           const nlohmann::json& body) {
  http::Headers headers{
      {"Content-Type", "application/x-amz-json-1.1"},
      {"X-Amz-Target", std::string(target_prefix) + "." + std::string(operation)}};
  auto resp = send(operation, "POST", "/", std::move(headers), body.dump());
  if (!resp) return std::unexpected(resp.error());
  return json_body(operation, *resp);
}

Result<http::ClientResponse> AwsClient::rest(std::string_view operation, std::string_view method,
                                             const std::string& path, const http::Headers& headers,
                                             const std::string& body) {
  return send(operation, std::string(method), path, headers, body);
}

}  // namespace aura::aws
