#include "ui/ui_assets.hpp"

extern "C" {
extern const char conflux_ui_index_html_begin[], conflux_ui_index_html_end[];
extern const char conflux_ui_app_js_begin[], conflux_ui_app_js_end[];
extern const char conflux_ui_app_css_begin[], conflux_ui_app_css_end[];
}

namespace conflux::ui {

namespace {

std::string_view span(const char* begin, const char* end) {
  return std::string_view(begin, static_cast<size_t>(end - begin));
}

}  // namespace

std::optional<UiAsset> ui_asset(std::string_view path) {
  if (path == "/ui/assets/app.js") {
    return UiAsset{span(conflux_ui_app_js_begin, conflux_ui_app_js_end), "text/javascript; charset=utf-8", true};
  }
  if (path == "/ui/assets/app.css") {
    return UiAsset{span(conflux_ui_app_css_begin, conflux_ui_app_css_end), "text/css; charset=utf-8", true};
  }
  if (path.starts_with("/ui/assets/")) return std::nullopt;
  if (path != "/ui" && !path.starts_with("/ui/")) return std::nullopt;
  return UiAsset{span(conflux_ui_index_html_begin, conflux_ui_index_html_end), "text/html; charset=utf-8", false};
}

}  // namespace conflux::ui
