#!/usr/bin/env bash
# bench/run.sh: motcua against its targets on this machine (bench/README.md):
#   1. the home page against nginx serving the same bytes as a static file;
#   2. the logged-in dossier lookup (/lookup with a receipt number) against nginx serving a
#      static copy of that page: at least 1.0x nginx's rate;
#   3. the catalogue search over 10,000 procedures: median server time under 5 ms;
#   4. draft saves with an attachment (what the documents step's "save" sends: a multipart
#      POST with a 200 KB PDF, not a submission), durable before the answer, each to its own
#      draft: at least 400 saves a second; beside it the disk's own fsync rate and
#      its sequential bandwidth with fsync; then every answer is checked against the database
#      and the file store.
# Usage: bench/run.sh path/to/motcua.  Exits non-zero when a target is missed (after running
# every part), a server does not start or dies, or answers anything unexpected.
#
# Environment: BENCH_SECONDS (each wrk run of parts 1-2, default 10), BENCH_THREADS and
# BENCH_CONNECTIONS (wrk -t/-c of parts 1-2, default 2 and 64), BENCH_MOTCUA_PORT /
# BENCH_NGINX_PORT (default: free ports from 18080 / 18081 up), BENCH_CATALOG_SIZE,
# BENCH_CATALOG_SECONDS, BENCH_UPLOAD_SECONDS (default 10), BENCH_UPLOAD_CONNECTIONS (default
# 32), BENCH_UPLOAD_DRAFTS (default 2000 per upload second), BENCH_UPLOAD_MATURE_STORE=1 (make
# the 65,536 fan-out folders first, as a store that has held a few hundred thousand files has
# them; default: a fresh store), BENCH_PROBE_SECONDS (the disk probe, default 10), BENCH_PARTS
# (default "home lookup catalog upload").
# Needs wrk, curl, nginx, sqlite3 and cc (Debian: wrk, curl, nginx-light, sqlite3, gcc); perf,
# when it may trace system calls, adds the fsyncs per upload.
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
PARTS=${BENCH_PARTS:-home lookup catalog upload}
for tool in wrk curl sqlite3 cc "$NGINX"; do
	command -v "$tool" >/dev/null || { echo "bench: $tool is missing" >&2; exit 1; }
done
want() { case " $PARTS " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }

# motcua refuses MOTCUA_* variables it does not know; give it only the settings we pass.
for v in $(compgen -e | grep '^MOTCUA_' || true); do unset "$v"; done

