/* Fully connected layer, int8 in and out, per-channel weights, ReLU. */
#include <lowbit/lowbit.h>
#include <stdio.h>

int main(void) {
  enum { M = 2, N = 3, K = 4 };
  const int8_t weights[N * K] = {1, 2, 3, 4, -1, -2, -3, -4, 5, 0, -5, 1};
  const int32_t bias[N] = {10, 0, -20};
  const float weight_scales[N] = {0.02f, 0.03f, 0.01f};
  const int8_t a[M * K] = {10, 20, 30, 40, -5, 5, -5, 5};
  int8_t c[M * N];

  lowbit_gemm_params p;
  lowbit_gemm_params_init(&p);
  p.n = N;
  p.k = K;
  p.weights = weights;
  p.weight_stride = K;
  p.bias = bias;
  p.input_scale = 0.5f;
  p.weight_scales = weight_scales;
  p.weight_scale_count = N;
  p.output_scale = 0.25f;
  p.output_zero_point = -10;
  lowbit_output_range(LOWBIT_ACTIVATION_RELU, 0, 0, p.output_scale,
                      p.output_zero_point, LOWBIT_DTYPE_INT8, &p.output_min,
                      &p.output_max);

  lowbit_gemm_t gemm;
  lowbit_status s = lowbit_gemm_pack(&p, &gemm);
  if (s != LOWBIT_OK) {
    fprintf(stderr, "pack: %s: %s\n", lowbit_status_string(s),
            lowbit_last_error());
    return 1;
  }
  s = lowbit_gemm_run(gemm, M, a, K, c, N, NULL);
  lowbit_gemm_destroy(gemm);
  if (s != LOWBIT_OK) {
    fprintf(stderr, "run: %s\n", lowbit_last_error());
    return 1;
  }
  /* Row 0: acc = 310, -300, -80 -> 0.5 * {0.02, 0.03, 0.01} / 0.25 * acc
   * = 12.4, -18, -1.6 -> +zo -10 and ReLU at -10: 2, -10, -10. */
  const int8_t expected0[N] = {2, -10, -10};
  for (int n = 0; n < N; ++n) {
    if (c[n] != expected0[n]) {
      fprintf(stderr, "c[0][%d] = %d, expected %d\n", n, c[n], expected0[n]);
      return 1;
    }
  }
  printf("lowbit %s: %d %d %d / %d %d %d\n", lowbit_version_string(), c[0],
         c[1], c[2], c[3], c[4], c[5]);
  return 0;
}
