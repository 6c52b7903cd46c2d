// Answers: reading a definition (errors name their JSON pointer), keeping the latest text
// beside the approved one, and ranking approved answers by the words of a question.
#include "content/internal/answers.h"

#include <algorithm>
#include <boost/json.hpp>
#include <cmath>
#include <unordered_map>

namespace unisono::content {
namespace {

namespace json = boost::json;

constexpr const char* kKind = "answer";
constexpr size_t kMaxIdLength = 100;
constexpr size_t kMaxQuestionBytes = 1000;
constexpr size_t kMaxAnswerBytes = 20000;
constexpr size_t kMaxTags = 20;
constexpr size_t kMaxTagBytes = 60;
constexpr std::string_view kFields[] = {"id", "question", "answer", "tags", "product"};

// How much a query word found in each part of an answer counts.
constexpr double kQuestionWeight = 3;
constexpr double kTagWeight = 2;
constexpr double kAnswerWeight = 1;
constexpr double kProductWeight = 2;

// Short words that say nothing about what is asked (Spanish and English).
constexpr std::string_view kStopWords[] = {
    "a",   "al",  "an", "and", "are", "as",  "at", "be", "by",  "con", "de",  "del",
    "do",  "el",  "en", "es",  "for", "is",  "it", "la", "las", "le",  "les", "lo",
    "los", "me",  "mi", "my",  "o",   "of",  "on", "or", "por", "que", "se",  "su",
    "sus", "the", "to", "u",   "un",  "una", "y",  "ya", "we",  "you", "i",   "e"};

// The letter a Latin-1 supplement character (after the 0xC3 lead byte) reads as without
// its accent; 0 for a sign that separates words (× ÷), '\1' to keep it as it is.
char FoldLatin1(unsigned char second) {
  static constexpr char kUpper[] = "aaaaaa\1ceeeeiiii\1nooooo\0\1uuuuy\1\1";  // À..ß
  static constexpr char kLower[] = "aaaaaa\1ceeeeiiii\1nooooo\0\1uuuuy\1y";   // à..ÿ
  static_assert(sizeof kUpper == 33 && sizeof kLower == 33);
  if (second < 0x80 || second > 0xBF) return '\1';
  return second < 0xA0 ? kUpper[second - 0x80] : kLower[second - 0xA0];
}

// Lower-case words without accents: "¿Cuál es la DOSIS?" -> {"cual", "es", "la", "dosis"}.
// Letters beyond Latin-1 stay in their words as they are.
std::vector<std::string> Words(std::string_view text) {
  std::vector<std::string> words;
  std::string word;
  auto flush = [&] {
    if (!word.empty()) words.push_back(std::move(word));
    word.clear();
  };
  for (size_t i = 0; i < text.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      if (std::isalnum(c)) {
        word.push_back(static_cast<char>(std::tolower(c)));
      } else {
        flush();
      }
      continue;
    }
    size_t length = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
    length = std::min(length, text.size() - i);
    if (c == 0xC3 && length == 2) {
      char folded = FoldLatin1(static_cast<unsigned char>(text[i + 1]));
      if (folded == 0) {
        flush();
      } else if (folded == '\1') {
        word.append(text.substr(i, 2));
      } else {
        word.push_back(folded);
      }
    } else if (c == 0xC2 || (c == 0xE2 && length == 3 && text[i + 1] == '\x80')) {
      flush();  // Latin-1 signs (¿ ¡ « » °) and general punctuation (’ “ ” – …)
    } else {
      word.append(text.substr(i, length));
    }
    i += length - 1;
  }
  flush();
  return words;
}

// The words a search compares: Words() without stop words.
std::vector<std::string> Terms(std::string_view text) {
  std::vector<std::string> terms = Words(text);
  std::erase_if(terms, [](const std::string& w) {
    return std::find(std::begin(kStopWords), std::end(kStopWords), w) != std::end(kStopWords);
  });
  return terms;
}

bool IsAnswerId(std::string_view id) {
  return !id.empty() && id.size() <= kMaxIdLength &&
         std::isalnum(static_cast<unsigned char>(id[0])) &&
         std::all_of(id.begin(), id.end(), [](char c) {
           return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
         });
}

// "What is the dose of Cardiozen?" -> "what-is-the-dose-of-cardiozen"; "" when the
// question has no ASCII letters or digits to build one from.
std::string SlugOf(std::string_view question) {
  std::string slug;
  for (const std::string& w : Words(question)) {
    if (!std::all_of(w.begin(), w.end(),
                     [](char c) { return static_cast<unsigned char>(c) < 0x80; })) {
      continue;  // ids are ASCII
    }
    if (slug.size() + w.size() + 1 > kMaxIdLength) break;
    slug += (slug.empty() ? "" : "-") + w;
  }
  return slug;
}

Status Invalid(const std::string& pointer, const std::string& message) {
  return Status::InvalidArgument(pointer + ": " + message).WithField(pointer);
}

Status Text(const json::object& o, std::string_view key, size_t max_bytes, std::string& out) {
  const std::string pointer = "/" + std::string(key);
  const json::value* v = o.if_contains(key);
  if (!v || v->is_null()) return Status::Ok();
  if (!v->is_string()) return Invalid(pointer, "expected a string");
  out = Trim(std::string_view(v->as_string()));
  if (out.size() > max_bytes) {
    return Invalid(pointer, "is " + std::to_string(out.size()) + " bytes; at most " +
                                std::to_string(max_bytes) + " are kept");
  }
  return Status::Ok();
}

Status TagsOf(const json::object& o, std::vector<std::string>& out) {
  const json::value* v = o.if_contains("tags");
  if (!v || v->is_null()) return Status::Ok();
  if (!v->is_array()) return Invalid("/tags", "expected a list of words, e.g. [\"dosing\"]");
  const json::array& tags = v->as_array();
  if (tags.size() > kMaxTags) {
    return Invalid("/tags", "has " + std::to_string(tags.size()) + " tags; at most " +
                                std::to_string(kMaxTags) + " are kept");
  }
  for (size_t i = 0; i < tags.size(); ++i) {
    const std::string pointer = "/tags/" + std::to_string(i);
    if (!tags[i].is_string()) return Invalid(pointer, "expected a string");
    std::string tag = ToLower(Trim(std::string_view(tags[i].as_string())));
    if (tag.empty()) return Invalid(pointer, "must not be empty");
    if (tag.size() > kMaxTagBytes) {
      return Invalid(pointer, "is longer than " + std::to_string(kMaxTagBytes) + " bytes");
    }
    if (std::find(out.begin(), out.end(), tag) == out.end()) out.push_back(std::move(tag));
  }
  return Status::Ok();
}

// An answer's text as written: id, question, answer, tags, product (as its catalog id).
Result<AnswerInfo> ParseDefinition(const std::string& text, const ProductCatalog& products) {
  boost::system::error_code ec;
  json::value root = json::parse(text, ec);
  if (ec || !root.is_object()) {
    return Invalid("/",
                   "expected a JSON object like {\"question\": \"...\", \"answer\": \"...\", "
                   "\"tags\": [\"dosing\"], \"product\": \"cardiozen\"}");
  }
  const json::object& o = root.as_object();
  for (const auto& [key, value] : o) {
    if (std::find(std::begin(kFields), std::end(kFields), key) == std::end(kFields)) {
      return Invalid("/" + std::string(key), "unknown field '" + std::string(key) +
                                                 "'; an answer has id, question, answer, tags "
                                                 "and product");
    }
  }
  AnswerInfo a;
  std::string product;
  if (Status s = Text(o, "question", kMaxQuestionBytes, a.question); !s.ok()) return s;
  if (Status s = Text(o, "answer", kMaxAnswerBytes, a.answer); !s.ok()) return s;
  if (Status s = Text(o, "id", kMaxIdLength, a.id); !s.ok()) return s;
  if (Status s = Text(o, "product", kMaxIdLength, product); !s.ok()) return s;
  if (Status s = TagsOf(o, a.tags); !s.ok()) return s;
  if (a.question.empty()) return Invalid("/question", "required: the question as people ask it");
  if (a.answer.empty()) return Invalid("/answer", "required: the answer staff should give");
  if (a.id.empty()) {
    a.id = SlugOf(a.question);
    if (a.id.empty()) {
      return Invalid("/id", "the question has no letters to make an id from; give an id");
    }
  } else if (!IsAnswerId(a.id)) {
    return Invalid("/id", "'" + a.id +
                              "' must be lower-case letters, digits, '-' and '_' (e.g. "
                              "cardiozen-dosing)");
  }
  if (!product.empty()) {
    const Product* p = products.Find(product);
    if (!p) {
      return Invalid("/product", "'" + product +
                                     "' is not in the product catalog; GET /v1/products lists "
                                     "the ids");
    }
    a.product = p->id;
  }
  return a;
}

bool SameText(const AnswerInfo& a, const AnswerInfo& b) {
  return a.question == b.question && a.answer == b.answer && a.tags == b.tags &&
         a.product == b.product;
}

json::object TextJson(const AnswerInfo& a) {
  json::array tags;
  for (const auto& t : a.tags) tags.emplace_back(t);
  return {{"question", a.question},     {"answer", a.answer},
          {"tags", std::move(tags)},    {"product", a.product},
          {"updated_by", a.updated_by}, {"updated_at", FormatTimestamp(a.updated_at)}};
}

// The stored record: the latest text and its state, and the approved text beside it.
std::string RecordJson(const AnswerInfo& latest, const AnswerInfo* approved) {
  json::object o = TextJson(latest);
  o["id"] = latest.id;
  o["state"] = latest.state;
  if (approved) {
    json::object a = TextJson(*approved);
    a["approved_by"] = approved->approved_by;
    a["approved_at"] = FormatTimestamp(*approved->approved_at);
    o["approved"] = std::move(a);
  }
  return json::serialize(o);
}

Result<AnswerInfo> TextFrom(const json::object& o) {
  AnswerInfo a;
  a.question = json::value_to<std::string>(o.at("question"));
  a.answer = json::value_to<std::string>(o.at("answer"));
  a.tags = json::value_to<std::vector<std::string>>(o.at("tags"));
  a.product = json::value_to<std::string>(o.at("product"));
  a.updated_by = json::value_to<std::string>(o.at("updated_by"));
  auto at = ParseTimestamp(json::value_to<std::string>(o.at("updated_at")));
  if (!at.ok()) return at.status();
  a.updated_at = *at;
  return a;
}

// Reads a stored record back into the latest text and the approved one (if any).
Status FromRecord(const DefinitionRecord& r, AnswerInfo& latest,
                  std::optional<AnswerInfo>& approved) {
  try {
    const json::object o = json::parse(r.body_json).as_object();
    auto text = TextFrom(o);
    if (!text.ok()) return text.status();
    latest = std::move(*text);
    latest.id = r.id;
    latest.state = json::value_to<std::string>(o.at("state"));
    if (const json::value* a = o.if_contains("approved")) {
      auto served = TextFrom(a->as_object());
      if (!served.ok()) return served.status();
      served->id = r.id;
      served->state = "approved";
      served->approved_by = json::value_to<std::string>(a->at("approved_by"));
      auto at = ParseTimestamp(json::value_to<std::string>(a->at("approved_at")));
      if (!at.ok()) return at.status();
      served->approved_at = *at;
      approved = std::move(*served);
    }
  } catch (const std::exception& e) {
    return Status::Internal("answer '" + r.id + "' in the store does not read (" + e.what() + ")");
  }
  return Status::Ok();
}

// The latest text as List shows it: what approval it waits behind, if any.
void ShowApproval(AnswerInfo& latest, const AnswerInfo* approved) {
  latest.approved_by = approved ? approved->approved_by : "";
  latest.approved_at = approved ? approved->approved_at : std::nullopt;
  latest.approved_answer = approved && latest.state != "approved" ? approved->answer : "";
}

}  // namespace

