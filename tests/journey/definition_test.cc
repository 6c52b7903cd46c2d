// Journey definitions: reading JSON (every field, every error with its JSON pointer),
// the canonical JSON and its round trip, and matching events against matchers.
#include "journey/internal/definition.h"

#include <gtest/gtest.h>

#include <string>

namespace unisono::journey {
namespace {

using std::chrono::days;
using std::chrono::hours;
using std::chrono::minutes;

// Stands in for the segment language: rejects "!!", returns the text trimmed.
Result<std::string> FakeCondition(const std::string& condition) {
  if (condition.find("!!") != std::string::npos) {
    return Status::InvalidArgument("unexpected '!!' at column 1");
  }
  return Trim(condition);
}

// Every step type, every trigger-independent field, and the references between steps.
constexpr const char* kFullJourney = R"json({
  "id": "j_7", "version": 3,
  "name": "Onboarding", "description": "Welcome new HCPs", "priority": -2,
  "status": "paused",
  "trigger": {"event": {"name": "Signed Up", "channel": "web",
                        "where": {"plan": "pro", "seats": 5, "trial": false}}},
  "entry": {"mode": "once_per_period", "period": "30d"},
  "steps": [
    {"id": "wait-1", "type": "wait", "duration": "2d"},
    {"id": "morning", "type": "wait", "until_time": "09:30"},
    {"id": "opened", "type": "wait", "until_event": {"name": "Email Opened"},
     "timeout": "3d", "timeout_next": "call"},
    {"id": "engaged", "type": "branch", "condition": "  trait(score) > 5  ",
     "then": "send-email", "else": "call"},
    {"type": "split", "paths": [{"percent": 45, "next": "send-email"},
                                {"name": "b", "percent": 45.5}], "holdout": 9.5},
    {"id": "send-email", "type": "send", "content": "welcome", "channel": "email",
     "next": "trait"},
    {"id": "call", "type": "task", "title": "Call them",
     "talking_points": ["new study", "samples"], "due": "12h"},
    {"id": "best", "type": "send", "content": "reminder", "channel": "best_channel",
     "channels": ["email", "sms"]},
    {"id": "trait", "type": "set_trait", "trait": "onboarded",
     "value": {"at": "week 1", "score": 0.5}},
    {"id": "hook", "type": "webhook", "url": "https://crm.example.com/hook"},
    {"id": "done", "type": "exit"}
  ],
  "goal": {"name": "First Order", "where": {"value": 12.5}},
  "exit": {"events": [{"name": "Unsubscribed"}], "segments": ["Churned", "seg_4"]},
  "when_blocked": "skip"
})json";

JourneyDefinition MustParse(std::string_view json) {
  Result<JourneyDefinition> r = ParseJourney(json, FakeCondition);
  EXPECT_TRUE(r.ok()) << r.status().message();
  return r.ok() ? r.value() : JourneyDefinition{};
}

std::string ErrorOf(std::string_view json) {
  Result<JourneyDefinition> r = ParseJourney(json, FakeCondition);
  return r.ok() ? "(parsed: " + JourneyToJson(r.value()) + ")" : r.status().message();
}

// A journey around `steps`, with an event trigger.
std::string WithSteps(std::string_view steps) {
  return R"({"name": "J", "trigger": {"event": {"name": "Signed Up"}}, "steps": )" +
         std::string(steps) + "}";
}

// A one-step journey with more top-level fields.
std::string WithFields(std::string_view fields) {
  return R"({"name": "J", "steps": [{"type": "exit"}], )" + std::string(fields) + "}";
}

std::string WithTrigger(std::string_view trigger) {
  return WithFields(R"("trigger": )" + std::string(trigger));
}

void ExpectSameSteps(const Step& a, const Step& b) {
  SCOPED_TRACE("step " + a.id);
  EXPECT_EQ(a.id, b.id);
  EXPECT_EQ(a.type, b.type);
  EXPECT_EQ(a.next, b.next);
  EXPECT_EQ(a.duration, b.duration);
  EXPECT_EQ(a.until_minute, b.until_minute);
  EXPECT_EQ(a.until_event, b.until_event);
  EXPECT_EQ(a.timeout.count(), b.timeout.count());
  EXPECT_EQ(a.timeout_next, b.timeout_next);
  EXPECT_EQ(a.condition, b.condition);
  EXPECT_EQ(a.then_next, b.then_next);
  EXPECT_EQ(a.else_next, b.else_next);
  ASSERT_EQ(a.paths.size(), b.paths.size());
  for (size_t i = 0; i < a.paths.size(); ++i) {
    EXPECT_EQ(a.paths[i].name, b.paths[i].name);
    EXPECT_EQ(a.paths[i].percent, b.paths[i].percent);
    EXPECT_EQ(a.paths[i].next, b.paths[i].next);
  }
  EXPECT_EQ(a.holdout_percent, b.holdout_percent);
  EXPECT_EQ(a.content, b.content);
  EXPECT_EQ(a.channel, b.channel);
  EXPECT_EQ(a.channels, b.channels);
  EXPECT_EQ(a.title, b.title);
  EXPECT_EQ(a.talking_points, b.talking_points);
  EXPECT_EQ(a.due.count(), b.due.count());
  EXPECT_EQ(a.trait, b.trait);
  EXPECT_EQ(a.value_json, b.value_json);
  EXPECT_EQ(a.url, b.url);
}

