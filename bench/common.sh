# Sourced by the bench scripts: the packages the PyTorch references need,
# and a helper to read the JSON lines the timed programs print.

# json KEY: the value of KEY in the JSON object on stdin. The interpreter
# starts only once the input has ended: started at once, in a pipeline
# after a timed program, its start-up takes a core from that program's
# threads for its first ~0.1 s (a 2-thread run of 200 short calls measured
# 13x slower so).
json() {
  local text
  text=$(cat)
  python3 -c "import json,sys; print(json.loads(sys.argv[1])['$1'])" "$text"
}

# Installs what is missing of Debian's PyTorch and OpenBLAS: without
# OpenBLAS, Debian's torch multiplies with the reference BLAS, ~100x
# slower, which is no floor worth the name.
need_pytorch() {
  local missing=() p
  for p in python3-torch python3-numpy libopenblas0-pthread libopenblas-dev; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if ((${#missing[@]})); then
    local SUDO=""
    [[ $(id -u) -ne 0 ]] && SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
  fi
}
