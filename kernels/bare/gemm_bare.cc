// The GEMM operator of the bare-metal build: lowbit.h's GEMM functions on
// one core, with the kernel fixed at compile time (mcu_kernel.h). Packing
// allocates the handle once (malloc); runs allocate nothing: the kernel's
// form of MR rows at a time lives in the caller's workspace.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>

#include "kernels/bare/mcu_kernel.h"
#include "kernels/bare/gemm_bare.h"
#include "kernels/gemm/pack.h"
#include "kernels/operator/checked_size.h"
#include "kernels/operator/error.h"
#include "kernels/operator/gemm_params.h"
#include "kernels/operator/versioned.h"

struct lowbit_gemm {
  size_t n;
  size_t k;
  lowbit_dtype input_type;
  int32_t input_zero_point;
  int32_t weight_offset;  // zw - 128 for uint8 weights (layout.h)
  const lowbit::McuGemmKernel* kernel;
  lowbit::GemmOutput out;
  const uint8_t* packed;
  size_t held_bytes;  // packed weights and requantization arrays
  // INT16 activations: the 16-bit kernel (kernel is null), the weights'
  // element bytes, the int16 output stage.
  const lowbit::McuGemm16Kernel* kernel16;
  size_t weight_bytes;
  lowbit::Gemm16Output out16;
};

