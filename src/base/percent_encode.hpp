// percent_encode(): RFC 3986 percent-encoding, keeping only the unreserved characters
// (A-Z a-z 0-9 - _ . ~) and, if asked, '/': URL path components and query values for the
// metadata service, the Kubernetes API and S3 (whose signing wants exactly this form).
#pragma once

#include <string>
#include <string_view>

namespace conflux {

std::string percent_encode(std::string_view text, bool keep_slash = false);

}  // namespace conflux
