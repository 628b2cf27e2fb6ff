// GEMM with 16-bit activations. The multiply-adds are the 8-bit GEMM's
// kernels that read int16 activations (ActFormat::kInt16: vpmaddwd,
// vpdpwssd, smlal; exact for any int16 x int8 pair), run over K parts short
// enough that their int32 sums are exact, each part from zero with raw int32
// output, widened into an int64 tile per task.
//
// int16 weights are split into two int8 planes,
//   W = 256 * hi + lo + 128,  hi = W >> 8,  lo = (W & 255) - 128,
// both in [-128, 127], so sum A * W = 256 * sum A * hi + sum A * lo +
// 128 * sum A: two 16x8 products and each row's sum.
//
// Then the int64 bias and TFLite's int64 requantization (lowbit.h).
#include "kernels/operator/gemm16_op.h"

#include <pthreadpool.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <memory>
#include <new>
#include <vector>

#include "kernels/gemm/kernel_table.h"
#include "kernels/gemm/pack.h"
#include "kernels/gemm16/epilogue16.h"
#include "kernels/operator/aligned_vector.h"
#include "kernels/operator/checked_size.h"
#include "kernels/operator/error.h"
#include "kernels/operator/gemm_op.h"
#include "kernels/operator/scratch.h"

namespace lowbit {

struct Gemm16 {
  const GemmKernel* kernel = nullptr;
  size_t n = 0, k = 0;
  size_t planes = 1;  // 2 for int16 weights: hi, then lo
  size_t plane_bytes = 0;
  AlignedVector<uint8_t> packed;  // planes x layout.PackedBytes(n, k)
  // Per channel, padded to whole blocks: the int64 bias, TFLite's reduced
  // 16-bit multiplier and its total right shift 15 - shift.
  AlignedVector<int64_t> bias;
  AlignedVector<int64_t> reduced;
  AlignedVector<uint64_t> right_shift, round, off;  // Gemm16Channels
  AlignedVector<int32_t> zeros;  // NR: every part starts from zero
  size_t part_groups = 0;         // K groups per exact int32 part
  int32_t qmin = 0, qmax = 0;
  // Gemm16FinishNarrow serves every channel (int8 weights, one part,
  // Gemm16NarrowChannel): the bias as int32 and the pair constants.
  bool narrow = false;
  AlignedVector<int32_t> bias32;
  Gemm16PairArrays pairs;
};

namespace {

template <class V>
size_t HeldBytes(const V& v) {
  return v.size() * sizeof(v[0]);
}

}  // namespace

size_t Gemm16HeldBytes(const Gemm16& g) {
  const Gemm16PairArrays& p = g.pairs;
  return HeldBytes(g.packed) + HeldBytes(g.bias) + HeldBytes(g.reduced) +
         HeldBytes(g.right_shift) + HeldBytes(g.round) + HeldBytes(g.off) +
         HeldBytes(g.zeros) + HeldBytes(g.bias32) + HeldBytes(p.rm_even) +
         HeldBytes(p.rm_odd) + HeldBytes(p.t_even) + HeldBytes(p.t_odd) +
         HeldBytes(p.round_even) + HeldBytes(p.round_odd) +
         HeldBytes(p.off_even) + HeldBytes(p.off_odd);
}

namespace {

std::atomic<size_t> g_part_groups_for_testing{0};

// The longest parts (in K groups, halving from all of K down to the
// weight-independent length) whose every channel's int32 sums are exact:
// 32768 * sum |W| <= 2^31 - 1 over each part, W(n, k) one plane's values.
template <class Weight>
size_t ExactPartGroups(const GemmLayout& layout, size_t n, size_t k,
                       const Weight& w) {
  const size_t safe = kGemm16PartElems / layout.kr;
  const auto fits = [&](size_t groups) {
    const size_t len = groups * layout.kr;
    for (size_t c = 0; c < n; ++c) {
      for (size_t k0 = 0; k0 < k; k0 += len) {
        int64_t sum = 0;
        for (size_t i = k0; i < std::min(k, k0 + len); ++i) {
          const int32_t v = w(c, i);
          sum += v < 0 ? -v : v;
        }
        if (sum > 65535) return false;
      }
    }
    return true;
  };
  size_t groups = layout.KGroups(k);
  while (groups > safe && !fits(groups)) groups = std::max(safe, groups / 2);
  return groups;
}

// Rows per task: the int32 part and int64 tiles stay in L1.
constexpr size_t kTaskTiles = 8;

struct RunContext {
  const Gemm16* g;
  const int16_t* a;  // kpad elements per row at a_stride
  size_t a_stride;
  const int64_t* row_extra;  // int16 weights: 128 * sum_k A per row
  size_t m, task_rows;
  uint8_t* c;
  size_t ldc;
  bool raw;
  bool expand;
  size_t part_groups;
  const TaskSlots* slots;
  size_t tile_bytes, tile_stride;
};

// Rows [ti * task_rows, ...) x one NR block of channels; blocks are the
// outer index, so consecutive tasks read one block's weights.
void Task(void* context, size_t block, size_t ti) {
  const RunContext& ctx = *static_cast<const RunContext*>(context);
  const Gemm16& g = *ctx.g;
  const GemmKernel& kernel = *g.kernel;
  const GemmLayout& layout = kernel.layout;
  const size_t nr = layout.nr;
  const size_t i0 = ti * ctx.task_rows;
  const size_t rows = std::min(ctx.task_rows, ctx.m - i0);
  const size_t n0 = block * nr;
  const size_t nc = std::min(nr, g.n - n0);
  const size_t kgroups = layout.KGroups(g.k);
  const bool expand =
      ctx.expand && rows > (kernel.expand_min_tiles - 1) * kernel.mr;
  size_t slot = 0;
  uint8_t* mem = ctx.slots->Claim(&slot);
  int32_t* part = reinterpret_cast<int32_t*>(mem);
  int64_t* acc = reinterpret_cast<int64_t*>(mem + ctx.tile_bytes);
  uint8_t* wide = mem + 3 * ctx.tile_bytes;
  const size_t stride = ctx.tile_stride;
  GemmOutput out{};
  out.requant = kRawInt32;
  out.type = LOWBIT_DTYPE_INT8;
  bool first = true;
  for (size_t plane = 0; plane < g.planes; ++plane) {
    const uint8_t* w = g.packed.data() + plane * g.plane_bytes +
                       block * layout.BlockBytes(g.k) + nr * sizeof(int32_t);
    const int sh = g.planes == 2 && plane == 0 ? 8 : 0;
    for (size_t g0 = 0; g0 < kgroups; g0 += ctx.part_groups) {
      const size_t groups = std::min(ctx.part_groups, kgroups - g0);
      const uint8_t* wp = w + g0 * layout.GroupBytes();
      GemmUkernelFn ukernel = kernel.ukernel;
      if (expand) {
        kernel.expand_weights(wp, groups, wide);
        wp = wide;
        ukernel = kernel.expanded->ukernel;
      }
      ukernel(rows, nc, groups, ctx.a + i0 * ctx.a_stride + g0 * layout.kr,
              ctx.a_stride, nullptr, g.zeros.data(), 0, wp, out, n0, part,
              stride);
      const bool last = plane + 1 == g.planes && g0 + groups == kgroups;
      if (last && first && g.narrow && !ctx.raw) {
        Gemm16FinishNarrow(part, g.bias32.data() + n0, rows, nc, stride,
                           g.pairs.At(n0), g.qmin, g.qmax,
                           reinterpret_cast<int16_t*>(ctx.c) + i0 * ctx.ldc +
                               n0,
                           ctx.ldc);
      } else if (last) {
        const Gemm16Channels ch{g.bias.data() + n0, g.reduced.data() + n0,
                                g.right_shift.data() + n0,
                                g.round.data() + n0, g.off.data() + n0};
        Gemm16Finish(first ? nullptr : acc, part, sh, rows, nc, stride,
                     ctx.row_extra != nullptr ? ctx.row_extra + i0 : nullptr,
                     ch, g.qmin, g.qmax, ctx.raw,
                     ctx.c + (i0 * ctx.ldc + n0) *
                                 (ctx.raw ? sizeof(int64_t) : sizeof(int16_t)),
                     ctx.ldc);
      } else {
        Gemm16AddPart(part, rows, nc, stride, sh, first, acc);
      }
      first = false;
    }
  }
  ctx.slots->Release(slot);
}

}  // namespace

lowbit_status PackGemm16(const lowbit_gemm_params& p, const GemmKernel& kernel,
                         Gemm16** out, const char* fn) {
  lowbit_status status = ValidateGemm16(p, fn);
  if (status != LOWBIT_OK) return status;
  const GemmLayout& layout = kernel.layout;
  if (layout.act != ActFormat::kInt16 || layout.nibble_span != 0) {
    return Fail(LOWBIT_ERROR_INTERNAL,
                "%s: kernel %s does not read int16 activations", fn,
                kernel.name);
  }
  const size_t planes = p.weight_type == LOWBIT_DTYPE_INT16 ? 2 : 1;
  size_t block_bytes = 0, plane_bytes = 0, packed_bytes = 0;
  if (!MulOk(layout.KGroups(p.k), layout.GroupBytes(), &block_bytes) ||
      !AddOk(block_bytes, layout.nr * sizeof(int32_t), &block_bytes) ||
      !MulOk(layout.Blocks(p.n), block_bytes, &plane_bytes) ||
      !MulOk(plane_bytes, planes, &packed_bytes)) {
    return Fail(LOWBIT_ERROR_INVALID_SIZE,
                "%s: packed weights overflow size_t", fn);
  }
  auto g = std::make_unique<Gemm16>();
  g->kernel = &kernel;
  g->n = p.n;
  g->k = p.k;
  g->planes = planes;
  g->plane_bytes = plane_bytes;
  const size_t padded = layout.Blocks(p.n) * layout.nr;
  OutputStage stage;
  status = MakeOutputStage(p, padded, &stage, fn);
  if (status != LOWBIT_OK) return status;
  g->packed.assign(packed_bytes, 0);
  g->bias.assign(padded, 0);
  g->reduced.assign(padded, 0);
  g->right_shift.assign(padded, 15);
  g->round.assign(padded, 0);
  g->off.assign(padded, 0);
  g->zeros.assign(layout.nr, 0);
  g->qmin = p.output_min;
  g->qmax = p.output_max;
  for (size_t n = 0; n < p.n; ++n) {
    g->bias[n] = p.bias64 != nullptr ? p.bias64[n]
                 : p.bias != nullptr ? p.bias[n]
                                     : 0;
    g->reduced[n] = ReducedMultiplier(stage.multiplier[n]);
    g->right_shift[n] = 15 - stage.shift[n];
  }
  for (size_t n = 0; n < padded; ++n) {
    Gemm16ChannelConstants(g->right_shift[n], &g->round[n], &g->off[n]);
  }
  lowbit_gemm_params w8;
  lowbit_gemm_params_init(&w8);
  w8.n = p.n;
  w8.k = p.k;
  w8.input_type = LOWBIT_DTYPE_INT8;  // za 0: nothing folded (kInt16)
  w8.weight_type = LOWBIT_DTYPE_INT8;
  if (planes == 1) {
    w8.weights = p.weights;
    w8.weight_stride = p.weight_stride;
    PackGemmWeights(w8, layout, g->packed.data());
    g->part_groups =
        ExactPartGroups(layout, p.n, p.k, [&](size_t c, size_t i) {
          return WeightElement(p.weight_type, p.weights,
                               c * p.weight_stride + i);
        });
    g->narrow = g->part_groups >= layout.KGroups(p.k);
    for (size_t n = 0; n < p.n && g->narrow; ++n) {
      int64_t sum = 0;
      for (size_t k = 0; k < p.k; ++k) {
        const int32_t w =
            WeightElement(p.weight_type, p.weights, n * p.weight_stride + k);
        sum += w < 0 ? -w : w;
      }
      g->narrow = Gemm16NarrowChannel(g->bias[n], sum, g->right_shift[n]);
    }
    if (g->narrow) {
      g->bias32.assign(padded + 2, 0);
      for (size_t n = 0; n < p.n; ++n) {
        g->bias32[n] = static_cast<int32_t>(g->bias[n]);
      }
      g->pairs.Build(g->reduced.data(), g->right_shift.data(), padded);
    }
  } else {
    std::vector<int8_t> hi(p.n * p.k), lo(p.n * p.k);
    const int16_t* w = static_cast<const int16_t*>(p.weights);
    for (size_t n = 0; n < p.n; ++n) {
      for (size_t k = 0; k < p.k; ++k) {
        const int32_t x = w[n * p.weight_stride + k];
        hi[n * p.k + k] = static_cast<int8_t>(x >> 8);
        lo[n * p.k + k] = static_cast<int8_t>((x & 255) - 128);
      }
    }
    w8.weight_stride = p.k;
    w8.weights = hi.data();
    PackGemmWeights(w8, layout, g->packed.data());
    w8.weights = lo.data();
    PackGemmWeights(w8, layout, g->packed.data() + plane_bytes);
    g->part_groups = std::min(
        ExactPartGroups(layout, p.n, p.k,
                        [&](size_t c, size_t i) { return hi[c * p.k + i]; }),
        ExactPartGroups(layout, p.n, p.k, [&](size_t c, size_t i) {
          return lo[c * p.k + i];
        }));
  }
  *out = g.release();
  return Succeed();
}

void DestroyGemm16(Gemm16* g) { delete g; }

void Gemm16PairArrays::Build(const int64_t* rm, const uint64_t* t,
                             size_t count) {
  const size_t pairs = (count + 1) / 2;
  rm_even.assign(pairs, 0);
  rm_odd.assign(pairs, 0);
  t_even.assign(pairs, 15);
  t_odd.assign(pairs, 15);
  round_even.assign(pairs, 0);
  round_odd.assign(pairs, 0);
  off_even.assign(pairs, 0);
  off_odd.assign(pairs, 0);
  for (size_t c = 0; c < pairs * 2; ++c) {
    const bool odd = c % 2 == 1;
    const size_t h = c / 2;
    const uint64_t tc = c < count ? t[c] : 15;
    (odd ? rm_odd : rm_even)[h] = c < count ? rm[c] : 0;
    (odd ? t_odd : t_even)[h] = tc;
    Gemm16ChannelConstants(tc, &(odd ? round_odd : round_even)[h],
                           &(odd ? off_odd : off_even)[h]);
  }
}

Gemm16Pairs Gemm16PairArrays::At(size_t channel) const {
  const size_t h = channel / 2;
  return Gemm16Pairs{rm_even.data() + h,    rm_odd.data() + h,
                     t_even.data() + h,     t_odd.data() + h,
                     round_even.data() + h, round_odd.data() + h,
                     off_even.data() + h,   off_odd.data() + h};
}


const GemmKernel& Gemm16KernelOf(const Gemm16& g) { return *g.kernel; }

void SetGemm16PartGroupsForTesting(size_t groups) {
  g_part_groups_for_testing.store(groups);
}

lowbit_status RunGemm16(const Gemm16& g, size_t m, const void* a, size_t lda,
                        void* c, size_t ldc, bool raw, pthreadpool* pool,
                        const char* fn) {
  if (lda < g.k || ldc < g.n) {
    return Fail(LOWBIT_ERROR_INVALID_STRIDE,
                "%s: lda %zu < k %zu or ldc %zu < n %zu", fn, lda, g.k, ldc,
                g.n);
  }
  if (m == 0) return Succeed();
  if (a == nullptr || c == nullptr) {
    return Fail(LOWBIT_ERROR_NULL_POINTER, "%s: %s is NULL", fn,
                a == nullptr ? "a" : "c");
  }
  const size_t c_elem = raw ? sizeof(int64_t) : sizeof(int16_t);
  if (!SpanOk(m, g.k, lda, sizeof(int16_t)) || !SpanOk(m, g.n, ldc, c_elem)) {
    return Fail(LOWBIT_ERROR_INVALID_SIZE, "%s: m = %zu rows overflow", fn,
                m);
  }
  const GemmKernel& kernel = *g.kernel;
  const GemmLayout& layout = kernel.layout;
  const size_t kpad = layout.KGroups(g.k) * layout.kr;
  const int16_t* rows = static_cast<const int16_t*>(a);
  thread_local ScratchArray<int16_t> padded_rows;
  thread_local ScratchArray<int64_t> row_extra;
  thread_local TaskSlots slots;
  RunContext ctx{};
  ctx.g = &g;
  ctx.a = rows;
  ctx.a_stride = lda;
  if (kpad != g.k) {
    // The kernel reads whole K groups: rows padded with zeros.
    size_t count = 0;
    if (!MulOk(m, kpad, &count) || !padded_rows.Reserve(count)) {
      return Fail(LOWBIT_ERROR_OUT_OF_MEMORY, "%s: cannot allocate %zu rows",
                  fn, m);
    }
    for (size_t i = 0; i < m; ++i) {
      int16_t* dst = padded_rows.data() + i * kpad;
      std::memcpy(dst, rows + i * lda, g.k * sizeof(int16_t));
      std::memset(dst + g.k, 0, (kpad - g.k) * sizeof(int16_t));
    }
    ctx.a = padded_rows.data();
    ctx.a_stride = kpad;
  }
  if (g.planes == 2) {
    if (!row_extra.Reserve(m)) {
      return Fail(LOWBIT_ERROR_OUT_OF_MEMORY, "%s: cannot allocate %zu rows",
                  fn, m);
    }
    for (size_t i = 0; i < m; ++i) {
      int64_t sum = 0;
      for (size_t k = 0; k < g.k; ++k) sum += rows[i * lda + k];
      row_extra.data()[i] = 128 * sum;
    }
    ctx.row_extra = row_extra.data();
  }
  ctx.m = m;
  ctx.task_rows = std::min(m, kTaskTiles * kernel.mr);
  ctx.c = static_cast<uint8_t*>(c);
  ctx.ldc = ldc;
  ctx.raw = raw;
  ctx.expand = kernel.expanded != nullptr;
  const size_t testing = g_part_groups_for_testing.load();
  ctx.part_groups = testing != 0 ? testing : g.part_groups;
  // Per running task (slots claimed as in dq_gemm_op.cc, allocated here so
  // that no task can fail): the int32 part tile, the int64 tile, one part's
  // expanded weights.
  const size_t threads =
      pool != nullptr ? std::max<size_t>(1, pthreadpool_get_threads_count(pool))
                      : 1;
  ctx.tile_stride = layout.nr;
  ctx.tile_bytes = (ctx.task_rows * layout.nr * sizeof(int32_t) + 63) / 64 * 64;
  const size_t wide =
      ctx.expand ? ctx.part_groups * kernel.expanded_group_bytes : 0;
  if (!slots.Reserve(threads, 3 * ctx.tile_bytes + wide)) {
    return Fail(LOWBIT_ERROR_OUT_OF_MEMORY,
                "%s: cannot allocate %zu task tiles", fn, threads);
  }
  ctx.slots = &slots;
  const size_t tasks = (m + ctx.task_rows - 1) / ctx.task_rows;
  const size_t blocks = layout.Blocks(g.n);
  if (pool == nullptr || pthreadpool_get_threads_count(pool) <= 1) {
    for (size_t b = 0; b < blocks; ++b) {
      for (size_t t = 0; t < tasks; ++t) Task(&ctx, b, t);
    }
  } else {
    pthreadpool_parallelize_2d(pool, Task, &ctx, blocks, tasks, 0);
  }
  return Succeed();
}

}  // namespace lowbit
