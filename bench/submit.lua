-- submit.lua: wrk script for bench/run.sh: a draft save with an attachment (the documents
-- step's "save", action=save; not a submission), one draft per request.
--
--   wrk -s submit.lua URL -- COOKIE CSRF IDS_FILE THREADS DOCUMENT_ID STEP PDF_BYTES
--
-- Each request is what the browser sends when the citizen saves the documents step of the
-- draft's form: POST /dossiers/{id}/form, multipart/form-data with csrf_token, step=STEP,
-- action=save and one file part doc_DOCUMENT_ID holding a PDF of about PDF_BYTES bytes.  The
-- drafts come from IDS_FILE (one id a line); thread i of THREADS takes every THREADS-th id from
-- the i-th, so no two requests go to the same draft.  The PDF is valid (catalogue, page, font,
-- a grey image of random pixels as a scan would be, cross-reference table) and carries the
-- draft's id in its name, in a comment on its second line and in the page's text, so every
-- request stores different bytes and the file store's de-duplication cannot help.
--
-- done() prints, one "name value" a line: upload_ok (answers 200), upload_bad (any other
-- status), upload_sent (requests started), upload_exhausted (threads that ran out of drafts:
-- the run is then void), pdf_bytes.

local threads = {}

function setup(thread)
	table.insert(threads, thread)
	thread:set("index", #threads)
end

-- Read by done() through thread:get, so they are globals of each thread's state.
ok, bad, sent, exhausted = 0, 0, 0, 0

local ids = {}
local next_id = 1
local pieces = {}  -- the request's text around the three places of the id
local PLACE = "@@@@@@@@@@@@" -- 12 characters: the id as %012d takes exactly this room

-- A one-page PDF of about 'size' bytes whose name, second line and text hold PLACE.
local function pdf_template(size)
	-- The image is most of the file: a grey scan, one byte a pixel.
	local width = 400
	local height = math.max(1, math.floor((size - 1200) / width))
	local px = {}
	local x = 2463534242
	for i = 1, width * height do
		-- xorshift32: incompressible, so no layer can shortcut the bytes
		x = bit.bxor(x, bit.lshift(x, 13))
		x = bit.bxor(x, bit.rshift(x, 17))
		x = bit.bxor(x, bit.lshift(x, 5))
		px[i] = string.char(bit.band(x, 255))
	end
	local content = "q 400 0 0 " .. height .. " 97 200 cm /Im1 Do Q\n" ..
		"BT /F1 16 Tf 72 760 Td (Giay bao tu - ho so so " .. PLACE .. ") Tj ET\n"
	local objects = {
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> " ..
			"/XObject << /Im1 5 0 R >> >> /Contents 6 0 R >>",
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
		"<< /Type /XObject /Subtype /Image /Width " .. width .. " /Height " .. height ..
			" /ColorSpace /DeviceGray /BitsPerComponent 8 /Length " .. width * height ..
			" >>\nstream\n" .. table.concat(px) .. "\nendstream",
		"<< /Length " .. #content .. " >>\nstream\n" .. content .. "endstream",
	}
	-- The comment after the header: binary bytes mark the file as binary for old tools, and
	-- the id makes every file differ from its tenth byte on.
	local out = { "%PDF-1.4\n%\226\227\207\211 " .. PLACE .. "\n" }
	local offsets = {}
	local pos = #out[1]
	for i, body in ipairs(objects) do
		local obj = i .. " 0 obj\n" .. body .. "\nendobj\n"
		offsets[i] = pos
		table.insert(out, obj)
		pos = pos + #obj
	end
	local xref = { "xref\n0 " .. (#objects + 1) .. "\n0000000000 65535 f \n" }
	for i = 1, #objects do
		table.insert(xref, string.format("%010d 00000 n \n", offsets[i]))
	end
	table.insert(out, table.concat(xref))
	table.insert(out, "trailer\n<< /Size " .. (#objects + 1) .. " /Root 1 0 R >>\nstartxref\n" ..
		pos .. "\n%%EOF\n")
	return table.concat(out)
end

-- Split 's' at every PLACE.
local function split(s)
	local parts, from = {}, 1
	while true do
		local a, b = string.find(s, PLACE, from, true)
		if a == nil then
			table.insert(parts, string.sub(s, from))
			return parts
		end
		table.insert(parts, string.sub(s, from, a - 1))
		from = b + 1
	end
end

function init(args)
	local cookie, csrf, file = args[1], args[2], args[3]
	local nthreads, doc, step, size = tonumber(args[4]), args[5], args[6], tonumber(args[7])
	local n = 0
	for line in io.lines(file) do
		n = n + 1
		if (n - 1) % nthreads == index - 1 then
			table.insert(ids, tonumber(line))
		end
	end
	local boundary = "----motcuabench" .. index .. "x7MA4YWxkTrZu0gW"
	local function field(name, value)
		return "--" .. boundary .. "\r\nContent-Disposition: form-data; name=\"" .. name ..
			"\"\r\n\r\n" .. value .. "\r\n"
	end
	local pdf = pdf_template(size)
	pdf_bytes = #pdf
	-- The file part comes first in the body too, so two bodies differ early (LuaJIT interns
	-- strings and compares those that hash alike).
	local body = "--" .. boundary .. "\r\nContent-Disposition: form-data; name=\"doc_" .. doc ..
		"\"; filename=\"giay-bao-tu-" .. PLACE .. ".pdf\"\r\nContent-Type: application/pdf\r\n\r\n" ..
		pdf .. "\r\n" .. field("csrf_token", csrf) .. field("step", step) ..
		field("action", "save") .. "--" .. boundary .. "--\r\n"
	pieces = split(body)
	wrk.method = "POST"
	wrk.headers["Cookie"] = cookie
	wrk.headers["Content-Type"] = "multipart/form-data; boundary=" .. boundary
end

function request()
	local id = ids[next_id]
	if id == nil then
		-- Out of drafts: this thread stops and the run does not count.
		exhausted = 1
		wrk.thread:stop()
		id = ids[#ids] or 0
	else
		next_id = next_id + 1
	end
	sent = sent + 1
	local tag = string.format("%012d", id)
	local parts = { pieces[1] }
	for i = 2, #pieces do
		parts[#parts + 1] = tag
		parts[#parts + 1] = pieces[i]
	end
	return wrk.format(nil, "/dossiers/" .. id .. "/form", nil, table.concat(parts))
end

function response(status, headers, body)
	if status == 200 then ok = ok + 1 else bad = bad + 1 end
end

function done(summary, latency, requests)
	local o, b, s, e = 0, 0, 0, 0
	for _, t in ipairs(threads) do
		o = o + t:get("ok")
		b = b + t:get("bad")
		s = s + t:get("sent")
		e = e + t:get("exhausted")
	end
	io.write(string.format("upload_ok %d\nupload_bad %d\nupload_sent %d\nupload_exhausted %d\n" ..
		"pdf_bytes %d\n", o, b, s, e, threads[1]:get("pdf_bytes")))
end
