// /v1/products and /v1/answers over real HTTP: the catalog and its category tree, the
// catalog a server is given, product aliases read as ids on ingest, and answers from
// draft to approved search results, with the errors that say what to change.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "content/content.h"
#include "server/server.h"
#include "support/api_world.h"

namespace unisono {
namespace {

namespace json = boost::json;
using testing::HttpClient;
using testing::TempDir;

class CatalogApiTest : public testing::ApiWorld {
 protected:
  CatalogApiTest() : ApiWorld(*ParseTimestamp("2026-04-01T08:00:00Z")) {}
  void SetUp() override {
    OpenStore();
    OpenProfiles();
  }
  // A server with or without a content library, and with the given product catalog
  // (none: the built-in one).
  void Start(bool with_content, const ProductCatalog* products = nullptr) {
    if (with_content) content_ = ContentLibrary::Create(*store_, clock_, {}).value();
    ServerDeps deps = Deps();
    deps.content = content_.get();
    deps.products = products;
    StartServer(deps);
  }
  static std::vector<std::string> Ids(const testing::HttpResponse& r) {
    std::vector<std::string> ids;
    json::object body = Body(r);
    for (const auto& item : body.at("items").as_array()) {
      ids.emplace_back(item.as_object().at("id").as_string());
    }
    return ids;
  }

  std::unique_ptr<ContentLibrary> content_;
};

TEST_F(CatalogApiTest, ListsProductsWithTheirPlaceInTheTree) {
  Start(false);
  auto r = Send("GET", "/v1/products");
  ASSERT_EQ(r.status, 200) << r.body;
  auto body = Body(r);
  const json::object* cardiozen = nullptr;
  for (const auto& item : body.at("items").as_array()) {
    if (item.as_object().at("id") == "cardiozen") cardiozen = &item.as_object();
  }
  ASSERT_NE(cardiozen, nullptr) << r.body;
  EXPECT_EQ(cardiozen->at("name"), "Cardiozen");
  EXPECT_EQ(cardiozen->at("category"), "hypertension");
  EXPECT_EQ(cardiozen->at("category_path"),
            (json::array{"medicines", "cardiovascular", "hypertension"}));
  EXPECT_EQ(cardiozen->at("price_minor").as_int64(), 4590);
  EXPECT_EQ(cardiozen->at("currency"), "EUR");
  EXPECT_EQ(cardiozen->at("sku"), "CZN-10-28");
  bool services_is_a_root = false, samples_under_services = false;
  for (const auto& c : body.at("categories").as_array()) {
    const auto& o = c.as_object();
    if (o.at("id") == "services") services_is_a_root = o.at("parent").is_null();
    if (o.at("id") == "samples") samples_under_services = o.at("parent") == "services";
  }
  EXPECT_TRUE(services_is_a_root);
  EXPECT_TRUE(samples_under_services);
}

TEST_F(CatalogApiTest, FiltersProductsByCategoryAndAnythingBelowIt) {
  Start(false);
  auto medicines = Send("GET", "/v1/products?category=medicines");
  ASSERT_EQ(medicines.status, 200) << medicines.body;
  EXPECT_EQ(Ids(medicines), (std::vector<std::string>{"cardiozen", "glucobal", "respiro"}));
  EXPECT_EQ(Ids(Send("GET", "/v1/products?category=metabolic")),
            std::vector<std::string>{"glucobal"});
  EXPECT_EQ(Ids(Send("GET", "/v1/products?category=samples")),
            (std::vector<std::string>{"cardiozen_starter_pack", "respiro_spacer"}));

  auto unknown = Send("GET", "/v1/products?category=cardiology");
  ASSERT_EQ(unknown.status, 400) << unknown.body;
  EXPECT_EQ(Error(unknown).at("code"), "invalid_argument");
  EXPECT_EQ(Error(unknown).at("field"), "category");
  EXPECT_NE(std::string(Error(unknown).at("message").as_string()).find("'cardiology'"),
            std::string::npos);
}

TEST_F(CatalogApiTest, FindsOneProductByIdOrAlias) {
  Start(false);
  auto r = Send("GET", "/v1/products/glucobal");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Body(r).at("price_minor").as_int64(), 6250);
  auto alias = Send("GET", "/v1/products/CZN");
  ASSERT_EQ(alias.status, 200) << alias.body;
  EXPECT_EQ(Body(alias).at("id"), "cardiozen");
  auto missing = Send("GET", "/v1/products/aspirin");
  ASSERT_EQ(missing.status, 404) << missing.body;
  EXPECT_EQ(Error(missing).at("code"), "not_found");
}

TEST_F(CatalogApiTest, ServesTheCatalogItIsGivenAndReadsAliasesOnIngest) {
  auto products = ProductCatalog::FromToml(R"(
[[category]]
id = "vaccines"
[[product]]
id = "flushield"
name = "FluShield"
category = "vaccines"
price_minor = 1500
aliases = ["flu shield", "FS-1"]
)",
                                           "custom.toml");
  ASSERT_TRUE(products.ok()) << products.status().message();
  Start(false, &*products);
  EXPECT_EQ(Ids(Send("GET", "/v1/products")), std::vector<std::string>{"flushield"});
  EXPECT_EQ(Send("GET", "/v1/products/cardiozen").status, 404);

