/* A quantized block as TensorFlow Lite Micro / CMSIS-NN hold it, run on
 * lowbit: conv 3x3 (8 -> 16 channels, SAME, ReLU) -> depthwise 3x3 (16
 * channels, SAME, ReLU6-like clamp) -> fully connected (8*8*16 -> 10).
 * Every layer keeps its engine-side parameters (input/output offsets,
 * per-channel multiplier and shift, activation min/max, int32 bias) and
 * passes them to lowbit as the README's "Engines on Cortex-M" table maps
 * them. Weights and input are generated deterministically; the program
 * prints the logits and a checksum. Plain C, the same source on a PC and
 * bare metal: the bytes must be equal everywhere (scripts/test-cortex-m.sh
 * compares the bare-metal runs with the hosted one). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lowbit/lowbit.h"

enum { kH = 8, kW = 8, kC0 = 8, kC1 = 16, kClasses = 10 };

static uint32_t g_seed = 12345;
static int8_t Next(void) {
  g_seed = g_seed * 1664525u + 1013904223u;
  return (int8_t)(g_seed >> 24);
}

/* TFLite's per-layer quantization, as an engine stores it (OpData). */
typedef struct {
  int32_t input_offset;  /* -input zero point */
  int32_t output_offset; /* output zero point */
  int32_t activation_min, activation_max;
  int32_t multiplier[kC1 > kClasses ? kC1 : kClasses];
  int32_t shift[kC1 > kClasses ? kC1 : kClasses];
  int32_t bias[kC1 > kClasses ? kC1 : kClasses];
} TfliteQuant;

static void MakeQuant(TfliteQuant* q, int channels, int32_t in_zp,
                      int32_t out_zp, int32_t act_min, int32_t shift) {
  q->input_offset = -in_zp;
  q->output_offset = out_zp;
  q->activation_min = act_min;
  q->activation_max = 127;
  for (int c = 0; c < channels; ++c) {
    q->multiplier[c] = 1200000000 + 7000000 * c; /* in [2^30, 2^31) */
    q->shift[c] = shift - c % 3;
    q->bias[c] = 40 * c - 300;
  }
}

/* A conv2d (or depthwise: groups = channels) from TFLite's parameters. */
static lowbit_status PackConv(const TfliteQuant* q, const int8_t* ohwi,
                              size_t kernel, size_t groups, size_t cg,
                              size_t ng, lowbit_conv2d_t* conv) {
  lowbit_conv2d_params p;
  lowbit_conv2d_params_init(&p);
  p.kernel_height = p.kernel_width = kernel;
  /* TFLite SAME padding for stride 1. */
  lowbit_conv2d_padding(kH, kernel, 1, 1, 1, &p.padding_top,
                        &p.padding_bottom);
  lowbit_conv2d_padding(kW, kernel, 1, 1, 1, &p.padding_left,
                        &p.padding_right);
  p.groups = groups;
  p.group_input_channels = cg;
  p.group_output_channels = ng;
  p.requant = LOWBIT_REQUANT_FIXEDPOINT; /* TFLite's double rounding */
  p.weights = ohwi;
  p.bias = q->bias;
  p.input_zero_point = -q->input_offset;
  p.output_zero_point = q->output_offset;
  p.output_min = q->activation_min;
  p.output_max = q->activation_max;
  p.requant_multipliers = q->multiplier;
  p.requant_shifts = q->shift;
  p.requant_multiplier_count = groups * ng;
  return lowbit_conv2d_pack(&p, conv);
}

