/* lowbit: SIMD kernels for low-precision GEMM, bit-exact on every CPU.
 *
 * Stable C API. Objects are opaque handles; every function that can fail
 * returns a lowbit_status and, on failure, leaves a message for the calling
 * thread in lowbit_last_error(). A failed call writes nothing to its outputs.
 * No function throws (to C++ callers they are noexcept): every allocation
 * failure or impossible size is a status.
 *
 * Parameter structs grow at their end. Each starts with struct_size, which
 * its *_init function sets to the size the caller was compiled with; the
 * library reads only that many bytes and gives fields the caller's header
 * did not have their defaults (which are always "zero / absent"). A struct
 * larger than the library knows is accepted when the bytes it does not know
 * are zero, and rejected (LOWBIT_ERROR_UNSUPPORTED) otherwise.
 *
 * Data flow: user weights -> lowbit_gemm_pack (once) -> lowbit_gemm_t
 * (immutable, safe to share between threads) -> lowbit_gemm_run (many times).
 */
#ifndef LOWBIT_LOWBIT_H_
#define LOWBIT_LOWBIT_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define LOWBIT_VERSION_MAJOR 0
#define LOWBIT_VERSION_MINOR 7
#define LOWBIT_VERSION_PATCH 0
#define LOWBIT_VERSION_STRING "0.7.0"

#ifdef __cplusplus
#define LOWBIT_NOEXCEPT noexcept
#else
#define LOWBIT_NOEXCEPT
#endif

/* pthreadpool's handle type (pthreadpool_t is `struct pthreadpool*`); NULL
 * runs on the calling thread. Declared here so users need not include
 * pthreadpool.h. */
struct pthreadpool;

/* Every enum has *_MIN_ENUM and *_MAX_ENUM members at INT32_MIN and
 * INT32_MAX, so that it is 32 bits wide and, in C++ too, any int32 value a
 * caller stores in it is a valid value of the type (and is rejected with a
 * status where it means nothing). */
#define LOWBIT_ENUM_MIN (-0x7FFFFFFF - 1)
typedef enum lowbit_status {
  LOWBIT_OK = 0,
  LOWBIT_ERROR_NULL_POINTER = 1,      /* a required pointer is NULL */
  LOWBIT_ERROR_INVALID_SIZE = 2,      /* zero or overflowing M, N or K */
  LOWBIT_ERROR_INVALID_STRIDE = 3,    /* a row stride smaller than the row */
  LOWBIT_ERROR_INVALID_SCALE = 4,     /* zero, negative, NaN or infinite
                                         scale, or an effective scale outside
                                         [2^-32, 256) */
  LOWBIT_ERROR_INVALID_ZERO_POINT = 5,/* zero point outside its type's range,
                                         or nonzero for symmetric weights */
  LOWBIT_ERROR_INVALID_RANGE = 6,     /* output clamp empty or outside the
                                         output type */
  LOWBIT_ERROR_K_TOO_LARGE = 7,       /* the exact int32 accumulator could
                                         overflow for some input */
  LOWBIT_ERROR_UNSUPPORTED = 8,       /* data type or mode not supported */
  LOWBIT_ERROR_OUT_OF_MEMORY = 9,
  LOWBIT_ERROR_INVALID_ARGUMENT = 10, /* any other bad argument */
  LOWBIT_ERROR_INTERNAL = 11,         /* an unexpected failure inside lowbit
                                         (the message says what) */
  LOWBIT_STATUS_MIN_ENUM = LOWBIT_ENUM_MIN,
  LOWBIT_STATUS_MAX_ENUM = 0x7FFFFFFF
} lowbit_status;

typedef enum lowbit_dtype {
  LOWBIT_DTYPE_INT8 = 1,
  LOWBIT_DTYPE_UINT8 = 2,
  LOWBIT_DTYPE_INT32 = 3,
  /* Weights only: two's-complement values in [-8, 7], two per byte, the
   * element with the lower index in the low nibble; weight_stride and
   * element indices count nibbles (element (n, k) is nibble
   * n * weight_stride + k), so rows packed back to back (stride k) and
   * rows padded to whole bytes (even stride) are both accepted. */
  LOWBIT_DTYPE_INT4 = 4,
  /* Added in 0.5: 16-bit activations, outputs and weights (GEMM, see
   * "16-bit activations" below). */
  LOWBIT_DTYPE_INT16 = 5,
  LOWBIT_DTYPE_MIN_ENUM = LOWBIT_ENUM_MIN,
  LOWBIT_DTYPE_MAX_ENUM = 0x7FFFFFFF
} lowbit_dtype;