namespace lowbit {
namespace {

size_t Align8(size_t x) { return (x + 7) & ~size_t{7}; }

// Whether runs read the caller's rows where they are (nothing prepared).
bool InPlace(const lowbit_gemm& g) {
  if (g.kernel16 != nullptr) return true;  // int16 rows are read in place
  return g.kernel->in_place && g.input_type == LOWBIT_DTYPE_INT8 &&
         g.weight_offset == 0;
}

// Workspace for one tile of MR rows: the rows in the kernel's form, then
// their offsets (asymmetric weights only).
size_t TileWorkspace(const lowbit_gemm& g, size_t m) {
  if (InPlace(g)) return 0;
  const GemmLayout& layout = g.kernel->layout;
  const size_t rows = m < g.kernel->mr ? m : g.kernel->mr;
  const size_t kpad = layout.KGroups(g.k) * layout.kr;
  return Align8(rows * kpad * layout.ActBytes()) +
         (g.weight_offset != 0 ? rows * sizeof(int32_t) : 0);
}

}  // namespace

lowbit_status PackGemm16Bare(const lowbit_gemm_params& p,
                             const McuGemm16Kernel& kernel,
                             lowbit_gemm_t* gemm, const char* fn) {
  lowbit_status status = ValidateGemm16(p, fn);
  if (status != LOWBIT_OK) return status;
  const size_t nr = kernel.nr, kr = kernel.kr;
  const size_t elem = p.weight_type == LOWBIT_DTYPE_INT16 ? 2 : 1;
  const size_t blocks = (p.n + nr - 1) / nr, groups = (p.k + kr - 1) / kr;
  size_t block_bytes = 0, packed_bytes = 0, total = 0;
  if (!MulOk(groups, nr * kr * elem, &block_bytes) ||
      !AddOk(block_bytes, nr * 8, &block_bytes) ||
      !MulOk(blocks, block_bytes, &packed_bytes) ||
      !AddOk(Align8(sizeof(lowbit_gemm)) + Align8(p.n * 8), packed_bytes,
             &total)) {
    return Fail(LOWBIT_ERROR_INVALID_SIZE,
                "%s: packed weights overflow size_t", fn);
  }
  uint8_t* memory = static_cast<uint8_t*>(std::calloc(1, total));
  if (memory == nullptr) {
    return Fail(LOWBIT_ERROR_OUT_OF_MEMORY,
                "%s: cannot allocate %zu bytes of packed weights", fn, total);
  }
  lowbit_gemm* g = new (memory) lowbit_gemm{};
  int32_t* multiplier =
      reinterpret_cast<int32_t*>(memory + Align8(sizeof(lowbit_gemm)));
  int32_t* shift = multiplier + p.n;
  status = ComputeRequant(p, nullptr, multiplier, shift, fn);
  if (status != LOWBIT_OK) {
    std::free(memory);
    return status;
  }
  uint8_t* packed = memory + Align8(sizeof(lowbit_gemm)) + Align8(p.n * 8);
  for (size_t n = 0; n < p.n; ++n) {
    uint8_t* block = packed + (n / nr) * block_bytes;
    const int64_t bias = p.bias64 != nullptr ? p.bias64[n]
                         : p.bias != nullptr ? p.bias[n]
                                             : 0;
    std::memcpy(block + (n % nr) * 8, &bias, 8);
    for (size_t k = 0; k < p.k; ++k) {
      // SXTB16 kernels take int8 groups of 4 as w0 w2 w1 w3.
      static const size_t kPermuted[4] = {0, 2, 1, 3};
      const size_t t = kernel.pairs_permuted && elem == 1 ? kPermuted[k % kr]
                                                          : k % kr;
      const size_t at = ((k / kr) * nr + n % nr) * kr + t;
      std::memcpy(block + nr * 8 + at * elem,
                  static_cast<const uint8_t*>(p.weights) +
                      (n * p.weight_stride + k) * elem,
                  elem);
    }
  }
  g->n = p.n;
  g->k = p.k;
  g->input_type = p.input_type;
  g->kernel16 = &kernel;
  g->weight_bytes = elem;
  g->out16 = Gemm16Output{false, multiplier, shift, p.output_min,
                          p.output_max};
  g->packed = packed;
  g->held_bytes = Align8(p.n * 8) + packed_bytes;
  *gemm = g;
  return Succeed();
}

lowbit_status PackGemmBare(const lowbit_gemm_params* params,
                           const McuGemmKernel& kernel, lowbit_gemm_t* gemm,
                           const char* fn) {
  if (gemm == nullptr) {
    return Fail(LOWBIT_ERROR_NULL_POINTER, "%s: handle pointer is NULL", fn);
  }
  if (params == nullptr) {
    return Fail(LOWBIT_ERROR_NULL_POINTER, "%s: params is NULL", fn);
  }
  lowbit_gemm_params p;
  lowbit_status status = ReadVersioned(params, kGemmParamsMinSize, &p, fn);
  if (status != LOWBIT_OK) return status;
  if (p.input_type == LOWBIT_DTYPE_INT16) {
    size_t count = 0;
    return PackGemm16Bare(p, *McuGemm16Kernels(&count)[0], gemm, fn);
  }  // (ValidateGemm16 covers the 16-bit contract)
  status = ValidateGemmParams(p, fn);
  if (status != LOWBIT_OK) return status;
  // INT4 weights run the family's int4 form (its own nibble layout).
  const bool int4 = p.weight_type == LOWBIT_DTYPE_INT4;
  const McuGemmKernel& chosen =
      int4 && kernel.int4 != nullptr ? *kernel.int4 : kernel;
  if (int4 != (chosen.layout.nibble_span != 0)) {
    return Fail(LOWBIT_ERROR_UNSUPPORTED,
                "%s: kernel %s reads %s weights, not weight type %d", fn,
                chosen.name, chosen.layout.nibble_span != 0 ? "int4" : "8-bit",
                static_cast<int>(p.weight_type));
  }
  const GemmLayout& layout = chosen.layout;
  const size_t padded = layout.Blocks(p.n) * layout.nr;
  const bool fp32 = p.requant == LOWBIT_REQUANT_FP32;
  const size_t param_bytes = padded * (fp32 ? 4 : 8);
  size_t block_bytes = 0, packed_bytes = 0, total = 0;
  if (!MulOk(layout.KGroups(p.k), layout.GroupBytes(), &block_bytes) ||
      !AddOk(block_bytes, layout.nr * sizeof(int32_t), &block_bytes) ||
      !MulOk(layout.Blocks(p.n), block_bytes, &packed_bytes) ||
      !AddOk(Align8(sizeof(lowbit_gemm)) + param_bytes, packed_bytes,
             &total)) {
    return Fail(LOWBIT_ERROR_INVALID_SIZE,
                "%s: packed weights overflow size_t", fn);
  }
  // One allocation: the handle, its requantization arrays, the weights.
  uint8_t* memory = static_cast<uint8_t*>(std::malloc(total));
  if (memory == nullptr) {
    return Fail(LOWBIT_ERROR_OUT_OF_MEMORY,
                "%s: cannot allocate %zu bytes of packed weights", fn, total);
  }
  lowbit_gemm* g = new (memory) lowbit_gemm{};
  uint8_t* params_at = memory + Align8(sizeof(lowbit_gemm));
  float* scale = reinterpret_cast<float*>(params_at);
  int32_t* multiplier = reinterpret_cast<int32_t*>(params_at);
  int32_t* shift = multiplier + padded;
  for (size_t n = 0; n < padded; ++n) {
    if (fp32) {
      scale[n] = 1.0f;
    } else {
      multiplier[n] = 1 << 30;
      shift[n] = 0;
    }
  }
  status = ComputeRequant(p, scale, multiplier, shift, fn);
  if (status != LOWBIT_OK) {
    std::free(memory);
    return status;
  }
  uint8_t* packed = params_at + param_bytes;
  PackGemmWeights(p, layout, packed);
  g->n = p.n;
  g->k = p.k;
  g->input_type = p.input_type;
  g->input_zero_point = p.input_zero_point;
  g->weight_offset =
      p.weight_type == LOWBIT_DTYPE_UINT8 ? p.weight_zero_point - 128 : 0;
  g->kernel = &chosen;
  g->out = GemmOutput{p.requant, p.output_type, fp32 ? scale : nullptr,
                      fp32 ? nullptr : multiplier, fp32 ? nullptr : shift,
                      p.output_zero_point, p.output_min, p.output_max};
  g->packed = packed;
  g->held_bytes = param_bytes + packed_bytes;
  *gemm = g;
  return Succeed();
}

lowbit_status RunGemmBare(lowbit_gemm_t g, size_t m, const void* a,
                          size_t lda, void* c, size_t ldc, bool raw,
                          void* workspace, size_t workspace_bytes,
                          const char* fn) {
  if (g == nullptr) {
    return Fail(LOWBIT_ERROR_NULL_POINTER, "%s: gemm is NULL", fn);
  }
  if (lda < g->k || ldc < g->n) {
    return Fail(LOWBIT_ERROR_INVALID_STRIDE,
                "%s: lda %zu < k %zu or ldc %zu < n %zu", fn, lda, g->k, ldc,
                g->n);
  }
  if (m == 0) return Succeed();  // an empty batch
  if (a == nullptr || c == nullptr) {
    return Fail(LOWBIT_ERROR_NULL_POINTER, "%s: %s is NULL", fn,
                a == nullptr ? "a" : "c");
  }
  const bool wide = g->kernel16 != nullptr;  // raw: int64 for INT16 rows
  const size_t c_elem = wide ? (raw ? 8 : 2) : (raw ? 4 : 1);
  if (!SpanOk(m, g->k, lda, wide ? 2 : 1) || !SpanOk(m, g->n, ldc, c_elem)) {
    return Fail(LOWBIT_ERROR_INVALID_SIZE,
                "%s: m = %zu makes a buffer overflow size_t", fn, m);
  }
  const size_t need = TileWorkspace(*g, m);
  if (workspace_bytes < need || (need != 0 && workspace == nullptr)) {
    return Fail(LOWBIT_ERROR_INVALID_ARGUMENT,
                "%s: the workspace has %zu bytes, the run needs %zu "
                "(lowbit_gemm_workspace_size)", fn,
                workspace == nullptr ? size_t{0} : workspace_bytes, need);
  }
  if (reinterpret_cast<uintptr_t>(workspace) % 8 != 0) {
    return Fail(LOWBIT_ERROR_INVALID_ARGUMENT,
                "%s: the workspace is not 8-byte aligned", fn);
  }
  if (wide) {
    Gemm16Output out = g->out16;
    out.raw = raw;
    g->kernel16->ukernel(m, g->n, g->k, static_cast<const int16_t*>(a), lda,
                         g->packed, g->weight_bytes, out, c, ldc);
    return Succeed();
  }
  const McuGemmKernel& kernel = *g->kernel;
  const GemmLayout& layout = kernel.layout;
  const size_t kpad = layout.KGroups(g->k) * layout.kr;
  GemmOutput out = g->out;
  if (raw) out.requant = kRawInt32;
  if (InPlace(*g)) {
    kernel.ukernel(m, g->n, g->k, a, lda, nullptr, g->packed, out, c, ldc);
    return Succeed();
  }
  uint8_t* rows = static_cast<uint8_t*>(workspace);
  int32_t* offsets = reinterpret_cast<int32_t*>(
      rows + Align8((m < kernel.mr ? m : kernel.mr) * kpad * layout.ActBytes()));
  for (size_t i0 = 0; i0 < m; i0 += kernel.mr) {
    const size_t mr = m - i0 < kernel.mr ? m - i0 : kernel.mr;
    const bool asymmetric = g->weight_offset != 0;
    kernel.prepare(g->input_type, static_cast<const uint8_t*>(a) + i0 * lda,
                   lda, g->input_zero_point, mr, g->k, kpad, rows,
                   asymmetric ? offsets : nullptr);
    for (size_t i = 0; i < mr && asymmetric; ++i) {
      offsets[i] = static_cast<int32_t>(static_cast<uint32_t>(offsets[i]) *
                                        static_cast<uint32_t>(g->weight_offset));
    }
    kernel.ukernel(mr, g->n, g->k, rows, kpad, asymmetric ? offsets : nullptr,
                   g->packed, out, static_cast<uint8_t*>(c) + i0 * ldc * c_elem,
                   ldc);
  }
  return Succeed();
}

namespace {

// lowbit_gemm_run's bare-metal form: no thread pool, and a handle that
// needs a workspace is told which call takes one.
lowbit_status RunWithoutWorkspace(lowbit_gemm_t gemm, size_t m,
                                  const void* a, size_t lda, void* c,
                                  size_t ldc, bool raw, pthreadpool* pool,
                                  const char* fn) {
  if (pool != nullptr) {
    return Fail(LOWBIT_ERROR_INVALID_ARGUMENT,
                "%s: the bare-metal build has no thread pool", fn);
  }
  if (gemm != nullptr && raw && gemm->kernel16 != nullptr) {
    return Fail(LOWBIT_ERROR_UNSUPPORTED,
                "%s: the handle has INT16 activations, whose accumulators "
                "are int64 (lowbit_gemm_run_int64)", fn);
  }
  if (gemm != nullptr && m != 0 && TileWorkspace(*gemm, m) != 0) {
    return Fail(LOWBIT_ERROR_UNSUPPORTED,
                "%s: bare metal allocates nothing when it runs: this handle "
                "needs a workspace (lowbit_gemm_run_workspace)", fn);
  }
  return RunGemmBare(gemm, m, a, lda, c, ldc, raw, nullptr, 0, fn);
}

const McuGemmKernel& BestKernel() {
  size_t count = 0;
  return *McuGemmKernels(&count)[0];
}

}  // namespace
}  // namespace lowbit

