// lowbit_q8_gemm_ukernel_2x3c16__mve: Helium (Cortex-M55, M85). VMLADAVA
// sums the 16 products of two int8 vectors into a general register, which
// must be an even one (r0, r2, ..., r12: its encoding has 3 bits), so a
// tile keeps at most 7 accumulators with LR counting the loop: per 16 k,
// 2 row loads and 3 weight loads feed 6 VMLADAVA (96 MACs; 12 instructions
// with the loop's LE, 0.125 per MAC); a single row takes 1 + 3 loads for 3. Signed activations (kInt8; the za term is
// folded into the packed bias) read in place for any K: the last partial
// group loads under a tail predicate (inactive lanes read as zero, and the
// packed weights are zero there too). The four channels' accumulators form
// one vector, requantized in requant_mve-inl.h's fixed-point primitives
// (the other modes per element) and stored as 4 bytes.
// Compiled only where the build targets Helium (mcu_kernel.h).
#if defined(__ARM_FEATURE_MVE)

#include <arm_mve.h>

#include "kernels/bare/mcu_kernel.h"
#include "kernels/bare/prepare.h"
#include "kernels/bare/requant_mve-inl.h"
#include "kernels/bare/store-inl.h"

namespace lowbit {
namespace {

constexpr size_t kMr = 2, kNr = 3, kKr = 16;

inline int32x4_t Lanes(int32_t a, int32_t b, int32_t c) {
  int32x4_t v = vdupq_n_s32(a);
  v = vsetq_lane_s32(b, v, 1);
  return vsetq_lane_s32(c, v, 2);
}

// The output stage of one call, per mode: the fixed-point one (TFLite's,
// CMSIS-NN's) in Helium, with its channels' parameters loaded once for all
// rows; raw int32; the others per element.
enum class Mode { kFixedpoint, kRaw, kPerElement };

template <Mode kMode>
struct Output {
  const GemmOutput& out;
  size_t nc, n0;
  mve_pred16_t lanes;
  bare::FixedpointLanes fixedpoint;
  Output(const GemmOutput& o, size_t nc_, size_t n0_)
      : out(o), nc(nc_), n0(n0_),
        lanes(vctp32q(static_cast<uint32_t>(nc_))) {
    if (kMode == Mode::kFixedpoint) {
      fixedpoint = bare::LoadFixedpointLanes(o.multiplier + n0_,
                                             o.shift + n0_, lanes);
    }
  }