/* The three requantization modes; see README.md "Numeric contract". */
typedef enum lowbit_requant {
  /* XNNPACK fp32: float(acc) * scale, clamp in float, round to nearest even */
  LOWBIT_REQUANT_FP32 = 1,
  /* TFLite/gemmlowp: SaturatingRoundingDoublingHighMul + RoundingDivideByPOT */
  LOWBIT_REQUANT_FIXEDPOINT = 2,
  /* TFLite single rounding / ruy: (acc * m + round) >> shift */
  LOWBIT_REQUANT_FIXEDPOINT_SINGLE = 3,
  LOWBIT_REQUANT_MIN_ENUM = LOWBIT_ENUM_MIN,
  LOWBIT_REQUANT_MAX_ENUM = 0x7FFFFFFF
} lowbit_requant;

typedef enum lowbit_activation {
  LOWBIT_ACTIVATION_NONE = 0,
  LOWBIT_ACTIVATION_RELU = 1,
  LOWBIT_ACTIVATION_RELU6 = 2,
  LOWBIT_ACTIVATION_CLAMP = 3, /* [min, max] in real units */
  LOWBIT_ACTIVATION_MIN_ENUM = LOWBIT_ENUM_MIN,
  LOWBIT_ACTIVATION_MAX_ENUM = 0x7FFFFFFF
} lowbit_activation;

/* Everything lowbit_gemm_pack needs. Fill with lowbit_gemm_params_init, then
 * set the fields. C[m][n] = requant(bias[n] + sum_k (A[m][k] - za) *
 * (W[n][k] - zw)).
 *
 * 16-bit activations (added in 0.5): input_type INT16 with INT8 weights
 * (TFLite's 16x8 mode) or INT16 weights (int16 x int16), both symmetric;
 * za = 0 and zo = 0; output_type INT16. The accumulator is exact int64:
 * acc = bias[n] + sum_k A[m][k] * W[n][k], with the int32 bias or bias64.
 * Requantization is LOWBIT_REQUANT_FIXEDPOINT only, TFLite's int64 form
 * (its reference 16x8 kernels): with QuantizeMultiplier's m and s (from the
 * scales or requant_multipliers), rm = m < 0x7FFF0000 ? (m + 2^15) >> 16 :
 * 0x7FFF, t = 15 - s, q = clamp((acc * rm + 2^(t-1)) >> t, qmin, qmax), the
 * shift arithmetic and the clamp on the exact int64 value (TFLite narrows
 * to int32 first; the two agree wherever TFLite's result fits int32, as it
 * requires). K and the bias must keep |acc| below 2^47 for every input
 * (TFLite's bound): K_TOO_LARGE otherwise. lowbit_gemm_run_int64 returns
 * acc itself. */
typedef struct lowbit_gemm_params {
  size_t struct_size;           /* set by lowbit_gemm_params_init */
  size_t n;                     /* output channels (rows of W) */
  size_t k;                     /* reduction length */
  lowbit_dtype input_type;      /* INT8 or UINT8; INT16 (see above) */
  lowbit_dtype weight_type;     /* INT8 or INT4 (symmetric, zw = 0), or
                                   UINT8; INT16 for INT16 activations */
  lowbit_dtype output_type;     /* INT8 or UINT8; INT16 */
  lowbit_requant requant;
  const void* weights;          /* W[n][k], row stride weight_stride */
  size_t weight_stride;         /* elements between rows, >= k */
  const int32_t* bias;          /* n values, or NULL for zero */
  float input_scale;
  int32_t input_zero_point;     /* za */
  const float* weight_scales;   /* weight_scale_count values */
  size_t weight_scale_count;    /* 1 (per tensor) or n (per channel) */
  int32_t weight_zero_point;    /* zw: 0 for INT8, [0, 255] for UINT8 */
  float output_scale;
  int32_t output_zero_point;    /* zo */
  int32_t output_min;           /* clamp in the quantized domain, within */
  int32_t output_max;           /* the output type; min == max is allowed;
                                   see lowbit_output_range */
  /* Added in 0.2 (struct_size tells whether a caller has them). */
  /* Caller-supplied fixed-point requantization, for the FIXEDPOINT modes:
   * TFLite's QuantizeMultiplier form, real = multiplier * 2^(shift - 31),
   * multiplier in [2^30, 2^31), shift in [-31, 8] (effective scales in
   * [2^-32, 256), as the scale path accepts). Per tensor (count 1) or per
   * channel (count n). When given, the scales are not used (and may be
   * NULL); NULL (the default) derives them from the scales. */
  const int32_t* requant_multipliers;
  const int32_t* requant_shifts;
  size_t requant_multiplier_count;
  /* Added in 0.5. int64 bias (n values) for INT16 activations, instead of
   * bias (at most one of the two may be set). */
  const int64_t* bias64;
} lowbit_gemm_params;