extern "C" {

lowbit_status lowbit_gemm_pack(const lowbit_gemm_params* params,
                               lowbit_gemm_t* gemm) noexcept {
  return lowbit::PackGemmBare(params, lowbit::BestKernel(), gemm,
                              "lowbit_gemm_pack");
}

lowbit_status lowbit_gemm_workspace_size(lowbit_gemm_t gemm, size_t m,
                                         size_t* bytes) noexcept {
  if (gemm == nullptr || bytes == nullptr) {
    return lowbit::Fail(LOWBIT_ERROR_NULL_POINTER,
                        "lowbit_gemm_workspace_size: %s is NULL",
                        gemm == nullptr ? "gemm" : "bytes");
  }
  *bytes = lowbit::TileWorkspace(*gemm, m);
  return lowbit::Succeed();
}

lowbit_status lowbit_gemm_run_workspace(lowbit_gemm_t gemm, size_t m,
                                        const void* a, size_t lda, void* c,
                                        size_t ldc, void* workspace,
                                        size_t workspace_bytes) noexcept {
  return lowbit::RunGemmBare(gemm, m, a, lda, c, ldc, false, workspace,
                             workspace_bytes, "lowbit_gemm_run_workspace");
}

lowbit_status lowbit_gemm_run(lowbit_gemm_t gemm, size_t m, const void* a,
                              size_t lda, void* c, size_t ldc,
                              struct pthreadpool* threadpool) noexcept {
  return lowbit::RunWithoutWorkspace(gemm, m, a, lda, c, ldc, false,
                                     threadpool, "lowbit_gemm_run");
}

lowbit_status lowbit_gemm_run_int32(lowbit_gemm_t gemm, size_t m,
                                    const void* a, size_t lda, int32_t* c,
                                    size_t ldc,
                                    struct pthreadpool* threadpool) noexcept {
  return lowbit::RunWithoutWorkspace(gemm, m, a, lda, c, ldc, true,
                                     threadpool, "lowbit_gemm_run_int32");
}

lowbit_status lowbit_gemm_run_int64(lowbit_gemm_t gemm, size_t m,
                                    const void* a, size_t lda, int64_t* c,
                                    size_t ldc,
                                    struct pthreadpool* threadpool) noexcept {
  const char* fn = "lowbit_gemm_run_int64";
  if (threadpool != nullptr) {
    return lowbit::Fail(LOWBIT_ERROR_INVALID_ARGUMENT,
                        "%s: the bare-metal build has no thread pool", fn);
  }
  if (gemm != nullptr && gemm->kernel16 == nullptr) {
    return lowbit::Fail(LOWBIT_ERROR_UNSUPPORTED,
                        "%s: the handle has 8-bit activations, whose "
                        "accumulators are int32 (lowbit_gemm_run_int32)", fn);
  }
  return lowbit::RunGemmBare(gemm, m, a, lda, c, ldc, true, nullptr, 0, fn);
}

const char* lowbit_info(void) noexcept {
  static char text[256] = "";
  if (text[0] == '\0') {
    size_t count = 0;
    const lowbit::McuGemmKernel* const* kernels =
        lowbit::McuGemmKernels(&count);
    size_t at = static_cast<size_t>(std::snprintf(
        text, sizeof(text), "lowbit %s, bare metal; GEMM kernels:",
        LOWBIT_VERSION_STRING));
    for (size_t i = 0; i < count && at < sizeof(text); ++i) {
      at += static_cast<size_t>(std::snprintf(text + at, sizeof(text) - at,
                                              " %s", kernels[i]->name));
    }
  }
  return text;
}

const char* lowbit_gemm_kernel_name(lowbit_gemm_t gemm) noexcept {
  if (gemm == nullptr) return "";
  return gemm->kernel16 != nullptr ? gemm->kernel16->name : gemm->kernel->name;
}

size_t lowbit_gemm_packed_size(lowbit_gemm_t gemm) noexcept {
  return gemm != nullptr ? gemm->held_bytes : 0;
}

void lowbit_gemm_destroy(lowbit_gemm_t gemm) noexcept { std::free(gemm); }

}  // extern "C"
