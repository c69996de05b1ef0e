-- wrk's main thread always runs for the whole -d; a thread that has spent its list stops
-- sending, so the runner then derives throughput from concurrency and mean latency.
-- Replays a precomputed request list (BENCH_LIST: lines "METHOD<TAB>PATH<TAB>BODY"); thread k
-- takes every n-th line. When a thread's list is spent it stops; requests sent after that go
-- to BENCH_SPARE (a cheap GET answered 404) and are reported as `spare`, not as operations:
-- their answers, which can arrive before other connections' last listed ones, are told apart
-- by that status (BENCH_SPARE_STATUS). An operation
-- succeeds when its status is BENCH_OK_STATUS (200; 403 for the reject path) and, if
-- BENCH_OK_BODY is set, its body contains that text (privacyIDEA answers 200 to a REJECT).
local threads = {}
local counter = 0

function setup(thread)
  thread:set("tid", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

local function header_table()
  local out = {}
  local raw = os.getenv("BENCH_HEADERS") or ""
  for line in raw:gmatch("[^\n]+") do
    local k, v = line:match("^([^:]+):%s*(.*)$")
    if k then out[k] = v end
  end
  return out
end

function init(args)
  requests, sent, ok, bad, spare, bad_statuses = {}, 0, 0, 0, 0, ""
  local n = tonumber(os.getenv("BENCH_THREADS"))
  local headers = header_table()
  local i = 0
  for line in io.lines(os.getenv("BENCH_LIST")) do
    if i % n == tid then
      local method, path, body = line:match("^(%S+)\t(%S+)\t(.*)$")
      if body == "" then body = nil end
      table.insert(requests, wrk.format(method, path, headers, body))
    end
    i = i + 1
  end
  spare_req = wrk.format("GET", os.getenv("BENCH_SPARE") or "/__bench_spare__")
  if tid == 0 then
    -- wrk calls request() once in the first thread's state to inspect the script, and never
    -- sends that request: give it a spare one, so no listed request is lost.
    table.insert(requests, 1, spare_req)
    probe = 1
  else
    probe = 0
  end
  ok_status = tonumber(os.getenv("BENCH_OK_STATUS") or "200")
  spare_status = tonumber(os.getenv("BENCH_SPARE_STATUS") or "404")
  ok_body = os.getenv("BENCH_OK_BODY")
  if ok_body == "" then ok_body = nil end
end

function request()
  sent = sent + 1
  if sent > #requests then
    return spare_req
  end
  return requests[sent]
end

function response(status, headers, body)
  if status == spare_status and ok_status ~= spare_status then
    spare = spare + 1
    return
  end
  if ok + bad >= #requests - probe then
    spare = spare + 1
    wrk.thread:stop()
    return
  end
  if status == ok_status and (ok_body == nil or (body and body:find(ok_body, 1, true))) then
    ok = ok + 1
  else
    bad = bad + 1
    if not bad_statuses:find(" " .. status .. " ", 1, true) then
      bad_statuses = bad_statuses .. " " .. status .. " "
    end
  end
  if ok + bad >= #requests - probe then wrk.thread:stop() end
end

function done(summary, latency, requests)
  local tok, tbad, tspare, statuses = 0, 0, 0, ""
  for _, t in ipairs(threads) do
    tok = tok + t:get("ok")
    tbad = tbad + t:get("bad")
    tspare = tspare + t:get("spare")
    statuses = statuses .. t:get("bad_statuses")
  end
  io.write(string.format(
    'BENCH_JSON {"ok":%d,"non200":%d,"bad_statuses":"%s","spare":%d,"requests":%d,"duration_us":%d,' ..
    '"socket_errors":%d,"p50_us":%d,"p95_us":%d,"p99_us":%d,"max_us":%d,"mean_us":%d}\n',
    tok, tbad, statuses:gsub("%s+", " "), tspare, summary.requests, summary.duration,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max, latency.mean))
end