  auto sent = client_->Post("/v1/batch", R"({"batch": [
      {"type": "track", "userId": "d1", "event": "Sample Requested",
       "properties": {"product": "Flu Shield"}},
      {"type": "track", "userId": "d1", "event": "Sample Requested",
       "properties": {"product": "Mystery Pill"}}]})");
  ASSERT_EQ(sent.status, 200) << sent.body;
  auto profile = Send("GET", "/v1/profiles?user_id=d1");
  ASSERT_EQ(profile.status, 200) << profile.body;
  std::vector<std::string> products_seen;
  json::object body = Body(profile);
  for (const auto& e : body.at("timeline").as_object().at("items").as_array()) {
    products_seen.emplace_back(e.as_object().at("product").as_string());
  }
  std::sort(products_seen.begin(), products_seen.end());
  EXPECT_EQ(products_seen, (std::vector<std::string>{"Mystery Pill", "flushield"}));
}

TEST_F(CatalogApiTest, AnAnswerIsSearchableOnceApproved) {
  Start(true);
  auto created = Send("POST", "/v1/answers",
                      R"({"question": "¿Cuál es la dosis de Cardiozen?",
                          "answer": "Un comprimido de 10 mg al día.",
                          "tags": ["dosing"], "product": "cardiozen"})",
                      "ana");
  ASSERT_EQ(created.status, 201) << created.body;
  auto answer = Body(created);
  EXPECT_EQ(answer.at("id"), "cual-es-la-dosis-de-cardiozen");
  EXPECT_EQ(answer.at("state"), "draft");
  EXPECT_EQ(answer.at("updated_by"), "ana");
  EXPECT_TRUE(answer.at("approved_at").is_null());

  auto none = Send("GET", "/v1/answers?q=dosis");
  ASSERT_EQ(none.status, 200) << none.body;
  EXPECT_TRUE(Body(none).at("items").as_array().empty());

  clock_.Advance(std::chrono::minutes(30));
  auto approved =
      Send("POST", "/v1/answers/cual-es-la-dosis-de-cardiozen/approve", R"({"by": "dr-vega"})");
  ASSERT_EQ(approved.status, 200) << approved.body;
  EXPECT_EQ(Body(approved).at("approved_by"), "dr-vega");
  EXPECT_EQ(Body(approved).at("approved_at"), "2026-04-01T08:30:00.000Z");

  auto found = Send("GET", "/v1/answers?q=DOSIS%20cardiozen&limit=5");
  ASSERT_EQ(found.status, 200) << found.body;
  auto items = Body(found).at("items").as_array();
  ASSERT_EQ(items.size(), 1u);
  const auto& hit = items[0].as_object();
  EXPECT_EQ(hit.at("answer"), "Un comprimido de 10 mg al día.");
  EXPECT_EQ(hit.at("product"), "cardiozen");
  EXPECT_EQ(hit.at("tags"), json::array{"dosing"});
  EXPECT_EQ(hit.at("approved_by"), "dr-vega");
  EXPECT_GT(hit.at("score").to_number<double>(), 0);

  // An edit by header waits behind the approved text.
  auto edited = Send("POST", "/v1/answers",
                     R"({"id": "cual-es-la-dosis-de-cardiozen",
                         "question": "¿Cuál es la dosis de Cardiozen?",
                         "answer": "Dos comprimidos de 5 mg al día.", "product": "cardiozen"})",
                     "luis");
  ASSERT_EQ(edited.status, 200) << edited.body;
  EXPECT_EQ(Body(edited).at("state"), "draft");
  EXPECT_EQ(Body(edited).at("approved_answer"), "Un comprimido de 10 mg al día.");
  auto listed = Send("GET", "/v1/answers");
  ASSERT_EQ(listed.status, 200) << listed.body;
  auto all = Body(listed).at("items").as_array();
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].as_object().at("answer"), "Dos comprimidos de 5 mg al día.");
  EXPECT_EQ(all[0].as_object().at("state"), "draft");
  auto still = Body(Send("GET", "/v1/answers?q=dosis")).at("items").as_array();
  ASSERT_EQ(still.size(), 1u);
  EXPECT_EQ(still[0].as_object().at("answer"), "Un comprimido de 10 mg al día.");

  auto one = Send("GET", "/v1/answers/cual-es-la-dosis-de-cardiozen");
  ASSERT_EQ(one.status, 200) << one.body;
  EXPECT_EQ(Body(one).at("updated_by"), "luis");
  auto approved_by_header =
      Send("POST", "/v1/answers/cual-es-la-dosis-de-cardiozen/approve", "", "dr-vega");
  ASSERT_EQ(approved_by_header.status, 200) << approved_by_header.body;
  auto now = Body(Send("GET", "/v1/answers?q=dosis")).at("items").as_array();
  ASSERT_EQ(now.size(), 1u);
  EXPECT_EQ(now[0].as_object().at("answer"), "Dos comprimidos de 5 mg al día.");
}