  void Row(int32x4_t acc, const int32_t* row_offset, size_t row, void* c,
           size_t ldc) const {
    if (row_offset != nullptr) acc = vsubq_n_s32(acc, row_offset[row]);
    if (kMode == Mode::kFixedpoint) {
      const int32x4_t q = bare::RequantizeFixedpoint(
          acc, fixedpoint, out.zero_point, out.qmin, out.qmax);
      vstrbq_p_s32(static_cast<int8_t*>(c) + row * ldc, q, lanes);
    } else if (kMode == Mode::kRaw) {
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

// The loops over whole groups, in assembly: GCC 12 copies accumulators
// between registers to meet VMLADAVA's even-register rule ("Te" states it).
inline void Rows2(const int8_t*& a0, const int8_t*& a1, const int8_t*& w,
                  size_t groups, int32_t* c0, int32_t* c1) {
  int32_t c00 = c0[0], c01 = c0[1], c02 = c0[2];
  int32_t c10 = c1[0], c11 = c1[1], c12 = c1[2];
  __asm__ volatile(
      "wls lr, %[n], 2f\n"
      "1:\n\t"
      "vldrb.8 q0, [%[a0]], #16\n\t"
      "vldrb.8 q1, [%[a1]], #16\n\t"
      "vldrb.8 q2, [%[w]], #16\n\t"
      "vmladava.s8 %[c00], q0, q2\n\t"
      "vmladava.s8 %[c10], q1, q2\n\t"
      "vldrb.8 q3, [%[w]], #16\n\t"
      "vmladava.s8 %[c01], q0, q3\n\t"
      "vmladava.s8 %[c11], q1, q3\n\t"
      "vldrb.8 q2, [%[w]], #16\n\t"
      "vmladava.s8 %[c02], q0, q2\n\t"
      "vmladava.s8 %[c12], q1, q2\n\t"
      "le lr, 1b\n"
      "2:\n"
      : [c00] "+Te"(c00), [c01] "+Te"(c01), [c02] "+Te"(c02),
        [c10] "+Te"(c10), [c11] "+Te"(c11), [c12] "+Te"(c12),
        [a0] "+r"(a0), [a1] "+r"(a1), [w] "+r"(w)
      : [n] "r"(groups)
      : "q0", "q1", "q2", "q3", "lr", "memory");
  c0[0] = c00, c0[1] = c01, c0[2] = c02;
  c1[0] = c10, c1[1] = c11, c1[2] = c12;
}

inline void Rows1(const int8_t*& a0, const int8_t*& w, size_t groups,
                  int32_t* c0) {
  int32_t c00 = c0[0], c01 = c0[1], c02 = c0[2];
  __asm__ volatile(
      "wls lr, %[n], 2f\n"
      "1:\n\t"
      "vldrb.8 q0, [%[a0]], #16\n\t"
      "vldrb.8 q1, [%[w]], #16\n\t"
      "vldrb.8 q2, [%[w]], #16\n\t"
      "vmladava.s8 %[c00], q0, q1\n\t"
      "vldrb.8 q3, [%[w]], #16\n\t"
      "vmladava.s8 %[c01], q0, q2\n\t"
      "vmladava.s8 %[c02], q0, q3\n\t"
      "le lr, 1b\n"
      "2:\n"
      : [c00] "+Te"(c00), [c01] "+Te"(c01), [c02] "+Te"(c02),
        [a0] "+r"(a0), [w] "+r"(w)
      : [n] "r"(groups)
      : "q0", "q1", "q2", "q3", "lr", "memory");
  c0[0] = c00, c0[1] = c01, c0[2] = c02;
}

// The last partial group: rows under the tail predicate, whole (zero
// padded) weights.
inline void Tail(const int8_t* a, const int8_t* w, mve_pred16_t p,
                 int32_t* acc) {
  const int8x16_t x = vld1q_z_s8(a, p);
  acc[0] = vmladavaq_s8(acc[0], x, vld1q_s8(w));
  acc[1] = vmladavaq_s8(acc[1], x, vld1q_s8(w + 16));
  acc[2] = vmladavaq_s8(acc[2], x, vld1q_s8(w + 32));
}

template <Mode kMode>
void Block(size_t mr, size_t nc, size_t k, const void* a, size_t a_stride,
         const int32_t* row_offset, const uint8_t* block,
         const GemmOutput& out, size_t n0, void* c, size_t ldc) {
  const int32_t* bias = reinterpret_cast<const int32_t*>(block);
  const int8_t* w0 = reinterpret_cast<const int8_t*>(block + kNr * 4);
  const size_t full = k / kKr;
  const size_t tail = k % kKr;
  const mve_pred16_t tail_lanes = vctp8q(static_cast<uint32_t>(tail));
  const Output<kMode> output(out, nc, n0);
  size_t i = 0;
  for (; i + 2 <= mr; i += 2) {
    const int8_t* a0 = static_cast<const int8_t*>(a) + i * a_stride;
    const int8_t* a1 = a0 + a_stride;
    const int8_t* w = w0;
    int32_t c0[3] = {bias[0], bias[1], bias[2]};
    int32_t c1[3] = {bias[0], bias[1], bias[2]};
    Rows2(a0, a1, w, full, c0, c1);
    if (tail != 0) {
      Tail(a0, w, tail_lanes, c0);
      Tail(a1, w, tail_lanes, c1);
    }
    output.Row(Lanes(c0[0], c0[1], c0[2]), row_offset, i, c, ldc);
    output.Row(Lanes(c1[0], c1[1], c1[2]), row_offset, i + 1, c, ldc);
  }
  if (i < mr) {  // one row
    const int8_t* a0 = static_cast<const int8_t*>(a) + i * a_stride;
    const int8_t* w = w0;
    int32_t c0[3] = {bias[0], bias[1], bias[2]};
    Rows1(a0, w, full, c0);
    if (tail != 0) Tail(a0, w, tail_lanes, c0);
    output.Row(Lanes(c0[0], c0[1], c0[2]), row_offset, i, c, ldc);
  }
}

template <Mode kMode>
void Run(size_t mr, size_t n, size_t k, const void* a, size_t a_stride,
         const int32_t* row_offset, const uint8_t* packed,
         const GemmOutput& out, void* c, size_t ldc) {
  const size_t block_bytes = GemmLayout{kNr, kKr}.BlockBytes(k);
  const size_t c_elem = kMode == Mode::kRaw ? 4 : 1;
  for (size_t n0 = 0; n0 < n; n0 += kNr, packed += block_bytes) {
    Block<kMode>(mr, n - n0 < kNr ? n - n0 : kNr, k, a, a_stride, row_offset,
                 packed, out, n0, static_cast<uint8_t*>(c) + n0 * c_elem,
                 ldc);
  }
}

void Ukernel(size_t mr, size_t n, size_t k, const void* a, size_t a_stride,
             const int32_t* row_offset, const uint8_t* packed,
             const GemmOutput& out, void* c, size_t ldc) {
  if (out.requant == LOWBIT_REQUANT_FIXEDPOINT) {
    Run<Mode::kFixedpoint>(mr, n, k, a, a_stride, row_offset, packed, out, c,
                           ldc);
  } else if (out.requant == kRawInt32) {
    Run<Mode::kRaw>(mr, n, k, a, a_stride, row_offset, packed, out, c, ldc);
  } else {
    Run<Mode::kPerElement>(mr, n, k, a, a_stride, row_offset, packed, out, c,
                           ldc);
  }
}

}  // namespace

const McuGemmKernel kQ8Gemm2x3c16Mve = {
    "lowbit_q8_gemm_ukernel_2x3c16__mve", "mve", kMr,
    GemmLayout{kNr, kKr, ActFormat::kInt8}, Ukernel, bare::PrepareInt8,
    /*in_place=*/true};

}  // namespace lowbit

#endif  // __ARM_FEATURE_MVE
