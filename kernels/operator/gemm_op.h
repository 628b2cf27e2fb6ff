// Internal entry points of the GEMM operator, for tests and benchmarks that
// pick a microkernel instead of letting dispatch choose.
#ifndef LOWBIT_KERNELS_OPERATOR_GEMM_OP_H_
#define LOWBIT_KERNELS_OPERATOR_GEMM_OP_H_

#include <cstddef>
#include <cstdint>
#include <vector>

#include "kernels/gemm/ukernel.h"
#include "kernels/operator/aligned_vector.h"
#include "kernels/operator/gemm_params.h"
#include "lowbit/lowbit.h"

struct pthreadpool;

namespace lowbit {

// fn names the C function in error messages. With prefer_narrow the
// kernel's narrow sibling runs when it tiles n better (KernelForChannels),
// as the public entry points do.
lowbit_status PackGemm(const lowbit_gemm_params* params,
                       const GemmKernel& kernel, lowbit_gemm_t* gemm,
                       const char* fn = "lowbit_gemm_pack",
                       bool prefer_narrow = false);


// Rows of A that are not stored as a matrix (convolution's gathered
// patches): gather(context, i0, rows, dst, dst_stride, flip, pad_to) writes
// rows [i0, i0 + rows), row i at dst + (i - i0) * dst_stride: its K
// elements in the handle's input type, each byte XORed with `flip`, then
// zeros up to pad_to >= K bytes. Called from any pool thread. For the
// kernels that read 8-bit activations (and symmetric weights, which need no
// row sums) the operator gathers straight into the kernel's form (flip =
// FormatFlip, pad_to = the padded row); for the others it gathers raw rows
// (flip 0, pad_to K) and converts them.
//
// `taps`, when not null, describes the same rows in place: row i's K is
// taps->taps equal runs, run t at taps->base + taps->offsets[i * taps->taps
// + t] (taps->zero, a run of za bytes, where the offset is negative). A
// kernel with an indirect form (GemmKernel::ukernel_indirect) then reads
// them there and nothing is gathered, when each run is a whole number of
// its K groups (at least kMinTapGroups) and the weights are symmetric.
struct GemmTapSource {
  const int64_t* offsets;
  size_t taps;
  const uint8_t* base;
  const uint8_t* zero;
  // Taps [first_tap, first_tap + used_taps) of each row (used_taps 0: all
  // of them). The others are in the padding for every row and skipped;
  // `bias` (the packed bias plus their za terms, GemmPackedBias's layout)
  // then stands for the packed one.
  size_t first_tap = 0, used_taps = 0;
  const int32_t* bias = nullptr;
  // The used taps in runs of run_taps (0: one run of used_taps), run_pitch
  // apart in the row's tap order: a rectangle of kernel rows and columns.
  size_t run_taps = 0, run_pitch = 0;
  // Row m's output pixel, its offsets at offsets + pixel * taps and its
  // output at c + pixel * ldc: pixel0 + m * pixel_step, or with row_pixels,
  // rows in runs of row_pixels pixels row_pitch apart: pixel0 + (m /
  // row_pixels) * row_pitch + (m % row_pixels) * pixel_step.
  size_t pixel0 = 0, pixel_step = 1;
  size_t row_pixels = 0, row_pitch = 0;
  // With several sources (GemmRowSource::bands), this one's rows of m.
  size_t rows = 0;
};
// Whether RunGemm reads `taps` in place (the indirect kernels) for `g`; the
// fields past `bias` need it, as the gathering path ignores them.
bool GemmReadsTaps(lowbit_gemm_t g, const GemmTapSource& taps);
// The packed bias of every block (Blocks(n) * nr values): what the kernels'
// accumulators start from, za terms included.
void GemmPackedBias(lowbit_gemm_t g, int32_t* bias);
size_t GemmPackedBiasCount(lowbit_gemm_t g);
struct GemmRowSource {
  void (*gather)(const void* context, size_t i0, size_t rows, uint8_t* dst,
                 size_t dst_stride, uint8_t flip, size_t pad_to);
  const void* context;
  const GemmTapSource* taps = nullptr;
  // taps[0, bands) cover rows [0, m) in order, taps[b].rows each: one task
  // space, so that one pool call runs them all (a convolution's bands of
  // output rows and border columns). They differ only past `zero`.
  size_t bands = 1;
};
// Shorter runs spend more on their pointers than gathering costs.
constexpr size_t kMinTapGroups = 4;

// lowbit_gemm_run with the output stage `out` (the handle's, or kRawInt32
// with c_elem = 4), and rows from `src` when it is not null (a and lda are
// then unused).
lowbit_status RunGemm(lowbit_gemm_t g, size_t m, const void* a, size_t lda,
                      const GemmRowSource* src, void* c, size_t ldc,
                      const GemmOutput& out, size_t c_elem,
                      struct pthreadpool* pool, const char* fn);

// Per-channel requantization parameters of p (scales or the caller's
// multipliers), padded to `padded` channels, and the output stage that
// points at them.
struct OutputStage {
  AlignedVector<float> scale;
  AlignedVector<int32_t> multiplier;
  AlignedVector<int32_t> shift;
  GemmOutput out{};
};
lowbit_status MakeOutputStage(const lowbit_gemm_params& p, size_t padded,
                              OutputStage* stage, const char* fn);

// The handle's output stage (per-channel parameters padded to blocks).
const GemmOutput& GemmOutputOf(lowbit_gemm_t gemm);
const GemmKernel& GemmKernelOf(lowbit_gemm_t gemm);

// The packed weight bytes of a handle (layout of its kernel).
const uint8_t* PackedWeights(lowbit_gemm_t gemm, size_t* bytes);

// For an operator that owns an inner handle it has just packed (the
// dynamically quantized GEMM): its packed bytes, to write per-channel words
// into, and dropping the requantization parameters that raw int32 output
// never reads.
uint8_t* MutablePackedWeights(lowbit_gemm_t gemm);
void DropOutputParams(lowbit_gemm_t gemm);

// Bytes the handle keeps for its weights: the packed blocks and the
// per-channel parameters (lowbit_gemm_packed_size).
size_t GemmHeldBytes(lowbit_gemm_t gemm);

// Cuts K into parts of `groups` K groups (the last part may be shorter)
// instead of the cache-derived size, so tests reach the K-blocked path with
// small K. 0 restores the default. Not thread-safe against running GEMMs.
void SetGemmKPartGroupsForTesting(size_t groups);

// true: rows are converted even where the kernel could read them in place
// (GemmKernel::ukernel_flip), so tests compare both forms. Not thread-safe
// against running GEMMs.
void SetGemmNoDirectForTesting(bool no_direct);

}  // namespace lowbit

#endif  // LOWBIT_KERNELS_OPERATOR_GEMM_OP_H_
