-- wrk script of `cargo xtask bench token`: every request exchanges a fresh authorization
-- code at POST /v2/o/token/ (PKCE verifier and client secret in the urlencoded body).
-- Arguments after `--`: the folder holding codes-<thread>.txt (one code a line; each wrk
-- thread reads its own file, so no code is sent twice) and body.txt (the body after the
-- code: redirect_uri, code_verifier, client_id, client_secret).
-- done() prints "bench-non200 N" and "bench-exhausted N" for the harness.

local threads = {}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  local dir = args[1]
  codes = {}
  for line in io.lines(dir .. "/codes-" .. id .. ".txt") do
    codes[#codes + 1] = line
  end
  local f = assert(io.open(dir .. "/body.txt"))
  tail = f:read("*l")
  f:close()
  next_code = 0
  non200 = 0
  exhausted = 0
  headers = { ["Content-Type"] = "application/x-www-form-urlencoded" }
end

function request()
  next_code = next_code + 1
  local code = codes[next_code]
  if code == nil then
    exhausted = exhausted + 1
    code = "exhausted"
  end
  return wrk.format("POST", "/v2/o/token/", headers,
    "grant_type=authorization_code&code=" .. code .. tail)
end

function response(status, headers, body)
  if status ~= 200 then
    non200 = non200 + 1
  end
end

function done(summary, latency, requests)
  local bad, short = 0, 0
  for _, thread in ipairs(threads) do
    bad = bad + thread:get("non200")
    short = short + thread:get("exhausted")
  end
  io.write(string.format("bench-non200 %d\nbench-exhausted %d\n", bad, short))
end
