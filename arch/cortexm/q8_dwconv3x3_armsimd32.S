// One output row of lowbit_q8_dwconv_ukernel__armsimd32's 3x3 fast path
// (channels a multiple of 4, McuDwArgs::fast), in assembly: GCC 12 spilled
// the unrolled taps' pointers and accumulators. Per tap and 4 channels: LDR of the inputs, SXTB16 (c0, c2)
// and (c1, c3), LDRD of the weight pairs (DwWeights::kPairs4), SMLABB /
// SMLATT into 4 accumulators (8 instructions, 4 MACs); a row's taps at
// [p], [p, ts] and [p, ts, lsl 1] (dilation_w 1 or any ts).
//
// void lowbit_dsp_q8_dwconv3x3_row(struct Dw3x3Args* args):
//   0, 4, 8 the 3 tap rows at the row's first pixel (advanced per pixel),
//   12 ts (bytes between taps), 16 pixel step (bytes), 20 weights,
//   24 bias, 28 groups of 4 channels, 32 pixels, 36 out (int8, the row's
//   first pixel), 40 fast ({m, h, e} per channel, zero point in h),
//   44 (qmin, qmin) and 48 (qmax, qmax) as int16 pairs, 52 the bytes from
//   one pixel's last channel to the next pixel's first.
#if defined(__ARM_FEATURE_DSP)
  .syntax unified
  .thumb
  .text
  .align 2

.macro tap rp, off
  ldr r9, \off
  sxtb16 r10, r9
  sxtb16 r11, r9, ror #8
  ldrd r12, r9, [r4], #8
  smlabb r5, r10, r12, r5
  smlatt r7, r10, r12, r7
  smlabb r6, r11, r9, r6
  smlatt r8, r11, r9, r8
.endm

.macro requant acc
  ldmia r9!, {r10, r11, r12}
  lsl \acc, \acc, #1
  smmulr \acc, \acc, r10
  add r10, \acc, r11
  sub r10, r10, \acc, lsr #31
  asr \acc, r10, r12
.endm

.macro row rp
  tap \rp, "[\rp]"
  tap \rp, "[\rp, r3]"
  tap \rp, "[\rp, r3, lsl #1]"
.endm

  .global lowbit_dsp_q8_dwconv3x3_row
  .type lowbit_dsp_q8_dwconv3x3_row, %function
  .thumb_func
lowbit_dsp_q8_dwconv3x3_row:
  push {r4-r11, lr}
  sub sp, sp, #24
  str r0, [sp, #0]
  ldr r1, [r0, #32]
  str r1, [sp, #12]          // pixels left
  ldr r1, [r0, #36]
  str r1, [sp, #8]           // out
.Lpixel:
  ldr r9, [sp, #0]
  ldrd r0, r1, [r9]
  ldr r2, [r9, #8]
  ldr r3, [r9, #12]
  ldr r4, [r9, #20]
  ldr r10, [r9, #24]
  str r10, [sp, #4]          // bias
  ldr r10, [r9, #40]
  str r10, [sp, #16]         // fast
  ldr lr, [r9, #28]
.Lgroup:
  ldr r9, [sp, #4]
  ldmia r9!, {r5-r8}
  str r9, [sp, #4]
  row r0
  row r1
  row r2
  // Requantize: per channel {m, h, e} with the zero point in h
  // (h = 2^(e-1) + zo * 2^e): q = (y + h - (y < 0)) >> e, y = SMMULR(2 acc, m).
  ldr r9, [sp, #16]
  requant r5
  requant r6
  requant r7
  requant r8
  str r9, [sp, #16]
  // Clamp two at a time: int16 pairs (q0, q2) and (q1, q3), SSUB16 + SEL
  // for the maximum with qmin and the minimum with qmax.
  ssat r5, #16, r5
  ssat r6, #16, r6
  ssat r7, #16, r7
  ssat r8, #16, r8
  pkhbt r5, r5, r7, lsl #16
  pkhbt r6, r6, r8, lsl #16
  ldr r9, [sp, #0]
  ldrd r10, r11, [r9, #44]   // (qmin, qmin), (qmax, qmax)
  ssub16 r12, r5, r10
  sel r5, r5, r10
  ssub16 r12, r6, r10
  sel r6, r6, r10
  ssub16 r12, r11, r5
  sel r5, r5, r11
  ssub16 r12, r11, r6
  sel r6, r6, r11
  // Bytes q0 q1 q2 q3: the low bytes of the halfwords, interleaved.
  uxtb16 r5, r5
  uxtb16 r6, r6
  orr r5, r5, r6, lsl #8
  ldr r9, [sp, #8]
  str r5, [r9], #4
  str r9, [sp, #8]
  adds r0, r0, #4
  adds r1, r1, #4
  adds r2, r2, #4
  subs lr, lr, #1
  bne .Lgroup
  // The next pixel: the rows advance by the pixel step, the output by its
  // pixel stride.
  ldr r9, [sp, #0]
  ldrd r0, r1, [r9]
  ldr r2, [r9, #8]
  ldr r10, [r9, #16]
  add r0, r0, r10
  add r1, r1, r10
  add r2, r2, r10
  strd r0, r1, [r9]
  str r2, [r9, #8]
  ldr r10, [r9, #52]
  ldr r11, [sp, #8]
  add r11, r11, r10
  str r11, [sp, #8]
  ldr r10, [sp, #12]
  subs r10, r10, #1
  str r10, [sp, #12]
  bne .Lpixel
  add sp, sp, #24
  pop {r4-r11, pc}
  .size lowbit_dsp_q8_dwconv3x3_row, .-lowbit_dsp_q8_dwconv3x3_row
#endif