AnswerBook::AnswerBook(Store& store, Clock& clock, const ProductCatalog& products)
    : store_(store), clock_(clock), products_(products) {}

Status AnswerBook::Load() {
  auto records = store_.ListDefinitions(kKind);
  if (!records.ok()) return records.status();
  std::vector<AnswerInfo> answers;
  std::map<std::string, AnswerInfo> approved;
  for (const auto& r : *records) {
    AnswerInfo latest;
    std::optional<AnswerInfo> served;
    if (Status s = FromRecord(r, latest, served); !s.ok()) return s;
    ShowApproval(latest, served ? &*served : nullptr);
    if (served) approved.emplace(r.id, std::move(*served));
    answers.push_back(std::move(latest));
  }
  std::sort(answers.begin(), answers.end(),
            [](const AnswerInfo& a, const AnswerInfo& b) { return a.id < b.id; });
  std::lock_guard<std::mutex> lock(mu_);
  answers_ = std::move(answers);
  approved_ = std::move(approved);
  return Status::Ok();
}

Result<AnswerInfo> AnswerBook::Put(const std::string& definition_json, const std::string& by) {
  auto parsed = ParseDefinition(definition_json, products_);
  if (!parsed.ok()) return parsed.status();
  AnswerInfo latest = std::move(*parsed);
  std::lock_guard<std::mutex> lock(mu_);
  auto it = std::lower_bound(answers_.begin(), answers_.end(), latest.id,
                             [](const AnswerInfo& a, const std::string& id) { return a.id < id; });
  bool exists = it != answers_.end() && it->id == latest.id;
  if (exists && SameText(*it, latest)) return *it;  // nothing to review again
  auto served = approved_.find(latest.id);
  const AnswerInfo* approved = served == approved_.end() ? nullptr : &served->second;
  latest.state = "draft";
  latest.updated_by = Trim(by);
  latest.updated_at = clock_.Now();
  if (Status s =
          store_.PutDefinition({kKind, latest.id, RecordJson(latest, approved), latest.updated_at});
      !s.ok()) {
    return s;
  }
  ShowApproval(latest, approved);
  if (exists) {
    *it = latest;
  } else {
    answers_.insert(it, latest);
  }
  return latest;
}

