// The content library: items kept in memory under one mutex and written through to the
// store (one definition record per item, all versions in it) before a change is
// visible, so a failed write leaves nothing half-done. Parsing, the one-voice check and
// rendering live in internal/.
#include <mutex>

#include "content/content.h"
#include "content/internal/answers.h"
#include "content/internal/check.h"
#include "content/internal/item.h"
#include "content/internal/render.h"

namespace unisono {

using content::ContentItem;
using content::ContentVersion;

std::string RenditionFor(std::string_view channel) {
  static constexpr std::pair<std::string_view, std::string_view> kCarriers[] = {
      {"email", "email"}, {"sms", "sms"},       {"whatsapp", "whatsapp"}, {"app", "push"},
      {"push", "push"},   {"rep_visit", "rep"}, {"rep_tablet", "rep"},    {"e_rep", "rep"},
      {"rep", "rep"},     {"postal", "postal"}, {"webinar", "webinar"}};
  const std::string name = ToLower(Trim(channel));
  for (const auto& [carrier, rendition] : kCarriers) {
    if (carrier == name) return std::string(rendition);
  }
  return "";
}

class ContentLibrary::Impl {
 public:
  Impl(Store& store, Clock& clock, ContentOptions options)
      : store_(store),
        clock_(clock),
        options_(std::move(options)),
        answers(store, clock, options_.products) {}

  Status Load() {
    auto records = store_.ListDefinitions(content::kContentKind);
    if (!records.ok()) return records.status();
    for (const DefinitionRecord& r : *records) {
      auto item = content::ItemFromJson(r.body_json, options_);
      if (!item.ok()) return item.status();
      items_[item->id] = std::move(*item);
    }
    return answers.Load();
  }

  Result<ContentInfo> Create(const std::string& json, const std::string& by) {
    auto parsed = content::ParseContent(json, options_);
    if (!parsed.ok()) return parsed.status();
    std::lock_guard lock(mu_);
    if (!parsed->id.empty() && items_.contains(parsed->id)) {
      return Status::AlreadyExists("content '" + parsed->id + "' already exists; PUT /v1/content/" +
                                   parsed->id + " makes a new version of it")
          .WithField("/id");
    }
    if (parsed->id.empty()) parsed->id = FreeId(content::Slug(parsed->name));
    ContentItem item;
    item.id = parsed->id;
    item.versions.push_back(NewVersion(1, std::move(*parsed), by));
    return Commit(std::move(item));
  }

  Result<ContentInfo> Update(const std::string& id, const std::string& json,
                             const std::string& by) {
    auto parsed = content::ParseContent(json, options_);
    if (!parsed.ok()) return parsed.status();
    std::lock_guard lock(mu_);
    auto found = Find(id);
    if (!found.ok()) return found.status();
    if (!parsed->id.empty() && parsed->id != id) {
      return Status::InvalidArgument("/id: is '" + parsed->id + "' but this is content '" + id +
                                     "'; an id cannot change")
          .WithField("/id");
    }
    parsed->id = id;
    ContentItem item = **found;
    // The same definition again is no edit: nothing to review twice.
    if (content::ContentToJson(*parsed) == item.latest().definition_json) {
      return content::InfoOf(item, item.latest());
    }
    const int number = static_cast<int>(item.versions.size()) + 1;
    if (ContentVersion& latest = item.latest(); latest.state == "in_review") {
      Move(latest, "draft", by, "superseded by version " + std::to_string(number));
    }
    item.versions.push_back(NewVersion(number, std::move(*parsed), by));
    return Commit(std::move(item));
  }

  Result<ContentInfo> Get(const std::string& id, std::optional<int> version) const {
    std::lock_guard lock(mu_);
    auto found = Find(id);
    if (!found.ok()) return found.status();
    auto v = VersionOf(**found, version);
    if (!v.ok()) return v.status();
    return content::InfoOf(**found, **v);
  }

  std::vector<ContentInfo> List() const {
    std::lock_guard lock(mu_);
    std::vector<ContentInfo> out;
    for (const auto& [id, item] : items_) out.push_back(content::InfoOf(item, item.latest()));
    return out;
  }

