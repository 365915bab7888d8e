# Sourced by the bench scripts: helpers to read the JSON lines the timed
# programs print.

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
