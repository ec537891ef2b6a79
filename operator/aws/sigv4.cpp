#include "operator/aws/sigv4.h"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <ctime>
#include <map>

#include "operator/aws/crypto.h"
#include "operator/common/percent_encoding.h"

namespace aura::aws {

namespace {

constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";

struct UrlParts {
  std::string scheme;
  std::string authority;  // host[:port]
  std::string path;       // "/" when empty
  std::string query;      // without '?'
};

UrlParts split_url(std::string_view url) {
  UrlParts p;
  auto scheme_end = url.find("://");
  std::string_view rest = url;
  if (scheme_end != std::string_view::npos) {
    p.scheme = std::string(url.substr(0, scheme_end));
    rest = url.substr(scheme_end + 3);
  }
  const auto path_start = rest.find_first_of("/?");
  p.authority = std::string(rest.substr(0, path_start));
  rest = path_start == std::string_view::npos ? std::string_view() : rest.substr(path_start);
  const auto q = rest.find('?');
  p.path = std::string(rest.substr(0, q));
  if (q != std::string_view::npos) p.query = std::string(rest.substr(q + 1));
  if (p.path.empty()) p.path = "/";
  // Default ports are not part of the signed host.
  if ((p.scheme == "https" && p.authority.ends_with(":443")) ||
      (p.scheme == "http" && p.authority.ends_with(":80")))
    p.authority.erase(p.authority.rfind(':'));
  return p;
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// Trims and collapses runs of spaces, as the canonical header value requires.
std::string canonical_value(std::string_view v) {
  std::string out;
  bool space = false;
  for (char c : v) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string percent_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && hex_value(s[i + 1]) >= 0 && hex_value(s[i + 2]) >= 0) {
      out += static_cast<char>(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2]));
      i += 2;
    } else if (s[i] == '+') {
      out += ' ';  // form encoding in the query of a query-protocol GET
    } else {
      out += s[i];
    }
  }
  return out;
}

// Sorted "name" -> "v1,v2" map of the headers to sign, names lower-cased.
std::map<std::string, std::string> header_map(const HeaderList& headers) {
  std::map<std::string, std::string> m;
  for (const auto& [k, v] : headers) {
    auto& slot = m[lower(k)];
    if (!slot.empty()) slot += ',';
    slot += canonical_value(v);
  }
  return m;
}

std::string signed_header_names(const std::map<std::string, std::string>& m) {
  std::string out;
  for (const auto& [k, _] : m) {
    if (!out.empty()) out += ';';
    out += k;
  }
  return out;
}

std::string scope_string(const SigningScope& scope) {
  return fmt::format("{}/{}/{}/aws4_request", sigv4::amz_date(scope.time).substr(0, 8),
                     scope.region, scope.service);
}

// S3 is the one service whose paths are not encoded a second time.
bool double_encode(const SigningScope& scope) {
  return scope.service != "s3";
}

}  // namespace

std::string Credentials::redacted() const {
  std::string id = access_key_id.size() > 8 ? access_key_id.substr(0, 4) + "…" +
                                                  access_key_id.substr(access_key_id.size() - 4)
                                            : std::string("…");
  return id + " from " + (source.empty() ? "unknown" : source);
}

namespace sigv4 {

std::string uri_encode(std::string_view s, bool encode_slash) {
  return percent_encode(s, encode_slash);
}

std::string canonical_uri(std::string_view path, bool double_encode_path) {
  if (path.empty()) return "/";
  if (!double_encode_path) return std::string(path);
  // The path as sent is already encoded once; each segment is encoded again.
  return uri_encode(path, false);
}

std::string canonical_query(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> params;
  size_t start = 0;
  while (start <= query.size() && !query.empty()) {
    auto amp = query.find('&', start);
    std::string_view pair = query.substr(start, amp == std::string_view::npos ? amp : amp - start);
    if (!pair.empty()) {
      auto eq = pair.find('=');
      std::string k = percent_decode(pair.substr(0, eq));
      std::string v = eq == std::string_view::npos ? "" : percent_decode(pair.substr(eq + 1));
      params.emplace_back(uri_encode(k), uri_encode(v));
    }
    if (amp == std::string_view::npos) break;
    start = amp + 1;
  }
  std::sort(params.begin(), params.end());
  std::string out;
  for (const auto& [k, v] : params) {
    if (!out.empty()) out += '&';
    out += k;
    out += '=';
    out += v;
  }
  return out;
}

std::string canonical_request(const SignableRequest& req, const HeaderList& signed_headers,
                              std::string_view payload_hash, bool double_encode_path) {
  const UrlParts url = split_url(req.url);
  const auto headers = header_map(signed_headers);
  std::string out;
  out += req.method;
  out += '\n';
  out += canonical_uri(url.path, double_encode_path);
  out += '\n';
  out += canonical_query(url.query);
  out += '\n';
  for (const auto& [k, v] : headers) {
    out += k;
    out += ':';
    out += v;
    out += '\n';
  }
  out += '\n';
  out += signed_header_names(headers);
  out += '\n';
  out += payload_hash;
  return out;
}

std::string string_to_sign(std::string_view amz_date, std::string_view scope,
                           std::string_view canonical_request) {
  return fmt::format("{}\n{}\n{}\n{}", kAlgorithm, amz_date, scope, sha256_hex(canonical_request));
}

std::string signing_key(std::string_view secret, std::string_view date, std::string_view region,
                        std::string_view service) {
  const std::string k_date = hmac_sha256("AWS4" + std::string(secret), date);
  const std::string k_region = hmac_sha256(k_date, region);
  const std::string k_service = hmac_sha256(k_region, service);
  return hmac_sha256(k_service, "aws4_request");
}

std::string amz_date(std::chrono::system_clock::time_point t) {
  const std::time_t tt = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  return fmt::format("{:%Y%m%dT%H%M%SZ}", tm);
}

}  // namespace sigv4

