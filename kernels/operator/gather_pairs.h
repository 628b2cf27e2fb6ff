// The gather of a first layer's patches (few input channels, a kernel row
// of one contiguous piece of at most 16 bytes) two output pixels at a time
// on AVX-512 VBMI: the kernel rows' bytes of a pair, one 16-byte load per
// row, land in one register and a single byte permute lays out both
// patches, padding included. The general fast gather (conv_op.cc) copies
// every piece on its own: it was 28% of mnv1-conv0.
#ifndef LOWBIT_KERNELS_OPERATOR_GATHER_PAIRS_H_
#define LOWBIT_KERNELS_OPERATOR_GATHER_PAIRS_H_

#include <cstddef>
#include <cstdint>

namespace lowbit {

// The permute of one pair: output byte j (patch j / pad_to, offset j %
// pad_to) is byte index[j] of the rows' register (row ky in bytes 16 ky ..
// 16 ky + 15, starting at the pair's first pixel); bytes outside `valid`
// are zero (the patch's padding up to pad_to).
struct PairGather {
  alignas(64) uint8_t index[64];
  uint64_t valid = 0;
  size_t kh = 0, pad_to = 0;
};

// Whether this CPU runs FastPairs (AVX-512 BW and VBMI).
bool PairGatherAvailable();

// The permute for patches of kh kernel rows of `piece` bytes each, pixels
// pixel_step bytes apart, padded to pad_to; false when they do not fit
// (kh > 4, a pair's row wider than 16 bytes, two patches over 64 bytes).
bool MakePairGather(size_t kh, size_t piece, size_t pixel_step,
                    size_t pad_to, PairGather* g);

// n patches from px (pixel i at px + i * pixel_step, kernel row ky
// row_step further) to dst, pad_to bytes apart, XORed with flip (the
// padding stays 0). Reads 16 bytes from the start of each row of every
// even pixel; writes exactly n * pad_to bytes.
void FastPairs(const PairGather& g, const uint8_t* px, size_t n,
               size_t pixel_step, size_t row_step, uint8_t* dst, uint8_t flip);

}  // namespace lowbit

#endif  // LOWBIT_KERNELS_OPERATOR_GATHER_PAIRS_H_
