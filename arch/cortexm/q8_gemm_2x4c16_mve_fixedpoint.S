// The row pairs of lowbit_q8_gemm_ukernel_2x4c16__mve's fixed-point mode
// in assembly (arch/cortexm/q8_gemm_2x4c16_mve.cc calls it): VMLADAVA needs
// an even accumulator register, so 8 accumulators take every even one,
// LR included, which C cannot ask for. Per pair of rows and 16 k: 2 row
// loads, 4 weight loads, 8 VMLADAVA (128 MACs), the loop unrolled 4 times;
// then the 8 sums form two vectors, requantized in the Helium form of
// gemmlowp's primitives (kernels/bare/requant_mve-inl.h, the same
// instructions in the same order) and stored under the channels' lane
// predicate.
//
// void lowbit_mve_q8_gemm_2x4c16_pairs(struct Args* args), Args as
// PairArgs in the .cc:
//   0 a (row 0 of the next pair), 4 a_stride, 8 pairs, 12 groups,
//   16 block (4 int32 bias, then the weights), 20 c (row 0 of the pair),
//   24 ldc, 28 lanes (VPR value), 32 zero point, 36 tail (VPR value of
//   the last partial group, 0 when K is whole groups), 48 multiplier[4],
//   64 left[4], 80 right[4], 96 qmin[4], 112 qmax[4].
#if defined(__ARM_FEATURE_MVE)
  .syntax unified
  .thumb
  .text
  .align 2
// The 8 sums of one K group of 16, rows already in q0 and q1, weights at
// r5 (advanced).
.macro sums
  vldrb.8 q2, [r5], #16
  vmladava.s8 r0, q0, q2
  vmladava.s8 r8, q1, q2
  vldrb.8 q3, [r5], #16
  vmladava.s8 r2, q0, q3
  vmladava.s8 r10, q1, q3
  vldrb.8 q2, [r5], #16
  vmladava.s8 r4, q0, q2
  vmladava.s8 r12, q1, q2
  vldrb.8 q3, [r5], #16
  vmladava.s8 r6, q0, q3
  vmladava.s8 lr, q1, q3
.endm

// One K group of 16: rows r1 and r3, weights r5.
.macro group
  vldrb.8 q0, [r1], #16
  vldrb.8 q1, [r3], #16
  sums
.endm

  .global lowbit_mve_q8_gemm_2x4c16_pairs
  .type lowbit_mve_q8_gemm_2x4c16_pairs, %function
  .thumb_func
lowbit_mve_q8_gemm_2x4c16_pairs:
  push {r4-r11, lr}
  vpush {d8-d15}
  mov r9, r0
  vldrw.u32 q4, [r9, #48]
  vldrw.u32 q5, [r9, #64]
  vldrw.u32 q6, [r9, #80]
  vldrw.u32 q7, [r9, #96]
  ldr r11, [r9, #32]
.Lpair:
  // Accumulators from the bias: row 0 r0 r2 r4 r6, row 1 r8 r10 r12 lr.
  ldr r5, [r9, #16]
  ldrd r0, r2, [r5]
  ldrd r4, r6, [r5, #8]
  ldrd r8, r10, [r5]
  ldrd r12, lr, [r5, #8]
  adds r5, #16
  ldmia r9, {r1, r7}
  add r3, r1, r7
  add r7, r3, r7
  str r7, [r9, #0]
  ldr r7, [r9, #12]
  lsrs r7, r7, #2
  beq .Lrest
.Lgroups4:
  group
  group
  group
  group
  subs r7, r7, #1
  bne .Lgroups4
.Lrest:
  ldr r7, [r9, #12]
  ands r7, r7, #3
  beq .Ltail
.Lgroups1:
  group
  subs r7, r7, #1
  bne .Lgroups1
.Ltail:
  // The last partial group: rows under the tail predicate (inactive lanes
  // read as zero), whole zero-padded weights.
  ldr r7, [r9, #36]
  cbz r7, .Lrequant
  vmsr p0, r7
  vpstt
  vldrbt.8 q0, [r1]
  vldrbt.8 q1, [r3]
  sums
.Lrequant:
  vmov q0[2], q0[0], r0, r4
  vmov q0[3], q0[1], r2, r6
  vmov q1[2], q1[0], r8, r12
  vmov q1[3], q1[1], r10, lr
  // SaturatingShiftLeft, DoublingHighMul, RoundingDivideByPot.
  vqshl.s32 q0, q0, q5
  vqshl.s32 q1, q1, q5
  vqrdmulh.s32 q0, q0, q4
  vqrdmulh.s32 q1, q1, q4
  vand q3, q0, q6
  vshr.s32 q3, q3, #31
  vqadd.s32 q0, q0, q3
  vrshl.s32 q0, q0, q6
  vand q3, q1, q6
  vshr.s32 q3, q3, #31
  vqadd.s32 q1, q1, q3
  vrshl.s32 q1, q1, q6
  // Zero point, clamp, 4 bytes per row.
  vadd.i32 q0, q0, r11
  vadd.i32 q1, q1, r11
  vmax.s32 q0, q0, q7
  vmax.s32 q1, q1, q7
  vldrw.u32 q3, [r9, #112]
  vmin.s32 q0, q0, q3
  vmin.s32 q1, q1, q3
  ldr r0, [r9, #20]
  ldr r2, [r9, #24]
  ldr r4, [r9, #28]
  vmsr p0, r4
  add r6, r0, r2
  vpstt
  vstrbt.32 q0, [r0]
  vstrbt.32 q1, [r6]
  add r6, r6, r2
  str r6, [r9, #20]
  ldr r7, [r9, #8]
  subs r7, r7, #1
  str r7, [r9, #8]
  bne .Lpair
  vpop {d8-d15}
  pop {r4-r11, pc}
  .size lowbit_mve_q8_gemm_2x4c16_pairs, .-lowbit_mve_q8_gemm_2x4c16_pairs
#endif
