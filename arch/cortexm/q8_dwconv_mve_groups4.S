// The fixed-point mode's groups of 4 output pixels of one channel and row
// of lowbit_q8_dwconv_ukernel__mve (q8_dwconv_mve.cc calls it), for shifts
// below 0 (a right shift, no left one): per 4 pixels, 4 byte gathers of
// the taps and 4 VMLADAV, then requant_mve-inl.h's primitives in the same
// order (VQRDMULH; with a right shift the fixup is the sign; VRSHL), the
// zero point, the clamp and one scatter store. In assembly: the loop needs
// 12 general registers (4 of them even, VMLADAV's rule) and all 8 vector
// registers, more than GCC 12 finds for inline assembly.
//
// void lowbit_mve_q8_dwconv_groups4(struct Groups4Args* args), as in the
// .cc: 0 in, 4 c, 8 groups, 12 step, 16 c_step4, 20 bias, 24 multiplier,
// 28 zero point, 48 taps (16 byte offsets), 64 weights (16 int8),
// 80 qmin[4], 96 qmax[4], 112 pixel offsets[4], 128 shift[4].
// 32 shift (pairs4), 36 rows, 40 and 44 the steps from one row's in and c
// to the next's. Every row's whole groups; in and c are left at the row
// after the last.
#if defined(__ARM_FEATURE_MVE)
  .syntax unified
  .thumb
  .text
  .align 2
// The 4 sums r0, r2, r4, r6 (pixels 0-3) as one vector, plus the bias
// (r8), through VQRDMULH (r9), the sign fixup and VRSHL (its operands:
// \shift), the zero point (r10), the clamp (q4, q5), scattered to r3 + q6;
// r3 advances by r7.
.macro requant_store shift
  vmov q1[2], q1[0], r0, r4
  vmov q1[3], q1[1], r2, r6
  vadd.i32 q1, q1, r8
  vqrdmulh.s32 q1, q1, r9
  vshr.s32 q0, q1, #31
  vqadd.s32 q1, q1, q0
  vrshl.s32 \shift
  vadd.i32 q1, q1, r10
  vmax.s32 q1, q1, q4
  vmin.s32 q1, q1, q5
  vstrb.32 q1, [r3, q6]
  add r3, r3, r7
.endm

// Two pixel pairs' sums: one gather of each pair's window (offsets q2)
// from r1 (advanced by r5), the left (q3) and right (q7) weights.
.macro pair_sums
  vldrb.u8 q0, [r1, q2]
  add r1, r1, r5
  vmladav.s8 r0, q0, q3
  vmladav.s8 r2, q0, q7
  vldrb.u8 q0, [r1, q2]
  add r1, r1, r5
  vmladav.s8 r4, q0, q3
  vmladav.s8 r6, q0, q7
.endm

  .global lowbit_mve_q8_dwconv_groups4
  .type lowbit_mve_q8_dwconv_groups4, %function
  .thumb_func
