#include "card/card_html.hpp"

#include <cctype>
#include <cstdio>

#include "base/base64.hpp"
#include "base/markup_escape.hpp"
#include "datastore/random_bits.hpp"

extern "C" {
extern const char conflux_card_js_begin[], conflux_card_js_end[];
extern const char conflux_card_css_begin[], conflux_card_css_end[];
extern const char conflux_card_vega_js_begin[], conflux_card_vega_js_end[];
}

namespace conflux {

namespace {

// Script text inside <script>: "</script" (any case) would end the element early; "<\/script"
// means the same inside the strings and regular expressions where it can occur.
std::string script_safe(std::string_view js) {
  std::string out;
  out.reserve(js.size());
  for (size_t i = 0; i < js.size(); ++i) {
    if (js[i] == '<' && i + 7 < js.size() && js[i + 1] == '/') {
      std::string word(js.substr(i + 2, 6));
      for (char& c : word) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (word == "script") {
        out += "<\\/";
        ++i;
        continue;
      }
    }
    out += js[i];
  }
  return out;
}

bool has_chart(const cards::Json& j) {
  if (j.is_object()) {
    if (j.contains("type") && j["type"] == "vegaChart") return true;
    for (const auto& [key, value] : j.items()) {
      if (has_chart(value)) return true;
    }
  } else if (j.is_array()) {
    for (const auto& v : j) {
      if (has_chart(v)) return true;
    }
  }
  return false;
}

std::string uuid_text() {
  char buf[40];
  uint64_t a = random_u64(), b = random_u64();
  std::snprintf(buf, sizeof buf, "%08x-%04x-4%03x-%04x-%012llx", static_cast<unsigned>(a >> 32),
                static_cast<unsigned>((a >> 16) & 0xFFFF), static_cast<unsigned>(a & 0xFFF),
                static_cast<unsigned>(0x8000 | ((b >> 48) & 0x3FFF)),
                static_cast<unsigned long long>(b & 0xFFFFFFFFFFFFULL));
  return buf;
}

}  // namespace

std::string_view card_renderer_js() { return {conflux_card_js_begin, conflux_card_js_end}; }
std::string_view card_renderer_css() { return {conflux_card_css_begin, conflux_card_css_end}; }
std::string_view card_vega_js() { return {conflux_card_vega_js_begin, conflux_card_vega_js_end}; }

std::string card_html(const cards::Json& document, std::string_view title, std::string_view reload_token) {
  const std::string data_id = uuid_text();
  // Non-ASCII text stays UTF-8 inside the base64 (the renderer decodes it as such).
  const std::string payload = base64_encode(document.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  std::string html;
  html.reserve(payload.size() + card_renderer_js().size() + 8192);
  html += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
          "<meta name=\"generator\" content=\"Conflux\">\n<title>";
  html += escape_markup(title);
  html += "</title>\n<style>";
  html += card_renderer_css();
  html += "</style>\n</head>\n<body>\n<div class=\"card_app\"></div>\n<script>\n";
  html += "var METAFLOW_RELOAD_TOKEN = \"" + escape_markup(reload_token) + "\";\n";
  html += "var mfCardDataId = \"" + data_id + "\";\n";
  html += "if (!window.__MF_DATA__) { window.__MF_DATA__ = {}; }\n";
  html += "window.__MF_DATA__[\"" + data_id + "\"] = \"" + payload + "\";\n</script>\n";
  if (has_chart(document)) {
    html += "<script>";
    html += script_safe(card_vega_js());
    html += "</script>\n";
  }
  html += "<script>";
  html += script_safe(card_renderer_js());
  html += "</script>\n";
  if (reload_token == "final") html += "<script>window.metaflow_card_update = undefined;</script>\n";
  html += "</body>\n</html>\n";
  return html;
}

}  // namespace conflux
