// The instruction ceilings the x86 GEMM kernels are measured against: tight
// register-only loops of the multiply-add each kernel is built on, with the
// same count of independent accumulators, so "fraction of peak" is a
// measurement on this CPU rather than a datasheet number.
//
//   vpdpbusd_zmm        24 accumulators of u8 x s8 quads (the VNNI kernel)
//   vpmaddwd_ymm        12 exact int16 pair products + vpaddd (the AVX2
//                       kernel's arithmetic, nothing else)
//   avx2_kernel_mix     the AVX2 kernel's loop body: 2 vpmovsxbw weight
//                       loads and 6 vpbroadcastd activation loads per 12
//                       vpmaddwd + vpaddd
//   avx2_int16w_mix     the same with int16 weights (2 plain vmovdqu loads
//                       instead of vpmovsxbw)
//   vpmaddubsw_ymm      oneDNN's AVX2 int8 arithmetic: vpmaddubsw (u8 x s8
//                       pairs into int16, saturating) + vpmaddwd by ones +
//                       vpaddd, 12 accumulators: 32 int8 MACs per 3
//                       instructions, the inexact ceiling beside the exact
//                       one
// Gop/s counts 2 operations per int8 multiply-add, as the GEMM benchmark
// does.
#include <benchmark/benchmark.h>

#include <cstdint>