int main(void) {
  static int8_t input[kH * kW * kC0], a1[kH * kW * kC1], a2[kH * kW * kC1];
  static int8_t w_conv[kC1 * 3 * 3 * kC0], w_dw_tflite[3 * 3 * kC1];
  static int8_t w_dw[kC1 * 3 * 3], w_fc[kClasses * kH * kW * kC1];
  static int8_t logits[kClasses];
  static uint64_t workspace[4096]; /* 32 KiB, 8-byte aligned */
  for (size_t i = 0; i < sizeof(input); ++i) input[i] = Next();
  for (size_t i = 0; i < sizeof(w_conv); ++i) w_conv[i] = Next();
  for (size_t i = 0; i < sizeof(w_dw_tflite); ++i) w_dw_tflite[i] = Next();
  for (size_t i = 0; i < sizeof(w_fc); ++i) w_fc[i] = Next();
  /* TFLite keeps depthwise filters as [1][H][W][C]; lowbit takes OHWI,
   * [C][H][W][1]. */
  for (int c = 0; c < kC1; ++c) {
    for (int t = 0; t < 9; ++t) w_dw[c * 9 + t] = w_dw_tflite[t * kC1 + c];
  }
  TfliteQuant q_conv, q_dw, q_fc;
  MakeQuant(&q_conv, kC1, -3, -128, -128, -7);  /* ReLU: min = zero point */
  MakeQuant(&q_dw, kC1, -128, 2, 2, -6);
  MakeQuant(&q_fc, kClasses, 2, 10, -128, -11);

  lowbit_conv2d_t conv = NULL, dw = NULL;
  lowbit_gemm_t fc = NULL;
  lowbit_status s = PackConv(&q_conv, w_conv, 3, 1, kC0, kC1, &conv);
  if (s == LOWBIT_OK) s = PackConv(&q_dw, w_dw, 3, kC1, 1, 1, &dw);
  if (s == LOWBIT_OK) {
    /* Fully connected: TFLite's filter is [N][K], lowbit's W[N][K]. */
    lowbit_gemm_params p;
    lowbit_gemm_params_init(&p);
    p.n = kClasses;
    p.k = kH * kW * kC1;
    p.requant = LOWBIT_REQUANT_FIXEDPOINT;
    p.weights = w_fc;
    p.weight_stride = p.k;
    p.bias = q_fc.bias;
    p.input_zero_point = -q_fc.input_offset;
    p.output_zero_point = q_fc.output_offset;
    p.output_min = q_fc.activation_min;
    p.output_max = q_fc.activation_max;
    p.requant_multipliers = q_fc.multiplier;
    p.requant_shifts = q_fc.shift;
    p.requant_multiplier_count = kClasses;
    s = lowbit_gemm_pack(&p, &fc);
  }
  /* Runs take the caller's workspace: nothing is allocated. */
  size_t need = 0;
  if (s == LOWBIT_OK) s = lowbit_conv2d_workspace_size(conv, 1, kH, kW, &need);
  if (s == LOWBIT_OK && need > sizeof(workspace)) s = LOWBIT_ERROR_OUT_OF_MEMORY;
  if (s == LOWBIT_OK) {
    s = lowbit_conv2d_run_workspace(conv, 1, kH, kW, input, kC0, a1, kC1,
                                    workspace, sizeof(workspace));
  }
  if (s == LOWBIT_OK) {
    s = lowbit_conv2d_run_workspace(dw, 1, kH, kW, a1, kC1, a2, kC1,
                                    workspace, sizeof(workspace));
  }
  if (s == LOWBIT_OK) {
    s = lowbit_gemm_run_workspace(fc, 1, a2, kH * kW * kC1, logits, kClasses,
                                  workspace, sizeof(workspace));
  }
  if (s != LOWBIT_OK) {
    printf("failed: %s (%s)\n", lowbit_status_string(s), lowbit_last_error());
    return 1;
  }
  uint32_t checksum = 2166136261u; /* FNV-1a over every activation */
  const int8_t* tensors[3] = {a1, a2, logits};
  const size_t sizes[3] = {sizeof(a1), sizeof(a2), sizeof(logits)};
  for (int t = 0; t < 3; ++t) {
    for (size_t i = 0; i < sizes[t]; ++i) {
      checksum = (checksum ^ (uint8_t)tensors[t][i]) * 16777619u;
    }
  }
  printf("logits:");
  for (int i = 0; i < kClasses; ++i) printf(" %d", logits[i]);
  printf("\nchecksum: %08lx\n", (unsigned long)checksum);
  lowbit_conv2d_destroy(conv);
  lowbit_conv2d_destroy(dw);
  lowbit_gemm_destroy(fc);
  return 0;
}
