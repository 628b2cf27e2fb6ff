// What a GEMM microkernel is: its self-description (name, MR, layout, ISA)
// and the two functions the operator layer calls.
#ifndef LOWBIT_KERNELS_GEMM_UKERNEL_H_
#define LOWBIT_KERNELS_GEMM_UKERNEL_H_

#include <cstddef>
#include <cstdint>

#include "kernels/gemm/layout.h"
#include "lowbit/lowbit.h"

namespace lowbit {

// Output stage shared by every tile of one GEMM. The per-channel arrays are
// padded to a whole number of NR blocks.
struct GemmOutput {
  int requant;                // a lowbit_requant, or kRawInt32
  lowbit_dtype type;          // INT8 or UINT8 (ignored for kRawInt32)
  const float* scale;         // LOWBIT_REQUANT_FP32
  const int32_t* multiplier;  // fixedpoint modes: QuantizeMultiplier's
  const int32_t* shift;       //   multiplier and shift
  int32_t zero_point;
  int32_t qmin;
  int32_t qmax;
};
constexpr int kRawInt32 = 0;

// Rows [0, mr) x columns [0, nc) of C from `kgroups` K groups, in tiles of
// the kernel's MR rows (the last one shorter): one call per task and K part,
// not per tile.
// a: activations in the layout's ActFormat (layout.h), row stride a_stride
//    elements, padded to kgroups * KR columns.
// row_offset: nullptr, or one value per row subtracted from its accumulators
//    (the asymmetric-weight correction).
// init: the accumulators start from init[m * init_stride + j], j < NR (all
//    NR readable). init_stride 0 starts every row from one vector: a packed
//    block's bias. A K range split into parts (the operator's K blocking)
//    continues from the previous part's raw int32 output instead.
// w: the weights of the first of `kgroups` K groups of one packed block
//    (layout.h); n0: the tile's first column, for the per-channel output
//    parameters; c: row stride ldc elements.
using GemmUkernelFn = void (*)(size_t mr, size_t nc, size_t kgroups,
                               const void* a, size_t a_stride,
                               const int32_t* row_offset, const int32_t* init,
                               size_t init_stride, const uint8_t* w,
                               const GemmOutput& out, size_t n0, void* c,
                               size_t ldc);

// A tile whose rows are read in place through tap offsets (a
// convolution's output pixels, kernels/operator/conv_op.cc): row m's K is
// `taps` runs of tap_groups K groups, run t at base + offsets[m *
// offsets_stride + t], or at `zero` when that offset is negative (a tap in
// the padding). The bytes are the caller's input type, which the kernel
// turns into its ActFormat itself (GemmKernel::ukernel_indirect_flip).
// Weights, init, out and c as for GemmUkernelFn; symmetric weights only.
using GemmIndirectUkernelFn = void (*)(
    size_t mr, size_t nc, size_t taps, size_t tap_groups,
    const int64_t* offsets, size_t offsets_stride, const uint8_t* base,
    const uint8_t* zero, const int32_t* init, size_t init_stride,
    const uint8_t* w, const GemmOutput& out, size_t n0, void* c, size_t ldc);

// Dynamically quantized GEMM (kernels/operator/dq_gemm_op.cc): rows [0, m)
// x columns [0, nc) of `blocks` blocks of block_groups K groups each, rows
// in the layout's ActFormat (8-bit) with a per-row offset r (A_f - r = q -
// zp). For each block b, from zero, the exact int32 sum acc, then
//   d[m][j] = (b == 0 ? 0 : d[m][j]) + float(acc - r[m] * wsum[j]) * wscale[j]
// (one rounding each; wsum and wscale advance by NR per block), d with row
// stride ldd. Kernels/dq/qd8.h's Qd8AccumulateBlock, fused. r nullptr: the
// block starts from wsum instead of zero (acc = wsum[j] + the sum, for
// every row), and nothing is subtracted (the blockwise form, whose start
// value is GemmDqBlockSumsFn's).
using GemmDqUkernelFn = void (*)(size_t m, size_t nc, size_t blocks,
                                 size_t block_groups, const void* a,
                                 size_t a_stride, const int32_t* r,
                                 const int32_t* wsum, const float* wscale,
                                 const uint8_t* w, float* d, size_t ldd);

// For each of `blocks` blocks of block_groups K groups of one NR block of
// packed weights: out[b * NR + j] = -128 * (the sum of channel j's weights
// in block b), modulo 2^32: the term that takes the kUint8 form's offset
// out of a block's sum (A_u = q + 128), as a GemmDqUkernelFn start value.
// Blocks are a multiple of 32 along K (block_groups a multiple of 32 / KR),
// here and in GemmDqGemvFn: only the blockwise form calls them.
using GemmDqBlockSumsFn = void (*)(const uint8_t* w, size_t blocks,
                                   size_t block_groups, int32_t* out);

// The blockwise dynamically quantized GEMM of one row (GEMV) on one NR
// block, `blocks` blocks of block_groups K groups: a is the row in the
// layout's ActFormat, row_block_sums[b] the sum of its q over block b;
// d[j] = sum over b in order of float(acc_b) * wscale[b * NR + j], from 0,
// for all NR channels (padding ones read zero weights).
using GemmDqGemvFn = void (*)(size_t blocks, size_t block_groups,
                              const uint8_t* a, const int32_t* row_block_sums,
                              const float* wscale, const uint8_t* w, float* d);

// Converts rows [0, m) of A to the layout's ActFormat, padded to kpad
// elements per row. row_sums: nullptr, or receives each row's sum of
// A - za over the K real columns (modulo 2^32).
using PrepareActivationsFn = void (*)(lowbit_dtype type, const void* a,
                                      size_t lda, int32_t za, size_t m,
                                      size_t k, size_t kpad, void* out,
                                      int32_t* row_sums);

// Applies `out` to n accumulators that all belong to channel-parameter index
// 0.. n-1, writing int32 results in [qmin, qmax] (for the requantization
// tests: the same vector code as the microkernel's epilogue).
using RequantizeFn = void (*)(const GemmOutput& out, const int32_t* acc,
                              size_t n, int32_t* q);

// Converts `kgroups` K groups of a packed block's weights (layout.h, from
// the first group of a K part) into the form a kernel's expanded inner loop
// reads, GemmKernel::expanded_group_bytes per group.
using ExpandWeightsFn = void (*)(const uint8_t* w, size_t kgroups, void* out);

// What the CPU must have to run a kernel. kHighway kernels name a Highway
// target; the others are hand-written and checked through cpuinfo.
enum class Isa { kHighway, kAvx2, kAvx512Vnni, kNeon, kNeonDot, kNeonI8mm };

struct GemmKernel {
  const char* name;    // lowbit_q8_gemm_ukernel_<MR>x<NR>c<KR>__<isa>
  const char* isa;     // e.g. "hwy_avx3_dl", "avx512vnni"
  // The LOWBIT_ISA value that selects this kernel: scalar, hwy, avx2,
  // avx512vnni, neon, neondot, neoni8mm.
  const char* family;
  Isa requires;
  int64_t hwy_target;  // kHighway: the Highway target the CPU must support
  size_t mr;
  GemmLayout layout;
  GemmUkernelFn ukernel;
  PrepareActivationsFn prepare;
  RequantizeFn requantize;
  // Optional: weights widened once per task. A kernel whose multiply takes
  // wider operands than the packed weights (int16 for vpmaddwd) would
  // otherwise widen every weight each time a row tile reads it. When a task
  // has more than one row tile, the operator expands the task's block (its
  // K part) into per-thread scratch and runs `expanded`'s forms (ukernel,
  // ukernel_flip, the indirect ones; same mr and indirect_mr), whose `w` is
  // that scratch; a single row tile (GEMV) streams the packed bytes through
  // this kernel's. Both give the same bytes; the sweep runs both. For an
  // int4 kernel, `expanded` is its 8-bit sibling.
  ExpandWeightsFn expand_weights = nullptr;
  size_t expanded_group_bytes = 0;
  const GemmKernel* expanded = nullptr;
  // Optional: the same kernel on narrower blocks, which the public entry
  // points take for channel counts this one's NR divides badly
  // (KernelForChannels, kernel_table.h). Listed in the table too, so the
  // sweep runs it.
  const GemmKernel* narrow = nullptr;
  // Optional: the kernel reading the caller's rows in place. A kernel that
  // has it reads exactly KR bytes per row and K group (nothing past
  // kgroups * KR, no alignment), so when K is a whole number of groups and
  // the weights are symmetric, the operator hands it the caller's rows
  // (a_stride = lda) instead of converting them: through `ukernel` when the
  // input type is already the layout's ActFormat, through `ukernel_flip`
  // (which XORs every byte with 0x80 as it reads it) when it is the other
  // 8-bit type.
  GemmUkernelFn ukernel_flip = nullptr;
  // Optional: the indirect form of ukernel and of ukernel_flip, for
  // convolutions whose group input channels are a whole number of K groups.
  GemmIndirectUkernelFn ukernel_indirect = nullptr;
  GemmIndirectUkernelFn ukernel_indirect_flip = nullptr;
  // Rows per tile of the indirect form (its own register budget).
  size_t indirect_mr = 0;
  // Optional: the same kernel reading int4 weights (a layout with a
  // nibble span, layout.h), which the entry points run for int4 weights
  // (Int4KernelFor, kernel_table.h). Not in the table: Int4GemmKernels
  // lists them.
  const GemmKernel* int4 = nullptr;
  // Tasks expand from this many row tiles on (the expansion's cost against
  // what each tile saves by reading the wider weights).
  size_t expand_min_tiles = 2;
  // Optional: the dynamically quantized loop (GemmDqUkernelFn) on the
  // kernel's rows and weights; without it, the operator runs ukernel once
  // per block and combines in kernels/dq/qd8.h.
  GemmDqUkernelFn dq_ukernel = nullptr;
  // The block sums (GemmDqBlockSumsFn) of the blockwise dynamically
  // quantized GEMM, which keeps no per-block weight sums: required of a
  // kUint8 kernel (its dq_ukernel, or its ukernel run once per block,
  // starts each block from them), not used by the others (their sums need
  // no correction).
  GemmDqBlockSumsFn dq_block_sums = nullptr;
  // Optional: the blockwise form's one-row loop (GemmDqGemvFn), which needs
  // no weight sums; the operator runs it for single-row tasks.
  GemmDqGemvFn dq_gemv = nullptr;
};

}  // namespace lowbit

#endif  // LOWBIT_KERNELS_GEMM_UKERNEL_H_
