// The dynamically quantized GEMM (lowbit.h: lowbit_dq_gemm_*): rows of fp32
// activations quantized to int8 when the GEMM runs, int8 or int4 weights
// with a scale per channel or per block of G along K, fp32 output.
//
// The integer work is the 8-bit GEMM's: the weights are packed for a GEMM
// microkernel (an inner lowbit_gemm_t, any kernel of the table, 4-bit
// weights staying 4-bit), and each block of G along K is one microkernel
// call on its K groups with raw int32 output. The kernel reads activations
// in its ActFormat, A_f = q + o with a per-format offset o (128 for kUint8,
// 0 for kInt8; kInt16 widens q - zp per channel, q blockwise), so
// raw = sum A_f * W = the sum lowbit.h defines + (zp + o) * sum W per
// channel, + o * sum W per block. Per channel, the channel's weight sum
// corrects it exactly modulo 2^32; blockwise, only kUint8 kernels have an
// offset, taken out by starting each block from -128 * its weight sums,
// which their GemmDqBlockSumsFn computes per task (no per-block sums are
// kept: the handle stays at 0.5 + 4 / G + 8 / K bytes per int4 weight), or
// for a task of one row, whose GemmDqGemvFn swaps the operands' roles and
// starts from the row's block sums instead.
// Then the float steps of kernels/dq/qd8.h, in the order lowbit.h states.
//
// The packed blocks' per-channel word (the GEMM's packed bias, which raw
// output does not read) holds the channel's int32 weight sum per channel,
// and blockwise the float Z[n] of lowbit.h.
#include "kernels/operator/dq_gemm_op.h"

#include <pthreadpool.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <string>

#include "kernels/dq/qd8.h"
#include "kernels/gemm/kernel_table.h"
#include "kernels/operator/aligned_vector.h"
#include "kernels/operator/checked_size.h"
#include "kernels/operator/error.h"
#include "kernels/operator/gemm_op.h"
#include "kernels/operator/guard.h"
#include "kernels/operator/scratch.h"
#include "kernels/operator/versioned.h"

struct lowbit_dq_gemm {
  lowbit_gemm_t inner = nullptr;  // the packed weights and their kernel
  size_t n = 0, k = 0;
  size_t blocks_k = 0;     // scales per channel: k / G, or 1
  size_t block_groups = 0; // the kernel's K groups per block of G
  size_t kpad = 0;         // activation row, padded to whole K groups
  bool blockwise = false;  // block_size != 0
  // Per NR block of channels b and block of K g: nr values at
  // (b * blocks_k + g) * nr (0 past N).
  lowbit::AlignedVector<float> wscale;
  lowbit::AlignedVector<float> bias;  // padded to whole NR blocks
  lowbit::AlignedVector<int32_t> zeros;  // nr: every block call starts here
  float lo = 0, hi = 0;

  ~lowbit_dq_gemm() { lowbit_gemm_destroy(inner); }
};

