// The GEMM operator: validates, packs once, then tiles and threads runs.
#include "kernels/operator/gemm_op.h"

#include <pthreadpool.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <memory>
#include <new>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include "kernels/gemm/kernel_table.h"
#include "kernels/gemm/pack.h"
#include "kernels/operator/checked_size.h"
#include "kernels/operator/error.h"
#include "kernels/operator/gemm16_op.h"
#include "kernels/operator/gemm_params.h"
#include "kernels/operator/guard.h"
#include "kernels/operator/platform.h"
#include "kernels/operator/scratch.h"
#include "kernels/operator/versioned.h"
#include "kernels/reference/requant.h"

struct lowbit_gemm {
  size_t n = 0;
  size_t k = 0;
  lowbit_dtype input_type = LOWBIT_DTYPE_INT8;
  int32_t input_zero_point = 0;
  // Multiplies each row's sum of (A - za): zw - 128 for uint8 weights.
  int32_t weight_offset = 0;
  const lowbit::GemmKernel* kernel = nullptr;
  lowbit::GemmOutput out{};
  lowbit::AlignedVector<float> scale;
  lowbit::AlignedVector<int32_t> multiplier;
  lowbit::AlignedVector<int32_t> shift;
  uint8_t* packed = nullptr;
  size_t packed_bytes = 0;
  // INT16 activations: everything but n, k, kernel lives here
  // (kernels/operator/gemm16_op.cc).
  lowbit::Gemm16* wide = nullptr;

  ~lowbit_gemm() {
    std::free(packed);
    lowbit::DestroyGemm16(wide);
  }
};