void ExpectSameDefinitions(const JourneyDefinition& a, const JourneyDefinition& b) {
  EXPECT_EQ(a.id, b.id);
  EXPECT_EQ(a.version, b.version);
  EXPECT_EQ(a.name, b.name);
  EXPECT_EQ(a.description, b.description);
  EXPECT_EQ(a.priority, b.priority);
  EXPECT_EQ(a.status, b.status);
  EXPECT_EQ(a.trigger.kind, b.trigger.kind);
  EXPECT_EQ(a.trigger.event, b.trigger.event);
  EXPECT_EQ(a.trigger.segment, b.trigger.segment);
  EXPECT_EQ(a.trigger.every.count(), b.trigger.every.count());
  EXPECT_EQ(a.trigger.from, b.trigger.from);
  EXPECT_EQ(a.entry.mode, b.entry.mode);
  EXPECT_EQ(a.entry.period.count(), b.entry.period.count());
  ASSERT_EQ(a.steps.size(), b.steps.size());
  for (size_t i = 0; i < a.steps.size(); ++i) ExpectSameSteps(a.steps[i], b.steps[i]);
  EXPECT_EQ(a.goal, b.goal);
  EXPECT_EQ(a.exit_events, b.exit_events);
  EXPECT_EQ(a.exit_segments, b.exit_segments);
  EXPECT_EQ(a.when_blocked, b.when_blocked);
}

void ExpectRoundTrip(const JourneyDefinition& d) {
  std::string json = JourneyToJson(d);
  SCOPED_TRACE(json);
  JourneyDefinition again = MustParse(json);
  ExpectSameDefinitions(d, again);
  EXPECT_EQ(JourneyToJson(again), json);
}

Event Track(std::string name, std::string channel, std::string properties) {
  Event e;
  e.name = std::move(name);
  e.channel = std::move(channel);
  e.properties_json = std::move(properties);
  return e;
}

EventMatcher Where(std::string key, std::string literal) {
  return {"Signed Up", "", {{std::move(key), std::move(literal)}}};
}

// --- Reading a valid journey ----------------------------------------------------------

TEST(JourneyDefinition, ReadsTheTopLevelFields) {
  JourneyDefinition d = MustParse(kFullJourney);
  EXPECT_EQ(d.id, "j_7");
  EXPECT_EQ(d.version, 3);
  EXPECT_EQ(d.name, "Onboarding");
  EXPECT_EQ(d.description, "Welcome new HCPs");
  EXPECT_EQ(d.priority, -2);
  EXPECT_EQ(d.status, "paused");
  EXPECT_EQ(d.entry.mode, EntryMode::kOncePerPeriod);
  EXPECT_EQ(d.entry.period, days(30));
  EXPECT_EQ(d.when_blocked, WhenBlocked::kSkip);
  EXPECT_EQ(d.exit_segments, (std::vector<std::string>{"Churned", "seg_4"}));
  ASSERT_EQ(d.exit_events.size(), 1u);
  EXPECT_EQ(d.exit_events[0].name, "Unsubscribed");
  ASSERT_TRUE(d.goal);
  EXPECT_EQ(d.goal->where, (std::vector<std::pair<std::string, std::string>>{{"value", "1.25E1"}}));
}

TEST(JourneyDefinition, ReadsAnEventTriggerWithItsWhereValuesAsJson) {
  JourneyDefinition d = MustParse(kFullJourney);
  EXPECT_EQ(d.trigger.kind, TriggerKind::kEvent);
  EXPECT_EQ(d.trigger.event.name, "Signed Up");
  EXPECT_EQ(d.trigger.event.channel, "web");
  EXPECT_EQ(d.trigger.event.where, (std::vector<std::pair<std::string, std::string>>{
                                       {"plan", "\"pro\""}, {"seats", "5"}, {"trial", "false"}}));
}

TEST(JourneyDefinition, ReadsEveryStepType) {
  JourneyDefinition d = MustParse(kFullJourney);
  ASSERT_EQ(d.steps.size(), 11u);
  std::vector<std::string_view> types;
  for (const Step& s : d.steps) types.push_back(StepTypeName(s.type));
  EXPECT_EQ(types, (std::vector<std::string_view>{"wait", "wait", "wait", "branch", "split", "send",
                                                  "task", "send", "set_trait", "webhook", "exit"}));
}

TEST(JourneyDefinition, ReadsTheThreeFormsOfWait) {
  JourneyDefinition d = MustParse(kFullJourney);
  EXPECT_EQ(d.steps[0].duration, days(2));
  EXPECT_EQ(d.steps[1].until_minute, 9 * 60 + 30);
  ASSERT_TRUE(d.steps[2].until_event);
  EXPECT_EQ(d.steps[2].until_event->name, "Email Opened");
  EXPECT_EQ(d.steps[2].timeout, days(3));
  EXPECT_EQ(d.steps[2].timeout_next, "call");
}

