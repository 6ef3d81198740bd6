// Just enough XML for S3's answers (ListObjectsV2, multipart upload, errors): the text of elements
// by tag name, entity-unescaped. S3 documents are flat and machine-written, so a scanner is enough
// and keeps a parser dependency out of the build.
//
// Thread safety: pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace conflux {

// The raw inner text of every <tag>...</tag> in `xml`, in document order (not unescaped: blocks
// may contain elements).
std::vector<std::string_view> xml_blocks(std::string_view xml, std::string_view tag);

// The unescaped text of the first <tag>...</tag>; nullopt if there is none.
std::optional<std::string> xml_value(std::string_view xml, std::string_view tag);

// &amp; &lt; &gt; &quot; &apos; and numeric character references.
std::string xml_unescape(std::string_view text);

// `text` with & < > " escaped, for request bodies.
std::string xml_escape(std::string_view text);

}  // namespace conflux