namespace {

alignas(64) int32_t g_act[16];
alignas(64) int8_t g_wts[64];  // read as int8 or int16

#define LB_AVX2_ROW(off, a0, a1)                         \
  "vpbroadcastd " #off "(%[a]), %%ymm14\n"               \
  "vpmaddwd %%ymm12, %%ymm14, %%ymm15\n"                 \
  "vpaddd %%ymm15, %%" a0 ", %%" a0 "\n"                 \
  "vpmaddwd %%ymm13, %%ymm14, %%ymm14\n"                 \
  "vpaddd %%ymm14, %%" a1 ", %%" a1 "\n"
#define LB_MADD_ROW(a0, a1)                              \
  "vpmaddwd %%ymm12, %%ymm14, %%ymm15\n"                 \
  "vpaddd %%ymm15, %%" a0 ", %%" a0 "\n"                 \
  "vpmaddwd %%ymm13, %%ymm14, %%ymm15\n"                 \
  "vpaddd %%ymm15, %%" a1 ", %%" a1 "\n"
#define LB_UBSW_ROW(a0, a1)                              \
  "vpmaddubsw %%ymm12, %%ymm14, %%ymm15\n"               \
  "vpmaddwd %%ymm13, %%ymm15, %%ymm15\n"                 \
  "vpaddd %%ymm15, %%" a0 ", %%" a0 "\n"                 \
  "vpmaddubsw %%ymm12, %%ymm14, %%ymm15\n"               \
  "vpmaddwd %%ymm13, %%ymm15, %%ymm15\n"                 \
  "vpaddd %%ymm15, %%" a1 ", %%" a1 "\n"
#define LB_YMM_CLOBBERS                                                    \
  "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", \
      "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15"

// 12 x 16 int16 pair MACs per iteration.
void MaddYmm(int64_t n) {
  __asm__ volatile(
      "vpxor %%xmm14, %%xmm14, %%xmm14\n"
      "vpxor %%xmm12, %%xmm12, %%xmm12\n"
      "vpxor %%xmm13, %%xmm13, %%xmm13\n"
      "1:\n" LB_MADD_ROW("ymm0", "ymm1") LB_MADD_ROW("ymm2", "ymm3")
          LB_MADD_ROW("ymm4", "ymm5") LB_MADD_ROW("ymm6", "ymm7")
              LB_MADD_ROW("ymm8", "ymm9") LB_MADD_ROW("ymm10", "ymm11")
      "dec %[n]\n"
      "jnz 1b\n"
      "vzeroupper\n"
      : [n] "+r"(n)
      :
      : "cc", LB_YMM_CLOBBERS);
}

// 12 x 32 int8 MACs per iteration (saturating).
void MaddubswYmm(int64_t n) {
  __asm__ volatile(
      "vpxor %%xmm14, %%xmm14, %%xmm14\n"
      "vpxor %%xmm12, %%xmm12, %%xmm12\n"
      "vpcmpeqw %%ymm13, %%ymm13, %%ymm13\n"
      "vpsrlw $15, %%ymm13, %%ymm13\n"  // int16 ones
      "1:\n" LB_UBSW_ROW("ymm0", "ymm1") LB_UBSW_ROW("ymm2", "ymm3")
          LB_UBSW_ROW("ymm4", "ymm5") LB_UBSW_ROW("ymm6", "ymm7")
              LB_UBSW_ROW("ymm8", "ymm9") LB_UBSW_ROW("ymm10", "ymm11")
      "dec %[n]\n"
      "jnz 1b\n"
      "vzeroupper\n"
      : [n] "+r"(n)
      :
      : "cc", LB_YMM_CLOBBERS);
}

void Avx2Int16WeightsMix(int64_t n) {
  __asm__ volatile(
      "1:\n"
      "vmovdqu (%[w]), %%ymm12\n"
      "vmovdqu 32(%[w]), %%ymm13\n" LB_AVX2_ROW(0, "ymm0", "ymm1")
          LB_AVX2_ROW(4, "ymm2", "ymm3") LB_AVX2_ROW(8, "ymm4", "ymm5")
              LB_AVX2_ROW(12, "ymm6", "ymm7") LB_AVX2_ROW(16, "ymm8", "ymm9")
                  LB_AVX2_ROW(20, "ymm10", "ymm11")
      "dec %[n]\n"
      "jnz 1b\n"
      "vzeroupper\n"
      : [n] "+r"(n)
      : [a] "r"(g_act), [w] "r"(g_wts)
      : "cc", "memory", LB_YMM_CLOBBERS);
}

void Avx2KernelMix(int64_t n) {
  __asm__ volatile(
      "1:\n"
      "vpmovsxbw (%[w]), %%ymm12\n"
      "vpmovsxbw 16(%[w]), %%ymm13\n" LB_AVX2_ROW(0, "ymm0", "ymm1")
          LB_AVX2_ROW(4, "ymm2", "ymm3") LB_AVX2_ROW(8, "ymm4", "ymm5")
              LB_AVX2_ROW(12, "ymm6", "ymm7") LB_AVX2_ROW(16, "ymm8", "ymm9")
                  LB_AVX2_ROW(20, "ymm10", "ymm11")
      "dec %[n]\n"
      "jnz 1b\n"
      "vzeroupper\n"
      : [n] "+r"(n)
      : [a] "r"(g_act), [w] "r"(g_wts)
      : "cc", "memory", LB_YMM_CLOBBERS);
}

#define LB_DP3(a, b, c)                     \
  "vpdpbusd %%zmm24, %%zmm27, %%zmm" #a "\n" \
  "vpdpbusd %%zmm25, %%zmm27, %%zmm" #b "\n" \
  "vpdpbusd %%zmm26, %%zmm27, %%zmm" #c "\n"

// 24 x 64 int8 MACs per iteration. (The attribute only lets the compiler
// name zmm16-31 as clobbered; the caller checks the CPU.)
__attribute__((target("avx512f"))) void DpbusdZmm(int64_t n) {
  __asm__ volatile(
      "vpxord %%zmm24, %%zmm24, %%zmm24\n"
      "vpxord %%zmm25, %%zmm25, %%zmm25\n"
      "vpxord %%zmm26, %%zmm26, %%zmm26\n"
      "vpxord %%zmm27, %%zmm27, %%zmm27\n"
      "1:\n" LB_DP3(0, 1, 2) LB_DP3(3, 4, 5) LB_DP3(6, 7, 8) LB_DP3(9, 10, 11)
          LB_DP3(12, 13, 14) LB_DP3(15, 16, 17) LB_DP3(18, 19, 20)
              LB_DP3(21, 22, 23)
      "dec %[n]\n"
      "jnz 1b\n"
      "vzeroupper\n"
      : [n] "+r"(n)
      :
      : "cc", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7",
        "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15",
        "xmm16", "xmm17", "xmm18", "xmm19", "xmm20", "xmm21", "xmm22",
        "xmm23", "xmm24", "xmm25", "xmm26", "xmm27");
}

void Run(benchmark::State& state, void (*loop)(int64_t), double macs_per_it) {
  constexpr int64_t kIters = 1 << 20;
  for (auto _ : state) loop(kIters);
  state.counters["Gop"] = benchmark::Counter(
      2e-9 * macs_per_it * kIters * static_cast<double>(state.iterations()),
      benchmark::Counter::kIsRate);
}

enum class Needs { kAvx2, kAvx512Vnni };

// One ceiling: `loop` (macs_per_it int8-equivalent MACs per iteration),
// skipped with the reason on a CPU without what it needs.
void Peak(benchmark::State& state, Needs needs, void (*loop)(int64_t),
          double macs_per_it) {
  // (__builtin_cpu_supports takes only string literals.)
  const bool vnni = needs == Needs::kAvx512Vnni;
  if (vnni ? !__builtin_cpu_supports("avx512vnni")
           : !__builtin_cpu_supports("avx2")) {
    state.SkipWithError(vnni ? "no AVX-512 VNNI on this CPU"
                             : "no AVX2 on this CPU");
    return;
  }
  Run(state, loop, macs_per_it);
}

BENCHMARK_CAPTURE(Peak, vpdpbusd_zmm, Needs::kAvx512Vnni, DpbusdZmm, 24.0 * 64)
    ->Name("peak/vpdpbusd_zmm")
    ->UseRealTime();
BENCHMARK_CAPTURE(Peak, vpmaddwd_ymm, Needs::kAvx2, MaddYmm, 12.0 * 16)
    ->Name("peak/vpmaddwd_ymm")
    ->UseRealTime();
BENCHMARK_CAPTURE(Peak, vpmaddubsw, Needs::kAvx2, MaddubswYmm, 12.0 * 32)
    ->Name("peak/vpmaddubsw_vpmaddwd_ymm")
    ->UseRealTime();
BENCHMARK_CAPTURE(Peak, kernel_mix, Needs::kAvx2, Avx2KernelMix, 12.0 * 16)
    ->Name("peak/avx2_kernel_mix")
    ->UseRealTime();
BENCHMARK_CAPTURE(Peak, int16w_mix, Needs::kAvx2, Avx2Int16WeightsMix, 12.0 * 16)
    ->Name("peak/avx2_int16w_mix")
    ->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
