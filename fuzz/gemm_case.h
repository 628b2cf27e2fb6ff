// One fuzzed GEMM case: the choices a fuzzer's bytes decode into, and the
// check that runs it through every kernel this CPU supports and through the
// public API, against the scalar reference and an independent model of which
// parameters the contract accepts.
#ifndef LOWBIT_FUZZ_GEMM_CASE_H_
#define LOWBIT_FUZZ_GEMM_CASE_H_

#include <cstddef>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "lowbit/lowbit.h"

struct pthreadpool;

namespace lowbit {
namespace fuzz {

struct GemmSpec {
  uint8_t big_k = 0;  // 1: K near the exact-accumulation limit
  uint16_t m = 0, n = 0, k = 0;
  int8_t lda_extra = 0, ldw_extra = 0, ldc_extra = 0;        // < 0: too small
  uint8_t input_type = 0, weight_type = 0, output_type = 0;  // see Type()
  int32_t raw_type = 0;  // the value of an out-of-contract type
  uint8_t requant = 0;   // 0..2 the modes, 3 a raw value
  int32_t raw_requant = 0;
  uint8_t za_mode = 0, zw_mode = 0, zo_mode = 0;  // see ZeroPoint()
  int32_t za = 0, zw = 0, zo = 0;
  uint8_t input_scale_kind = 0, output_scale_kind = 0, weight_scale_kind = 0;
  float input_scale = 0, output_scale = 0, weight_scale = 0;
  uint8_t per_channel = 0;       // 0 per tensor, 1 per channel, 2 a bad count
  uint8_t multipliers = 0;       // 0 none, 1 per tensor, 2 per channel, 3 bad
  uint16_t special_channel = 0;  // gets the raw multiplier/shift/scale
  int32_t raw_multiplier = 0, raw_shift = 0;
  uint8_t bias_mode = 0;  // 0 none, 1 small, 2 extreme, 3 raw
  int32_t raw_bias = 0;
  // 0 full, 1 ReLU, 2 ReLU6-like, 3 a sub-range, 4 one value, 5 empty,
  // 6 raw, 7 through lowbit_output_range
  uint8_t clamp_mode = 0;
  int32_t raw_qmin = 0, raw_qmax = 0;
  // FillData(): 0 random, 1 min, 2 max, 3 alternating, 4 the zero point,
  // 5 raw input bytes, 6 near the middle
  uint8_t a_fill = 0, w_fill = 0;
  uint8_t k_part_groups = 0;  // 0: the operator's own K blocking
  uint8_t flags = 0;          // kRawInt32 | kTwoThreads | kFirstLayout ...
  uint32_t seed = 0;
  std::vector<uint8_t> raw_data;  // the rest of the input, for raw fills

