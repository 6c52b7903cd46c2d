// content: one message with its core facts (product, key claim, offer, call to action,
// tone) and a rendition per channel, told differently by journey and relationship
// stage; Mustache templates over profile traits; the one-voice check; approval before
// anything may be sent; and the answers that chat, call-center and shop staff read.
// Every edit makes a new version that needs approval again; senders only ever get the
// latest approved version. ContentLibrary is thread-safe.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/core.h"
#include "storage/storage.h"

namespace unisono {

// The rendition that carries a message on a catalog channel: "email", "sms",
// "whatsapp", "push" (app), "rep" (rep_visit, rep_tablet, e_rep: talking points),
// "postal" (a letter), "webinar" (an invitation); "" when no rendition fits.
std::string RenditionFor(std::string_view channel);

// One thing the one-voice check found. `rendition` is "" for the item as a whole;
// `field` is a JSON pointer into the definition ("/renditions/sms/text").
struct ContentProblem {
  std::string rendition;
  std::string field;
  std::string message;
};

// One state change of a version: the state it entered, who moved it, when, and why
// (a rejection's reason).
struct ContentTransition {
  std::string state;  // draft | in_review | approved | retired
  std::string by;
  Timestamp at{};
  std::string reason;
};

struct ContentInfo {
  std::string id;
  int version = 1;
  std::string name;
  std::string state;                     // draft | in_review | approved | retired
  std::string definition_json;           // canonical JSON of this version
  std::vector<ContentProblem> problems;  // the one-voice check of this version
  std::vector<std::string> channels;     // renditions this version has ("email", "sms", ...)
  std::string created_by;
  std::string submitted_by;
  std::string approved_by;
  std::string retired_by;
  std::optional<Timestamp> submitted_at;
  std::optional<Timestamp> approved_at;
  std::optional<Timestamp> retired_at;
  Timestamp created_at{};
  Timestamp updated_at{};
  int approved_version = 0;  // the version senders use; 0: none approved (or retired)
  int latest_version = 0;
  std::vector<ContentTransition> history;  // this version's, oldest first
};

// What a send uses: the approved version and the variant for the profile's stages.
struct ContentChoice {
  std::string id;
  int version = 0;
  std::string variant;  // "" the default texts
};

// A rendition rendered for one profile.
struct RenderedMessage {
  std::string rendition;  // "email", "sms", ...
  std::string subject;    // email, webinar
  std::string html;       // email, webinar
  std::string text;       // email and webinar text part; sms, whatsapp preview, push body, letter
  std::string title;      // push
  std::string whatsapp_template;
  std::vector<std::string> whatsapp_parameters;
  std::vector<std::string> talking_points;  // rep
  std::string url;                          // webinar: where to join
};

// Who the message is for: the profile's traits as a JSON object (missing values fall
// back to the item's `defaults`), and values unisono adds such as unsubscribe_url.
struct RenderInput {
  std::string traits_json = "{}";
  std::map<std::string, std::string> extra;  // e.g. {"unsubscribe_url", "https://..."}
};

// An approved answer that every channel gives to the same question.
struct AnswerInfo {
  std::string id;
  std::string question;
  std::string answer;
  std::vector<std::string> tags;
  std::string product;  // catalog product id, "" none
  std::string state;    // draft | approved | retired
  std::string approved_by;
  std::optional<Timestamp> approved_at;
  Timestamp updated_at{};
  std::string updated_by;       // who wrote this text
  std::string approved_answer;  // a draft's answer still served until it is approved
                                // ("" when no approved text waits behind it)
  double score = 0;             // relevance to the query in SearchAnswers
};

struct ContentOptions {
  ProductCatalog products = ProductCatalog::Builtin();
  // Stage names a variant may name (StageConfig's journey and relationship stages).
  std::vector<std::string> journey_stages = {"search", "plan", "purchase", "keep_in_touch",
                                             "share"};
  std::vector<std::string> relationship_stages = {"new", "active", "loyal", "at_risk", "lapsed"};
};

class ContentLibrary {
 public:
  // Loads every item, version and answer from the store's definitions.
  static Result<std::unique_ptr<ContentLibrary>> Create(Store& store, Clock& clock,
                                                        ContentOptions options);
  ~ContentLibrary();

  // Definitions are JSON (docs/content.md); errors name their JSON pointer. Saving
  // runs the one-voice check; problems are kept with the version, not refused.
  Result<ContentInfo> CreateItem(const std::string& definition_json, const std::string& by);
  // A new draft version; the approved one (if any) stays what senders use until the new
  // one is approved.
  Result<ContentInfo> UpdateItem(const std::string& id, const std::string& definition_json,
                                 const std::string& by);
  Result<ContentInfo> GetItem(const std::string& id, std::optional<int> version = {}) const;
  std::vector<ContentInfo> ListItems() const;  // latest version of each
  // Checks a definition without saving it: the problems (empty when clean).
  Result<std::vector<ContentProblem>> CheckItem(const std::string& definition_json) const;

  // draft -> in_review (refused while the check finds problems) -> approved; in_review
  // -> draft (rejected, with a reason); approved -> retired. The actor and the time are
  // recorded; approving needs a different person than the one who submitted.
  Result<ContentInfo> Submit(const std::string& id, const std::string& by);
  Result<ContentInfo> Approve(const std::string& id, const std::string& by);
  Result<ContentInfo> Reject(const std::string& id, const std::string& by,
                             const std::string& reason);
  Result<ContentInfo> Retire(const std::string& id, const std::string& by);

  // For a send: the approved version with a rendition for the channel, and its variant
  // for the stages. FailedPrecondition when nothing approved can go on that channel
  // (the message says why); NotFound for an unknown id.
  Result<ContentChoice> ChooseForSend(const std::string& id, const std::string& channel,
                                      const std::string& journey_stage,
                                      const std::string& relationship_stage) const;
  // Renders one version's rendition (variant texts over the defaults).
  Result<RenderedMessage> Render(const ContentChoice& choice, const std::string& rendition,
                                 const RenderInput& input) const;
  // Every rendition of the latest version (or `version`) for one profile's traits.
  Result<std::vector<RenderedMessage>> Preview(const std::string& id, std::optional<int> version,
                                               const std::string& variant,
                                               const RenderInput& input) const;

  Result<AnswerInfo> PutAnswer(const std::string& definition_json, const std::string& by);
  Result<AnswerInfo> ApproveAnswer(const std::string& id, const std::string& by);
  // Approved answers ranked by how well they match the words of `query`.
  std::vector<AnswerInfo> SearchAnswers(const std::string& query, size_t limit = 10) const;
  std::vector<AnswerInfo> ListAnswers() const;

  class Impl;

 private:
  explicit ContentLibrary(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace unisono
