#include "operator/aws/credential_chain.h"

#include <filesystem>
#include <map>
#include <set>
#include <sstream>

#include "operator/common/clock.h"
#include "operator/common/process.h"

namespace aura::aws {

namespace {

using Ini = std::map<std::string, std::map<std::string, std::string>>;

std::string trim(std::string s) {
  const auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return {};
  const auto e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

// The AWS shared-file dialect of INI: [section], key = value, # and ; comments.
Ini parse_ini(const std::string& text) {
  Ini ini;
  std::string section;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    line = trim(line);
    if (line.empty() || line[0] == '#' || line[0] == ';') continue;
    if (line.front() == '[' && line.back() == ']') {
      section = trim(line.substr(1, line.size() - 2));
      continue;
    }
    const auto eq = line.find('=');
    if (eq == std::string::npos || section.empty()) continue;
    ini[section][trim(line.substr(0, eq))] = trim(line.substr(eq + 1));
  }
  return ini;
}

std::optional<Credentials> from_json(const std::string& body, const char* source) {
  auto j = nlohmann::json::parse(body, nullptr, false);
  if (!j.is_object()) return std::nullopt;
  Credentials c;
  c.access_key_id = j.value("AccessKeyId", "");
  c.secret_access_key = j.value("SecretAccessKey", "");
  c.session_token = j.value("Token", "");
  c.expiration = parse_rfc3339(j.value("Expiration", ""));
  c.source = source;
  if (c.empty()) return std::nullopt;
  return c;
}

std::string home_file(const EnvLookup& env, const char* var, const char* rel) {
  if (auto v = env(var)) return *v;
  return env("HOME").value_or("/root") + "/" + rel;
}

}  // namespace

std::expected<Credentials, std::string> EnvironmentProvider::get() {
  auto id = env_("AWS_ACCESS_KEY_ID");
  auto secret = env_("AWS_SECRET_ACCESS_KEY");
  if (!id || !secret)
    return std::unexpected("AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set");
  return Credentials{*id, *secret, env_("AWS_SESSION_TOKEN").value_or(""), std::nullopt,
                     "environment"};
}

std::expected<Credentials, std::string> WebIdentityProvider::get() {
  auto file = env_("AWS_WEB_IDENTITY_TOKEN_FILE");
  auto role = env_("AWS_ROLE_ARN");
  if (!file || !role)
    return std::unexpected("AWS_WEB_IDENTITY_TOKEN_FILE and AWS_ROLE_ARN are not set");
  auto token = read_file(*file);
  if (!token) return std::unexpected("web identity token: " + token.error());
  auto creds = sts_(nullptr).assume_role_with_web_identity(
      *role, env_("AWS_ROLE_SESSION_NAME").value_or("aura-operator"), trim(*token));
  if (!creds) return std::unexpected(creds.error().str());
  return *creds;
}

std::expected<Credentials, std::string> ContainerProvider::get() {
  std::string url;
  if (auto full = env_("AWS_CONTAINER_CREDENTIALS_FULL_URI")) {
    url = *full;
  } else if (auto rel = env_("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI")) {
    url = "http://169.254.170.2" + *rel;
  } else {
    return std::unexpected("AWS_CONTAINER_CREDENTIALS_FULL_URI is not set");
  }
  http::ClientRequest req;
  req.url = url;
  req.timeout = std::chrono::seconds(5);
  if (auto file = env_("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE")) {
    auto token = read_file(*file);
    if (!token) return std::unexpected("container authorization token: " + token.error());
    req.headers.emplace_back("Authorization", trim(*token));
  } else if (auto token = env_("AWS_CONTAINER_AUTHORIZATION_TOKEN")) {
    req.headers.emplace_back("Authorization", *token);
  }
  auto resp = http_->send(req);
  if (!resp) return std::unexpected("container credentials endpoint: " + resp.error().message);
  if (resp->status != 200)
    return std::unexpected("container credentials endpoint answered " +
                           std::to_string(resp->status));
  auto c = from_json(resp->body, "container");
  if (!c) return std::unexpected("container credentials endpoint answered without credentials");
  return *c;
}

std::expected<Credentials, std::string> ProfileProvider::get() {
  const std::string profile =
      !profile_.empty() ? profile_ : env_("AWS_PROFILE").value_or("default");
  return resolve(profile, 0);
}

std::expected<Credentials, std::string> ProfileProvider::resolve(const std::string& profile,
                                                                 int depth) {
  if (depth > 4)
    return std::unexpected("profile " + profile + ": source_profile chain too long or cyclic");
  const std::string creds_path = home_file(env_, "AWS_SHARED_CREDENTIALS_FILE", ".aws/credentials");
  const std::string config_path = home_file(env_, "AWS_CONFIG_FILE", ".aws/config");
  Ini creds_ini, config_ini;
  if (auto t = read_file(creds_path)) creds_ini = parse_ini(*t);
  if (auto t = read_file(config_path)) config_ini = parse_ini(*t);
  // The config file names profiles "profile x", except the default one.
  std::map<std::string, std::string> settings;
  if (auto it = config_ini.find(profile == "default" ? "default" : "profile " + profile);
      it != config_ini.end())
    settings = it->second;
  if (auto it = creds_ini.find(profile); it != creds_ini.end())
    for (const auto& [k, v] : it->second) settings[k] = v;  // the credentials file wins
  if (settings.empty())
    return std::unexpected("profile " + profile + " not found in " + creds_path + " or " +
                           config_path);

  if (settings.contains("role_arn")) {
    if (!settings.contains("source_profile"))
      return std::unexpected("profile " + profile + ": role_arn needs source_profile");
    const std::string source = settings["source_profile"];
    CredentialsProviderPtr base;
    if (source == profile) {
      // A profile may assume a role with its own static keys.
      if (!settings.contains("aws_access_key_id"))
        return std::unexpected("profile " + profile +
                               ": source_profile names itself but has no keys");
      base = std::make_shared<StaticCredentialsProvider>(
          Credentials{settings["aws_access_key_id"], settings["aws_secret_access_key"],
                      settings.contains("aws_session_token") ? settings["aws_session_token"] : "",
                      std::nullopt, "profile"});
    } else {
      auto source_creds = resolve(source, depth + 1);
      if (!source_creds) return std::unexpected(source_creds.error());
      base = std::make_shared<StaticCredentialsProvider>(*source_creds);
    }
    AssumeRoleRequest req;
    req.role_arn = settings["role_arn"];
    if (settings.contains("role_session_name")) req.session_name = settings["role_session_name"];
    if (settings.contains("external_id")) req.external_id = settings["external_id"];
    auto assumed = sts_(base).assume_role(req);
    if (!assumed) return std::unexpected("profile " + profile + ": " + assumed.error().str());
    assumed->source = "profile:" + profile;
    return *assumed;
  }
  if (!settings.contains("aws_access_key_id") || !settings.contains("aws_secret_access_key"))
    return std::unexpected("profile " + profile +
                           " has no aws_access_key_id/aws_secret_access_key");
  return Credentials{settings["aws_access_key_id"], settings["aws_secret_access_key"],
                     settings.contains("aws_session_token") ? settings["aws_session_token"] : "",
                     std::nullopt, "profile:" + profile};
}

std::expected<Credentials, std::string> ImdsProvider::get() {
  if (env_("AWS_EC2_METADATA_DISABLED").value_or("") == "true")
    return std::unexpected("IMDS disabled by AWS_EC2_METADATA_DISABLED");
  std::string base = env_("AWS_EC2_METADATA_SERVICE_ENDPOINT").value_or("http://169.254.169.254");
  while (!base.empty() && base.back() == '/') base.pop_back();
  http::ClientRequest token_req;
  token_req.method = "PUT";
  token_req.url = base + "/latest/api/token";
  token_req.headers.emplace_back("X-aws-ec2-metadata-token-ttl-seconds", "21600");
  token_req.timeout = std::chrono::seconds(1);  // off EC2 nothing answers: fail fast
  auto token = http_->send(token_req);
  if (!token || token->status != 200)
    return std::unexpected("IMDSv2 did not issue a session token");
  auto get = [&](const std::string& path) {
    http::ClientRequest r;
    r.url = base + path;
    r.headers.emplace_back("X-aws-ec2-metadata-token", token->body);
    r.timeout = std::chrono::seconds(1);
    return http_->send(r);
  };
  auto role = get("/latest/meta-data/iam/security-credentials/");
  if (!role || role->status != 200) return std::unexpected("IMDS: no instance role");
  const std::string name = trim(role->body.substr(0, role->body.find('\n')));
  auto creds = get("/latest/meta-data/iam/security-credentials/" + name);
  if (!creds || creds->status != 200)
    return std::unexpected("IMDS: cannot read credentials of " + name);
  auto c = from_json(creds->body, "imds");
  if (!c) return std::unexpected("IMDS answered without credentials");
  return *c;
}

std::expected<Credentials, std::string> AssumeRoleProvider::get() {
  auto c = sts_.assume_role(request_);
  if (!c) return std::unexpected(c.error().str());
  return *c;
}

std::expected<Credentials, std::string> ChainProvider::get() {
  CredentialsProviderPtr chosen;
  {
    std::lock_guard lock(mu_);
    chosen = chosen_;
  }
  if (chosen) {
    if (auto c = chosen->get()) return c;
  }
  std::string why;
  for (const auto& p : providers_) {
    auto c = p->get();
    if (c) {
      std::lock_guard lock(mu_);
      chosen_ = p;
      return c;
    }
    why += (why.empty() ? "" : "; ") + p->name() + ": " + c.error();
  }
  return std::unexpected("no AWS credentials found (" + why + ")");
}

CachingProvider::CachingProvider(CredentialsProviderPtr inner, ClockPtr clock,
                                 std::chrono::seconds refresh_before)
    : inner_(std::move(inner)), clock_(std::move(clock)), refresh_before_(refresh_before) {
  thread_ = std::thread([this] { refresher(); });
}

CachingProvider::~CachingProvider() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

bool CachingProvider::fresh_locked(std::chrono::system_clock::time_point now) const {
  return cached_ && (!cached_->expiration || now < *cached_->expiration);
}

std::expected<Credentials, std::string> CachingProvider::get() {
  std::unique_lock lock(mu_);
  if (fresh_locked(clock_->now())) return *cached_;
  lock.unlock();
  auto c = inner_->get();
  lock.lock();
  if (!c) return c;
  cached_ = *c;
  cv_.notify_all();  // the refresher schedules from the new expiry
  return c;
}

void CachingProvider::refresher() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    if (!cached_ || !cached_->expiration) {
      cv_.wait(lock);  // nothing that expires yet
      continue;
    }
    const auto due = *cached_->expiration - refresh_before_;
    const auto wait = due - clock_->now();
    if (wait > std::chrono::seconds(0)) {
      cv_.wait_for(lock, wait);
      continue;
    }
    lock.unlock();
    auto c = inner_->get();
    lock.lock();
    if (c) cached_ = *c;
    // Keep serving what we have while it is valid, and never refresh more often than this, even
    // if the provider hands out credentials that expire within the refresh window.
    cv_.wait_for(lock, std::chrono::seconds(10), [this] { return stopping_; });
  }
}

CredentialsProviderPtr default_credentials_chain(const EnvLookup& env,
                                                 std::shared_ptr<http::CurlClient> http,
                                                 StsFactory sts) {
  std::vector<CredentialsProviderPtr> chain{
      std::make_shared<EnvironmentProvider>(env),
      std::make_shared<WebIdentityProvider>(env, sts),
      std::make_shared<ContainerProvider>(env, http),
      std::make_shared<ProfileProvider>(env, sts),
      std::make_shared<ImdsProvider>(env, http),
  };
  return std::make_shared<CachingProvider>(std::make_shared<ChainProvider>(std::move(chain)));
}

}  // namespace aura::aws
