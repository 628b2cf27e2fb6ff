// Instructions per MAC of lowbit's bare-metal operations, counted (never
// timed) under qemu-system-arm -icount: SysTick ticks around each call,
// converted to instructions by a loop of known length in the same image
// (README, "Cortex-M"). Whole calls: requantization and the activations'
// conversion included, packing not. Shapes: issue 12's.
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "bare/systick.h"
#include "lowbit/lowbit.h"

namespace {

// In the heap (the boards' larger RAM), allocated once by main.
int8_t* g_a;          // 64 KiB
int8_t* g_w;          // 256 KiB
int8_t* g_c;          // 64 KiB
uint8_t* g_workspace;  // 64 KiB
constexpr size_t kWorkspace = 64 * 1024;
int32_t g_bias[1024];
int32_t g_multipliers[1024];
int32_t g_shifts[1024];

// 2 * kLoops + 1 instructions (subs and bne per iteration, one mov).
constexpr uint32_t kLoops = 100000;
double InstructionsPerTick() {
  const uint64_t t0 = systick_ticks();
  __asm__ volatile(
      "mov r0, %0\n"
      "1:\n\t"
      "subs r0, r0, #1\n\t"
      "bne 1b\n"
      :
      : "r"(kLoops)
      : "r0", "cc");
  const uint64_t t1 = systick_ticks();
  return (2.0 * kLoops + 1) / static_cast<double>(t1 - t0);
}

void Fill(int8_t* p, size_t n, uint32_t seed) {
  for (size_t i = 0; i < n; ++i) {
    seed = seed * 1664525u + 1013904223u;
    p[i] = static_cast<int8_t>(seed >> 24);
  }
}

// Two runs of a call count the same to 1 tick in 10^5: a tick is not an
// instruction, the SysTick interrupt's few instructions per 2^24 ticks
// fall into one run or the other, and long runs differ by a few ticks.
bool Same(uint64_t a, uint64_t b) {
  const uint64_t d = a > b ? a - b : b - a;
  return d <= 2 + (a > b ? a : b) / 100000;
}

// Per-channel bias, multipliers and shifts of n channels.
void FillChannels(size_t n, int32_t bias_base, int32_t shift_base) {
  for (size_t i = 0; i < n; ++i) {
    g_bias[i] = static_cast<int32_t>(i * 977) + bias_base;
    g_multipliers[i] = 1300000000 + static_cast<int32_t>(i * 1000);
    g_shifts[i] = shift_base + static_cast<int32_t>(i % 3);
  }
}

// Runs `call` twice (each returns a status), prints the second run's
// instructions per MAC.
template <class Call>
void Report(const char* shape, const char* kernel, double macs,
            double per_tick, const Call& call) {
  uint64_t ticks[2];
  for (uint64_t& t : ticks) {
    const uint64_t t0 = systick_ticks();
    const lowbit_status s = call();
    t = systick_ticks() - t0;
    if (s != LOWBIT_OK) std::printf("%s: %s\n", shape, lowbit_last_error());
  }
  const double instructions = static_cast<double>(ticks[1]) * per_tick;
  std::printf("| %-26s | %-40s | %9.0f | %11.0f | %6.3f |%s\n", shape,
              kernel, macs, instructions, instructions / macs,
              Same(ticks[0], ticks[1]) ? "" : " (runs differ)");
}

// One GEMM, TFLite/CMSIS-NN semantics: per-channel multipliers and shifts,
// double rounding, offsets, a full clamp; int16 activations with int8
// weights (TFLite's 16x8) when `wide`.
void CountGemm(const char* shape, size_t m, size_t k, size_t n, bool wide,
               double per_tick) {
  if (wide) {
    int16_t* a = reinterpret_cast<int16_t*>(g_a);
    for (size_t i = 0; i < m * k; ++i) {
      a[i] = static_cast<int16_t>(static_cast<int32_t>(i * 2654435761u) >> 16);
    }
  } else {
    Fill(g_a, m * k, 1);
  }
  Fill(g_w, n * k, 2);
  FillChannels(n, -100000, wide ? -12 : -9);
  lowbit_gemm_params p;
  lowbit_gemm_params_init(&p);
  p.n = n;
  p.k = k;
  p.requant = LOWBIT_REQUANT_FIXEDPOINT;
  p.weights = g_w;
  p.weight_stride = k;
  p.bias = g_bias;
  if (wide) {
    p.input_type = p.output_type = LOWBIT_DTYPE_INT16;
    p.output_min = -32768;
    p.output_max = 32767;
  } else {
    p.input_zero_point = -3;
    p.output_zero_point = 5;
  }
  p.requant_multipliers = g_multipliers;
  p.requant_shifts = g_shifts;
  p.requant_multiplier_count = n;
  lowbit_gemm_t gemm = nullptr;
  if (lowbit_gemm_pack(&p, &gemm) != LOWBIT_OK) {
    std::printf("%s: pack failed: %s\n", shape, lowbit_last_error());
    return;
  }
  Report(shape, lowbit_gemm_kernel_name(gemm),
         static_cast<double>(m) * n * k, per_tick, [&] {
           return lowbit_gemm_run_workspace(gemm, m, g_a, k, g_c, n,
                                            g_workspace, kWorkspace);
         });
  lowbit_gemm_destroy(gemm);
}

// One convolution (NHWC, batch 1), the same semantics as CountGemm.
void CountConv(const char* shape, size_t h, size_t w, size_t c, size_t kernel,
               size_t stride, size_t pad, size_t groups, size_t out_c,
               double per_tick) {
  const size_t cg = c / groups, ng = out_c / groups;
  Fill(g_a, h * w * c, 1);
  Fill(g_w, out_c * kernel * kernel * cg, 2);
  FillChannels(out_c, -10000, -8);
  lowbit_conv2d_params p;
  lowbit_conv2d_params_init(&p);
  p.kernel_height = p.kernel_width = kernel;
  p.stride_height = p.stride_width = stride;
  p.padding_top = p.padding_left = p.padding_bottom = p.padding_right = pad;
  p.groups = groups;
  p.group_input_channels = cg;
  p.group_output_channels = ng;
  p.requant = LOWBIT_REQUANT_FIXEDPOINT;
  p.weights = g_w;
  p.bias = g_bias;
  p.input_zero_point = -3;
  p.output_zero_point = 5;
  p.requant_multipliers = g_multipliers;
  p.requant_shifts = g_shifts;
  p.requant_multiplier_count = out_c;
  lowbit_conv2d_t conv = nullptr;
  if (lowbit_conv2d_pack(&p, &conv) != LOWBIT_OK) {
    std::printf("%s: pack failed: %s\n", shape, lowbit_last_error());
    return;
  }
  size_t oh = 0, ow = 0;
  lowbit_conv2d_output_size(conv, h, w, &oh, &ow);
  Report(shape, lowbit_conv2d_kernel_name(conv),
         static_cast<double>(oh) * ow * out_c * kernel * kernel * cg,
         per_tick, [&] {
           return lowbit_conv2d_run_workspace(conv, 1, h, w, g_a, c, g_c,
                                              out_c, g_workspace, kWorkspace);
         });
  lowbit_conv2d_destroy(conv);
}

}  // namespace

