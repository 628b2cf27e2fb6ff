// One fuzzed dynamically quantized GEMM case (lowbit_dq_gemm_*): shapes,
// weight type, block size, scales, bias, clamp and activations (NaN,
// infinity and huge values included) decoded from the fuzzer's bytes,
// checked on every kernel this CPU supports and through the public API
// against ref::DqGemm bit for bit and an independent model of what the
// contract rejects.
#ifndef LOWBIT_FUZZ_DQ_GEMM_CASE_H_
#define LOWBIT_FUZZ_DQ_GEMM_CASE_H_

#include <cstdint>
#include <vector>

namespace lowbit {
namespace fuzz {

struct DqSpec {
  uint8_t m = 0, n = 0;  // m 0 is an empty batch; n 0 is invalid
  uint8_t blocks = 0;    // K = blocks * block (per channel: blocks * 7 + 1)
  uint8_t block = 0;     // 0 per channel, 1..3: 32, 64, 128, 4: 48 (bad)
  uint8_t int4 = 0;      // 0 int8, 1 int4, 2 uint8 (unsupported)
  int8_t lda_extra = 0, ldc_extra = 0, ldw_extra = 0;  // < 0: too small
  uint8_t a_fill = 0;  // 0 random, 1 zero rows, 2 one sign, 3 wide spread,
                       // 4 a NaN, 5 an infinity, 6 a range that overflows
  uint8_t w_fill = 0;  // 0 random, 1 all minimum, 2 all maximum
  uint8_t bad_scale = 0;   // 0 none, 1 zero, 2 negative, 3 NaN, 4 infinity
  uint8_t bias = 0;        // 0 none, 1 random, 2 a NaN
  uint8_t clamp = 0;       // 0 none, 1 a range, 2 one value, 3 empty, 4 NaN
  uint8_t two_threads = 0;
  uint32_t seed = 0;
};

template <class IO>
void Serialize(IO& io, DqSpec& s) {
  io.Range(s.m, 0, 40);
  io.Range(s.n, 0, 100);
  io.Range(s.blocks, 1, 12);
  io.Range(s.block, 0, 4);
  io.Range(s.int4, 0, 2);
  io.Range(s.lda_extra, -1, 9);
  io.Range(s.ldc_extra, -1, 9);
  io.Range(s.ldw_extra, -1, 9);
  io.Range(s.a_fill, 0, 6);
  io.Range(s.w_fill, 0, 2);
  io.Range(s.bad_scale, 0, 4);
  io.Range(s.bias, 0, 2);
  io.Range(s.clamp, 0, 4);
  io.Range(s.two_threads, 0, 1);
  io.Raw32(s.seed);
}

// Runs the case; aborts on any disagreement. Returns whether the
// parameters were valid (packing succeeded).
bool CheckDqGemm(const DqSpec& spec);
std::vector<DqSpec> DqSeeds();

}  // namespace fuzz
}  // namespace lowbit

#endif  // LOWBIT_FUZZ_DQ_GEMM_CASE_H_