namespace lowbit {
namespace {

// Per-channel requantization parameters, padded to whole blocks: the fp32
// mode's scales, or the fixed-point modes' multipliers and shifts (only
// what the mode reads is kept: 4 or 8 bytes per channel).
lowbit_status ComputeOutputParams(const lowbit_gemm_params& p, size_t padded,
                                  lowbit_gemm* g, const char* fn) {
  if (p.requant == LOWBIT_REQUANT_FP32) {
    g->scale.assign(padded, 1.0f);
  } else {
    g->multiplier.assign(padded, 1 << 30);
    g->shift.assign(padded, 0);
  }
  const lowbit_status s =
      ComputeRequant(p, g->scale.data(), g->multiplier.data(),
                     g->shift.data(), fn);
  if (s != LOWBIT_OK) return s;
  g->out.requant = p.requant;
  g->out.type = p.output_type;
  g->out.scale = g->scale.data();
  g->out.multiplier = g->multiplier.data();
  g->out.shift = g->shift.data();
  g->out.zero_point = p.output_zero_point;
  g->out.qmin = p.output_min;
  g->out.qmax = p.output_max;
  return LOWBIT_OK;
}

// Per-thread scratch for the kernel's form of the activations, grown on
// demand and reused. int16 elements keep every form aligned.
struct Scratch {
  ScratchArray<int16_t> a;
  ScratchArray<int32_t> row_offset;
  ScratchArray<std::atomic<uint32_t>> panel_state;  // see PreparePanel
  // Per running task (see ClaimSlot): K blocking's tile of int32 partial
  // sums, and the block's weights expanded for the expanded kernel.
  ScratchArray<int32_t> partial;
  ScratchArray<int16_t> expanded;
  ScratchArray<uint8_t> gathered;  // one gathered row (GemmRowSource)
  ScratchArray<std::atomic<bool>> slot_busy;
};
static_assert(std::is_trivially_destructible<std::atomic<uint32_t>>::value &&
                  std::is_trivially_destructible<std::atomic<bool>>::value,
              "ScratchArray frees without destroying");
Scratch& ThreadScratch() {
  thread_local Scratch scratch;
  return scratch;
}

struct RunContext {
  const lowbit_gemm* g;
  const GemmOutput* out;
  const void* a;
  size_t lda;
  const GemmRowSource* src;  // rows gathered instead of read from a
  uint8_t* gathered;         // per slot, gathered_bytes each
  size_t gathered_bytes;
  uint8_t* a_prepared;  // rows of kpad elements of act_bytes each
  size_t kpad;
  // Not null: the kernel reads the caller's rows in place (a, lda) through
  // this function (GemmKernel::ukernel_flip), and nothing is prepared.
  GemmUkernelFn direct;
  // Not null: rows read in place through tap offsets (GemmRowSource::taps)
  // by this function, tap_groups K groups per tap; nothing is gathered.
  GemmIndirectUkernelFn indirect;
  // The indirect form on expanded weights (when tasks expand).
  GemmIndirectUkernelFn indirect_expanded;
  const GemmTapSource* taps;  // `bands` of them (GemmRowSource::bands)
  size_t bands;
  size_t tap_groups;
  size_t kgroups;  // K groups the kernel runs (the used taps' when indirect)
  size_t act_bytes;
  int32_t* row_offset;  // nullptr when the weights are symmetric
  uint8_t* c;
  size_t ldc;
  size_t c_elem;
  size_t tile_m;  // rows per panel: the row extent of a task
  size_t rows;    // m
  std::atomic<uint32_t>* panel_state;
  // K blocking: K groups per part (all of them when K is not split), the
  // partial-sum tiles (tile_m x NR int32 each); the expanded weights of one
  // part (expanded_slot_bytes each) when tasks expand; the slots' claim
  // flags.
  size_t part_groups;
  int32_t* partial;
  bool expand;
  uint8_t* expanded;
  size_t expanded_slot_bytes;
  // Indirect tasks: nonzero when a slot holds the block's whole K (this
  // many groups) expanded, which a task then expands once for all its
  // calls; zero when each call expands its own run of taps.
  size_t expand_whole_groups;
  std::atomic<bool>* slot_busy;
  size_t slots;
  const GemmOutput* raw;  // the output stage of every part but the last
  // PanelTask: a panel buffer per slot (panel_bytes each).
  uint8_t* panels;
  size_t panel_bytes;
};

// Rows [i0, i0 + rows) into the kernel's form at `a` (row i0's first
// element).
void WidenTask(const RunContext& ctx, size_t i0, size_t rows, size_t slot,
               uint8_t* a) {
  const lowbit_gemm& g = *ctx.g;
  if (ctx.src != nullptr && g.kernel->layout.act != ActFormat::kInt16 &&
      ctx.row_offset == nullptr) {
    // 8-bit forms without row sums: straight into the panel.
    ctx.src->gather(ctx.src->context, i0, rows, a, ctx.kpad,
                    FormatFlip(g.kernel->layout.act, g.input_type), ctx.kpad);
  } else if (ctx.src != nullptr) {
    // Through the slot's gather buffer, a few rows at a time so that they
    // stay in L1 between gather and conversion.
    uint8_t* buffer = ctx.gathered + slot * ctx.gathered_bytes;
    const size_t step = ctx.gathered_bytes / g.k;
    for (size_t i = i0; i < i0 + rows; i += step) {
      const size_t n = std::min(step, i0 + rows - i);
      ctx.src->gather(ctx.src->context, i, n, buffer, g.k, 0, g.k);
      g.kernel->prepare(g.input_type, buffer, g.k, g.input_zero_point, n, g.k,
                        ctx.kpad, a + (i - i0) * ctx.kpad * ctx.act_bytes,
                        ctx.row_offset != nullptr ? ctx.row_offset + i
                                                  : nullptr);
    }
  } else {
    g.kernel->prepare(
        g.input_type, static_cast<const uint8_t*>(ctx.a) + i0 * ctx.lda,
        ctx.lda, g.input_zero_point, rows, g.k, ctx.kpad,
        a, ctx.row_offset != nullptr ? ctx.row_offset + i0 : nullptr);
  }
  if (ctx.row_offset != nullptr) {
    for (size_t i = i0; i < i0 + rows; ++i) {
      ctx.row_offset[i] = static_cast<int32_t>(
          static_cast<uint32_t>(g.weight_offset) *
          static_cast<uint32_t>(ctx.row_offset[i]));
    }
  }
}

// The rows of a task are converted by the first thread that needs them
// (usually the one that goes on to use them, so they are in its cache), in
// the same parallel region as the multiplication: one pool wake-up per run.
// States: kTodo -> kBusy (one thread converts) -> kDone (others may wait).
enum : uint32_t { kTodo = 0, kBusy = 1, kDone = 2 };

void PreparePanel(RunContext& ctx, size_t i0, size_t rows, size_t slot) {
  std::atomic<uint32_t>& state = ctx.panel_state[i0 / ctx.tile_m];
  if (state.load(std::memory_order_acquire) == kDone) return;
  uint32_t expected = kTodo;
  if (state.compare_exchange_strong(expected, kBusy,
                                    std::memory_order_acquire)) {
    WidenTask(ctx, i0, rows, slot,
              ctx.a_prepared + i0 * ctx.kpad * ctx.act_bytes);
    state.store(kDone, std::memory_order_release);
    return;
  }
  while (state.load(std::memory_order_acquire) != kDone) {
    std::this_thread::yield();
  }
}

// At most `threads` tasks run at once, so a free slot always exists.
size_t ClaimSlot(const RunContext& ctx) {
  for (size_t s = 0;; s = (s + 1) % ctx.slots) {
    if (!ctx.slot_busy[s].load(std::memory_order_relaxed) &&
        !ctx.slot_busy[s].exchange(true, std::memory_order_acquire)) {
      return s;
    }
  }
}

size_t RoundUp(size_t x, size_t q) { return (x + q - 1) / q * q; }

// A task's rows read in place (RunContext::indirect): per band, per run of
// output pixels (GemmTapSource::row_pixels), per run of taps, per K part,
// one kernel call; a call continues from the previous one's raw sums in
// `partial` (nr apart) but for the first. A run of taps is cut into even
// parts of at most part_groups K groups. The task space pads each band to
// whole MR tiles (RunGemm); those rows are skipped. wide: null, or the
// slot's room for expanded weights: the whole block's, expanded at the
// first call (RunContext::expand_whole_groups), or each call's run of taps
// unless the previous call's was the same.
void IndirectTask(RunContext& ctx, size_t i0, size_t j0, size_t rows,
                  size_t nc, const int32_t* packed_bias,
                  const uint8_t* weights, int32_t* partial, uint8_t* wide) {
  const GemmKernel& kernel = *ctx.g->kernel;
  const uint8_t* expanded_from = nullptr;  // what wide holds
  size_t expanded_groups = 0;
  const size_t nr = kernel.layout.nr;
  const size_t group_bytes = kernel.layout.GroupBytes();
  const size_t tg = ctx.tap_groups;
  const size_t mr = kernel.indirect_mr;
  size_t band = 0, band0 = 0;  // the band of row s0, and its first row
  for (size_t s0 = i0; s0 < i0 + rows;) {
    while (ctx.bands > 1 && s0 >= band0 + RoundUp(ctx.taps[band].rows, mr)) {
      band0 += RoundUp(ctx.taps[band++].rows, mr);
    }
    const GemmTapSource& ts = ctx.taps[band];
    const size_t m = s0 - band0;  // the band's row
    size_t seg = i0 + rows - s0;
    if (ctx.bands > 1 && m >= ts.rows) {  // the band's padding rows
      s0 = std::min(i0 + rows, band0 + RoundUp(ts.rows, mr));
      continue;
    }
    if (ctx.bands > 1) seg = std::min(seg, ts.rows - m);
    size_t pixel = ts.pixel0 + m * ts.pixel_step;
    if (ts.row_pixels != 0) {
      seg = std::min(seg, ts.row_pixels - m % ts.row_pixels);
      pixel = ts.pixel0 + m / ts.row_pixels * ts.row_pitch +
              m % ts.row_pixels * ts.pixel_step;
    }
    const size_t used = ts.used_taps != 0 ? ts.used_taps : ts.taps;
    const size_t run_taps = ts.run_taps != 0 ? ts.run_taps : used;
    const size_t runs = used / run_taps;
    const size_t part_taps = ctx.part_groups / tg;  // parts of whole taps
    const size_t cuts = (run_taps + part_taps - 1) / part_taps;
    const size_t part = (run_taps + cuts - 1) / cuts * tg;
    const int32_t* bias = ts.bias != nullptr ? ts.bias + j0 : packed_bias;
    // A run's calls end before the next run's begin: one partial tile.
    uint8_t* out = ctx.c + (pixel * ctx.ldc + j0) * ctx.c_elem;
    const size_t ostride = ts.pixel_step * ts.taps;
    const size_t ldc = ts.pixel_step * ctx.ldc;
    const int64_t* offsets = ts.offsets + pixel * ts.taps;
    for (size_t r = 0; r < runs; ++r) {
      for (size_t g0 = 0; g0 < run_taps * tg; g0 += part) {
        const size_t groups = std::min(part, run_taps * tg - g0);
        const bool first = r == 0 && g0 == 0;
        const bool last = r + 1 == runs && g0 + groups == run_taps * tg;
        const size_t tap = ts.first_tap + r * ts.run_pitch + g0 / tg;
        const uint8_t* w = weights + tap * tg * group_bytes;
        GemmIndirectUkernelFn ukernel = ctx.indirect;
        if (wide != nullptr && ctx.expand_whole_groups != 0) {
          if (expanded_from == nullptr) {
            kernel.expand_weights(weights, ctx.expand_whole_groups, wide);
            expanded_from = weights;
          }
          w = wide + tap * tg * kernel.expanded_group_bytes;
          ukernel = ctx.indirect_expanded;
        } else if (wide != nullptr) {
          if (w != expanded_from || groups != expanded_groups) {
            kernel.expand_weights(w, groups, wide);
            expanded_from = w;
            expanded_groups = groups;
          }
          w = wide;
          ukernel = ctx.indirect_expanded;
        }
        ukernel(seg, nc, groups / tg, tg, offsets + tap, ostride, ts.base,
                ts.zero, first ? bias : partial, first ? 0 : nr, w,
                last ? *ctx.out : *ctx.raw, j0,
                last ? static_cast<void*>(out) : partial, last ? ldc : nr);
      }
    }
    s0 += seg;
  }
}

// One task: rows [i0, i0 + rows) x one NR block of columns at j0. Without K
// blocking each MR x NR tile runs over all of K. With it, K is cut into
// parts whose weights stay in L2 while every row tile of the panel reuses
// them: the first part starts from the bias, each later part from the raw
// int32 sums the one before left in the thread's partial tile, and the last
// part applies the output stage. The sums are the same modulo 2^32 however K
// is cut, so the result is bit-identical. A kernel with an expanded form
// gets each part's weights widened once, for all the task's row tiles.
//
// panel_a: null, or the task's rows already in the kernel's form there
// (row i0 first), with the slot the caller claimed for them (PanelTask).
void GemmTaskOn(RunContext& ctx, size_t i0, size_t j0, size_t rows,
                size_t cols, const uint8_t* panel_a, size_t panel_slot) {
  const GemmKernel& kernel = *ctx.g->kernel;
  const size_t nr = kernel.layout.nr;
  const size_t group_bytes = kernel.layout.GroupBytes();
  const size_t group_elems = kernel.layout.kr;
  const uint8_t* block =
      ctx.g->packed + (j0 / nr) * kernel.layout.BlockBytes(ctx.g->k);
  const int32_t* bias = reinterpret_cast<const int32_t*>(block);
  const uint8_t* weights = block + nr * sizeof(int32_t);
  const size_t kgroups = ctx.kgroups;
  const size_t nc = std::min(nr, cols);
  const bool split = ctx.partial != nullptr;
  const size_t mr = ctx.indirect != nullptr ? kernel.indirect_mr : kernel.mr;
  const bool expand = ctx.expand && rows > (kernel.expand_min_tiles - 1) * mr;
  const bool claim =
      panel_a == nullptr && (split || expand || ctx.src != nullptr);
  const size_t slot = panel_a != nullptr ? panel_slot
                      : claim            ? ClaimSlot(ctx)
                                         : 0;
  int32_t* partial = split ? ctx.partial + slot * ctx.tile_m * nr : nullptr;
  if (ctx.indirect != nullptr) {
    IndirectTask(
        ctx, i0, j0, rows, nc, bias, weights, partial,
        expand ? ctx.expanded + slot * ctx.expanded_slot_bytes : nullptr);
  } else {
    size_t a_stride = ctx.kpad;
    if (panel_a == nullptr && ctx.direct != nullptr) {
      panel_a = static_cast<const uint8_t*>(ctx.a) + i0 * ctx.lda;
      a_stride = ctx.lda;
    } else if (panel_a == nullptr) {
      PreparePanel(ctx, i0, rows, slot);
      panel_a = ctx.a_prepared + i0 * ctx.kpad * ctx.act_bytes;
    }
    for (size_t g0 = 0; g0 < kgroups; g0 += ctx.part_groups) {
      const size_t groups = std::min(ctx.part_groups, kgroups - g0);
      const bool first = g0 == 0;
      const bool last = g0 + groups == kgroups;
      const uint8_t* w = weights + g0 * group_bytes;
      GemmUkernelFn ukernel =
          ctx.direct != nullptr ? ctx.direct : kernel.ukernel;
      if (expand) {
        uint8_t* wide = ctx.expanded + slot * ctx.expanded_slot_bytes;
        kernel.expand_weights(w, groups, wide);
        w = wide;
        ukernel = ctx.direct != nullptr && ctx.direct == kernel.ukernel_flip
                      ? kernel.expanded->ukernel_flip
                      : kernel.expanded->ukernel;
      }
      // All the task's rows in one call; the kernel steps through its tiles.
      void* part_out =
          last ? static_cast<void*>(ctx.c + (i0 * ctx.ldc + j0) * ctx.c_elem)
               : partial;
      ukernel(rows, nc, groups, panel_a + g0 * group_elems * ctx.act_bytes,
              a_stride,
              first && ctx.row_offset != nullptr ? ctx.row_offset + i0
                                                 : nullptr,
              first ? bias : partial, first ? 0 : nr, w,
              last ? *ctx.out : *ctx.raw, j0, part_out, last ? ctx.ldc : nr);
    }
  }
  if (claim) {
    ctx.slot_busy[slot].store(false, std::memory_order_release);
  }
}

void GemmTask(void* context, size_t i0, size_t j0, size_t rows,
              size_t cols) {
  GemmTaskOn(*static_cast<RunContext*>(context), i0, j0, rows, cols, nullptr,
             0);
}

// The same with the column block outer.
void GemmTaskByBlock(void* context, size_t j0, size_t i0, size_t cols,
                     size_t rows) {
  GemmTaskOn(*static_cast<RunContext*>(context), i0, j0, rows, cols, nullptr,
             0);
}

// One panel of rows by every column block, converted into the slot's own
// panel buffer: reused from panel to panel, it stays in cache, where a
// panel of the whole-M buffer is written cold (for a convolution's
// gathered patches, M x K bytes: 1.8 MB for rn50-3x3-56).
void PanelTask(void* context, size_t panel) {
  auto& ctx = *static_cast<RunContext*>(context);
  const size_t m = ctx.rows;
  const size_t i0 = panel * ctx.tile_m;
  const size_t rows = std::min(ctx.tile_m, m - i0);
  const size_t nr = ctx.g->kernel->layout.nr;
  const size_t slot = ClaimSlot(ctx);
  uint8_t* a = ctx.panels + slot * ctx.panel_bytes;
  WidenTask(ctx, i0, rows, slot, a);
  for (size_t j0 = 0; j0 < ctx.g->n; j0 += nr) {
    GemmTaskOn(ctx, i0, j0, rows, std::min(nr, ctx.g->n - j0), a, slot);
  }
  ctx.slot_busy[slot].store(false, std::memory_order_release);
}

std::atomic<size_t> g_part_groups_for_testing{0};
std::atomic<bool> g_no_direct_for_testing{false};

}  // namespace

bool GemmReadsTaps(lowbit_gemm_t g, const GemmTapSource& taps) {
  const GemmKernel& kernel = *g->kernel;
  return kernel.ukernel_indirect != nullptr && g->weight_offset == 0 &&
         kernel.layout.act != ActFormat::kInt16 && g->k % taps.taps == 0 &&
         g->k / taps.taps % kernel.layout.kr == 0 &&
         g->k / taps.taps / kernel.layout.kr >= kMinTapGroups &&
         !g_no_direct_for_testing.load();
}

lowbit_status RunGemm(lowbit_gemm_t g, size_t m, const void* a, size_t lda,
                      const GemmRowSource* src, void* c, size_t ldc,
                      const GemmOutput& out, size_t c_elem,
                      pthreadpool_t pool, const char* fn) {
  if (g == nullptr) {
    return Fail(LOWBIT_ERROR_NULL_POINTER, "%s: gemm is NULL", fn);
  }
  if (g->wide != nullptr) {
    return Fail(LOWBIT_ERROR_UNSUPPORTED,
                "%s: the handle has INT16 activations, whose accumulators "
                "are int64 (lowbit_gemm_run_int64)", fn);
  }
  if ((src == nullptr && lda < g->k) || ldc < g->n) {
    return Fail(LOWBIT_ERROR_INVALID_STRIDE,
                "%s: lda %zu < k %zu or ldc %zu < n %zu", fn, lda, g->k, ldc,
                g->n);
  }
  if (m == 0) return Succeed();  // an empty batch
  if ((a == nullptr && src == nullptr) || c == nullptr) {
    return Fail(LOWBIT_ERROR_NULL_POINTER, "%s: %s is NULL", fn,
                a == nullptr ? "a" : "c");
  }
  const GemmKernel& kernel = *g->kernel;
  const size_t kpad = kernel.layout.KGroups(g->k) * kernel.layout.kr;
  const size_t act_bytes = kernel.layout.ActBytes();
  size_t a_bytes = 0;
  if ((src == nullptr && !SpanOk(m, g->k, lda, 1)) ||
      !SpanOk(m, g->n, ldc, c_elem) ||
      !MulOk(m, kpad, &a_bytes) || !MulOk(a_bytes, act_bytes, &a_bytes) ||
      !AddOk(a_bytes, 1, &a_bytes)) {
    return Fail(LOWBIT_ERROR_INVALID_SIZE,
                "%s: m = %zu makes a buffer overflow size_t", fn, m);
  }
  // No object can be larger (std::vector would throw length_error).
  constexpr size_t kMaxBytes = static_cast<size_t>(PTRDIFF_MAX) / 4;
  if (a_bytes > kMaxBytes || m > kMaxBytes / sizeof(int32_t)) {
    return Fail(LOWBIT_ERROR_INVALID_SIZE,
                "%s: m = %zu needs %zu bytes of activation scratch, more than "
                "any allocation can hold",
                fn, m, a_bytes);
  }
  Scratch& scratch = ThreadScratch();
  if (g->weight_offset != 0 && !scratch.row_offset.Reserve(m)) {
    return Fail(LOWBIT_ERROR_OUT_OF_MEMORY,
                "%s: cannot allocate %zu row offsets", fn, m);
  }
  const size_t threads = pool != nullptr ? pthreadpool_get_threads_count(pool)
                                         : 1;
  // Rows in place through tap offsets: from here on like rows without a
  // source (no gather, no panels), read by the indirect kernel.
  GemmIndirectUkernelFn indirect = nullptr, indirect_expanded = nullptr;
  const GemmTapSource* taps = src != nullptr ? src->taps : nullptr;
  const size_t src_bands = src != nullptr ? src->bands : 1;
  size_t tap_groups = 0;
  if (taps != nullptr && GemmReadsTaps(g, *taps)) {
    const bool flip = FormatFlip(kernel.layout.act, g->input_type) != 0;
    indirect = flip ? kernel.ukernel_indirect_flip : kernel.ukernel_indirect;
    const GemmKernel* wide = kernel.expanded;
    indirect_expanded = wide == nullptr ? nullptr
                        : flip          ? wide->ukernel_indirect_flip
                                        : wide->ukernel_indirect;
    tap_groups = g->k / taps->taps / kernel.layout.kr;
  }
  if (indirect != nullptr) {
    src = nullptr;
  } else {
    taps = nullptr;
  }
  // Tiles: one NR block of columns; as many rows as keep their converted
  // activations within half the L2 cache, cut further so every thread gets
  // several tiles.
  const size_t mr = indirect != nullptr ? kernel.indirect_mr : kernel.mr;
  const size_t nr = kernel.layout.nr;
  // K blocking: when one block's weights (KGroups x GroupBytes) outgrow
  // a quarter of L2, K is cut into parts that fit, so that they stay cached
  // while the panel's row tiles reuse them, and the panel is sized from the
  // part's K.
  const size_t bands = indirect != nullptr ? src_bands : 1;
  size_t kgroups = kernel.layout.KGroups(g->k);
  size_t max_run_taps = 0;  // the longest run of taps of any band
  bool runs = false;        // a band with several runs
  size_t task_rows = 0;
  if (indirect != nullptr) {
    kgroups = 0;
    for (size_t b = 0; b < bands; ++b) {
      const size_t used = taps[b].used_taps != 0 ? taps[b].used_taps
                                                 : taps[b].taps;
      const size_t run = taps[b].run_taps != 0 ? taps[b].run_taps : used;
      kgroups = std::max(kgroups, used * tap_groups);
      max_run_taps = std::max(max_run_taps, run);
      runs |= run < used;
      task_rows += RoundUp(taps[b].rows, mr);
    }
  }
  // From here on m counts the task space's rows: with several bands, each
  // starts on a tile (its rows padded to MR there, padding IndirectTask
  // skips), so that no kernel call mixes the rows of two bands.
  if (bands > 1) m = task_rows;
  // Tasks of several row tiles (GemmKernel::expand_min_tiles) read the
  // expanded form when there is one.
  const size_t expand_above = (kernel.expand_min_tiles - 1) * mr;
  const bool can_expand =
      kernel.expanded != nullptr && m > expand_above &&
      (indirect == nullptr || indirect_expanded != nullptr);
  const size_t group_bytes = can_expand ? kernel.expanded_group_bytes
                                        : kernel.layout.GroupBytes();
  size_t part_groups = std::max<size_t>(1, L2CacheBytes() / 4 / group_bytes);
  const size_t forced_parts = g_part_groups_for_testing.load();
  if (forced_parts != 0) part_groups = forced_parts;
  const size_t l2_part_groups = part_groups;
  // A single row tile (GEMV) reads each weight once whatever the cut.
  const bool cut_k = m > mr || forced_parts != 0;
  if (indirect != nullptr) {
    // Parts of whole taps, within a run (IndirectTask cuts each run into
    // even parts of at most part_groups).
    part_groups = std::max(part_groups / tap_groups, size_t{1}) * tap_groups;
    const size_t run_groups = max_run_taps * tap_groups;
    if (!runs && (!cut_k || part_groups >= run_groups)) {
      part_groups = kgroups;
    } else {
      part_groups = std::min(part_groups, run_groups);
    }
  } else if (part_groups < kgroups && cut_k) {
    const size_t parts = (kgroups + part_groups - 1) / part_groups;
    part_groups = (kgroups + parts - 1) / parts;  // even parts
  } else {
    part_groups = kgroups;
  }
  const size_t part_elems = part_groups * kernel.layout.kr;
  size_t tile_m =
      std::max(mr, L2CacheBytes() / 2 / (part_elems * act_bytes) / mr * mr);
  const size_t n_tiles = (g->n + nr - 1) / nr;
  if (threads > 1) {
    const size_t want_m_tiles = (16 * threads + n_tiles - 1) / n_tiles;
    tile_m = std::min(tile_m, RoundUp((m + want_m_tiles - 1) / want_m_tiles,
                                      mr));
  }
  // One thread gathers a convolution's rows panel by panel into a buffer
  // small enough to stay in L2 next to the input it reads.
  if (src != nullptr && threads == 1) {
    tile_m = std::min(tile_m, std::max(mr, L2CacheBytes() / 8 /
                                               (kpad * act_bytes) / mr * mr));
  }
  tile_m = std::min(tile_m, RoundUp(m, mr));
  // Several threads on rows read in place: tasks in column-block order
  // (GemmTaskByBlock), so that a thread's tasks share their block's weights
  // in its L2 and each block is read by one or two threads (rn50-3x3-7-s2,
  // 2 threads: 1.83 -> 1.90x one thread).
  const bool by_block = indirect != nullptr && threads > 1;
  // No sliver of a last panel: its tasks would each stream a whole block
  // of weights for a row or two (M = 49 in 24 + 24 + 1). By block, they
  // find it in L2, and the smaller task balances the threads better.
  while (!by_block && tile_m > mr && m > tile_m && m % tile_m != 0 &&
         m % tile_m < tile_m / 2) {
    const size_t fewer = (m + tile_m - 1) / tile_m - 1;
    const size_t wider = RoundUp((m + fewer - 1) / fewer, mr);
    if (wider == tile_m) break;
    tile_m = wider;
  }
  const size_t panels = (m + tile_m - 1) / tile_m;
  // Gathered rows go panel by panel into per-slot buffers (PanelTask) on
  // one thread, and with few column blocks on several, which then take a
  // whole panel each: otherwise neighbouring tasks of one panel would go
  // to different threads, and all but one would wait while it gathers.
  const bool panel_tasks =
      src != nullptr &&
      (threads == 1 || (n_tiles <= 4 && panels >= 4 * threads));
  // The caller's rows in place (GemmKernel::ukernel_flip): no conversion,
  // no activation scratch.
  GemmUkernelFn direct = nullptr;
  if (src == nullptr && indirect == nullptr && kernel.ukernel_flip != nullptr &&
      kernel.layout.act != ActFormat::kInt16 && g->k % kernel.layout.kr == 0 &&
      g->weight_offset == 0 && !g_no_direct_for_testing.load()) {
    direct = FormatFlip(kernel.layout.act, g->input_type) != 0
                 ? kernel.ukernel_flip
                 : kernel.ukernel;
  }
  size_t panel_bytes = 0, scratch_bytes = direct != nullptr ? 0 : a_bytes;
  if (panel_tasks) {
    // Each panel starts on a cache line of its own.
    if (!MulOk(tile_m, kpad * act_bytes, &panel_bytes) ||
        panel_bytes > kMaxBytes) {
      return Fail(LOWBIT_ERROR_INVALID_SIZE,
                  "%s: panels of %zu rows overflow", fn, tile_m);
    }
    panel_bytes = RoundUp(panel_bytes, 64);
    if (!MulOk(panel_bytes, threads, &scratch_bytes) ||
        scratch_bytes > kMaxBytes) {
      return Fail(LOWBIT_ERROR_INVALID_SIZE,
                  "%s: %zu threads' panels overflow", fn, threads);
    }
  }
  if (!scratch.a.Reserve(scratch_bytes / 2 + 1)) {
    return Fail(LOWBIT_ERROR_OUT_OF_MEMORY,
                "%s: cannot allocate %zu bytes of activation scratch for m = "
                "%zu",
                fn, scratch_bytes, m);
  }
  if (!scratch.panel_state.Reserve(panels)) {
    return Fail(LOWBIT_ERROR_OUT_OF_MEMORY,
                "%s: cannot allocate %zu panel flags", fn, panels);
  }
  for (size_t i = 0; i < panels; ++i) {
    scratch.panel_state.data()[i].store(kTodo, std::memory_order_relaxed);
  }
  const bool split = part_groups < kgroups || runs;
  const bool expand =
      can_expand && tile_m > expand_above &&
      !(direct != nullptr && direct == kernel.ukernel_flip &&
        kernel.expanded->ukernel_flip == nullptr);
  // Indirect tasks expand their block's whole K once where it fits as a
  // K part would (rn50-3x3-7-s2: border columns' runs of 2 taps, each
  // expanded per call, cost more than they saved).
  const size_t block_groups = kernel.layout.KGroups(g->k);
  const size_t expand_whole_groups =
      expand && indirect != nullptr && l2_part_groups >= block_groups
          ? block_groups
          : 0;
  // Rounded to 64 bytes, so each slot's expanded weights start on a line.
  const size_t expanded_slot_bytes =
      expand ? RoundUp(std::max(part_groups, expand_whole_groups) *
                           kernel.expanded_group_bytes,
                       64)
             : 0;
  // Room for at least one row, and for several short ones.
  const size_t gathered_bytes =
      src != nullptr ? std::max(RoundUp(g->k, 64), size_t{4096}) / g->k * g->k
                     : 0;
  if (src != nullptr && !scratch.gathered.Reserve(threads * gathered_bytes)) {
    return Fail(LOWBIT_ERROR_OUT_OF_MEMORY,
                "%s: cannot allocate %zu threads' gathered rows", fn, threads);
  }
  if (split || expand || src != nullptr) {
    // Small: tile_m rows of one part's activations fit in half the L2, and
    // one part's weights in a quarter of it.
    if ((split && !scratch.partial.Reserve(threads * tile_m * nr)) ||
        (expand && !scratch.expanded.Reserve(threads * expanded_slot_bytes /
                                             sizeof(int16_t))) ||
        !scratch.slot_busy.Reserve(threads)) {
      return Fail(LOWBIT_ERROR_OUT_OF_MEMORY,
                  "%s: cannot allocate %zu threads' partial sums and "
                  "expanded weights",
                  fn, threads);
    }
    for (size_t i = 0; i < threads; ++i) {
      scratch.slot_busy.data()[i].store(false, std::memory_order_relaxed);
    }
  }
  GemmOutput raw{};
  raw.requant = kRawInt32;
  RunContext ctx{g,
                 &out,
                 a,
                 lda,
                 src,
                 src != nullptr ? scratch.gathered.data() : nullptr,
                 gathered_bytes,
                 reinterpret_cast<uint8_t*>(scratch.a.data()),
                 kpad,
                 direct,
                 indirect,
                 indirect_expanded,
                 taps,
                 bands,
                 tap_groups,
                 kgroups,
                 act_bytes,
                 g->weight_offset != 0 ? scratch.row_offset.data() : nullptr,
                 static_cast<uint8_t*>(c),
                 ldc,
                 c_elem,
                 tile_m,
                 m,
                 scratch.panel_state.data(),
                 part_groups,
                 split ? scratch.partial.data() : nullptr,
                 expand,
                 expand ? reinterpret_cast<uint8_t*>(scratch.expanded.data())
                        : nullptr,
                 expanded_slot_bytes,
                 expand_whole_groups,
                 split || expand || src != nullptr ? scratch.slot_busy.data()
                                                   : nullptr,
                 threads,
                 &raw,
                 reinterpret_cast<uint8_t*>(scratch.a.data()),
                 panel_bytes};
  if (panel_tasks) {
    pthreadpool_parallelize_1d(pool, PanelTask, &ctx, panels, 0);
  } else if (by_block) {
    pthreadpool_parallelize_2d_tile_2d(pool, GemmTaskByBlock, &ctx, g->n, m,
                                       nr, tile_m, 0);
  } else {
    pthreadpool_parallelize_2d_tile_2d(pool, GemmTask, &ctx, m, g->n, tile_m,
                                       nr, 0);
  }
  return Succeed();
}

size_t GemmPackedBiasCount(lowbit_gemm_t g) {
  const GemmLayout& layout = g->kernel->layout;
  return layout.Blocks(g->n) * layout.nr;
}

void GemmPackedBias(lowbit_gemm_t g, int32_t* bias) {
  const GemmLayout& layout = g->kernel->layout;
  for (size_t b = 0; b < layout.Blocks(g->n); ++b) {
    std::memcpy(bias + b * layout.nr, g->packed + b * layout.BlockBytes(g->k),
                layout.nr * sizeof(int32_t));
  }
}

namespace {

lowbit_status PackWide(const lowbit_gemm_params& p, const GemmKernel& chosen,
                       lowbit_gemm_t* gemm, const char* fn,
                       bool prefer_narrow) {
  const GemmKernel* kernel = &Int16KernelFor(chosen);
  if (prefer_narrow) kernel = &KernelForChannels(*kernel, p.n);
  try {
    auto g = std::make_unique<lowbit_gemm>();
    const lowbit_status status = PackGemm16(p, *kernel, &g->wide, fn);
    if (status != LOWBIT_OK) return status;
    g->n = p.n;
    g->k = p.k;
    g->input_type = p.input_type;
    g->kernel = kernel;
    *gemm = g.release();
  } catch (const std::bad_alloc&) {
    return Fail(LOWBIT_ERROR_OUT_OF_MEMORY,
                "%s: cannot allocate the packed weights", fn);
  }
  return Succeed();
}

}  // namespace

lowbit_status PackGemm(const lowbit_gemm_params* params,
                       const GemmKernel& chosen, lowbit_gemm_t* gemm,
                       const char* fn, bool prefer_narrow) {
  if (gemm == nullptr) {
    return Fail(LOWBIT_ERROR_NULL_POINTER, "%s: handle pointer is NULL", fn);
  }
  if (params == nullptr) {
    return Fail(LOWBIT_ERROR_NULL_POINTER, "%s: params is NULL", fn);
  }
  lowbit_gemm_params p;
  lowbit_status status =
      ReadVersioned(params, kGemmParamsMinSize, &p, fn);
  if (status != LOWBIT_OK) return status;
  if (p.input_type == LOWBIT_DTYPE_INT16) return PackWide(p, chosen, gemm, fn,
                                                          prefer_narrow);
  status = ValidateGemmParams(p, fn);
  if (status != LOWBIT_OK) return status;
  const bool int4 = p.weight_type == LOWBIT_DTYPE_INT4;
  const GemmKernel* picked = &chosen;
  if (prefer_narrow) {
    picked = &KernelForChannels(chosen, p.n);
    if (int4) picked = &Int4KernelFor(*picked);
  }
  const GemmKernel& kernel = *picked;
  const GemmLayout& layout = kernel.layout;
  if (int4 != (layout.nibble_span != 0)) {
    return Fail(LOWBIT_ERROR_UNSUPPORTED,
                "%s: kernel %s reads %s weights, not weight type %d", fn,
                kernel.name, layout.nibble_span != 0 ? "int4" : "8-bit",
                static_cast<int>(p.weight_type));
  }
  size_t block_bytes = 0;
  size_t packed_bytes = 0;
  if (!MulOk(layout.KGroups(p.k), layout.GroupBytes(), &block_bytes) ||
      !AddOk(block_bytes, layout.nr * sizeof(int32_t), &block_bytes) ||
      !MulOk(layout.Blocks(p.n), block_bytes, &packed_bytes)) {
    return Fail(LOWBIT_ERROR_INVALID_SIZE,
                "%s: packed weights overflow size_t", fn);
  }
  try {
    auto g = std::make_unique<lowbit_gemm>();
    g->n = p.n;
    g->k = p.k;
    g->input_type = p.input_type;
    g->input_zero_point = p.input_zero_point;
    g->weight_offset =
        p.weight_type == LOWBIT_DTYPE_UINT8 ? p.weight_zero_point - 128 : 0;
    g->kernel = &kernel;
    const lowbit_status s =
        ComputeOutputParams(p, layout.Blocks(p.n) * layout.nr, g.get(), fn);
    if (s != LOWBIT_OK) return s;
    g->packed = static_cast<uint8_t*>(
        std::aligned_alloc(64, RoundUp(packed_bytes, 64)));
    if (g->packed == nullptr) throw std::bad_alloc();
    g->packed_bytes = packed_bytes;
    PackGemmWeights(p, layout, g->packed);
    *gemm = g.release();
  } catch (const std::bad_alloc&) {
    return Fail(LOWBIT_ERROR_OUT_OF_MEMORY,
                "%s: cannot allocate %zu bytes of packed weights", fn,
                packed_bytes);
  }
  return Succeed();
}

void SetGemmKPartGroupsForTesting(size_t groups) {
  g_part_groups_for_testing.store(groups);
}

void SetGemmNoDirectForTesting(bool no_direct) {
  g_no_direct_for_testing.store(no_direct);
}

const GemmOutput& GemmOutputOf(lowbit_gemm_t gemm) { return gemm->out; }

const GemmKernel& GemmKernelOf(lowbit_gemm_t gemm) { return *gemm->kernel; }

lowbit_status MakeOutputStage(const lowbit_gemm_params& p, size_t padded,
                              OutputStage* stage, const char* fn) {
  lowbit_gemm g;
  const lowbit_status s = ComputeOutputParams(p, padded, &g, fn);
  if (s != LOWBIT_OK) return s;
  stage->scale = std::move(g.scale);
  stage->multiplier = std::move(g.multiplier);
  stage->shift = std::move(g.shift);
  stage->out = g.out;
  stage->out.scale = stage->scale.data();
  stage->out.multiplier = stage->multiplier.data();
  stage->out.shift = stage->shift.data();
  return LOWBIT_OK;
}

std::atomic<size_t>& ScratchAllocations() {
  static std::atomic<size_t> count{0};
  return count;
}

const uint8_t* PackedWeights(lowbit_gemm_t gemm, size_t* bytes) {
  *bytes = gemm->packed_bytes;
  return gemm->packed;
}

uint8_t* MutablePackedWeights(lowbit_gemm_t gemm) { return gemm->packed; }

void DropOutputParams(lowbit_gemm_t gemm) {
  gemm->scale = AlignedVector<float>();
  gemm->multiplier = AlignedVector<int32_t>();
  gemm->shift = AlignedVector<int32_t>();
  gemm->out.scale = nullptr;
  gemm->out.multiplier = nullptr;
  gemm->out.shift = nullptr;
}

size_t GemmHeldBytes(lowbit_gemm_t gemm) {
  if (gemm->wide != nullptr) return Gemm16HeldBytes(*gemm->wide);
  return gemm->packed_bytes + gemm->scale.size() * sizeof(float) +
         gemm->multiplier.size() * sizeof(int32_t) +
         gemm->shift.size() * sizeof(int32_t);
}

}  // namespace lowbit

