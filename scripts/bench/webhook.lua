-- wrk script: each thread posts its own file of pre-signed webhook bodies (see webhook_payloads.py).
local threads = 0
function setup(thread)
  thread:set("thread_id", threads)
  threads = threads + 1
end

function init(args)
  signatures, bodies, next_body = {}, {}, 0
  local path = os.getenv("BENCH_DIR") .. "/bodies-" .. thread_id .. ".tsv"
  for line in io.lines(path) do
    local signature, body = line:match("^([^\t]+)\t(.*)$")
    signatures[#signatures + 1] = signature
    bodies[#bodies + 1] = body
  end
  path_ = os.getenv("BENCH_PATH") or "/webhooks/whatsapp"
  -- The measured run starts half-way through the file, so it never repeats the warm-up's bodies.
  next_body = math.floor(#bodies * tonumber(os.getenv("BENCH_START") or "0"))
end

function request()
  next_body = next_body % #bodies + 1
  return wrk.format("POST", path_, {
    ["Content-Type"] = "application/json",
    ["X-Hub-Signature-256"] = signatures[next_body],
  }, bodies[next_body])
end
