// journey: multi-step, multi-channel plans a profile walks through, and the engine that
// runs them. It follows the event log exactly once (a checkpoint in the store), keeps
// instances and timers durable, applies one contact policy across every channel (also
// contacts made outside unisono), picks the best channel, lets reps start follow-ups
// and work tasks, and writes messages to a durable outbox in the same transaction as
// the step that sends them. JourneyEngine is thread-safe.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "content/content.h"
#include "core/core.h"
#include "profile/profile.h"
#include "segment/segment.h"
#include "storage/storage.h"

namespace unisono {

struct JourneyEngineOptions {
  // The contact policy as JSON (docs/journeys.md, "Contact policy"); "{}": defaults.
  std::string contact_policy_json = "{}";
  ChannelCatalog catalog = ChannelCatalog::Builtin();
  // Channels that need a granted consent to be used; others may be used unless the
  // profile's latest consent for them is a refusal.
  std::vector<std::string> consent_required = {"email", "sms", "whatsapp", "app", "push"};
  // Customer responses: not contacts for the policy (an open answers an email).
  std::vector<std::string> response_events = StageConfig().response_events;
  // Approved content for send steps: a send uses the latest approved version with a
  // rendition for its channel (and the variant for the profile's stages), or is skipped
  // (content_not_approved). None: content names are passed through unchecked.
  const ContentLibrary* content = nullptr;
  Millis poll = std::chrono::milliseconds(200);  // log reads when nothing nudges
  // Hears each committed round's new outbox messages (on the engine's thread): how the
  // delivery connectors (the channel module) and the benchmark learn of them.
  std::function<void(const std::vector<OutboxMessage>&)> on_queued;
  int batch = 20'000;  // events or timers per transaction
};

struct JourneyInfo {
  std::string id;
  int version = 1;
  std::string name;
  std::string status;  // active | paused
  int priority = 0;
  std::string definition_json;  // canonical, with generated step ids
  int64_t active = 0;           // instances in progress (every version)
  Timestamp created_at{};
  Timestamp updated_at{};
};

// Per journey and step, what happened: counts of history actions and reasons.
struct JourneyStepResults {
  int version = 1;
  std::string step;
  std::string type;
  std::map<std::string, int64_t> actions;  // "entered_step", "queued", "delayed", ...
  std::map<std::string, int64_t> reasons;  // "skipped:no_consent", "branch:then", ...
};

struct JourneyResults {
  std::string id;
  int64_t entered = 0;
  int64_t active = 0;
  int64_t converted = 0;  // reached the goal
  int64_t completed = 0;  // ran out of steps
  int64_t exited = 0;     // exit event, segment exit, exit step or holdout
  std::vector<JourneyStepResults> steps;
  // best_channel sends: how many went to each channel, and how many were moved to a
  // cheaper channel than a single-channel plan would use with an equal or better
  // engagement.
  std::map<std::string, int64_t> best_channel;
  int64_t moved_cheaper = 0;
};

struct RepVisit {
  std::string rep_id;
  int64_t profile_id = 0;
  std::string notes;
  std::string activate_journey;  // "" none
  std::optional<Timestamp> at;   // default now
};

struct RepVisitResult {
  std::string message_id;  // of the rep_visit event written to the profile's timeline
};

class JourneyEngine {
 public:
  // Loads definitions, instances, timers and recent contacts; reads the log from its
  // checkpoint (a new store starts at the log's end). Threads start with Start().
  static Result<std::unique_ptr<JourneyEngine>> Create(Store& store, Clock& clock,
                                                       ProfileService& profiles,
                                                       SegmentEngine& segments,
                                                       JourneyEngineOptions options);
  ~JourneyEngine();

  void Start();  // the engine's thread
  void Stop();
  // New events were committed, or the clock moved: look now rather than at the next poll.
  void Nudge();
  // Runs every committed event and every due timer on the caller's thread until nothing
  // is left: tests and the manual clock.
  Status RunUntilIdle();

  Result<JourneyInfo> CreateJourney(const std::string& definition_json);
  // Checks a definition without saving it: its canonical JSON, or the first error.
  Result<std::string> CheckJourney(const std::string& definition_json);
  // A new version; instances in progress finish the version they started.
  Result<JourneyInfo> UpdateJourney(const std::string& id, const std::string& definition_json);
  Result<JourneyInfo> GetJourney(const std::string& id) const;
  std::vector<JourneyInfo> ListJourneys() const;
  // Pausing stops new entries; instances in progress go on.
  Result<JourneyInfo> SetStatus(const std::string& id, const std::string& status);
  // Deletes the definition; its instances in progress exit (reason "deleted").
  Status DeleteJourney(const std::string& id);
  Result<JourneyResults> Results(const std::string& id) const;

  Result<std::vector<JourneyInstanceRecord>> Instances(int64_t profile_id) const;
  Result<std::vector<JourneyHistoryRecord>> History(const HistoryQuery& query) const;

  // Writes a rep_visit event (rep_id, notes, activate_journey) on the profile. The
  // engine starts the follow-up when it reads the event, as for one tracked with
  // properties.activate_journey. The journey must exist and have a rep_activation
  // trigger; a rep may only record visits to own customers (trait owner_rep).
  Result<RepVisitResult> RecordVisit(const RepVisit& visit);
  Result<std::vector<TaskRecord>> Tasks(const std::string& rep_id, const std::string& state) const;
  // Marks the task done and writes a "Task Completed" event on the profile, so
  // journeys can wait for it.
  Result<TaskRecord> CompleteTask(int64_t task_id, const std::string& by, const std::string& notes);

  std::string ContactPolicyJson() const;

  struct Stats {
    int64_t active_instances = 0;
    int64_t timers = 0;
    int64_t checkpoint = 0;  // last event seq read
    size_t bytes = 0;        // in-memory state, approximately
  };
  Stats stats() const;

  class Impl;

 private:
  explicit JourneyEngine(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace unisono
