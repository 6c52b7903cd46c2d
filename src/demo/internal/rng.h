// Deterministic random numbers for the demo generator: splitmix64 to derive seeds and
// xoshiro256** for the streams (both after Blackman & Vigna's published descriptions),
// with distributions built only from IEEE-754 basic arithmetic. No std distribution
// and no libm transcendental is used, so a seed yields the same numbers with any
// conforming compiler and C library. An Rng is a value: copy it, never share it.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <limits>

namespace unisono::demo {

// One splitmix64 step: advances `state` and returns the next output.
inline uint64_t SplitMix64(uint64_t& state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// A well-mixed seed for the stream (a, b, c): independent streams per profile and purpose.
inline uint64_t DeriveSeed(uint64_t a, uint64_t b, uint64_t c) {
  uint64_t state = a;
  uint64_t h = SplitMix64(state);
  state = h ^ b;
  h = SplitMix64(state);
  state = h ^ c;
  return SplitMix64(state);
}

// e^x from range reduction (x = k ln2 + r, |r| <= ln2/2) and a degree-13 Taylor series:
// only +, -, *, /, floor and ldexp, all exact or correctly rounded under IEEE 754, so the
// result is bit-identical everywhere. Relative error below 1e-15.
inline double DeterministicExp(double x) {
  if (x < -700.0) return 0.0;
  if (x > 700.0) return std::numeric_limits<double>::infinity();
  constexpr double kLn2Hi = 6.93147180369123816490e-01;  // ln 2, upper bits (exact k*hi)
  constexpr double kLn2Lo = 1.90821492927058770002e-10;  // ln 2 - kLn2Hi
  constexpr double kInvLn2 = 1.44269504088896338700e+00;
  const double k = std::floor(x * kInvLn2 + 0.5);
  const double r = (x - k * kLn2Hi) - k * kLn2Lo;
  double sum = 1.0;
  for (int i = 13; i >= 1; --i) sum = 1.0 + sum * r / i;  // Horner form of sum r^i / i!
  return std::ldexp(sum, static_cast<int>(k));
}

// The logistic function 1 / (1 + e^-x): log-odds to probability.
inline double Logistic(double log_odds) { return 1.0 / (1.0 + DeterministicExp(-log_odds)); }

// The index i with probability weights[i] / sum(weights), for a given uniform u in [0, 1);
// weights >= 0 with a positive sum.
template <typename Weights>
size_t PickIndex(const Weights& weights, double u) {
  double total = 0;
  for (double w : weights) total += w;
  u *= total;
  size_t last = 0;
  for (size_t i = 0; i < std::size(weights); ++i) {
    if (weights[i] <= 0) continue;
    last = i;
    if (u < weights[i]) return i;
    u -= weights[i];
  }
  return last;  // only reached through rounding at the top end
}

class Rng {
 public:
  explicit Rng(uint64_t seed) {
    for (uint64_t& word : s_) word = SplitMix64(seed);
  }

  // xoshiro256**: the next 64 random bits.
  uint64_t Next() {
    const uint64_t result = Rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = Rotl(s_[3], 45);
    return result;
  }

  // Uniform in [0, 1) with 53 random bits.
  double Uniform() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }
  double Uniform(double lo, double hi) { return lo + (hi - lo) * Uniform(); }
  // Uniform integer in [0, n) by multiply-high (bias below 2^-64 * n; n > 0).
  uint64_t Below(uint64_t n) {
    return static_cast<uint64_t>((static_cast<unsigned __int128>(Next()) * n) >> 64);
  }
  // Uniform integer in [lo, hi); hi > lo.
  int64_t Between(int64_t lo, int64_t hi) {
    return lo + static_cast<int64_t>(Below(static_cast<uint64_t>(hi - lo)));
  }
  bool Bernoulli(double p) { return Uniform() < p; }

  // Poisson(mean) by Knuth's multiplication method, in slices of at most 30 so e^-mean
  // never underflows; the mean of any demo draw is far below that anyway.
  int Poisson(double mean) {
    int count = 0;
    while (mean > 30.0) {
      count += PoissonSmall(30.0);
      mean -= 30.0;
    }
    return count + PoissonSmall(mean);
  }

  // An index drawn with probability weights[i] / sum(weights); weights >= 0, sum > 0.
  template <typename Weights>
  size_t Pick(const Weights& weights) {
    return PickIndex(weights, Uniform());
  }

 private:
  static uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

  int PoissonSmall(double mean) {
    if (mean <= 0) return 0;
    const double limit = DeterministicExp(-mean);
    int count = 0;
    double product = Uniform();
    while (product > limit) {
      ++count;
      product *= Uniform();
    }
    return count;
  }

  uint64_t s_[4];
};

}  // namespace unisono::demo
