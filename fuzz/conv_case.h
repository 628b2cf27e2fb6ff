// One fuzzed convolution case: geometry and quantization decoded from the
// fuzzer's bytes (the quantization part is a GemmSpec, built the same way),
// checked through every GEMM and depthwise kernel this CPU supports and the
// public API, against the 7-loop reference and an independent model of the
// geometry the contract accepts.
#ifndef LOWBIT_FUZZ_CONV_CASE_H_
#define LOWBIT_FUZZ_CONV_CASE_H_

#include <cstdint>
#include <vector>

#include "fuzz/gemm_case.h"

namespace lowbit {
namespace fuzz {

struct ConvSpec {
  uint8_t kh = 0, kw = 0;      // 0 is invalid
  uint8_t sh = 0, sw = 0;      // strides, 0 invalid
  uint8_t dh = 0, dw = 0;      // dilations, 0 invalid
  uint8_t pt = 0, pl = 0, pb = 0, pr = 0;
  uint8_t depthwise = 0;       // 1: Cg = 1, Ng = 1 + ng % 4, groups = C
  uint8_t groups = 0, cg = 0, ng = 0;
  uint8_t batch = 0, in_h = 0, in_w = 0;
  int8_t in_extra = 0, out_extra = 0;  // pixel strides; < 0 too small
  GemmSpec quant;  // types, zero points, scales, bias, clamp, fills, seed
};

template <class IO>
void Serialize(IO& io, ConvSpec& s) {
  io.Range(s.kh, 0, 8);
  io.Range(s.kw, 0, 8);
  io.Range(s.sh, 0, 4);
  io.Range(s.sw, 0, 4);
  io.Range(s.dh, 0, 4);
  io.Range(s.dw, 0, 4);
  io.Range(s.pt, 0, 9);
  io.Range(s.pl, 0, 9);
  io.Range(s.pb, 0, 9);
  io.Range(s.pr, 0, 9);
  io.Range(s.depthwise, 0, 1);
  io.Range(s.groups, 0, 70);
  io.Range(s.cg, 0, 24);
  io.Range(s.ng, 0, 24);
  io.Range(s.batch, 0, 3);
  io.Range(s.in_h, 0, 16);
  io.Range(s.in_w, 0, 16);
  io.Range(s.in_extra, -2, 9);
  io.Range(s.out_extra, -2, 9);
  Serialize(io, s.quant);
}

// Runs the case; aborts on any disagreement. Returns whether the
// parameters were valid (packing succeeded).
bool CheckConv(const ConvSpec& spec);
std::vector<ConvSpec> ConvSeeds();

}  // namespace fuzz
}  // namespace lowbit

#endif  // LOWBIT_FUZZ_CONV_CASE_H_