void sign_request(SignableRequest& req, const Credentials& creds, const SigningScope& scope) {
  const std::string date = sigv4::amz_date(scope.time);
  const std::string payload_hash = sha256_hex(req.body);
  const UrlParts url = split_url(req.url);
  // Drop any previous signature (a retry re-signs with a fresh date).
  std::erase_if(req.headers, [](const auto& h) {
    const std::string n = lower(h.first);
    return n == "authorization" || n == "x-amz-date" || n == "x-amz-content-sha256" ||
           n == "x-amz-security-token" || n == "host";
  });
  req.headers.emplace_back("host", url.authority);
  req.headers.emplace_back("x-amz-date", date);
  req.headers.emplace_back("x-amz-content-sha256", payload_hash);
  if (!creds.session_token.empty())
    req.headers.emplace_back("x-amz-security-token", creds.session_token);

  // Sign every header we send except those proxies may change.
  HeaderList to_sign;
  for (const auto& h : req.headers) {
    const std::string n = lower(h.first);
    if (n == "user-agent" || n == "expect" || n == "accept-encoding" || n == "content-length")
      continue;
    to_sign.push_back(h);
  }
  const std::string scope_str = scope_string(scope);
  const std::string creq =
      sigv4::canonical_request(req, to_sign, payload_hash, double_encode(scope));
  const std::string sts = sigv4::string_to_sign(date, scope_str, creq);
  const std::string key =
      sigv4::signing_key(creds.secret_access_key, date.substr(0, 8), scope.region, scope.service);
  const std::string signature = hex(hmac_sha256(key, sts));
  req.headers.emplace_back("Authorization",
                           fmt::format("{} Credential={}/{}, SignedHeaders={}, Signature={}",
                                       kAlgorithm, creds.access_key_id, scope_str,
                                       signed_header_names(header_map(to_sign)), signature));
}

std::string presign_url(std::string_view method, std::string_view url, const Credentials& creds,
                        const SigningScope& scope, std::chrono::seconds expires,
                        const HeaderList& extra_headers) {
  const std::string date = sigv4::amz_date(scope.time);
  const std::string scope_str = scope_string(scope);
  const UrlParts parts = split_url(url);
  HeaderList to_sign = extra_headers;
  to_sign.emplace_back("host", parts.authority);
  const std::string signed_names = signed_header_names(header_map(to_sign));

  std::string query = parts.query;
  auto add = [&](std::string_view k, std::string_view v) {
    if (!query.empty()) query += '&';
    query += k;
    query += '=';
    query += sigv4::uri_encode(v);
  };
  add("X-Amz-Algorithm", kAlgorithm);
  add("X-Amz-Credential", creds.access_key_id + "/" + scope_str);
  add("X-Amz-Date", date);
  add("X-Amz-Expires", std::to_string(expires.count()));
  add("X-Amz-SignedHeaders", signed_names);
  if (!creds.session_token.empty()) add("X-Amz-Security-Token", creds.session_token);

  const std::string base = parts.scheme + "://" + parts.authority + parts.path;
  SignableRequest req{std::string(method), base + "?" + query, {}, {}};
  // S3 presigned URLs leave the payload unsigned; other services sign the empty payload.
  const std::string payload_hash = scope.service == "s3" ? "UNSIGNED-PAYLOAD" : sha256_hex("");
  const std::string creq =
      sigv4::canonical_request(req, to_sign, payload_hash, double_encode(scope));
  const std::string sts = sigv4::string_to_sign(date, scope_str, creq);
  const std::string key =
      sigv4::signing_key(creds.secret_access_key, date.substr(0, 8), scope.region, scope.service);
  return base + "?" + query + "&X-Amz-Signature=" + hex(hmac_sha256(key, sts));
}

}  // namespace aura::aws