typedef struct lowbit_gemm* lowbit_gemm_t;

/* Version as (major << 16) | (minor << 8) | patch. */
uint32_t lowbit_version(void) LOWBIT_NOEXCEPT;
const char* lowbit_version_string(void) LOWBIT_NOEXCEPT;
const char* lowbit_status_string(lowbit_status status) LOWBIT_NOEXCEPT;
/* Message of the last failed call on this thread ("" if none). */
const char* lowbit_last_error(void) LOWBIT_NOEXCEPT;

/* A human-readable report: the CPU and the SIMD features found, the Highway
 * targets compiled in and supported, every GEMM microkernel in priority
 * order, LOWBIT_ISA, and the kernel each operation chooses. The string is
 * owned by the library and lives until the process exits.
 *
 * Dispatch takes the first kernel the CPU supports. The environment
 * variable LOWBIT_ISA = scalar | hwy | avx2 | avx512vnni | neon | neondot |
 * neoni8mm (read once, at the first pack) forces a family of kernels;
 * asking for one this build or this CPU lacks makes every pack fail with
 * LOWBIT_ERROR_UNSUPPORTED. */
const char* lowbit_info(void) LOWBIT_NOEXCEPT;

/* Defaults: INT8 in/weights/out, fp32 requant, unit scales, zero points 0,
 * one weight scale, full output range; n, k, weights unset. Writes exactly
 * struct_size bytes (the caller's sizeof); call it through
 * lowbit_gemm_params_init. */
lowbit_status lowbit_gemm_params_init_sized(lowbit_gemm_params* params,
                                            size_t struct_size) LOWBIT_NOEXCEPT;
static inline void lowbit_gemm_params_init(lowbit_gemm_params* params) {
  (void)lowbit_gemm_params_init_sized(params, sizeof(*params));
}

/* Quantization helpers. */
/* XNNPACK fp32 effective scale: input_scale * weight_scale / output_scale,
 * float multiply then float divide. */
float lowbit_fp32_requant_scale(float input_scale, float weight_scale,
                                float output_scale) LOWBIT_NOEXCEPT;
/* The fixed-point modes' effective scale: double(input_scale) *
 * weight_scale / output_scale in double, as TFLite's CONV_2D and per-channel
 * FULLY_CONNECTED compute it. (TFLite's per-tensor FULLY_CONNECTED first
 * rounds input_scale * weight_scale to float; an engine that needs its
 * multipliers bit for bit passes them in requant_multipliers.) */
double lowbit_fixedpoint_requant_scale(float input_scale, float weight_scale,
                                       float output_scale) LOWBIT_NOEXCEPT;
/* QuantizeMultiplier: real_scale = multiplier * 2^(shift - 31), multiplier in
 * [2^30, 2^31). Fails (INVALID_SCALE) outside [2^-32, 256). */
lowbit_status lowbit_quantize_multiplier(double real_scale,
                                         int32_t* multiplier,
                                         int32_t* shift) LOWBIT_NOEXCEPT;
/* Output clamp [*qmin, *qmax] for a fused activation, in the quantized
 * domain of output_type. min/max are used by LOWBIT_ACTIVATION_CLAMP. */
lowbit_status lowbit_output_range(lowbit_activation activation, float min,
                                  float max, float output_scale,
                                  int32_t output_zero_point,
                                  lowbit_dtype output_type, int32_t* qmin,
                                  int32_t* qmax) LOWBIT_NOEXCEPT;

/* Packs weights, bias and quantization parameters once. The returned handle
 * is immutable and may be used by many threads at once. */
lowbit_status lowbit_gemm_pack(const lowbit_gemm_params* params,
                               lowbit_gemm_t* gemm) LOWBIT_NOEXCEPT;

/* C[m][n] for m < M: A is M x K of input_type with row stride lda >= K
 * elements; C is M x N of output_type with row stride ldc >= N elements. C
 * must not overlap A. m = 0 is an empty batch: LOWBIT_OK, nothing read or
 * written (a and c may then be NULL; the strides are still checked). */