TEST(JourneyDefinition, StoresTheCanonicalTextOfABranchCondition) {
  Step branch = MustParse(kFullJourney).steps[3];
  EXPECT_EQ(branch.condition, "trait(score) > 5");
  EXPECT_EQ(branch.then_next, "send-email");
  EXPECT_EQ(branch.else_next, "call");
}

TEST(JourneyDefinition, NamesSplitPathsByPositionWhenNotGiven) {
  Step split = MustParse(kFullJourney).steps[4];
  ASSERT_EQ(split.paths.size(), 2u);
  EXPECT_EQ(split.paths[0].name, "a");
  EXPECT_EQ(split.paths[0].percent, 45);
  EXPECT_EQ(split.paths[0].next, "send-email");
  EXPECT_EQ(split.paths[1].name, "b");
  EXPECT_EQ(split.holdout_percent, 9.5);
}

TEST(JourneyDefinition, GeneratesStepIdsFromThePosition) {
  JourneyDefinition d = MustParse(WithSteps(R"([{"type": "wait", "duration": "1h"},
                                                 {"id": "x", "type": "exit"},
                                                 {"type": "exit"}])"));
  EXPECT_EQ(d.steps[0].id, "step-1");
  EXPECT_EQ(d.steps[2].id, "step-3");
  EXPECT_EQ(d.StepIndex("step-3"), 2);
}

TEST(JourneyDefinition, ReadsSendTaskSetTraitAndWebhookSteps) {
  JourneyDefinition d = MustParse(kFullJourney);
  EXPECT_EQ(d.steps[5].content, "welcome");
  EXPECT_EQ(d.steps[5].channel, "email");
  EXPECT_EQ(d.steps[5].next, "trait");
  EXPECT_EQ(d.steps[6].title, "Call them");
  EXPECT_EQ(d.steps[6].talking_points, (std::vector<std::string>{"new study", "samples"}));
  EXPECT_EQ(d.steps[6].due, hours(12));
  EXPECT_EQ(d.steps[7].channels, (std::vector<std::string>{"email", "sms"}));
  EXPECT_EQ(d.steps[8].value_json, R"({"at":"week 1","score":5E-1})");
  EXPECT_EQ(d.steps[9].url, "https://crm.example.com/hook");
}

TEST(JourneyDefinition, FillsDefaultsForOptionalFields) {
  JourneyDefinition d = MustParse(WithSteps(R"([{"type": "task", "title": "Call"}])"));
  EXPECT_EQ(d.version, 1);
  EXPECT_EQ(d.priority, 0);
  EXPECT_EQ(d.status, "active");
  EXPECT_EQ(d.entry.mode, EntryMode::kReentry);
  EXPECT_EQ(d.when_blocked, WhenBlocked::kWait);
  EXPECT_FALSE(d.goal);
  EXPECT_EQ(d.steps[0].due, days(3));
}

TEST(JourneyDefinition, ReadsASegmentTrigger) {
  JourneyDefinition d = MustParse(WithTrigger(R"({"segment": "High Value"})"));
  EXPECT_EQ(d.trigger.kind, TriggerKind::kSegmentEntered);
  EXPECT_EQ(d.trigger.segment, "High Value");
}

TEST(JourneyDefinition, ReadsARepActivationTrigger) {
  EXPECT_EQ(MustParse(WithTrigger(R"({"rep_activation": true})")).trigger.kind,
            TriggerKind::kRepActivation);
}

TEST(JourneyDefinition, ReadsAScheduleTriggerWithItsFirstRun) {
  JourneyDefinition d = MustParse(WithTrigger(R"({"schedule": {"segment": "seg_2", "every": "7d",
                                    "from": "2026-02-01T09:00:00+01:00"}})"));
  EXPECT_EQ(d.trigger.kind, TriggerKind::kSchedule);
  EXPECT_EQ(d.trigger.segment, "seg_2");
  EXPECT_EQ(d.trigger.every, days(7));
  ASSERT_TRUE(d.trigger.from);
  EXPECT_EQ(FormatTimestamp(*d.trigger.from), "2026-02-01T08:00:00.000Z");
}

TEST(JourneyDefinition, StepIndexIsMinusOneForAnUnknownId) {
  JourneyDefinition d = MustParse(kFullJourney);
  EXPECT_EQ(d.StepIndex("call"), 6);
  EXPECT_EQ(d.StepIndex("nope"), -1);
}

TEST(JourneyDefinition, StepTypeNamesAreTheJsonTypes) {
  EXPECT_EQ(StepTypeName(StepType::kWait), "wait");
  EXPECT_EQ(StepTypeName(StepType::kBranch), "branch");
  EXPECT_EQ(StepTypeName(StepType::kSplit), "split");
  EXPECT_EQ(StepTypeName(StepType::kSend), "send");
  EXPECT_EQ(StepTypeName(StepType::kTask), "task");
  EXPECT_EQ(StepTypeName(StepType::kSetTrait), "set_trait");
  EXPECT_EQ(StepTypeName(StepType::kWebhook), "webhook");
  EXPECT_EQ(StepTypeName(StepType::kExit), "exit");
}

// --- The canonical JSON ----------------------------------------------------------------

