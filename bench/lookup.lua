-- lookup.lua: wrk script for bench/run.sh's lookup comparison, used for motcua and nginx
-- alike so both pay for the same client work.  wrk only reports answers of 400 and above; a
-- logged-out lookup answers a redirect to /login, which must not count as a page either.
-- done() prints "status_200 N" and "status_other N".
--
-- With the argument "fresh" (wrk ... -s lookup.lua URL -- fresh) every request has a URL of its
-- own ("n=<count>" added to the query, a parameter both servers ignore), so motcua can never send a page
-- it kept and renders each one; nginx serves its file whatever the query.  Without it every
-- request is the same.

local threads = {}

function setup(thread)
	table.insert(threads, thread)
end

-- Globals of each thread's state, read by done() through thread:get.
ok, other = 0, 0

local fresh, count, same, prefix = false, 0, nil, nil

function init(args)
	fresh = args[1] == "fresh"
	same = wrk.format()
	prefix = wrk.path .. (wrk.path:find("?", 1, true) and "&n=" or "?n=")
end

function request()
	if not fresh then
		return same
	end
	count = count + 1
	return wrk.format(nil, prefix .. count)
end

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