  Result<std::vector<ContentProblem>> Check(const std::string& json) const {
    auto parsed = content::ParseContent(json, options_);
    if (!parsed.ok()) return parsed.status();
    return content::CheckContent(*parsed, options_.products);
  }

  // A state change of the latest version (retire: of the approved one).
  Result<ContentInfo> Transition(const std::string& id, const std::string& action,
                                 const std::string& by_raw, const std::string& reason) {
    const std::string by = Trim(by_raw);
    if (by.empty()) {
      return Status::InvalidArgument("say who " + action + "s it: a 'by' field or the " +
                                     "X-Unisono-User header")
          .WithField("by");
    }
    if (action == "reject" && Trim(reason).empty()) {
      return Status::InvalidArgument("say why it is rejected: a 'reason' field")
          .WithField("reason");
    }
    std::lock_guard lock(mu_);
    auto found = Find(id);
    if (!found.ok()) return found.status();
    ContentItem item = **found;
    if (action == "retire") return Retire(std::move(item), by);
    ContentVersion& v = item.latest();
    const std::string what = "content '" + id + "' version " + std::to_string(v.number);
    const std::string from = action == "submit" ? "draft" : "in_review";
    if (v.state != from) {
      const char* done = action == "submit"   ? "submitted"
                         : action == "reject" ? "rejected"
                                              : "approved";
      return Status::FailedPrecondition(what + " is " + v.state + "; only " +
                                        (from == "draft" ? "a draft" : "a version in review") +
                                        " can be " + done);
    }
    if (action != "reject" && !v.problems.empty()) {
      return Status::FailedPrecondition(what + " has " + std::to_string(v.problems.size()) +
                                        " problem(s) to fix first: " + ProblemList(v.problems));
    }
    if (action == "submit") {
      Move(v, "in_review", by, "");
      v.submitted_by = by;
      v.submitted_at = v.updated_at;
    } else if (action == "reject") {
      Move(v, "draft", by, Trim(reason));
    } else {
      if (ToLower(by) == ToLower(v.submitted_by)) {
        return Status::FailedPrecondition(what + " was submitted by '" + v.submitted_by +
                                          "'; someone else must approve it (four-eyes rule)");
      }
      Move(v, "approved", by, "");
      v.approved_by = by;
      v.approved_at = v.updated_at;
      item.approved_version = v.number;
      item.retired = false;
    }
    return Commit(std::move(item));
  }

  Result<ContentChoice> Choose(const std::string& id, const std::string& channel,
                               const std::string& journey_stage,
                               const std::string& relationship_stage) const {
    std::lock_guard lock(mu_);
    auto found = Find(id);
    if (!found.ok()) return found.status();
    const ContentItem& item = **found;
    if (item.retired) return Status::FailedPrecondition("content '" + id + "' is retired");
    const ContentVersion* v = item.Find(item.approved_version);
    if (!v) return Status::FailedPrecondition("content '" + id + "' has no approved version");
    if (!v->definition) {
      return Status::FailedPrecondition("content '" + id + "' version " +
                                        std::to_string(v->number) + " no longer reads");
    }
    const std::string rendition = RenditionFor(channel);
    if (rendition.empty() || !v->definition->renditions.contains(rendition)) {
      return Status::FailedPrecondition("content '" + id + "' has no rendition for channel " +
                                        channel);
    }
    ContentChoice choice{id, v->number, ""};
    for (const content::ContentVariant& variant : v->definition->variants) {
      if (variant.Matches(journey_stage, relationship_stage)) {
        choice.variant = variant.id;
        break;
      }
    }
    return choice;
  }

  // What rendering needs, copied out so templates render outside the lock.
  struct Source {
    content::ContentDefinition definition;
    std::string variant;  // "" the default texts
  };

  Result<Source> SourceOf(const std::string& id, std::optional<int> version,
                          const std::string& variant) const {
    std::lock_guard lock(mu_);
    auto found = Find(id);
    if (!found.ok()) return found.status();
    auto v = VersionOf(**found, version);
    if (!v.ok()) return v.status();
    const auto& definition = (*v)->definition;
    if (!definition) {
      return Status::FailedPrecondition("content '" + id + "' version " +
                                        std::to_string((*v)->number) + " no longer reads");
    }
    if (!variant.empty() && !definition->FindVariant(variant)) {
      std::string known;
      for (const auto& x : definition->variants) known += (known.empty() ? "" : ", ") + x.id;
      return Status::InvalidArgument("content '" + id + "' has no variant '" + variant + "'" +
                                     (known.empty() ? std::string() : "; its variants: " + known))
          .WithField("variant");
    }
    return Source{*definition, variant};
  }

