// Definitions and queries of the segment engine: segments, previews, members, manual
// lists and computed traits. Definitions are saved in the store as JSON.
#include <algorithm>
#include <boost/json.hpp>

#include "segment/internal/engine_impl.h"

namespace unisono {

namespace json = boost::json;
using segment::Condition;

namespace {

constexpr const char* kSegmentKind = "segment";
constexpr const char* kComputedKind = "computed_trait";

std::string Str(const json::object& o, const char* key) {
  auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

Timestamp Time(const json::object& o, const char* key) {
  auto t = ParseTimestamp(Str(o, key));
  return t.ok() ? *t : Timestamp{};
}

// Parses whichever form the client sent.
Result<segment::ConditionPtr> ParseDefinition(const std::string& text, const std::string& json) {
  if (!json.empty()) return segment::ParseJson(json);
  return segment::ParseText(text);
}

int SegmentNumber(const std::string& id) {
  int n = 0;
  for (char c : id) {
    if (c >= '0' && c <= '9') n = n * 10 + (c - '0');
  }
  return n;
}

void CollectSegments(const Condition& c, std::vector<std::string>& out) {
  if (c.kind == Condition::Kind::kSegment) out.push_back(c.name);
  for (const auto& child : c.children) CollectSegments(*child, out);
}

void CollectComputed(const Condition& c, std::vector<std::string>& out) {
  if (c.kind == Condition::Kind::kComputed) out.push_back(c.name);
  for (const auto& child : c.children) CollectComputed(*child, out);
}

}  // namespace

Result<CheckedDefinition> CheckSegmentDefinition(const std::string& text, const std::string& json) {
  auto parsed = ParseDefinition(text, json);
  if (!parsed.ok()) return parsed.status();
  return CheckedDefinition{segment::ToText(**parsed), segment::ToJson(**parsed)};
}

int SegmentEngine::Impl::FindSegment(const std::string& id_or_name) const {
  for (size_t i = 0; i < segments_.size(); ++i) {
    const auto& d = segments_[i];
    if (!d.deleted && (d.info.id == id_or_name || d.info.name == id_or_name)) {
      return static_cast<int>(i);
    }
  }
  return -1;
}

// A segment named by its quoted name is saved by id, so a rename cannot break it.
Status SegmentEngine::Impl::ResolveSegmentNames(Condition& root) const {
  std::vector<Condition*> stack{&root};
  while (!stack.empty()) {
    Condition* c = stack.back();
    stack.pop_back();
    for (auto& child : c->children) stack.push_back(child.get());
    if (c->kind != Condition::Kind::kSegment) continue;
    int i = FindSegment(c->name);
    if (i < 0) {
      return Status::NotFound("no segment '" + c->name + "'; list them with GET /v1/segments");
    }
    c->name = segments_[i].info.id;
  }
  return Status::Ok();
}

int SegmentEngine::Impl::FindComputed(const std::string& name) const {
  for (size_t i = 0; i < computed_.size(); ++i) {
    if (computed_[i].info.name == name) return static_cast<int>(i);
  }
  return -1;
}

Result<segment::CNode> SegmentEngine::Impl::CompileCondition(const Condition& c,
                                                             std::vector<int>* deps) {
  segment::CompileEnv env{state_,
                          [&](const std::string& s) {
                            int i = FindSegment(s);
                            if (i >= 0 && deps) deps->push_back(i);
                            return i;
                          },
                          [&](const std::string& t) { return FindComputed(t); }};
  return segment::Compile(c, env);
}

SegmentInfo SegmentEngine::Impl::Info(int index) const {
  SegmentInfo info = segments_[index].info;
  info.members = member_counts_[index];
  return info;
}

Status SegmentEngine::Impl::SaveSegment(const SegmentDef& def) {
  json::object o;
  o["id"] = def.info.id;
  o["name"] = def.info.name;
  o["description"] = def.info.description;
  o["kind"] = def.info.kind;
  o["version"] = def.info.version;
  o["definition"] = def.info.definition_text;
  o["owner_rep"] = def.info.owner_rep;
  o["created_at"] = FormatTimestamp(def.info.created_at);
  o["updated_at"] = FormatTimestamp(def.info.updated_at);
  return store_.PutDefinition({kSegmentKind, def.info.id, json::serialize(o), def.info.updated_at});
}

Status SegmentEngine::Impl::SaveComputed(const UserComputedTrait& t) {
  json::object o;
  o["name"] = t.info.name;
  o["description"] = t.info.description;
  o["definition"] = t.info.definition_text;
  o["updated_at"] = FormatTimestamp(t.info.updated_at);
  return store_.PutDefinition({kComputedKind, t.info.name, json::serialize(o), t.info.updated_at});
}

Status SegmentEngine::Impl::Load() {
  std::unique_lock lock(mu_);
  auto traits = store_.ListDefinitions(kComputedKind);
  if (!traits.ok()) return traits.status();
  for (const auto& r : *traits) {
    auto o = json::parse(r.body_json).as_object();
    UserComputedTrait t;
    t.info = {Str(o, "name"), Str(o, "description"), Str(o, "definition"), false,
              Time(o, "updated_at")};
    auto aggregate = segment::ParseAggregateText(t.info.definition_text);
    if (!aggregate.ok()) {
      return Status::Internal("stored computed trait '" + t.info.name +
                              "' no longer parses: " + aggregate.status().message());
    }
    t.aggregate = std::move(aggregate).value();
    computed_.push_back(std::move(t));
  }
  auto segments = store_.ListDefinitions(kSegmentKind);
  if (!segments.ok()) return segments.status();
  for (const auto& r : *segments) {
    auto o = json::parse(r.body_json).as_object();
    SegmentDef d;
    d.info.id = Str(o, "id");
    d.info.name = Str(o, "name");
    d.info.description = Str(o, "description");
    d.info.kind = Str(o, "kind");
    d.info.version = static_cast<int>(o.at("version").to_number<int64_t>());
    d.info.definition_text = Str(o, "definition");
    d.info.owner_rep = Str(o, "owner_rep");
    d.info.created_at = Time(o, "created_at");
    d.info.updated_at = Time(o, "updated_at");
    if (!d.manual()) {
      auto parsed = segment::ParseText(d.info.definition_text);
      if (!parsed.ok()) {
        return Status::Internal("stored segment " + d.info.id +
                                " no longer parses: " + parsed.status().message());
      }
      d.condition = std::move(parsed).value();
      d.info.definition_json = segment::ToJson(*d.condition);
    }
    next_segment_number_ = std::max(next_segment_number_, SegmentNumber(d.info.id) + 1);
    segments_.push_back(std::move(d));
    members_.emplace_back();
    member_counts_.push_back(0);
  }
  for (auto& d : segments_) {
    if (!d.condition) continue;
    std::vector<std::string> refs;
    CollectSegments(*d.condition, refs);
    for (const auto& ref : refs) {
      if (int i = FindSegment(ref); i >= 0) d.depends_on.push_back(i);
    }
  }
  order_ = TopologicalOrder();
  return LoadState();
}

}  // namespace unisono

namespace unisono {

namespace {

Status CheckName(const std::string& name) {
  if (Trim(name).empty()) {
    return Status::InvalidArgument("a segment needs a name").WithField("name");
  }
  if (name.size() > 200) {
    return Status::InvalidArgument("a segment name has at most 200 characters").WithField("name");
  }
  return Status::Ok();
}

}  // namespace

// Parses, resolves and checks a rule definition for segment `self` (-1: a new one).
static Status PrepareRule(SegmentEngine::Impl& impl, const SegmentSpec& spec, int self,
                          SegmentDef& def) {
  if (spec.definition_text.empty() && spec.definition_json.empty()) {
    return Status::InvalidArgument(
               "a rule segment needs a definition, e.g. "
               "'trait(specialty) = \"cardiology\" and consent(email)'")
        .WithField("definition");
  }
  auto parsed = ParseDefinition(spec.definition_text, spec.definition_json);
  if (!parsed.ok()) return Status(parsed.status()).WithField("definition");
  if (Status s = impl.ResolveSegmentNames(**parsed); !s.ok()) return s.WithField("definition");
  std::vector<int> deps;
  auto compiled = impl.CompileCondition(**parsed, &deps);
  if (!compiled.ok()) return Status(compiled.status()).WithField("definition");
  // No cycles: nothing this one reads may read it, directly or through others.
  if (self >= 0) {
    std::vector<int> todo = deps;
    std::vector<uint8_t> seen(impl.segments_.size(), 0);
    while (!todo.empty()) {
      int s = todo.back();
      todo.pop_back();
      if (s == self) {
        return Status::InvalidArgument("segment '" + impl.segments_[self].info.name +
                                       "' would refer to itself (directly or through "
                                       "other segments); segments cannot be circular")
            .WithField("definition");
      }
      if (seen[s]) continue;
      seen[s] = 1;
      for (int d : impl.segments_[s].depends_on) todo.push_back(d);
    }
  }
  std::sort(deps.begin(), deps.end());
  deps.erase(std::unique(deps.begin(), deps.end()), deps.end());
  def.condition = std::move(parsed).value();
  def.compiled = std::move(compiled).value();
  def.depends_on = std::move(deps);
  def.info.definition_text = segment::ToText(*def.condition);
  def.info.definition_json = segment::ToJson(*def.condition);
  return Status::Ok();
}

Result<SegmentInfo> SegmentEngine::CreateSegment(const SegmentSpec& spec) {
  if (Status s = CheckName(spec.name); !s.ok()) return s;
  if (spec.kind != "rule" && spec.kind != "manual") {
    return Status::InvalidArgument("kind is 'rule' or 'manual', not '" + spec.kind + "'")
        .WithField("kind");
  }
  std::unique_lock lock(impl_->mu_);
  if (impl_->FindSegment(spec.name) >= 0) {
    return Status::AlreadyExists("a segment named '" + spec.name +
                                 "' exists; choose another name or PUT to edit it")
        .WithField("name");
  }
  SegmentDef def;
  def.info.kind = spec.kind;
  if (spec.kind == "rule") {
    if (Status s = PrepareRule(*impl_, spec, -1, def); !s.ok()) return s;
  } else if (!spec.definition_text.empty() || !spec.definition_json.empty()) {
    return Status::InvalidArgument("a manual segment has no definition: add members instead")
        .WithField("definition");
  }
  def.info.id = "seg_" + std::to_string(impl_->next_segment_number_);
  def.info.name = spec.name;
  def.info.description = spec.description;
  def.info.owner_rep = spec.owner_rep;
  def.info.version = 1;
  def.info.created_at = def.info.updated_at = impl_->clock_.Now();
  if (Status s = impl_->SaveSegment(def); !s.ok()) return s;
  ++impl_->next_segment_number_;
  int index = static_cast<int>(impl_->segments_.size());
  impl_->segments_.push_back(std::move(def));
  impl_->members_.emplace_back();
  impl_->member_counts_.push_back(0);
  impl_->order_ = impl_->TopologicalOrder();
  std::vector<MembershipChange> changes;
  if (!impl_->segments_[index].manual()) {
    impl_->EvaluateSegments({index}, ToMillis(impl_->clock_.Now()), changes);
  }
  impl_->Emit(changes);
  return impl_->Info(index);
}

Result<SegmentInfo> SegmentEngine::UpdateSegment(const std::string& id, const SegmentSpec& spec) {
  std::unique_lock lock(impl_->mu_);
  int index = impl_->FindSegment(id);
  if (index < 0) return Status::NotFound("no segment '" + id + "'");
  SegmentDef& current = impl_->segments_[index];
  if (!spec.name.empty() && spec.name != current.info.name) {
    if (Status s = CheckName(spec.name); !s.ok()) return s;
    if (impl_->FindSegment(spec.name) >= 0) {
      return Status::AlreadyExists("a segment named '" + spec.name + "' exists").WithField("name");
    }
  }
  SegmentDef next;
  next.info = current.info;
  if (!spec.name.empty()) next.info.name = spec.name;
  if (!spec.description.empty()) next.info.description = spec.description;
  if (!spec.owner_rep.empty()) next.info.owner_rep = spec.owner_rep;
  bool redefined = false;
  if (current.manual()) {
    if (!spec.definition_text.empty() || !spec.definition_json.empty()) {
      return Status::InvalidArgument("a manual segment has no definition: add members instead")
          .WithField("definition");
    }
  } else {
    if (spec.definition_text.empty() && spec.definition_json.empty()) {
      next.condition = segment::Clone(*current.condition);
      next.compiled = current.compiled;
      next.depends_on = current.depends_on;
    } else {
      if (Status s = PrepareRule(*impl_, spec, index, next); !s.ok()) return s;
      redefined = next.info.definition_text != current.info.definition_text;
    }
  }
  if (redefined) ++next.info.version;
  next.info.updated_at = impl_->clock_.Now();
  if (Status s = impl_->SaveSegment(next); !s.ok()) return s;
  current = std::move(next);
  std::vector<MembershipChange> changes;
  if (redefined) {
    impl_->order_ = impl_->TopologicalOrder();
    impl_->EvaluateSegments(impl_->Dependents(index), ToMillis(impl_->clock_.Now()), changes);
  }
  impl_->Emit(changes);
  return impl_->Info(index);
}

Status SegmentEngine::DeleteSegment(const std::string& id) {
  std::unique_lock lock(impl_->mu_);
  int index = impl_->FindSegment(id);
  if (index < 0) return Status::NotFound("no segment '" + id + "'");
  for (int s : impl_->order_) {
    const auto& deps = impl_->segments_[s].depends_on;
    if (s != index && std::find(deps.begin(), deps.end(), index) != deps.end()) {
      return Status::FailedPrecondition("segment '" + impl_->segments_[s].info.name +
                                        "' refers to it; change or delete that one first");
    }
  }
  if (Status s = impl_->store_.DeleteDefinition(kSegmentKind, impl_->segments_[index].info.id);
      !s.ok()) {
    return s;
  }
  std::vector<MembershipChange> changes;
  auto& bits = impl_->members_[index];
  for (size_t w = 0; w < bits.size(); ++w) {
    for (uint64_t word = bits[w]; word; word &= word - 1) {
      changes.push_back({static_cast<int64_t>(w * 64 + __builtin_ctzll(word)), index, false});
    }
  }
  impl_->Emit(changes);
  bits.clear();
  impl_->member_counts_[index] = 0;
  impl_->segments_[index].deleted = true;
  impl_->order_ = impl_->TopologicalOrder();
  return Status::Ok();
}

Result<SegmentInfo> SegmentEngine::GetSegment(const std::string& id_or_name) const {
  std::shared_lock lock(impl_->mu_);
  int index = impl_->FindSegment(id_or_name);
  if (index < 0) return Status::NotFound("no segment '" + id_or_name + "'");
  return impl_->Info(index);
}

std::vector<SegmentInfo> SegmentEngine::ListSegments() const {
  std::shared_lock lock(impl_->mu_);
  std::vector<SegmentInfo> out;
  for (size_t i = 0; i < impl_->segments_.size(); ++i) {
    if (!impl_->segments_[i].deleted) out.push_back(impl_->Info(static_cast<int>(i)));
  }
  return out;
}

Result<SegmentPreview> SegmentEngine::Preview(const SegmentSpec& spec, size_t sample_size) const {
  // Compiling interns new names, so even a preview takes the writer's lock.
  std::unique_lock lock(impl_->mu_);
  SegmentDef def;
  if (Status s = PrepareRule(*impl_, spec, -1, def); !s.ok()) return s;
  SegmentPreview out;
  auto ids = impl_->MatchingProfiles(def.compiled, ToMillis(impl_->clock_.Now()));
  out.count = static_cast<int64_t>(ids.size());
  for (const auto& p : impl_->state_.profiles) out.profiles += p.live;
  ids.resize(std::min(ids.size(), sample_size));
  out.sample = std::move(ids);
  out.definition_text = def.info.definition_text;
  out.definition_json = def.info.definition_json;
  return out;
}

Result<MemberPage> SegmentEngine::Members(const std::string& id, const std::string& cursor,
                                          int limit) const {
  std::shared_lock lock(impl_->mu_);
  int index = impl_->FindSegment(id);
  if (index < 0) return Status::NotFound("no segment '" + id + "'");
  int64_t after = 0;
  if (!cursor.empty()) {
    auto parsed = ParseProfileId(cursor);
    if (!parsed.ok()) {
      return Status::InvalidArgument("cursor '" + cursor + "' is not one this API gave out")
          .WithField("cursor");
    }
    after = *parsed;
  }
  MemberPage page;
  page.total = impl_->member_counts_[index];
  const auto& bits = impl_->members_[index];
  for (int64_t p = after + 1; p < static_cast<int64_t>(bits.size() * 64); ++p) {
    if ((p & 63) == 0 && bits[p >> 6] == 0) {
      p += 63;
      continue;
    }
    if (!impl_->Bit(index, p)) continue;
    if (static_cast<int>(page.profile_ids.size()) == limit) {
      page.next_cursor = ProfileIdString(page.profile_ids.back());
      break;
    }
    page.profile_ids.push_back(p);
  }
  return page;
}

}  // namespace unisono
