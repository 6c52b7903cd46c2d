// The answer book over a real SQLite store: drafts, approval, the approved text served
// while an edit waits, search ranking computed by hand, and bad definitions refused whole.
#include "content/internal/answers.h"

#include <gtest/gtest.h>

#include <cmath>

#include "support/test_support.h"

namespace unisono {
namespace {

using content::AnswerBook;

class AnswerBookTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = OpenSqliteStore(dir_.path()).value();
    book_ = std::make_unique<AnswerBook>(*store_, clock_, products_);
    ASSERT_TRUE(book_->Load().ok());
  }
  AnswerInfo Put(const std::string& json, const std::string& by = "ana") {
    auto a = book_->Put(json, by);
    EXPECT_TRUE(a.ok()) << a.status().message();
    return a.ok() ? *a : AnswerInfo{};
  }
  void Approve(const std::string& id, const std::string& by = "dr-medical") {
    auto a = book_->Approve(id, by);
    ASSERT_TRUE(a.ok()) << a.status().message();
  }
  // Three approved answers the ranking tests compute scores over.
  void ThreeApproved() {
    Put(R"({"id": "cardiozen-dose", "question": "What is the dose of Cardiozen?",
            "answer": "One 10 mg tablet a day.", "tags": ["dosing"], "product": "cardiozen"})");
    Put(R"({"id": "glucobal-dose", "question": "¿Cuál es la dosis de Glucobal?",
            "answer": "500 mg dos veces al día, con las comidas.", "tags": ["Dosing"],
            "product": "Glucobal"})");
    Put(R"({"id": "storage", "question": "How should tablets be stored?",
            "answer": "Below 25 degrees, away from light; the dose is not affected.",
            "tags": ["storage"]})");
    for (const char* id : {"cardiozen-dose", "glucobal-dose", "storage"}) Approve(id);
  }
  std::vector<std::string> Ids(const std::vector<AnswerInfo>& answers) {
    std::vector<std::string> ids;
    for (const auto& a : answers) ids.push_back(a.id);
    return ids;
  }
  Status PutError(const std::string& json) {
    auto a = book_->Put(json, "ana");
    EXPECT_FALSE(a.ok()) << json;
    return a.ok() ? Status::Ok() : a.status();
  }

  testing::TempDir dir_;
  ManualClock clock_{*ParseTimestamp("2026-03-02T09:00:00Z")};
  ProductCatalog products_ = ProductCatalog::Builtin();
  std::unique_ptr<Store> store_;
  std::unique_ptr<AnswerBook> book_;
};

TEST_F(AnswerBookTest, APutAnswerIsADraftUntilApproved) {
  AnswerInfo a = Put(R"({"question": "What is the dose of Cardiozen?",
                         "answer": "One tablet a day.", "tags": [" Dosing "],
                         "product": "CZN"})");
  EXPECT_EQ(a.id, "what-is-the-dose-of-cardiozen");  // from the question
  EXPECT_EQ(a.state, "draft");
  EXPECT_EQ(a.product, "cardiozen");  // the alias read as the catalog id
  EXPECT_EQ(a.tags, std::vector<std::string>{"dosing"});
  EXPECT_EQ(a.updated_by, "ana");
  EXPECT_EQ(a.updated_at, clock_.Now());
  EXPECT_FALSE(a.approved_at.has_value());
  EXPECT_TRUE(book_->Search("dose cardiozen", 10).empty());

  clock_.Advance(std::chrono::hours(2));
  auto approved = book_->Approve(a.id, "dr-medical");
  ASSERT_TRUE(approved.ok()) << approved.status().message();
  EXPECT_EQ(approved->state, "approved");
  EXPECT_EQ(approved->approved_by, "dr-medical");
  EXPECT_EQ(approved->approved_at, clock_.Now());
  auto found = book_->Search("dose", 10);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].answer, "One tablet a day.");
  EXPECT_EQ(found[0].approved_by, "dr-medical");
}

TEST_F(AnswerBookTest, SpanishQuestionsGetAnIdWithoutAccents) {
  EXPECT_EQ(Put(R"({"question": "¿Cuál es la DOSIS máxima?", "answer": "Dos."})").id,
            "cual-es-la-dosis-maxima");
}