TEST(JourneyDefinitionJson, FullJourneyRoundTripsFieldByField) {
  ExpectRoundTrip(MustParse(kFullJourney));
}

TEST(JourneyDefinitionJson, EveryTriggerFormRoundTrips) {
  ExpectRoundTrip(MustParse(WithTrigger(R"({"segment": "High Value"})")));
  ExpectRoundTrip(MustParse(WithTrigger(R"({"rep_activation": true})")));
  ExpectRoundTrip(MustParse(WithTrigger(R"({"schedule": {"segment": "s", "every": "90m"}})")));
  ExpectRoundTrip(MustParse(WithTrigger(
      R"({"schedule": {"segment": "s", "every": "1d", "from": "2026-02-01T09:00:00.250Z"}})")));
}

TEST(JourneyDefinitionJson, AJourneyBuiltInCodeRoundTrips) {
  JourneyDefinition d;
  d.name = "Coded";
  d.trigger.event = {"Visit", "rep", {{"n", "7"}, {"ok", "true"}}};
  d.entry.mode = EntryMode::kOnce;
  Step wait{.id = "w", .type = StepType::kWait};
  wait.until_minute = 0;
  Step split{.id = "s", .type = StepType::kSplit};
  split.paths = {{"control", 1.0 / 3, ""}, {"test", 2.0 / 3 * 100 - 1.0 / 3, "w"}};
  split.holdout_percent = 100 - split.paths[0].percent - split.paths[1].percent;
  Step trait{.id = "t", .type = StepType::kSetTrait};
  trait.trait = "score";
  trait.value_json = "5E0";
  d.steps = {wait, split, trait};
  ExpectRoundTrip(d);
}

TEST(JourneyDefinitionJson, WritesFieldsInCanonicalOrderAndLeavesDefaultsOut) {
  JourneyDefinition d = MustParse(R"({"steps": [{"type": "wait", "duration": "36h"},
      {"type": "send", "channel": "sms", "content": "c1"}],
      "trigger": {"event": {"name": "Signed Up"}}, "name": "Welcome", "status": "active"})");
  EXPECT_EQ(JourneyToJson(d), R"({"version":1,"name":"Welcome","status":"active",)"
                              R"("trigger":{"event":{"name":"Signed Up"}},)"
                              R"("steps":[{"id":"step-1","type":"wait","duration":"36h"},)"
                              R"({"id":"step-2","type":"send","content":"c1","channel":"sms"}]})");
}

