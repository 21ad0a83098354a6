-- lookup.lua: wrk script for bench/run.sh's lookup comparison, used for motcua and nginx
-- alike so both pay for the same client work.  wrk only reports answers of 400 and above; a
-- logged-out lookup answers a redirect to /login, which must not count as a page either.
-- done() prints "status_200 N" and "status_other N".

local threads = {}

function setup(thread)
	table.insert(threads, thread)
end

-- Globals of each thread's state, read by done() through thread:get.
ok, other = 0, 0

function response(status, headers, body)
	if status == 200 then ok = ok + 1 else other = other + 1 end
end

function done(summary, latency, requests)
	local o, b = 0, 0
	for _, t in ipairs(threads) do
		o = o + t:get("ok")
		b = b + t:get("other")
	end
	io.write(string.format("status_200 %d\nstatus_other %d\n", o, b))
end