lowbit_mve_q8_dwconv_groups4:
  push {r4-r11, lr}
  vpush {d8-d15}
  mov r11, r0
  ldrd r1, r3, [r11]
  ldr r12, [r11, #8]
  ldrd r5, r7, [r11, #12]
  ldrd r8, r9, [r11, #20]
  ldr r10, [r11, #28]
  vldrw.u32 q2, [r11, #48]
  vldrw.u32 q3, [r11, #64]
  vldrw.u32 q4, [r11, #80]
  vldrw.u32 q5, [r11, #96]
  vldrw.u32 q6, [r11, #112]
  vldrw.u32 q7, [r11, #128]
.Lrows4:
  ldrd r1, r3, [r11]
  ldr r12, [r11, #8]
  wls lr, r12, 2f
1:
  vldrb.u8 q0, [r1, q2]
  add r1, r1, r5
  vmladav.s8 r0, q0, q3
  vldrb.u8 q0, [r1, q2]
  add r1, r1, r5
  vmladav.s8 r2, q0, q3
  vldrb.u8 q0, [r1, q2]
  add r1, r1, r5
  vmladav.s8 r4, q0, q3
  vldrb.u8 q0, [r1, q2]
  add r1, r1, r5
  vmladav.s8 r6, q0, q3
  requant_store "q1, q1, q7"
  le lr, 1b
2:
  bl .Lnext_row
  bne .Lrows4
  vpop {d8-d15}
  pop {r4-r11, pc}

// The next row's starts (args 0 and 4 advanced by 40 and 44), one row
// fewer (36); Z set when none is left.
.Lnext_row:
  ldrd r1, r3, [r11]
  ldrd r0, r2, [r11, #40]
  add r1, r1, r0
  add r3, r3, r2
  strd r1, r3, [r11]
  ldr r0, [r11, #36]
  subs r0, r0, #1
  str r0, [r11, #36]
  bx lr
  .size lowbit_mve_q8_dwconv_groups4, .-lowbit_mve_q8_dwconv_groups4

// The same for stride 1 when a pixel pair's window (kernel_h rows of
// kernel_w + 1 taps) fits 16 lanes: one gather serves two pixels, summed
// against weights for the left (taps in columns 0..kw-1) and the right
// pixel (columns 1..kw): per 4 pixels 2 gathers and 4 VMLADAV. Args as
// above, with taps the pair window's offsets, weights the left pixel's
// and, at 144, the right pixel's (16 int8), the shift as a scalar at 32.
  .global lowbit_mve_q8_dwconv_pairs4
  .type lowbit_mve_q8_dwconv_pairs4, %function
  .thumb_func
lowbit_mve_q8_dwconv_pairs4:
  push {r4-r11, lr}
  vpush {d8-d15}
  mov r11, r0
  ldrd r1, r3, [r11]
  ldr r12, [r11, #8]
  ldrd r5, r7, [r11, #12]
  ldrd r8, r9, [r11, #20]
  ldr r10, [r11, #28]
  vldrw.u32 q2, [r11, #48]
  vldrw.u32 q3, [r11, #64]
  vldrw.u32 q7, [r11, #144]
  vldrw.u32 q4, [r11, #80]
  vldrw.u32 q5, [r11, #96]
  vldrw.u32 q6, [r11, #112]
.Lrows_pairs:
  ldrd r1, r3, [r11]
  ldr lr, [r11, #8]
  ldr r12, [r11, #32]
  wls lr, lr, 2f
1:
  pair_sums
  requant_store "q1, r12"
  le lr, 1b
2:
  bl .Lnext_row
  bne .Lrows_pairs
  vpop {d8-d15}
  pop {r4-r11, pc}
  .size lowbit_mve_q8_dwconv_pairs4, .-lowbit_mve_q8_dwconv_pairs4
#endif

// Every channel (depth multiplier 1) and row of a planar band, pixel pairs
// as in lowbit_mve_q8_dwconv_pairs4, with the channel loop in here too: a
// channel costs 13 instructions of set-up, a row 12.
//   0 plane of the channel (band), 4 plane stride, 8 channels, 12 rows,
//   16 in row step, 20 c (row 0 of the channel), 24 c row step, 28 4 pixel
//   strides, 32 groups of 4 pixels per row, 36 pair weights (32 bytes per
//   channel: left, right), 40 bias, 44 multipliers, 48 shifts (all < 0),
//   52 zero point, 56 pixel step (2), 64 taps, 80 qmin[4], 96 qmax[4],
//   112 pixel offsets[4]. Arrays and pointers advance as it goes.
#if defined(__ARM_FEATURE_MVE)
  .global lowbit_mve_q8_dwconv_pairs_channels
  .type lowbit_mve_q8_dwconv_pairs_channels, %function
  .thumb_func
lowbit_mve_q8_dwconv_pairs_channels:
  push {r4-r11, lr}
  vpush {d8-d15}
  sub sp, sp, #16
  mov r11, r0
  vldrw.u32 q2, [r11, #64]
  vldrw.u32 q4, [r11, #80]
  vldrw.u32 q5, [r11, #96]
  vldrw.u32 q6, [r11, #112]
  ldr r10, [r11, #52]
  ldr r5, [r11, #56]
  ldr r7, [r11, #28]
.Lch:
  ldr r0, [r11, #36]
  vldrw.u32 q3, [r0], #16
  vldrw.u32 q7, [r0], #16
  str r0, [r11, #36]
  ldr r0, [r11, #40]
  ldr r8, [r0], #4
  str r0, [r11, #40]
  ldr r0, [r11, #44]
  ldr r9, [r0], #4
  str r0, [r11, #44]
  ldr r0, [r11, #48]
  ldr r12, [r0], #4
  str r0, [r11, #48]
  ldr r1, [r11, #0]
  ldr r3, [r11, #20]
  ldr r0, [r11, #12]
  strd r1, r3, [sp]
  str r0, [sp, #8]
.Lrow_ch:
  ldr lr, [r11, #32]
  wls lr, lr, 2f
1:
  pair_sums
  requant_store "q1, r12"
  le lr, 1b
2:
  ldrd r1, r3, [sp]
  ldrd r0, r2, [r11, #16]
  add r1, r1, r0
  ldr r0, [r11, #24]
  add r3, r3, r0
  strd r1, r3, [sp]
  ldr r0, [sp, #8]
  subs r0, r0, #1
  str r0, [sp, #8]
  bne .Lrow_ch
  ldrd r0, r1, [r11]
  add r0, r0, r1
  str r0, [r11, #0]
  ldr r0, [r11, #20]
  adds r0, r0, #1
  str r0, [r11, #20]
  ldr r0, [r11, #8]
  subs r0, r0, #1
  str r0, [r11, #8]
  bne .Lch
  add sp, sp, #16
  vpop {d8-d15}
  pop {r4-r11, pc}
  .size lowbit_mve_q8_dwconv_pairs_channels, .-lowbit_mve_q8_dwconv_pairs_channels
#endif
