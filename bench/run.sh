#!/usr/bin/env bash
# bench/run.sh: requests per second of motcua's home page against nginx serving the same bytes
# as a static file.  Usage: bench/run.sh path/to/motcua
#
# Environment: BENCH_SECONDS (each wrk run, default 10), BENCH_THREADS and BENCH_CONNECTIONS
# (wrk -t/-c, default 2 and 64), BENCH_MOTCUA_PORT / BENCH_NGINX_PORT (default: free ports
# from 18080 / 18081 up).  Needs wrk, curl and nginx (Debian: wrk, curl, nginx-light).
set -euo pipefail

usage() { echo "usage: $0 path/to/motcua" >&2; exit 2; }
[ $# -eq 1 ] || usage
MOTCUA=$(realpath "$1")
[ -x "$MOTCUA" ] || { echo "bench: $1 is not an executable" >&2; exit 1; }
HERE=$(cd "$(dirname "$0")" && pwd)
NGINX=${NGINX:-/usr/sbin/nginx}
SECONDS_EACH=${BENCH_SECONDS:-10}
WRK_THREADS=${BENCH_THREADS:-2}
WRK_CONNECTIONS=${BENCH_CONNECTIONS:-64}
for tool in wrk curl "$NGINX"; do
	command -v "$tool" >/dev/null || { echo "bench: $tool is missing" >&2; exit 1; }
done

# motcua refuses MOTCUA_* variables it does not know; give it only the settings we pass.
for v in $(compgen -e | grep '^MOTCUA_' || true); do unset "$v"; done

DIR=$(mktemp -d "${TMPDIR:-/tmp}/motcua-bench.XXXXXX")
MOTCUA_PID=""
NGINX_PID=""
CATALOG_PID=""
cleanup() {
	local pid
	for pid in "$MOTCUA_PID" "$NGINX_PID" "$CATALOG_PID"; do
		[ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null || true
	done
	for pid in "$MOTCUA_PID" "$NGINX_PID" "$CATALOG_PID"; do
		[ -n "$pid" ] && wait "$pid" 2>/dev/null || true
	done
	rm -rf "$DIR"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# A port nobody listens on, from $1 up.
free_port() {
	local p=$1
	while (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; do
		p=$((p + 2))
	done
	echo "$p"
}

# Wait until URL $2 answers 200 while process $1 lives.
wait_up() {
	local pid=$1 url=$2 i
	for i in $(seq 100); do
		kill -0 "$pid" 2>/dev/null || return 1
		curl -fs --max-time 2 -o /dev/null "$url" && { kill -0 "$pid" 2>/dev/null; return; }
		sleep 0.1
	done
	return 1
}

MOTCUA_PORT=${BENCH_MOTCUA_PORT:-$(free_port 18080)}
NGINX_PORT=${BENCH_NGINX_PORT:-$(free_port 18081)}
[ "$NGINX_PORT" != "$MOTCUA_PORT" ] || NGINX_PORT=$(free_port $((MOTCUA_PORT + 1)))
CPUS=$(nproc)

echo "bench: motcua $("$MOTCUA" version | awk '{print $2}'), $CPUS cpus, wrk -t$WRK_THREADS" \
	"-c$WRK_CONNECTIONS -d${SECONDS_EACH}s, folder $DIR"

"$MOTCUA" --data "$DIR/data" demo >"$DIR/demo.log" 2>&1 ||
	{ echo "bench: motcua demo failed:" >&2; cat "$DIR/demo.log" >&2; exit 1; }

"$MOTCUA" --data "$DIR/data" --listen "127.0.0.1:$MOTCUA_PORT" --threads "$CPUS" serve \
	>"$DIR/motcua-access.log" 2>"$DIR/motcua-error.log" &
MOTCUA_PID=$!
wait_up "$MOTCUA_PID" "http://127.0.0.1:$MOTCUA_PORT/healthz" ||
	{ echo "bench: motcua did not start:" >&2; cat "$DIR/motcua-error.log" >&2; exit 1; }
curl -fsS --max-time 10 -o "$DIR/index.html" "http://127.0.0.1:$MOTCUA_PORT/"

mkdir -p "$DIR/nginx-tmp"
if [ "$(id -u)" = 0 ]; then USER_LINE="user root;"; else USER_LINE=""; fi
sed -e "s|@DIR@|$DIR|g" -e "s|@PORT@|$NGINX_PORT|g" -e "s|@USER_LINE@|$USER_LINE|" \
	"$HERE/nginx.conf.in" >"$DIR/nginx.conf"
"$NGINX" -p "$DIR" -e "$DIR/nginx-error.log" -c "$DIR/nginx.conf" \
	>"$DIR/nginx-stdout.log" 2>&1 &
NGINX_PID=$!
wait_up "$NGINX_PID" "http://127.0.0.1:$NGINX_PORT/index.html" ||
	{ echo "bench: nginx did not start:" >&2; tail -n 3 "$DIR/nginx-error.log" >&2; exit 1; }
cmp -s "$DIR/index.html" <(curl -fsS --max-time 10 "http://127.0.0.1:$NGINX_PORT/index.html") ||
	{ echo "bench: nginx does not serve the same page" >&2; exit 1; }

# One wrk run; prints Requests/sec.  Fails on socket errors or non-2xx answers.
run_wrk() {
	local name=$1 url=$2 out rps
	out=$(wrk -t"$WRK_THREADS" -c"$WRK_CONNECTIONS" -d"${SECONDS_EACH}s" "$url")
	echo "$out" >"$DIR/wrk-$name-$RANDOM.txt"
	if grep -q "Non-2xx" <<<"$out"; then
		echo "bench: $name answered errors:" >&2
		echo "$out" >&2
		return 1
	fi
	rps=$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")
	[ -n "$rps" ] || { echo "bench: no Requests/sec from wrk for $name:" >&2; echo "$out" >&2;
		return 1; }
	echo "$rps"
}

declare -a NGINX_RPS=() MOTCUA_RPS=()
for round in 1 2; do
	r=$(run_wrk nginx "http://127.0.0.1:$NGINX_PORT/index.html")
	NGINX_RPS+=("$r")
	printf 'round %d  nginx  /index.html  %12.2f req/s\n' "$round" "$r"
	r=$(run_wrk motcua "http://127.0.0.1:$MOTCUA_PORT/")
	MOTCUA_RPS+=("$r")
	printf 'round %d  motcua /            %12.2f req/s\n' "$round" "$r"
done

kill -0 "$MOTCUA_PID" 2>/dev/null || { echo "bench: motcua died during the run" >&2; exit 1; }
kill -0 "$NGINX_PID" 2>/dev/null || { echo "bench: nginx died during the run" >&2; exit 1; }

avg() { printf '%s\n' "$@" | awk '{s += $1} END {printf "%.2f", s / NR}'; }
NGINX_AVG=$(avg "${NGINX_RPS[@]}")
MOTCUA_AVG=$(avg "${MOTCUA_RPS[@]}")
echo "average  nginx  $NGINX_AVG req/s"
echo "average  motcua $MOTCUA_AVG req/s"
echo "ratio motcua/nginx: $(awk -v m="$MOTCUA_AVG" -v n="$NGINX_AVG" 'BEGIN {printf "%.2f", m / n}')"
echo "access log: motcua $(wc -l <"$DIR/motcua-access.log") lines," \
	"nginx $(wc -l <"$DIR/nginx-access.log") lines"

# ---- catalogue search over 10,000 procedures: median server time per query ----
# The server's own time per request comes from its access log ("us"), so wrk's share of the CPU
# does not count; each query runs alone for CATALOG_SECONDS with two connections.
kill -TERM "$MOTCUA_PID" "$NGINX_PID" 2>/dev/null || true
wait "$MOTCUA_PID" "$NGINX_PID" 2>/dev/null || true
MOTCUA_PID=""
NGINX_PID=""
CATALOG_N=${BENCH_CATALOG_SIZE:-10000}
CATALOG_SECONDS=${BENCH_CATALOG_SECONDS:-3}
CATALOG_LIMIT_US=5000
awk -v n="$CATALOG_N" -f "$HERE/gen_catalog.awk" >"$DIR/catalog.json"
"$MOTCUA" --data "$DIR/catalog" catalog import "$DIR/catalog.json" >"$DIR/import.log" 2>&1 ||
	{ echo "bench: catalogue import failed:" >&2; tail -n 5 "$DIR/import.log" >&2; exit 1; }
CATALOG_PORT=$(free_port 18090)
"$MOTCUA" --data "$DIR/catalog" --listen "127.0.0.1:$CATALOG_PORT" --threads "$CPUS" serve \
	>"$DIR/catalog-access.log" 2>"$DIR/catalog-error.log" &
CATALOG_PID=$!
wait_up "$CATALOG_PID" "http://127.0.0.1:$CATALOG_PORT/healthz" ||
	{ echo "bench: motcua (catalogue) did not start:" >&2; cat "$DIR/catalog-error.log" >&2; exit 1; }

median_us() { sort -n | awk '{v[NR] = $1} END {if (NR == 0) print 0; else print v[int((NR + 1) / 2)]}'; }
CATALOG_QUERIES=(
	"q=dang+ky+khai+sinh"
	"q=Gi%E1%BA%A5y+ph%C3%A9p+x%C3%A2y+d%E1%BB%B1ng"
	"q=ke%CC%82%CC%81t+ho%CC%82n"
	"q=k%E1%BA%BFt+h%C3%B4n&field=H%E1%BB%99+t%E1%BB%8Bch&level=commune&applicant=citizen"
	"mode=full&page=40"
	"q=khong+co+thu+tuc+nao+nhu+vay"
)
echo "catalogue: $CATALOG_N procedures, each query for ${CATALOG_SECONDS}s (wrk -t1 -c2)"
: >"$DIR/catalog-us.txt"
for query in "${CATALOG_QUERIES[@]}"; do
	url="http://127.0.0.1:$CATALOG_PORT/services?$query"
	curl -fsS --max-time 10 -o /dev/null "$url" ||
		{ echo "bench: $url does not answer 200" >&2; exit 1; }
	sleep 0.3 # the access log is flushed every loop turn
	before=$(wc -l <"$DIR/catalog-access.log")
	out=$(wrk -t1 -c2 -d"${CATALOG_SECONDS}s" "$url")
	grep -q "Non-2xx" <<<"$out" && { echo "bench: $url answered errors" >&2; exit 1; }
	sleep 0.3
	tail -n +"$((before + 1))" "$DIR/catalog-access.log" |
		sed -n 's/.*"path":"\/services".*"us":\([0-9]*\)}.*/\1/p' >"$DIR/catalog-one.txt"
	# Equal weight per query in the overall median: a fast query must not outvote a slow one.
	head -n 200 "$DIR/catalog-one.txt" >>"$DIR/catalog-us.txt"
	med=$(median_us <"$DIR/catalog-one.txt")
	count=$(tail -n +"$((before + 1))" "$DIR/catalog-access.log" | grep -c '"path":"/services"' || true)
	printf 'catalogue  /services?%-70s median %6.2f ms over %d requests\n' "$query" \
		"$(awk -v u="$med" 'BEGIN {print u / 1000}')" "$count"
done
MEDIAN=$(median_us <"$DIR/catalog-us.txt")
printf 'catalogue search: median server time %.2f ms over %d requests (limit %.0f ms)\n' \
	"$(awk -v u="$MEDIAN" 'BEGIN {print u / 1000}')" "$(wc -l <"$DIR/catalog-us.txt")" \
	"$(awk -v u="$CATALOG_LIMIT_US" 'BEGIN {print u / 1000}')"
if [ "$MEDIAN" -ge "$CATALOG_LIMIT_US" ]; then
	echo "bench: catalogue search is over its limit" >&2
	exit 1
fi