lowbit_status lowbit_gemm_run(lowbit_gemm_t gemm, size_t m, const void* a,
                              size_t lda, void* c, size_t ldc,
                              struct pthreadpool* threadpool) LOWBIT_NOEXCEPT;

/* The raw int32 accumulators bias[n] + sum_k (A - za) * (W - zw), no
 * requantization or clamp. */
lowbit_status lowbit_gemm_run_int32(
    lowbit_gemm_t gemm, size_t m, const void* a, size_t lda, int32_t* c,
    size_t ldc, struct pthreadpool* threadpool) LOWBIT_NOEXCEPT;

/* INT16 activations (added in 0.5): the exact int64 accumulators
 * bias[n] + sum_k A[m][k] * W[n][k], no requantization or clamp. For 8-bit
 * activations use lowbit_gemm_run_int32 (LOWBIT_ERROR_UNSUPPORTED here, as
 * lowbit_gemm_run_int32 is for INT16 activations). */
lowbit_status lowbit_gemm_run_int64(
    lowbit_gemm_t gemm, size_t m, const void* a, size_t lda, int64_t* c,
    size_t ldc, struct pthreadpool* threadpool) LOWBIT_NOEXCEPT;

/* Running without allocating (added in 0.7), for firmware and engines that
 * hand out their own memory. lowbit_gemm_workspace_size reports the bytes
 * of caller workspace lowbit_gemm_run_workspace needs for m rows (8-bit
 * activations). The bare-metal build (README, "Cortex-M") allocates
 * nothing when it runs: its lowbit_gemm_run works only where that size is
 * 0 and fails with LOWBIT_ERROR_UNSUPPORTED otherwise. Hosted builds keep
 * their own per-thread scratch: the size is 0 and
 * lowbit_gemm_run_workspace is lowbit_gemm_run on the calling thread. */
lowbit_status lowbit_gemm_workspace_size(lowbit_gemm_t gemm, size_t m,
                                         size_t* bytes) LOWBIT_NOEXCEPT;
/* workspace: at least the reported bytes, 8-byte aligned (NULL when the
 * size is 0); it must not overlap a or c. */
lowbit_status lowbit_gemm_run_workspace(lowbit_gemm_t gemm, size_t m,
                                        const void* a, size_t lda, void* c,
                                        size_t ldc, void* workspace,
                                        size_t workspace_bytes) LOWBIT_NOEXCEPT;

/* Name of the microkernel the handle runs, e.g.
 * "lowbit_q8_gemm_ukernel_8x48c4__avx512vnni". */
const char* lowbit_gemm_kernel_name(lowbit_gemm_t gemm) LOWBIT_NOEXCEPT;

/* Bytes the handle keeps for its weights (added in 0.6): the packed blocks
 * (int4: two weights per byte, padded to whole K groups and channel
 * blocks, with an int32 per channel) and the per-channel requantization
 * parameters its mode reads. 0 for NULL. */
size_t lowbit_gemm_packed_size(lowbit_gemm_t gemm) LOWBIT_NOEXCEPT;

/* Accepts NULL. */
void lowbit_gemm_destroy(lowbit_gemm_t gemm) LOWBIT_NOEXCEPT;

/* ---------------------------------------------------------------------
 * 2D convolution, NHWC (added in 0.3).
 *
 * out[b][oy][ox][g*Ng + o] = requant(bias[g*Ng + o] +
 *   sum_{ky,kx,c} (in[b][iy][ix][g*Cg + c] - za) * (W[g*Ng + o][ky][kx][c] - zw))
 * with iy = oy*stride_h - pad_top + ky*dilation_h (ix likewise); taps that
 * fall in the padding contribute nothing (they read za). Cg and Ng are the
 * group input and output channels. Depthwise convolution is groups = input
 * channels, Cg = 1, Ng = the channel multiplier. Output size:
 * out_h = (in_h + pad_top + pad_bottom - dilation_h*(kernel_h-1) - 1) /
 * stride_h + 1, which must be at least 1 (width likewise). */