  Result<RenderedMessage> RenderOne(const Source& source, const std::string& rendition,
                                    const RenderInput& input) const {
    const content::ContentDefinition& d = source.definition;
    auto fields = d.Effective(rendition, d.FindVariant(source.variant));
    if (!fields) {
      return Status::FailedPrecondition("content '" + d.id + "' has no " + rendition +
                                        " rendition");
    }
    return content::RenderFields(rendition, *fields, d.defaults_json, input);
  }

 private:
  Result<const ContentItem*> Find(const std::string& id) const {
    auto it = items_.find(id);
    if (it == items_.end()) return Status::NotFound("no content '" + id + "'");
    return &it->second;
  }

  static Result<const ContentVersion*> VersionOf(const ContentItem& item,
                                                 std::optional<int> number) {
    if (!number) return &item.latest();
    if (const ContentVersion* v = item.Find(*number)) return v;
    return Status::NotFound("content '" + item.id + "' has no version " + std::to_string(*number) +
                            " (the latest is " + std::to_string(item.versions.size()) + ")");
  }

  std::string FreeId(const std::string& base) const {
    std::string id = base;
    for (int n = 2; items_.contains(id); ++n) id = base + "-" + std::to_string(n);
    return id;
  }

  ContentVersion NewVersion(int number, content::ContentDefinition d, const std::string& by) {
    ContentVersion v;
    v.number = number;
    v.definition_json = content::ContentToJson(d);
    v.problems = content::CheckContent(d, options_.products);
    v.definition = std::move(d);
    v.created_by = Trim(by);
    v.created_at = v.updated_at = clock_.Now();
    v.history.push_back({"draft", v.created_by, v.created_at, ""});
    return v;
  }

  void Move(ContentVersion& v, const std::string& state, const std::string& by,
            const std::string& reason) {
    v.state = state;
    v.updated_at = clock_.Now();
    v.history.push_back({state, by, v.updated_at, reason});
  }

  Result<ContentInfo> Retire(ContentItem item, const std::string& by) {
    ContentVersion* v =
        item.approved_version > 0 ? &item.versions[item.approved_version - 1] : nullptr;
    if (!v) {
      return Status::FailedPrecondition("content '" + item.id + "' has no approved version" +
                                        (item.retired ? "; it is already retired" : " to retire"));
    }
    Move(*v, "retired", by, "");
    v->retired_by = by;
    v->retired_at = v->updated_at;
    item.approved_version = 0;
    item.retired = true;
    const int number = v->number;
    const std::string id = item.id;
    auto saved = Commit(std::move(item));
    if (!saved.ok()) return saved;
    const ContentItem& stored = items_.at(id);
    return content::InfoOf(stored, stored.versions[number - 1]);
  }

  // The first few problems; GET shows them all.
  static std::string ProblemList(const std::vector<ContentProblem>& problems) {
    constexpr size_t kShown = 5;
    std::string out;
    for (size_t i = 0; i < problems.size() && i < kShown; ++i) {
      out += (out.empty() ? "" : "; ") + problems[i].field + ": " + problems[i].message;
    }
    if (problems.size() > kShown) {
      out += "; and " + std::to_string(problems.size() - kShown) + " more";
    }
    return out;
  }

  // Writes the item, then makes it visible. Called with mu_ held.
  Result<ContentInfo> Commit(ContentItem item) {
    DefinitionRecord record{content::kContentKind, item.id, content::ItemToJson(item),
                            clock_.Now()};
    if (Status s = store_.PutDefinition(record); !s.ok()) return s;
    ContentItem& stored = items_[item.id] = std::move(item);
    return content::InfoOf(stored, stored.latest());
  }

  Store& store_;
  Clock& clock_;
  ContentOptions options_;