TEST_F(CatalogApiTest, BadAnswerRequestsSayWhatToChangeAndStoreNothing) {
  Start(true);
  auto bad_tag = Send("POST", "/v1/answers",
                      R"({"question": "q?", "answer": "a", "tags": ["dosing", 3]})", "ana");
  ASSERT_EQ(bad_tag.status, 400) << bad_tag.body;
  EXPECT_EQ(Error(bad_tag).at("field"), "/tags/1");
  auto unknown_field = Send("POST", "/v1/answers", R"({"question": "q?", "answer": "a",
      "channel": "sms"})");
  ASSERT_EQ(unknown_field.status, 400) << unknown_field.body;
  EXPECT_EQ(Error(unknown_field).at("field"), "/channel");
  auto bad_product =
      Send("POST", "/v1/answers", R"({"question": "q?", "answer": "a", "product": "aspirin"})");
  ASSERT_EQ(bad_product.status, 400) << bad_product.body;
  EXPECT_EQ(Error(bad_product).at("field"), "/product");
  auto not_json = Send("POST", "/v1/answers", "question=q");
  ASSERT_EQ(not_json.status, 400) << not_json.body;
  EXPECT_EQ(Error(not_json).at("field"), "/");
  auto bad_by = Send("POST", "/v1/answers", R"({"question": "q?", "answer": "a", "by": 7})");
  ASSERT_EQ(bad_by.status, 400) << bad_by.body;
  EXPECT_EQ(Error(bad_by).at("field"), "/by");
  EXPECT_TRUE(Body(Send("GET", "/v1/answers")).at("items").as_array().empty());

  ASSERT_EQ(
      Send("POST", "/v1/answers", R"({"id": "q1", "question": "q?", "answer": "a"})", "ana").status,
      201);
  auto nobody = Send("POST", "/v1/answers/q1/approve");
  ASSERT_EQ(nobody.status, 400) << nobody.body;
  EXPECT_EQ(Error(nobody).at("field"), "by");
  auto bad_body = Send("POST", "/v1/answers/q1/approve", "[1]", "dr-vega");
  EXPECT_EQ(bad_body.status, 400) << bad_body.body;
  EXPECT_EQ(Send("POST", "/v1/answers/nope/approve", "", "dr-vega").status, 404);
  EXPECT_EQ(Send("GET", "/v1/answers/nope").status, 404);
  ASSERT_EQ(Send("POST", "/v1/answers/q1/approve", "", "dr-vega").status, 200);
  auto twice = Send("POST", "/v1/answers/q1/approve", "", "dr-vega");
  ASSERT_EQ(twice.status, 409) << twice.body;
  EXPECT_EQ(Error(twice).at("code"), "failed_precondition");

  auto empty_q = Send("GET", "/v1/answers?q=%20");
  ASSERT_EQ(empty_q.status, 400) << empty_q.body;
  EXPECT_EQ(Error(empty_q).at("field"), "q");
  for (const char* limit : {"0", "101", "ten"}) {
    auto r = Send("GET", std::string("/v1/answers?q=a&limit=") + limit);
    ASSERT_EQ(r.status, 400) << limit << " " << r.body;
    EXPECT_EQ(Error(r).at("field"), "limit");
  }
  // The server keeps working, with exactly what was accepted.
  EXPECT_EQ(Send("GET", "/healthz").status, 200);
  EXPECT_EQ(Ids(Send("GET", "/v1/answers")), std::vector<std::string>{"q1"});
}

TEST_F(CatalogApiTest, AnswersNeedAContentLibraryButProductsDoNot) {
  Start(false);
  auto list = Send("GET", "/v1/answers?q=dosis");
  ASSERT_EQ(list.status, 503) << list.body;
  EXPECT_EQ(Error(list).at("code"), "unavailable");
  EXPECT_EQ(Send("POST", "/v1/answers", R"({"question": "q", "answer": "a"})").status, 503);
  EXPECT_EQ(Send("POST", "/v1/answers/q1/approve", "", "dr-vega").status, 503);
  EXPECT_EQ(Send("GET", "/v1/products").status, 200);
}

}  // namespace
}  // namespace unisono
