// import_clair3.h — Clair3's published pileup model (a PyTorch state_dict of clair3/model.py's
// Clair3_P, saved as safetensors; docs/models.md "Importing a Clair3 model") -> calla's
// clair3-pileup parameters. The mapping (PyTorch name -> calla name):
//   LSTM{1,2}.weight_ih_l0[_reverse] [4H, C_in] -> lstm{1,2}.{fwd,bwd}.kernel           transposed
//   LSTM{1,2}.weight_hh_l0[_reverse] [4H, H]    -> lstm{1,2}.{fwd,bwd}.recurrent_kernel transposed
//   LSTM{1,2}.bias_ih_l0 + bias_hh_l0[_reverse] -> lstm{1,2}.{fwd,bwd}.bias             summed
//   L4 / L5_1 / L5_2 / Y_gt21_logits / Y_genotype_logits .weight [out, in], .bias [out]
//     -> l4 / l5_1 / l5_2 / gt21 / zygosity .kernel [in, out] (transposed), .bias
// Gate order needs no permutation: PyTorch's i, f, g, o is Keras's (and calla's) i, f, c, o.
// A leading "module." (DataParallel) is accepted. The indel-length heads (L5_3, L5_4,
// Y_indel_length_logits_1/2), which the released pileup models do not use and calla's model does
// not have, are skipped and counted; any other tensor is an error.
#ifndef CALLA_IMPORT_CLAIR3_H
#define CALLA_IMPORT_CLAIR3_H
#include "network/model.h"
#include "training/safetensors.h"

// m: a clair3-pileup Model from model_create. Returns 0 (*n_skipped = skipped indel-length-head
// tensors), or -1 after a one-line error naming the file and the tensor.
int clair3_import(const StFile *f, Model *m, int *n_skipped);

#endif
