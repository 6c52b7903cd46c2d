// Identity resolution at scale: 1M profiles with 3M identifiers (user_id, email,
// anonymous_id), then events resolved against them; reports events/s and memory, and
// how long a restart takes to rebuild the graph from the store.
//   build/bench/identity_bench [--profiles N] [--events N] [--data DIR]
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>

#include "identity/identity.h"

using namespace unisono;
using Steady = std::chrono::steady_clock;

namespace {

long RssKb() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return 0;
}

double Seconds(Steady::time_point since) {
  return std::chrono::duration<double>(Steady::now() - since).count();
}

std::vector<Identifier> IdsOf(int64_t i) {
  std::string n = std::to_string(i);
  return {{"user_id", "user-" + n},
          {"email", "hcp" + n + "@clinic.example"},
          {"anonymous_id", "anon-" + n}};
}

}  // namespace

int main(int argc, char** argv) {
  int64_t profiles = 1'000'000, events = 2'000'000;
  std::string data = "";
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--profiles")) profiles = std::stoll(argv[i + 1]);
    if (!std::strcmp(argv[i], "--events")) events = std::stoll(argv[i + 1]);
    if (!std::strcmp(argv[i], "--data")) data = argv[i + 1];
  }
  Timestamp at = *ParseTimestamp("2026-01-01T00:00:00Z");
  long rss0 = RssKb();
  IdentityGraph graph(DefaultIdentityConfig());
  std::vector<IdentifierRecord> persisted;
  persisted.reserve(static_cast<size_t>(profiles) * 3);

  auto t0 = Steady::now();
  for (int64_t i = 0; i < profiles; ++i) {
    Resolution r = graph.Resolve(IdsOf(i), at);
    if (!data.empty()) {
      for (auto& a : r.attached) persisted.push_back(std::move(a));
    }
  }
  double load_s = Seconds(t0);
  long rss1 = RssKb();

  std::mt19937_64 rng(7);
  std::uniform_int_distribution<int64_t> pick(0, profiles - 1);
  std::vector<std::vector<Identifier>> sample;
  for (int i = 0; i < 100'000; ++i) {
    int64_t p = pick(rng);
    auto ids = IdsOf(p);
    // Web traffic carries the anonymous id, CRM rows the email, app events the user id.
    sample.push_back({ids[static_cast<size_t>(i % 3)]});
  }
  auto t1 = Steady::now();
  int64_t checksum = 0;
  for (int64_t i = 0; i < events; ++i) {
    checksum += graph.Resolve(sample[static_cast<size_t>(i % 100'000)], at).profile_id;
  }
  double resolve_s = Seconds(t1);

  std::printf("profiles            %lld\n", static_cast<long long>(graph.profile_count()));
  std::printf("identifiers         %lld\n", static_cast<long long>(graph.identifier_count()));
  std::printf("build graph         %.2f s  (%.0f new profiles/s, 3 identifiers each)\n", load_s,
              profiles / load_s);
  std::printf("resolve events      %.0f events/s  (%lld events, checksum %lld)\n",
              events / resolve_s, static_cast<long long>(events),
              static_cast<long long>(checksum % 1000));
  std::printf("graph memory (RSS)  %.0f MiB  (%.0f bytes per identifier)\n", (rss1 - rss0) / 1024.0,
              (rss1 - rss0) * 1024.0 / graph.identifier_count());

  if (!data.empty()) {
    std::filesystem::remove_all(data);
    auto store = OpenSqliteStore(data);
    if (!store.ok()) {
      std::fprintf(stderr, "%s\n", store.status().message().c_str());
      return 1;
    }
    WriteBatch batch;
    for (int64_t i = 1; i <= profiles; ++i) batch.profiles.push_back({i, at});
    batch.identifiers = std::move(persisted);
    auto t2 = Steady::now();
    if (auto r = (*store)->Apply(batch); !r.ok()) {
      std::fprintf(stderr, "%s\n", r.status().message().c_str());
      return 1;
    }
    std::printf("persist identities  %.2f s\n", Seconds(t2));
    IdentityGraph reloaded(DefaultIdentityConfig());
    auto t3 = Steady::now();
    if (Status s = reloaded.Load(**store); !s.ok()) {
      std::fprintf(stderr, "%s\n", s.message().c_str());
      return 1;
    }
    std::printf("restart: rebuild    %.2f s  (%lld identifiers from the store)\n", Seconds(t3),
                static_cast<long long>(reloaded.identifier_count()));
  }
  return 0;
}