TEST_F(AnswerBookTest, SearchRanksByWeightedTermsAndRarity) {
  ThreeApproved();
  // N = 3 approved answers. "dose" is in cardiozen-dose's question (weight 3) and in
  // storage's answer (weight 1): in 2 answers, idf = ln(1 + 1.5/2.5). "cardiozen" is in
  // cardiozen-dose's question (3) and its product's name (2): in 1, idf = ln(1 + 2.5/1.5).
  // One occurrence counts tf/(tf+1) = 1/2 of its weight.
  const double idf_dose = std::log(1 + 1.5 / 2.5);
  const double idf_cardiozen = std::log(1 + 2.5 / 1.5);
  auto found = book_->Search("the dose of Cardiozen", 10);
  ASSERT_EQ(Ids(found), (std::vector<std::string>{"cardiozen-dose", "storage"}));
  EXPECT_NEAR(found[0].score, idf_dose * 1.5 + idf_cardiozen * (1.5 + 1.0), 1e-9);
  EXPECT_NEAR(found[1].score, idf_dose * 0.5, 1e-9);
  EXPECT_EQ(found[0].answer, "One 10 mg tablet a day.");
  EXPECT_EQ(found[0].product, "cardiozen");
  EXPECT_EQ(found[0].state, "approved");

  // A tag (2) outranks the same word in an answer (1): "storage" is storage's tag only.
  auto storage = book_->Search("storage light", 10);
  ASSERT_EQ(Ids(storage), std::vector<std::string>{"storage"});

  // Equal scores are ordered by id.
  EXPECT_EQ(Ids(book_->Search("dosing", 10)),
            (std::vector<std::string>{"cardiozen-dose", "glucobal-dose"}));
  EXPECT_EQ(Ids(book_->Search("dosing", 1)), std::vector<std::string>{"cardiozen-dose"});
  EXPECT_TRUE(book_->Search("aspirin", 10).empty());
  EXPECT_TRUE(book_->Search("the of a", 10).empty());  // only stop words
  EXPECT_TRUE(book_->Search("", 10).empty());
}

TEST_F(AnswerBookTest, SearchIgnoresCaseAndSpanishAccents) {
  ThreeApproved();
  EXPECT_EQ(Ids(book_->Search("dosis", 10)), std::vector<std::string>{"glucobal-dose"});
  EXPECT_EQ(Ids(book_->Search("CUÁL", 10)), std::vector<std::string>{"glucobal-dose"});
  EXPECT_EQ(Ids(book_->Search("cual", 10)), std::vector<std::string>{"glucobal-dose"});
  EXPECT_EQ(Ids(book_->Search("¿Día?", 10)), std::vector<std::string>{"glucobal-dose"});
  EXPECT_EQ(Ids(book_->Search("GLUCOBAL", 10)), std::vector<std::string>{"glucobal-dose"});
}

TEST_F(AnswerBookTest, AnEditIsServedOnlyOnceApproved) {
  ThreeApproved();
  clock_.Advance(std::chrono::hours(1));
  AnswerInfo draft = Put(R"({"id": "cardiozen-dose", "question": "What is the dose of Cardiozen?",
      "answer": "Two 5 mg tablets a day.", "tags": ["dosing"], "product": "cardiozen"})",
                         "luis");
  EXPECT_EQ(draft.state, "draft");
  EXPECT_EQ(draft.answer, "Two 5 mg tablets a day.");
  EXPECT_EQ(draft.approved_answer, "One 10 mg tablet a day.");
  EXPECT_EQ(draft.approved_by, "dr-medical");
  EXPECT_EQ(draft.updated_by, "luis");

  auto served = book_->Search("cardiozen", 10);
  ASSERT_EQ(served.size(), 1u);
  EXPECT_EQ(served[0].answer, "One 10 mg tablet a day.");
  auto listed = book_->List();
  ASSERT_EQ(Ids(listed), (std::vector<std::string>{"cardiozen-dose", "glucobal-dose", "storage"}));
  EXPECT_EQ(listed[0].state, "draft");
  EXPECT_EQ(listed[0].answer, "Two 5 mg tablets a day.");

  Approve("cardiozen-dose", "dr-other");
  served = book_->Search("cardiozen", 10);
  ASSERT_EQ(served.size(), 1u);
  EXPECT_EQ(served[0].answer, "Two 5 mg tablets a day.");
  EXPECT_EQ(served[0].approved_by, "dr-other");
  EXPECT_EQ(book_->List()[0].approved_answer, "");
}

TEST_F(AnswerBookTest, PuttingTheSameTextAgainChangesNothing) {
  ThreeApproved();
  clock_.Advance(std::chrono::hours(1));
  AnswerInfo again = Put(R"({"id": "storage", "question": "How should tablets be stored?",
      "answer": "Below 25 degrees, away from light; the dose is not affected.",
      "tags": ["STORAGE"]})",
                         "someone-else");
  EXPECT_EQ(again.state, "approved");
  EXPECT_EQ(again.updated_by, "ana");
  auto twice = book_->Approve("storage", "dr-medical");
  ASSERT_FALSE(twice.ok());
  EXPECT_EQ(twice.status().code(), StatusCode::kFailedPrecondition);
}