typedef struct lowbit_conv2d_params {
  size_t struct_size;           /* set by lowbit_conv2d_params_init */
  size_t kernel_height;
  size_t kernel_width;
  size_t stride_height;         /* >= 1 */
  size_t stride_width;
  size_t dilation_height;       /* >= 1 */
  size_t dilation_width;
  size_t padding_top;           /* explicit padding; see */
  size_t padding_left;          /* lowbit_conv2d_same_padding */
  size_t padding_bottom;
  size_t padding_right;
  size_t groups;                /* >= 1 */
  size_t group_input_channels;  /* Cg */
  size_t group_output_channels; /* Ng */
  lowbit_dtype input_type;      /* INT8 or UINT8; INT16 (bias64) */
  lowbit_dtype weight_type;     /* INT8 or INT4 (symmetric, zw = 0), or
                                   UINT8; INT16 for INT16 activations */
  lowbit_dtype output_type;     /* INT8 or UINT8; INT16 */
  lowbit_requant requant;
  /* OHWI: [groups * Ng][kernel_height][kernel_width][Cg], dense; INT4
   * counts nibbles (element i is nibble i, see LOWBIT_DTYPE_INT4), so a
   * filter may start in the middle of a byte. */
  const void* weights;
  const int32_t* bias;          /* groups * Ng values, or NULL for zero */
  float input_scale;
  int32_t input_zero_point;     /* za */
  const float* weight_scales;   /* weight_scale_count values */
  size_t weight_scale_count;    /* 1 or groups * Ng (per output channel) */
  int32_t weight_zero_point;    /* zw: 0 for INT8, [0, 255] for UINT8 */
  float output_scale;
  int32_t output_zero_point;    /* zo */
  int32_t output_min;           /* clamp in the quantized domain */
  int32_t output_max;
  /* As in lowbit_gemm_params; count 1 or groups * Ng. */
  const int32_t* requant_multipliers;
  const int32_t* requant_shifts;
  size_t requant_multiplier_count;
  /* Added in 0.5: int64 bias for INT16 activations (groups * Ng values),
   * instead of bias. INT16 activations take INT8 or INT16 weights and give
   * INT16 output, as lowbit_gemm_params describes (LOWBIT_REQUANT_FIXEDPOINT,
   * zero points 0, |acc| < 2^47); a tap in the padding reads 0. */
  const int64_t* bias64;
} lowbit_conv2d_params;

typedef struct lowbit_conv2d* lowbit_conv2d_t;

/* Defaults: 1x1 kernel, strides and dilations 1, no padding, one group,
 * INT8 everywhere, fp32 requant, unit scales, zero points 0, full output
 * range; channels and weights unset. */
lowbit_status lowbit_conv2d_params_init_sized(
    lowbit_conv2d_params* params, size_t struct_size) LOWBIT_NOEXCEPT;
static inline void lowbit_conv2d_params_init(lowbit_conv2d_params* params) {
  (void)lowbit_conv2d_params_init_sized(params, sizeof(*params));
}

/* TFLite's padding for one dimension: SAME (same = 1) pads so that
 * out = ceil(in / stride), the odd pixel going to the end (bottom/right);
 * VALID (same = 0) pads nothing. */
lowbit_status lowbit_conv2d_padding(size_t input_size, size_t kernel_size,
                                    size_t stride, size_t dilation, int same,
                                    size_t* pad_begin,
                                    size_t* pad_end) LOWBIT_NOEXCEPT;

/* Packs weights, bias and quantization parameters once. The handle is
 * immutable and may be shared by threads. */
lowbit_status lowbit_conv2d_pack(const lowbit_conv2d_params* params,
                                 lowbit_conv2d_t* conv) LOWBIT_NOEXCEPT;

/* Output height and width for an input of in_h x in_w. */
lowbit_status lowbit_conv2d_output_size(lowbit_conv2d_t conv, size_t in_h,
                                        size_t in_w, size_t* out_h,
                                        size_t* out_w) LOWBIT_NOEXCEPT;

/* Runs on batch x in_h x in_w pixels of groups * Cg channels, pixel stride
 * input_stride >= groups * Cg elements (channels of a larger tensor), into
 * batch x out_h x out_w pixels of groups * Ng channels with pixel stride
 * output_stride >= groups * Ng. Output must not overlap input. batch = 0
 * is an empty batch (LOWBIT_OK, nothing read or written). Per-shape state
 * is kept in the handle's per-thread scratch: a second run of a shape on a
 * thread allocates nothing. */
lowbit_status lowbit_conv2d_run(lowbit_conv2d_t conv, size_t batch,
                                size_t in_h, size_t in_w, const void* input,
                                size_t input_stride, void* output,
                                size_t output_stride,
                                struct pthreadpool* threadpool) LOWBIT_NOEXCEPT;

/* Running without allocating (added in 0.7), as for the GEMM: the bytes of
 * caller workspace lowbit_conv2d_run_workspace needs for this shape (0 on
 * hosted builds, whose lowbit_conv2d_run_workspace is lowbit_conv2d_run on
 * the calling thread; the bare-metal build's lowbit_conv2d_run fails with
 * LOWBIT_ERROR_UNSUPPORTED where the size is not 0). */
