// The pure parts of the S3 configuration: s3:// URLs, AWS credential and region precedence, INI
// parsing, endpoints, addressing, URL encoding and the canonical query string.
#include <gtest/gtest.h>

#include "datastore/s3/s3_client.hpp"
#include "datastore/s3/credential_chain.hpp"
#include "datastore/s3/s3_config.hpp"
#include "datastore/s3/s3_xml.hpp"
#include "datastore/s3/s3_time.hpp"
#include "datastore/s3/sigv4.hpp"
#include "base/sha256.hpp"
#include "testutil/testutil.hpp"

namespace conflux {
namespace {

TEST(S3ConfigTest, ParsesS3Urls) {
  S3Location l = parse_s3_url("s3://my-bucket/some/prefix/", "root").value();
  EXPECT_EQ(l.bucket, "my-bucket");
  EXPECT_EQ(l.prefix, "some/prefix");
  EXPECT_EQ(l.url(), "s3://my-bucket/some/prefix");
  EXPECT_EQ(parse_s3_url("s3://b", "root").value().prefix, "");
  Status bad = parse_s3_url("/local/dir", "METAFLOW_DATASTORE_SYSROOT_S3").status();
  EXPECT_NE(bad.message().find("METAFLOW_DATASTORE_SYSROOT_S3 '/local/dir'"), std::string::npos);
  EXPECT_FALSE(parse_s3_url("s3:///x", "root").ok());
  EXPECT_FALSE(parse_s3_url("s3://Bad_Bucket/x", "root").ok());
}

TEST(S3ConfigTest, EnvironmentKeysWinOverProfiles) {
  S3SettingInputs in;
  in.access_key_id = "ENVKEY";
  in.secret_access_key = "envsecret";
  in.session_token = "tok";
  in.credentials_file = "[default]\naws_access_key_id = FILEKEY\naws_secret_access_key = filesecret\n";
  S3Settings s = resolve_s3_settings(in).value();
  EXPECT_EQ(s.credentials.access_key_id, "ENVKEY");
  EXPECT_EQ(s.credentials.session_token, "tok");
  EXPECT_EQ(s.region, "us-east-1");
}

TEST(S3ConfigTest, ProfilesFromCredentialsAndConfigFiles) {
  S3SettingInputs in;
  in.profile = "ml";
  in.credentials_file =
      "# comment\n[default]\naws_access_key_id=D\naws_secret_access_key=d\n\n"
      "[ml]\n  AWS_Access_Key_Id = MLKEY \naws_secret_access_key = ml/secret+x\naws_session_token = T\n";
  in.config_file = "[default]\nregion = eu-west-1\n[profile ml]\nregion = us-west-2\n";
  S3Settings s = resolve_s3_settings(in).value();
  EXPECT_EQ(s.credentials.access_key_id, "MLKEY");
  EXPECT_EQ(s.credentials.secret_access_key, "ml/secret+x");
  EXPECT_EQ(s.credentials.session_token, "T");
  EXPECT_EQ(s.region, "us-west-2");
  in.default_region = "ap-south-1";
  EXPECT_EQ(resolve_s3_settings(in).value().region, "ap-south-1");
  in.region = "ca-central-1";
  EXPECT_EQ(resolve_s3_settings(in).value().region, "ca-central-1");
}

TEST(S3ConfigTest, KeysInTheConfigFileAndDefaultProfile) {
  S3SettingInputs in;
  in.config_file = "[default]\naws_access_key_id = C\naws_secret_access_key = c\nregion = eu-north-1\n";
  S3Settings s = resolve_s3_settings(in).value();
  EXPECT_EQ(s.credentials.access_key_id, "C");
  EXPECT_EQ(s.region, "eu-north-1");
}

TEST(S3ConfigTest, WithoutKeysTheRestOfTheChainIsUsedAndUnknownProfilesAreNamed) {
  S3SettingInputs in;
  S3Settings none = resolve_s3_settings(in).value();
  EXPECT_TRUE(none.use_chain);
  EXPECT_TRUE(none.credentials.access_key_id.empty());
  // A web identity comes before the profile's keys, as in the AWS CLI; keys in the environment first.
  in.web_identity = true;
  in.credentials_file = "[default]\naws_access_key_id=D\naws_secret_access_key=d\n";
  EXPECT_TRUE(resolve_s3_settings(in).value().use_chain);
  in.access_key_id = "E";
  in.secret_access_key = "e";
  EXPECT_EQ(resolve_s3_settings(in).value().credentials.access_key_id, "E");
  // With nothing in the chain either, the error says what to set.
  S3CredentialChain chain;
  chain.imds_disabled = true;
  Status s = fetch_credentials(chain, "us-east-1").status();
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("AWS_ACCESS_KEY_ID"), std::string::npos);
  in = S3SettingInputs();
  in.profile = "ghost";
  in.credentials_file = "[default]\naws_access_key_id=D\naws_secret_access_key=d\n";
  EXPECT_NE(resolve_s3_settings(in).status().message().find("'ghost'"), std::string::npos);
}

TEST(S3ConfigTest, EndpointsAndAddressing) {
  S3Endpoint e = parse_s3_endpoint("http://127.0.0.1:9000/").value();
  EXPECT_EQ(e.scheme, "http");
  EXPECT_EQ(e.host, "127.0.0.1:9000");
  EXPECT_EQ(e.path, "");
  EXPECT_FALSE(parse_s3_endpoint("127.0.0.1:9000").ok());
  EXPECT_FALSE(parse_s3_endpoint("ftp://x").ok());
  EXPECT_EQ(parse_s3_addressing("auto", true).value(), S3Addressing::kPath);
  EXPECT_EQ(parse_s3_addressing("auto", false).value(), S3Addressing::kVirtual);
  EXPECT_EQ(parse_s3_addressing("virtual", true).value(), S3Addressing::kVirtual);
  EXPECT_FALSE(parse_s3_addressing("dns", true).ok());

  S3ClientOptions o;
  o.region = "eu-west-1";
  S3Client aws(o, "bkt");
  EXPECT_EQ(aws.url("a b/c(d)", {}), "https://bkt.s3.eu-west-1.amazonaws.com/a%20b/c%28d%29");
  o.endpoint = e;
  o.addressing = S3Addressing::kPath;
  S3Client path(o, "bkt");
  EXPECT_EQ(path.url("k", {{"prefix", "a/"}, {"delimiter", "/"}, {"list-type", "2"}}),
            "http://127.0.0.1:9000/bkt/k?delimiter=%2F&list-type=2&prefix=a%2F");
  EXPECT_EQ(path.url("", {{"uploads", ""}}), "http://127.0.0.1:9000/bkt?uploads=");
}

TEST(S3ConfigTest, UriEncodingAndXml) {
  EXPECT_EQ(s3_uri_encode("a+b=c~d_e.f-g/h", true), "a%2Bb%3Dc~d_e.f-g/h");
  EXPECT_EQ(s3_uri_encode("a/b", false), "a%2Fb");
  EXPECT_EQ(xml_value("<R><ETag>&quot;abc&quot;</ETag></R>", "ETag").value(), "\"abc\"");
  EXPECT_EQ(xml_blocks("<C><K>1</K></C><C><K>2</K></C>", "C").size(), 2u);
  EXPECT_EQ(xml_unescape("&#252;&#x41;&amp;"), "\xc3\xbc" "A&");
}

// libcurl is loaded when the first S3 request is sent (curl_library.hpp), so a flow binary's
// every task does not pay for loading it and its 30 dependencies. No S3 test would notice a
// regression: this one does.
TEST(S3ConfigTest, FlowBinariesDoNotLinkLibcurl) {
  testing::CommandResult r = testing::run_command({"/usr/bin/readelf", "-d", testing::build_path("examples/hello").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("(NEEDED)"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("libcurl"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace conflux

namespace conflux {
namespace {

// AWS's worked example of a signed GET Object request (S3 API reference, "Signature Calculations
// for the Authorization Header: Transferring Payload in a Single Chunk").
TEST(SigV4Test, SignsAwsWorkedExample) {
  SigV4Request r;
  r.method = "GET";
  r.canonical_uri = "/test.txt";
  r.region = "us-east-1";
  r.amz_date = "20130524T000000Z";
  r.payload_hash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
  r.headers = {{"x-amz-date", "20130524T000000Z"},
               {"Range", "bytes=0-9"},
               {"Host", "examplebucket.s3.amazonaws.com"},
               {"x-amz-content-sha256", r.payload_hash}};
  Result<std::string> auth =
      sigv4_authorization(r, {"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", ""});
  ASSERT_TRUE(auth.ok()) << auth.status().to_string();
  EXPECT_EQ(*auth,
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
            "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "
            "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
}

TEST(SigV4Test, HeadersSortByNameEvenWhenOneNameExtendsAnother) {
  SigV4Request r;
  r.method = "PUT";
  r.canonical_uri = "/b/k";
  r.region = "us-east-1";
  r.amz_date = "20261207T000000Z";
  r.payload_hash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
  r.headers = {{"x-amz-server-side-encryption-aws-kms-key-id", "alias/k"},
               {"x-amz-server-side-encryption", "aws:kms"},
               {"Host", "h"}};
  std::string auth = sigv4_authorization(r, {"A", "S", ""}).value();
  EXPECT_NE(auth.find("SignedHeaders=host;x-amz-server-side-encryption;x-amz-server-side-encryption-aws-kms-key-id,"),
            std::string::npos)
      << auth;
}

TEST(SigV4Test, HmacSha256MatchesRfc4231) {
  // RFC 4231 test case 2.
  EXPECT_EQ(hex_lower(hmac_sha256("Jefe", "what do ya want for nothing?").value()),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  // Test case 6: a key longer than the block.
  EXPECT_EQ(hex_lower(hmac_sha256(std::string(131, '\xaa'), "Test Using Larger Than Block-Size Key - Hash Key First").value()),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

}  // namespace
}  // namespace conflux

namespace conflux {
namespace {

// The two time formats S3 answers with (listings, and the Last-Modified header).
TEST(S3TimeTest, ParsesListingAndHeaderTimes) {
  using std::chrono::milliseconds;
  auto epoch_ms = [](std::chrono::system_clock::time_point t) {
    return std::chrono::duration_cast<milliseconds>(t.time_since_epoch()).count();
  };
  // 2026-12-06T23:16:43Z is 1796599003 s after the epoch.
  EXPECT_EQ(epoch_ms(*parse_iso8601_utc("2026-12-06T23:16:43.250Z")), 1796599003250);
  EXPECT_EQ(epoch_ms(*parse_iso8601_utc("2026-12-06T23:16:43Z")), 1796599003000);
  EXPECT_EQ(epoch_ms(*parse_http_date("Sun, 06 Dec 2026 23:16:43 GMT")), 1796599003000);
  for (const char* bad : {"", "2026-12-06 23:16:43Z", "2026-13-06T23:16:43Z", "2026-12-06T23:16:43", "2026-12-06T23:16:43.Z",
                          "2026-12-06T25:16:43Z"}) {
    EXPECT_FALSE(parse_iso8601_utc(bad).has_value()) << bad;
  }
  for (const char* bad : {"", "Sun, 06 Dek 2026 23:16:43 GMT", "Sun, 06 Dec 2026 23:16:43 UTC", "06 Dec 2026 23:16:43 GMT"}) {
    EXPECT_FALSE(parse_http_date(bad).has_value()) << bad;
  }
}

}  // namespace
}  // namespace conflux