TEST(JourneyDefinitionJson, WritesTimesOfDayAndNumbersReadably) {
  std::string json = JourneyToJson(MustParse(WithSteps(R"([
      {"type": "wait", "until_time": "07:05"},
      {"type": "split", "paths": [{"percent": 50}, {"percent": 25.5}], "holdout": 24.5},
      {"type": "set_trait", "trait": "t", "value": [1.0, 0.25, 3]}])")));
  EXPECT_NE(json.find(R"("until_time":"07:05")"), std::string::npos) << json;
  EXPECT_NE(json.find(R"("percent":50})"), std::string::npos) << json;
  EXPECT_NE(json.find(R"("percent":25.5})"), std::string::npos) << json;
  EXPECT_NE(json.find(R"("holdout":24.5)"), std::string::npos) << json;
  EXPECT_NE(json.find(R"("value":[1.0,0.25,3])"), std::string::npos) << json;
}

// --- Errors: the JSON itself and the top level -------------------------------------------

TEST(JourneyDefinitionErrors, InvalidJsonNamesLineAndColumn) {
  EXPECT_EQ(ErrorOf("{\"name\": \"J\",\n  \"steps\": [}"),
            "/: not valid JSON at line 2, column 13 (syntax error)");
}

TEST(JourneyDefinitionErrors, NameIsRequired) {
  EXPECT_EQ(ErrorOf(R"({"trigger": {"rep_activation": true}, "steps": [{"type": "exit"}]})"),
            "/name: required");
}

TEST(JourneyDefinitionErrors, UnknownTopLevelFieldIsAnError) {
  EXPECT_EQ(ErrorOf(WithFields(R"("trigger": {"rep_activation": true}, "priorty": 2)")),
            "/: unknown field 'priorty'");
}

TEST(JourneyDefinitionErrors, TimestampsAreNotPartOfTheDefinition) {
  EXPECT_EQ(ErrorOf(WithFields(R"("trigger": {"rep_activation": true},
                                  "created_at": "2026-01-01T00:00:00Z")")),
            "/: unknown field 'created_at'");
}

TEST(JourneyDefinitionErrors, PriorityMustBeAWholeNumber) {
  EXPECT_EQ(ErrorOf(WithFields(R"("trigger": {"rep_activation": true}, "priority": 1.5)")),
            "/priority: expected a whole number like 10 or -5");
}

TEST(JourneyDefinitionErrors, VersionMustBePositive) {
  EXPECT_EQ(ErrorOf(WithFields(R"("trigger": {"rep_activation": true}, "version": 0)")),
            "/version: expected a whole number of at least 1");
}

TEST(JourneyDefinitionErrors, StatusIsActiveOrPaused) {
  EXPECT_EQ(ErrorOf(WithFields(R"("trigger": {"rep_activation": true}, "status": "draft")")),
            "/status: 'draft' is not one of active, paused");
}

TEST(JourneyDefinitionErrors, WhenBlockedIsWaitOrSkip) {
  EXPECT_EQ(ErrorOf(WithFields(R"("trigger": {"rep_activation": true}, "when_blocked": "drop")")),
            "/when_blocked: 'drop' is not one of wait, skip");
}

TEST(JourneyDefinitionErrors, StepsMustNotBeEmpty) {
  EXPECT_EQ(ErrorOf(WithSteps("[]")), "/steps: add at least one step");
}

// --- Errors: trigger, entry, goal, exit -----------------------------------------------------

TEST(JourneyDefinitionErrors, TriggerIsRequired) {
  EXPECT_EQ(ErrorOf(R"({"name": "J", "steps": [{"type": "exit"}]})"),
            "/trigger: required; give exactly one of event, segment, rep_activation, schedule");
}

TEST(JourneyDefinitionErrors, TriggerTakesExactlyOneForm) {
  EXPECT_EQ(ErrorOf(WithTrigger(R"({"segment": "s", "rep_activation": true})")),
            "/trigger: give exactly one of event, segment, rep_activation, schedule");
  EXPECT_EQ(ErrorOf(WithTrigger("{}")),
            "/trigger: give exactly one of event, segment, rep_activation, schedule");
}

TEST(JourneyDefinitionErrors, EventTriggerNeedsAName) {
  EXPECT_EQ(ErrorOf(WithTrigger(R"({"event": {"channel": "web"}})")),
            "/trigger/event/name: required");
}

TEST(JourneyDefinitionErrors, UnknownMatcherFieldIsAnError) {
  EXPECT_EQ(ErrorOf(WithTrigger(R"({"event": {"nmae": "Signed Up"}})")),
            "/trigger/event: unknown field 'nmae'");
}

TEST(JourneyDefinitionErrors, WhereValuesMustBeScalars) {
  EXPECT_EQ(ErrorOf(WithTrigger(R"({"event": {"name": "X", "where": {"a/b": [1]}}})")),
            "/trigger/event/where/a~1b: expected a string, number or boolean");
  EXPECT_EQ(ErrorOf(WithTrigger(R"({"event": {"name": "X", "where": {"plan": null}}})")),
            "/trigger/event/where/plan: expected a string, number or boolean");
}

TEST(JourneyDefinitionErrors, RepActivationMustBeTrue) {
  EXPECT_EQ(ErrorOf(WithTrigger(R"({"rep_activation": false})")),
            "/trigger/rep_activation: expected true");
}

TEST(JourneyDefinitionErrors, ScheduleNeedsASegment) {
  EXPECT_EQ(ErrorOf(WithTrigger(R"({"schedule": {"every": "7d"}})")),
            "/trigger/schedule/segment: required");
}

TEST(JourneyDefinitionErrors, ScheduleRunsAtMostEveryMinute) {
  EXPECT_EQ(ErrorOf(WithTrigger(R"({"schedule": {"segment": "s", "every": "30s"}})")),
            "/trigger/schedule/every: '30s' is shorter than 1m; use 1m or more");
}

TEST(JourneyDefinitionErrors, ScheduleFromMustBeIso8601) {
  EXPECT_EQ(
      ErrorOf(WithTrigger(R"({"schedule": {"segment": "s", "every": "1d", "from": "tomorrow"}})")),
      "/trigger/schedule/from: 'tomorrow' is not an ISO-8601 time like 2026-02-01T09:00:00Z");
}

TEST(JourneyDefinitionErrors, OncePerPeriodNeedsAPeriod) {
  EXPECT_EQ(ErrorOf(WithFields(R"("trigger": {"rep_activation": true},
                                  "entry": {"mode": "once_per_period"})")),
            "/entry/period: required with once_per_period, e.g. \"30d\"");
}

TEST(JourneyDefinitionErrors, OnlyOncePerPeriodTakesAPeriod) {
  EXPECT_EQ(ErrorOf(WithFields(R"("trigger": {"rep_activation": true},
                                  "entry": {"mode": "once", "period": "30d"})")),
            "/entry/period: only mode once_per_period takes a period");
}

TEST(JourneyDefinitionErrors, EntryModeMustBeKnown) {
  EXPECT_EQ(ErrorOf(WithFields(R"("trigger": {"rep_activation": true},
                                  "entry": {"mode": "twice"})")),
            "/entry/mode: 'twice' is not one of once, once_per_period, reentry");
}

TEST(JourneyDefinitionErrors, GoalIsAMatcher) {
  EXPECT_EQ(ErrorOf(WithFields(R"("trigger": {"rep_activation": true}, "goal": "Order")")),
            "/goal: expected an event matcher like {\"name\": \"Signed Up\"}");
}

TEST(JourneyDefinitionErrors, ExitEventsAreMatchers) {
  EXPECT_EQ(ErrorOf(WithFields(R"("trigger": {"rep_activation": true},
                                  "exit": {"events": [{"name": "A"}, {"channel": "x"}]})")),
            "/exit/events/1/name: required");
}

TEST(JourneyDefinitionErrors, UnknownExitFieldIsAnError) {
  EXPECT_EQ(ErrorOf(WithFields(R"("trigger": {"rep_activation": true},
                                  "exit": {"segment": ["s"]})")),
            "/exit: unknown field 'segment'");
}

// --- Errors: steps in general -----------------------------------------------------------

TEST(JourneyDefinitionErrors, UnknownStepFieldIsAnError) {
  EXPECT_EQ(ErrorOf(WithSteps(R"([{"type": "wait", "duraton": "2d"}])")),
            "/steps/0: unknown field 'duraton'");
}

TEST(JourneyDefinitionErrors, AFieldOfAnotherStepTypeIsUnknown) {
  EXPECT_EQ(ErrorOf(WithSteps(R"([{"type": "send", "content": "c", "channel": "sms",
                                   "title": "x"}])")),
            "/steps/0: unknown field 'title'");
}

TEST(JourneyDefinitionErrors, StepTypeIsRequired) {
  EXPECT_EQ(ErrorOf(WithSteps(R"([{"duration": "2d"}])")),
            "/steps/0/type: required: one of wait, branch, split, send, task, set_trait, "
            "webhook, exit");
}

TEST(JourneyDefinitionErrors, StepTypeMustBeKnown) {
  EXPECT_EQ(ErrorOf(WithSteps(R"([{"type": "sms"}])")),
            "/steps/0/type: 'sms' is not a step type; use one of wait, branch, split, send, "
            "task, set_trait, webhook, exit");
}

TEST(JourneyDefinitionErrors, StepIdsMustBeUnique) {
  EXPECT_EQ(ErrorOf(WithSteps(R"([{"id": "a", "type": "exit"}, {"id": "a", "type": "exit"}])")),
            "/steps/1/id: 'a' is already the id of /steps/0; step ids must be unique");
}

TEST(JourneyDefinitionErrors, AGeneratedIdMustNotCollide) {
  EXPECT_EQ(ErrorOf(WithSteps(R"([{"id": "step-2", "type": "exit"}, {"type": "exit"}])")),
            "/steps/1: the generated id 'step-2' is already the id of /steps/0; step ids must "
            "be unique");
}

TEST(JourneyDefinitionErrors, StepIdsUseASmallAlphabet) {
  EXPECT_EQ(ErrorOf(WithSteps(R"([{"id": "send email", "type": "exit"}])")),
            "/steps/0/id: 'send email' is not a step id (use letters, digits, _ . -)");
}

TEST(JourneyDefinitionErrors, NextMustNameAStep) {
  EXPECT_EQ(ErrorOf(WithSteps(R"([{"id": "wait-1", "type": "wait", "duration": "1d"},
                                  {"id": "send-email", "type": "branch", "condition": "true",
                                   "then": "foo"}, {"type": "exit"}])")),
            "/steps/1/then: no step 'foo' (steps are: wait-1, send-email, step-3)");
}

TEST(JourneyDefinitionErrors, EveryKindOfReferenceIsChecked) {
  EXPECT_EQ(ErrorOf(WithSteps(R"([{"type": "exit"}, {"type": "wait", "duration": "1d",
                                   "next": "x"}])")),
            "/steps/1/next: no step 'x' (steps are: step-1, step-2)");
  EXPECT_EQ(ErrorOf(WithSteps(R"([{"type": "branch", "condition": "c", "else": "x"}])")),
            "/steps/0/else: no step 'x' (steps are: step-1)");
  EXPECT_EQ(ErrorOf(WithSteps(R"([{"type": "wait", "until_event": {"name": "E"},
                                   "timeout": "1d", "timeout_next": "x"}])")),
            "/steps/0/timeout_next: no step 'x' (steps are: step-1)");
  EXPECT_EQ(ErrorOf(WithSteps(R"([{"type": "split", "paths": [{"percent": 100, "next": "x"}]}])")),
            "/steps/0/paths/0/next: no step 'x' (steps are: step-1)");
}

TEST(JourneyDefinitionErrors, ExitTakesNothingElse) {
  EXPECT_EQ(ErrorOf(WithSteps(R"([{"type": "exit", "next": "step-1"}])")),
            "/steps/0: unknown field 'next'");
}

// --- Errors: each step type -----------------------------------------------------------------

TEST(JourneyDefinitionErrors, DurationMustParse) {
  EXPECT_EQ(ErrorOf(WithSteps(R"([{"type": "exit"}, {"type": "exit"},
                                  {"type": "wait", "duration": "2x"}])")),
            "/steps/2/duration: '2x' is not a duration like 30d or 12h");
}

TEST(JourneyDefinitionErrors, DurationMustBePositive) {
  EXPECT_EQ(ErrorOf(WithSteps(R"([{"type": "wait", "duration": "0d"}])")),
            "/steps/0/duration: '0d' must be longer than 0");
}

TEST(JourneyDefinitionErrors, WaitTakesExactlyOneForm) {
  const char* message = "/steps/0: a wait needs exactly one of duration, until_time, until_event";
  EXPECT_EQ(ErrorOf(WithSteps(R"([{"type": "wait"}])")), message);
  EXPECT_EQ(ErrorOf(WithSteps(R"([{"type": "wait", "duration": "1d", "until_time": "09:00"}])")),
            message);
}

TEST(JourneyDefinitionErrors, UntilTimeIsAValidTimeOfDay) {
  EXPECT_EQ(ErrorOf(WithSteps(R"([{"type": "wait", "until_time": "24:00"}])")),
            "/steps/0/until_time: '24:00' is not a time of day from 00:00 to 23:59, like 09:00");
  EXPECT_EQ(ErrorOf(WithSteps(R"([{"type": "wait", "until_time": "9:00"}])")),
            "/steps/0/until_time: '9:00' is not a time of day from 00:00 to 23:59, like 09:00");
}

TEST(JourneyDefinitionErrors, UntilEventNeedsATimeout) {
  EXPECT_EQ(ErrorOf(WithSteps(R"([{"type": "wait", "until_event": {"name": "E"}}])")),
            "/steps/0/timeout: required with until_event: how long to wait, e.g. \"3d\"");
}

TEST(JourneyDefinitionErrors, OnlyUntilEventTakesATimeout) {
  EXPECT_EQ(ErrorOf(WithSteps(R"([{"type": "wait", "duration": "1d", "timeout": "2d"}])")),
            "/steps/0/timeout: only a wait with until_event takes timeout");
}

TEST(JourneyDefinitionErrors, BranchNeedsACondition) {
  EXPECT_EQ(ErrorOf(WithSteps(R"([{"type": "branch", "then": "step-1"}])")),
            "/steps/0/condition: required");
}

TEST(JourneyDefinitionErrors, ABadConditionReportsTheCheckersMessage) {
  EXPECT_EQ(ErrorOf(WithSteps(R"([{"type": "exit"}, {"type": "branch", "condition": "!!"}])")),
            "/steps/1/condition: unexpected '!!' at column 1");
}

TEST(JourneyDefinitionErrors, SplitPercentsAndHoldoutAddUpTo100) {
  EXPECT_EQ(ErrorOf(WithSteps(R"([{"type": "split", "paths": [{"percent": 60}],
                                   "holdout": 30}])")),
            "/steps/0: path percents plus holdout add up to 90, not 100");
}

TEST(JourneyDefinitionErrors, SplitNeedsAPath) {
  EXPECT_EQ(ErrorOf(WithSteps(R"([{"type": "split", "paths": [], "holdout": 100}])")),
            "/steps/0/paths: expected an array of at least one path like {\"percent\": 50}");
}

TEST(JourneyDefinitionErrors, SplitPercentsArePositive) {
  EXPECT_EQ(ErrorOf(WithSteps(R"([{"type": "split", "paths": [{"percent": 100},
                                                               {"percent": 0}]}])")),
            "/steps/0/paths/1/percent: must be above 0");
}

TEST(JourneyDefinitionErrors, SplitPathNamesAreUnique) {
  EXPECT_EQ(ErrorOf(WithSteps(R"([{"type": "split", "paths": [{"percent": 50},
                                                               {"name": "a", "percent": 50}]}])")),
            "/steps/0/paths/1/name: 'a' names another path too; path names must be unique");
}