lowbit_status lowbit_conv2d_workspace_size(lowbit_conv2d_t conv, size_t batch,
                                           size_t in_h, size_t in_w,
                                           size_t* bytes) LOWBIT_NOEXCEPT;
/* workspace: at least the reported bytes, 8-byte aligned (NULL when the
 * size is 0); it must not overlap input or output. */
lowbit_status lowbit_conv2d_run_workspace(
    lowbit_conv2d_t conv, size_t batch, size_t in_h, size_t in_w,
    const void* input, size_t input_stride, void* output,
    size_t output_stride, void* workspace,
    size_t workspace_bytes) LOWBIT_NOEXCEPT;

/* The kernel that runs the handle: a GEMM microkernel, or a depthwise one. */
const char* lowbit_conv2d_kernel_name(lowbit_conv2d_t conv) LOWBIT_NOEXCEPT;

/* Accepts NULL. */
void lowbit_conv2d_destroy(lowbit_conv2d_t conv) LOWBIT_NOEXCEPT;

/* ---------------------------------------------------------------------
 * Dynamically quantized GEMM: fp32 activations and output, int8 or int4
 * weights (added in 0.4; the LLM path, XNNPACK's qd8-f32-qb4w).
 *
 * Each row of A is quantized when the GEMM runs (asymmetric int8, "qd8"):
 *   lo = min(0, min_k A[m][k]), hi = max(0, max_k A[m][k]);
 *   lo == hi (a row of zeros): scale = 1, inv = 1, zp = 0; otherwise
 *   scale = (hi - lo) / 255, inv = 255 / (hi - lo) (float divides),
 *   zp = clamp(rne(-128 - lo * inv), -128, 127);
 *   q[k] = clamp(rne(A[m][k] * inv) + zp, -128, 127),
 * rne rounding to nearest, ties to even. Then, with a scale per output
 * channel (block_size 0):
 *   acc = sum over k of (q[k] - zp) * W[n][k]                (exact int32)
 *   d = float(acc) * weight_scale[n]
 * or with a scale per channel and block of G consecutive k (blockwise), the
 * zero point as one float term per channel, as XNNPACK and KleidiAI do (it
 * keeps one weight sum per channel instead of one per block):
 *   acc_g = sum over k in block g of q[k] * W[n][k]          (exact int32)
 *   d = 0; for g = 0, 1, ...: d = d + float(acc_g) * weight_scale[n][g]
 *   Z[n] = 0; for g = 0, 1, ...:                  (once, when packing)
 *     Z[n] = Z[n] + float(sum over k in block g of W[n][k]) * weight_scale[n][g]
 *   d = d - float(zp) * Z[n]
 * and then
 *   C[m][n] = min(max(d * scale + bias[n], output_min), output_max)
 * in float, each multiply and each add rounded once (no fused multiply-add),
 * in that order: every kernel gives the same bits. (Before 0.6 the
 * blockwise form subtracted zp inside each block's sum.) A row holding a NaN or
 * an infinity, or whose range hi - lo overflows, fails the run
 * (LOWBIT_ERROR_INVALID_ARGUMENT) and nothing is written. */
typedef struct lowbit_dq_gemm_params {
  size_t struct_size;        /* set by lowbit_dq_gemm_params_init */
  size_t n;                  /* output channels */
  size_t k;                  /* reduction length */
  lowbit_dtype weight_type;  /* INT8 or INT4, symmetric (no zero point) */
  const void* weights;       /* W[n][k], row stride weight_stride */
  size_t weight_stride;      /* elements (INT4: nibbles), >= k */
  /* block_size 0: one scale per output channel (n values); otherwise G, a
   * multiple of 32 that divides k, and n * (k / G) scales, channel-major
   * (scale of channel n, block g at n * (k / G) + g). Finite and > 0. */
  size_t block_size;
  const float* weight_scales;
  const float* bias;         /* n finite values, or NULL for zero */
  float output_min;          /* clamp; default -inf and +inf */
  float output_max;
} lowbit_dq_gemm_params;

typedef struct lowbit_dq_gemm* lowbit_dq_gemm_t;

lowbit_status lowbit_dq_gemm_params_init_sized(
    lowbit_dq_gemm_params* params, size_t struct_size) LOWBIT_NOEXCEPT;
static inline void lowbit_dq_gemm_params_init(lowbit_dq_gemm_params* params) {
  (void)lowbit_dq_gemm_params_init_sized(params, sizeof(*params));
}