  enum : uint8_t {
    kRawInt32 = 1,
    kTwoThreads = 2,
    kFirstLayout = 4,  // pass the struct as a 0.1-layout caller does
    kNullWeights = 8,
    kNullScales = 16,
  };
};

template <class IO>
void Serialize(IO& io, GemmSpec& s) {
  io.Range(s.big_k, 0, 1);
  io.Range(s.m, 0, 96, 2);
  io.Range(s.n, 0, 200, 2);
  io.Range(s.k, 0, 1200, 2);
  io.Range(s.lda_extra, -2, 13);
  io.Range(s.ldw_extra, -2, 13);
  io.Range(s.ldc_extra, -2, 13);
  io.Range(s.input_type, 0, 7);
  io.Range(s.weight_type, 0, 7);
  io.Range(s.output_type, 0, 7);
  io.Raw32(s.raw_type);
  io.Range(s.requant, 0, 3);
  io.Raw32(s.raw_requant);
  io.Range(s.za_mode, 0, 7);
  io.Raw32(s.za);
  io.Range(s.zw_mode, 0, 7);
  io.Raw32(s.zw);
  io.Range(s.zo_mode, 0, 7);
  io.Raw32(s.zo);
  io.Range(s.input_scale_kind, 0, 15);
  io.Raw32(s.input_scale);
  io.Range(s.output_scale_kind, 0, 15);
  io.Raw32(s.output_scale);
  io.Range(s.weight_scale_kind, 0, 15);
  io.Raw32(s.weight_scale);
  io.Range(s.per_channel, 0, 2);
  io.Range(s.multipliers, 0, 3);
  io.Range(s.special_channel, 0, 255, 1);
  io.Raw32(s.raw_multiplier);
  io.Raw32(s.raw_shift);
  io.Range(s.bias_mode, 0, 3);
  io.Raw32(s.raw_bias);
  io.Range(s.clamp_mode, 0, 7);
  io.Raw32(s.raw_qmin);
  io.Raw32(s.raw_qmax);
  io.Range(s.a_fill, 0, 6);
  io.Range(s.w_fill, 0, 6);
  io.Range(s.k_part_groups, 0, 24);
  io.Range(s.flags, 0, 255);
  io.Raw32(s.seed);
  if constexpr (IO::kReading) {
    s.raw_data = io.Rest();
  } else {
    io.Append(s.raw_data);
  }
}

// Shared with the other operations' cases (fuzz/conv_case.cc).
constexpr size_t kGuard = 32;
constexpr uint8_t kCanary = 0xA5;
extern std::string g_case;  // the decoded case, for failure reports
// Prints the message and g_case, then aborts (a libFuzzer crash).
[[noreturn]] void Die(const char* format, ...);

// Everything a GEMM case needs, built from its spec: data, bias, scales,
// multipliers, clamp, in the caller's struct.
struct Built {
  size_t m = 0, n = 0, k = 0, lda = 0, ldw = 0, ldc = 0;
  std::vector<uint8_t> a, w;
  std::vector<int32_t> bias;
  std::vector<float> scales;
  std::vector<int32_t> multipliers, shifts;
  lowbit_gemm_params p{};     // what the caller passes (full layout)
  bool first_layout = false;  // passed with the first layout's size
  bool raw_int32 = false, two_threads = false;
  size_t k_part_groups = 0;
};
Built Build(const GemmSpec& s);
// count bytes of type t: fill 0 random, 1 min, 2 max, 3 alternating, 4 the
// zero point, 5 raw bytes, 6 near the middle.
std::vector<uint8_t> FillData(size_t count, uint8_t fill, lowbit_dtype t,
                              int32_t zero_point, std::mt19937& rng,
                              const std::vector<uint8_t>& raw);

// The statuses the contract allows packing to return for these parameters
// (any of them: the order of the checks is lowbit's), or none when the
// parameters are valid. Written from DESIGN.md and lowbit.h, not from the
// validation code.
std::vector<lowbit_status> ContractViolations(const lowbit_gemm_params& p);
bool Allowed(lowbit_status s, const std::vector<lowbit_status>& violations);

// Packs through pack(&handle) and requires the status the contract allows
// (Allowed) and a failed pack to leave the handle alone; true when a handle
// was made (*out; the caller destroys it).
template <class Handle, class Pack>
bool PackChecked(const char* who, const std::vector<lowbit_status>& violations,
                 const Pack& pack, Handle* out) {
  Handle h = reinterpret_cast<Handle>(&g_case);
  const lowbit_status st = pack(&h);
  if (!Allowed(st, violations)) {
    Die("%s: pack returned %d (%s); the contract allows %zu statuses "
        "(none means valid), first %d",
        who, st, lowbit_last_error(), violations.size(),
        violations.empty() ? 0 : violations[0]);
  }
  if (st != LOWBIT_OK) {
    if (h != reinterpret_cast<Handle>(&g_case)) {
      Die("%s: failed pack wrote the handle", who);
    }
    return false;
  }
  *out = h;
  return true;
}
struct pthreadpool* TwoThreads();

// Runs the case; on any disagreement prints it and aborts (a libFuzzer
// crash). Returns whether the parameters were valid (packing succeeded).
bool CheckGemm(const GemmSpec& spec);

// Seeds for the corpus: the sweep's corners, encoded.
std::vector<GemmSpec> GemmSeeds();

}  // namespace fuzz
}  // namespace lowbit

#endif  // LOWBIT_FUZZ_GEMM_CASE_H_
