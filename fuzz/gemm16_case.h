// One fuzzed GEMM with 16-bit activations (16x8 and int16 x int16,
// lowbit.h): shapes, weight type, bias (int32, int64, both), scales or the
// caller's multipliers, zero points, clamp, strides and extreme data
// decoded from the fuzzer's bytes, checked on every kernel that reads int16
// activations and through the public API against ref::Gemm16 bit for bit
// (int16 output and raw int64) and an independent model of what the
// contract rejects.
#ifndef LOWBIT_FUZZ_GEMM16_CASE_H_
#define LOWBIT_FUZZ_GEMM16_CASE_H_

#include <cstdint>
#include <vector>

namespace lowbit {
namespace fuzz {

struct Gemm16Spec {
  uint8_t m = 0, n = 0;      // m 0 is an empty batch; n 0 is invalid
  uint8_t k_low = 0;         // K = k_low + 300 * k_parts (0 is invalid)
  uint8_t k_parts = 0;
  uint8_t weights = 0;       // 0 int8, 1 int16, 2 uint8 (unsupported)
  int8_t lda_extra = 0, ldc_extra = 0, ldw_extra = 0;  // < 0: too small
  uint8_t a_fill = 0;  // 0 random, 1 all -32768, 2 all 32767, 3 alternating
  uint8_t w_fill = 0;  // 0 random, 1 all minimum, 2 all maximum
  uint8_t bias = 0;    // 0 none, 1 int32, 2 int64, 3 both (invalid),
                       // 4 int64 near 2^47 (past the bound with large K)
  uint8_t requant = 0;  // 0 scales, 1 multipliers per channel, 2 one
                        // multiplier, 3 fp32 mode (unsupported), 4 a
                        // multiplier below 2^30 (invalid)
  uint8_t zero_point = 0;  // 0 none, 1 input, 2 output (both invalid)
  uint8_t clamp = 0;  // 0 full, 1 a range, 2 one value, 3 empty, 4 past int16
  uint8_t two_threads = 0;
  uint32_t seed = 0;
};

template <class IO>
void Serialize(IO& io, Gemm16Spec& s) {
  io.Range(s.m, 0, 40);
  io.Range(s.n, 0, 100);
  io.Range(s.k_low, 0, 255);
  io.Range(s.k_parts, 0, 4);
  io.Range(s.weights, 0, 2);
  io.Range(s.lda_extra, -1, 9);
  io.Range(s.ldc_extra, -1, 9);
  io.Range(s.ldw_extra, -1, 9);
  io.Range(s.a_fill, 0, 3);
  io.Range(s.w_fill, 0, 2);
  io.Range(s.bias, 0, 4);
  io.Range(s.requant, 0, 4);
  io.Range(s.zero_point, 0, 2);
  io.Range(s.clamp, 0, 4);
  io.Range(s.two_threads, 0, 1);
  io.Raw32(s.seed);
}

// Runs the case; aborts on any disagreement. Returns whether the
// parameters were valid (packing succeeded).
bool CheckGemm16(const Gemm16Spec& spec);
std::vector<Gemm16Spec> Gemm16Seeds();

}  // namespace fuzz
}  // namespace lowbit

#endif  // LOWBIT_FUZZ_GEMM16_CASE_H_
