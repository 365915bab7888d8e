//===- ParseIR.h - Reads an xf IR file, its first error as one line -*- C++
//-*-//
//
// xfc and xf-run take xf IR (.mlir) as well as descriptions. MLIR's parser
// reports an error as `loc("file":3:7): error: ...` on stderr; the tools
// promise one `file:3:7: error: message` line, which this reader returns.
//
//===----------------------------------------------------------------------===//

#ifndef XF_COMPILER_PARSEIR_H
#define XF_COMPILER_PARSEIR_H

#include "dialect/IR/XfDialect.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"
#include <algorithm>
#include <memory>
#include <string>

namespace mlir::xf {

/// The largest N that `%value#N` (result N of a multi-result op) may name.
/// MLIR's parser makes room for N + 1 results of a value it reads so, so a
/// ten-digit N costs gigabytes and minutes before any error.
inline constexpr uint64_t kMaxResultNumber = 1 << 16;

/// The offset in `text` of the first `#N` (the result-number suffix of a
/// value use, `%value#N`, the only place MLIR's syntax has `#` followed by
/// a digit) with N > kMaxResultNumber, or npos; comments and string
/// literals are skipped.
inline size_t findHugeResultNumber(llvm::StringRef text) {
  for (size_t i = 0, n = text.size(); i < n; ++i) {
    char c = text[i];
    if (c == '/' && i + 1 < n && text[i + 1] == '/') {
      i = text.find('\n', i);
      if (i == llvm::StringRef::npos)
        return llvm::StringRef::npos;
    } else if (c == '"') {
      for (++i; i < n && text[i] != '"'; ++i)
        if (text[i] == '\\')
          ++i;
    } else if (c == '#') {
      // Saturating, so that leading zeros or twenty digits read right.
      uint64_t number = 0;
      size_t end = i + 1;
      for (; end < n && llvm::isDigit(text[end]); ++end)
        number = std::min<uint64_t>(number * 10 + (text[end] - '0'),
                                    kMaxResultNumber + 1);
      if (number > kMaxResultNumber)
        return i;
      i = end - 1;
    }
  }
  return llvm::StringRef::npos;
}

/// The module in `buffer` (named as a file in locations), parsed in
/// `context` (whose dialects are registered) and verified with the xf ops'
/// own checks; null with `error` set to one line, as parseXfFile says.
inline OwningOpRef<ModuleOp>
parseXfBuffer(std::unique_ptr<llvm::MemoryBuffer> buffer, MLIRContext &context,
              const std::string &tool, std::string &error) {
  std::string name = buffer->getBufferIdentifier().str();
  std::string unplaced = tool + ": error: " + name + ": ";
  llvm::StringRef text = buffer->getBuffer();
  llvm::SourceMgr sources;
  sources.AddNewSourceBuffer(std::move(buffer), llvm::SMLoc());
  if (size_t at = findHugeResultNumber(text); at != llvm::StringRef::npos) {
    auto [line, column] =
        sources.getLineAndColumn(llvm::SMLoc::getFromPointer(text.data() + at));
    error = name + ":" + std::to_string(line) + ":" + std::to_string(column) +
            ": error: result number out of range (at most " +
            std::to_string(kMaxResultNumber) + ")";
    return nullptr;
  }
  std::string first;
  ScopedDiagnosticHandler handler(&context, [&](Diagnostic &d) {
    if (d.getSeverity() != DiagnosticSeverity::Error || !first.empty())
      return success();
    if (auto at = dyn_cast<FileLineColLoc>(d.getLocation()))
      first = at.getFilename().str() + ":" + std::to_string(at.getLine()) +
              ":" + std::to_string(at.getColumn()) + ": error: " + d.str();
    else
      first = unplaced + d.str();
    return success();
  });
  OwningOpRef<ModuleOp> module =
      parseSourceFile<ModuleOp>(sources, ParserConfig(&context));
  if (module && failed(verifyXfOpsInFunctions(*module)))
    module = nullptr;
  if (!module)
    error = first.empty() ? unplaced + "not valid xf IR" : first;
  return module;
}

/// The module in the xf IR file `path`, parsed in `context` (whose
/// dialects are registered); null with `error` set to one line: the file,
/// line and column of the first error, or `<tool>: error: <path>: ...`
/// where there is no position (a file that cannot be read).
inline OwningOpRef<ModuleOp> parseXfFile(const std::string &path,
                                         MLIRContext &context,
                                         const std::string &tool,
                                         std::string &error) {
  std::string unplaced = tool + ": error: " + path + ": ";
  if (!llvm::sys::fs::is_regular_file(path)) {
    error = unplaced + "cannot open: no such file";
    return nullptr;
  }
  auto buffer = llvm::MemoryBuffer::getFile(path, /*IsText=*/true);
  if (!buffer) {
    error = unplaced + "cannot open: " + buffer.getError().message();
    return nullptr;
  }
  return parseXfBuffer(std::move(*buffer), context, tool, error);
}

} // namespace mlir::xf

#endif // XF_COMPILER_PARSEIR_H
