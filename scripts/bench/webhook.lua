-- wrk script: each thread posts its own file of pre-signed webhook bodies (see webhook_payloads.py).
--
-- Kept cheap on purpose, as wrk shares the 2 cores with the server it measures:
-- - init only opens the file. wrk starts each thread as soon as that thread's init is done but
--   starts the clock after the last one, so a slow init (reading 300,000 lines took about 1.5 s)
--   lets the first thread run, unmeasured, for that long.
-- - request reads the next line (buffered) and builds the HTTP text with one concatenation:
--   `wrk.format` (a table of headers, a string.format per header, table.concat) cost more.
local threads = 0
function setup(thread)
  thread:set("thread_id", threads)
  threads = threads + 1
end

function init(args)
  -- BENCH_FILE_BASE: a second wrk beside the first takes the files after the first's.
  local file = thread_id + tonumber(os.getenv("BENCH_FILE_BASE") or "0")
  bodies = assert(io.open(os.getenv("BENCH_DIR") .. "/bodies-" .. file .. ".tsv", "rb"))
  local path = os.getenv("BENCH_PATH") or "/webhooks/whatsapp"
  head = "POST " .. path .. " HTTP/1.1\r\nHost: " .. wrk.headers["Host"]
    .. "\r\nContent-Type: application/json\r\nX-Hub-Signature-256: "
  -- The measured run starts half-way through the file, so it never repeats the warm-up's bodies.
  local start = tonumber(os.getenv("BENCH_START") or "0")
  if start > 0 then
    bodies:seek("set", math.floor(bodies:seek("end") * start))
    bodies:read("*l") -- the rest of the line the seek landed in
  end
end

function request()
  local line = bodies:read("*l")
  if not line then
    bodies:seek("set", 0)
    line = bodies:read("*l")
  end
  local tab = line:find("\t", 1, true)
  local body = line:sub(tab + 1)
  return head .. line:sub(1, tab - 1) .. "\r\nContent-Length: " .. #body .. "\r\n\r\n" .. body
end
