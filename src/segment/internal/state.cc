#include "segment/internal/state.h"

#include <simdjson.h>

#include <algorithm>
#include <cstring>

namespace unisono::segment {

uint32_t Dictionary::Intern(std::string_view s) {
  if (auto it = ids_.find(s); it != ids_.end()) return it->second;
  texts_.emplace_back(s);
  auto id = static_cast<uint32_t>(texts_.size() - 1);
  ids_.emplace(texts_.back(), id);
  return id;
}

uint32_t Dictionary::Find(std::string_view s) const {
  auto it = ids_.find(s);
  return it == ids_.end() ? 0 : it->second;
}

uint32_t PropSetPool::Intern(std::vector<Prop> props) {
  std::sort(props.begin(), props.end(), [](const Prop& a, const Prop& b) { return a.key < b.key; });
  std::string& packed = packed_;
  packed.clear();
  for (const auto& p : props) {
    packed.append(reinterpret_cast<const char*>(&p.key), 4);
    packed.push_back(static_cast<char>(p.value.kind));
    packed.append(reinterpret_cast<const char*>(&p.value.str), 4);
    packed.append(reinterpret_cast<const char*>(&p.value.number), 8);
    packed.append(reinterpret_cast<const char*>(&p.value.time_ms), 8);
  }
  if (auto it = ids_.find(packed); it != ids_.end()) return it->second;
  props_.insert(props_.end(), props.begin(), props.end());
  offsets_.push_back(static_cast<uint32_t>(props_.size()));
  auto id = static_cast<uint32_t>(offsets_.size() - 2);
  ids_.emplace(packed, id);
  return id;
}

const Value* PropSetPool::Find(uint32_t set, uint32_t key) const {
  auto begin = props_.begin() + offsets_[set];
  auto end = props_.begin() + offsets_[set + 1];
  auto it = std::lower_bound(begin, end, key, [](const Prop& p, uint32_t k) { return p.key < k; });
  return it != end && it->key == key ? &it->value : nullptr;
}

const Value* ProfileState::Trait(uint32_t key) const {
  for (const auto& t : traits) {
    if (t.key == key) return &t.value;
  }
  return nullptr;
}

bool ProfileState::Consent(uint16_t channel) const {
  for (const auto& c : consent) {
    if (c.channel == channel) return c.granted;
  }
  return false;
}

uint16_t State::ChannelIndex(std::string_view channel) {
  if (auto it = channel_ids_.find(channel); it != channel_ids_.end()) return it->second;
  dict.Intern(channel);  // so a channel also compares as a string value
  channels_.emplace_back(channel);
  auto id = static_cast<uint16_t>(channels_.size() - 1);
  channel_ids_.emplace(std::string(channel), id);
  return id;
}

uint16_t State::FindChannel(std::string_view channel) const {
  auto it = channel_ids_.find(channel);
  return it == channel_ids_.end() ? 0 : it->second;
}

ProfileState& State::Profile(int64_t id) {
  if (static_cast<size_t>(id) >= profiles.size()) {
    profiles.resize(std::max<size_t>(id + 1, profiles.size() * 3 / 2));
  }
  ProfileState& p = profiles[id];
  p.live = true;
  return p;
}

const ProfileState* State::Find(int64_t id) const {
  if (id <= 0 || static_cast<size_t>(id) >= profiles.size() || !profiles[id].live) return nullptr;
  return &profiles[id];
}

simdjson::dom::parser& State::Parser() {
  if (!parser_) parser_ = std::make_shared<simdjson::dom::parser>();
  return *parser_;
}

Value State::ParseJsonValue(std::string_view json) {
  simdjson::dom::parser& parser = Parser();
  simdjson::dom::element v;
  if (parser.parse(json.data(), json.size()).get(v) != simdjson::SUCCESS) {
    return Value::String(dict.Intern(json));
  }
  switch (v.type()) {
    case simdjson::dom::element_type::STRING:
      return Value::String(dict.Intern(v.get_string().value()));
    case simdjson::dom::element_type::INT64:
    case simdjson::dom::element_type::UINT64:
    case simdjson::dom::element_type::DOUBLE:
      return Value::Number(v.get_double().value());
    case simdjson::dom::element_type::BOOL:
      return Value::Bool(v.get_bool().value());
    case simdjson::dom::element_type::NULL_VALUE:
      return Value{};
    default:  // arrays and objects: their JSON text, which `contains` can search
      return Value::String(dict.Intern(json));
  }
}

namespace {

// Top-level scalar properties; the lifted omnichannel fields come from the event.
std::vector<Prop> EventProps(const Event& e, Dictionary& dict, simdjson::dom::parser& parser) {
  std::vector<Prop> out;
  auto text = [&](std::string_view key, const std::string& v) {
    if (!v.empty()) out.push_back({dict.Intern(key), Value::String(dict.Intern(v))});
  };
  text("campaign", e.campaign);
  text("communication", e.communication);
  text("product", e.product);
  text("touchpoint", e.touchpoint);
  text("rep_id", e.rep_id);
  text("stage", e.stage);
  text("currency", e.currency);
  if (e.value_minor) out.push_back({dict.Intern("value"), Value::Number(*e.value_minor / 100.0)});
  if (e.cost_minor) out.push_back({dict.Intern("cost"), Value::Number(*e.cost_minor / 100.0)});

  simdjson::dom::object object;
  if (e.properties_json.size() <= 2 ||
      parser.parse(e.properties_json).get(object) != simdjson::SUCCESS) {
    return out;
  }
  for (auto field : object) {
    std::string_view key = field.key;
    if (std::find(std::begin(kLiftedProperties), std::end(kLiftedProperties), key) !=
            std::end(kLiftedProperties) ||
        key == "channel") {
      continue;
    }
    Value v;
    switch (field.value.type()) {
      case simdjson::dom::element_type::STRING:
        v = Value::String(dict.Intern(field.value.get_string().value()));
        break;
      case simdjson::dom::element_type::INT64:
      case simdjson::dom::element_type::UINT64:
      case simdjson::dom::element_type::DOUBLE:
        v = Value::Number(field.value.get_double().value());
        break;
      case simdjson::dom::element_type::BOOL:
        v = Value::Bool(field.value.get_bool().value());
        break;
      default:
        continue;  // nested values are not filterable
    }
    out.push_back({dict.Intern(key), v});
  }
  return out;
}

}  // namespace

void State::AddEvent(const Event& e) {
  ProfileState& p = Profile(e.profile_id);
  EventRow row;
  row.ts_ms = ToMillis(e.timestamp);
  row.name = dict.Intern(e.name);
  row.channel = ChannelIndex(e.channel);
  row.type = e.type;
  row.system = e.source == "segment" || e.source == "delivery";  // not the customer's doing
  row.props = props.Intern(EventProps(e, dict, Parser()));
  if (p.events.empty() || p.events.back().ts_ms <= row.ts_ms) {
    p.events.push_back(row);
  } else {
    auto at = std::upper_bound(p.events.begin(), p.events.end(), row.ts_ms,
                               [](int64_t t, const EventRow& r) { return t < r.ts_ms; });
    p.events.insert(at, row);
  }
}

void State::SetTrait(int64_t profile, const std::string& key, const std::string& value_json,
                     int64_t at_ms) {
  ProfileState& p = Profile(profile);
  uint32_t k = dict.Intern(key);
  Value v = ParseJsonValue(value_json);
  for (auto& t : p.traits) {
    if (t.key == k) {
      if (at_ms >= t.at_ms) t = {k, v, at_ms};
      return;
    }
  }
  p.traits.push_back({k, v, at_ms});
}

void State::SetConsent(int64_t profile, const std::string& channel, bool granted, int64_t at_ms) {
  ProfileState& p = Profile(profile);
  uint16_t c = ChannelIndex(channel);
  for (auto& slot : p.consent) {
    if (slot.channel == c) {
      if (at_ms >= slot.at_ms) slot = {c, granted, at_ms};
      return;
    }
  }
  p.consent.push_back({c, granted, at_ms});
}

void State::Merge(int64_t from, int64_t into) {
  if (from == into || static_cast<size_t>(from) >= profiles.size()) return;
  ProfileState gone = std::move(profiles[from]);
  profiles[from] = ProfileState{};
  ProfileState& p = Profile(into);
  size_t mid = p.events.size();
  p.events.insert(p.events.end(), gone.events.begin(), gone.events.end());
  std::inplace_merge(p.events.begin(), p.events.begin() + mid, p.events.end(),
                     [](const EventRow& a, const EventRow& b) { return a.ts_ms < b.ts_ms; });
  for (const auto& t : gone.traits) {
    bool found = false;
    for (auto& mine : p.traits) {
      if (mine.key != t.key) continue;
      found = true;
      if (t.at_ms > mine.at_ms) mine = t;
    }
    if (!found) p.traits.push_back(t);
  }
  for (const auto& c : gone.consent) {
    bool found = false;
    for (auto& mine : p.consent) {
      if (mine.channel != c.channel) continue;
      found = true;
      if (c.at_ms > mine.at_ms) mine = c;
    }
    if (!found) p.consent.push_back(c);
  }
  if (gone.created_ms && (!p.created_ms || gone.created_ms < p.created_ms)) {
    p.created_ms = gone.created_ms;
  }
}

size_t State::EventCount() const {
  size_t n = 0;
  for (const auto& p : profiles) n += p.events.size();
  return n;
}

size_t State::Bytes() const {
  size_t n = profiles.capacity() * sizeof(ProfileState) + props.bytes();
  for (const auto& p : profiles) {
    n += p.events.capacity() * sizeof(EventRow) + p.traits.capacity() * sizeof(TraitSlot) +
         p.consent.capacity() * sizeof(ConsentSlot);
  }
  for (size_t i = 0; i < dict.size(); ++i) n += dict.Text(static_cast<uint32_t>(i)).size() + 48;
  return n;
}

}  // namespace unisono::segment