TEST(JourneyDefinitionErrors, HoldoutIsNotNegative) {
  EXPECT_EQ(ErrorOf(WithSteps(R"([{"type": "split", "paths": [{"percent": 110}],
                                   "holdout": -10}])")),
            "/steps/0/holdout: must not be negative");
}

TEST(JourneyDefinitionErrors, UnknownPathFieldIsAnError) {
  EXPECT_EQ(ErrorOf(WithSteps(R"([{"type": "split", "paths": [{"pct": 100}]}])")),
            "/steps/0/paths/0: unknown field 'pct'");
}

TEST(JourneyDefinitionErrors, SendNeedsContentAndChannel) {
  EXPECT_EQ(ErrorOf(WithSteps(R"([{"type": "send", "channel": "email"}])")),
            "/steps/0/content: required");
  EXPECT_EQ(ErrorOf(WithSteps(R"([{"type": "send", "content": "c1"}])")),
            "/steps/0/channel: required");
}

TEST(JourneyDefinitionErrors, BestChannelNeedsChannels) {
  EXPECT_EQ(ErrorOf(WithSteps(R"([{"type": "send", "content": "c1",
                                   "channel": "best_channel"}])")),
            "/steps/0/channels: required with best_channel, e.g. [\"email\", \"sms\"]");
  EXPECT_EQ(ErrorOf(WithSteps(R"([{"type": "send", "content": "c1",
                                   "channel": "best_channel", "channels": []}])")),
            "/steps/0/channels: list at least one channel");
}

