#include <algorithm>
#include <boost/unordered/unordered_flat_map.hpp>
#include <deque>
#include <unordered_map>

#include "identity/identity.h"

namespace unisono {
namespace {

constexpr char kSep = '\x1f';

struct TextHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

std::string Key(std::string_view type, std::string_view value) {
  std::string key;
  key.reserve(type.size() + value.size() + 1);
  key.append(type).push_back(kSep);
  key.append(value);
  return key;
}

std::string_view TypeOf(std::string_view key) { return key.substr(0, key.find(kSep)); }

}  // namespace

// Open addressing (one probe into a flat array, not a chain of nodes): the commit
// thread looks up every identifier of every event here. Keys live in `keys`, whose
// addresses never move, so both maps hold views of them.
struct IdentityGraph::Index {
  boost::unordered_flat_map<std::string, Rule, TextHash, std::equal_to<>> rules;
  std::deque<std::string> keys;  // "type\x1fvalue", never removed until Load
  boost::unordered_flat_map<std::string_view, int64_t, TextHash> owner;
  // Per profile the keys it holds.
  boost::unordered_flat_map<int64_t, std::vector<std::string_view>> members;

  void Add(std::string key, int64_t profile) {
    std::string_view k = keys.emplace_back(std::move(key));
    owner.emplace(k, profile);
    members[profile].push_back(k);
  }
};

IdentityGraph::IdentityGraph(IdentityConfig config)
    : config_(std::move(config)), index_(std::make_unique<Index>()) {
  for (const auto& r : config_.rules) index_->rules[r.type] = Rule{r.priority, r.limit};
}

IdentityGraph::~IdentityGraph() = default;

size_t IdentityGraph::identifier_count() const { return index_->owner.size(); }
size_t IdentityGraph::profile_count() const { return index_->members.size(); }

IdentityGraph::Rule IdentityGraph::RuleFor(std::string_view type) const {
  auto it = index_->rules.find(type);
  return it == index_->rules.end() ? Rule{100, 5} : it->second;
}

Status IdentityGraph::Load(Store& store) {
  index_->owner.clear();
  index_->members.clear();
  index_->keys.clear();
  auto max_id = store.MaxProfileId();
  if (!max_id.ok()) return max_id.status();
  next_id_ = *max_id + 1;
  return store.ScanIdentifiers([this](const IdentifierRecord& r) {
    std::string key = Key(r.type, r.value);
    if (!index_->owner.contains(key)) index_->Add(std::move(key), r.profile_id);
  });
}

std::optional<int64_t> IdentityGraph::Find(std::string_view type, std::string_view value) const {
  auto it = index_->owner.find(Key(type, value));
  if (it == index_->owner.end()) return std::nullopt;
  return it->second;
}

int IdentityGraph::CountOfType(int64_t profile, std::string_view type) const {
  auto it = index_->members.find(profile);
  if (it == index_->members.end()) return 0;
  int n = 0;
  for (std::string_view key : it->second) n += TypeOf(key) == type;
  return n;
}

bool IdentityGraph::Fits(int64_t a, int64_t b, const std::vector<std::string>& pending) const {
  std::unordered_map<std::string_view, int> counts;
  for (int64_t p : {a, b}) {
    if (p == 0) continue;
    auto it = index_->members.find(p);
    if (it == index_->members.end()) continue;
    for (std::string_view key : it->second) counts[TypeOf(key)]++;
  }
  for (const auto& key : pending) counts[TypeOf(key)]++;
  for (const auto& [type, n] : counts) {
    if (n > RuleFor(type).limit) return false;
  }
  return true;
}

void IdentityGraph::Attach(const std::string& key, int64_t profile, Timestamp at, Resolution& out) {
  if (!index_->owner.contains(key)) index_->Add(key, profile);
  auto sep = key.find(kSep);
  out.attached.push_back({key.substr(0, sep), key.substr(sep + 1), profile, at});
}

int64_t IdentityGraph::Merge(int64_t a, int64_t b, Timestamp at, const std::string& reason,
                             Resolution& out) {
  int64_t into = std::min(a, b), from = std::max(a, b);  // the older profile survives
  std::vector<std::string_view> moved = std::move(index_->members[from]);
  index_->members.erase(from);
  auto& dest = index_->members[into];  // after the erase: a flat map moves its values
  for (std::string_view key : moved) {
    index_->owner[key] = into;
    dest.push_back(key);
  }
  out.merges.push_back({from, into, at, reason});
  for (auto& r : out.attached) {
    if (r.profile_id == from) r.profile_id = into;
  }
  return into;
}

Resolution IdentityGraph::Resolve(const std::vector<Identifier>& identifiers, Timestamp at) {
  // Most events come from a known customer: every identifier is held already, all by
  // one profile, and nothing changes.
  int64_t holder = 0;
  std::string key;
  for (const auto& id : identifiers) {
    key.assign(id.type).push_back(kSep);
    key.append(id.value);
    auto it = index_->owner.find(std::string_view(key));
    if (it == index_->owner.end() || (holder != 0 && it->second != holder)) {
      holder = 0;
      break;
    }
    holder = it->second;
  }
  if (holder != 0) {
    Resolution known;
    known.profile_id = holder;
    return known;
  }

  std::vector<const Identifier*> order;
  for (const auto& id : identifiers) order.push_back(&id);
  std::stable_sort(order.begin(), order.end(), [&](const Identifier* x, const Identifier* y) {
    return RuleFor(x->type).priority < RuleFor(y->type).priority;
  });

  Resolution out;
  int64_t current = 0;
  // Identifiers nobody holds yet, waiting for the profile they will join.
  std::vector<std::string> pending;
  for (const Identifier* id : order) {
    std::string key = Key(id->type, id->value);
    if (std::find(pending.begin(), pending.end(), key) != pending.end()) continue;
    auto it = index_->owner.find(std::string_view(key));
    if (it == index_->owner.end()) {
      pending.push_back(std::move(key));
      if (!Fits(current, 0, pending)) {
        pending.pop_back();
        out.dropped.push_back(*id);
      }
      continue;
    }
    int64_t holder = it->second;
    if (holder == current) continue;
    if (current == 0 && pending.empty()) {
      // The first known profile: what it holds already never counts against a limit
      // (limits may have been lowered since), only what would join it.
      current = holder;
    } else if (!Fits(current, holder, pending)) {
      out.dropped.push_back(*id);  // e.g. a shared device seen with another user's id
    } else if (current == 0) {
      current = holder;
    } else {
      current = Merge(current, holder, at, "identifier " + id->type + " shared", out);
    }
  }
  if (current == 0) {
    current = next_id_++;
    out.created.push_back({current, at});
    index_->members[current];
  }
  for (const auto& key : pending) Attach(key, current, at, out);
  out.profile_id = current;
  return out;
}

Resolution IdentityGraph::Alias(const std::string& previous_id, const std::string& user_id,
                                Timestamp at) {
  Resolution out = Resolve({{"user_id", user_id}}, at);
  std::optional<int64_t> previous = Find("user_id", previous_id);
  if (!previous) previous = Find("anonymous_id", previous_id);
  if (!previous) {
    // Unknown previous id: remember it as an anonymous id of this profile.
    std::string key = Key("anonymous_id", previous_id);
    if (CountOfType(out.profile_id, "anonymous_id") < RuleFor("anonymous_id").limit) {
      Attach(key, out.profile_id, at, out);
    }
    return out;
  }
  if (*previous != out.profile_id && Fits(*previous, out.profile_id, {})) {
    out.profile_id = Merge(*previous, out.profile_id, at, "alias", out);
  } else if (*previous != out.profile_id) {
    out.dropped.push_back({"previous_id", previous_id});
  }
  return out;
}

}  // namespace unisono
