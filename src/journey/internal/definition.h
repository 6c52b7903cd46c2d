// A journey definition as values: trigger, entry rule, steps, goal, exits, priority.
// Read from JSON (YAML reaches the server as JSON) with errors that name the JSON
// pointer, and written back canonically. Pure functions: thread-safe.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/core.h"

namespace unisono::journey {

// Matches a stored event: its name, optionally its channel and property values.
struct EventMatcher {
  std::string name;     // required
  std::string channel;  // "" any
  // properties.<key> equal to the JSON scalar (string, number or boolean), all of them
  std::vector<std::pair<std::string, std::string>> where;  // key, JSON literal

  bool operator==(const EventMatcher&) const = default;
};

enum class TriggerKind { kEvent, kSegmentEntered, kRepActivation, kSchedule };

struct Trigger {
  TriggerKind kind = TriggerKind::kEvent;
  EventMatcher event;             // kEvent
  std::string segment;            // kSegmentEntered and kSchedule: segment id or name
  Millis every{};                 // kSchedule: enrol the segment's members this often
  std::optional<Timestamp> from;  // kSchedule: first run (default: when published)
};

enum class EntryMode { kOnce, kOncePerPeriod, kReentry };

struct EntryRule {
  EntryMode mode = EntryMode::kReentry;  // a profile is in one instance at a time anyway
  Millis period{};                       // kOncePerPeriod: since its last entry
};

enum class StepType { kWait, kBranch, kSplit, kSend, kTask, kSetTrait, kWebhook, kExit };

struct SplitPath {
  std::string name;  // "a", "b", ...: reported as the variant
  double percent = 0;
  std::string next;  // step id; "" the step after the split
};

// One step. `next` names the step that follows ("" the next one in the list; after
// the last step the journey completes). Only the fields of the step's type are set.
struct Step {
  std::string id;  // unique in the journey; generated "step-N" (1-based) when not given
  StepType type = StepType::kWait;
  std::string next;

  // kWait: exactly one of duration, until_time, until_event.
  std::optional<Millis> duration;
  std::optional<int> until_minute;  // "09:00" -> 540, in the profile's time zone
  std::optional<EventMatcher> until_event;
  Millis timeout{};          // until_event: give up after this long (required)
  std::string timeout_next;  // until_event: where a timeout goes ("" the next step)

  // kBranch: a condition in the segment language (docs/segments.md), canonical text.
  std::string condition;
  std::string then_next;  // "" the next step
  std::string else_next;

  // kSplit: paths whose percents plus holdout add up to 100; holdout exits at once.
  std::vector<SplitPath> paths;
  double holdout_percent = 0;

  // kSend: a content id on a channel, or on "best_channel" among `channels`.
  std::string content;
  std::string channel;
  std::vector<std::string> channels;

  // kTask: for the profile's owner rep.
  std::string title;
  std::vector<std::string> talking_points;
  Millis due{};  // due this long after the task is created (default 3d)

  // kSetTrait
  std::string trait;
  std::string value_json;  // any JSON value

  // kWebhook: POSTs the profile id, journey and step as JSON.
  std::string url;
};

enum class WhenBlocked { kWait, kSkip };

struct JourneyDefinition {
  std::string id;
  int version = 1;
  std::string name;
  std::string description;
  int priority = 0;               // higher goes first when journeys compete for a profile
  std::string status = "active";  // active | paused (paused: no new entries)
  Trigger trigger;
  EntryRule entry;
  std::vector<Step> steps;
  std::optional<EventMatcher> goal;  // ends the journey as converted
  // Events that take the profile out, and segments whose exit does.
  std::vector<EventMatcher> exit_events;
  std::vector<std::string> exit_segments;
  // A send the contact policy holds back: wait until it allows (up to the policy's
  // max delay) or skip the send and go on.
  WhenBlocked when_blocked = WhenBlocked::kWait;

  // Index of the step with this id, or -1.
  int StepIndex(std::string_view step_id) const;
};

// Reads a definition from JSON. Fields (docs/journeys.md has the reference):
//   name (required), description, priority (integer), status ("active"|"paused"),
//   trigger: {"event": {name, channel?, where?}} | {"segment": "id or name"} |
//            {"rep_activation": true} | {"schedule": {"segment": ..., "every": "7d",
//            "from": ISO-8601?}}
//   entry: {"mode": "once"|"once_per_period"|"reentry", "period": "30d"}
//   steps: [ {"id"?, "type": "wait", "duration": "2d" | "until_time": "09:00" |
//             "until_event": {...}, "timeout": "3d", "timeout_next"?},
//            {"type": "branch", "condition": "<segment language>", "then"?, "else"?},
//            {"type": "split", "paths": [{"name", "percent", "next"?}], "holdout"?: 10},
//            {"type": "send", "content": "c1", "channel": "email" | "best_channel",
//             "channels": [...] (required for best_channel)},
//            {"type": "task", "title", "talking_points"?: [...], "due"?: "3d"},
//            {"type": "set_trait", "trait", "value"},
//            {"type": "webhook", "url": "http(s)://..."},
//            {"type": "exit"} ]   each with an optional "next"
//   goal: {name, channel?, where?}
//   exit: {"events": [...matchers], "segments": ["id or name", ...]}
//   when_blocked: "wait" | "skip"
// Unknown fields are errors (a typo must not silently change a journey). Every error
// names the JSON pointer: "/steps/2/duration: '2x' is not a duration like 30d or 12h".
// Checks: step ids unique; every next/then/else/timeout_next names a step; a branch
// condition parses (by `check_condition`, which returns the canonical text); percents
// add up to 100; a wait has exactly one form; a send names its content and channel.
using ConditionChecker = std::function<Result<std::string>(const std::string& condition)>;
Result<JourneyDefinition> ParseJourney(std::string_view json,
                                       const ConditionChecker& check_condition);

// The canonical JSON of a definition, including id, version and generated step ids;
// ParseJourney(JourneyToJson(d)) gives d back.
std::string JourneyToJson(const JourneyDefinition& definition);

// Whether `event` matches: same name, channel when given, and every `where` value.
bool Matches(const EventMatcher& matcher, const Event& event);

std::string_view StepTypeName(StepType type);

}  // namespace unisono::journey
