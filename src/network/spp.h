// spp.h — spatial pyramid max pooling (clair3.md §5.2), channels-last. x [N, H, W, C] ->
// out [N, SPP_CELLS * C]: for each level n in (3, 2, 1) an n x n grid of bins with
// window = stride = kh = ceil(H / n) (kw = ceil(W / n)), placed as TensorFlow's "SAME" pooling
// places them: the grid spans n * kh rows, pad = n * kh - H, floor(pad / 2) of them before
// row 0 and the rest after (columns likewise). A bin's value is the maximum over its cells
// inside the input (padding cells are ignored; a bin with no cell inside the input is 0). After
// a ReLU, as in the model, this equals TensorFlow's zero-padded max. Levels are flattened in
// (bin row, bin column, channel) order (HWC) and concatenated 3x3, 2x2, 1x1.
// Always n x n bins per level, so the output size depends only on C; where TensorFlow's SAME
// pooling yields n bins (ceil(H / kh) == n: every height but 1, 2 and 4, so the 55- and
// 89-row inputs' 7 and 12, and the width 5) the bins are Clair3's.
// argmax [N, SPP_CELLS * C]: flat index into x of each bin's first maximum, -1 for an empty bin.
// Backward overwrites dx.
#ifndef CALLA_SPP_H
#define CALLA_SPP_H

#define SPP_CELLS 14  // 9 + 4 + 1

void spp_forward(float *out, int *argmax, const float *x, int N, int H, int W, int C);
void spp_backward(float *dx, const float *dout, const int *argmax, int N, int H, int W, int C);

#endif
