-- replay.lua: wrk script that replays the pre-signed requests written by
-- bench/presign.py, round-robin, and prints one machine-readable line.
--
--   wrk -t1 -c64 -d10s -s bench/replay.lua http://127.0.0.1:PORT -- FILE
--
-- FILE holds records "<length>\n<raw request bytes>". Each request is sent
-- exactly as written (no per-request formatting in Lua). When the run needs
-- more requests than the file holds it starts over; `wrapped` in the result
-- line says so (for create-order runs that means repeated idempotency keys).
--
-- The last line wrk prints is
--   BENCH {"requests":..,"duration_us":..,"rps":..,"p50_ms":..,"p99_ms":..,
--          "non2xx":..,"socket_errors":..,"records":..,"sent":..,"wrapped":..}
-- with latency percentiles from wrk's own histogram.

local reqs = {}
local n = 0
sent = 0

function init(args)
   local path = args[1]
   if path == nil then
      error("replay.lua: pass the request file after --")
   end
   local f = assert(io.open(path, "rb"))
   local data = f:read("*a")
   f:close()
   local pos = 1
   local len = #data
   while pos <= len do
      local nl = string.find(data, "\n", pos, true)
      if nl == nil then break end
      local size = tonumber(string.sub(data, pos, nl - 1))
      n = n + 1
      reqs[n] = string.sub(data, nl + 1, nl + size)
      pos = nl + 1 + size
   end
   if n == 0 then
      error("replay.lua: no requests in " .. path)
   end
   records = n
end

function request()
   sent = sent + 1
   return reqs[(sent - 1) % n + 1]
end

local threads = {}

function setup(thread)
   table.insert(threads, thread)
end

function done(summary, latency, requests)
   local sent_total, records_total = 0, 0
   for _, t in ipairs(threads) do
      sent_total = sent_total + (t:get("sent") or 0)
      records_total = records_total + (t:get("records") or 0)
   end
   local e = summary.errors
   local sock = e.connect + e.read + e.write + e.timeout
   local secs = summary.duration / 1e6
   io.write(string.format(
      'BENCH {"requests":%d,"duration_us":%d,"rps":%.1f,"p50_ms":%.3f,"p90_ms":%.3f,' ..
      '"p99_ms":%.3f,"max_ms":%.3f,"non2xx":%d,"socket_errors":%d,"connect":%d,"read":%d,' ..
      '"write":%d,"timeout":%d,"records":%d,"sent":%d,"wrapped":%s}\n',
      summary.requests, summary.duration, summary.requests / secs,
      latency:percentile(50) / 1000, latency:percentile(90) / 1000,
      latency:percentile(99) / 1000, latency.max / 1000, e.status, sock,
      e.connect, e.read, e.write, e.timeout, records_total, sent_total,
      tostring(sent_total > records_total)))
end
