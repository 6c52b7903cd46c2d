// identity: one profile per customer. Normalises identifiers, resolves an event's
// identifiers to a profile with priorities and per-profile limits (so a shared device
// or a typo cannot merge two real customers), merges profiles (the oldest survives)
// and records each merge. The graph lives in memory; the Store is its durable copy.
// IdentityGraph is not thread-safe: one writer (the ingest pipeline) owns it.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/core.h"
#include "storage/storage.h"

namespace unisono {

struct IdentifierRule {
  std::string type;
  int priority = 100;  // 1 = most trusted; decides which identifier wins a conflict
  int limit = 5;       // how many values of this type one profile may hold
};

struct IdentityConfig {
  std::vector<IdentifierRule> rules;  // types not listed get priority 100, limit 5
  // Country calling code for phone numbers written without one ("612 345 678").
  std::string default_country_code = "34";
};

IdentityConfig DefaultIdentityConfig();

// "  Ana@Example.COM " -> "ana@example.com"; "+34 612-345-678" -> "+34612345678".
// Rejects values that cannot be the type (an email without '@', a phone with letters).
Result<std::string> NormaliseIdentifier(std::string_view type, std::string_view value,
                                        const IdentityConfig& config);

struct Resolution {
  int64_t profile_id = 0;
  std::vector<NewProfile> created;
  std::vector<MergeRecord> merges;
  std::vector<IdentifierRecord> attached;  // identifiers newly pointing at a profile
  std::vector<Identifier> dropped;         // kept off the profile by a limit
};

class IdentityGraph {
 public:
  explicit IdentityGraph(IdentityConfig config);
  ~IdentityGraph();

  // Rebuilds the graph from the store (identifiers, next profile id).
  Status Load(Store& store);

  // Resolves normalised identifiers (any order) to one profile, creating it or
  // merging profiles where the limits allow. Requires at least one identifier.
  Resolution Resolve(const std::vector<Identifier>& identifiers, Timestamp at);
  // Segment alias: folds the profile known by `previous_id` (a user_id or an
  // anonymous_id) into the one of `user_id`, unless limits forbid it.
  Resolution Alias(const std::string& previous_id, const std::string& user_id, Timestamp at);

  std::optional<int64_t> Find(std::string_view type, std::string_view value) const;
  size_t identifier_count() const;
  size_t profile_count() const;

 private:
  struct Rule {
    int priority;
    int limit;
  };
  struct Index;  // the maps, kept out of this widely included header
  Rule RuleFor(std::string_view type) const;
  // Whether profiles a and b (0 = none) plus `pending` identifiers stay within limits.
  bool Fits(int64_t a, int64_t b, const std::vector<std::string>& pending) const;
  int CountOfType(int64_t profile, std::string_view type) const;
  void Attach(const std::string& key, int64_t profile, Timestamp at, Resolution& out);
  int64_t Merge(int64_t a, int64_t b, Timestamp at, const std::string& reason, Resolution& out);

  IdentityConfig config_;
  int64_t next_id_ = 1;
  std::unique_ptr<Index> index_;
};

}  // namespace unisono
