// Convolutions (im2col + GEMM, 1x1 in place, depthwise) of the bare-metal
// build against the reference (kernels/reference/conv.cc), exact, through
// the C API: every data type, mode, padding, stride, dilation, groups and
// depth multiplier, strided tensors, extreme inputs, and bad input.
#include <cstdio>
#include <cstring>

#include "kernels/reference/conv.h"
#include "kernels/reference/gemm.h"
#include "kernels/reference/gemm16.h"
#include "lowbit/lowbit.h"
#include "tests/bare/check.h"

namespace lowbit_test {
namespace {

alignas(8) uint8_t g_in[8 * 1024];
alignas(8) uint8_t g_w[8 * 1024];
alignas(8) uint8_t g_out[8 * 1024 + 16];
alignas(8) uint8_t g_want[8 * 1024];
alignas(8) int32_t g_acc[8 * 1024];
alignas(8) uint8_t g_ws[32 * 1024];
int32_t g_bias[128];
float g_scales[128];
int32_t g_mult[128];
int32_t g_shift[128];

struct Shape {
  size_t h, w, kh, kw, sh, sw, dh, dw, pt, pl, pb, pr, groups, cg, ng;
};

struct Types {
  lowbit_dtype in = LOWBIT_DTYPE_INT8, w = LOWBIT_DTYPE_INT8,
               out = LOWBIT_DTYPE_INT8;
  lowbit_requant mode = LOWBIT_REQUANT_FIXEDPOINT;
  int32_t za = 0, zw = 0, zo = 0;
  int extreme = 0;  // 0 random, 1 all low, 2 all high
  bool caller = false, per_channel = true;
  bool relu = false;  // clamp [zo, max - 20] instead of the whole type
};

void SetGeometry(const Shape& s, lowbit_conv2d_params* p) {
  p->kernel_height = s.kh;
  p->kernel_width = s.kw;
  p->stride_height = s.sh;
  p->stride_width = s.sw;
  p->dilation_height = s.dh;
  p->dilation_width = s.dw;
  p->padding_top = s.pt;
  p->padding_left = s.pl;
  p->padding_bottom = s.pb;
  p->padding_right = s.pr;
  p->groups = s.groups;
  p->group_input_channels = s.cg;
  p->group_output_channels = s.ng;
}

int32_t Lo(lowbit_dtype t) {
  return t == LOWBIT_DTYPE_UINT8 ? 0 : t == LOWBIT_DTYPE_INT4 ? -8 : -128;
}
int32_t Hi(lowbit_dtype t) {
  return t == LOWBIT_DTYPE_UINT8 ? 255 : t == LOWBIT_DTYPE_INT4 ? 7 : 127;
}

void RunConv(const Shape& s, const Types& t, size_t extra_in, size_t extra_out,
             uint32_t seed) {
  const size_t cin = s.groups * s.cg, cout = s.groups * s.ng;
  const size_t in_stride = cin + extra_in, out_stride = cout + extra_out;
  const size_t k = s.kh * s.kw * s.cg;
  Rng rng(seed);
  for (size_t i = 0; i < s.h * s.w * in_stride; ++i) {
    g_in[i] = static_cast<uint8_t>(t.extreme == 1   ? Lo(t.in)
                                   : t.extreme == 2 ? Hi(t.in)
                                                    : rng.Uniform(Lo(t.in), Hi(t.in)));
  }
  if (t.w == LOWBIT_DTYPE_INT4) std::memset(g_w, 0, (cout * k + 1) / 2);
  for (size_t i = 0; i < cout * k; ++i) {
    const int32_t v = t.extreme != 0 ? (i % 2 ? Lo(t.w) : Hi(t.w))
                                     : rng.Uniform(Lo(t.w), Hi(t.w));
    if (t.w == LOWBIT_DTYPE_INT4) {  // nibble i, low first
      g_w[i / 2] |= static_cast<uint8_t>(i % 2 == 0 ? v & 0xF : (v & 0xF) << 4);
    } else {
      g_w[i] = static_cast<uint8_t>(v);
    }
  }
  for (size_t o = 0; o < cout; ++o) {
    g_bias[o] = rng.Uniform(-5000, 5000);
    g_scales[o] = static_cast<float>(rng.Uniform(1, 1000)) * 1e-4f;
    g_mult[o] = rng.Uniform(1 << 30, 0x7FFFFFFF);
    // Right shifts only (the fast paths) or zero and left ones as well.
    g_shift[o] = rng.Uniform(-10, seed % 2 != 0 ? 1 : -1);
  }
  lowbit_conv2d_params p;
  lowbit_conv2d_params_init(&p);
  SetGeometry(s, &p);
  p.input_type = t.in;
  p.weight_type = t.w;
  p.output_type = t.out;
  p.requant = t.mode;
  p.weights = g_w;
  p.bias = g_bias;
  p.input_scale = 0.5f;
  p.input_zero_point = t.za;
  p.weight_scales = g_scales;
  p.weight_scale_count = t.per_channel ? cout : 1;
  p.weight_zero_point = t.zw;
  p.output_scale = 0.25f;
  p.output_zero_point = t.zo;
  p.output_min = t.relu ? t.zo : Lo(t.out);
  p.output_max = t.relu ? Hi(t.out) - 20 : Hi(t.out);
  if (t.caller) {
    p.requant_multipliers = g_mult;
    p.requant_shifts = g_shift;
    p.requant_multiplier_count = t.per_channel ? cout : 1;
  }
  lowbit_conv2d_t conv = nullptr;
  if (!LOWBIT_CHECK(lowbit_conv2d_pack(&p, &conv) == LOWBIT_OK)) {
    std::printf("  pack: %s\n", lowbit_last_error());
    return;
  }
  size_t oh = 0, ow = 0;
  LOWBIT_CHECK(lowbit_conv2d_output_size(conv, s.h, s.w, &oh, &ow) ==
               LOWBIT_OK);
  size_t need = 0;
  LOWBIT_CHECK(lowbit_conv2d_workspace_size(conv, 1, s.h, s.w, &need) ==
               LOWBIT_OK);
  if (!LOWBIT_CHECK(need <= sizeof(g_ws) && oh * ow * out_stride <= 8 * 1024)) {
    lowbit_conv2d_destroy(conv);
    return;
  }
  std::memset(g_out, 0xA5, sizeof(g_out));
  const lowbit_status run = lowbit_conv2d_run_workspace(
      conv, 1, s.h, s.w, g_in, in_stride, g_out, out_stride, g_ws, need);
  if (!LOWBIT_CHECK(run == LOWBIT_OK)) std::printf("  run: %s\n", lowbit_last_error());
  const char* kernel = lowbit_conv2d_kernel_name(conv);
  lowbit_conv2d_destroy(conv);
  const size_t pixels = lowbit::ref::Pixels(p, 1, s.h, s.w);
  lowbit::ref::Conv2dAccumulators(p, 1, s.h, s.w, g_in, in_stride, g_acc,
                                  cout);
  std::memset(g_want, 0xA5, sizeof(g_want));
  lowbit::ref::Requantize(lowbit::ref::RequantView(p, cout), pixels, g_acc,
                          cout, g_want, out_stride);
  for (size_t i = 0; i < pixels * out_stride + 16; ++i) {
    const uint8_t want = i < pixels * out_stride ? g_want[i] : 0xA5;
    if (g_out[i] != want) {
      char what[200];
      std::snprintf(what, sizeof(what),
                    "%s: %ux%u k%ux%u s%u d%u g%u cg%u ng%u mode %d byte %u: "
                    "want %u got %u", kernel, unsigned(s.h), unsigned(s.w),
                    unsigned(s.kh), unsigned(s.kw), unsigned(s.sh),
                    unsigned(s.dh), unsigned(s.groups), unsigned(s.cg),
                    unsigned(s.ng), int(t.mode), unsigned(i), unsigned(want),
                    unsigned(g_out[i]));
      Check(false, __FILE__, __LINE__, what);
      return;
    }
  }
  Check(true, __FILE__, __LINE__, "");
}

void BadInput() {
  int8_t w[9] = {1};
  float scale = 1.0f;
  lowbit_conv2d_params p;
  lowbit_conv2d_params_init(&p);
  p.kernel_height = p.kernel_width = 3;
  p.padding_top = p.padding_left = p.padding_bottom = p.padding_right = 1;
  p.group_input_channels = 1;
  p.group_output_channels = 1;
  p.weights = w;
  p.weight_scales = &scale;
  lowbit_conv2d_t conv = nullptr;
  LOWBIT_CHECK(lowbit_conv2d_pack(nullptr, &conv) == LOWBIT_ERROR_NULL_POINTER);
  lowbit_conv2d_params bad = p;
  bad.stride_height = 0;
  LOWBIT_CHECK(lowbit_conv2d_pack(&bad, &conv) == LOWBIT_ERROR_INVALID_ARGUMENT);
  bad = p;
  bad.output_zero_point = 300;
  LOWBIT_CHECK(lowbit_conv2d_pack(&bad, &conv) ==
               LOWBIT_ERROR_INVALID_ZERO_POINT);
  LOWBIT_CHECK(conv == nullptr);
  LOWBIT_CHECK(lowbit_conv2d_pack(&p, &conv) == LOWBIT_OK);
  int8_t in[16] = {0}, out[16] = {0};
  size_t need = 0;
  LOWBIT_CHECK(lowbit_conv2d_workspace_size(conv, 1, 4, 4, &need) == LOWBIT_OK);
  LOWBIT_CHECK(need > 0);
  LOWBIT_CHECK(lowbit_conv2d_run(conv, 1, 4, 4, in, 1, out, 1, nullptr) ==
               LOWBIT_ERROR_UNSUPPORTED);
  LOWBIT_CHECK(lowbit_conv2d_run_workspace(conv, 1, 4, 4, in, 1, out, 1, g_ws,
                                           need - 1) ==
               LOWBIT_ERROR_INVALID_ARGUMENT);
  LOWBIT_CHECK(lowbit_conv2d_run_workspace(conv, 1, 0, 4, in, 1, out, 1, g_ws,
                                           need) == LOWBIT_ERROR_INVALID_SIZE);
  LOWBIT_CHECK(lowbit_conv2d_run_workspace(conv, 1, 4, 4, in, 0, out, 1, g_ws,
                                           need) == LOWBIT_ERROR_INVALID_STRIDE);
  LOWBIT_CHECK(lowbit_conv2d_run_workspace(conv, 1, 4, 4, nullptr, 1, out, 1,
                                           g_ws, need) ==
               LOWBIT_ERROR_NULL_POINTER);
  lowbit_conv2d_destroy(conv);
  lowbit_conv2d_destroy(nullptr);
}

}  // namespace

void ConvTests() {
  const unsigned before = Results().checks;
  // h w kh kw sh sw dh dw pt pl pb pr groups cg ng
  const Shape shapes[] = {
      {5, 6, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 3, 5},    // 3x3 same
      {7, 5, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 1, 17, 9},   // stride 2
      {6, 6, 3, 3, 1, 1, 2, 2, 2, 2, 2, 2, 1, 4, 3},    // dilation 2
      {5, 5, 3, 2, 1, 2, 1, 1, 0, 1, 2, 0, 2, 3, 2},    // groups, odd pads
      {4, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 19, 7},   // 1x1 in place
      {4, 4, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 2, 5, 3},    // 1x1, 2 groups
      {3, 4, 1, 1, 2, 1, 1, 1, 0, 0, 0, 0, 1, 8, 33},   // 1x1 stride 2
      {6, 7, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 19, 1, 1},   // depthwise
      {7, 6, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 8, 1, 2},    // dw, multiplier 2
      {6, 6, 3, 3, 1, 1, 2, 1, 2, 1, 0, 2, 5, 1, 1},    // dw dilation, pads
      {5, 5, 5, 5, 1, 1, 1, 1, 2, 2, 2, 2, 3, 1, 1},    // dw 5x5
      // Depthwise 3x3 on 4k channels (the DSP kernel's assembly; with
      // right shifts only, its fast requantization) and wide rows.
      {6, 9, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 16, 1, 1},
      {7, 11, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 12, 1, 1},
      {5, 7, 3, 3, 1, 1, 1, 2, 0, 2, 1, 2, 8, 1, 1},
  };
  const lowbit_requant modes[] = {LOWBIT_REQUANT_FIXEDPOINT,
                                  LOWBIT_REQUANT_FP32,
                                  LOWBIT_REQUANT_FIXEDPOINT_SINGLE};
  uint32_t seed = 1;
  for (const Shape& s : shapes) {
    for (lowbit_requant mode : modes) {
      for (int variant = 0; variant < 4; ++variant) {
        Types t;
        t.mode = mode;
        t.in = variant % 2 ? LOWBIT_DTYPE_UINT8 : LOWBIT_DTYPE_INT8;
        t.w = variant >= 2 ? LOWBIT_DTYPE_UINT8 : LOWBIT_DTYPE_INT8;
        t.out = variant == 1 ? LOWBIT_DTYPE_UINT8 : LOWBIT_DTYPE_INT8;
        t.za = variant == 0 ? -128 : variant == 1 ? 255 : variant == 2 ? 127 : 0;
        t.zw = t.w == LOWBIT_DTYPE_UINT8 ? (variant == 2 ? 255 : 0) : 0;
        t.zo = variant == 3 ? 3 : Lo(t.out);
        t.caller = mode != LOWBIT_REQUANT_FP32 && variant == 2;
        t.per_channel = variant != 3;
        t.relu = variant == 0 || variant == 3;
        RunConv(s, t, variant, variant % 3, seed++);
        t.extreme = 1 + variant % 2;
        RunConv(s, t, 0, 1, seed++);
        if (variant < 2) {  // int4 weights (symmetric), both activation types
          t.w = LOWBIT_DTYPE_INT4;
          t.zw = 0;
          t.extreme = 0;
          RunConv(s, t, 1, 0, seed++);
          t.extreme = 2 - variant;
          RunConv(s, t, 0, 0, seed++);
        }
      }
    }
  }
  BadInput();
  std::printf("convolution: %u checks\n", Results().checks - before);
}

}  // namespace lowbit_test

