// lowbit_q8_gemm_ukernel_2x4c16__mve: Helium (Cortex-M55, M85). VMLADAVA
// sums the 16 products of two int8 vectors into a general register, which
// must be an even one (r0, r2, ..., r14: its encoding has 3 bits): a 2x4
// tile's 8 accumulators take all of them, LR included, so the fixed-point
// mode's row pairs (TFLite's and CMSIS-NN's, the one engines on these
// cores run) are in assembly (q8_gemm_2x4c16_mve_fixedpoint.S: per 16 k,
// 2 row loads and 4 weight loads feed 8 VMLADAVA, 128 MACs); the other
// modes, asymmetric weights and a last single row run the same products
// from C (a single row: 1 + 4 loads for 4 VMLADAVA). Signed activations (kInt8;
// the za term is folded into the packed bias) read in place for any K: the last
// partial group loads under a tail predicate (inactive lanes read as zero, and
// the packed weights are zero there too). The four channels' accumulators form
// one vector, requantized in requant_mve-inl.h (all three modes; a
// single-rounding left shift per element) and stored as 4 bytes.
// Compiled only where the build targets Helium (mcu_kernel.h).
#if defined(__ARM_FEATURE_MVE)

#include <arm_mve.h>

#include <cstddef>

#include "kernels/bare/mcu_kernel.h"
#include "kernels/bare/prepare.h"
#include "kernels/bare/requant_mve-inl.h"
#include "kernels/bare/store-inl.h"

namespace lowbit {
namespace {

constexpr size_t kMr = 2, kNr = 4, kKr = 16;

inline int32x4_t Lanes(const int32_t* c) { return vld1q_s32(c); }

// The assembly's arguments (q8_gemm_2x4c16_mve_fixedpoint.S).
struct alignas(16) PairArgs {
  const int8_t* a;
  size_t a_stride;
  size_t pairs;
  size_t groups;
  const uint8_t* block;
  int8_t* c;
  size_t ldc;
  uint32_t lanes;
  int32_t zero_point;
  uint32_t tail;
  uint32_t unused[2];
  int32_t multiplier[4];
  int32_t left[4];
  int32_t right[4];
  int32_t qmin[4];
  int32_t qmax[4];
};
static_assert(offsetof(PairArgs, tail) == 36 &&
                  offsetof(PairArgs, multiplier) == 48 &&
                  offsetof(PairArgs, qmax) == 112,
              "the assembly's offsets");

extern "C" void lowbit_mve_q8_gemm_2x4c16_pairs(PairArgs* args);

// The output stage of one call, per mode: the fixed-point one (TFLite's,
// CMSIS-NN's) and fp32 in Helium, with the channels' parameters loaded
// once for all rows; raw int32; single rounding per element.
enum class Mode { kFixedpoint, kFp32, kSingle, kRaw, kPerElement };

// The per-channel lanes a mode keeps (only what it reads, so the other
// modes carry nothing).
template <Mode kMode>
struct Lanes4 {
  Lanes4(const GemmOutput&, size_t, mve_pred16_t) {}
};
template <>
struct Lanes4<Mode::kFixedpoint> {
  bare::FixedpointLanes fixedpoint;
  Lanes4(const GemmOutput& o, size_t n0, mve_pred16_t lanes)
      : fixedpoint(bare::LoadFixedpointLanes(o.multiplier + n0, o.shift + n0,
                                             lanes)) {}
};
template <>
struct Lanes4<Mode::kSingle> {
  bare::SingleLanes single;
  Lanes4(const GemmOutput& o, size_t n0, mve_pred16_t lanes)
      : single(bare::LoadSingleLanes(o.multiplier + n0, o.shift + n0,
                                     lanes)) {}
};
template <>
struct Lanes4<Mode::kFp32> {
  float32x4_t scale;
  Lanes4(const GemmOutput& o, size_t n0, mve_pred16_t lanes)
      : scale(vld1q_z_f32(o.scale + n0, lanes)) {}
};

template <Mode kMode>
struct Output : Lanes4<kMode> {
  const GemmOutput& out;
  size_t nc, n0;
  mve_pred16_t lanes;
  Output(const GemmOutput& o, size_t nc_, size_t n0_)
      : Lanes4<kMode>(o, n0_, vctp32q(static_cast<uint32_t>(nc_))),
        out(o),
        nc(nc_),
        n0(n0_),
        lanes(vctp32q(static_cast<uint32_t>(nc_))) {}

