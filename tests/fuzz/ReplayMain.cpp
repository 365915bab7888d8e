//===- ReplayMain.cpp - Runs a fuzz target on files, without libFuzzer ----===//
//
// In builds without XF_FUZZ each fuzz target links this main instead of
// libFuzzer: it runs LLVMFuzzerTestOneInput on every file named (or every
// file of every directory named), so the seed corpora and the inputs
// that once crashed run in every ctest.
//
//===----------------------------------------------------------------------===//

#include <cstdint>
#include <cstdio>
#include <dirent.h>
#include <fstream>
#include <sstream>
#include <string>
#include <sys/stat.h>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
extern "C" __attribute__((weak)) int LLVMFuzzerInitialize(int *argc,
                                                          char ***argv);

namespace {
void collect(const std::string &path, std::vector<std::string> &out) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0)
    return;
  if (!S_ISDIR(st.st_mode)) {
    out.push_back(path);
    return;
  }
  if (DIR *dir = opendir(path.c_str())) {
    while (dirent *e = readdir(dir))
      if (e->d_name[0] != '.')
        collect(path + "/" + e->d_name, out);
    closedir(dir);
  }
}
} // namespace

int main(int argc, char **argv) {
  if (LLVMFuzzerInitialize)
    LLVMFuzzerInitialize(&argc, &argv);
  std::vector<std::string> files;
  for (int i = 1; i < argc; ++i)
    collect(argv[i], files);
  for (const std::string &f : files) {
    std::ifstream in(f, std::ios::binary);
    std::stringstream bytes;
    bytes << in.rdbuf();
    std::string data = bytes.str();
    LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t *>(data.data()),
                           data.size());
  }
  std::printf("%s: %zu inputs ran\n", argv[0], files.size());
  return files.empty() ? 1 : 0;
}
