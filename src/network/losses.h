// losses.h — losses over [B, C] rows, each with its exact gradient wrt the pre-activation
// logits. Forward functions return the loss SUMMED over the batch (callers divide for a mean);
// backward functions OVERWRITE dlogits with scale * d(summed loss)/d(logits), so scale = 1/B
// gives the gradient of the batch mean. Targets y are [B, C] (one-hot or soft).
#ifndef CALLA_LOSSES_H
#define CALLA_LOSSES_H

#define FOCAL_EPS 1e-9
#define FOCAL_MAX_CLASSES 64  // focal_loss_backward handles C <= 64

// Focal loss on softmax probabilities p (clair3.md §6.2): sum_c -y_c (1-p_c)^gamma log p_c with
// p_c clipped to [1e-9, 1-1e-9] (in double). Where the clip is active the gradient through p_c
// is 0 (as tf.clip_by_value). Gradient: with g_c = dL/dp_c,
//   g_c = -y_c [ (1-p_c)^gamma / p_c - gamma (1-p_c)^(gamma-1) log p_c ],
//   dL/dz_j = p_j (g_j - sum_c g_c p_c)   (softmax Jacobian).
double focal_loss_forward(const float *p, const float *y, int B, int C, double gamma);
void focal_loss_backward(float *dlogits, const float *p, const float *y, int B, int C, double gamma,
                         double scale);

// Softmax cross-entropy from logits z: sum_c -y_c log softmax(z)_c (log-sum-exp, stable).
// Gradient: dL/dz_j = p_j sum_c y_c - y_j.
double softmax_xent_forward(const float *z, const float *y, int B, int C);
void softmax_xent_backward(float *dlogits, const float *p, const float *y, int B, int C,
                           double scale);

// Sigmoid + sum of squared errors (Clairvoyante base change, clairvoyante.md §2.3):
// sum_c (s_c - y_c)^2 with s = sigmoid(z). Gradient: 2 (s_j - y_j) s_j (1 - s_j).
double sigmoid_sse_forward(const float *s, const float *y, int B, int C);
void sigmoid_sse_backward(float *dlogits, const float *s, const float *y, int B, int C,
                          double scale);

#endif
