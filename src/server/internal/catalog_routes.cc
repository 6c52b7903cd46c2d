#include "server/internal/catalog_routes.h"

#include <algorithm>
#include <cmath>

#include "server/internal/render.h"

namespace unisono::http {
namespace {

namespace json = boost::json;

constexpr int64_t kDefaultAnswers = 10;
constexpr int64_t kMaxAnswers = 100;

json::value OrNull(const std::string& s) {
  return s.empty() ? json::value(nullptr) : json::value(s);
}

json::array Strings(const std::vector<std::string>& list) {
  json::array out;
  for (const auto& s : list) out.emplace_back(s);
  return out;
}

json::object ProductObject(const ProductCatalog& catalog, const Product& p) {
  return {{"id", p.id},
          {"name", p.name},
          {"category", p.category},
          {"category_path", Strings(catalog.CategoryPath(p.category))},
          {"sku", p.sku},
          {"price_minor", p.price_minor},
          {"currency", p.currency},
          {"aliases", Strings(p.aliases)}};
}

Response Products(const ProductCatalog& catalog, const Target& t) {
  std::string category = Trim(t.Get("category"));
  if (!category.empty() && !catalog.FindCategory(category)) {
    return JsonError(Status::InvalidArgument("category '" + category +
                                             "' is not in the catalog; the response's "
                                             "\"categories\" list the ids")
                         .WithField("category"));
  }
  json::array items, categories;
  for (const Product& p : catalog.products()) {
    if (category.empty() || catalog.InCategory(p.id, category)) {
      items.push_back(ProductObject(catalog, p));
    }
  }
  for (const ProductCategory& c : catalog.categories()) {
    categories.push_back(
        json::object{{"id", c.id}, {"name", c.name}, {"parent", OrNull(c.parent)}});
  }
  return Json(json::object{{"items", std::move(items)}, {"categories", std::move(categories)}});
}

Response ProductById(const ProductCatalog& catalog, const std::string& id) {
  const Product* p = catalog.Find(id);
  if (!p) {
    return JsonError(
        Status::NotFound("no product '" + id + "' in the catalog; GET /v1/products lists them"));
  }
  return Json(ProductObject(catalog, *p));
}

json::object AnswerObject(const AnswerInfo& a) {
  json::object o{{"id", a.id},
                 {"question", a.question},
                 {"answer", a.answer},
                 {"tags", Strings(a.tags)},
                 {"product", OrNull(a.product)},
                 {"state", a.state},
                 {"approved_by", OrNull(a.approved_by)},
                 {"approved_at", a.approved_at ? json::value(FormatTimestamp(*a.approved_at))
                                               : json::value(nullptr)},
                 {"updated_by", OrNull(a.updated_by)},
                 {"updated_at", FormatTimestamp(a.updated_at)}};
  if (!a.approved_answer.empty()) o["approved_answer"] = a.approved_answer;
  return o;
}

// ?q=words&limit=N: approved answers, best first; without q: every answer in any state.
Response Answers(const ContentLibrary& content, const Target& t) {
  if (!t.query.count("q")) {
    json::array items;
    for (const auto& a : content.ListAnswers()) items.push_back(AnswerObject(a));
    return Json(json::object{{"items", std::move(items)}});
  }
  std::string q = Trim(t.Get("q"));
  if (q.empty()) {
    return JsonError(
        Status::InvalidArgument("q is empty; give the words to look for, or leave q out to list "
                                "every answer")
            .WithField("q"));
  }
  int64_t limit = kDefaultAnswers;
  if (Status s = WholeParam(t, "limit", limit); !s.ok() || limit < 1 || limit > kMaxAnswers) {
    return JsonError(Status::InvalidArgument("limit must be a whole number from 1 to " +
                                             std::to_string(kMaxAnswers))
                         .WithField("limit"));
  }
  json::array items;
  for (const auto& a : content.SearchAnswers(q, static_cast<size_t>(limit))) {
    json::object o = AnswerObject(a);
    o["score"] = std::round(a.score * 1e4) / 1e4;
    items.push_back(std::move(o));
  }
  return Json(json::object{{"items", std::move(items)}});
}

Response AnswerById(const ContentLibrary& content, const std::string& id) {
  for (const auto& a : content.ListAnswers()) {
    if (a.id == id) return Json(AnswerObject(a));
  }
  return JsonError(Status::NotFound("no answer '" + id + "'; GET /v1/answers lists them"));
}

// Who acts: "by" in the body, else the X-Unisono-User header. `body` loses the "by".
Result<std::string> ActorOf(const Request& req, json::value& body) {
  json::object* o = body.if_object();
  const json::value* by = o ? o->if_contains("by") : nullptr;
  if (!by) return req.user;
  if (!by->is_string()) {
    return Status::InvalidArgument("/by: must be a string: who makes the change").WithField("/by");
  }
  std::string actor(by->as_string());
  o->erase("by");
  return actor;
}

Response PutAnswer(ContentLibrary& content, const Request& req) {
  boost::system::error_code ec;
  json::value body = json::parse(req.body, ec);
  auto by = ActorOf(req, body);
  if (!by.ok()) return JsonError(by.status());
  // A body that is not a JSON object goes on as it is: the answer book says what is wrong.
  std::string definition = ec ? req.body : json::serialize(body);
  auto before = content.ListAnswers();
  auto saved = content.PutAnswer(definition, *by);
  if (!saved.ok()) return JsonError(saved.status());
  bool existed = std::any_of(before.begin(), before.end(),
                             [&](const AnswerInfo& a) { return a.id == saved->id; });
  return Json(AnswerObject(*saved), existed ? 200 : 201);
}

Response ApproveAnswer(ContentLibrary& content, const std::string& id, const Request& req) {
  json::value body = json::object{};
  if (!Trim(req.body).empty()) {
    auto o = BodyObject(req, "{\"by\": \"maria.lopez\"}");
    if (!o.ok()) return JsonError(o.status());
    body = std::move(*o);
  }
  auto by = ActorOf(req, body);
  if (!by.ok()) return JsonError(by.status());
  auto approved = content.ApproveAnswer(id, *by);
  return approved.ok() ? Json(AnswerObject(*approved)) : JsonError(approved.status());
}

std::optional<Response> AnswerRoute(const Request& req, const Target& t,
                                    const std::vector<std::string>& parts, ContentLibrary& content,
                                    std::string& route) {
  const std::string& m = req.method;
  if (parts.size() == 2 && m == "GET") return Answers(content, t);
  if (parts.size() == 2 && m == "POST") return PutAnswer(content, req);
  if (parts.size() == 3 && m == "GET") {
    route = "/v1/answers/{id}";
    return AnswerById(content, parts[2]);
  }
  if (parts.size() == 4 && parts[3] == "approve" && m == "POST") {
    route = "/v1/answers/{id}/approve";
    return ApproveAnswer(content, parts[2], req);
  }
  return std::nullopt;
}

}  // namespace

std::optional<Response> CatalogRoute(const Request& req, const Target& t,
                                     const std::vector<std::string>& parts,
                                     const ProductCatalog& products, ContentLibrary* content,
                                     std::string& route) {
  if (parts.size() < 2 || parts[0] != "v1") return std::nullopt;
  if (parts[1] == "products" && req.method == "GET") {
    route = "/v1/products";
    if (parts.size() == 2) return Products(products, t);
    if (parts.size() == 3) {
      route = "/v1/products/{id}";
      return ProductById(products, parts[2]);
    }
    return std::nullopt;
  }
  if (parts[1] != "answers") return std::nullopt;
  route = "/v1/answers";
  if (!content) {
    return JsonError(
        Status::Unavailable("answers are not enabled: the server runs without a content library"));
  }
  return AnswerRoute(req, t, parts, *content, route);
}

}  // namespace unisono::http
