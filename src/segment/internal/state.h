// The evaluator's in-memory picture of every profile: events as compact rows with
// interned names, channels and property sets; current traits; latest consent per
// channel. Built from the store at start and kept current from each commit.
// Not thread-safe: the engine guards it (one writer, or many readers).
#pragma once

#include <boost/unordered/unordered_flat_map.hpp>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/core.h"

namespace simdjson::dom {
class parser;
}

namespace unisono::segment {

// Hashes std::string and std::string_view alike, so a lookup needs no std::string.
struct TextHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};
// Open addressing: one probe into a flat array instead of a chain of nodes, which
// matters on the commit thread, where every event interns its names and values.
template <typename Key, typename Value>
using TextMap = boost::unordered_flat_map<Key, Value, TextHash, std::equal_to<>>;

// Strings to small ids; id 0 is the empty string ("none").
class Dictionary {
 public:
  Dictionary() { Intern(""); }
  uint32_t Intern(std::string_view s);
  // 0 when never interned.
  uint32_t Find(std::string_view s) const;
  std::string_view Text(uint32_t id) const { return texts_[id]; }
  size_t size() const { return texts_.size(); }

 private:
  std::deque<std::string> texts_;  // stable addresses for the views below
  TextMap<std::string_view, uint32_t> ids_;
};

struct Value {
  enum class Kind : uint8_t { kNull, kBool, kNumber, kString, kTime };
  Kind kind = Kind::kNull;
  uint32_t str = 0;     // kString: dictionary id
  double number = 0;    // kNumber; kBool as 0/1
  int64_t time_ms = 0;  // kTime

  static Value Number(double n) { return {Kind::kNumber, 0, n, 0}; }
  static Value Bool(bool b) { return {Kind::kBool, 0, b ? 1.0 : 0.0, 0}; }
  static Value String(uint32_t id) { return {Kind::kString, id, 0, 0}; }
  static Value Time(int64_t ms) { return {Kind::kTime, 0, 0, ms}; }
  bool null() const { return kind == Kind::kNull; }
  bool operator==(const Value&) const = default;
};

struct Prop {
  uint32_t key = 0;
  Value value;
};

// Distinct property sets, shared by every event that carries the same one (most
// events of a campaign do), so an event row stays 24 bytes.
class PropSetPool {
 public:
  PropSetPool() { Intern({}); }
  uint32_t Intern(std::vector<Prop> props);  // sorts by key
  const Value* Find(uint32_t set, uint32_t key) const;
  size_t size() const { return offsets_.size() - 1; }
  size_t bytes() const { return props_.capacity() * sizeof(Prop) + offsets_.capacity() * 4; }

 private:
  std::vector<Prop> props_;
  std::vector<uint32_t> offsets_{0};    // set i is props_[offsets_[i], offsets_[i+1])
  TextMap<std::string, uint32_t> ids_;  // packed bytes of a set -> id
  std::string packed_;                  // the set being looked up, reused
};

struct EventRow {
  int64_t ts_ms = 0;
  uint32_t name = 0;
  uint32_t props = 0;
  uint16_t channel = 0;  // index into State::channels
  EventType type = EventType::kTrack;
  bool system = false;  // unisono's own records (segment_entered, email_delivered, ...)
};
static_assert(sizeof(EventRow) == 24);

struct TraitSlot {
  uint32_t key = 0;
  Value value;
  int64_t at_ms = 0;
};

struct ConsentSlot {
  uint16_t channel = 0;
  bool granted = false;
  int64_t at_ms = 0;
};

struct ProfileState {
  std::vector<EventRow> events;  // by time, oldest first
  std::vector<TraitSlot> traits;
  std::vector<ConsentSlot> consent;
  int64_t created_ms = 0;
  bool live = false;  // exists and was not merged away

  const Value* Trait(uint32_t key) const;
  bool Consent(uint16_t channel) const;
};

class State {
 public:
  Dictionary dict;
  PropSetPool props;
  std::vector<ProfileState> profiles;  // by profile id (index 0 unused)

  uint16_t ChannelIndex(std::string_view channel);
  uint16_t FindChannel(std::string_view channel) const;  // 0 when unknown
  std::string_view ChannelId(uint16_t index) const { return channels_[index]; }
  size_t channel_count() const { return channels_.size(); }

  ProfileState& Profile(int64_t id);  // grows the table
  const ProfileState* Find(int64_t id) const;

  // Adds one stored event (keeps time order).
  void AddEvent(const Event& e);
  void SetTrait(int64_t profile, const std::string& key, const std::string& value_json,
                int64_t at_ms);
  void SetConsent(int64_t profile, const std::string& channel, bool granted, int64_t at_ms);
  // Folds `from` into `into` (events, the newer trait and consent values).
  void Merge(int64_t from, int64_t into);

  Value ParseJsonValue(std::string_view json);
  size_t EventCount() const;
  size_t Bytes() const;  // memory held, approximately

 private:
  simdjson::dom::parser& Parser();

  std::shared_ptr<simdjson::dom::parser> parser_;  // reused: parsing allocates otherwise
  std::vector<std::string> channels_{""};
  TextMap<std::string, uint16_t> channel_ids_;
};

// Property names an event answers to besides its own properties.
inline constexpr std::string_view kLiftedProperties[] = {"campaign",   "communication", "product",
                                                         "touchpoint", "rep_id",        "stage",
                                                         "value",      "cost",          "currency"};

}  // namespace unisono::segment