DIR=$(mktemp -d "${TMPDIR:-/tmp}/motcua-bench.XXXXXX")
MOTCUA_PID=""
NGINX_PID=""
NGINX_LOOKUP_PID=""
CATALOG_PID=""
UPLOAD_PID=""
PERF_PID=""
FAILED=()
cleanup() {
	local pid
	for pid in "$MOTCUA_PID" "$NGINX_PID" "$NGINX_LOOKUP_PID" "$CATALOG_PID" "$UPLOAD_PID" \
		"$PERF_PID"; do
		[ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null || true
	done
	for pid in "$MOTCUA_PID" "$NGINX_PID" "$NGINX_LOOKUP_PID" "$CATALOG_PID" "$UPLOAD_PID" \
		"$PERF_PID"; do
		[ -n "$pid" ] && wait "$pid" 2>/dev/null || true
	done
	rm -rf "$DIR"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Every demo account logs in with this password (a throw-away folder).
PASSWORD="Bench-Pass-$$-2026"
CITIZEN=congdan@example.vn
# Đăng ký khai tử: a form of three sections, then the documents; "Giấy báo tử" is mandatory.
PROCEDURE=1.000656
# The largest lookup limit the setting takes (LOOKUP_LIMIT_MAX): the limit stays on (one read
# of the block table per lookup, as in production) but the bench never reaches it.
LOOKUP_LIMIT=1000000

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

# Share of the CPUs idle over one second: other work on the machine lowers every figure.
cpu_idle() {
	local a b
	a=$(awk '/^cpu / {print $5 + $6, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9}' /proc/stat)
	sleep 1
	b=$(awk '/^cpu / {print $5 + $6, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9}' /proc/stat)
	awk -v a="$a" -v b="$b" 'BEGIN {split(a, x, " "); split(b, y, " ");
		printf "%.0f", 100 * (y[1] - x[1]) / (y[2] - x[2])}'
}
note_idle() {
	local idle
	idle=$(cpu_idle)
	echo "bench: before $1: CPUs ${idle}% idle, load $(cut -d' ' -f1-3 /proc/loadavg)"
	[ "$idle" -ge 90 ] ||
		echo "bench: warning: other processes use the CPUs; $1 figures will be low" >&2
}

# Log the demo citizen in on the server at $1; sets SESSION (the cookie's value) and CSRF.
login() {
	local base=$1 jar="$DIR/jar-$RANDOM" token
	token=$(curl -fsS -c "$jar" -b "$jar" "$base/login" |
		sed -n 's/.*name="csrf_token" value="\([^"]*\)".*/\1/p' | head -n 1)
	curl -fsS -o /dev/null -c "$jar" -b "$jar" --data-urlencode "email=$CITIZEN" \
		--data-urlencode "password=$PASSWORD" --data-urlencode "csrf_token=$token" \
		"$base/login"
	SESSION=$(awk '$6 == "mc_session" {print $7}' "$jar")
	[ -n "$SESSION" ] || { echo "bench: the demo citizen could not log in" >&2; return 1; }
	CSRF=$(curl -fsS -b "mc_session=$SESSION" "$base/dossiers" |
		sed -n 's/.*name="csrf_token" value="\([^"]*\)".*/\1/p' | head -n 1)
	[ -n "$CSRF" ] || { echo "bench: no CSRF token on /dossiers" >&2; return 1; }
}

# A new draft of $PROCEDURE for the logged-in citizen on server $1 (database $2): its id.
new_draft() {
	local base=$1 db=$2 offering location
	offering=$(sqlite3 "$db" "SELECT o.id FROM offerings o JOIN procedures p ON
		p.id = o.procedure_id WHERE p.code = '$PROCEDURE' AND o.online = 1 AND o.active = 1
		ORDER BY o.id LIMIT 1")
	location=$(curl -fsS -o /dev/null -w '%{redirect_url}' -b "mc_session=$SESSION" \
		--data "offering=$offering&csrf_token=$CSRF" "$base/dossiers/new")
	[[ "$location" =~ /dossiers/([0-9]+)/form$ ]] ||
		{ echo "bench: POST /dossiers/new did not make a draft ($location)" >&2; return 1; }
	echo "${BASH_REMATCH[1]}"
}

MOTCUA_PORT=${BENCH_MOTCUA_PORT:-$(free_port 18080)}
NGINX_PORT=${BENCH_NGINX_PORT:-$(free_port 18081)}
[ "$NGINX_PORT" != "$MOTCUA_PORT" ] || NGINX_PORT=$(free_port $((MOTCUA_PORT + 1)))
CPUS=$(nproc)

echo "bench: motcua $("$MOTCUA" version | awk '{print $2}'), $CPUS cpus, wrk -t$WRK_THREADS" \
	"-c$WRK_CONNECTIONS -d${SECONDS_EACH}s, folder $DIR, parts: $PARTS"

# ==== 1 and 2: home page and dossier lookup against nginx ====
if want home || want lookup; then
	"$MOTCUA" --data "$DIR/data" --password "$PASSWORD" demo >"$DIR/demo.log" 2>&1 ||
		{ echo "bench: motcua demo failed:" >&2; cat "$DIR/demo.log" >&2; exit 1; }

	"$MOTCUA" --data "$DIR/data" --listen "127.0.0.1:$MOTCUA_PORT" --threads "$CPUS" \
		--lookup-limit "$LOOKUP_LIMIT" serve \
		>"$DIR/motcua-access.log" 2>"$DIR/motcua-error.log" &
	MOTCUA_PID=$!
	BASE="http://127.0.0.1:$MOTCUA_PORT"
	wait_up "$MOTCUA_PID" "$BASE/healthz" ||
		{ echo "bench: motcua did not start:" >&2; cat "$DIR/motcua-error.log" >&2; exit 1; }
	curl -fsS --max-time 10 -o "$DIR/index.html" "$BASE/"

	# The dossier looked up: a draft of the citizen's, then in the database what reception
	# makes of it: submitted, confirmed, received by an intake officer of the desk (status
	# 'received', the receipt number, received_at) and the timeline.
	LOOKUP_URL=""
	if want lookup; then
		DB="$DIR/data/motcua.db"
		login "$BASE"
		LOOKUP_ID=$(new_draft "$BASE" "$DB")
		DESK=$(sqlite3 "$DB" "SELECT desk_agency_id FROM dossiers WHERE id = $LOOKUP_ID")
		RECEIPT="$(sqlite3 "$DB" "SELECT code FROM agencies WHERE id = $DESK")-261130-0001"
		sqlite3 "$DB" <<-SQL
			.timeout 10000
			BEGIN IMMEDIATE;
			UPDATE dossiers SET status = 'received', receipt_no = '$RECEIPT', version = version + 3,
			  submitted_at = '2026-11-30T01:00:00.000Z', confirmed_at = '2026-11-30T01:05:00.000Z',
			  received_at = '2026-11-30T02:00:00.000Z', due_at = '2026-12-04T10:00:00.000Z',
			  updated_at = '2026-11-30T02:00:00.000Z' WHERE id = $LOOKUP_ID;
			INSERT INTO dossier_events (dossier_id, at, account_id, actor_name, from_status,
			  to_status, note)
			SELECT $LOOKUP_ID, '2026-11-30T01:00:00.000Z', owner_account_id, applicant_name,
			  'draft', 'unconfirmed', 'Nộp hồ sơ trực tuyến' FROM dossiers WHERE id = $LOOKUP_ID
			UNION ALL
			SELECT $LOOKUP_ID, '2026-11-30T01:05:00.000Z', owner_account_id, applicant_name,
			  'unconfirmed', 'pending', 'Xác thực hồ sơ qua thư điện tử'
			  FROM dossiers WHERE id = $LOOKUP_ID;
			INSERT INTO dossier_events (dossier_id, at, account_id, actor_name, from_status,
			  to_status, note)
			SELECT $LOOKUP_ID, '2026-11-30T02:00:00.000Z', a.id, a.full_name, 'pending',
			  'received', '' FROM staff s JOIN accounts a ON a.id = s.account_id
			  WHERE s.role = 'intake' AND s.agency_id = $DESK ORDER BY a.id LIMIT 1;
			COMMIT;
		SQL
		[ "$(sqlite3 "$DB" "SELECT COUNT(*) FROM dossier_events
			WHERE dossier_id = $LOOKUP_ID AND to_status = 'received'")" = 1 ] ||
			{ echo "bench: no intake officer at desk $DESK to receive the dossier" >&2; exit 1; }
		LOOKUP_URL="/lookup?agency=$DESK&procedure=$PROCEDURE&receipt=$RECEIPT"
		code=$(curl -sS --max-time 10 -o "$DIR/lookup.html" -w '%{http_code}' \
			-b "mc_session=$SESSION" "$BASE$LOOKUP_URL")
		[ "$code" = 200 ] && grep -q "$RECEIPT" "$DIR/lookup.html" ||
			{ echo "bench: $LOOKUP_URL answered $code without the dossier" >&2; exit 1; }
	fi

	# nginx from bench/nginx.conf.in, serving <root>/index.html on port $2 with its pid file,
	# logs and temporary files in folder $1.  Sets STARTED_PID.
	start_nginx() {
		local root=$1 port=$2 user_line=""
		[ "$(id -u)" = 0 ] && user_line="user root;"
		mkdir -p "$root/nginx-tmp"
		sed -e "s|@DIR@|$root|g" -e "s|@PORT@|$port|g" -e "s|@USER_LINE@|$user_line|" \
			"$HERE/nginx.conf.in" >"$root/nginx.conf"
		"$NGINX" -p "$root" -e "$root/nginx-error.log" -c "$root/nginx.conf" \
			>"$root/nginx-stdout.log" 2>&1 &
		STARTED_PID=$!
		wait_up "$STARTED_PID" "http://127.0.0.1:$port/index.html" ||
			{ echo "bench: nginx did not start:" >&2; tail -n 3 "$root/nginx-error.log" >&2;
			  return 1; }
		cmp -s "$root/index.html" <(curl -fsS --max-time 10 "http://127.0.0.1:$port/index.html") ||
			{ echo "bench: nginx does not serve the same page" >&2; return 1; }
	}
	start_nginx "$DIR" "$NGINX_PORT"
	NGINX_PID=$STARTED_PID
	if want lookup; then
		# motcua renders the same bytes every time.
		cmp -s "$DIR/lookup.html" <(curl -fsS --max-time 10 -b "mc_session=$SESSION" \
			"$BASE$LOOKUP_URL") ||
			{ echo "bench: the lookup page is not the same on every request" >&2; exit 1; }
		# A second nginx, same configuration, serves the lookup page as its index.html.
		mkdir -p "$DIR/lookup"
		cp "$DIR/lookup.html" "$DIR/lookup/index.html"
		NGINX_LOOKUP_PORT=$(free_port $((NGINX_PORT + 4)))
		start_nginx "$DIR/lookup" "$NGINX_LOOKUP_PORT"
		NGINX_LOOKUP_PID=$STARTED_PID
	fi

	# One wrk run; prints Requests/sec.  Fails on socket errors or non-2xx answers; with a
	# script (bench/lookup.lua), on any answer but 200.
	run_wrk() {
		local name=$1 url=$2 out rps
		shift 2
		out=$(wrk -t"$WRK_THREADS" -c"$WRK_CONNECTIONS" -d"${SECONDS_EACH}s" "$url" "$@")
		echo "$out" >"$DIR/wrk-$name-$RANDOM.txt"
		if grep -q "Non-2xx" <<<"$out" ||
			awk '$1 == "status_other" && $2 != 0 {bad = 1} END {exit !bad}' <<<"$out"; then
			echo "bench: $name answered errors:" >&2
			echo "$out" >&2
			return 1
		fi
		rps=$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")
		[ -n "$rps" ] || { echo "bench: no Requests/sec from wrk for $name:" >&2; echo "$out" >&2;
			return 1; }
		echo "$rps"
	}
	avg() { printf '%s\n' "$@" | awk '{s += $1} END {printf "%.2f", s / NR}'; }
	ratio() { awk -v m="$1" -v n="$2" 'BEGIN {printf "%.2f", m / n}'; }

	note_idle "the home page and lookup runs"
	declare -a NGINX_RPS=() MOTCUA_RPS=() NGINX_LOOKUP_RPS=() MOTCUA_LOOKUP_RPS=()
	declare -a NGINX_FRESH_RPS=() MOTCUA_FRESH_RPS=()
	COOKIE_ARGS=(-H "Cookie: mc_session=${SESSION:-none}")
	for round in 1 2; do
		if want home; then
			r=$(run_wrk nginx "http://127.0.0.1:$NGINX_PORT/index.html")
			NGINX_RPS+=("$r")
			printf 'round %d  nginx  /index.html  %12.2f req/s\n' "$round" "$r"
			r=$(run_wrk motcua "$BASE/")
			MOTCUA_RPS+=("$r")
			printf 'round %d  motcua /            %12.2f req/s\n' "$round" "$r"
		fi
		if want lookup; then
			# Both get the session cookie and answer through the same script.
			r=$(run_wrk nginx-lookup "http://127.0.0.1:$NGINX_LOOKUP_PORT/index.html" \
				"${COOKIE_ARGS[@]}" -s "$HERE/lookup.lua")
			NGINX_LOOKUP_RPS+=("$r")
			printf 'round %d  nginx  lookup copy  %12.2f req/s\n' "$round" "$r"
			r=$(run_wrk motcua-lookup "$BASE$LOOKUP_URL" "${COOKIE_ARGS[@]}" \
				-s "$HERE/lookup.lua")
			MOTCUA_LOOKUP_RPS+=("$r")
			printf 'round %d  motcua /lookup?...  %12.2f req/s\n' "$round" "$r"
			# Every URL new: no kept page, each one read and rendered.
			r=$(run_wrk nginx-lookup-fresh "http://127.0.0.1:$NGINX_LOOKUP_PORT/index.html" \
				"${COOKIE_ARGS[@]}" -s "$HERE/lookup.lua" -- fresh)
			NGINX_FRESH_RPS+=("$r")
			printf 'round %d  nginx  lookup copy, new URL each  %12.2f req/s\n' "$round" "$r"
			r=$(run_wrk motcua-lookup-fresh "$BASE$LOOKUP_URL" "${COOKIE_ARGS[@]}" \
				-s "$HERE/lookup.lua" -- fresh)
			MOTCUA_FRESH_RPS+=("$r")
			printf 'round %d  motcua /lookup?..., new URL each  %12.2f req/s\n' "$round" "$r"
		fi
	done

	kill -0 "$MOTCUA_PID" 2>/dev/null || { echo "bench: motcua died during the run" >&2; exit 1; }
	for pid in "$NGINX_PID" $NGINX_LOOKUP_PID; do
		kill -0 "$pid" 2>/dev/null || { echo "bench: nginx died during the run" >&2; exit 1; }
	done

	if want home; then
		NGINX_AVG=$(avg "${NGINX_RPS[@]}")
		MOTCUA_AVG=$(avg "${MOTCUA_RPS[@]}")
		echo "average  nginx  $NGINX_AVG req/s"
		echo "average  motcua $MOTCUA_AVG req/s"
		echo "ratio motcua/nginx: $(ratio "$MOTCUA_AVG" "$NGINX_AVG")"
	fi
	if want lookup; then
		NGINX_LOOKUP_AVG=$(avg "${NGINX_LOOKUP_RPS[@]}")
		MOTCUA_LOOKUP_AVG=$(avg "${MOTCUA_LOOKUP_RPS[@]}")
		LOOKUP_RATIO=$(ratio "$MOTCUA_LOOKUP_AVG" "$NGINX_LOOKUP_AVG")
		echo "lookup average  nginx  $NGINX_LOOKUP_AVG req/s (static copy, $(wc -c <"$DIR/lookup.html") bytes)"
		echo "lookup average  motcua $MOTCUA_LOOKUP_AVG req/s (session, database check, kept page)"
		echo "lookup ratio motcua/nginx: $LOOKUP_RATIO (target 1.00)"
		awk -v r="$LOOKUP_RATIO" 'BEGIN {exit !(r >= 1.0)}' ||
			FAILED+=("lookup: $LOOKUP_RATIO x nginx, under 1.0")
		NGINX_FRESH_AVG=$(avg "${NGINX_FRESH_RPS[@]}")
		MOTCUA_FRESH_AVG=$(avg "${MOTCUA_FRESH_RPS[@]}")
		echo "lookup, new URL each: nginx $NGINX_FRESH_AVG req/s, motcua $MOTCUA_FRESH_AVG req/s" \
			"(every page read and rendered), ratio $(ratio "$MOTCUA_FRESH_AVG" "$NGINX_FRESH_AVG")"
	fi
	echo "access log: motcua $(wc -l <"$DIR/motcua-access.log") lines," \
		"nginx $(cat "$DIR/nginx-access.log" "$DIR"/lookup/nginx-access.log 2>/dev/null |
		wc -l) lines"

	kill -TERM "$MOTCUA_PID" "$NGINX_PID" $NGINX_LOOKUP_PID 2>/dev/null || true
	wait "$MOTCUA_PID" "$NGINX_PID" $NGINX_LOOKUP_PID 2>/dev/null || true
	MOTCUA_PID=""
	NGINX_PID=""
	NGINX_LOOKUP_PID=""
fi

# ==== 3: catalogue search over 10,000 procedures: median server time per query ====
# The server's own time per request comes from its access log ("us"), so wrk's share of the CPU
# does not count; each query runs alone for CATALOG_SECONDS with two connections.
if want catalog; then
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
		{ echo "bench: motcua (catalogue) did not start:" >&2; cat "$DIR/catalog-error.log" >&2;
		  exit 1; }

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
	[ "$MEDIAN" -lt "$CATALOG_LIMIT_US" ] || FAILED+=("catalogue search: median over its limit")
	kill -TERM "$CATALOG_PID" 2>/dev/null || true
	wait "$CATALOG_PID" 2>/dev/null || true
	CATALOG_PID=""
	rm -rf "$DIR/catalog"
fi

# ==== 4: draft saves with a 200 KB attachment, durable before the answer ====
if want upload; then
	UPLOAD_SECONDS=${BENCH_UPLOAD_SECONDS:-10}
	UPLOAD_CONNECTIONS=${BENCH_UPLOAD_CONNECTIONS:-32}
	UPLOAD_DRAFTS=${BENCH_UPLOAD_DRAFTS:-$((2000 * UPLOAD_SECONDS))}
	PROBE_SECONDS=${BENCH_PROBE_SECONDS:-10}
	UPLOAD_TARGET=400
	PDF_SIZE=200000
	UP="$DIR/upload"
	UDB="$UP/motcua.db"

	cc -O2 -std=c11 -Wall -Wextra -pthread -o "$DIR/disk_probe" "$HERE/disk_probe.c"
	"$MOTCUA" --data "$UP" --password "$PASSWORD" demo >"$DIR/upload-demo.log" 2>&1 ||
		{ echo "bench: motcua demo failed:" >&2; cat "$DIR/upload-demo.log" >&2; exit 1; }
	UPLOAD_PORT=$(free_port 18092)
	UBASE="http://127.0.0.1:$UPLOAD_PORT"
	"$MOTCUA" --data "$UP" --listen "127.0.0.1:$UPLOAD_PORT" --threads "$CPUS" serve \
		>"$DIR/upload-access.log" 2>"$DIR/upload-error.log" &
	UPLOAD_PID=$!
	wait_up "$UPLOAD_PID" "$UBASE/healthz" ||
		{ echo "bench: motcua (upload) did not start:" >&2; cat "$DIR/upload-error.log" >&2; exit 1; }
	login "$UBASE"

	# One draft made by the page; the others are copies of it made in SQL (its row and its
	# creation event), so that preparing tens of thousands of drafts takes a second, not one
	# write transaction each.  Copies keep the template's id order: ids above it are theirs.
	TEMPLATE=$(new_draft "$UBASE" "$UDB")
	DOC=$(sqlite3 "$UDB" "SELECT d.id FROM procedure_documents d JOIN procedures p ON
		p.id = d.procedure_id WHERE p.code = '$PROCEDURE' AND d.requirement = 'mandatory'
		ORDER BY d.position LIMIT 1")
	STEPS=$(curl -fsS -b "mc_session=$SESSION" "$UBASE/dossiers/$TEMPLATE/form" |
		sed -n 's/.*Bước [0-9]*\/\([0-9]*\).*/\1/p' | head -n 1)
	curl -fsS -b "mc_session=$SESSION" "$UBASE/dossiers/$TEMPLATE/form?step=$STEPS" |
		grep -q "id=\"doc_$DOC\"" ||
		{ echo "bench: step $STEPS of the form has no doc_$DOC" >&2; exit 1; }
	COLS=$(sqlite3 "$UDB" "SELECT group_concat(name, ', ') FROM pragma_table_info('dossiers')
		WHERE name <> 'id'")
	ECOLS=$(sqlite3 "$UDB" "SELECT group_concat(name, ', ') FROM
		pragma_table_info('dossier_events') WHERE name NOT IN ('id', 'dossier_id')")
	ECOLS_E=$(sqlite3 "$UDB" "SELECT group_concat('e.' || name, ', ') FROM
		pragma_table_info('dossier_events') WHERE name NOT IN ('id', 'dossier_id')")
	sqlite3 "$UDB" <<-SQL
		.timeout 10000
		BEGIN IMMEDIATE;
		WITH RECURSIVE n(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM n WHERE k < $UPLOAD_DRAFTS)
		INSERT INTO dossiers ($COLS) SELECT $COLS FROM dossiers, n WHERE dossiers.id = $TEMPLATE;
		INSERT INTO dossier_events (dossier_id, $ECOLS)
		SELECT d.id, $ECOLS_E FROM dossiers d, dossier_events e
		WHERE d.id > $TEMPLATE AND e.dossier_id = $TEMPLATE ORDER BY d.id, e.id;
		COMMIT;
	SQL
	sqlite3 "$UDB" "SELECT id FROM dossiers WHERE id > $TEMPLATE AND status = 'draft'
		ORDER BY id" >"$DIR/drafts.txt"
	[ "$(wc -l <"$DIR/drafts.txt")" -eq "$UPLOAD_DRAFTS" ] ||
		{ echo "bench: the drafts were not copied" >&2; exit 1; }
	if [ "${BENCH_UPLOAD_MATURE_STORE:-0}" = 1 ]; then
		# A store that has held a few hundred thousand files has every fan-out folder already.
		for a in 0 1 2 3 4 5 6 7 8 9 a b c d e f; do for b in 0 1 2 3 4 5 6 7 8 9 a b c d e f; do
			mkdir -p "$UP/files/$a$b"
			(cd "$UP/files/$a$b" && mkdir -p {0,1,2,3,4,5,6,7,8,9,a,b,c,d,e,f}{0,1,2,3,4,5,6,7,8,9,a,b,c,d,e,f})
		done; done
		sync
	fi
	ROWS_BEFORE=$(sqlite3 "$UDB" "SELECT count(*) FROM dossier_files")
	FILES_BEFORE=$(find "$UP/files" -type f -not -path "$UP/files/tmp/*" | wc -l)

	# The disk first, in the data folder's file system, while nothing else writes.
	echo "upload: disk probe in $UP ($(df -P "$UP" | awk 'NR == 2 {print $1}'), ${PROBE_SECONDS}s)"
	"$DIR/disk_probe" "$UP" "$PROBE_SECONDS" "$CPUS" >"$DIR/probe.txt"
	probe() { awk -v k="$1" '$1 == k {print $2}' "$DIR/probe.txt"; }

	# System calls of the server during the run, when perf may count them.
	FSYNC_EVENTS=syscalls:sys_enter_fsync,syscalls:sys_enter_fdatasync
	if perf stat -e "$FSYNC_EVENTS" -o /dev/null true >/dev/null 2>&1; then
		perf stat -e "$FSYNC_EVENTS" -p "$UPLOAD_PID" -o "$DIR/perf.txt" &
		PERF_PID=$!
	fi
	note_idle "the upload run"
	# CPU time of the server (its threads) and of wrk, per dossier: on two cores wrk and the
	# server share the CPUs, so their sum bounds the rate.
	cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
	SERVER_TICKS=$(cpu_ticks "$UPLOAD_PID")
	TIMEFORMAT='%U %S'
	{ time wrk -t2 -c"$UPLOAD_CONNECTIONS" -d"${UPLOAD_SECONDS}s" --timeout 30s \
		-s "$HERE/submit.lua" "$UBASE" -- "mc_session=$SESSION" "$CSRF" "$DIR/drafts.txt" 2 \
		"$DOC" "$STEPS" "$PDF_SIZE" >"$DIR/wrk-upload.txt"; } 2>"$DIR/wrk-time.txt"
	SERVER_TICKS=$(($(cpu_ticks "$UPLOAD_PID") - SERVER_TICKS))
	out=$(cat "$DIR/wrk-upload.txt")
	if [ -n "$PERF_PID" ]; then
		kill -INT "$PERF_PID" 2>/dev/null || true
		wait "$PERF_PID" 2>/dev/null || true
		PERF_PID=""
	fi
	kill -0 "$UPLOAD_PID" 2>/dev/null || { echo "bench: motcua died during the upload run" >&2;
		exit 1; }
	# SIGTERM lets the server finish what it was doing; the counts are read after.
	kill -TERM "$UPLOAD_PID"
	wait "$UPLOAD_PID" || { echo "bench: motcua (upload) did not stop cleanly" >&2; exit 1; }
	UPLOAD_PID=""

	wv() { awk -v k="$1" '$1 == k {print $2}' <<<"$out"; }
	UPLOAD_RPS=$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")
	UP_OK=$(wv upload_ok)
	UP_BAD=$(wv upload_bad)
	UP_SENT=$(wv upload_sent)
	[ -n "$UPLOAD_RPS" ] && [ -n "$UP_OK" ] ||
		{ echo "bench: no figures from wrk for the upload run:" >&2; echo "$out" >&2; exit 1; }
	[ "$(wv upload_exhausted)" = 0 ] ||
		{ echo "bench: the upload run ran out of drafts: raise BENCH_UPLOAD_DRAFTS" >&2; exit 1; }
	if [ "$UP_BAD" != 0 ] || grep -q "Socket errors" <<<"$out"; then
		echo "bench: uploads answered something else than 200:" >&2
		echo "$out" >&2
		FAILED+=("upload: $UP_BAD answers other than 200")
	fi
	SERVER_OK=$(grep -c '"method":"POST","path":"/dossiers/[0-9]*/form","status":200' \
		"$DIR/upload-access.log" || true)
	SERVER_OTHER=$(grep '"method":"POST","path":"/dossiers/[0-9]*/form"' "$DIR/upload-access.log" |
		grep -vc '"status":200' || true)
	ROWS=$(($(sqlite3 "$UDB" "SELECT count(*) FROM dossier_files") - ROWS_BEFORE))
	read -r DISTINCT MULTI < <(sqlite3 -separator ' ' "$UDB" "SELECT count(DISTINCT sha256),
		(SELECT count(*) FROM (SELECT 1 FROM dossier_files GROUP BY dossier_id
		HAVING count(*) > 1)) FROM dossier_files")
	FILES=$(($(find "$UP/files" -type f -not -path "$UP/files/tmp/*" | wc -l) - FILES_BEFORE))
	# Each row's file, of the row's size; and the files no row names.
	sqlite3 -separator ' ' "$UDB" "SELECT sha256, size FROM dossier_files" | sort >"$DIR/rows.txt"
	find "$UP/files" -type f -not -path "$UP/files/tmp/*" -printf '%f %s\n' | sort >"$DIR/files.txt"
	MISSING=$(comm -23 "$DIR/rows.txt" "$DIR/files.txt" | wc -l)
	ORPHANS=$(comm -13 "$DIR/rows.txt" "$DIR/files.txt" | wc -l)
	CUT=$((UP_SENT - UP_OK - UP_BAD))

	# The server's own time per upload (access log "us": from the request to the response).
	LATENCY_LINE=$(grep '"method":"POST","path":"/dossiers/[0-9]*/form","status":200' \
		"$DIR/upload-access.log" | sed -n 's/.*"us":\([0-9]*\)}.*/\1/p' | sort -n |
		awk '{v[NR] = $1} END {if (NR == 0) exit; p = int(NR * 0.99); if (p < 1) p = 1;
			printf "server time per upload: median %.1f ms, 99th percentile %.1f ms",
			v[int((NR + 1) / 2)] / 1000, v[p] / 1000}')
	FSYNC_LINE="(perf cannot count system calls here)"
	if [ -s "$DIR/perf.txt" ]; then
		FS=$(awk '/sys_enter_fsync/ {gsub(",", "", $1); print $1}' "$DIR/perf.txt")
		FDS=$(awk '/sys_enter_fdatasync/ {gsub(",", "", $1); print $1}' "$DIR/perf.txt")
		FSYNC_LINE=$(awk -v a="$FS" -v b="$FDS" -v n="$SERVER_OK" 'BEGIN {
			printf "%.2f fsync (file store: file and folders) + %.2f fdatasync (SQLite WAL)", a / n, b / n}')
	fi
	PDF_BYTES=$(wv pdf_bytes)
	CPU_LINE=$(awk -v t="$SERVER_TICKS" -v hz="$(getconf CLK_TCK)" -v n="$UP_OK" \
		-v w="$(cat "$DIR/wrk-time.txt")" 'BEGIN {split(w, x, " ");
		printf "server %.2f ms + wrk %.2f ms of CPU", 1000 * t / hz / n, 1000 * (x[1] + x[2]) / n}')
	echo "upload: $UP_OK answers 200 in ${UPLOAD_SECONDS}s, wrk -t2 -c$UPLOAD_CONNECTIONS," \
		"PDF of $PDF_BYTES bytes, one draft each"
	echo "upload: per save: $FSYNC_LINE; $CPU_LINE"
	echo "upload: $LATENCY_LINE"
	echo "upload: check: server answered $SERVER_OK x 200 ($SERVER_OTHER other), wrk read $UP_OK" \
		"(cut at the end: $CUT); dossier_files +$ROWS rows ($DISTINCT distinct contents, $MULTI" \
		"drafts with two files); files +$FILES ($MISSING rows without their file, $ORPHANS files" \
		"without a row)"
	# What was answered 200 is in the database and the store; only uploads wrk cut off at the
	# end (their answer never read, the client gone) may leave a stored file without its row.
	if [ "$ROWS" -ne "$SERVER_OK" ] || [ "$SERVER_OK" -lt "$UP_OK" ] ||
		[ "$SERVER_OK" -gt "$UP_SENT" ] || [ "$SERVER_OTHER" -ne 0 ] || [ "$MISSING" -ne 0 ] ||
		[ "$MULTI" -ne 0 ] || [ "$DISTINCT" -ne "$((ROWS + ROWS_BEFORE))" ] ||
		[ "$FILES" -ne "$((ROWS + ORPHANS))" ] || [ "$ORPHANS" -gt "$CUT" ]; then
		FAILED+=("upload: the database and the file store do not match the answers")
		echo "bench: upload check failed" >&2
	fi
	printf '%-34s %10s\n' "draft save + 200 KB file (/s)" "$UPLOAD_RPS" \
		"disk: 4 KiB write + fdatasync (/s)" "$(probe fsync_4k_per_s)" \
		"disk: same, $CPUS threads (/s)" "$(probe "fsync_4k_per_s_$CPUS")" \
		"disk: 200 KB file put (/s)" "$(probe file_200k_per_s)" \
		"disk: 200 KB + fsync (MB/s)" "$(probe seq_200k_mb_s)" \
		"disk: 8 MiB + fsync (MB/s)" "$(probe seq_8m_mb_s)"
	awk -v r="$UPLOAD_RPS" -v t="$UPLOAD_TARGET" 'BEGIN {exit !(r >= t)}' ||
		FAILED+=("upload: $UPLOAD_RPS draft saves/s, under $UPLOAD_TARGET")
fi

if [ ${#FAILED[@]} -gt 0 ]; then
	printf 'bench: FAILED: %s\n' "${FAILED[@]}" >&2
	exit 1
fi
echo "bench: every target met"
