// A minimal test harness for the bare-metal images (no GoogleTest there):
// counts checks, prints failures over semihosting, and main's status says
// whether all passed.
#ifndef LOWBIT_TESTS_BARE_CHECK_H_
#define LOWBIT_TESTS_BARE_CHECK_H_

#include <cstdint>
#include <cstdio>

namespace lowbit_test {

struct Tally {
  unsigned checks = 0;
  unsigned failures = 0;
};
Tally& Results();

// Records one check; prints the message on failure (at most 20 times).
bool Check(bool ok, const char* file, int line, const char* what);

// A fixed-seed generator (xorshift32): the same bytes on every core.
class Rng {
 public:
  explicit Rng(uint32_t seed) : state_(seed != 0 ? seed : 1) {}
  uint32_t Next() {
    state_ ^= state_ << 13;
    state_ ^= state_ >> 17;
    state_ ^= state_ << 5;
    return state_;
  }
  int32_t Uniform(int32_t lo, int32_t hi) {  // [lo, hi]
    return lo + static_cast<int32_t>(Next() % static_cast<uint32_t>(hi - lo + 1));
  }

 private:
  uint32_t state_;
};

// The sweeps of each operation (tests/bare/*_test.cc).
void ConvTests();
void Gemm16Tests();
void Conv16Tests();
void QuantizeTests();

}  // namespace lowbit_test

#define LOWBIT_CHECK(cond) \
  ::lowbit_test::Check((cond), __FILE__, __LINE__, #cond)

#endif  // LOWBIT_TESTS_BARE_CHECK_H_
