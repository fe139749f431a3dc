-- wrk script for the MicroPay bench (bench/run.mjs starts wrk with it when wrk is installed).
--
-- Environment (set by the orchestrator):
--   BENCH_REQUESTS  prefix of the request files; thread i reads "<prefix>.<i>" (1-based), one
--                   request per line: "P<TAB>path<TAB>body" (payment) or "Q<TAB>path<TAB>body".
--   BENCH_TARGETS   "host:port,host:port": thread i sends to target ((i-1) mod n) + 1, so two
--                   server processes each get half of the threads.
--   BENCH_OUT       where done() writes the JSON summary.
--   BENCH_CYCLE     "1": start the list over when it runs out (the ceiling only).
--   BENCH_PAID      where done() writes "mchId mchOrderId" of every payment answered code 0 PAID.
--
-- Requests are formatted once in init(); request() only hands out the next one. Each line is
-- used at most once; when a thread's list runs out it repeats its last request (answered as a
-- repeat, 1023) and the summary says "exhausted", so an undersized list is never hidden.

local threads = {}
local count = 0

function setup(thread)
  count = count + 1
  thread:set("id", count)
  local targets = {}
  for t in string.gmatch(os.getenv("BENCH_TARGETS") or "", "[^,]+") do table.insert(targets, t) end
  if #targets > 0 then
    local t = targets[((count - 1) % #targets) + 1]
    local host, port = string.match(t, "^(.*):(%d+)$")
    thread.addr = wrk.lookup(host, port)[1]
  end
  table.insert(threads, thread)
end

local cycle = os.getenv("BENCH_CYCLE") == "1"
-- Globals: done() reads codes, paid and exhausted of each thread with thread:get.
local reqs = {}
local n = 0
local i = 0
exhausted = false
codes = {}
paid = {}
local seen = {}
local npaid = 0

function init(args)
  local file = assert(io.open(os.getenv("BENCH_REQUESTS") .. "." .. id, "r"))
  for line in file:lines() do
    local kind, path, body = string.match(line, "^(%a)\t([^\t]+)\t(.*)$")
    if kind ~= nil then
      n = n + 1
      reqs[n] = "POST " .. path .. " HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\nContent-Length: "
        .. #body .. "\r\n\r\n" .. body
    end
  end
  file:close()
end

function request()
  i = i + 1
  if i > n then
    if cycle then
      i = 1
    else
      exhausted = true
      i = n
    end
  end
  return reqs[i]
end

function response(status, headers, body)
  local code = string.match(body, '"code":(%-?%d+)') or "none"
  codes[code] = (codes[code] or 0) + 1
  -- queryBill answers carry the same data as micropay's (the spec's keys). A query asks about a
  -- payment of this thread answered before it, so a PAID order seen again is a query: skip it.
  if code == "0" and string.find(body, '"tradeStatus":"PAID"', 1, true) then
    local key = string.match(body, '"mchId":"([^"]*)"') .. " " .. string.match(body, '"merchantOrderId":"([^"]*)"')
    if not seen[key] then
      seen[key] = true
      npaid = npaid + 1
      paid[npaid] = key
    end
  end
end

function done(summary, latency, requests)
  local allCodes = {}
  local ex = false
  local out = assert(io.open(os.getenv("BENCH_PAID"), "w"))
  local paidTotal = 0
  for _, t in ipairs(threads) do
    for k, v in pairs(t:get("codes")) do allCodes[k] = (allCodes[k] or 0) + v end
    if t:get("exhausted") then ex = true end
    local p = t:get("paid")
    for _, line in ipairs(p) do
      out:write(line, "\n")
      paidTotal = paidTotal + 1
    end
  end
  out:close()
  local parts = {}
  for k, v in pairs(allCodes) do table.insert(parts, string.format('"%s": %d', k, v)) end
  local s = io.open(os.getenv("BENCH_OUT"), "w")
  s:write(string.format(
    '{"generator": "wrk", "elapsedS": %.3f, "requests": %d, "requestsPerS": %.1f, ' ..
    '"latencyMs": {"p50": %.3f, "p90": %.3f, "p99": %.3f, "max": %.3f}, "byCode": {%s}, ' ..
    '"socketErrors": %d, "httpErrors": %d, "timeouts": %d, "exhausted": %s, "paidAnswered": %d}\n',
    summary.duration / 1e6, summary.requests, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
    table.concat(parts, ", "),
    summary.errors.connect + summary.errors.read + summary.errors.write, summary.errors.status, summary.errors.timeout,
    tostring(ex), paidTotal))
  s:close()
end
