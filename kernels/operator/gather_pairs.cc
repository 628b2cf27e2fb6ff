#include "kernels/operator/gather_pairs.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#endif

namespace lowbit {

bool MakePairGather(size_t kh, size_t piece, size_t pixel_step,
                    size_t pad_to, PairGather* g) {
  const size_t k = kh * piece;
  if (kh == 0 || kh > 4 || piece == 0 || piece > 16 || pixel_step > 16 ||
      pixel_step + piece > 16 || pad_to < k || pad_to > 32) {
    return false;
  }
  g->valid = 0;
  for (size_t j = 0; j < 64; ++j) {
    const size_t q = j / pad_to, o = j % pad_to;
    g->index[j] = 0;
    if (q < 2 && o < k) {
      g->index[j] = static_cast<uint8_t>(16 * (o / piece) + q * pixel_step +
                                         o % piece);
      g->valid |= uint64_t{1} << j;
    }
  }
  g->kh = kh;
  g->pad_to = pad_to;
  return true;
}

#if defined(__x86_64__) && defined(__GNUC__)

bool PairGatherAvailable() {
  static const bool ok = __builtin_cpu_supports("avx512bw") &&
                         __builtin_cpu_supports("avx512vbmi");
  return ok;
}

__attribute__((target("avx512f,avx512bw,avx512vbmi"))) void FastPairs(
    const PairGather& g, const uint8_t* px, size_t n, size_t pixel_step,
    size_t row_step, uint8_t* dst, uint8_t flip) {
  const __m512i index = _mm512_load_si512(g.index);
  const __m512i mask = _mm512_set1_epi8(static_cast<char>(flip));
  const __mmask64 valid = g.valid;
  const size_t kh = g.kh, pad_to = g.pad_to;
  const __mmask64 pair =
      2 * pad_to == 64 ? ~__mmask64{0} : (__mmask64{1} << (2 * pad_to)) - 1;
  const __mmask64 one = (__mmask64{1} << pad_to) - 1;
  for (size_t i = 0; i < n; i += 2) {
    const uint8_t* row = px + i * pixel_step;
    __m512i rows = _mm512_zextsi128_si512(
        _mm_loadu_si128(reinterpret_cast<const __m128i*>(row)));
    if (kh > 1) {
      rows = _mm512_inserti32x4(
          rows, _mm_loadu_si128(reinterpret_cast<const __m128i*>(row + row_step)),
          1);
    }
    if (kh > 2) {
      rows = _mm512_inserti32x4(
          rows,
          _mm_loadu_si128(reinterpret_cast<const __m128i*>(row + 2 * row_step)),
          2);
    }
    if (kh > 3) {
      rows = _mm512_inserti32x4(
          rows,
          _mm_loadu_si128(reinterpret_cast<const __m128i*>(row + 3 * row_step)),
          3);
    }
    const __m512i patches = _mm512_maskz_permutexvar_epi8(
        valid, index, _mm512_xor_si512(rows, mask));
    _mm512_mask_storeu_epi8(dst + i * pad_to, i + 1 < n ? pair : one, patches);
  }
}

#else

bool PairGatherAvailable() { return false; }
void FastPairs(const PairGather&, const uint8_t*, size_t, size_t, size_t,
               uint8_t*, uint8_t) {}

#endif

}  // namespace lowbit