namespace lowbit_test {
namespace {

alignas(8) int16_t g_in16[4096];
alignas(8) int16_t g_out16[4096 + 8];
alignas(8) int16_t g_want16[4096];
alignas(8) int64_t g_acc64[4096];
int64_t g_bias64[128];

// An INT16 convolution (16x8 or int16 x int16) through the C API against
// the reference.
void RunConv16(const Shape& s, lowbit_dtype weights, int bias, bool caller,
               int extreme, uint32_t seed) {
  const size_t cin = s.groups * s.cg, cout = s.groups * s.ng;
  const size_t in_stride = cin + 1, out_stride = cout + 2;
  const size_t k = s.kh * s.kw * s.cg;
  const size_t welem = weights == LOWBIT_DTYPE_INT16 ? 2 : 1;
  const int32_t wlo = welem == 2 ? -32768 : -128, whi = welem == 2 ? 32767 : 127;
  Rng rng(seed);
  for (size_t i = 0; i < s.h * s.w * in_stride; ++i) {
    g_in16[i] = static_cast<int16_t>(extreme == 1   ? -32768
                                     : extreme == 2 ? 32767
                                                    : rng.Uniform(-32768, 32767));
  }
  for (size_t i = 0; i < cout * k; ++i) {
    const int32_t w = extreme != 0 ? (i % 2 ? wlo : whi) : rng.Uniform(wlo, whi);
    if (welem == 2) {
      const int16_t v = static_cast<int16_t>(w);
      std::memcpy(g_w + 2 * i, &v, 2);
    } else {
      g_w[i] = static_cast<uint8_t>(w);
    }
  }
  for (size_t o = 0; o < cout; ++o) {
    g_bias[o] = rng.Uniform(-100000, 100000);
    g_bias64[o] = int64_t{rng.Uniform(-(1 << 30), 1 << 30)} * 64;
    g_scales[o] = static_cast<float>(rng.Uniform(1, 1000)) * 1e-6f;
    g_mult[o] = rng.Uniform(1 << 30, 0x7FFFFFFF);
    g_shift[o] = rng.Uniform(-20, -1);
  }
  lowbit_conv2d_params p;
  lowbit_conv2d_params_init(&p);
  SetGeometry(s, &p);
  p.input_type = LOWBIT_DTYPE_INT16;
  p.weight_type = weights;
  p.output_type = LOWBIT_DTYPE_INT16;
  p.requant = LOWBIT_REQUANT_FIXEDPOINT;
  p.weights = g_w;
  if (bias == 1) p.bias = g_bias;
  if (bias == 2) p.bias64 = g_bias64;
  p.input_scale = 0.5f;
  p.weight_scales = g_scales;
  p.weight_scale_count = cout;
  p.output_scale = 0.25f;
  p.output_min = seed % 3 == 0 ? -2000 : -32768;
  p.output_max = seed % 3 == 0 ? 3000 : 32767;
  if (caller) {
    p.requant_multipliers = g_mult;
    p.requant_shifts = g_shift;
    p.requant_multiplier_count = cout;
  }
  lowbit_conv2d_t conv = nullptr;
  if (!LOWBIT_CHECK(lowbit_conv2d_pack(&p, &conv) == LOWBIT_OK)) {
    std::printf("  pack16: %s\n", lowbit_last_error());
    return;
  }
  size_t need = 0;
  LOWBIT_CHECK(lowbit_conv2d_workspace_size(conv, 1, s.h, s.w, &need) ==
               LOWBIT_OK);
  const size_t pixels = lowbit::ref::Pixels(p, 1, s.h, s.w);
  if (!LOWBIT_CHECK(need <= sizeof(g_ws) && pixels * out_stride <= 4096)) {
    lowbit_conv2d_destroy(conv);
    return;
  }
  std::memset(g_out16, 0xA5, sizeof(g_out16));
  LOWBIT_CHECK(lowbit_conv2d_run_workspace(conv, 1, s.h, s.w, g_in16,
                                           in_stride, g_out16, out_stride,
                                           g_ws, need) == LOWBIT_OK);
  const char* kernel = lowbit_conv2d_kernel_name(conv);
  lowbit_conv2d_destroy(conv);
  lowbit::ref::Conv2d16Accumulators(p, 1, s.h, s.w, g_in16, in_stride,
                                    g_acc64, cout);
  std::memset(g_want16, 0xA5, sizeof(g_want16));
  lowbit::ref::Requantize16(lowbit::ref::RequantView(p, cout), pixels,
                            g_acc64, cout, g_want16, out_stride);
  for (size_t i = 0; i < pixels * out_stride + 8; ++i) {
    const int16_t want = i < pixels * out_stride ? g_want16[i]
                                                 : static_cast<int16_t>(0xA5A5);
    if (g_out16[i] != want) {
      char what[160];
      std::snprintf(what, sizeof(what),
                    "%s: int16 %ux%u k%ux%u g%u cg%u ng%u element %u: want %d "
                    "got %d", kernel, unsigned(s.h), unsigned(s.w),
                    unsigned(s.kh), unsigned(s.kw), unsigned(s.groups),
                    unsigned(s.cg), unsigned(s.ng), unsigned(i), int(want),
                    int(g_out16[i]));
      Check(false, __FILE__, __LINE__, what);
      return;
    }
  }
  Check(true, __FILE__, __LINE__, "");
}

}  // namespace

void Conv16Tests() {
  const unsigned before = Results().checks;
  const Shape shapes[] = {
      {5, 6, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 3, 5},
      {7, 5, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 1, 9, 4},
      {5, 5, 3, 2, 1, 2, 2, 1, 0, 1, 2, 0, 2, 3, 2},
      {4, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 11, 7},
      {6, 7, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 9, 1, 1},
      {7, 6, 3, 3, 2, 2, 1, 2, 1, 2, 1, 1, 4, 1, 2},
  };
  const lowbit_dtype wtypes[] = {LOWBIT_DTYPE_INT8, LOWBIT_DTYPE_INT16};
  uint32_t seed = 7;
  for (const Shape& s : shapes) {
    for (lowbit_dtype wt : wtypes) {
      for (int variant = 0; variant < 3; ++variant) {
        RunConv16(s, wt, variant, variant == 1, 0, seed++);
      }
      RunConv16(s, wt, 2, true, 1, seed++);
      RunConv16(s, wt, 0, false, 2, seed++);
    }
  }
  std::printf("convolution, INT16: %u checks\n", Results().checks - before);
}

}  // namespace lowbit_test