  void Row(int32x4_t acc, const int32_t* row_offset, size_t row, void* c,
           size_t ldc) const {
    if (row_offset != nullptr) acc = vsubq_n_s32(acc, row_offset[row]);
    if constexpr (kMode == Mode::kFixedpoint) {
      const int32x4_t q = bare::RequantizeFixedpoint(
          acc, this->fixedpoint, out.zero_point, out.qmin, out.qmax);
      vstrbq_p_s32(static_cast<int8_t*>(c) + row * ldc, q, lanes);
    } else if constexpr (kMode == Mode::kFp32) {
      const int32x4_t q = bare::RequantizeFp32(acc, this->scale, out.zero_point,
                                               out.qmin, out.qmax);
      vstrbq_p_s32(static_cast<int8_t*>(c) + row * ldc, q, lanes);
    } else if constexpr (kMode == Mode::kSingle) {
      if (!this->single.left) {
        const int32x4_t q = bare::RequantizeFixedpointSingle(
            acc, this->single, out.zero_point, out.qmin, out.qmax);
        vstrbq_p_s32(static_cast<int8_t*>(c) + row * ldc, q, lanes);
        return;
      }
      int32_t v[4];  // a left shift: per element
      vst1q_s32(v, acc);
      for (size_t j = 0; j < nc; ++j) {
        bare::StoreOutput(out, n0 + j, v[j], c, row * ldc + j);
      }
    } else if constexpr (kMode == Mode::kRaw) {
      vstrwq_p_s32(static_cast<int32_t*>(c) + row * ldc, acc, lanes);
    } else {
      int32_t v[4];
      vst1q_s32(v, acc);
      for (size_t j = 0; j < nc; ++j) {
        bare::StoreOutput(out, n0 + j, v[j], c, row * ldc + j);
      }
    }
  }
};

// One K group's weight vectors of the 4 channels: 8-bit ones as packed;
// int4 ones (nibble span 16) as two runs of 16 bytes, channel 2r in the
// low nibbles and 2r + 1 in the high ones of run r, sign-extended by
// shifts.
template <bool kInt4>
inline void GroupWeights(const int8_t* w, int8x16_t* v) {
  if constexpr (kInt4) {
    for (size_t r = 0; r < 2; ++r) {
      const int8x16_t x = vld1q_s8(w + 16 * r);
      v[2 * r] = vshrq_n_s8(vshlq_n_s8(x, 4), 4);
      v[2 * r + 1] = vshrq_n_s8(x, 4);
    }
  } else {
    for (size_t j = 0; j < kNr; ++j) v[j] = vld1q_s8(w + j * kKr);
  }
}

template <bool kInt4>
constexpr size_t GroupBytes() {
  return kInt4 ? kNr * kKr / 2 : kNr * kKr;
}

// Two rows from C (the modes the assembly leaves out, and int4 weights):
// GCC moves the accumulators between registers to meet the even-register
// rule.
template <bool kInt4>
inline void Rows2(const int8_t*& a0, const int8_t*& a1, const int8_t*& w,
                  size_t groups, int32_t* c0, int32_t* c1) {
  for (size_t g = 0; g < groups; ++g) {
    const int8x16_t x0 = vld1q_s8(a0), x1 = vld1q_s8(a1);
    a0 += kKr;
    a1 += kKr;
    int8x16_t wv[kNr];
    GroupWeights<kInt4>(w, wv);
    for (size_t j = 0; j < kNr; ++j) {
      c0[j] = vmladavaq_s8(c0[j], x0, wv[j]);
      c1[j] = vmladavaq_s8(c1[j], x1, wv[j]);
    }
    w += GroupBytes<kInt4>();
  }
}

// One row of int4 weights (Rows1's loop is for 8-bit ones).
inline void Rows1Int4(const int8_t*& a0, const int8_t*& w, size_t groups,
                      int32_t* c0) {
  for (size_t g = 0; g < groups; ++g) {
    const int8x16_t x0 = vld1q_s8(a0);
    a0 += kKr;
    int8x16_t wv[kNr];
    GroupWeights<true>(w, wv);
    for (size_t j = 0; j < kNr; ++j) c0[j] = vmladavaq_s8(c0[j], x0, wv[j]);
    w += GroupBytes<true>();
  }
}

// One row: 4 accumulators, in assembly ("Te": an even register).
inline void Rows1(const int8_t*& a0, const int8_t*& w, size_t groups,
                  int32_t* c0) {
  int32_t c00 = c0[0], c01 = c0[1], c02 = c0[2], c03 = c0[3];
  __asm__ volatile(
      "wls lr, %[n], 2f\n"
      "1:\n\t"
      "vldrb.8 q0, [%[a0]], #16\n\t"
      "vldrb.8 q1, [%[w]], #16\n\t"
      "vldrb.8 q2, [%[w]], #16\n\t"
      "vmladava.s8 %[c00], q0, q1\n\t"
      "vldrb.8 q3, [%[w]], #16\n\t"
      "vmladava.s8 %[c01], q0, q2\n\t"
      "vldrb.8 q1, [%[w]], #16\n\t"
      "vmladava.s8 %[c02], q0, q3\n\t"
      "vmladava.s8 %[c03], q0, q1\n\t"
      "le lr, 1b\n"
      "2:\n"
      : [c00] "+Te"(c00), [c01] "+Te"(c01), [c02] "+Te"(c02), [c03] "+Te"(c03),
        [a0] "+r"(a0), [w] "+r"(w)
      : [n] "r"(groups)
      : "q0", "q1", "q2", "q3", "lr", "memory");
  c0[0] = c00, c0[1] = c01, c0[2] = c02, c0[3] = c03;
}

// The last partial group: rows under the tail predicate, whole (zero
// padded) weights.
template <bool kInt4>
inline void Tail(const int8_t* a, const int8_t* w, mve_pred16_t p,
                 int32_t* acc) {
  const int8x16_t x = vld1q_z_s8(a, p);
  int8x16_t wv[kNr];
  GroupWeights<kInt4>(w, wv);
  for (size_t j = 0; j < kNr; ++j) acc[j] = vmladavaq_s8(acc[j], x, wv[j]);
}

// Inlined into Run: a call per block cost 25 instructions.
template <Mode kMode, bool kInt4>
__attribute__((always_inline)) inline void Block(size_t mr, size_t nc, size_t k, const void* a, size_t a_stride,
           const int32_t* row_offset, const uint8_t* block,
           const GemmOutput& out, size_t n0, void* c, size_t ldc) {
  const int32_t* bias = reinterpret_cast<const int32_t*>(block);
  const int8_t* w0 = reinterpret_cast<const int8_t*>(block + kNr * 4);
  const size_t full = k / kKr;
  const size_t tail = k % kKr;
  const mve_pred16_t tail_lanes = vctp8q(static_cast<uint32_t>(tail));
  const Output<kMode> output(out, nc, n0);
  size_t i = 0;
  if constexpr (kMode == Mode::kFixedpoint && !kInt4) {
    if (row_offset == nullptr && mr >= 2) {
      PairArgs args;
      args.a = static_cast<const int8_t*>(a);
      args.a_stride = a_stride;
      args.pairs = mr / 2;
      args.groups = full;
      args.block = block;
      args.c = static_cast<int8_t*>(c);
      args.ldc = ldc;
      args.lanes = output.lanes;
      args.zero_point = out.zero_point;
      args.tail = tail != 0 ? tail_lanes : 0;
      vst1q_s32(args.multiplier, output.fixedpoint.multiplier);
      vst1q_s32(args.left, output.fixedpoint.left);
      vst1q_s32(args.right, output.fixedpoint.right);
      vst1q_s32(args.qmin, vdupq_n_s32(out.qmin));
      vst1q_s32(args.qmax, vdupq_n_s32(out.qmax));
      lowbit_mve_q8_gemm_2x4c16_pairs(&args);
      i = mr / 2 * 2;
    }
  }
  for (; i + 2 <= mr; i += 2) {
    const int8_t* a0 = static_cast<const int8_t*>(a) + i * a_stride;
    const int8_t* a1 = a0 + a_stride;
    const int8_t* w = w0;
    int32_t c0[kNr] = {bias[0], bias[1], bias[2], bias[3]};
    int32_t c1[kNr] = {bias[0], bias[1], bias[2], bias[3]};
    Rows2<kInt4>(a0, a1, w, full, c0, c1);
    if (tail != 0) {
      Tail<kInt4>(a0, w, tail_lanes, c0);
      Tail<kInt4>(a1, w, tail_lanes, c1);
    }
    output.Row(Lanes(c0), row_offset, i, c, ldc);
    output.Row(Lanes(c1), row_offset, i + 1, c, ldc);
  }
  if (i < mr) {  // one row
    const int8_t* a0 = static_cast<const int8_t*>(a) + i * a_stride;
    const int8_t* w = w0;
    int32_t c0[kNr] = {bias[0], bias[1], bias[2], bias[3]};
    if constexpr (kInt4) {
      Rows1Int4(a0, w, full, c0);
    } else {
      Rows1(a0, w, full, c0);
    }
    if (tail != 0) Tail<kInt4>(a0, w, tail_lanes, c0);
    output.Row(Lanes(c0), row_offset, i, c, ldc);
  }
}

template <Mode kMode, bool kInt4>
void Run(size_t mr, size_t n, size_t k, const void* a, size_t a_stride,
         const int32_t* row_offset, const uint8_t* packed,
         const GemmOutput& out, void* c, size_t ldc) {
  const size_t block_bytes =
      GemmLayout{kNr, kKr, ActFormat::kInt8, kInt4 ? size_t{16} : 0}.BlockBytes(
          k);
  const size_t c_elem = kMode == Mode::kRaw ? 4 : 1;
  for (size_t n0 = 0; n0 < n; n0 += kNr, packed += block_bytes) {
    Block<kMode, kInt4>(mr, n - n0 < kNr ? n - n0 : kNr, k, a, a_stride,
                        row_offset, packed, out, n0,
                        static_cast<uint8_t*>(c) + n0 * c_elem, ldc);
  }
}

template <bool kInt4>
void Ukernel(size_t mr, size_t n, size_t k, const void* a, size_t a_stride,
             const int32_t* row_offset, const uint8_t* packed,
             const GemmOutput& out, void* c, size_t ldc) {
  if (out.requant == LOWBIT_REQUANT_FIXEDPOINT) {
    Run<Mode::kFixedpoint, kInt4>(mr, n, k, a, a_stride, row_offset, packed,
                                  out, c, ldc);
  } else if (out.requant == LOWBIT_REQUANT_FP32) {
    Run<Mode::kFp32, kInt4>(mr, n, k, a, a_stride, row_offset, packed, out, c,
                            ldc);
  } else if (out.requant == LOWBIT_REQUANT_FIXEDPOINT_SINGLE) {
    Run<Mode::kSingle, kInt4>(mr, n, k, a, a_stride, row_offset, packed, out,
                              c, ldc);
  } else if (out.requant == kRawInt32) {
    Run<Mode::kRaw, kInt4>(mr, n, k, a, a_stride, row_offset, packed, out, c,
                           ldc);
  } else {
    Run<Mode::kPerElement, kInt4>(mr, n, k, a, a_stride, row_offset, packed,
                                  out, c, ldc);
  }
}

}  // namespace

const McuGemmKernel kQ8Qc4wGemm2x4c16Mve = {
    "lowbit_q8_qc4w_gemm_ukernel_2x4c16__mve",
    "mve",
    kMr,
    GemmLayout{kNr, kKr, ActFormat::kInt8, 16},
    Ukernel<true>,
    bare::PrepareInt8,
    /*in_place=*/true};

const McuGemmKernel kQ8Gemm2x4c16Mve = {"lowbit_q8_gemm_ukernel_2x4c16__mve",
                                        "mve",
                                        kMr,
                                        GemmLayout{kNr, kKr, ActFormat::kInt8},
                                        Ukernel<false>,
                                        bare::PrepareInt8,
                                        /*in_place=*/true,
                                        &kQ8Qc4wGemm2x4c16Mve};

}  // namespace lowbit

#endif  // __ARM_FEATURE_MVE
