#include "datastore/s3/credential_chain.hpp"

#include <fstream>
#include <mutex>
#include <sstream>

#include <nlohmann/json.hpp>

#include "datastore/s3/http_fetch.hpp"
#include "datastore/s3/s3_client.hpp"
#include "datastore/s3/s3_time.hpp"
#include "datastore/s3/s3_xml.hpp"

namespace conflux {

namespace {

constexpr std::chrono::milliseconds kEndpointTimeout{2000};

Result<std::string> read_text(const std::string& path, const std::string& what) {
  std::ifstream in(path);
  if (!in) return Status::not_found("cannot read " + what + " '" + path + "'");
  std::stringstream text;
  text << in.rdbuf();
  std::string out = text.str();
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r' || out.back() == ' ')) out.pop_back();
  return out;
}

std::string form_encode(const std::string& text) { return s3_uri_encode(text, false); }

Result<std::chrono::system_clock::time_point> expiration_of(const std::string& text, const std::string& source) {
  auto t = parse_iso8601_utc(text);
  if (!t) return Status::corruption(source + ": unreadable Expiration '" + text + "'");
  return *t;
}

// {"AccessKeyId", "SecretAccessKey", "Token", "Expiration"}: the container endpoint and IMDS.
Result<FetchedCredentials> parse_json_credentials(const std::string& body, const std::string& source) {
  nlohmann::json doc = nlohmann::json::parse(body, nullptr, false);
  auto text = [&](const char* key) {
    auto it = doc.is_object() ? doc.find(key) : doc.end();
    return it != doc.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  if (text("AccessKeyId").empty() || text("SecretAccessKey").empty()) {
    return Status::corruption(source + " answered without AccessKeyId and SecretAccessKey");
  }
  if (doc.contains("Code") && doc["Code"] != "Success") {
    return Status::unavailable(source + " answered Code " + doc["Code"].dump());
  }
  FetchedCredentials out;
  out.credentials = {text("AccessKeyId"), text("SecretAccessKey"), text("Token")};
  if (doc.contains("Expiration") && doc["Expiration"].is_string()) {
    CONFLUX_ASSIGN_OR_RETURN(out.expiration, expiration_of(doc["Expiration"].get<std::string>(), source));
  }
  return out;
}

Result<FetchedCredentials> from_web_identity(const S3CredentialChain& c, const std::string& region) {
  const std::string endpoint = !c.sts_endpoint.empty() ? c.sts_endpoint : "https://sts." + region + ".amazonaws.com";
  const std::string source = "web identity (role " + c.role_arn + ", STS at " + endpoint + ")";
  CONFLUX_ASSIGN_OR_RETURN(std::string token, read_text(c.web_identity_token_file, "the web identity token file"));
  std::string session = c.role_session_name;
  if (session.empty()) {
    session = "conflux-" + std::to_string(std::chrono::duration_cast<std::chrono::seconds>(
                                              std::chrono::system_clock::now().time_since_epoch())
                                              .count());
  }
  const std::string body = "Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=" + form_encode(c.role_arn) +
                           "&RoleSessionName=" + form_encode(session) + "&WebIdentityToken=" + form_encode(token);
  CONFLUX_ASSIGN_OR_RETURN(HttpReply reply,
                           http_fetch("POST", endpoint + "/", {{"Content-Type", "application/x-www-form-urlencoded"}},
                                      body, kEndpointTimeout));
  if (reply.status != 200) {
    return Status::unavailable(source + " answered HTTP " + std::to_string(reply.status) + ": " +
                               xml_value(reply.body, "Message").value_or(reply.body.substr(0, 200)));
  }
  FetchedCredentials out;
  out.credentials = {xml_value(reply.body, "AccessKeyId").value_or(""), xml_value(reply.body, "SecretAccessKey").value_or(""),
                     xml_value(reply.body, "SessionToken").value_or("")};
  if (out.credentials.access_key_id.empty() || out.credentials.secret_access_key.empty()) {
    return Status::corruption(source + " answered without credentials");
  }
  if (auto e = xml_value(reply.body, "Expiration")) {
    CONFLUX_ASSIGN_OR_RETURN(out.expiration, expiration_of(*e, source));
  }
  return out;
}

Result<FetchedCredentials> from_container(const S3CredentialChain& c) {
  const std::string source = "the container credentials endpoint " + c.container_uri;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string token = c.container_token;
  if (!c.container_token_file.empty()) {
    CONFLUX_ASSIGN_OR_RETURN(token, read_text(c.container_token_file, "the container authorization token file"));
  }
  if (!token.empty()) headers.emplace_back("Authorization", token);
  CONFLUX_ASSIGN_OR_RETURN(HttpReply reply, http_fetch("GET", c.container_uri, headers, "", kEndpointTimeout));
  if (reply.status != 200) {
    return Status::unavailable(source + " answered HTTP " + std::to_string(reply.status) + ": " + reply.body.substr(0, 200));
  }
  return parse_json_credentials(reply.body, source);
}

Result<FetchedCredentials> from_instance_metadata(const S3CredentialChain& c) {
  const std::string base = c.imds_endpoint + "/latest";
  const std::string source = "instance metadata at " + c.imds_endpoint;
  auto failed = [&](const std::string& step, const HttpReply& r) {
    return Status::unavailable(source + ": " + step + " answered HTTP " + std::to_string(r.status));
  };
  Result<HttpReply> token = http_fetch("PUT", base + "/api/token", {{"X-aws-ec2-metadata-token-ttl-seconds", "21600"}},
                                       "", kEndpointTimeout);
  if (!token.ok()) {
    return Status::unavailable("no S3 credentials: no key pair in the environment or the AWS profile, no web "
                               "identity, no container endpoint, and " + source + " did not answer (" +
                               token.status().message() + ")");
  }
  if (token->status != 200) return failed("the token request", *token);
  const std::vector<std::pair<std::string, std::string>> auth = {{"X-aws-ec2-metadata-token", token->body}};
  CONFLUX_ASSIGN_OR_RETURN(HttpReply roles, http_fetch("GET", base + "/meta-data/iam/security-credentials/", auth, "",
                                                       kEndpointTimeout));
  if (roles.status != 200) return failed("the role listing (is an instance profile attached?)", roles);
  std::string role = roles.body.substr(0, roles.body.find('\n'));
  if (role.empty()) return Status::unavailable(source + ": the instance has no IAM role");
  CONFLUX_ASSIGN_OR_RETURN(HttpReply creds, http_fetch("GET", base + "/meta-data/iam/security-credentials/" + role,
                                                       auth, "", kEndpointTimeout));
  if (creds.status != 200) return failed("the credentials of role " + role, creds);
  return parse_json_credentials(creds.body, source + " (role " + role + ")");
}

class ChainProvider final : public CredentialProvider {
 public:
  ChainProvider(S3CredentialChain chain, std::string region, std::chrono::seconds refresh_before)
      : chain_(std::move(chain)), region_(std::move(region)), refresh_before_(refresh_before) {}

  Result<S3Credentials> credentials() override {
    std::lock_guard<std::mutex> lock(mu_);
    const auto now = std::chrono::system_clock::now();
    if (cached_ && (!cached_->expiration || now < *cached_->expiration - refresh_before_)) return cached_->credentials;
    Result<FetchedCredentials> fresh = fetch_credentials(chain_, region_);
    if (!fresh.ok()) {
      if (cached_ && cached_->expiration && now < *cached_->expiration) return cached_->credentials;
      return fresh.status();
    }
    cached_ = std::move(fresh).value();
    return cached_->credentials;
  }

 private:
  const S3CredentialChain chain_;
  const std::string region_;
  const std::chrono::seconds refresh_before_;
  std::mutex mu_;
  std::optional<FetchedCredentials> cached_;
};

}  // namespace

std::string credential_source(const S3CredentialChain& c) {
  if (!c.web_identity_token_file.empty() && !c.role_arn.empty()) return "web identity";
  if (!c.container_uri.empty()) return "container";
  if (!c.imds_disabled) return "instance metadata";
  return "";
}

Result<FetchedCredentials> fetch_credentials(const S3CredentialChain& chain, const std::string& region) {
  const std::string source = credential_source(chain);
  if (source == "web identity") return from_web_identity(chain, region);
  if (source == "container") return from_container(chain);
  if (source == "instance metadata") return from_instance_metadata(chain);
  return Status::invalid_argument(
      "no S3 credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, give the AWS profile a key pair in "
      "~/.aws/credentials, or use a web identity, a container endpoint or instance metadata (which "
      "AWS_EC2_METADATA_DISABLED turns off)");
}

std::shared_ptr<CredentialProvider> make_chain_provider(S3CredentialChain chain, std::string region,
                                                        std::chrono::seconds refresh_before) {
  return std::make_shared<ChainProvider>(std::move(chain), std::move(region), refresh_before);
}

}  // namespace conflux