namespace lowbit {
namespace {

constexpr size_t kDqParamsMinSize = sizeof(lowbit_dq_gemm_params);

// Largest block whose exact sum fits int32 for every input: |q - zp| <=
// 255 and |W| <= 128 (int8) or 8 (int4).
size_t MaxBlock(lowbit_dtype type) {
  const size_t w = type == LOWBIT_DTYPE_INT4 ? 8 : 128;
  return static_cast<size_t>(std::numeric_limits<int32_t>::max()) / (255 * w);
}

bool Finite(float x) { return std::isfinite(x); }

lowbit_status Validate(const lowbit_dq_gemm_params& p, const char* fn) {
  if (p.weights == nullptr || p.weight_scales == nullptr) {
    return Fail(LOWBIT_ERROR_NULL_POINTER, "%s: %s is NULL", fn,
                p.weights == nullptr ? "weights" : "weight_scales");
  }
  if (p.n == 0 || p.k == 0) {
    return Fail(LOWBIT_ERROR_INVALID_SIZE, "%s: n = %zu and k = %zu must be "
                "at least 1", fn, p.n, p.k);
  }
  if (p.weight_type != LOWBIT_DTYPE_INT8 &&
      p.weight_type != LOWBIT_DTYPE_INT4) {
    return Fail(LOWBIT_ERROR_UNSUPPORTED,
                "%s: weight_type %d: INT8 or INT4 weights only", fn,
                static_cast<int>(p.weight_type));
  }
  if (p.weight_stride < p.k || !SpanOk(p.n, p.k, p.weight_stride, 1)) {
    return Fail(LOWBIT_ERROR_INVALID_STRIDE,
                "%s: weight_stride %zu is smaller than k = %zu or overflows",
                fn, p.weight_stride, p.k);
  }
  const size_t g = p.block_size != 0 ? p.block_size : p.k;
  if (p.block_size != 0 && (p.block_size % 32 != 0 || p.k % p.block_size)) {
    return Fail(LOWBIT_ERROR_INVALID_SIZE,
                "%s: block_size %zu must be a multiple of 32 that divides "
                "k = %zu (or 0 for a scale per channel)",
                fn, p.block_size, p.k);
  }
  if (g > MaxBlock(p.weight_type)) {
    return Fail(LOWBIT_ERROR_K_TOO_LARGE,
                "%s: blocks of %zu along K could overflow the exact int32 "
                "sum (at most %zu for these weights)",
                fn, g, MaxBlock(p.weight_type));
  }
  const size_t scales = p.n * (p.k / g);
  for (size_t i = 0; i < scales; ++i) {
    if (!(Finite(p.weight_scales[i]) && p.weight_scales[i] > 0.0f)) {
      return Fail(LOWBIT_ERROR_INVALID_SCALE,
                  "%s: weight_scales[%zu] = %g: scales must be finite and "
                  "positive", fn, i, p.weight_scales[i]);
    }
  }
  if (p.bias != nullptr) {
    for (size_t i = 0; i < p.n; ++i) {
      if (!Finite(p.bias[i])) {
        return Fail(LOWBIT_ERROR_INVALID_ARGUMENT,
                    "%s: bias[%zu] = %g is not finite", fn, i, p.bias[i]);
      }
    }
  }
  if (std::isnan(p.output_min) || std::isnan(p.output_max) ||
      p.output_min > p.output_max) {
    return Fail(LOWBIT_ERROR_INVALID_RANGE,
                "%s: output range [%g, %g] is empty or NaN", fn,
                p.output_min, p.output_max);
  }
  return LOWBIT_OK;
}

lowbit_status Pack(const lowbit_dq_gemm_params* params,
                   const GemmKernel& kernel, lowbit_dq_gemm_t* out,
                   const char* fn, bool prefer_narrow) {
  if (params == nullptr || out == nullptr) {
    return Fail(LOWBIT_ERROR_NULL_POINTER, "%s: %s is NULL", fn,
                params == nullptr ? "params" : "gemm");
  }
  lowbit_dq_gemm_params p;
  lowbit_status status = ReadVersioned(params, kDqParamsMinSize, &p, fn);
  if (status != LOWBIT_OK) return status;
  status = Validate(p, fn);
  if (status != LOWBIT_OK) return status;

  lowbit_gemm_params gp;
  lowbit_gemm_params_init(&gp);
  gp.n = p.n;
  gp.k = p.k;
  gp.input_type = LOWBIT_DTYPE_INT8;
  gp.weight_type = p.weight_type;
  gp.weights = p.weights;
  gp.weight_stride = p.weight_stride;
  static const float kUnit = 1.0f;  // unused: the output is raw int32
  gp.weight_scales = &kUnit;
  gp.weight_scale_count = 1;
  auto h = std::make_unique<lowbit_dq_gemm>();
  status = PackGemm(&gp, kernel, &h->inner, fn, prefer_narrow);
  if (status != LOWBIT_OK) return status;

  const GemmKernel& used = GemmKernelOf(h->inner);
  const GemmLayout& layout = used.layout;
  const size_t nr = layout.nr;
  const size_t g = p.block_size != 0 ? p.block_size : p.k;
  h->n = p.n;
  h->k = p.k;
  h->blocks_k = p.k / g;
  h->block_groups = layout.KGroups(g);
  h->kpad = layout.KGroups(p.k) * layout.kr;
  h->blockwise = p.block_size != 0;
  if (h->blockwise && layout.act == ActFormat::kUint8 &&
      used.dq_block_sums == nullptr) {
    return Fail(LOWBIT_ERROR_UNSUPPORTED,
                "%s: kernel %s has no blockwise dynamically quantized form",
                fn, used.name);
  }
  const size_t padded = layout.Blocks(p.n) * nr;
  h->wscale.assign(padded * h->blocks_k, 0.0f);
  h->bias.assign(padded, 0.0f);
  h->zeros.assign(nr, 0);
  uint8_t* packed = MutablePackedWeights(h->inner);
  for (size_t n = 0; n < padded; ++n) {
    const size_t b = n / nr, j = n % nr;
    uint32_t word = 0;  // padding channels: 0 and 0.0f
    if (n < p.n) {
      int32_t total = 0;
      float z = 0.0f;
      for (size_t kb = 0; kb < h->blocks_k; ++kb) {
        int32_t sum = 0;
        for (size_t t = kb * g; t < (kb + 1) * g; ++t) {
          sum += WeightElement(p.weight_type, p.weights,
                               n * p.weight_stride + t);
        }
        const float scale = p.weight_scales[n * h->blocks_k + kb];
        h->wscale[(b * h->blocks_k + kb) * nr + j] = scale;
        total += sum;
        const float term = static_cast<float>(sum) * scale;
        z = z + term;
      }
      if (h->blockwise) {
        std::memcpy(&word, &z, 4);
      } else {
        word = static_cast<uint32_t>(total);
      }
      if (p.bias != nullptr) h->bias[n] = p.bias[n];
    }
    std::memcpy(packed + b * layout.BlockBytes(p.k) + j * 4, &word, 4);
  }
  DropOutputParams(h->inner);
  h->lo = p.output_min;
  h->hi = p.output_max;
  *out = h.release();
  return Succeed();
}

// Rows per task: enough row tiles that a block's expanded weights serve
// several, few enough that the int32 and float tiles stay in L1.
constexpr size_t kTaskTiles = 16;

struct RunContext {
  const lowbit_dq_gemm* h;
  const GemmKernel* kernel;
  const uint8_t* packed;
  const uint8_t* act;  // rows in the kernel's form, kpad elements apart
  const int32_t* offset;  // per row: zp + o (the file comment); per channel
  const float* zp;        // per row: float(zp); blockwise
  const float* scale;     // per row
  size_t m, task_rows;
  float* c;
  size_t ldc;
  bool expand;
  bool starts;  // blockwise kUint8: blocks start from GemmDqBlockSumsFn's
  // Blockwise with GemmKernel::dq_gemv: the last row's sum of q per block,
  // when it is a task of its own (m = 1, or one row past whole tasks).
  const int32_t* gemv_sums;
  size_t wide_bytes;  // of a slot's expanded weights
  const TaskSlots* slots;
};

// One task: rows [ti * task_rows, ...) x one NR block of channels. Blocks
// are the outer index (the pool's first), so consecutive tasks read one
// block's weights, which stay cached, and every row's activations.
void DqTask(void* context, size_t block, size_t ti) {
  const RunContext& ctx = *static_cast<const RunContext*>(context);
  const lowbit_dq_gemm& h = *ctx.h;
  const GemmKernel& kernel = *ctx.kernel;
  const GemmLayout& layout = kernel.layout;
  const size_t nr = layout.nr;
  const size_t i0 = ti * ctx.task_rows;
  const size_t rows = std::min(ctx.task_rows, ctx.m - i0);
  const size_t n0 = block * nr;
  const size_t nc = std::min(nr, h.n - n0);
  const size_t act_bytes = layout.ActBytes();
  const uint8_t* channel_words = ctx.packed + block * layout.BlockBytes(h.k);
  const uint8_t* weights = channel_words + nr * sizeof(int32_t);
  // Per channel: the weight sums and each row's zp + o; blockwise: the
  // blocks' start values (kUint8) or none.
  const int32_t* wsum = reinterpret_cast<const int32_t*>(channel_words);
  const int32_t* r = h.blockwise ? nullptr : ctx.offset + i0;
  const float* z =
      h.blockwise ? reinterpret_cast<const float*>(channel_words) : nullptr;
  const bool expand =
      ctx.expand && rows > (kernel.expand_min_tiles - 1) * kernel.mr;
  size_t slot = 0;
  uint8_t* mem = ctx.slots->Claim(&slot);
  const size_t tile = ctx.task_rows * nr;
  int32_t* raw = reinterpret_cast<int32_t*>(mem);
  float* sums = reinterpret_cast<float*>(mem + tile * 4);
  uint8_t* wide = mem + tile * 8;
  if (rows == 1 && ctx.gemv_sums != nullptr) {
    kernel.dq_gemv(h.blocks_k, h.block_groups, ctx.act + i0 * h.kpad * act_bytes,
                   ctx.gemv_sums, h.wscale.data() + block * h.blocks_k * nr,
                   weights, sums);
    Qd8Finish(sums, 1, nc, nr, ctx.scale + i0, ctx.zp + i0, z,
              h.bias.data() + n0, h.lo, h.hi, ctx.c + i0 * ctx.ldc + n0,
              ctx.ldc);
    ctx.slots->Release(slot);
    return;
  }
  // The fused loop where the kernel (or, for tasks that expand, its
  // expanded sibling) has one: the whole K of the block in one call.
  // Blockwise, kUint8 kernels' blocks start from GemmDqBlockSumsFn's
  // values (which Pack requires them to have); other kernels' blockwise
  // sums need no correction: their blocks start from zeros.
  const GemmDqUkernelFn fused =
      expand ? kernel.expanded->dq_ukernel : kernel.dq_ukernel;
  int32_t* starts = reinterpret_cast<int32_t*>(wide + ctx.wide_bytes);
  if (fused != nullptr) {
    const uint8_t* w = weights;
    if (expand) {
      kernel.expand_weights(weights, h.blocks_k * h.block_groups, wide);
      w = wide;
    }
    const int32_t* start = wsum;
    if (ctx.starts) {  // from the expanded bytes: no nibbles to unpack again
      if (expand && kernel.expanded->dq_block_sums != nullptr) {
        kernel.expanded->dq_block_sums(wide, h.blocks_k, h.block_groups,
                                       starts);
      } else {
        kernel.dq_block_sums(weights, h.blocks_k, h.block_groups, starts);
      }
      start = starts;
    } else if (h.blockwise) {
      std::memset(starts, 0, h.blocks_k * nr * sizeof(int32_t));
      start = starts;
    }
    fused(rows, nc, h.blocks_k, h.block_groups,
          ctx.act + i0 * h.kpad * act_bytes, h.kpad, r, start,
          h.wscale.data() + block * h.blocks_k * nr, w, sums, nr);
  } else {
    GemmOutput out{};
    out.requant = kRawInt32;
    out.type = LOWBIT_DTYPE_INT8;
    if (ctx.starts) {
      kernel.dq_block_sums(weights, h.blocks_k, h.block_groups, starts);
    }
    for (size_t kb = 0; kb < h.blocks_k; ++kb) {
      const uint8_t* w = weights + kb * h.block_groups * layout.GroupBytes();
      GemmUkernelFn ukernel = kernel.ukernel;
      if (expand) {
        kernel.expand_weights(w, h.block_groups, wide);
        w = wide;
        ukernel = kernel.expanded->ukernel;
      }
      ukernel(rows, nc, h.block_groups,
              ctx.act + (i0 * h.kpad + kb * h.block_groups * layout.kr) *
                            act_bytes,
              h.kpad, nullptr,
              ctx.starts ? starts + kb * nr : h.zeros.data(), 0, w, out, n0,
              raw, nr);
      const size_t at = (block * h.blocks_k + kb) * nr;
      Qd8AccumulateBlock(raw, rows, nc, nr, r, wsum, h.wscale.data() + at,
                         kb == 0, sums);
    }
  }
  Qd8Finish(sums, rows, nc, nr, ctx.scale + i0,
            h.blockwise ? ctx.zp + i0 : nullptr, z, h.bias.data() + n0, h.lo,
            h.hi, ctx.c + i0 * ctx.ldc + n0, ctx.ldc);
  ctx.slots->Release(slot);
}

// Row quantization (lowbit.h), a row per call, on the pool's threads: the
// calling thread alone spent about 8% of tok128-ffn-down's single-thread
// time here, which more threads would not have shared.
struct QuantizeContext {
  const lowbit_dq_gemm* h;
  const GemmKernel* kernel;
  const float* a;
  size_t lda;
  uint8_t* act;
  int8_t* q;  // kInt16: kpad bytes per row
  int32_t* offset;
  float* zp;
  float* scale;
  std::atomic<size_t> bad;  // the lowest row with a NaN or an infinity
};

void QuantizeRow(void* context, size_t i) {
  QuantizeContext& qc = *static_cast<QuantizeContext*>(context);
  const lowbit_dq_gemm& h = *qc.h;
  const GemmKernel& kernel = *qc.kernel;
  const GemmLayout& layout = kernel.layout;
  const float* row = qc.a + i * qc.lda;
  float lo = 0, hi = 0;
  if (!Qd8Range(row, h.k, &lo, &hi)) {
    size_t seen = qc.bad.load(std::memory_order_relaxed);
    while (i < seen && !qc.bad.compare_exchange_weak(
                           seen, i, std::memory_order_relaxed)) {
    }
    return;
  }
  const Qd8Row p = Qd8FromRange(lo, hi);
  uint8_t* dst = qc.act + i * h.kpad * layout.ActBytes();
  if (layout.act == ActFormat::kInt16) {
    int8_t* q = qc.q + i * h.kpad;
    Qd8Quantize(row, h.k, p, q);
    kernel.prepare(LOWBIT_DTYPE_INT8, q, h.k, h.blockwise ? 0 : p.zero_point,
                   1, h.k, h.kpad, dst, nullptr);
  } else {
    Qd8Quantize(row, h.k, p, reinterpret_cast<int8_t*>(dst),
                FormatFlip(layout.act, LOWBIT_DTYPE_INT8));
    std::memset(dst + h.k, 0, h.kpad - h.k);
  }
  qc.offset[i] = FormatZeroPoint(layout.act, LOWBIT_DTYPE_INT8, p.zero_point);
  qc.zp[i] = static_cast<float>(p.zero_point);
  qc.scale[i] = p.scale;
}

lowbit_status RunDq(const lowbit_dq_gemm* h, size_t m, const float* a,
                    size_t lda, float* c, size_t ldc, pthreadpool* pool,
                    const char* fn) {
  if (h == nullptr) {
    return Fail(LOWBIT_ERROR_NULL_POINTER, "%s: gemm is NULL", fn);
  }
  if (lda < h->k || ldc < h->n) {
    return Fail(LOWBIT_ERROR_INVALID_STRIDE,
                "%s: lda = %zu must be >= k = %zu and ldc = %zu >= n = %zu",
                fn, lda, h->k, ldc, h->n);
  }
  if (m == 0) return Succeed();
  if (a == nullptr || c == nullptr) {
    return Fail(LOWBIT_ERROR_NULL_POINTER, "%s: %s is NULL", fn,
                a == nullptr ? "a" : "c");
  }
  if (!SpanOk(m, h->k, lda, sizeof(float)) ||
      !SpanOk(m, h->n, ldc, sizeof(float))) {
    return Fail(LOWBIT_ERROR_INVALID_SIZE, "%s: m = %zu rows overflow", fn,
                m);
  }
  const GemmKernel& kernel = GemmKernelOf(h->inner);
  const GemmLayout& layout = kernel.layout;
  const size_t act_bytes = layout.ActBytes();
  size_t act_count = 0;
  if (!MulOk(m, h->kpad * act_bytes, &act_count)) {
    return Fail(LOWBIT_ERROR_INVALID_SIZE, "%s: m = %zu rows overflow", fn,
                m);
  }
  thread_local ScratchArray<uint8_t> act;
  thread_local ScratchArray<int8_t> q;
  thread_local ScratchArray<int32_t> offset;
  thread_local ScratchArray<float> zp;
  thread_local ScratchArray<float> scale;
  thread_local ScratchArray<int32_t> gemv_sums;
  thread_local TaskSlots slots;
  // kInt16 layouts quantize each row into q first (a row each: rows are
  // quantized in parallel).
  const size_t q_count =
      layout.act == ActFormat::kInt16 ? act_count / act_bytes : 0;
  if (!act.Reserve(act_count) || !q.Reserve(q_count) || !offset.Reserve(m) ||
      !zp.Reserve(m) || !scale.Reserve(m)) {
    return Fail(LOWBIT_ERROR_OUT_OF_MEMORY, "%s: cannot allocate %zu rows",
                fn, m);
  }
  QuantizeContext qc{};
  qc.h = h;
  qc.kernel = &kernel;
  qc.a = a;
  qc.lda = lda;
  qc.act = act.data();
  qc.q = q.data();
  qc.offset = offset.data();
  qc.zp = zp.data();
  qc.scale = scale.data();
  qc.bad.store(m, std::memory_order_relaxed);
  if (pool == nullptr || pthreadpool_get_threads_count(pool) <= 1 || m == 1) {
    for (size_t i = 0; i < m; ++i) QuantizeRow(&qc, i);
  } else {
    pthreadpool_parallelize_1d(pool, QuantizeRow, &qc, m, 0);
  }
  const size_t bad = qc.bad.load(std::memory_order_relaxed);
  if (bad < m) {
    return Fail(LOWBIT_ERROR_INVALID_ARGUMENT,
                "%s: row %zu of a holds a NaN or an infinity, or its range "
                "overflows float",
                fn, bad);
  }

  RunContext ctx{};
  ctx.h = h;
  ctx.kernel = &kernel;
  size_t bytes = 0;
  ctx.packed = PackedWeights(h->inner, &bytes);
  ctx.act = act.data();
  ctx.offset = offset.data();
  ctx.zp = zp.data();
  ctx.scale = scale.data();
  ctx.m = m;
  ctx.task_rows = std::min(m, kTaskTiles * kernel.mr);
  if (h->blockwise && kernel.dq_gemv != nullptr &&
      layout.act != ActFormat::kInt16 && (m - 1) % ctx.task_rows == 0) {
    if (!gemv_sums.Reserve(h->blocks_k)) {
      return Fail(LOWBIT_ERROR_OUT_OF_MEMORY, "%s: cannot allocate %zu sums",
                  fn, h->blocks_k);
    }
    const uint8_t flip = FormatFlip(layout.act, LOWBIT_DTYPE_INT8);
    const uint8_t* row = act.data() + (m - 1) * h->kpad * act_bytes;
    const size_t g = h->k / h->blocks_k;
    for (size_t b = 0; b < h->blocks_k; ++b) {
      int32_t sum = 0;
      for (size_t t = b * g; t < (b + 1) * g; ++t) {
        sum += static_cast<int8_t>(row[t] ^ flip);
      }
      gemv_sums.data()[b] = sum;
    }
    ctx.gemv_sums = gemv_sums.data();
  }
  ctx.c = c;
  ctx.ldc = ldc;
  ctx.expand = kernel.expanded != nullptr;
  const size_t tasks = (m + ctx.task_rows - 1) / ctx.task_rows;
  const size_t blocks = layout.Blocks(h->n);
  // Per running task: an int32 and a float tile and the expanded weights
  // of one block of K, in slots that tasks claim (at most one per thread
  // runs at a time), allocated here so that no task can fail.
  const size_t threads =
      pool != nullptr ? std::max<size_t>(1, pthreadpool_get_threads_count(pool))
                      : 1;
  const size_t tile = ctx.task_rows * layout.nr;
  // A fused expanded loop reads the block's whole K expanded.
  const size_t wide =
      !ctx.expand ? 0
      : kernel.expanded->dq_ukernel != nullptr
          ? h->blocks_k * h->block_groups * kernel.expanded_group_bytes
          : h->block_groups * kernel.expanded_group_bytes;
  ctx.starts = h->blockwise && layout.act == ActFormat::kUint8;
  ctx.wide_bytes = wide;
  const size_t starts =
      h->blockwise ? h->blocks_k * layout.nr * sizeof(int32_t) : 0;
  if (!slots.Reserve(threads, tile * 8 + wide + starts)) {
    return Fail(LOWBIT_ERROR_OUT_OF_MEMORY,
                "%s: cannot allocate %zu task tiles", fn, threads);
  }
  ctx.slots = &slots;
  if (pool == nullptr || pthreadpool_get_threads_count(pool) <= 1) {
    for (size_t b = 0; b < blocks; ++b) {
      for (size_t t = 0; t < tasks; ++t) DqTask(&ctx, b, t);
    }
  } else {
    pthreadpool_parallelize_2d(pool, DqTask, &ctx, blocks, tasks, 0);
  }
  return Succeed();
}

}  // namespace

lowbit_status PackDqGemm(const lowbit_dq_gemm_params* params,
                         const GemmKernel& kernel, lowbit_dq_gemm_t* gemm,
                         const char* fn, bool prefer_narrow) {
  return Pack(params, kernel, gemm, fn, prefer_narrow);
}

}  // namespace lowbit

