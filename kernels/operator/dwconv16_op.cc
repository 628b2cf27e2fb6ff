// Depthwise convolution with 16-bit activations: see dwconv16_op.h.
//
// int16 weights are split into two int8 planes as in gemm16_op.cc, W =
// 256 * hi + lo + 128, so each tap sum stays exact in int32 and the int64
// result is 256 * sum x * hi + 128 * sum x + sum x * lo.
#include "kernels/operator/dwconv16_op.h"

#include <pthreadpool.h>

#include <algorithm>
#include <atomic>
#include <memory>

#include "kernels/gemm16/dwconv16.h"
#include "kernels/gemm16/epilogue16.h"
#include "kernels/operator/aligned_vector.h"
#include "kernels/operator/checked_size.h"
#include "kernels/operator/error.h"
#include "kernels/operator/gemm16_op.h"
#include "kernels/operator/gemm_op.h"
#include "kernels/operator/scratch.h"

namespace lowbit {

struct Dw16 {
  lowbit_conv2d_params p{};  // geometry; pointers cleared
  size_t channels = 0, taps = 0;
  size_t planes = 1;
  AlignedVector<int32_t> w;  // [plane][tap][channel], widened
  AlignedVector<int32_t> wp;  // [plane]: Dw16PackPairs of w's plane
  AlignedVector<int64_t> bias, rm;
  AlignedVector<uint64_t> t, round, off;
  AlignedVector<int16_t> zeros;  // what a tap in the padding reads
  // Gemm16FinishNarrow serves every channel (see gemm16_op.cc).
  bool narrow = false;
  AlignedVector<int32_t> bias32;
  Gemm16PairArrays pairs;
};

namespace {

// Output pixels per task.
constexpr size_t kPixels = 32;

struct RunContext {
  const Dw16* d;
  size_t in_h, in_w, out_h, out_w, pixels;
  const int16_t* input;
  size_t in_stride;
  int16_t* output;
  size_t out_stride;
  const TaskSlots* slots;
};

void Task(void* context, size_t first) {
  const RunContext& ctx = *static_cast<const RunContext*>(context);
  const Dw16& d = *ctx.d;
  const lowbit_conv2d_params& p = d.p;
  const size_t c = d.channels;
  const size_t count = std::min(kPixels, ctx.pixels - first);
  size_t slot = 0;
  uint8_t* mem = ctx.slots->Claim(&slot);
  const size_t tile = kPixels * c;
  int32_t* lo = reinterpret_cast<int32_t*>(mem);
  int32_t* hi = lo + tile;
  int32_t* sum = hi + tile;
  int64_t* acc = reinterpret_cast<int64_t*>(sum + tile);
  const int16_t** taps = reinterpret_cast<const int16_t**>(acc + tile);
  // The first pixel's position, then one step at a time.
  size_t b = first / (ctx.out_h * ctx.out_w);
  size_t oy = first / ctx.out_w % ctx.out_h, ox = first % ctx.out_w;
  for (size_t i = 0; i < count; ++i) {
    size_t t = 0;
    for (size_t ky = 0; ky < p.kernel_height; ++ky) {
      const int64_t iy = int64_t(oy * p.stride_height) -
                         int64_t(p.padding_top) +
                         int64_t(ky * p.dilation_height);
      const bool row_inside = iy >= 0 && iy < int64_t(ctx.in_h);
      const int16_t* row =
          row_inside
              ? ctx.input + (b * ctx.in_h + size_t(iy)) * ctx.in_w *
                                ctx.in_stride
              : nullptr;
      int64_t ix = int64_t(ox * p.stride_width) - int64_t(p.padding_left);
      for (size_t kx = 0; kx < p.kernel_width;
           ++kx, ++t, ix += int64_t(p.dilation_width)) {
        const bool inside = row_inside && ix >= 0 && ix < int64_t(ctx.in_w);
        taps[t] = inside ? row + size_t(ix) * ctx.in_stride : d.zeros.data();
      }
    }
    if (++ox == ctx.out_w) {
      ox = 0;
      if (++oy == ctx.out_h) {
        oy = 0;
        ++b;
      }
    }
    if (d.planes == 1) {
      Dw16Accumulate(taps, d.taps, d.w.data(), d.wp.data(), c, lo + i * c,
                     nullptr);
    } else {
      Dw16Accumulate(taps, d.taps, d.w.data(), d.wp.data(), c, hi + i * c,
                     sum + i * c);
      Dw16Accumulate(taps, d.taps, d.w.data() + d.taps * c,
                     d.wp.data() + d.taps * 2 * ((c + 1) / 2), c, lo + i * c,
                     nullptr);
    }
  }
  if (d.narrow) {
    Gemm16FinishNarrow(lo, d.bias32.data(), count, c, c, d.pairs.At(0),
                       p.output_min, p.output_max,
                       ctx.output + first * ctx.out_stride, ctx.out_stride);
    ctx.slots->Release(slot);
    return;
  }
  const Gemm16Channels ch{d.bias.data(), d.rm.data(), d.t.data(),
                          d.round.data(), d.off.data()};
  const int64_t* partial = nullptr;
  if (d.planes == 2) {
    Gemm16AddPart(hi, count, c, c, 8, true, acc);
    Gemm16AddPart(sum, count, c, c, 7, false, acc);
    partial = acc;
  }
  Gemm16Finish(partial, lo, 0, count, c, c, nullptr, ch, p.output_min,
               p.output_max, false, ctx.output + first * ctx.out_stride,
               ctx.out_stride);
  ctx.slots->Release(slot);
}

}  // namespace

bool Dw16Supported(const lowbit_conv2d_params& p) {
  return p.groups > 1 && p.group_input_channels == 1 &&
         p.group_output_channels == 1 &&
         p.kernel_height * p.kernel_width <= kDw16MaxTaps;
}

lowbit_status PackDw16(const lowbit_conv2d_params& p,
                       const lowbit_gemm_params& all, Dw16** out,
                       const char* fn) {
  lowbit_status status = ValidateGemm16(all, fn);
  if (status != LOWBIT_OK) return status;
  auto d = std::make_unique<Dw16>();
  d->p = p;
  d->p.weights = nullptr;
  d->p.bias = nullptr;
  d->p.bias64 = nullptr;
  d->p.weight_scales = nullptr;
  d->p.requant_multipliers = nullptr;
  d->p.requant_shifts = nullptr;
  const size_t c = all.n, taps = all.k;
  d->channels = c;
  d->taps = taps;
  d->planes = all.weight_type == LOWBIT_DTYPE_INT16 ? 2 : 1;
  OutputStage stage;
  status = MakeOutputStage(all, c, &stage, fn);
  if (status != LOWBIT_OK) return status;
  d->bias.assign(c, 0);
  d->rm.assign(c, 0);
  d->t.assign(c, 15);
  d->round.assign(c, 0);
  d->off.assign(c, 0);
  for (size_t i = 0; i < c; ++i) {
    d->bias[i] = all.bias64 != nullptr ? all.bias64[i]
                 : all.bias != nullptr ? all.bias[i]
                                       : 0;
    d->rm[i] = ReducedMultiplier(stage.multiplier[i]);
    d->t[i] = static_cast<uint64_t>(15 - stage.shift[i]);
    Gemm16ChannelConstants(d->t[i], &d->round[i], &d->off[i]);
  }
  d->w.assign(d->planes * taps * c, 0);
  for (size_t i = 0; i < c; ++i) {
    for (size_t t = 0; t < taps; ++t) {
      const int32_t w = WeightElement(all.weight_type, all.weights,
                                      i * all.weight_stride + t);
      if (d->planes == 1) {
        d->w[t * c + i] = w;
      } else {
        d->w[t * c + i] = w >> 8;
        d->w[(taps + t) * c + i] = (w & 255) - 128;
      }
    }
  }
  const size_t plane_pairs = taps * 2 * ((c + 1) / 2);
  d->wp.assign(d->planes * plane_pairs, 0);
  for (size_t plane = 0; plane < d->planes; ++plane) {
    Dw16PackPairs(d->w.data() + plane * taps * c, taps, c,
                  d->wp.data() + plane * plane_pairs);
  }
  d->zeros.assign(c, 0);
  d->narrow = d->planes == 1;
  for (size_t i = 0; i < c && d->narrow; ++i) {
    int64_t sum = 0;
    for (size_t t = 0; t < taps; ++t) {
      const int32_t w = d->w[t * c + i];
      sum += w < 0 ? -w : w;
    }
    d->narrow = Gemm16NarrowChannel(d->bias[i], sum, d->t[i]);
  }
  if (d->narrow) {
    d->bias32.assign(c + 2, 0);
    for (size_t i = 0; i < c; ++i) {
      d->bias32[i] = static_cast<int32_t>(d->bias[i]);
    }
    d->pairs.Build(d->rm.data(), d->t.data(), c);
  }
  *out = d.release();
  return Succeed();
}

void DestroyDw16(Dw16* d) { delete d; }

lowbit_status RunDw16(const Dw16& d, size_t batch, size_t in_h, size_t in_w,
                      size_t out_h, size_t out_w, const int16_t* input,
                      size_t in_stride, int16_t* output, size_t out_stride,
                      pthreadpool* pool, const char* fn) {
  RunContext ctx{};
  ctx.d = &d;
  ctx.in_h = in_h;
  ctx.in_w = in_w;
  ctx.out_h = out_h;
  ctx.out_w = out_w;
  ctx.pixels = batch * out_h * out_w;
  ctx.input = input;
  ctx.in_stride = in_stride;
  ctx.output = output;
  ctx.out_stride = out_stride;
  // Per running task: three int32 tiles, an int64 one and the tap
  // pointers, claimed as in gemm16_op.cc and allocated here.
  const size_t threads =
      pool != nullptr ? std::max<size_t>(1, pthreadpool_get_threads_count(pool))
                      : 1;
  thread_local TaskSlots slots;
  if (!slots.Reserve(threads, kPixels * d.channels * (3 * 4 + 8) +
                                  d.taps * sizeof(const int16_t*))) {
    return Fail(LOWBIT_ERROR_OUT_OF_MEMORY,
                "%s: cannot allocate %zu task tiles", fn, threads);
  }
  ctx.slots = &slots;
  pthreadpool_parallelize_1d_tile_1d(
      pool, [](void* context, size_t first, size_t) { Task(context, first); },
      &ctx, ctx.pixels, kPixels, 0);
  return Succeed();
}

}  // namespace lowbit