TEST_F(AnswerBookTest, ANewBookOverTheSameStoreKeepsEverything) {
  ThreeApproved();
  Put(R"({"id": "cardiozen-dose", "question": "What is the dose of Cardiozen?",
          "answer": "Two 5 mg tablets a day.", "product": "cardiozen"})");
  Put(R"({"question": "Is Respiro safe in pregnancy?", "answer": "Ask your doctor."})");
  auto before_list = book_->List();
  auto before_search = book_->Search("dose cardiozen", 10);

  book_.reset();
  store_.reset();
  store_ = OpenSqliteStore(dir_.path()).value();
  AnswerBook reopened(*store_, clock_, products_);
  ASSERT_TRUE(reopened.Load().ok());
  auto list = reopened.List();
  ASSERT_EQ(list.size(), before_list.size());
  for (size_t i = 0; i < list.size(); ++i) {
    EXPECT_EQ(list[i].id, before_list[i].id);
    EXPECT_EQ(list[i].answer, before_list[i].answer);
    EXPECT_EQ(list[i].state, before_list[i].state);
    EXPECT_EQ(list[i].tags, before_list[i].tags);
    EXPECT_EQ(list[i].approved_by, before_list[i].approved_by);
    EXPECT_EQ(list[i].approved_at, before_list[i].approved_at);
    EXPECT_EQ(list[i].approved_answer, before_list[i].approved_answer);
    EXPECT_EQ(list[i].updated_at, before_list[i].updated_at);
  }
  auto search = reopened.Search("dose cardiozen", 10);
  ASSERT_EQ(Ids(search), Ids(before_search));
  EXPECT_EQ(search[0].answer, "One 10 mg tablet a day.");  // the draft still waits
  EXPECT_DOUBLE_EQ(search[0].score, before_search[0].score);
}

TEST_F(AnswerBookTest, BadDefinitionsNameTheFieldAndStoreNothing) {
  struct Case {
    const char* json;
    const char* field;
    const char* message;
  };
  const Case cases[] = {
      {"not json", "/", "expected a JSON object"},
      {R"(["q", "a"])", "/", "expected a JSON object"},
      {R"({"questoin": "q", "answer": "a"})", "/questoin", "unknown field 'questoin'"},
      {R"({"answer": "a"})", "/question", "required"},
      {R"({"question": "  ", "answer": "a"})", "/question", "required"},
      {R"({"question": "q", "answer": 3})", "/answer", "expected a string"},
      {R"({"question": "q"})", "/answer", "required"},
      {R"({"question": "q", "answer": "a", "tags": "dosing"})", "/tags", "expected a list"},
      {R"({"question": "q", "answer": "a", "tags": ["dosing", 7]})", "/tags/1",
       "expected a string"},
      {R"({"question": "q", "answer": "a", "tags": ["dosing", " "]})", "/tags/1",
       "must not be empty"},
      {R"({"question": "q", "answer": "a", "product": "aspirin"})", "/product",
       "'aspirin' is not in the product catalog"},
      {R"({"question": "q", "answer": "a", "product": "medicines"})", "/product",
       "not in the product catalog"},
      {R"({"id": "Bad Id", "question": "q", "answer": "a"})", "/id", "must be lower-case"},
      {R"({"question": "¿?", "answer": "a"})", "/id", "give an id"},
  };
  for (const Case& c : cases) {
    Status s = PutError(c.json);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << c.json;
    EXPECT_EQ(s.field(), c.field) << c.json;
    EXPECT_NE(s.message().find(c.message), std::string::npos) << c.json << " -> " << s.message();
    EXPECT_EQ(s.message().rfind(std::string(c.field) + ": ", 0), 0u) << s.message();
  }
  std::string long_answer(20001, 'x');
  Status too_long = PutError(R"({"question": "q", "answer": ")" + long_answer + "\"}");
  EXPECT_EQ(too_long.field(), "/answer");
  EXPECT_TRUE(book_->List().empty());
  EXPECT_TRUE(store_->ListDefinitions("answer")->empty());
}

TEST_F(AnswerBookTest, ApprovalNeedsAKnownAnswerAndSomeoneToApproveIt) {
  Put(R"({"id": "q1", "question": "q", "answer": "a"})");
  auto unknown = book_->Approve("nope", "dr-medical");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.status().code(), StatusCode::kNotFound);
  auto nobody = book_->Approve("q1", "  ");
  ASSERT_FALSE(nobody.ok());
  EXPECT_EQ(nobody.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(nobody.status().field(), "by");
  EXPECT_EQ(book_->List()[0].state, "draft");
  EXPECT_TRUE(book_->Search("a q", 10).empty());
}

}  // namespace
}  // namespace unisono
