#!/usr/bin/env bash
# CI fuzz stage: schema-driven fuzzing of a freshly started refrain server
# (demo data, bearer tokens on) with schemathesis against openapi.yaml.
# About 2,000 requests with a fixed seed; exits non-zero on any failure.
#
#   .ci/fuzz.sh target/debug/refrain
#
# FUZZ_SEED and FUZZ_EXAMPLES override the seed and the examples per operation;
# FUZZ_REPORT_DIR, if set, receives JUnit and HAR reports.
set -euo pipefail

bin=$(realpath "${1:?usage: $0 path/to/refrain}")
spec="$(cd "$(dirname "$0")/.." && pwd)/openapi.yaml"
seed=${FUZZ_SEED:-42}
examples=${FUZZ_EXAMPLES:-220}   # fuzzing cases per operation; 220 gives ~2,000 requests
# Pinned: the generator and validator versions decide which requests a seed makes.
st_pkgs="schemathesis==4.32.5 hypothesis==6.170.17 jsonschema_rs==0.60.3"
venv=${XDG_CACHE_HOME:-$HOME/.cache}/refrain-fuzz/st-4.32.5
token=fuzz-admin-token-0123456789abcdef

work=$(mktemp -d)
server=
cleanup() {
  if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

# schemathesis in a cached virtualenv
if ! "$venv/bin/st" --version 2>/dev/null | grep -q 4.32.5; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check $st_pkgs
fi

# Server: one admin token, demo data in a fresh directory, a free loopback port.
cat > "$work/refrain.toml" <<EOF
[[tokens]]
token = "$token"
role = "admin"
EOF
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base=http://127.0.0.1:$port
NO_COLOR=1 "$bin" serve --demo --data "$work/data" --addr "127.0.0.1:$port" --config "$work/refrain.toml" \
  > "$work/server.log" 2>&1 &
server=$!

# Ready within 60 s, or fail with the server's log.
for _ in $(seq 120); do
  curl -fs -o /dev/null "$base/readyz" && break
  kill -0 "$server" 2>/dev/null || { echo "refrain exited early:" >&2; cat "$work/server.log" >&2; exit 1; }
  sleep 0.5
done
curl -fs -o /dev/null "$base/readyz" || { echo "refrain not ready after 60 s:" >&2; tail -n 50 "$work/server.log" >&2; exit 1; }

# NDJSON bodies are documented as `type: string`; schemathesis has no serializer
# for application/x-ndjson, so send the generated string as it is.
cat > "$work/hooks.py" <<'EOF'
import schemathesis
schemathesis.serializer.alias("application/x-ndjson", "text/plain")
EOF

report=()
[ -n "${FUZZ_REPORT_DIR:-}" ] && report=(--report junit,har --report-dir "$FUZZ_REPORT_DIR")

# Run from the temp dir so no stray schemathesis.toml is picked up. One worker
# and no example database make the generated data follow the seed; ids and job
# timing from the server still move the request count by about 1%.
# Exit code: 0 = no failure, 1 = failures or errors found.
status=0
(cd "$work" && SCHEMATHESIS_HOOKS="$work/hooks.py" timeout 900 "$venv/bin/st" run "$spec" \
  --url "$base" \
  --header "Authorization: Bearer $token" \
  --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
  --max-examples "$examples" --seed "$seed" --generation-database none \
  --workers 1 --continue-on-failure --request-timeout 30 \
  --output-sanitize false --no-color "${report[@]}") || status=$?

if [ "$status" -ne 0 ]; then
  echo "fuzz: schemathesis exited $status; server log errors and warnings:" >&2
  grep -aE 'ERROR|WARN|panick' "$work/server.log" | tail -n 30 >&2 || true
fi
exit "$status"