extern "C" {

lowbit_status lowbit_gemm_pack(const lowbit_gemm_params* params,
                               lowbit_gemm_t* gemm) noexcept {
  return lowbit::Guarded("lowbit_gemm_pack", [&] {
    std::string error;
    const lowbit::GemmKernel* kernel = lowbit::ChosenGemmKernel(&error);
    if (kernel == nullptr) {
      return lowbit::Fail(LOWBIT_ERROR_UNSUPPORTED, "lowbit_gemm_pack: %s",
                          error.c_str());
    }
    return lowbit::PackGemm(params, *kernel, gemm, "lowbit_gemm_pack",
                            /*prefer_narrow=*/true);
  });
}

lowbit_status lowbit_gemm_run(lowbit_gemm_t gemm, size_t m, const void* a,
                              size_t lda, void* c, size_t ldc,
                              struct pthreadpool* threadpool) noexcept {
  return lowbit::Guarded("lowbit_gemm_run", [&] {
    if (gemm != nullptr && gemm->wide != nullptr) {
      return lowbit::RunGemm16(*gemm->wide, m, a, lda, c, ldc, false,
                               threadpool, "lowbit_gemm_run");
    }
    return lowbit::RunGemm(gemm, m, a, lda, nullptr, c, ldc,
                       gemm != nullptr ? gemm->out : lowbit::GemmOutput{}, 1,
                       threadpool, "lowbit_gemm_run");
  });
}

lowbit_status lowbit_gemm_run_int32(lowbit_gemm_t gemm, size_t m,
                                    const void* a, size_t lda, int32_t* c,
                                    size_t ldc,
                                    struct pthreadpool* threadpool) noexcept {
  return lowbit::Guarded("lowbit_gemm_run_int32", [&] {
    lowbit::GemmOutput raw = gemm != nullptr ? gemm->out : lowbit::GemmOutput{};
    raw.requant = lowbit::kRawInt32;
    return lowbit::RunGemm(gemm, m, a, lda, nullptr, c, ldc, raw,
                           sizeof(int32_t),
                       threadpool, "lowbit_gemm_run_int32");
  });
}

lowbit_status lowbit_gemm_run_int64(lowbit_gemm_t gemm, size_t m,
                                    const void* a, size_t lda, int64_t* c,
                                    size_t ldc,
                                    struct pthreadpool* threadpool) noexcept {
  return lowbit::Guarded("lowbit_gemm_run_int64", [&] {
    const char* fn = "lowbit_gemm_run_int64";
    if (gemm == nullptr) {
      return lowbit::Fail(LOWBIT_ERROR_NULL_POINTER, "%s: gemm is NULL", fn);
    }
    if (gemm->wide == nullptr) {
      return lowbit::Fail(LOWBIT_ERROR_UNSUPPORTED,
                          "%s: the handle has 8-bit activations, whose "
                          "accumulators are int32 (lowbit_gemm_run_int32)",
                          fn);
    }
    return lowbit::RunGemm16(*gemm->wide, m, a, lda, c, ldc, true, threadpool,
                             fn);
  });
}

lowbit_status lowbit_gemm_workspace_size(lowbit_gemm_t gemm, size_t m,
                                         size_t* bytes) noexcept {
  (void)m;
  if (gemm == nullptr || bytes == nullptr) {
    return lowbit::Fail(LOWBIT_ERROR_NULL_POINTER,
                        "lowbit_gemm_workspace_size: %s is NULL",
                        gemm == nullptr ? "gemm" : "bytes");
  }
  *bytes = 0;  // hosted runs keep their own scratch
  return lowbit::Succeed();
}

lowbit_status lowbit_gemm_run_workspace(lowbit_gemm_t gemm, size_t m,
                                        const void* a, size_t lda, void* c,
                                        size_t ldc, void* workspace,
                                        size_t workspace_bytes) noexcept {
  (void)workspace;
  (void)workspace_bytes;
  return lowbit_gemm_run(gemm, m, a, lda, c, ldc, nullptr);
}

const char* lowbit_gemm_kernel_name(lowbit_gemm_t gemm) noexcept {
  return gemm != nullptr ? gemm->kernel->name : "";
}

size_t lowbit_gemm_packed_size(lowbit_gemm_t gemm) noexcept {
  return gemm != nullptr ? lowbit::GemmHeldBytes(gemm) : 0;
}

void lowbit_gemm_destroy(lowbit_gemm_t gemm) noexcept { delete gemm; }

}  // extern "C"
