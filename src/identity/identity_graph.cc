#include <algorithm>

#include "identity/identity.h"

namespace unisono {
namespace {

constexpr char kSep = '\x1f';

std::string Key(std::string_view type, std::string_view value) {
  std::string key;
  key.reserve(type.size() + value.size() + 1);
  key.append(type).push_back(kSep);
  key.append(value);
  return key;
}

std::string_view TypeOf(const std::string& key) {
  return std::string_view(key).substr(0, key.find(kSep));
}

}  // namespace

IdentityGraph::IdentityGraph(IdentityConfig config) : config_(std::move(config)) {
  for (const auto& r : config_.rules) rules_[r.type] = Rule{r.priority, r.limit};
}

IdentityGraph::Rule IdentityGraph::RuleFor(std::string_view type) const {
  auto it = rules_.find(std::string(type));
  return it == rules_.end() ? Rule{100, 5} : it->second;
}

Status IdentityGraph::Load(Store& store) {
  owner_.clear();
  members_.clear();
  auto max_id = store.MaxProfileId();
  if (!max_id.ok()) return max_id.status();
  next_id_ = *max_id + 1;
  return store.ScanIdentifiers([this](const IdentifierRecord& r) {
    auto [it, inserted] = owner_.emplace(Key(r.type, r.value), r.profile_id);
    members_[r.profile_id].push_back(&it->first);
  });
}

std::optional<int64_t> IdentityGraph::Find(std::string_view type, std::string_view value) const {
  auto it = owner_.find(Key(type, value));
  if (it == owner_.end()) return std::nullopt;
  return it->second;
}

int IdentityGraph::CountOfType(int64_t profile, std::string_view type) const {
  auto it = members_.find(profile);
  if (it == members_.end()) return 0;
  int n = 0;
  for (const std::string* key : it->second) n += TypeOf(*key) == type;
  return n;
}

bool IdentityGraph::Fits(int64_t a, int64_t b, const std::vector<std::string>& pending) const {
  std::unordered_map<std::string_view, int> counts;
  for (int64_t p : {a, b}) {
    if (p == 0) continue;
    auto it = members_.find(p);
    if (it == members_.end()) continue;
    for (const std::string* key : it->second) counts[TypeOf(*key)]++;
  }
  for (const auto& key : pending) counts[TypeOf(key)]++;
  for (const auto& [type, n] : counts) {
    if (n > RuleFor(type).limit) return false;
  }
  return true;
}

void IdentityGraph::Attach(const std::string& key, int64_t profile, Timestamp at, Resolution& out) {
  auto [it, inserted] = owner_.emplace(key, profile);
  members_[profile].push_back(&it->first);
  auto sep = key.find(kSep);
  out.attached.push_back({key.substr(0, sep), key.substr(sep + 1), profile, at});
}

int64_t IdentityGraph::Merge(int64_t a, int64_t b, Timestamp at, const std::string& reason,
                             Resolution& out) {
  int64_t into = std::min(a, b), from = std::max(a, b);  // the older profile survives
  auto& dest = members_[into];
  for (const std::string* key : members_[from]) {
    owner_[*key] = into;
    dest.push_back(key);
  }
  members_.erase(from);
  out.merges.push_back({from, into, at, reason});
  for (auto& r : out.attached) {
    if (r.profile_id == from) r.profile_id = into;
  }
  return into;
}

Resolution IdentityGraph::Resolve(const std::vector<Identifier>& identifiers, Timestamp at) {
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
    auto it = owner_.find(key);
    if (it == owner_.end()) {
      pending.push_back(std::move(key));
      if (!Fits(current, 0, pending)) {
        pending.pop_back();
        out.dropped.push_back(*id);
      }
      continue;
    }
    int64_t holder = it->second;
    if (holder == current) continue;
    if (!Fits(current, holder, pending)) {
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
    members_[current];
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