TEST(JourneyDefinitionErrors, BestChannelListsEachChannelOnce) {
  EXPECT_EQ(ErrorOf(WithSteps(R"([{"type": "send", "content": "c1", "channel": "best_channel",
                                   "channels": ["email", "sms", "email"]}])")),
            "/steps/0/channels/2: 'email' is listed twice");
}

TEST(JourneyDefinitionErrors, APlainChannelTakesNoChannelList) {
  EXPECT_EQ(ErrorOf(WithSteps(R"([{"type": "send", "content": "c1", "channel": "email",
                                   "channels": ["sms"]}])")),
            "/steps/0/channels: only channel \"best_channel\" takes channels");
}

TEST(JourneyDefinitionErrors, TaskNeedsATitle) {
  EXPECT_EQ(ErrorOf(WithSteps(R"([{"type": "task", "title": ""}])")),
            "/steps/0/title: required, and must not be empty");
}

TEST(JourneyDefinitionErrors, TaskDueIsPositive) {
  EXPECT_EQ(ErrorOf(WithSteps(R"([{"type": "task", "title": "Call", "due": "0h"}])")),
            "/steps/0/due: '0h' must be longer than 0");
}

TEST(JourneyDefinitionErrors, SetTraitNeedsAValue) {
  EXPECT_EQ(ErrorOf(WithSteps(R"([{"type": "set_trait", "trait": "tier"}])")),
            "/steps/0/value: required (any JSON value)");
}