int main() {
  g_a = static_cast<int8_t*>(std::malloc(64 * 1024));
  g_w = static_cast<int8_t*>(std::malloc(256 * 1024));
  g_c = static_cast<int8_t*>(std::malloc(64 * 1024));
  g_workspace = static_cast<uint8_t*>(std::malloc(kWorkspace));
  if (!g_a || !g_w || !g_c || !g_workspace) return 2;
  systick_start();
  const double per_tick = InstructionsPerTick();
  std::printf("calibration: %.4f instructions per SysTick tick\n", per_tick);
  std::printf("| %-26s | %-40s | %9s | %11s | %6s |\n", "operation", "kernel",
              "MACs", "instructions", "per MAC");
  std::printf("|%s|%s|%s|%s|%s|\n", "----------------------------",
              "------------------------------------------", "-----------",
              "-------------", "--------");
  // M x K x N, as bench-shapes.md writes GEMM shapes.
  CountGemm("GEMM 16x256x64", 16, 256, 64, false, per_tick);
  CountGemm("GEMM 4x256x64", 4, 256, 64, false, per_tick);
  CountGemm("FC 1x1024 -> 256", 1, 1024, 256, false, per_tick);
  CountGemm("GEMM 16x8 16x256x64", 16, 256, 64, true, per_tick);
  CountConv("conv 14x14x64 3x3 p1 -> 64", 14, 14, 64, 3, 1, 1, 1, 64,
            per_tick);
  CountConv("conv 14x14x64 1x1 -> 64", 14, 14, 64, 1, 1, 0, 1, 64, per_tick);
  CountConv("dw 28x28x64 3x3 p1", 28, 28, 64, 3, 1, 1, 64, 64, per_tick);
  return 0;
}
