// lowbit_q8_gemm_ukernel_8x48c4__avx512vnni: 8 rows x 48 channels, K in
// groups of 4 (the loop: gemm_c4_avx512vnni-inl.h); and its narrow sibling
// lowbit_q8_gemm_ukernel_8x32c4__avx512vnni, the same loop on 32-channel
// blocks, for channel counts that 48 divides badly (64, 256: a 16-channel
// last block runs at a third of the broadcasts' use). Their int4 forms are
// in q8_qc4w_gemm_8x48c4_avx512vnni.cc.
#include "arch/kernels.h"
#include "arch/x86/gemm_c4_avx512vnni-inl.h"

namespace lowbit {

namespace target = HWY_NAMESPACE;
// Constant-initialised (arch/kernels.h): listing them runs no code.
constexpr GemmKernel kQ8Gemm8x32c4Avx512Vnni = {
    "lowbit_q8_gemm_ukernel_8x32c4__avx512vnni",
    "avx512vnni",
    "avx512vnni",
    Isa::kAvx512Vnni,
    0,
    target::kMR,
    GemmLayout{target::Tile<2>::kNR, target::kKR, ActFormat::kUint8},
    &TileUkernel<target::Tile<2>, target::kMR, 2, 16, uint8_t>,
    &target::PrepareActivations8<ActFormat::kUint8>,
    &target::RequantizeWithFp32Narrow<target::Avx512Narrow>,
    nullptr,
    0,
    nullptr,
    nullptr,
    &TileUkernel<target::Tile<2, true>, target::kMR, 2, 16, uint8_t>,
    &TileIndirectUkernel<target::Tile<2>, target::kNarrowIndirectMR, 2, 16>,
    &TileIndirectUkernel<target::Tile<2, true>, target::kNarrowIndirectMR, 2,
                         16>,
    target::kNarrowIndirectMR,
    &kQ8Qc4wGemm8x32c4Avx512Vnni,
    2,
    &TileDqUkernel<target::Tile<2>, target::kDqMR, 2, 16>,
    &target::Tile<2>::DqBlockSums,
    &target::Tile<2>::DqGemv};
constexpr GemmKernel kQ8Gemm8x48c4Avx512Vnni = {
    "lowbit_q8_gemm_ukernel_8x48c4__avx512vnni",
    "avx512vnni",
    "avx512vnni",
    Isa::kAvx512Vnni,
    0,
    target::kMR,
    GemmLayout{target::Tile<3>::kNR, target::kKR, ActFormat::kUint8},
    &TileUkernel<target::Tile<3>, target::kMR, 3, 16, uint8_t>,
    &target::PrepareActivations8<ActFormat::kUint8>,
    &target::RequantizeWithFp32Narrow<target::Avx512Narrow>,
    nullptr,
    0,
    nullptr,
    &kQ8Gemm8x32c4Avx512Vnni,
    &TileUkernel<target::Tile<3, true>, target::kMR, 3, 16, uint8_t>,
    &TileIndirectUkernel<target::Tile<3>, target::kMR, 3, 16>,
    &TileIndirectUkernel<target::Tile<3, true>, target::kMR, 3, 16>,
    target::kMR,
    &kQ8Qc4wGemm8x48c4Avx512Vnni,
    2,
    &TileDqUkernel<target::Tile<3>, target::kDqMR, 3, 16>,
    &target::Tile<3>::DqBlockSums,
    &target::Tile<3>::DqGemv};

}  // namespace lowbit
