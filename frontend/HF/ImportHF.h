//===- ImportHF.h - Hugging Face config.json to a description ---*- C++ -*-===//
//
// Turns a Hugging Face model directory (config.json, and model.safetensors
// for the names it stores) into `.xf` description text whose parameter
// names are the checkpoint's, so the checkpoint loads as stored. Families:
// GPT-2, BERT, LLaMA, Marian (docs/huggingface.md).
//
//===----------------------------------------------------------------------===//

#ifndef XF_FRONTEND_HF_IMPORTHF_H
#define XF_FRONTEND_HF_IMPORTHF_H

#include <set>
#include <string>

namespace xf::hf {

/// The description of the model in `dir`. On failure returns false with
/// one message naming the file and the field or tensor at fault.
bool importDirectory(const std::string &dir, std::string &description,
                     std::string &error);

/// The description for config.json text `config` (read from `path`, for
/// messages), given the tensor names the checkpoint stores (empty: none
/// known, the names of the config's `architectures` are assumed).
bool importConfig(const std::string &config, const std::string &path,
                  const std::set<std::string> &tensors,
                  std::string &description, std::string &error);

} // namespace xf::hf

#endif // XF_FRONTEND_HF_IMPORTHF_H