/* The row quantization above, on its own: m rows of k floats (row stride
 * lda) into q (row stride ldq), with each row's scale and zero point. */
lowbit_status lowbit_quantize_qd8(size_t m, size_t k, const float* a,
                                  size_t lda, int8_t* q, size_t ldq,
                                  float* scales,
                                  int32_t* zero_points) LOWBIT_NOEXCEPT;

/* Packs weights (4-bit weights stay 4-bit), scales and bias once; the
 * handle is immutable and may be shared by threads. Rejects blocks whose
 * exact int32 sum could overflow (G or, per channel, K above 65793 for INT8
 * weights, 1052688 for INT4) with LOWBIT_ERROR_K_TOO_LARGE. */
lowbit_status lowbit_dq_gemm_pack(const lowbit_dq_gemm_params* params,
                                  lowbit_dq_gemm_t* gemm) LOWBIT_NOEXCEPT;

/* C (M x N floats, row stride ldc >= N) from A (M x K floats, row stride
 * lda >= K); C must not overlap A. m = 0: LOWBIT_OK, nothing read or
 * written. */
lowbit_status lowbit_dq_gemm_run(lowbit_dq_gemm_t gemm, size_t m,
                                 const float* a, size_t lda, float* c,
                                 size_t ldc,
                                 struct pthreadpool* threadpool) LOWBIT_NOEXCEPT;

const char* lowbit_dq_gemm_kernel_name(lowbit_dq_gemm_t gemm) LOWBIT_NOEXCEPT;

/* Bytes the handle keeps for its weights (added in 0.6): the packed blocks
 * (with the per-channel weight sum, or blockwise the zero-point term Z),
 * the scales per channel and block, and the bias. With N a multiple of the
 * kernel's channel block, int4 weights take at most 0.5 + 4 / G + 8 / K
 * bytes each (G = K per channel). 0 for NULL. */
size_t lowbit_dq_gemm_packed_size(lowbit_dq_gemm_t gemm) LOWBIT_NOEXCEPT;

/* Accepts NULL. */
void lowbit_dq_gemm_destroy(lowbit_dq_gemm_t gemm) LOWBIT_NOEXCEPT;

/* ---------------------------------------------------------------------
 * Quantization toolkit (added in 0.7): the steps before packing.
 *
 * Quantization parameters of real values in [min, max] (finite, min <= max;
 * the range is first widened to contain 0):
 *   symmetric (INT8 narrow [-127, 127], INT4 [-8, 7] scaled by 7, INT16
 *   [-32767, 32767]): scale = float(double(max(|min|, |max|)) / qmax),
 *   zero point 0;
 *   asymmetric (INT8 [-128, 127], UINT8 [0, 255]), TFLite's
 *   ChooseQuantizationParams in double: scale = (max - min) / (qmax - qmin),
 *   the zero point from whichever of qmin - min / scale and
 *   qmax - max / scale has the smaller error (|qmin| + |min / scale|,
 *   |qmax| + |max / scale|), clamped to [qmin, qmax] and rounded half away
 *   from zero (the "nudge" that makes 0.0 exactly representable); the
 *   scale is stored as float.
 * An all-zero range gives scale 1 and zero point 0 (every value is 0).
 * NaN or infinite bounds: LOWBIT_ERROR_INVALID_ARGUMENT; min > max:
 * LOWBIT_ERROR_INVALID_RANGE; symmetric UINT8 or asymmetric INT4/INT16:
 * LOWBIT_ERROR_UNSUPPORTED. */
typedef struct lowbit_qparams {
  float scale;
  int32_t zero_point;
} lowbit_qparams;

lowbit_status lowbit_choose_qparams(float min, float max, lowbit_dtype type,
                                    int symmetric,
                                    lowbit_qparams* params) LOWBIT_NOEXCEPT;

/* q[i] = clamp(round_half_away(x[i] / scale) + zero_point, type's range),
 * the division in float (INT8 symmetric parameters still clamp to
 * [-128, 127]: pass an INT8 range of your own through the clamp of the
 * operation if -128 must not appear). q: INT8, UINT8 or INT16 elements, or
 * INT4 nibbles packed two per byte, low first (ceil(n / 2) bytes). A NaN
 * or infinite x: LOWBIT_ERROR_INVALID_ARGUMENT, nothing written. */
lowbit_status lowbit_quantize(size_t n, const float* x,
                              const lowbit_qparams* params, lowbit_dtype type,
                              void* q) LOWBIT_NOEXCEPT;

