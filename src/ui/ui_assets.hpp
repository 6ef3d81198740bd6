// The web UI's files (src/ui/web, bundled by esbuild at build time and embedded): what
// `conflux service` and `conflux ui` answer under /ui. The app routes in the browser, so every
// /ui path that is not an asset gets index.html.
//
// Thread safety: immutable data.
#pragma once

#include <optional>
#include <string_view>

namespace conflux::ui {

struct UiAsset {
  std::string_view body;
  std::string_view content_type;
  bool immutable = false;  // an asset (cacheable), not the page
};

// The file for `path` ("/ui", "/ui/", "/ui/runs/F/1", "/ui/assets/app.js"); nullopt for an
// unknown /ui/assets/ file or a path outside /ui.
std::optional<UiAsset> ui_asset(std::string_view path);

}  // namespace conflux::ui