TEST(JourneyDefinitionErrors, WebhookUrlIsHttp) {
  EXPECT_EQ(ErrorOf(WithSteps(R"([{"type": "webhook", "url": "ftp://example.com"}])")),
            "/steps/0/url: 'ftp://example.com' must start with http:// or https://");
}

// --- Matching events ----------------------------------------------------------------------

TEST(JourneyDefinitionMatches, SameNameMatchesWithoutParsingProperties) {
  EXPECT_TRUE(Matches({"Signed Up", "", {}}, Track("Signed Up", "web", "not json")));
}

TEST(JourneyDefinitionMatches, AnotherNameDoesNotMatch) {
  EXPECT_FALSE(Matches({"Signed Up", "", {}}, Track("Signed up", "web", "{}")));
}

TEST(JourneyDefinitionMatches, ChannelMustMatchWhenGiven) {
  EXPECT_TRUE(Matches({"Signed Up", "web", {}}, Track("Signed Up", "web", "{}")));
  EXPECT_FALSE(Matches({"Signed Up", "web", {}}, Track("Signed Up", "email", "{}")));
}

TEST(JourneyDefinitionMatches, IntegerAndDecimalNumbersAreEqual) {
  EXPECT_TRUE(Matches(Where("seats", "5"), Track("Signed Up", "web", R"({"seats": 5.0})")));
  EXPECT_TRUE(Matches(Where("seats", "5E0"), Track("Signed Up", "web", R"({"seats": 5})")));
  EXPECT_FALSE(Matches(Where("seats", "5"), Track("Signed Up", "web", R"({"seats": 5.5})")));
}

TEST(JourneyDefinitionMatches, AMissingPropertyDoesNotMatch) {
  EXPECT_FALSE(Matches(Where("plan", "\"pro\""), Track("Signed Up", "web", R"({"seats": 5})")));
}

TEST(JourneyDefinitionMatches, AValueOfAnotherTypeDoesNotMatch) {
  EXPECT_FALSE(Matches(Where("seats", "5"), Track("Signed Up", "web", R"({"seats": "5"})")));
  EXPECT_FALSE(Matches(Where("trial", "true"), Track("Signed Up", "web", R"({"trial": 1})")));
  EXPECT_FALSE(Matches(Where("plan", "\"pro\""), Track("Signed Up", "web", R"({"plan": null})")));
}

TEST(JourneyDefinitionMatches, StringsCompareExactly) {
  EXPECT_TRUE(Matches(Where("plan", "\"pro\""), Track("Signed Up", "web", R"({"plan": "pro"})")));
  EXPECT_FALSE(Matches(Where("plan", "\"pro\""), Track("Signed Up", "web", R"({"plan": "Pro"})")));
}

TEST(JourneyDefinitionMatches, BooleansCompareByValue) {
  EXPECT_TRUE(Matches(Where("trial", "false"), Track("Signed Up", "", R"({"trial": false})")));
  EXPECT_FALSE(Matches(Where("trial", "false"), Track("Signed Up", "", R"({"trial": true})")));
}

TEST(JourneyDefinitionMatches, EveryWhereValueMustMatch) {
  EventMatcher m{"Signed Up", "", {{"plan", "\"pro\""}, {"seats", "5"}}};
  EXPECT_TRUE(Matches(m, Track("Signed Up", "", R"({"plan": "pro", "seats": 5, "x": 1})")));
  EXPECT_FALSE(Matches(m, Track("Signed Up", "", R"({"plan": "pro", "seats": 6})")));
}

TEST(JourneyDefinitionMatches, PropertiesThatAreNotAnObjectDoNotMatch) {
  EXPECT_FALSE(Matches(Where("plan", "\"pro\""), Track("Signed Up", "", "[1]")));
  EXPECT_FALSE(Matches(Where("plan", "\"pro\""), Track("Signed Up", "", "{broken")));
}

TEST(JourneyDefinitionMatches, AParsedMatcherMatchesTheEventItDescribes) {
  EventMatcher m = MustParse(kFullJourney).trigger.event;
  EXPECT_TRUE(
      Matches(m, Track("Signed Up", "web", R"({"plan": "pro", "seats": 5.0, "trial": false})")));
}

}  // namespace
}  // namespace unisono::journey
