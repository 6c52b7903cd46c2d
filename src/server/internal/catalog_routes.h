// /v1/products (the product catalog and its category tree) and /v1/answers (the
// approved answers every channel gives): thin handlers over ProductCatalog and the
// content library's answer book.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "content/content.h"
#include "server/internal/request_util.h"
#include "server/internal/router.h"

namespace unisono::http {

// The response when the request is one of these routes (and its metrics name in
// `route`), nothing otherwise. Answers without a content library: 503.
std::optional<Response> CatalogRoute(const Request& req, const Target& t,
                                     const std::vector<std::string>& parts,
                                     const ProductCatalog& products, ContentLibrary* content,
                                     std::string& route);

}  // namespace unisono::http