 public:
  content::AnswerBook answers;  // after options_: it keeps a reference to the catalog

 private:
  mutable std::mutex mu_;
  std::map<std::string, ContentItem> items_;
};

}  // namespace unisono

namespace unisono {

Result<std::unique_ptr<ContentLibrary>> ContentLibrary::Create(Store& store, Clock& clock,
                                                               ContentOptions options) {
  auto impl = std::make_unique<Impl>(store, clock, std::move(options));
  if (Status s = impl->Load(); !s.ok()) return s;
  return std::unique_ptr<ContentLibrary>(new ContentLibrary(std::move(impl)));
}

ContentLibrary::ContentLibrary(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ContentLibrary::~ContentLibrary() = default;

Result<ContentInfo> ContentLibrary::CreateItem(const std::string& definition_json,
                                               const std::string& by) {
  return impl_->Create(definition_json, by);
}

Result<ContentInfo> ContentLibrary::UpdateItem(const std::string& id,
                                               const std::string& definition_json,
                                               const std::string& by) {
  return impl_->Update(id, definition_json, by);
}

Result<ContentInfo> ContentLibrary::GetItem(const std::string& id,
                                            std::optional<int> version) const {
  return impl_->Get(id, version);
}

std::vector<ContentInfo> ContentLibrary::ListItems() const { return impl_->List(); }

Result<std::vector<ContentProblem>> ContentLibrary::CheckItem(
    const std::string& definition_json) const {
  return impl_->Check(definition_json);
}

Result<ContentInfo> ContentLibrary::Submit(const std::string& id, const std::string& by) {
  return impl_->Transition(id, "submit", by, "");
}

Result<ContentInfo> ContentLibrary::Approve(const std::string& id, const std::string& by) {
  return impl_->Transition(id, "approve", by, "");
}

Result<ContentInfo> ContentLibrary::Reject(const std::string& id, const std::string& by,
                                           const std::string& reason) {
  return impl_->Transition(id, "reject", by, reason);
}

Result<ContentInfo> ContentLibrary::Retire(const std::string& id, const std::string& by) {
  return impl_->Transition(id, "retire", by, "");
}

Result<ContentChoice> ContentLibrary::ChooseForSend(const std::string& id,
                                                    const std::string& channel,
                                                    const std::string& journey_stage,
                                                    const std::string& relationship_stage) const {
  return impl_->Choose(id, channel, journey_stage, relationship_stage);
}

Result<RenderedMessage> ContentLibrary::Render(const ContentChoice& choice,
                                               const std::string& rendition,
                                               const RenderInput& input) const {
  auto source = impl_->SourceOf(choice.id, choice.version, choice.variant);
  if (!source.ok()) return source.status();
  const std::string name = RenditionFor(rendition);
  return impl_->RenderOne(*source, name.empty() ? rendition : name, input);
}

Result<std::vector<RenderedMessage>> ContentLibrary::Preview(const std::string& id,
                                                             std::optional<int> version,
                                                             const std::string& variant,
                                                             const RenderInput& input) const {
  auto source = impl_->SourceOf(id, version, variant);
  if (!source.ok()) return source.status();
  std::vector<RenderedMessage> out;
  for (const content::RenditionSpec& spec : content::RenditionSpecs()) {
    const std::string name(spec.name);
    if (!source->definition.renditions.contains(name)) continue;
    auto rendered = impl_->RenderOne(*source, name, input);
    if (!rendered.ok()) return rendered.status();
    out.push_back(std::move(*rendered));
  }
  return out;
}

Result<AnswerInfo> ContentLibrary::PutAnswer(const std::string& definition_json,
                                             const std::string& by) {
  return impl_->answers.Put(definition_json, by);
}

Result<AnswerInfo> ContentLibrary::ApproveAnswer(const std::string& id, const std::string& by) {
  return impl_->answers.Approve(id, by);
}

std::vector<AnswerInfo> ContentLibrary::SearchAnswers(const std::string& query,
                                                      size_t limit) const {
  return impl_->answers.Search(query, limit);
}

std::vector<AnswerInfo> ContentLibrary::ListAnswers() const { return impl_->answers.List(); }

}  // namespace unisono
