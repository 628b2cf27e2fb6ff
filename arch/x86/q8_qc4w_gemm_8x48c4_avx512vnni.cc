// lowbit_q8_qc4w_gemm_ukernel_8x48c4__avx512vnni and 8x32c4: the 8-bit
// kernels of q8_gemm_8x48c4_avx512vnni.cc on int4 weights (the layout of
// nibble span 64, layout.h), unpacked in registers by the same loop
// (gemm_c4_avx512vnni-inl.h): plain, in-place and indirect rows. Tasks of
// several row tiles expand their weights to the 8-bit layout once per task
// or run of taps and run the 8-bit siblings' loops (GemmKernel::expanded).
#include "arch/kernels.h"
#include "arch/x86/gemm_c4_avx512vnni-inl.h"

namespace lowbit {

namespace target = HWY_NAMESPACE;
// Constant-initialised (arch/kernels.h): listing them runs no code.
constexpr GemmKernel kQ8Qc4wGemm8x32c4Avx512Vnni = {
    "lowbit_q8_qc4w_gemm_ukernel_8x32c4__avx512vnni",
    "avx512vnni",
    "avx512vnni",
    Isa::kAvx512Vnni,
    0,
    target::kMR,
    GemmLayout{target::Tile<2>::kNR, target::kKR, ActFormat::kUint8,
               target::Tile<2, false, true>::kNibbleSpan},
    &TileUkernel<target::Tile<2, false, true>, target::kMR, 2, 16, uint8_t>,
    &target::PrepareActivations8<ActFormat::kUint8>,
    &target::RequantizeWithFp32Narrow<target::Avx512Narrow>,
    &target::Tile<2, false, true>::ExpandInt4,
    target::Tile<2>::kGroupBytes,
    &kQ8Gemm8x32c4Avx512Vnni,
    nullptr,
    &TileUkernel<target::Tile<2, true, true>, target::kMR, 2, 16, uint8_t>,
    &TileIndirectUkernel<target::Tile<2, false, true>,
                         target::kNarrowIndirectMR, 2, 16>,
    &TileIndirectUkernel<target::Tile<2, true, true>,
                         target::kNarrowIndirectMR, 2, 16>,
    target::kNarrowIndirectMR,
    nullptr,
    target::kInt4ExpandMinTiles,
    &TileDqUkernel<target::Tile<2, false, true>, target::kDqMR, 2, 16>,
    &target::Tile<2, false, true>::DqBlockSums,
    &target::Tile<2, false, true>::DqGemv};
constexpr GemmKernel kQ8Qc4wGemm8x48c4Avx512Vnni = {
    "lowbit_q8_qc4w_gemm_ukernel_8x48c4__avx512vnni",
    "avx512vnni",
    "avx512vnni",
    Isa::kAvx512Vnni,
    0,
    target::kMR,
    GemmLayout{target::Tile<3>::kNR, target::kKR, ActFormat::kUint8,
               target::Tile<3, false, true>::kNibbleSpan},
    &TileUkernel<target::Tile<3, false, true>, target::kMR, 3, 16, uint8_t>,
    &target::PrepareActivations8<ActFormat::kUint8>,
    &target::RequantizeWithFp32Narrow<target::Avx512Narrow>,
    &target::Tile<3, false, true>::ExpandInt4,
    target::Tile<3>::kGroupBytes,
    &kQ8Gemm8x48c4Avx512Vnni,
    &kQ8Qc4wGemm8x32c4Avx512Vnni,
    &TileUkernel<target::Tile<3, true, true>, target::kMR, 3, 16, uint8_t>,
    &TileIndirectUkernel<target::Tile<3, false, true>, target::kMR, 3, 16>,
    &TileIndirectUkernel<target::Tile<3, true, true>, target::kMR, 3, 16>,
    target::kMR,
    nullptr,
    target::kInt4ExpandMinTiles,
    &TileDqUkernel<target::Tile<3, false, true>, target::kDqMR, 3, 16>,
    &target::Tile<3, false, true>::DqBlockSums,
    &target::Tile<3, false, true>::DqGemv};

}  // namespace lowbit
