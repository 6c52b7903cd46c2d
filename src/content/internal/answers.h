// Answers: questions with one approved answer that chat, call-center and shop staff read
// from the same place. Kept as definitions of kind "answer"; searched in memory by the
// words of the question, answer and tags.
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "content/content.h"

namespace unisono::content {

class AnswerBook {
 public:
  AnswerBook(Store& store, Clock& clock, const ProductCatalog& products);
  Status Load();  // every answer in the store
  Result<AnswerInfo> Put(const std::string& definition_json, const std::string& by);
  Result<AnswerInfo> Approve(const std::string& id, const std::string& by);
  std::vector<AnswerInfo> Search(const std::string& query, size_t limit) const;
  std::vector<AnswerInfo> List() const;

 private:
  Store& store_;
  Clock& clock_;
  const ProductCatalog& products_;
  mutable std::mutex mu_;
  std::vector<AnswerInfo> answers_;
  // The approved text of each answer that has one, what Search serves: an edit makes
  // a draft in answers_ and leaves this as it was until the draft is approved.
  std::map<std::string, AnswerInfo> approved_;
};

}  // namespace unisono::content
