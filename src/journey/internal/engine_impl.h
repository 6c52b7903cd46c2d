// JourneyEngine's state, shared by the files that implement it: journey_engine.cc
// (loading, the log, timers, the thread), step_runner.cc (what each step does),
// journey_api.cc (definitions, reports, visits, tasks).
#pragma once

#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <queue>
#include <set>
#include <thread>
#include <unordered_map>

#include "journey/internal/contact_policy.h"
#include "journey/internal/definition.h"
#include "journey/journey.h"

namespace unisono {

// One version of a journey, as it runs.
struct JourneyVersion {
  journey::JourneyDefinition def;
  std::string trigger_segment_id;  // kSegmentEntered / kSchedule, resolved
  std::vector<std::string> exit_segment_ids;
};

struct JourneyEntry {
  std::string id;
  std::vector<int> versions;  // indices into versions_, oldest first
  std::string status = "active";
  Timestamp created_at{};
  Timestamp updated_at{};
  int64_t next_run_ms = 0;  // kSchedule
  bool deleted = false;
  const JourneyVersion* current(const std::vector<std::unique_ptr<JourneyVersion>>& all) const {
    return all[versions.back()].get();
  }
};

// An instance in memory: what the engine needs to move it on.
struct LiveInstance {
  JourneyInstanceRecord record;
  int version_index = 0;  // into versions_
};

// What a step did: move on to step `next`, wait (a timer, an awaited event, a send
// held back), or finish the instance (which is then gone).
struct StepOutcome {
  enum Kind { kNext, kWait, kDone } kind = kNext;
  int next = 0;
};

// What one round changed, written in one transaction; then what to do after it.
struct Round {
  JourneyWrite write;
  std::vector<Event> events;  // traits set and other events to submit after the commit
  std::set<int64_t> touched;  // instance ids whose record goes into `write`
  bool empty() const {
    return touched.empty() && write.history.empty() && write.outbox.empty() &&
           write.tasks.empty() && events.empty() && write.settings.empty();
  }
};

class JourneyEngine::Impl {
 public:
  Impl(Store& store, Clock& clock, ProfileService& profiles, SegmentEngine& segments,
       JourneyEngineOptions options);

  Status Load();
  Status LoadDefinitions();
  Status LoadInstances();
  Status LoadContacts();

  // One round: reads committed events after the checkpoint and runs due timers and
  // schedules, then commits. Returns how much it did (0: idle). Requires mu_.
  Result<int64_t> RunRound();
  void ProcessEvent(int64_t seq, const Event& e, Round& round);
  void RunTimer(LiveInstance& inst, int64_t now, Round& round);
  void RunSchedules(int64_t now, Round& round);
  Status Commit(Round& round);

  // Steps (step_runner.cc).
  void TryEnter(int journey, int64_t profile, int64_t trigger_seq, const std::string& why,
                int64_t now, Round& round);
  void EnterStep(LiveInstance& inst, int step, int64_t now, Round& round);
  StepOutcome RunStep(LiveInstance& inst, int64_t now, Round& round);
  StepOutcome Send(LiveInstance& inst, const journey::Step& step, int64_t now, Round& round);
  OutboxMessage NewMessage(const LiveInstance& inst, const journey::Step& step,
                           const std::string& channel, const std::string& content, int64_t now);
  void Finish(LiveInstance& inst, const std::string& state, const std::string& reason, int64_t now,
              Round& round);
  void Log(const LiveInstance& inst, const std::string& step, const std::string& action,
           const std::string& reason, const std::string& detail_json, int64_t now, Round& round);
  void Touch(LiveInstance& inst, Round& round);
  void SetTimer(LiveInstance& inst, std::optional<int64_t> due_ms);

  bool Consented(const SegmentEngine::ProfileFacts& facts, const std::string& channel) const;
  Result<TaskRecord> RepTask(const LiveInstance& inst, const ContentChoice& content,
                             const std::string& rep, int64_t now);  // id left to the caller
  // Contacts for the policy.
  bool IsContact(const Event& e) const;
  void AddContact(int64_t profile, int64_t at_ms, const std::string& channel);

  const JourneyVersion& VersionOf(const LiveInstance& inst) const {
    return *versions_[inst.version_index];
  }
  int FindJourney(const std::string& id) const;
  Result<std::unique_ptr<JourneyVersion>> Prepare(const std::string& json, const std::string& id,
                                                  int version);
  // Saves the definition, after the checkpoint: events read before a definition
  // changed are never replayed against it.
  Status SaveJourney(const JourneyEntry& entry);
  Status CheckContent(const JourneyVersion& v) const;
  void SortByPriority();
  std::map<std::string, int64_t> ActiveByJourney() const;  // instances in progress
  JourneyInfo Info(const JourneyEntry& entry, int64_t active) const;

  Store& store_;
  Clock& clock_;
  ProfileService& profiles_;
  SegmentEngine& segments_;
  JourneyEngineOptions options_;
  journey::ContactPolicy policy_;
  journey::TimeZones zones_;

  mutable std::mutex mu_;  // everything below until the engine's thread
  std::vector<std::unique_ptr<JourneyVersion>> versions_;
  std::vector<JourneyEntry> journeys_;
  std::vector<int> by_priority_;                    // journey indices, highest priority first
  std::unordered_map<int64_t, LiveInstance> live_;  // by instance id
  std::unordered_map<int64_t, std::vector<int64_t>> by_profile_;  // active instance ids
  // (journey index, profile) -> last entry, for entry rules.
  std::map<std::pair<int, int64_t>, int64_t> last_entry_;
  using Due = std::tuple<int64_t, int, int64_t>;  // due ms, -priority, instance id
  std::priority_queue<Due, std::vector<Due>, std::greater<Due>> timers_;
  std::unordered_map<int64_t, std::vector<journey::PastContact>> contacts_;
  int64_t checkpoint_ = 0;        // the last event read
  int64_t saved_checkpoint_ = 0;  // the last one durable in the store
  std::chrono::steady_clock::time_point checkpoint_saved_at_{};
  int64_t next_instance_ = 1;
  int64_t next_message_ = 1;
  int64_t next_task_ = 1;
  int next_journey_number_ = 1;

  // The engine's thread.
  std::mutex wake_mu_;
  std::condition_variable wake_cv_;
  bool nudged_ = false;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace unisono
