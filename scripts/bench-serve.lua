-- wrk script of scripts/bench-serve.sh: GET /v1/auth, each request with
-- another valid key of the store (BENCH_VALUES: one value a line), in a
-- scrambled order that visits every key, requests built once in init.
-- BENCH_DELAY_MS paces each connection: wrk calls delay() before each
-- request and waits that many whole milliseconds (uniform in 0..2×, so the
-- mean is BENCH_DELAY_MS); wrk itself cannot fix a rate.
local reqs, n, i = {}, 0, 0

function init(args)
  for line in io.lines(os.getenv("BENCH_VALUES")) do
    n = n + 1
    reqs[n] = wrk.format("GET", "/v1/auth", {
      ["Authorization"] = "Bearer " .. line,
      ["X-Original-Method"] = "GET",
      ["X-Original-URI"] = "/api/v1/users/7?full=1",
    })
  end
  i = math.random(0, n - 1)
end

function request()
  i = (i + 7919) % n
  return reqs[i + 1]
end

local pace = tonumber(os.getenv("BENCH_DELAY_MS") or "")
if pace then
  function delay()
    return math.random(0, 2 * pace)
  end
end