/* x[i] = float(q[i] - zero_point) * scale (one float multiply). */
lowbit_status lowbit_dequantize(size_t n, const void* q, lowbit_dtype type,
                                const lowbit_qparams* params,
                                float* x) LOWBIT_NOEXCEPT;

/* Signal-to-quantization-noise ratio in dB of q (type, params) against the
 * float original x: 10 log10(sum x^2 / sum (x - dequantized q)^2), each
 * term in double; each sum is 8 partial sums (element i into partial
 * i % 8, in index order) added as ((p0 + p1) + (p2 + p3)) + ((p4 + p5) +
 * (p6 + p7)), the same bits on every CPU. +inf when the noise is 0, -inf
 * when the signal is 0 and the noise is not. */
lowbit_status lowbit_sqnr(size_t n, const float* x, const void* q,
                          lowbit_dtype type, const lowbit_qparams* params,
                          double* db) LOWBIT_NOEXCEPT;

/* Symmetric weight quantization of w[n][k] (row stride k): per channel
 * (per_channel != 0, n scales) or per tensor (1 scale), scale =
 * float(double(max |w|) / qmax) (qmax 127, 7 or 32767 for INT8, INT4,
 * INT16; an all-zero channel or tensor gets scale 1), then
 * q = clamp(round_half_away(w / scale), -qmax, qmax) as lowbit_quantize.
 * q: n * k elements (INT4: nibbles, element i in nibble i, low first). A NaN
 * or infinite weight: LOWBIT_ERROR_INVALID_ARGUMENT, nothing written. */
lowbit_status lowbit_quantize_weights(size_t n, size_t k, const float* w,
                                      lowbit_dtype type, int per_channel,
                                      float* scales, void* q) LOWBIT_NOEXCEPT;

/* The bias of a quantized layer as TFLite's converter computes it, per
 * output channel c: scale = float(input_scale * weight_scales[c]) (one
 * float multiply; weight_scale_count is 1 or n), inv = float(1.0 / scale)
 * (in double, then rounded to float), q = round_half_away(bias[c] * inv)
 * (one float multiply), saturated to [-(2^31 - 1), 2^31 - 1] (int32) or
 * [-(2^63 - 1), 2^63 - 1] (lowbit_quantize_bias64, for INT16 activations):
 * TFLite clamps a bias too large for its scale, and so does this (check
 * the saturation end if that matters). Scales must be positive and
 * finite with a product whose reciprocal is a finite float, the bias
 * finite: otherwise a status and nothing written. */
lowbit_status lowbit_quantize_bias(size_t n, const float* bias,
                                   float input_scale,
                                   const float* weight_scales,
                                   size_t weight_scale_count,
                                   int32_t* q) LOWBIT_NOEXCEPT;
lowbit_status lowbit_quantize_bias64(size_t n, const float* bias,
                                     float input_scale,
                                     const float* weight_scales,
                                     size_t weight_scale_count,
                                     int64_t* q) LOWBIT_NOEXCEPT;

/* Folds batch normalization into the convolution before it, in place:
 * per output channel c (weights[c] holds k values), s = gamma[c] /
 * sqrtf(var[c] + eps), weights[c][i] *= s, bias[c] = (bias[c] - mean[c]) *
 * s + beta[c], each operation rounded once in float. var[c] + eps must be
 * positive; NaN or infinite inputs: LOWBIT_ERROR_INVALID_ARGUMENT, nothing
 * written. */
lowbit_status lowbit_fold_batch_norm(size_t n, size_t k, float* weights,
                                     float* bias, const float* gamma,
                                     const float* beta, const float* mean,
                                     const float* var,
                                     float eps) LOWBIT_NOEXCEPT;

/* Activation calibration: the running min and max of everything observed,
 * and their moving averages over batches (the first batch sets them, then
 * avg = avg * decay + batch * (1 - decay), in float, decay in [0, 1)). */
typedef struct lowbit_minmax {
  float min, max;          /* running */
  float avg_min, avg_max;  /* moving averages of the batches' min and max */
  float decay;
  uint64_t batches;
} lowbit_minmax;

lowbit_status lowbit_minmax_init(lowbit_minmax* mm,
                                 float decay) LOWBIT_NOEXCEPT;
/* One batch of n values (n >= 1). A NaN or infinity: status, unchanged. */
lowbit_status lowbit_minmax_update(lowbit_minmax* mm, size_t n,
                                   const float* x) LOWBIT_NOEXCEPT;

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* LOWBIT_LOWBIT_H_ */