extern "C" {

lowbit_status lowbit_dq_gemm_params_init_sized(
    lowbit_dq_gemm_params* params, size_t struct_size) noexcept {
  lowbit_dq_gemm_params defaults{};
  defaults.weight_type = LOWBIT_DTYPE_INT8;
  defaults.output_min = -std::numeric_limits<float>::infinity();
  defaults.output_max = std::numeric_limits<float>::infinity();
  return lowbit::InitVersioned(params, struct_size, lowbit::kDqParamsMinSize,
                               defaults, "lowbit_dq_gemm_params_init");
}

lowbit_status lowbit_quantize_qd8(size_t m, size_t k, const float* a,
                                  size_t lda, int8_t* q, size_t ldq,
                                  float* scales,
                                  int32_t* zero_points) noexcept {
  return lowbit::Guarded("lowbit_quantize_qd8", [&] {
    const char* fn = "lowbit_quantize_qd8";
    if (k == 0) {
      return lowbit::Fail(LOWBIT_ERROR_INVALID_SIZE, "%s: k is 0", fn);
    }
    if (lda < k || ldq < k) {
      return lowbit::Fail(LOWBIT_ERROR_INVALID_STRIDE,
                          "%s: lda = %zu and ldq = %zu must be >= k = %zu",
                          fn, lda, ldq, k);
    }
    if (m == 0) return lowbit::Succeed();
    if (a == nullptr || q == nullptr || scales == nullptr ||
        zero_points == nullptr) {
      return lowbit::Fail(LOWBIT_ERROR_NULL_POINTER, "%s: a pointer is NULL",
                          fn);
    }
    if (!lowbit::SpanOk(m, k, lda, sizeof(float)) ||
        !lowbit::SpanOk(m, k, ldq, 1)) {
      return lowbit::Fail(LOWBIT_ERROR_INVALID_SIZE, "%s: rows overflow", fn);
    }
    for (size_t i = 0; i < m; ++i) {  // check every row before writing
      float lo = 0, hi = 0;
      if (!lowbit::Qd8Range(a + i * lda, k, &lo, &hi)) {
        return lowbit::Fail(LOWBIT_ERROR_INVALID_ARGUMENT,
                            "%s: row %zu holds a NaN or an infinity, or its "
                            "range overflows float",
                            fn, i);
      }
    }
    for (size_t i = 0; i < m; ++i) {
      float lo = 0, hi = 0;
      lowbit::Qd8Range(a + i * lda, k, &lo, &hi);
      const lowbit::Qd8Row row = lowbit::Qd8FromRange(lo, hi);
      lowbit::Qd8Quantize(a + i * lda, k, row, q + i * ldq);
      scales[i] = row.scale;
      zero_points[i] = row.zero_point;
    }
    return lowbit::Succeed();
  });
}

lowbit_status lowbit_dq_gemm_pack(const lowbit_dq_gemm_params* params,
                                  lowbit_dq_gemm_t* gemm) noexcept {
  return lowbit::Guarded("lowbit_dq_gemm_pack", [&] {
    std::string error;
    const lowbit::GemmKernel* kernel = lowbit::ChosenGemmKernel(&error);
    if (kernel == nullptr) {
      return lowbit::Fail(LOWBIT_ERROR_UNSUPPORTED, "lowbit_dq_gemm_pack: %s",
                          error.c_str());
    }
    return lowbit::Pack(params, *kernel, gemm, "lowbit_dq_gemm_pack",
                        /*prefer_narrow=*/true);
  });
}

lowbit_status lowbit_dq_gemm_run(lowbit_dq_gemm_t gemm, size_t m,
                                 const float* a, size_t lda, float* c,
                                 size_t ldc,
                                 struct pthreadpool* threadpool) noexcept {
  return lowbit::Guarded("lowbit_dq_gemm_run", [&] {
    return lowbit::RunDq(gemm, m, a, lda, c, ldc, threadpool,
                         "lowbit_dq_gemm_run");
  });
}

const char* lowbit_dq_gemm_kernel_name(lowbit_dq_gemm_t gemm) noexcept {
  return gemm != nullptr ? lowbit_gemm_kernel_name(gemm->inner) : "";
}

size_t lowbit_dq_gemm_packed_size(lowbit_dq_gemm_t gemm) noexcept {
  if (gemm == nullptr) return 0;
  return lowbit::GemmHeldBytes(gemm->inner) +
         gemm->wscale.size() * sizeof(float) +
         gemm->bias.size() * sizeof(float);
}

void lowbit_dq_gemm_destroy(lowbit_dq_gemm_t gemm) noexcept { delete gemm; }

}  // extern "C"