Result<AnswerInfo> AnswerBook::Approve(const std::string& id, const std::string& by) {
  std::string approver = Trim(by);
  if (approver.empty()) {
    return Status::InvalidArgument(
               "say who approves: 'by' in the body or the X-Unisono-User "
               "header")
        .WithField("by");
  }
  std::lock_guard<std::mutex> lock(mu_);
  auto it = std::find_if(answers_.begin(), answers_.end(),
                         [&](const AnswerInfo& a) { return a.id == id; });
  if (it == answers_.end()) return Status::NotFound("no answer '" + id + "'");
  if (it->state == "approved") {
    return Status::FailedPrecondition("answer '" + id +
                                      "' is already approved; edit it to make a new draft");
  }
  AnswerInfo approved = *it;
  approved.state = "approved";
  approved.approved_by = approver;
  approved.approved_at = clock_.Now();
  approved.approved_answer.clear();
  if (Status s =
          store_.PutDefinition({kKind, id, RecordJson(approved, &approved), *approved.approved_at});
      !s.ok()) {
    return s;
  }
  *it = approved;
  approved_[id] = approved;
  return approved;
}

std::vector<AnswerInfo> AnswerBook::Search(const std::string& query, size_t limit) const {
  std::vector<std::string> terms = Terms(query);
  std::sort(terms.begin(), terms.end());
  terms.erase(std::unique(terms.begin(), terms.end()), terms.end());
  if (terms.empty() || limit == 0) return {};

  std::lock_guard<std::mutex> lock(mu_);
  // How often each query term appears in each weighted part of each approved answer.
  struct Counted {
    const AnswerInfo* answer;
    std::vector<double> weighted;  // per term: sum of weight * tf / (tf + 1)
  };
  std::vector<Counted> counted;
  std::unordered_map<std::string, size_t> term_index;
  for (size_t t = 0; t < terms.size(); ++t) term_index[terms[t]] = t;
  std::vector<int> answers_with(terms.size(), 0);
  for (const auto& [id, a] : approved_) {
    std::string tags, product_name;
    for (const auto& tag : a.tags) tags += tag + " ";
    if (const Product* p = products_.Find(a.product)) product_name = p->name;
    Counted c{&a, std::vector<double>(terms.size(), 0.0)};
    const std::pair<const std::string*, double> parts[] = {{&a.question, kQuestionWeight},
                                                           {&tags, kTagWeight},
                                                           {&a.answer, kAnswerWeight},
                                                           {&product_name, kProductWeight}};
    for (auto [text, weight] : parts) {
      std::vector<int> tf(terms.size(), 0);
      for (const std::string& w : Words(*text)) {
        if (auto found = term_index.find(w); found != term_index.end()) ++tf[found->second];
      }
      for (size_t t = 0; t < terms.size(); ++t) c.weighted[t] += weight * tf[t] / (tf[t] + 1.0);
    }
    for (size_t t = 0; t < terms.size(); ++t) answers_with[t] += c.weighted[t] > 0;
    counted.push_back(std::move(c));
  }
  // BM25's inverse document frequency: rare words tell answers apart, common ones less.
  const double n = static_cast<double>(counted.size());
  std::vector<AnswerInfo> found;
  for (const Counted& c : counted) {
    double score = 0;
    for (size_t t = 0; t < terms.size(); ++t) {
      double idf = std::log(1.0 + (n - answers_with[t] + 0.5) / (answers_with[t] + 0.5));
      score += idf * c.weighted[t];
    }
    if (score <= 0) continue;
    AnswerInfo a = *c.answer;
    a.score = score;
    found.push_back(std::move(a));
  }
  std::sort(found.begin(), found.end(), [](const AnswerInfo& a, const AnswerInfo& b) {
    return a.score != b.score ? a.score > b.score : a.id < b.id;
  });
  if (found.size() > limit) found.resize(limit);
  return found;
}

std::vector<AnswerInfo> AnswerBook::List() const {
  std::lock_guard<std::mutex> lock(mu_);
  return answers_;
}

}  // namespace unisono::content
