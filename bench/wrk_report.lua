-- wrk script for bench/web.py: cycles through "method<TAB>path<TAB>cookie<TAB>csrf<TAB>body" lines
-- read from the file given after "--", sends "Connection: close" and the User-Agent given after
-- the file (the one the logins used) on every request, waits the delay (ms) given third before
-- each request (the mixed run's paced writes), and prints a JSON summary at the end.
local targets = {}
local index = 0
local agent = nil
local pause = 0

function init(args)
  agent = args[2]
  pause = tonumber(args[3] or "0") or 0
  for line in io.lines(args[1]) do
    local method, path, cookie, csrf, body = line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)\t([^\t]*)\t(.*)$")
    if path and #path > 0 then
      targets[#targets + 1] = {method = method, path = path, cookie = cookie, csrf = csrf, body = body}
    end
  end
  index = math.random(#targets) - 1
end

function delay()
  return pause
end

function request()
  index = index % #targets + 1
  local t = targets[index]
  local headers = {["Connection"] = "close"}
  if agent and #agent > 0 then headers["User-Agent"] = agent end
  if t.cookie and #t.cookie > 0 then headers["Cookie"] = t.cookie end
  local body = nil
  if t.csrf and #t.csrf > 0 then
    headers["X-CSRFToken"] = t.csrf
    -- a JSON body (video heartbeats) or a form (quiz answers, a credit claim), as the browser sends each
    if t.body and t.body:sub(1, 1) == "{" then
      headers["Content-Type"] = "application/json"
    else
      headers["Content-Type"] = "application/x-www-form-urlencoded"
    end
  end
  if t.body and #t.body > 0 then body = t.body end
  return wrk.format(t.method, t.path, headers, body)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests": %d, "duration_us": %d, "bytes": %d, "connect_errors": %d, "read_errors": %d, ' ..
    '"write_errors": %d, "status_errors": %d, "timeouts": %d, "p50_us": %d, "p95_us": %d, "p99_us": %d, ' ..
    '"mean_us": %.1f, "max_us": %d}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.mean, latency.max))
end
